//! `secrets status`: age, cadence and policy of every key of every sops file, computed from the
//! files at HEAD, the history events of [`crate::history`], the [`crate::inventory`] and
//! `.sops.yaml`.
//!
//! [`report`] is a pure function of a [`StatusInput`], so it is tested with synthetic events.
//!
//! **Keys.** The keys of a file are its encrypted leaf values (`ENC[…]` strings), spelled as
//! [`crate::history::leaves`] spells them (`["db"]["password"]`, list items by index:
//! `["hosts"][0]`, later YAML documents prefixed: `#1["key"]`); values left in plaintext by
//! `_unencrypted` or the regex options are not secrets and are not reported. Inventory entries
//! match the steps without the document prefix. A key's *last change* is the newest `KeyAdded` or
//! `KeyChanged` event of that file that names the key, one of its ancestors or one of its
//! descendants (so a history that reports a list as one key still dates its items). Renames are
//! followed back through `FileRenamed`, and the walk stops at the file's creation (a file
//! deleted and created again starts afresh). A commit that rotates the data key
//! (`DataKeyRotated`) or re-encrypts every value (`Reencrypted`) changes every ciphertext, so
//! its `KeyChanged` entries are not value changes unless the events were made with decryption
//! ([`StatusInput::events_decrypted`]); change values in a commit of their own.
//!
//! **Age and overdue.** A key's age is the number of calendar days (UTC) from the date of its
//! last change to the date of [`StatusInput::now`] (never negative). A key is overdue when its age is greater than its
//! cadence: with a 90-day cadence, a value changed on 2026-01-01 is due on 2026-04-01 and
//! overdue from 2026-04-02. Keys without a cadence, or with `never`, are never overdue.
//!
//! **Recipients.** A file's age recipients (every key group together) are compared as a set
//! with the age recipients of its first matching creation rule (every key group of the rule
//! together): key-group structure, Shamir thresholds and non-age keys (PGP, KMS) are not
//! compared. A rule without age recipients is not compared.
//!
//! **Removed recipients.** A recipient removed after the file's last `DataKeyRotated` (and not a
//! recipient again at HEAD) still holds the current data key through the history, so can read
//! the current file and every value encrypted under that key until the next rotation: a policy
//! problem. `secrets updatekeys` rotates on removal; real sops does not. Independently, every
//! key lists the removed recipients who could read its current value (those removed after the
//! value last changed): rotating the data key does not change what they already saw.

use std::fmt;
use std::path::Path;

use secrets_sops::config::Config;
use secrets_sops::metadata::Metadata;
use secrets_sops::path::Step;
use secrets_sops::tree::{Branch, Value};
use serde::Serialize;

pub use crate::date::parse_date;
use crate::date::{format_date, DAY};
use crate::history::{ChangeKind, FileEvent};
use crate::inventory::{Cadence, Entry, Inventory};

/// A sops file as it is at HEAD.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HeadFile {
    /// Repository-relative, `/`-separated path.
    pub path: String,
    /// Encrypted key paths in extract syntax (`["db"]["password"]`), in file order.
    pub keys: Vec<String>,
    /// Age recipients of every key group, in file order.
    pub recipients: Vec<String>,
}

impl HeadFile {
    /// Reads the keys and recipients of an encrypted file (no key needed). Keys are spelled as
    /// [`crate::history::leaves`] spells them, so they compare with the history's.
    pub fn new(path: &str, documents: &[Branch], metadata: &Metadata) -> HeadFile {
        let mut keys: Vec<String> = Vec::new();
        for (key, value) in crate::history::leaves(documents) {
            let encrypted = matches!(value, Value::Str(s) if s.starts_with("ENC["));
            if encrypted && !keys.contains(&key) {
                keys.push(key);
            }
        }
        let mut recipients: Vec<String> = Vec::new();
        for key in metadata.age_keys() {
            if !recipients.contains(&key.recipient) {
                recipients.push(key.recipient.clone());
            }
        }
        HeadFile {
            path: path.to_string(),
            keys,
            recipients,
        }
    }
}

/// Everything [`report`] needs.
#[derive(Clone, Copy, Debug)]
pub struct StatusInput<'a> {
    /// "Today", seconds since the epoch.
    pub now: i64,
    /// The sops files at HEAD, in the order to report them.
    pub files: &'a [HeadFile],
    /// History events, oldest first (as [`crate::history::walk`] returns them).
    pub events: &'a [FileEvent],
    /// True when the events were made with decryption (`KeyChanged` is then a plaintext change
    /// even in a commit that rotated the data key).
    pub events_decrypted: bool,
    /// The inventory, when there is one.
    pub inventory: Option<&'a Inventory>,
    /// `.sops.yaml`, when there is one.
    pub config: Option<&'a Config>,
}

