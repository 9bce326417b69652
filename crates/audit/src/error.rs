//! The audit crate's error type. Messages name commits, files and notes refs, never values.

use std::path::PathBuf;

/// What can go wrong while walking history or writing the rotation log.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// A git operation failed.
    #[error("{what}")]
    Git {
        /// What was being done (`reading commit 1a2b3c4d`).
        what: String,
        /// libgit2's error.
        #[source]
        source: git2::Error,
    },
    /// A file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
}

impl AuditError {
    /// A git error with what was being done.
    pub(crate) fn git(what: impl Into<String>) -> impl FnOnce(git2::Error) -> AuditError {
        let what = what.into();
        move |source| AuditError::Git { what, source }
    }
}
