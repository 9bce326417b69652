//! Merge conflicts left by `secrets merge-driver`, for `secrets edit` to offer both sides.
//!
//! Record layout (under the repository's git dir, never in the working tree):
//! `$GIT_DIR/secrets/conflicts/<sha256 of the repo-relative path>.json` holding
//! `{"path": "<repo-relative path>", "keys": ["[\"a\"][\"b\"]", ...], "theirs": "<their
//! encrypted file, verbatim>"}`. Only encrypted bytes and key paths are stored.

#![allow(dead_code)] // wired up by the merge driver and edit

use std::path::Path;

use secrets_sops::path::Step;

/// A pending conflict for one file.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Conflicting key paths.
    pub keys: Vec<Vec<Step>>,
    /// Their version of the file (encrypted, as git gave it to the merge driver).
    pub theirs: Vec<u8>,
}

/// Finds the pending conflict for `file` (a working-tree path), if any.
pub fn load(_file: &Path) -> Option<Conflict> {
    None
}

/// Forgets the conflict for `file` (after a successful edit).
pub fn clear(_file: &Path) {}