/// The commit behind a change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Stamp {
    /// Author date, `YYYY-MM-DD` (UTC).
    pub date: String,
    /// Author time, seconds since the epoch.
    pub time: i64,
    /// Full commit id.
    pub commit: String,
    /// Author name.
    pub author: String,
    /// First line of the commit message.
    pub subject: String,
    /// The file's path in that commit (differs from the current one after a rename).
    pub file: String,
}

impl Stamp {
    fn of(event: &FileEvent) -> Stamp {
        Stamp {
            date: format_date(event.time),
            time: event.time,
            commit: event.commit.clone(),
            author: event.author.clone(),
            subject: event.subject.clone(),
            file: event.file.clone(),
        }
    }
}

/// A key's state, most urgent first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyState {
    /// Older than its cadence.
    Overdue,
    /// No inventory entry covers the key.
    NoInventory,
    /// No change of the key was found in the history (e.g. a shallow clone).
    NoHistory,
    /// Within its cadence (or without one).
    Ok,
}

impl KeyState {
    /// The word shown in the table.
    pub fn label(self) -> &'static str {
        match self {
            KeyState::Overdue => "OVERDUE",
            KeyState::NoInventory => "no inventory",
            KeyState::NoHistory => "no history",
            KeyState::Ok => "ok",
        }
    }
}

/// The inventory entry that covers a key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EntryInfo {
    /// Line of the entry in the inventory.
    pub line: usize,
    /// Its `match`.
    #[serde(rename = "match")]
    pub pattern: String,
    /// Owner.
    pub owner: Option<String>,
    /// Sensitivity.
    pub sensitivity: Option<String>,
    /// Destinations.
    pub destinations: Vec<String>,
    /// Notes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
}

impl EntryInfo {
    fn of(entry: &Entry) -> EntryInfo {
        EntryInfo {
            line: entry.line,
            pattern: entry.pattern.clone(),
            owner: entry.owner.clone(),
            sensitivity: entry.sensitivity.clone(),
            destinations: entry.destinations.clone(),
            notes: entry.notes.clone(),
        }
    }
}

/// One key of one file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyStatus {
    /// The file (path at HEAD).
    pub file: String,
    /// Key path in extract syntax.
    pub key: String,
    /// Summary state.
    pub state: KeyState,
    /// The last value change, when the history has one.
    pub last_changed: Option<Stamp>,
    /// Whole days since the last change.
    pub age_days: Option<i64>,
    /// Effective cadence (entry, else inventory default).
    pub cadence: Option<Cadence>,
    /// The date the value must be rotated by, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// Older than its cadence.
    pub overdue: bool,
    /// The covering inventory entry (`null` when none).
    pub inventory: Option<EntryInfo>,
    /// Removed recipients who could read the current value (removed after it last changed).
    pub known_to_removed: Vec<String>,
}

/// How a file's recipients compare with its `.sops.yaml` creation rule.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum RuleCheck {
    /// Same age recipients.
    Match {
        /// The rule's age recipients.
        expected: Vec<String>,
    },
    /// Different age recipients.
    Mismatch {
        /// The rule's age recipients.
        expected: Vec<String>,
        /// In the rule, not in the file.
        missing: Vec<String>,
        /// In the file, not in the rule.
        extra: Vec<String>,
    },
    /// The matching rule names no age recipient (only PGP/KMS/...): not compared.
    NoAgeRecipients,
    /// No creation rule matches the file.
    NoRule,
    /// There is no `.sops.yaml`.
    NoConfig,
    /// The rules could not be evaluated (an invalid `path_regex`).
    Invalid {
        /// Why.
        error: String,
    },
}

/// A recipient removal.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Removal {
    /// The removed recipient.
    pub recipient: String,
    /// The commit that removed it.
    #[serde(flatten)]
    pub stamp: Stamp,
}

/// One file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileStatus {
    /// Path at HEAD.
    pub file: String,
    /// Age recipients at HEAD.
    pub recipients: Vec<String>,
    /// Recipients against the creation rule.
    pub rule: RuleCheck,
    /// The last data-key rotation, when the history has one.
    pub last_rotation: Option<Stamp>,
    /// Recipients removed after the last rotation (and not recipients again), oldest first.
    pub removed_since_rotation: Vec<Removal>,
    /// Keys no inventory entry covers.
    pub unlisted_keys: Vec<String>,
}

/// An inventory entry that covers no key at HEAD (probably stale or mistyped).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct UnusedEntry {
    /// Line in the inventory.
    pub line: usize,
    /// Its `match`.
    #[serde(rename = "match")]
    pub pattern: String,
}

