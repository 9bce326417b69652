//! `secrets-deploy`: turns sops files into per-target `.env` files and puts them where they
//! belong.
//!
//! [`targets`] reads `secrets/targets.yaml` (plaintext, no secrets); [`render`] selects, names
//! and quotes the values of a target in the docker compose `.env` dialect (also valid for
//! POSIX `set -a; . ./.env`); [`ssh`] talks to a server (pinned host keys, atomic 0600 writes,
//! restart commands) with `ssh2`; [`sync`] plans and runs a sync over many targets;
//! [`state`] remembers what command targets were last sent.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod render;
pub mod ssh;
pub mod state;
pub mod sync;
pub mod targets;
