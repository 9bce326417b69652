//! `secrets-sops`: a byte-compatible implementation of the sops 3.11 file format (age keys).
//!
//! The engine is organised around a format-neutral ordered [`tree`]. [`store`]s convert bytes
//! to trees and back; [`crypt`] encrypts, decrypts and authenticates trees with the [`cipher`];
//! [`metadata`] is the `sops` block; [`keys`] wraps the data key for age recipients and finds
//! identities; [`config`] reads `.sops.yaml`. [`file`] ties them together.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod cipher;
pub mod config;
pub mod config_edit;
pub mod crypt;
pub mod error;
pub mod file;
pub mod gofmt;
pub mod keys;
pub mod merge;
pub mod metadata;
pub mod path;
pub mod rekey;
pub mod shamir;
pub mod spanned;
pub mod store;
pub mod tree;

pub use error::{Error, Result};
