//! Walking the git history of sops files into events. (Types fixed; the walk is being written.)

use serde::Serialize;

/// What changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChangeKind {
    /// The encrypted file appeared (its keys are reported as `KeyAdded` too).
    FileCreated,
    /// The encrypted file was deleted.
    FileDeleted,
    /// The file was renamed (`detail` holds the old path).
    FileRenamed,
    /// A key appeared.
    KeyAdded,
    /// A key's value changed (its ciphertext changed; with `--decrypt`, its plaintext).
    KeyChanged,
    /// A key disappeared.
    KeyRemoved,
    /// An age recipient was added (`detail` = recipient).
    RecipientAdded,
    /// An age recipient was removed (`detail` = recipient).
    RecipientRemoved,
    /// New data key: every value and every age block changed.
    DataKeyRotated,
    /// Every value was re-encrypted but (with `--decrypt`) no plaintext changed.
    Reencrypted,
    /// A `.sops.yaml` creation rule changed who can decrypt matching files (`detail` says how).
    RuleChanged,
}

/// One change to one file (or to `.sops.yaml`) in one commit.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// What changed.
    pub kind: ChangeKind,
    /// Key path in sops' extract syntax (`["db"]["password"]`), for key changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Recipient, old path or rule description; never a value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The changes one commit made to one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileEvent {
    /// Full commit id.
    pub commit: String,
    /// Author time, seconds since the epoch (UTC).
    pub time: i64,
    /// Author name.
    pub author: String,
    /// Author email.
    pub email: String,
    /// First line of the commit message (the "reason").
    pub subject: String,
    /// Path of the file after the commit (repository-relative, `/`-separated).
    pub file: String,
    /// What changed, in file order.
    pub changes: Vec<Change>,
}
