//! `secrets-audit`: what the git history of the encrypted files says.
//!
//! [`history`] walks commits and turns each change of a sops file into events (keys added,
//! changed, removed; recipients; data-key rotations; `.sops.yaml` rule changes); [`log`]
//! formats them and keeps the rotation-log markdown table; [`inventory`] reads
//! `secrets/inventory.yaml`; [`status`] reports age, cadence and policy per key and file.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod date;
pub mod error;
pub mod history;
pub mod inventory;
pub mod log;
pub mod status;
