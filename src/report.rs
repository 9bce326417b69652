//! One exit policy: every failure carries an exit code (sops' numbers for the sops verbs), is
//! printed once as `secrets: error: …` with an optional `hint:` line, and never contains a
//! secret value (library errors only name key paths).

use std::fmt;

use secrets_sops::Error as SopsError;

/// sops' exit codes (cmd/sops/codes). The whole table is kept so every verb uses the same
/// numbers, even those not wired to a command yet.
#[allow(dead_code)]
pub mod code {
    /// Generic failure (sops `ErrorGeneric`).
    pub const GENERIC: u8 = 1;
    /// The input could not be read or parsed.
    pub const COULD_NOT_READ_INPUT: u8 = 2;
    /// The output could not be written.
    pub const COULD_NOT_WRITE_OUTPUT: u8 = 3;
    /// The tree cannot be written in the output format.
    pub const ERROR_DUMPING_TREE: u8 = 4;
    /// Bad `set` path or value.
    pub const INVALID_SET_FORMAT: u8 = 7;
    /// Flags that cannot be combined.
    pub const CONFLICTING_PARAMETERS: u8 = 8;
    /// Encrypting the tree failed (non-string keys, unsupported values).
    pub const ERROR_ENCRYPTING_TREE: u8 = 23;
    /// Decrypting a value failed.
    pub const ERROR_DECRYPTING_TREE: u8 = 25;
    /// Key changes on a file that does not exist.
    pub const CANNOT_CHANGE_KEYS_FROM_NON_EXISTENT_FILE: u8 = 49;
    /// The MAC does not match.
    pub const MAC_MISMATCH: u8 = 51;
    /// Bad `--extract` path.
    pub const INVALID_TREE_PATH_FORMAT: u8 = 91;
    /// Empty YAML.
    pub const NEED_AT_LEAST_ONE_DOCUMENT: u8 = 92;
    /// `--decryption-order` names a key type twice.
    pub const DUPLICATE_DECRYPTION_KEY_TYPE: u8 = 112;
    /// No file given, or it does not exist.
    pub const NO_FILE_SPECIFIED: u8 = 100;
    /// No identity could recover the data key.
    pub const COULD_NOT_RETRIEVE_KEY: u8 = 128;
    /// `edit` without changes.
    pub const FILE_HAS_NOT_BEEN_MODIFIED: u8 = 200;
    /// No editor, or the editor failed.
    pub const NO_EDITOR_FOUND: u8 = 201;
    /// The input is already encrypted.
    pub const FILE_ALREADY_ENCRYPTED: u8 = 203;
}

/// An error with the exit code it should produce and an optional hint for the user.
#[derive(Debug)]
pub struct Failure {
    /// Process exit code.
    pub code: u8,
    /// What went wrong.
    pub error: anyhow::Error,
    /// What to do about it.
    pub hint: Option<String>,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:#}", self.error)
    }
}

impl std::error::Error for Failure {}

impl Failure {
    /// A failure with `code`.
    pub fn new(code: u8, error: impl Into<anyhow::Error>) -> Self {
        Failure {
            code,
            error: error.into(),
            hint: None,
        }
    }

    /// Adds a hint line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// What the command was doing, which decides some codes (a parse error is 2 when reading a
/// plaintext to encrypt, 1 when loading an encrypted file — as in sops).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// Reading a plaintext and encrypting it.
    Encrypt,
    /// Reading an encrypted file.
    Decrypt,
}

/// Maps a library error to a failure with sops' exit code and a hint.
pub fn classify(err: SopsError, phase: Phase) -> Failure {
    let (code, hint) = match &err {
        SopsError::Parse { .. } => match phase {
            Phase::Encrypt => (code::COULD_NOT_READ_INPUT, None),
            Phase::Decrypt => (code::GENERIC, None),
        },
        SopsError::EmptyYaml => (code::NEED_AT_LEAST_ONE_DOCUMENT, None),
        SopsError::Emit { .. } => (code::ERROR_DUMPING_TREE, Some("choose another --output-type")),
        SopsError::NonStringKey { .. } | SopsError::UnsupportedValue { .. } => (
            match phase {
                Phase::Encrypt => code::ERROR_ENCRYPTING_TREE,
                Phase::Decrypt => code::ERROR_DECRYPTING_TREE,
            },
            Some("quote the key (\"123\": value) so it is a string"),
        ),
        SopsError::MetadataNotFound => (
            code::GENERIC,
            Some("the file is not sops-encrypted; use `secrets encrypt` first"),
        ),
        SopsError::NotEncrypted { .. } | SopsError::Decrypt { .. } => (
            code::ERROR_DECRYPTING_TREE,
            Some("a value was edited by hand or the file is damaged; restore it from git"),
        ),
        SopsError::MacMismatch { .. } | SopsError::MacMissing | SopsError::MacUndecryptable(_) => (
            code::MAC_MISMATCH,
            Some("values or their order changed outside sops/secrets; if that was intended, use --ignore-mac and re-encrypt"),
        ),
        SopsError::DataKey(_) => (
            code::COULD_NOT_RETRIEVE_KEY,
            Some("set SOPS_AGE_KEY_FILE to your age identity file, or ask a recipient to add you with `secrets updatekeys`"),
        ),
        SopsError::NoKeys => (code::GENERIC, None),
        SopsError::AlreadyEncrypted => (
            code::FILE_ALREADY_ENCRYPTED,
            Some("decrypt it first, or use `secrets edit` to change it"),
        ),
        SopsError::InvalidTreePath(_) => (
            code::INVALID_TREE_PATH_FORMAT,
            Some("paths look like '[\"key\"][\"nested\"][0]'"),
        ),
        SopsError::ConflictingEncryptionOptions => (code::GENERIC, None),
        SopsError::Config(m) if m.contains("matches unencrypted_comment_regex") => {
            (code::ERROR_ENCRYPTING_TREE, None)
        }
        SopsError::NoMatchingCreationRule => (
            code::GENERIC,
            Some("add a creation rule whose path_regex matches this file to .sops.yaml"),
        ),
        SopsError::Io { .. } => (code::COULD_NOT_READ_INPUT, None),
        _ => (code::GENERIC, None),
    };
    let mut f = Failure::new(code, err);
    if let Some(h) = hint {
        f = f.hint(h);
    }
    f
}

/// Extension to attach an exit code to any error.
pub trait WithCode<T> {
    /// Converts the error into a [`Failure`] with `code`.
    fn code(self, code: u8) -> Result<T, Failure>;
}

impl<T, E: Into<anyhow::Error>> WithCode<T> for Result<T, E> {
    fn code(self, code: u8) -> Result<T, Failure> {
        self.map_err(|e| Failure::new(code, e))
    }
}

/// Prints a warning line to stderr.
pub fn warn(msg: &str) {
    eprintln!("secrets: warning: {msg}");
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Prints a failure and returns the process exit code.
pub fn exit_code(result: Result<u8, Failure>) -> u8 {
    match result {
        Ok(code) => code,
        Err(f) if is_broken_pipe(&f.error) => 0,
        Err(f) => {
            let mut msg = String::new();
            for (i, cause) in f.error.chain().enumerate() {
                if i > 0 {
                    msg.push_str(": ");
                }
                msg.push_str(&cause.to_string());
            }
            eprintln!("secrets: error: {msg}");
            if let Some(h) = f.hint {
                eprintln!("hint: {h}");
            }
            f.code
        }
    }
}