/// Something overdue or out of policy: each one makes `secrets status` exit 1.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Problem {
    /// A key older than its cadence.
    Overdue {
        /// File.
        file: String,
        /// Key path.
        key: String,
        /// Age in days.
        age_days: i64,
        /// Cadence.
        cadence: Cadence,
    },
    /// A key without an inventory entry, when the inventory sets `require_entries: true`.
    MissingEntry {
        /// File.
        file: String,
        /// Key path.
        key: String,
    },
    /// The file's age recipients differ from its creation rule's.
    RecipientsMismatch {
        /// File.
        file: String,
        /// In the rule, not in the file.
        missing: Vec<String>,
        /// In the file, not in the rule.
        extra: Vec<String>,
    },
    /// Recipients were removed and the data key was not rotated since.
    RemovedWithoutRotation {
        /// File.
        file: String,
        /// The removed recipients.
        recipients: Vec<String>,
    },
    /// `.sops.yaml` could not be evaluated for the file.
    RuleError {
        /// File.
        file: String,
        /// Why.
        error: String,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Overdue {
                file,
                key,
                age_days,
                cadence,
            } => write!(
                f,
                "{file}: {key} is overdue: last changed {age_days} days ago, rotation every \
                 {cadence}"
            ),
            Problem::MissingEntry { file, key } => {
                write!(f, "{file}: {key} has no inventory entry")
            }
            Problem::RecipientsMismatch {
                file,
                missing,
                extra,
            } => {
                write!(f, "{file}: age recipients differ from the .sops.yaml rule")?;
                if !missing.is_empty() {
                    write!(f, "; missing: {}", missing.join(", "))?;
                }
                if !extra.is_empty() {
                    write!(f, "; not in the rule: {}", extra.join(", "))?;
                }
                Ok(())
            }
            Problem::RemovedWithoutRotation { file, recipients } => write!(
                f,
                "{file}: data key not rotated since {} was removed: with a copy of the \
                 history they can still decrypt the current file",
                recipients.join(", ")
            ),
            Problem::RuleError { file, error } => {
                write!(f, "{file}: cannot apply .sops.yaml: {error}")
            }
        }
    }
}

/// The whole status.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatusReport {
    /// The date ages are computed at, `YYYY-MM-DD`.
    pub as_of: String,
    /// Whether an inventory was used.
    pub inventory: bool,
    /// Whether keys without an entry are problems.
    pub require_entries: bool,
    /// Every key of every file.
    pub keys: Vec<KeyStatus>,
    /// Every file.
    pub files: Vec<FileStatus>,
    /// Inventory entries that cover no key.
    pub unused_entries: Vec<UnusedEntry>,
    /// What makes the status fail.
    pub problems: Vec<Problem>,
}

impl StatusReport {
    /// Everything overdue or out of policy; empty when the status is clean.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }

    /// True when nothing is overdue or out of policy.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }
}

/// A key path split into its YAML document (`#1["k"]` is in the second document) and its
/// steps; `None` for text that is not a key path (never produced by the history walk).
fn steps(key: &str) -> Option<(usize, Vec<Step>)> {
    let (doc, rest) = match key.strip_prefix('#') {
        Some(rest) => {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            (rest[..digits].parse().ok()?, &rest[digits..])
        }
        None => (0, key),
    };
    Some((doc, secrets_sops::path::parse(rest).ok()?))
}

/// The events of the file now at `path`, newest first, following renames back to its creation.
fn lineage<'e>(events: &'e [FileEvent], path: &str) -> Vec<&'e FileEvent> {
    let mut current = path.to_string();
    let mut out = Vec::new();
    for event in events.iter().rev() {
        if event.file != current {
            continue;
        }
        let has = |kind| event.changes.iter().any(|c| c.kind == kind);
        if has(ChangeKind::FileDeleted) {
            break;
        }
        out.push(event);
        let renamed_from = event
            .changes
            .iter()
            .find(|c| c.kind == ChangeKind::FileRenamed)
            .and_then(|c| c.detail.clone());
        match renamed_from {
            Some(old) => current = old,
            None if has(ChangeKind::FileCreated) => break,
            None => {}
        }
    }
    out
}

/// The index (in `lineage`, newest first) of the last value change of `key`.
fn last_change(lineage: &[&FileEvent], key: &str, decrypted: bool) -> Option<usize> {
    let key_steps = steps(key);
    let covers = |other: &str| match (&key_steps, steps(other)) {
        (Some((doc, k)), Some((other_doc, o))) => {
            *doc == other_doc && (k.starts_with(&o) || o.starts_with(k))
        }
        _ => key == other,
    };
    lineage.iter().position(|event| {
        let rewritten = event
            .changes
            .iter()
            .any(|c| matches!(c.kind, ChangeKind::DataKeyRotated | ChangeKind::Reencrypted));
        event.changes.iter().any(|c| {
            let counts = match c.kind {
                ChangeKind::KeyAdded => true,
                ChangeKind::KeyChanged => decrypted || !rewritten,
                _ => false,
            };
            counts && c.key.as_deref().is_some_and(covers)
        })
    })
}

