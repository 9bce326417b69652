//! The engine's error type. Messages name files, key paths and kinds of values, never values.

use std::path::PathBuf;

/// Result alias for the engine.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong while reading, decrypting, encrypting or writing a sops file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input could not be parsed in its format.
    #[error("{format} input could not be parsed: {message}")]
    Parse {
        /// Store name (`yaml`, `json`, ...).
        format: &'static str,
        /// Parser message (positions and structure, no content).
        message: String,
    },
    /// A zero-byte YAML file.
    #[error("file cannot be completely empty, it must contain at least one document")]
    EmptyYaml,
    /// The tree cannot be represented in the requested output format.
    #[error("cannot write {format}: {message}")]
    Emit {
        /// Store name.
        format: &'static str,
        /// What cannot be represented.
        message: String,
    },
    /// A map key that is not a string (YAML `123:`).
    #[error("tree contains a non-string key (type {kind}); only string keys are supported")]
    NonStringKey {
        /// The resolved type of the key.
        kind: &'static str,
    },
    /// A value sops cannot walk (an integer beyond int64).
    #[error("cannot walk value at {path}: unsupported {kind} value")]
    UnsupportedValue {
        /// Key path of the value.
        path: String,
        /// What kind it is.
        kind: &'static str,
    },
    /// The file has no `sops` metadata.
    #[error("sops metadata not found")]
    MetadataNotFound,
    /// The `sops` metadata is present but malformed.
    #[error("invalid sops metadata: {0}")]
    InvalidMetadata(String),
    /// Metadata without a version.
    #[error("version string empty")]
    VersionEmpty,
    /// More than one of the partial-encryption options.
    #[error(
        "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, \
         unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex"
    )]
    ConflictingEncryptionOptions,
    /// A partial-encryption regex does not compile.
    #[error("invalid {option} regex: {message}")]
    BadRegex {
        /// Option name.
        option: &'static str,
        /// Compiler message.
        message: String,
    },
    /// A value that should be encrypted is not an `ENC[...]` string.
    #[error("value at {path} should be encrypted but does not match sops' data format")]
    NotEncrypted {
        /// Key path of the value.
        path: String,
    },
    /// A value could not be decrypted (wrong key, tampered data or AAD).
    #[error("could not decrypt value at {path}: {reason}")]
    Decrypt {
        /// Key path of the value.
        path: String,
        /// Why (never the value).
        reason: String,
    },
    /// The MAC did not match the values.
    #[error("MAC mismatch: file has {stored}, computed {computed}")]
    MacMismatch {
        /// Short fingerprint of the stored MAC.
        stored: String,
        /// Short fingerprint of the computed MAC.
        computed: String,
    },
    /// The file has no MAC.
    #[error("file has no MAC")]
    MacMissing,
    /// The MAC itself could not be decrypted.
    #[error("cannot decrypt MAC: {0}")]
    MacUndecryptable(String),
    /// The file names no master keys at all.
    #[error("no keys found in file")]
    NoKeys,
    /// No identity could recover the data key; the report says what was tried.
    #[error("failed to get the data key required to decrypt the sops file\n{0}")]
    DataKey(String),
    /// Encryption to a recipient failed, or a recipient string is invalid.
    #[error("{0}")]
    Recipient(String),
    /// The input already carries sops metadata.
    #[error("the file already has sops metadata (a top-level `sops` key, [sops] section or sops_ keys); it looks encrypted already")]
    AlreadyEncrypted,
    /// A tree path (`["a"][0]`) is malformed.
    #[error("invalid tree path format: {0}")]
    InvalidTreePath(String),
    /// A tree path names something that does not exist.
    #[error("component {0} not found")]
    PathNotFound(String),
    /// Shamir splitting or combining failed.
    #[error("shamir: {0}")]
    Shamir(String),
    /// `.sops.yaml` problems.
    #[error("{0}")]
    Config(String),
    /// No creation rule matches the file.
    #[error("error loading config: no matching creation rules found")]
    NoMatchingCreationRule,
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl Error {
    /// A parse error for `format`.
    pub fn parse(format: &'static str, message: impl Into<String>) -> Self {
        Error::Parse {
            format,
            message: message.into(),
        }
    }

    /// An emit error for `format`.
    pub fn emit(format: &'static str, message: impl Into<String>) -> Self {
        Error::Emit {
            format,
            message: message.into(),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }
}