/// Recipients removed in `lineage[..end]` (newest first), not at HEAD; deduplicated, newest
/// removal kept, returned oldest first.
fn removals(lineage: &[&FileEvent], end: usize, head: &[String]) -> Vec<Removal> {
    let mut out: Vec<Removal> = Vec::new();
    for event in &lineage[..end] {
        for change in &event.changes {
            if change.kind != ChangeKind::RecipientRemoved {
                continue;
            }
            let Some(recipient) = &change.detail else {
                continue;
            };
            if head.contains(recipient) || out.iter().any(|r| &r.recipient == recipient) {
                continue;
            }
            out.push(Removal {
                recipient: recipient.clone(),
                stamp: Stamp::of(event),
            });
        }
    }
    out.reverse();
    out
}

fn rule_check(config: Option<&Config>, file: &HeadFile) -> RuleCheck {
    let Some(config) = config else {
        return RuleCheck::NoConfig;
    };
    if config.creation_rules.is_empty() {
        return RuleCheck::NoRule;
    }
    let rule = match config.rule_for(Path::new(&file.path), config.dir()) {
        Ok(rule) => rule,
        Err(secrets_sops::Error::NoMatchingCreationRule) => return RuleCheck::NoRule,
        Err(e) => {
            return RuleCheck::Invalid {
                error: e.to_string(),
            }
        }
    };
    let mut expected: Vec<String> = Vec::new();
    for recipient in rule.key_groups.iter().flatten() {
        if !expected.contains(recipient) {
            expected.push(recipient.clone());
        }
    }
    if expected.is_empty() {
        return RuleCheck::NoAgeRecipients;
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|r| !file.recipients.contains(r))
        .cloned()
        .collect();
    let extra: Vec<String> = file
        .recipients
        .iter()
        .filter(|r| !expected.contains(r))
        .cloned()
        .collect();
    if missing.is_empty() && extra.is_empty() {
        RuleCheck::Match { expected }
    } else {
        RuleCheck::Mismatch {
            expected,
            missing,
            extra,
        }
    }
}

/// Computes the status of every key and file.
pub fn report(input: &StatusInput<'_>) -> StatusReport {
    let inventory = input.inventory;
    let mut used = vec![false; inventory.map_or(0, |i| i.entries.len())];
    let mut keys = Vec::new();
    let mut files = Vec::new();
    let mut key_problems = Vec::new();
    let mut file_problems = Vec::new();
    let included = input
        .files
        .iter()
        .filter(|f| !inventory.is_some_and(|inv| inv.excludes(&f.path)));
    for file in included {
        let lineage = lineage(input.events, &file.path);
        let mut unlisted = Vec::new();
        for key in &file.keys {
            let entry_index = match (inventory, steps(key)) {
                (Some(inv), Some((_, path))) => inv.lookup(&file.path, &path),
                _ => None,
            };
            let entry = entry_index.and_then(|i| inventory.map(|inv| &inv.entries[i]));
            if let Some(i) = entry_index {
                used[i] = true;
            }
            let cadence = inventory.and_then(|inv| inv.cadence(entry));
            let changed = last_change(&lineage, key, input.events_decrypted);
            let last_changed = changed.map(|i| Stamp::of(lineage[i]));
            let age_days = last_changed
                .as_ref()
                .map(|s| (input.now.div_euclid(DAY) - s.time.div_euclid(DAY)).max(0));
            let cadence_days = cadence.and_then(Cadence::days);
            let overdue =
                matches!((age_days, cadence_days), (Some(a), Some(c)) if a > i64::from(c));
            let due = match (&last_changed, cadence_days) {
                (Some(s), Some(c)) => Some(format_date(s.time + i64::from(c) * DAY)),
                _ => None,
            };
            let known_to_removed =
                removals(&lineage, changed.unwrap_or(lineage.len()), &file.recipients)
                    .into_iter()
                    .map(|r| r.recipient)
                    .collect();
            let state = if overdue {
                KeyState::Overdue
            } else if entry.is_none() {
                KeyState::NoInventory
            } else if last_changed.is_none() {
                KeyState::NoHistory
            } else {
                KeyState::Ok
            };
            if let (true, Some(age_days), Some(cadence)) = (overdue, age_days, cadence) {
                key_problems.push(Problem::Overdue {
                    file: file.path.clone(),
                    key: key.clone(),
                    age_days,
                    cadence,
                });
            }
            if entry.is_none() {
                unlisted.push(key.clone());
                if inventory.is_some_and(|inv| inv.require_entries) {
                    key_problems.push(Problem::MissingEntry {
                        file: file.path.clone(),
                        key: key.clone(),
                    });
                }
            }
            keys.push(KeyStatus {
                file: file.path.clone(),
                key: key.clone(),
                state,
                last_changed,
                age_days,
                cadence,
                due,
                overdue,
                inventory: entry.map(EntryInfo::of),
                known_to_removed,
            });
        }

        let rotation = lineage.iter().position(|e| {
            e.changes
                .iter()
                .any(|c| c.kind == ChangeKind::DataKeyRotated)
        });
        let removed = removals(
            &lineage,
            rotation.unwrap_or(lineage.len()),
            &file.recipients,
        );
        if !removed.is_empty() {
            file_problems.push(Problem::RemovedWithoutRotation {
                file: file.path.clone(),
                recipients: removed.iter().map(|r| r.recipient.clone()).collect(),
            });
        }
        let rule = rule_check(input.config, file);
        match &rule {
            RuleCheck::Mismatch { missing, extra, .. } => {
                file_problems.push(Problem::RecipientsMismatch {
                    file: file.path.clone(),
                    missing: missing.clone(),
                    extra: extra.clone(),
                })
            }
            RuleCheck::Invalid { error } => file_problems.push(Problem::RuleError {
                file: file.path.clone(),
                error: error.clone(),
            }),
            _ => {}
        }
        files.push(FileStatus {
            file: file.path.clone(),
            recipients: file.recipients.clone(),
            rule,
            last_rotation: rotation.map(|i| Stamp::of(lineage[i])),
            removed_since_rotation: removed,
            unlisted_keys: unlisted,
        });
    }
    let unused_entries = inventory
        .map(|inv| {
            inv.entries
                .iter()
                .zip(&used)
                .filter(|(_, used)| !**used)
                .map(|(e, _)| UnusedEntry {
                    line: e.line,
                    pattern: e.pattern.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    key_problems.extend(file_problems);
    StatusReport {
        as_of: format_date(input.now),
        inventory: inventory.is_some(),
        require_entries: inventory.is_some_and(|inv| inv.require_entries),
        keys,
        files,
        unused_entries,
        problems: key_problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::Change;
    use crate::inventory;

    const ALICE: &str = "age1alice";
    const BOB: &str = "age1bob";
    const CAROL: &str = "age1carol";

    fn t(day: &str) -> i64 {
        parse_date(day).unwrap() + 12 * 3600
    }

    fn change(kind: ChangeKind, key: Option<&str>, detail: Option<&str>) -> Change {
        Change {
            kind,
            key: key.map(str::to_string),
            detail: detail.map(str::to_string),
        }
    }

    fn key(kind: ChangeKind, key: &str) -> Change {
        change(kind, Some(key), None)
    }

    fn detail(kind: ChangeKind, r: &str) -> Change {
        change(kind, None, Some(r))
    }

    fn only(kind: ChangeKind) -> Change {
        change(kind, None, None)
    }

    fn event(day: &str, file: &str, changes: Vec<Change>) -> FileEvent {
        FileEvent {
            commit: format!("c-{day}-{file}"),
            time: t(day),
            author: "Alice".into(),
            email: "alice@example.com".into(),
            subject: format!("change on {day}"),
            file: file.into(),
            changes,
        }
    }

    fn head(path: &str, keys: &[&str], recipients: &[&str]) -> HeadFile {
        HeadFile {
            path: path.into(),
            keys: keys.iter().map(|k| k.to_string()).collect(),
            recipients: recipients.iter().map(|r| r.to_string()).collect(),
        }
    }

    fn config(text: &str) -> Config {
        Config::parse(Path::new("/repo/.sops.yaml"), text.as_bytes()).unwrap()
    }

    fn input<'a>(
        now: &str,
        files: &'a [HeadFile],
        events: &'a [FileEvent],
        inventory: Option<&'a Inventory>,
        config: Option<&'a Config>,
    ) -> StatusInput<'a> {
        StatusInput {
            now: parse_date(now).unwrap(),
            files,
            events,
            events_decrypted: false,
            inventory,
            config,
        }
    }

    const DB: &str = r#"["db"]["password"]"#;
    const API: &str = r#"["api_key"]"#;

    fn created(day: &str, file: &str, keys: &[&str]) -> FileEvent {
        let mut changes = vec![only(ChangeKind::FileCreated)];
        changes.extend(keys.iter().map(|k| key(ChangeKind::KeyAdded, k)));
        changes.push(detail(ChangeKind::RecipientAdded, ALICE));
        event(day, file, changes)
    }

    #[test]
    fn report_overdue_with_inventory_cadence() {
        let inv = inventory::parse(
            "secrets:\n  - match: 'secrets/app.yaml:db'\n    rotation: 90d\n    owner: ops\n  \
             - match: 'secrets/app.yaml:api_key'\n    rotation: 1y\n",
            "inv",
        )
        .unwrap();
        let events = [
            created("2026-01-01", "secrets/app.yaml", &[DB, API]),
            event(
                "2026-02-01",
                "secrets/app.yaml",
                vec![key(ChangeKind::KeyChanged, API)],
            ),
        ];
        let files = [head("secrets/app.yaml", &[DB, API], &[ALICE])];
        let r = report(&input("2026-04-01", &files, &events, Some(&inv), None));
        let db = &r.keys[0];
        assert_eq!(db.age_days, Some(90));
        assert_eq!(db.due.as_deref(), Some("2026-04-01"));
        assert_eq!(db.state, KeyState::Ok);
        assert!(r.is_clean(), "{:?}", r.problems);

        let r = report(&input("2026-06-01", &files, &events, Some(&inv), None));
        let db = &r.keys[0];
        assert_eq!(db.last_changed.as_ref().unwrap().date, "2026-01-01");
        assert_eq!(db.age_days, Some(151));
        assert_eq!(db.cadence, Some(Cadence::Days(90)));
        assert!(db.overdue);
        assert_eq!(db.state, KeyState::Overdue);
        assert_eq!(db.inventory.as_ref().unwrap().owner.as_deref(), Some("ops"));
        let api = &r.keys[1];
        assert_eq!(api.last_changed.as_ref().unwrap().date, "2026-02-01");
        assert_eq!(api.state, KeyState::Ok);
        assert_eq!(
            r.problems(),
            [Problem::Overdue {
                file: "secrets/app.yaml".into(),
                key: DB.into(),
                age_days: 151,
                cadence: Cadence::Days(90),
            }]
        );
        assert_eq!(
            r.problems[0].to_string(),
            "secrets/app.yaml: [\"db\"][\"password\"] is overdue: last changed 151 days ago, \
             rotation every 90d"
        );
    }

    #[test]
    fn report_rotation_is_not_a_value_change() {
        let events = [
            created("2026-01-01", "a.yaml", &[DB]),
            event(
                "2026-03-01",
                "a.yaml",
                vec![
                    only(ChangeKind::DataKeyRotated),
                    key(ChangeKind::KeyChanged, DB),
                ],
            ),
            event(
                "2026-03-02",
                "a.yaml",
                vec![
                    only(ChangeKind::Reencrypted),
                    key(ChangeKind::KeyChanged, DB),
                ],
            ),
        ];
        let files = [head("a.yaml", &[DB], &[ALICE])];
        let mut inp = input("2026-06-01", &files, &events, None, None);
        let r = report(&inp);
        assert_eq!(r.keys[0].last_changed.as_ref().unwrap().date, "2026-01-01");
        assert_eq!(
            r.files[0].last_rotation.as_ref().unwrap().date,
            "2026-03-01"
        );
        inp.events_decrypted = true;
        let r = report(&inp);
        assert_eq!(r.keys[0].last_changed.as_ref().unwrap().date, "2026-03-02");
    }

    #[test]
    fn report_follows_renames_and_stops_at_creation() {
        let events = [
            // An earlier file of the same name, deleted: not this file's history.
            created("2025-01-01", "old.yaml", &[DB]),
            event(
                "2025-02-01",
                "old.yaml",
                vec![only(ChangeKind::FileDeleted)],
            ),
            created("2025-06-01", "old.yaml", &[DB, API]),
            event(
                "2025-07-01",
                "old.yaml",
                vec![key(ChangeKind::KeyChanged, API)],
            ),
            event(
                "2025-08-01",
                "new.yaml",
                vec![detail(ChangeKind::FileRenamed, "old.yaml")],
            ),
            // Same name as the new file in another commit before the rename: unrelated.
            event(
                "2025-07-15",
                "other.yaml",
                vec![key(ChangeKind::KeyChanged, DB)],
            ),
        ];
        let files = [head("new.yaml", &[DB, API], &[ALICE])];
        let r = report(&input("2026-01-01", &files, &events, None, None));
        let db = r.keys[0].last_changed.as_ref().unwrap();
        assert_eq!(
            (db.date.as_str(), db.file.as_str()),
            ("2025-06-01", "old.yaml")
        );
        let api = r.keys[1].last_changed.as_ref().unwrap();
        assert_eq!(api.date, "2025-07-01");
        assert_eq!(r.keys[0].state, KeyState::NoInventory);
        assert_eq!(r.files[0].unlisted_keys, [DB, API]);
        assert!(r.is_clean(), "no inventory: unlisted keys are not problems");
    }

    #[test]
    fn report_matches_ancestor_and_descendant_keys() {
        let events = [
            created("2026-01-01", "a.yaml", &[r#"["hosts"]"#]),
            event(
                "2026-02-01",
                "a.yaml",
                vec![key(ChangeKind::KeyChanged, r#"['db']['password']"#)],
            ),
        ];
        let files = [head("a.yaml", &[r#"["hosts"][0]"#, r#"["db"]"#], &[ALICE])];
        let r = report(&input("2026-03-01", &files, &events, None, None));
        assert_eq!(r.keys[0].last_changed.as_ref().unwrap().date, "2026-01-01");
        assert_eq!(r.keys[1].last_changed.as_ref().unwrap().date, "2026-02-01");
    }

    #[test]
    fn report_keys_of_later_documents() {
        let events = [
            created("2026-01-01", "a.yaml", &[DB, r#"#1["db"]["password"]"#]),
            event(
                "2026-02-01",
                "a.yaml",
                vec![key(ChangeKind::KeyChanged, r#"#1["db"]"#)],
            ),
        ];
        let files = [head("a.yaml", &[DB, r#"#1["db"]["password"]"#], &[ALICE])];
        let inv = inventory::parse("secrets:\n  - match: 'a.yaml:db.password'\n", "i").unwrap();
        let r = report(&input("2026-03-01", &files, &events, Some(&inv), None));
        assert_eq!(r.keys[0].last_changed.as_ref().unwrap().date, "2026-01-01");
        assert_eq!(r.keys[1].last_changed.as_ref().unwrap().date, "2026-02-01");
        assert_eq!(r.keys[1].inventory.as_ref().unwrap().line, 2);
    }

    #[test]
    fn report_leaves_out_excluded_files() {
        let files = [
            head("secrets/a.yaml", &[DB], &[ALICE]),
            head("tests/vectors/b.yaml", &[DB], &[ALICE]),
            head("tests/c.yaml", &[DB], &[ALICE]),
        ];
        let inv = inventory::parse(
            "require_entries: true\nexclude: [\"tests/vectors/**\", \"tests/*.yaml\"]\n",
            "i",
        )
        .unwrap();
        let r = report(&input("2026-03-01", &files, &[], Some(&inv), None));
        let paths: Vec<&str> = r.files.iter().map(|f| f.file.as_str()).collect();
        assert_eq!(paths, ["secrets/a.yaml"]);
        assert_eq!(r.keys.len(), 1);
    }

    #[test]
    fn report_key_without_history() {
        let files = [head("a.yaml", &[DB], &[ALICE])];
        let inv = inventory::parse(
            "defaults:\n  rotation: 1d\nsecrets:\n  - match: a.yaml\n",
            "i",
        )
        .unwrap();
        let r = report(&input("2026-03-01", &files, &[], Some(&inv), None));
        let k = &r.keys[0];
        assert_eq!(
            (k.state, k.age_days, k.overdue),
            (KeyState::NoHistory, None, false)
        );
        assert_eq!(k.cadence, Some(Cadence::Days(1)));
        assert!(r.is_clean());
    }

    #[test]
    fn report_require_entries_and_unused_entries() {
        let inv = inventory::parse(
            "require_entries: true\ndefaults:\n  rotation: 30d\nsecrets:\n  - match: 'a.yaml:db'\n  \
             - match: 'gone.yaml'\n",
            "i",
        )
        .unwrap();
        let events = [created("2026-01-01", "a.yaml", &[DB, API])];
        let files = [head("a.yaml", &[DB, API], &[ALICE])];
        let r = report(&input("2026-01-20", &files, &events, Some(&inv), None));
        assert_eq!(r.keys[1].state, KeyState::NoInventory);
        assert_eq!(
            r.keys[1].cadence,
            Some(Cadence::Days(30)),
            "default cadence"
        );
        assert_eq!(
            r.problems(),
            [Problem::MissingEntry {
                file: "a.yaml".into(),
                key: API.into()
            }]
        );
        assert_eq!(
            r.unused_entries,
            [UnusedEntry {
                line: 6,
                pattern: "gone.yaml".into()
            }]
        );
        // Unlisted keys still get the default cadence and can be overdue.
        let r = report(&input("2026-03-01", &files, &events, Some(&inv), None));
        assert_eq!(r.keys[1].state, KeyState::Overdue);
        assert_eq!(r.problems().len(), 3);
    }

    #[test]
    fn report_recipients_against_rule() {
        let cfg = config(&format!(
            "creation_rules:\n  - path_regex: ^secrets/team\n    key_groups:\n      - age: [{ALICE}]\n      - age: [{BOB}]\n  - path_regex: ^secrets/\n    age: {ALICE}\n  - path_regex: ^kms/\n    kms: arn:aws:kms:x\n"
        ));
        let files = [
            head("secrets/team.yaml", &[], &[BOB, ALICE]),
            head("secrets/app.yaml", &[], &[ALICE, CAROL]),
            head("kms/x.yaml", &[], &[ALICE]),
            head("other/x.yaml", &[], &[ALICE]),
        ];
        let r = report(&input("2026-01-01", &files, &[], None, Some(&cfg)));
        assert_eq!(
            r.files[0].rule,
            RuleCheck::Match {
                expected: vec![ALICE.into(), BOB.into()]
            }
        );
        assert_eq!(
            r.files[1].rule,
            RuleCheck::Mismatch {
                expected: vec![ALICE.into()],
                missing: vec![],
                extra: vec![CAROL.into()],
            }
        );
        assert_eq!(r.files[2].rule, RuleCheck::NoAgeRecipients);
        assert_eq!(r.files[3].rule, RuleCheck::NoRule);
        assert_eq!(
            r.problems().iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["secrets/app.yaml: age recipients differ from the .sops.yaml rule; not in the rule: age1carol"]
        );
        let r = report(&input("2026-01-01", &files, &[], None, None));
        assert_eq!(r.files[0].rule, RuleCheck::NoConfig);
    }

    #[test]
    fn report_removed_recipients_since_rotation() {
        let events = [
            created("2026-01-01", "a.yaml", &[DB, API]),
            event(
                "2026-01-10",
                "a.yaml",
                vec![detail(ChangeKind::RecipientAdded, BOB)],
            ),
            event(
                "2026-01-15",
                "a.yaml",
                vec![detail(ChangeKind::RecipientAdded, CAROL)],
            ),
            // Our updatekeys: removal and rotation in one commit.
            event(
                "2026-02-01",
                "a.yaml",
                vec![
                    detail(ChangeKind::RecipientRemoved, BOB),
                    only(ChangeKind::DataKeyRotated),
                ],
            ),
            event(
                "2026-02-10",
                "a.yaml",
                vec![key(ChangeKind::KeyChanged, API)],
            ),
            // Real sops: removal without rotation.
            event(
                "2026-03-01",
                "a.yaml",
                vec![detail(ChangeKind::RecipientRemoved, CAROL)],
            ),
        ];
        let files = [head("a.yaml", &[DB, API], &[ALICE])];
        let r = report(&input("2026-03-10", &files, &events, None, None));
        let f = &r.files[0];
        assert_eq!(f.last_rotation.as_ref().unwrap().date, "2026-02-01");
        assert_eq!(f.removed_since_rotation.len(), 1);
        assert_eq!(f.removed_since_rotation[0].recipient, CAROL);
        assert_eq!(f.removed_since_rotation[0].stamp.date, "2026-03-01");
        assert_eq!(
            r.problems(),
            [Problem::RemovedWithoutRotation {
                file: "a.yaml".into(),
                recipients: vec![CAROL.into()]
            }]
        );
        // DB never changed: both removed recipients saw it. API changed after Bob left.
        assert_eq!(r.keys[0].known_to_removed, [BOB, CAROL]);
        assert_eq!(r.keys[1].known_to_removed, [CAROL]);

        // Carol added back: no longer a removed recipient.
        let files = [head("a.yaml", &[DB, API], &[ALICE, CAROL])];
        let r = report(&input("2026-03-10", &files, &events, None, None));
        assert!(r.is_clean(), "{:?}", r.problems);
        assert_eq!(r.keys[0].known_to_removed, [BOB]);
    }

    #[test]
    fn report_serializes_to_json() {
        let inv = inventory::parse(
            "secrets:\n  - match: 'a.yaml:db'\n    rotation: 90d\n    destinations: [vps]\n",
            "i",
        )
        .unwrap();
        let events = [created("2026-01-01", "a.yaml", &[DB])];
        let files = [head("a.yaml", &[DB], &[ALICE])];
        let r = report(&input("2026-06-01", &files, &events, Some(&inv), None));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["as_of"], "2026-06-01");
        let k = &json["keys"][0];
        assert_eq!(k["state"], "overdue");
        assert_eq!(k["cadence"], "90d");
        assert_eq!(k["age_days"], 151);
        assert_eq!(k["due"], "2026-04-01");
        assert_eq!(k["last_changed"]["date"], "2026-01-01");
        assert_eq!(k["last_changed"]["author"], "Alice");
        assert_eq!(k["inventory"]["match"], "a.yaml:db");
        assert_eq!(k["inventory"]["destinations"][0], "vps");
        assert_eq!(json["files"][0]["rule"]["state"], "no-config");
        assert_eq!(json["problems"][0]["kind"], "overdue");
        assert_eq!(json["problems"][0]["cadence"], "90d");
    }

    #[test]
    fn head_file_lists_encrypted_leaves() {
        let text = "\
db:
    password: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
    host_unencrypted: db.example.com
hosts:
    - ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
    # a comment
    - ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
'a\"b': ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
sops:
    age:
        - recipient: age1alice
          enc: x
        - recipient: age1bob
          enc: y
    lastmodified: \"2026-01-01T00:00:00Z\"
    mac: ENC[AES256_GCM,data:AAAA,iv:BBBB,tag:CCCC,type:str]
    unencrypted_suffix: _unencrypted
    version: 3.11.0
";
        let store = secrets_sops::store::Store::new(secrets_sops::store::Format::Yaml);
        let (branches, md) = store.load_encrypted(text.as_bytes()).unwrap();
        let f = HeadFile::new("a.yaml", &branches, &md);
        assert_eq!(
            f.keys,
            [
                r#"["db"]["password"]"#,
                r#"["hosts"][0]"#,
                r#"["hosts"][1]"#,
                r#"['a"b']"#
            ]
        );
        assert_eq!(f.recipients, ["age1alice", "age1bob"]);
    }
}
