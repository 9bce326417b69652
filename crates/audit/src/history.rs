//! Walking the git history of sops files into events.
//!
//! [`walk`] follows HEAD's first-parent chain and diffs every commit's tree with its first
//! parent (the empty tree for a root commit), with rename detection. For every changed path
//! whose old or new blob is a sops file (YAML, JSON, dotenv, INI, or the binary store's JSON),
//! it compares the two versions without decrypting anything:
//!
//! * key paths come from the tree (the `sops` metadata excluded), one per leaf, in sops'
//!   extract syntax (`["db"]["password"]`, `["hosts"][0]`);
//! * a leaf's value is its `ENC[…]` string; a leaf the file leaves unencrypted (by its
//!   partial-encryption options) is compared as plaintext, which is fine because the
//!   configuration says it is not a secret;
//! * recipients are the age recipients of the metadata, and each one's armored block tells
//!   whether the data key was re-wrapped.
//!
//! **Data-key rotation.** When every age block of the recipients present on both sides changed
//! *and* every encrypted value present on both sides changed, the file has a new data key
//! ([`ChangeKind::DataKeyRotated`], instead of one `KeyChanged` per key). When every value
//! changed but the blocks did not (a tool that re-encrypts everything with fresh IVs), each key
//! is reported as changed, because without the plaintext nothing tells a re-encryption from a
//! new value. With a [`Decryptor`], changed ciphertexts are confirmed by comparing plaintext
//! fingerprints: only real plaintext changes become `KeyChanged`, and a full re-encryption that
//! left some plaintexts unchanged adds one [`ChangeKind::Reencrypted`] (next to
//! `DataKeyRotated` when the data key is new too: the rotation is a fact about the keys, the
//! re-encryption a fact about the values).
//!
//! **Merges.** Only the first-parent chain is walked, so a merge commit reports everything its
//! merge brought in (diffed against its first parent) with the merge's author and subject; the
//! side branch's own commits are not listed. This is what "when did it reach the main line"
//! means for a rotation log, and it never reports the same change twice.
//!
//! **Renames** are followed like `git log --follow`: with a path filter, a file renamed into
//! the filter keeps being tracked under its old name in older commits.
//!
//! **`.sops.yaml`** changes compare, per creation rule (identified by its `path_regex`), the
//! set of age recipients across its key groups; order changes and non-age keys are ignored.
//!
//! Parsed blobs and plaintext fingerprints are cached by blob id: each version of a file is
//! parsed once even though it is the "new" side of one commit and the "old" side of the next.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use git2::{Commit, Delta, DiffFindOptions, DiffOptions, ErrorCode, FileMode, Oid, Repository};
use secrets_sops::config::{Config, CONFIG_FILE};
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::{Branch, Value};
use serde::Serialize;

pub use crate::error::AuditError;

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

impl ChangeKind {
    /// The kebab-case name used in JSON and in the table (`key-changed`).
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::FileCreated => "file-created",
            ChangeKind::FileDeleted => "file-deleted",
            ChangeKind::FileRenamed => "file-renamed",
            ChangeKind::KeyAdded => "key-added",
            ChangeKind::KeyChanged => "key-changed",
            ChangeKind::KeyRemoved => "key-removed",
            ChangeKind::RecipientAdded => "recipient-added",
            ChangeKind::RecipientRemoved => "recipient-removed",
            ChangeKind::DataKeyRotated => "data-key-rotated",
            ChangeKind::Reencrypted => "reencrypted",
            ChangeKind::RuleChanged => "rule-changed",
        }
    }
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

/// Turns a sops file into plaintext fingerprints, so value changes can be confirmed.
///
/// The binary implements it with the caller's identities. Fingerprints are only compared with
/// each other inside one process; they must change when the plaintext changes and must never
/// contain the plaintext.
pub trait Decryptor: Sync {
    /// Fingerprints of every leaf of the sops file `bytes` (stored at `path`, which decides its
    /// format), keyed by key path as [`leaves`] spells it; `None` when it cannot decrypt.
    fn fingerprints(&self, path: &str, bytes: &[u8]) -> Option<BTreeMap<String, String>>;
}

/// What [`walk`] looks at.
#[derive(Default)]
pub struct WalkOptions<'a> {
    /// Repository-relative files or directories to keep (`/`-separated); empty = all.
    pub paths: Vec<String>,
    /// Only commits whose author time is at or after this (seconds since the epoch).
    pub since: Option<i64>,
    /// Confirms value changes with plaintext fingerprints.
    pub decrypt: Option<&'a dyn Decryptor>,
}

/// Every leaf of a sops tree with its key path, in file order.
///
/// Paths use sops' extract syntax: `["key"]` steps for maps (`['key']` when the key contains a
/// double quote) and `[n]` for list items (comments are not counted). Empty maps and lists are
/// leaves themselves. The documents after the first of a multi-document YAML file are
/// prefixed with `#n` (`#1["key"]`), since the extract syntax has no document step.
pub fn leaves(documents: &[Branch]) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    for (i, doc) in documents.iter().enumerate() {
        let mut prefix = if i == 0 {
            String::new()
        } else {
            format!("#{i}")
        };
        branch_leaves(doc, &mut prefix, &mut out);
    }
    out
}

fn push_key_step(path: &mut String, key: &str) {
    if key.contains('"') {
        path.push_str("['");
        path.push_str(key);
        path.push_str("']");
    } else {
        path.push_str("[\"");
        path.push_str(key);
        path.push_str("\"]");
    }
}

fn branch_leaves<'v>(branch: &'v Branch, path: &mut String, out: &mut Vec<(String, &'v Value)>) {
    for (key, value) in branch.entries() {
        let len = path.len();
        push_key_step(path, key);
        value_leaves(value, path, out);
        path.truncate(len);
    }
}

fn value_leaves<'v>(value: &'v Value, path: &mut String, out: &mut Vec<(String, &'v Value)>) {
    match value {
        Value::Map(b) if b.entries().next().is_some() => branch_leaves(b, path, out),
        Value::List(items) if items.iter().any(|v| !matches!(v, Value::Comment(_))) => {
            let items = items.iter().filter(|v| !matches!(v, Value::Comment(_)));
            for (i, item) in items.enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                value_leaves(item, path, out);
                path.truncate(len);
            }
        }
        Value::Comment(_) => {}
        _ => out.push((path.clone(), value)),
    }
}

/// A leaf as stored in the file: its `ENC[…]` text, or (for values the file leaves
/// unencrypted) a plaintext rendering used only for comparison.
#[derive(Clone, PartialEq, Eq)]
enum Leaf {
    Enc(String),
    Plain(String),
}

/// One version of a sops file, reduced to what the comparison needs.
struct Parsed {
    leaves: Vec<(String, Leaf)>,
    /// `(recipient, armored block)` in file order.
    recipients: Vec<(String, String)>,
}

/// Plaintext fingerprints of one version, keyed by key path.
type Fingerprints = BTreeMap<String, String>;

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// The store to try for `path`, or `None` when the bytes cannot be a sops file: every sops
/// format mentions `sops` in its metadata, and the binary store is JSON.
fn sops_format(path: &str, bytes: &[u8]) -> Option<Format> {
    let format = Format::from_path(Path::new(path));
    if format == Format::Binary && bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return None;
    }
    contains(bytes, b"sops").then_some(format)
}

fn parse_sops(path: &str, bytes: &[u8]) -> Option<Parsed> {
    let format = sops_format(path, bytes)?;
    let (documents, md) = Store::new(format).load_encrypted(bytes).ok()?;
    if md.version.is_empty() {
        return None;
    }
    let leaves = leaves(&documents)
        .into_iter()
        .map(|(p, v)| {
            let leaf = match v {
                Value::Str(s) if s.starts_with("ENC[") => Leaf::Enc(s.clone()),
                other => Leaf::Plain(format!("{other:?}")),
            };
            (p, leaf)
        })
        .collect();
    let recipients = md
        .age_keys()
        .map(|k| (k.recipient.clone(), k.enc.clone()))
        .collect();
    Some(Parsed { leaves, recipients })
}

/// Which paths to report; grows with renames while walking back in time.
struct Filter {
    /// Files or directories, without trailing `/`.
    paths: Vec<String>,
    /// Old names of files renamed into the filter (exact paths).
    followed: HashSet<String>,
}

impl Filter {
    fn new(paths: &[String]) -> Filter {
        let mut kept = Vec::new();
        for p in paths {
            let p = p.trim_start_matches("./").trim_end_matches('/');
            if p.is_empty() || p == "." {
                return Filter {
                    paths: Vec::new(),
                    followed: HashSet::new(),
                };
            }
            kept.push(p.to_string());
        }
        Filter {
            paths: kept,
            followed: HashSet::new(),
        }
    }

    fn all(&self) -> bool {
        self.paths.is_empty()
    }

    fn matches(&self, path: &str) -> bool {
        self.all()
            || self.followed.contains(path)
            || self.paths.iter().any(|p| {
                path == p || (path.starts_with(p.as_str()) && path[p.len()..].starts_with('/'))
            })
    }
}

/// One side of a diff delta.
struct Side {
    path: String,
    id: Option<Oid>,
}

fn side(file: git2::DiffFile<'_>) -> Side {
    let path = file
        .path()
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    let blob = matches!(file.mode(), FileMode::Blob | FileMode::BlobExecutable);
    let id = (blob && !file.id().is_zero()).then(|| file.id());
    Side { path, id }
}

fn is_config(path: &str) -> bool {
    path == CONFIG_FILE || path.ends_with(&format!("/{CONFIG_FILE}"))
}

struct Walker<'r, 'd> {
    repo: &'r Repository,
    decrypt: Option<&'d dyn Decryptor>,
    parsed: HashMap<(Oid, &'static str), Option<Rc<Parsed>>>,
    fingerprints: HashMap<Oid, Option<Rc<Fingerprints>>>,
}

impl<'r> Walker<'r, '_> {
    fn blob(&self, id: Oid) -> Result<git2::Blob<'r>, AuditError> {
        self.repo
            .find_blob(id)
            .map_err(|e| AuditError::git(format!("cannot read blob {id}"))(e))
    }

    fn parse(&mut self, side: &Side) -> Result<Option<Rc<Parsed>>, AuditError> {
        let Some(id) = side.id else { return Ok(None) };
        let key = (id, Format::from_path(Path::new(&side.path)).name());
        if let Some(p) = self.parsed.get(&key) {
            return Ok(p.clone());
        }
        let parsed = parse_sops(&side.path, self.blob(id)?.content()).map(Rc::new);
        self.parsed.insert(key, parsed.clone());
        Ok(parsed)
    }

    fn fingerprints(&mut self, side: &Side) -> Result<Option<Rc<Fingerprints>>, AuditError> {
        let (Some(decrypt), Some(id)) = (self.decrypt, side.id) else {
            return Ok(None);
        };
        if let Some(f) = self.fingerprints.get(&id) {
            return Ok(f.clone());
        }
        let f = decrypt
            .fingerprints(&side.path, self.blob(id)?.content())
            .map(Rc::new);
        self.fingerprints.insert(id, f.clone());
        Ok(f)
    }

    fn commit_events(
        &mut self,
        commit: &Commit<'_>,
        filter: &mut Filter,
    ) -> Result<Vec<FileEvent>, AuditError> {
        let short = &commit.id().to_string()[..8];
        let tree = commit
            .tree()
            .map_err(|e| AuditError::git(format!("cannot read the tree of {short}"))(e))?;
        let parent_tree =
            match commit.parent(0) {
                Ok(p) => Some(p.tree().map_err(|e| {
                    AuditError::git(format!("cannot read the parent of {short}"))(e)
                })?),
                Err(_) => None,
            };
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let mut diff = self
            .repo
            .diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut opts))
            .map_err(|e| AuditError::git(format!("cannot diff {short}"))(e))?;
        let mut find = DiffFindOptions::new();
        find.renames(true);
        diff.find_similar(Some(&mut find))
            .map_err(|e| AuditError::git(format!("cannot detect renames in {short}"))(e))?;

        let mut out = Vec::new();
        for delta in diff.deltas() {
            let status = delta.status();
            if !matches!(
                status,
                Delta::Added
                    | Delta::Deleted
                    | Delta::Modified
                    | Delta::Renamed
                    | Delta::Typechange
            ) {
                continue;
            }
            let old = side(delta.old_file());
            let new = side(delta.new_file());
            let renamed = status == Delta::Renamed && old.path != new.path;
            let (old_in, new_in) = (filter.matches(&old.path), filter.matches(&new.path));
            if renamed && new_in && !old_in {
                filter.followed.insert(old.path.clone());
            }
            let file = if new.id.is_some() || renamed {
                new.path.clone()
            } else {
                old.path.clone()
            };
            let changes = if is_config(&new.path) || is_config(&old.path) {
                let old_bytes = old.id.map(|id| self.blob(id)).transpose()?;
                let new_bytes = new.id.map(|id| self.blob(id)).transpose()?;
                let files = if filter.all() || filter.matches(&file) {
                    Vec::new()
                } else {
                    filtered_files(filter, &[parent_tree.as_ref(), Some(&tree)])
                };
                rule_changes(
                    &file,
                    old_bytes.as_ref().map(|b| b.content()),
                    new_bytes.as_ref().map(|b| b.content()),
                    filter,
                    &files,
                )
            } else {
                if !(old_in || new_in) {
                    continue;
                }
                let (o, n) = (self.parse(&old)?, self.parse(&new)?);
                if o.is_none() && n.is_none() {
                    continue;
                }
                let mut changes = Vec::new();
                if renamed {
                    changes.push(Change {
                        kind: ChangeKind::FileRenamed,
                        key: None,
                        detail: Some(old.path.clone()),
                    });
                }
                let fps = match (&o, &n) {
                    (Some(a), Some(b)) if self.decrypt.is_some() && encrypted_differs(a, b) => {
                        match (self.fingerprints(&old)?, self.fingerprints(&new)?) {
                            (Some(x), Some(y)) => Some((x, y)),
                            _ => None,
                        }
                    }
                    _ => None,
                };
                let fps = fps.as_ref().map(|(x, y)| (&**x, &**y));
                changes.extend(file_changes(o.as_deref(), n.as_deref(), fps));
                changes
            };
            if changes.is_empty() {
                continue;
            }
            out.push(FileEvent {
                commit: commit.id().to_string(),
                time: commit.author().when().seconds(),
                author: String::from_utf8_lossy(commit.author().name_bytes()).into_owned(),
                email: String::from_utf8_lossy(commit.author().email_bytes()).into_owned(),
                subject: subject(commit),
                file,
                changes,
            });
        }
        Ok(out)
    }
}

/// The filtered paths themselves, plus every file under them in `trees`.
fn filtered_files(filter: &Filter, trees: &[Option<&git2::Tree<'_>>]) -> Vec<String> {
    let mut out: BTreeSet<String> = filter.paths.iter().cloned().collect();
    out.extend(filter.followed.iter().cloned());
    for tree in trees.iter().flatten() {
        let _ = tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(git2::ObjectType::Blob) {
                let path = format!("{dir}{}", String::from_utf8_lossy(entry.name_bytes()));
                if filter.matches(&path) {
                    out.insert(path);
                }
            }
            git2::TreeWalkResult::Ok
        });
    }
    out.into_iter().collect()
}

fn subject(commit: &Commit<'_>) -> String {
    String::from_utf8_lossy(commit.message_bytes())
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or_default()
        .to_string()
}

/// Walks HEAD's first-parent history and returns one event per commit and changed file,
/// oldest first (commits in history order, files in path order within a commit).
///
/// An unborn HEAD (no commit yet) has no history: the result is empty.
pub fn walk(repo: &Repository, opts: &WalkOptions<'_>) -> Result<Vec<FileEvent>, AuditError> {
    let head = match repo.head() {
        Ok(h) => h,
        Err(e) if matches!(e.code(), ErrorCode::UnbornBranch | ErrorCode::NotFound) => {
            return Ok(Vec::new())
        }
        Err(e) => return Err(AuditError::git("cannot read HEAD")(e)),
    };
    let mut commit = head
        .peel_to_commit()
        .map_err(AuditError::git("HEAD is not a commit"))?;
    let mut filter = Filter::new(&opts.paths);
    let mut walker = Walker {
        repo,
        decrypt: opts.decrypt,
        parsed: HashMap::new(),
        fingerprints: HashMap::new(),
    };
    let mut per_commit = Vec::new();
    loop {
        let time = commit.author().when().seconds();
        if opts.since.is_none_or(|s| time >= s) {
            let events = walker.commit_events(&commit, &mut filter)?;
            if !events.is_empty() {
                per_commit.push(events);
            }
        }
        if commit.parent_count() == 0 {
            break;
        }
        commit = commit.parent(0).map_err(|e| {
            AuditError::git(format!("cannot read the parent of {}", commit.id()))(e)
        })?;
    }
    Ok(per_commit.into_iter().rev().flatten().collect())
}

/// True when some value that is encrypted on both sides has a different ciphertext.
fn encrypted_differs(old: &Parsed, new: &Parsed) -> bool {
    let old_leaves: HashMap<&str, &Leaf> =
        old.leaves.iter().map(|(k, v)| (k.as_str(), v)).collect();
    new.leaves.iter().any(|(k, v)| {
        matches!((old_leaves.get(k.as_str()), v), (Some(Leaf::Enc(a)), Leaf::Enc(b)) if a != b)
    })
}

fn change(kind: ChangeKind, key: Option<&str>, detail: Option<&str>) -> Change {
    Change {
        kind,
        key: key.map(str::to_string),
        detail: detail.map(str::to_string),
    }
}

/// The changes between two versions of a file (either may be absent or not a sops file).
/// `fps` are both versions' plaintext fingerprints when a decryptor could provide them.
fn file_changes(
    old: Option<&Parsed>,
    new: Option<&Parsed>,
    fps: Option<(&Fingerprints, &Fingerprints)>,
) -> Vec<Change> {
    let (old, new) = match (old, new) {
        (None, None) => return Vec::new(),
        (None, Some(n)) => {
            let mut out = vec![change(ChangeKind::FileCreated, None, None)];
            out.extend(
                n.leaves
                    .iter()
                    .map(|(k, _)| change(ChangeKind::KeyAdded, Some(k), None)),
            );
            return out;
        }
        (Some(o), None) => {
            let mut out = vec![change(ChangeKind::FileDeleted, None, None)];
            out.extend(
                o.leaves
                    .iter()
                    .map(|(k, _)| change(ChangeKind::KeyRemoved, Some(k), None)),
            );
            return out;
        }
        (Some(o), Some(n)) => (o, n),
    };
    let mut out = Vec::new();

    // Recipients, and whether every block of a recipient kept on both sides was re-made.
    let old_blocks: HashMap<&str, &str> = old
        .recipients
        .iter()
        .map(|(r, e)| (r.as_str(), e.as_str()))
        .collect();
    let new_blocks: HashMap<&str, &str> = new
        .recipients
        .iter()
        .map(|(r, e)| (r.as_str(), e.as_str()))
        .collect();
    for (r, _) in &new.recipients {
        if !old_blocks.contains_key(r.as_str()) {
            out.push(change(ChangeKind::RecipientAdded, None, Some(r)));
        }
    }
    for (r, _) in &old.recipients {
        if !new_blocks.contains_key(r.as_str()) {
            out.push(change(ChangeKind::RecipientRemoved, None, Some(r)));
        }
    }
    let common_blocks: Vec<bool> = new
        .recipients
        .iter()
        .filter_map(|(r, e)| old_blocks.get(r.as_str()).map(|o| *o != e.as_str()))
        .collect();
    let blocks_all_changed = if common_blocks.is_empty() {
        !old.recipients.is_empty() && !new.recipients.is_empty()
    } else {
        common_blocks.iter().all(|changed| *changed)
    };

    // Values.
    let old_leaves: HashMap<&str, &Leaf> =
        old.leaves.iter().map(|(k, v)| (k.as_str(), v)).collect();
    let new_keys: HashSet<&str> = new.leaves.iter().map(|(k, _)| k.as_str()).collect();
    let common_encrypted: Vec<(&str, bool)> = new
        .leaves
        .iter()
        .filter_map(|(k, v)| match (old_leaves.get(k.as_str()), v) {
            (Some(Leaf::Enc(a)), Leaf::Enc(b)) => Some((k.as_str(), a != b)),
            _ => None,
        })
        .collect();
    let all_values_changed =
        !common_encrypted.is_empty() && common_encrypted.iter().all(|(_, changed)| *changed);
    let rotated = all_values_changed && blocks_all_changed;
    // With fingerprints: did the plaintext at `k` really change?
    let really_changed = |k: &str| -> Option<bool> {
        fps.map(|(a, b)| match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => x != y,
            _ => true,
        })
    };
    let reencrypted = fps.is_some()
        && all_values_changed
        && common_encrypted
            .iter()
            .any(|(k, _)| really_changed(k) == Some(false));
    if rotated {
        out.push(change(ChangeKind::DataKeyRotated, None, None));
    }
    if reencrypted {
        out.push(change(ChangeKind::Reencrypted, None, None));
    }

    for (k, leaf) in &new.leaves {
        match old_leaves.get(k.as_str()) {
            None => out.push(change(ChangeKind::KeyAdded, Some(k), None)),
            Some(previous) if *previous != leaf => {
                let report = match (previous, leaf) {
                    (Leaf::Enc(_), Leaf::Enc(_)) => really_changed(k).unwrap_or(!rotated),
                    // A plaintext that changed, or a value that became (un)encrypted.
                    _ => true,
                };
                if report {
                    out.push(change(ChangeKind::KeyChanged, Some(k), None));
                }
            }
            Some(_) => {}
        }
    }
    for (k, _) in &old.leaves {
        if !new_keys.contains(k.as_str()) {
            out.push(change(ChangeKind::KeyRemoved, Some(k), None));
        }
    }
    out
}

/// A creation rule reduced to who can decrypt: its label (`path_regex`, or `(any file)`,
/// with `#n` for a repeated regex) and its age recipients.
struct RuleView {
    label: String,
    recipients: BTreeSet<String>,
}

/// Parses a `.sops.yaml` version; `None` when it does not parse.
fn load_rules(file: &str, bytes: &[u8]) -> Option<(Config, Vec<RuleView>)> {
    let config = Config::parse(&Path::new("/").join(file), bytes).ok()?;
    let mut seen: HashMap<String, usize> = HashMap::new();
    let views = config
        .creation_rules
        .iter()
        .map(|rule| {
            let base = rule
                .path_regex
                .clone()
                .unwrap_or_else(|| "(any file)".to_string());
            let n = seen.entry(base.clone()).or_insert(0);
            *n += 1;
            let label = if *n == 1 {
                base
            } else {
                format!("{base} #{n}")
            };
            RuleView {
                label,
                recipients: rule.key_groups.iter().flatten().cloned().collect(),
            }
        })
        .collect();
    Some((config, views))
}

/// Labels of the rules that decide the recipients of one of `files`.
fn governing_labels(config: &Config, views: &[RuleView], files: &[String]) -> Vec<String> {
    let root = Path::new("/");
    let mut out = Vec::new();
    for f in files {
        let Ok(rule) = config.rule_for(&root.join(f), root) else {
            continue;
        };
        if let Some(i) = config
            .creation_rules
            .iter()
            .position(|r| std::ptr::eq(r, rule))
        {
            out.push(views[i].label.clone());
        }
    }
    out
}

/// `RuleChanged` entries between two versions of a `.sops.yaml` at `file`. A version that does
/// not parse is skipped (no entries), so fixing a broken config does not list every rule as new.
/// With a path filter, a change is kept when the config itself is filtered in, or when the
/// changed rule is the one that applies (before or after the commit) to one of `files`: the
/// filtered paths and the files the commit's trees hold under them.
fn rule_changes(
    file: &str,
    old: Option<&[u8]>,
    new: Option<&[u8]>,
    filter: &Filter,
    files: &[String],
) -> Vec<Change> {
    let empty = || Some((Config::default(), Vec::new()));
    let (Some((old_cfg, old_rules)), Some((new_cfg, new_rules))) = (
        old.map_or_else(empty, |b| load_rules(file, b)),
        new.map_or_else(empty, |b| load_rules(file, b)),
    ) else {
        return Vec::new();
    };
    let keep_all = filter.matches(file);
    let mut relevant: HashSet<String> = HashSet::new();
    if !keep_all {
        relevant.extend(governing_labels(&old_cfg, &old_rules, files));
        relevant.extend(governing_labels(&new_cfg, &new_rules, files));
    }
    let signed = |sign: char, set: &mut dyn Iterator<Item = &String>| -> String {
        set.map(|r| format!("{sign}{r}"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut out = Vec::new();
    let mut push = |label: &str, detail: String| {
        if keep_all || relevant.contains(label) {
            out.push(change(ChangeKind::RuleChanged, None, Some(&detail)));
        }
    };
    for rule in &new_rules {
        match old_rules.iter().find(|r| r.label == rule.label) {
            Some(before) => {
                let added = signed('+', &mut rule.recipients.difference(&before.recipients));
                let removed = signed('-', &mut before.recipients.difference(&rule.recipients));
                if !added.is_empty() || !removed.is_empty() {
                    let both = [added, removed]
                        .into_iter()
                        .filter(|s| !s.is_empty())
                        .collect::<Vec<_>>()
                        .join(" ");
                    push(&rule.label, format!("rule {}: {both}", rule.label));
                }
            }
            None if !rule.recipients.is_empty() => {
                let added = signed('+', &mut rule.recipients.iter());
                push(&rule.label, format!("rule {} (new): {added}", rule.label));
            }
            None => {}
        }
    }
    for rule in &old_rules {
        if !rule.recipients.is_empty() && !new_rules.iter().any(|r| r.label == rule.label) {
            let removed = signed('-', &mut rule.recipients.iter());
            push(
                &rule.label,
                format!("rule {} (removed): {removed}", rule.label),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use git2::{Signature, Time};
    use secrets_sops::file::{encrypt_bytes, open, open_read_only, reseal, seal, EncryptSpec};
    use secrets_sops::keys::{parse_identities, IdentitySet};
    use secrets_sops::rekey;
    use std::path::PathBuf;

    const ALICE: &str = "age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065";
    const BOB: &str = "age1tr083cz7dhgzwxh8pj845z8hgalmn2mnsfr4kx0xzqg2pd4d54yqepfu7h";
    const ALICE_KEY: &str = include_str!("../../../tests/vectors/keys/alice.txt");
    const DAY: i64 = 86_400;
    const JAN_1: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

    fn yaml() -> Store {
        Store::new(Format::Yaml)
    }

    fn ids() -> IdentitySet {
        IdentitySet::from_identities(parse_identities(ALICE_KEY).unwrap())
    }

    fn encrypt(plain: &str, recipients: &[&str]) -> Vec<u8> {
        let spec = EncryptSpec {
            key_groups: vec![recipients.iter().map(|r| r.to_string()).collect()],
            ..EncryptSpec::default()
        };
        encrypt_bytes(plain.as_bytes(), &spec, yaml(), yaml()).unwrap()
    }

    /// The git-quiet way (`secrets set`): only the changed value gets a new ciphertext.
    fn set(bytes: &[u8], key: &str, value: &str) -> Vec<u8> {
        let mut opened = open(bytes, yaml(), &mut ids(), false, |_| {}).unwrap();
        let mut edited = opened.branches.0.clone();
        *edited[0].get_mut(key).unwrap() = Value::Str(value.into());
        reseal(&mut opened, &edited, yaml()).unwrap().unwrap()
    }

    /// Same data key, fresh IVs for every value (what sops did before it kept IVs).
    fn reencrypt_same_key(bytes: &[u8], change: Option<(&str, &str)>) -> Vec<u8> {
        let mut opened = open_read_only(bytes, yaml(), &mut ids(), false, |_| {}).unwrap();
        let mut plain = opened.branches.0.clone();
        if let Some((k, v)) = change {
            *plain[0].get_mut(k).unwrap() = Value::Str(v.into());
        }
        seal(
            &plain,
            &mut opened.metadata,
            &mut opened.cipher,
            None,
            yaml(),
        )
        .unwrap()
    }

    /// Recipients changed through `rekey::apply` (adding keeps the data key, removing rotates).
    fn recipients(bytes: &[u8], target: &[&str]) -> Vec<u8> {
        let mut opened = open(bytes, yaml(), &mut ids(), false, |_| {}).unwrap();
        let target = vec![target.iter().map(|r| r.to_string()).collect()];
        rekey::apply(&mut opened, &target, 0, yaml()).unwrap()
    }

    struct Repo {
        _dir: tempfile::TempDir,
        root: PathBuf,
        repo: Repository,
    }

    impl Repo {
        fn new() -> Repo {
            let dir = tempfile::tempdir().unwrap();
            let root = dir.path().to_path_buf();
            let repo = Repository::init(&root).unwrap();
            Repo {
                _dir: dir,
                root,
                repo,
            }
        }

        /// Writes (`Some`) or deletes (`None`) files and commits them on HEAD.
        fn commit(
            &self,
            files: &[(&str, Option<&[u8]>)],
            day: i64,
            author: &str,
            msg: &str,
        ) -> Oid {
            let mut index = self.repo.index().unwrap();
            for (path, bytes) in files {
                let full = self.root.join(path);
                match bytes {
                    Some(b) => {
                        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
                        std::fs::write(&full, b).unwrap();
                        index.add_path(Path::new(path)).unwrap();
                    }
                    None => {
                        std::fs::remove_file(&full).unwrap();
                        index.remove_path(Path::new(path)).unwrap();
                    }
                }
            }
            index.write().unwrap();
            let tree = self.repo.find_tree(index.write_tree().unwrap()).unwrap();
            let time = Time::new(JAN_1 + day * DAY, 0);
            let email = format!("{}@example.invalid", author.to_lowercase());
            let sig = Signature::new(author, &email, &time).unwrap();
            let parent = self.repo.head().ok().map(|h| h.peel_to_commit().unwrap());
            let parents: Vec<&Commit<'_>> = parent.iter().collect();
            self.repo
                .commit(Some("HEAD"), &sig, &sig, msg, &tree, &parents)
                .unwrap()
        }

        fn rename(&self, from: &str, to: &str, day: i64, msg: &str) -> Oid {
            let bytes = std::fs::read(self.root.join(from)).unwrap();
            self.commit(&[(from, None), (to, Some(&bytes))], day, "Alice", msg)
        }

        fn walk(&self, opts: &WalkOptions<'_>) -> Vec<FileEvent> {
            walk(&self.repo, opts).unwrap()
        }
    }

    /// Each change as `file kind key-or-detail`, one string per change, oldest first.
    fn summary(events: &[FileEvent]) -> Vec<String> {
        events
            .iter()
            .flat_map(|e| {
                e.changes.iter().map(move |c| {
                    let what = c.key.as_deref().or(c.detail.as_deref()).unwrap_or("");
                    format!("{} {} {what}", e.file, c.kind.name())
                        .trim_end()
                        .to_string()
                })
            })
            .collect()
    }

    /// Fingerprints are the plaintexts' SHA-256 here (tests only).
    struct TestDecryptor;

    impl Decryptor for TestDecryptor {
        fn fingerprints(&self, path: &str, bytes: &[u8]) -> Option<BTreeMap<String, String>> {
            use sha2::{Digest, Sha256};
            let store = Store::new(Format::from_path(Path::new(path)));
            let opened = open_read_only(bytes, store, &mut ids(), true, |_| {}).ok()?;
            let fps = leaves(&opened.branches.0)
                .into_iter()
                .map(|(k, v)| {
                    let digest = Sha256::digest(format!("{k}\0{v:?}").as_bytes());
                    (k, format!("{digest:x}"))
                })
                .collect();
            Some(fps)
        }
    }

    const APP: &str = "db:\n    password: pw-one\n    user: admin\napi_key: key-one\n";

    #[test]
    fn history_keys_added_changed_removed_and_file_lifecycle() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(
            &[
                ("secrets/app.yaml", Some(&v1)),
                ("README.md", Some(b"# sops docs\n")),
            ],
            0,
            "Alice",
            "add app secrets",
        );
        let v2 = set(&v1, "api_key", "key-two");
        r.commit(
            &[("secrets/app.yaml", Some(&v2))],
            1,
            "Bob",
            "rotate api key\n\nbody",
        );
        let plain3 = "db:\n    password: pw-one\napi_key: key-two\ntoken: t\n";
        // A new key and a removed key through a quiet re-encryption of the edited tree.
        let mut opened = open(&v2, yaml(), &mut ids(), false, |_| {}).unwrap();
        let edited = yaml().load_plain(plain3.as_bytes()).unwrap();
        let v3 = reseal(&mut opened, &edited, yaml()).unwrap().unwrap();
        r.commit(
            &[("secrets/app.yaml", Some(&v3))],
            2,
            "Alice",
            "drop user, add token",
        );
        r.commit(&[("secrets/app.yaml", None)], 3, "Alice", "retire app");

        let events = r.walk(&WalkOptions::default());
        assert_eq!(
            summary(&events),
            [
                "secrets/app.yaml file-created",
                r#"secrets/app.yaml key-added ["db"]["password"]"#,
                r#"secrets/app.yaml key-added ["db"]["user"]"#,
                r#"secrets/app.yaml key-added ["api_key"]"#,
                r#"secrets/app.yaml key-changed ["api_key"]"#,
                r#"secrets/app.yaml key-added ["token"]"#,
                r#"secrets/app.yaml key-removed ["db"]["user"]"#,
                "secrets/app.yaml file-deleted",
                r#"secrets/app.yaml key-removed ["db"]["password"]"#,
                r#"secrets/app.yaml key-removed ["api_key"]"#,
                r#"secrets/app.yaml key-removed ["token"]"#,
            ]
        );
        let second = &events[1];
        assert_eq!(second.author, "Bob");
        assert_eq!(second.email, "bob@example.invalid");
        assert_eq!(second.subject, "rotate api key");
        assert_eq!(second.time, JAN_1 + DAY);
        assert_eq!(second.commit.len(), 40);
    }

    #[test]
    fn history_recipients_and_data_key() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(&[("s/a.yaml", Some(&v1))], 0, "Alice", "create");
        let v2 = recipients(&v1, &[ALICE, BOB]);
        r.commit(&[("s/a.yaml", Some(&v2))], 1, "Alice", "add bob");
        let v3 = recipients(&v2, &[ALICE]);
        r.commit(&[("s/a.yaml", Some(&v3))], 2, "Alice", "remove bob");
        let events = r.walk(&WalkOptions {
            since: Some(JAN_1 + DAY),
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&events),
            [
                format!("s/a.yaml recipient-added {BOB}"),
                format!("s/a.yaml recipient-removed {BOB}"),
                "s/a.yaml data-key-rotated".to_string(),
            ]
        );
        // Confirming with plaintexts: the rotation stays, and no value changed.
        let events = r.walk(&WalkOptions {
            since: Some(JAN_1 + 2 * DAY),
            decrypt: Some(&TestDecryptor),
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&events),
            [
                format!("s/a.yaml recipient-removed {BOB}"),
                "s/a.yaml data-key-rotated".to_string(),
                "s/a.yaml reencrypted".to_string(),
            ]
        );
    }

    #[test]
    fn history_full_reencryption_is_confirmed_with_plaintexts() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(&[("a.yaml", Some(&v1))], 0, "Alice", "create");
        let v2 = reencrypt_same_key(&v1, Some(("api_key", "key-two")));
        r.commit(
            &[("a.yaml", Some(&v2))],
            1,
            "Alice",
            "re-encrypt, one change",
        );
        let since = Some(JAN_1 + DAY);
        // Without plaintexts every ciphertext changed: every key is reported.
        let plain = r.walk(&WalkOptions {
            since,
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&plain),
            [
                r#"a.yaml key-changed ["db"]["password"]"#,
                r#"a.yaml key-changed ["db"]["user"]"#,
                r#"a.yaml key-changed ["api_key"]"#,
            ]
        );
        let confirmed = r.walk(&WalkOptions {
            since,
            decrypt: Some(&TestDecryptor),
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&confirmed),
            ["a.yaml reencrypted", r#"a.yaml key-changed ["api_key"]"#]
        );
    }

    #[test]
    fn history_new_data_key_from_scratch() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(&[("a.yaml", Some(&v1))], 0, "Alice", "create");
        let v2 = encrypt(&APP.replace("key-one", "key-two"), &[ALICE]);
        r.commit(&[("a.yaml", Some(&v2))], 1, "Alice", "from scratch");
        let since = Some(JAN_1 + DAY);
        let plain = r.walk(&WalkOptions {
            since,
            ..WalkOptions::default()
        });
        assert_eq!(summary(&plain), ["a.yaml data-key-rotated"]);
        let confirmed = r.walk(&WalkOptions {
            since,
            decrypt: Some(&TestDecryptor),
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&confirmed),
            [
                "a.yaml data-key-rotated",
                "a.yaml reencrypted",
                r#"a.yaml key-changed ["api_key"]"#,
            ]
        );
    }

    #[test]
    fn history_undecryptable_versions_fall_back_to_ciphertexts() {
        struct Nothing;
        impl Decryptor for Nothing {
            fn fingerprints(&self, _: &str, _: &[u8]) -> Option<BTreeMap<String, String>> {
                None
            }
        }
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(&[("a.yaml", Some(&v1))], 0, "Alice", "create");
        let v2 = reencrypt_same_key(&v1, None);
        r.commit(&[("a.yaml", Some(&v2))], 1, "Alice", "re-encrypt");
        let events = r.walk(&WalkOptions {
            since: Some(JAN_1 + DAY),
            decrypt: Some(&Nothing),
            ..WalkOptions::default()
        });
        assert_eq!(summary(&events).len(), 3);
    }

    #[test]
    fn history_rename_is_followed_into_the_filter() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        r.commit(
            &[("old/a.yaml", Some(&v1)), ("old/b.yaml", Some(&v1))],
            0,
            "Alice",
            "create",
        );
        let v2 = set(&v1, "api_key", "k2");
        r.commit(&[("old/a.yaml", Some(&v2))], 1, "Alice", "change a");
        r.rename("old/a.yaml", "new/a.yaml", 2, "move a");
        let v3 = set(&v2, "api_key", "k3");
        r.commit(&[("new/a.yaml", Some(&v3))], 3, "Alice", "change a again");
        let events = r.walk(&WalkOptions {
            paths: vec!["new/".into()],
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&events),
            [
                "old/a.yaml file-created",
                r#"old/a.yaml key-added ["db"]["password"]"#,
                r#"old/a.yaml key-added ["db"]["user"]"#,
                r#"old/a.yaml key-added ["api_key"]"#,
                r#"old/a.yaml key-changed ["api_key"]"#,
                "new/a.yaml file-renamed old/a.yaml",
                r#"new/a.yaml key-changed ["api_key"]"#,
            ]
        );
        // Without a filter, b is reported too and the rename appears once.
        let all = summary(&r.walk(&WalkOptions::default()));
        assert_eq!(
            all.iter().filter(|s| s.starts_with("old/b.yaml")).count(),
            4
        );
        assert_eq!(all.iter().filter(|s| s.contains("file-renamed")).count(), 1);
    }

    #[test]
    fn history_merges_are_reported_on_the_first_parent() {
        let r = Repo::new();
        let v1 = encrypt(APP, &[ALICE]);
        let base = r.commit(&[("a.yaml", Some(&v1))], 0, "Alice", "create");
        // A side branch commit, then a main-line commit, then a merge of the side branch.
        let v2 = set(&v1, "api_key", "side");
        let base_tree = r.repo.find_commit(base).unwrap().tree().unwrap();
        let side_tree = {
            let mut builder = r.repo.treebuilder(Some(&base_tree)).unwrap();
            builder
                .insert("a.yaml", r.repo.blob(&v2).unwrap(), 0o100644)
                .unwrap();
            r.repo.find_tree(builder.write().unwrap()).unwrap()
        };
        let sig = Signature::new("Carol", "c@example.invalid", &Time::new(JAN_1 + DAY, 0)).unwrap();
        let base_commit = r.repo.find_commit(base).unwrap();
        let side = r
            .repo
            .commit(None, &sig, &sig, "side change", &side_tree, &[&base_commit])
            .unwrap();
        let main = r.commit(&[("b.txt", Some(b"x"))], 2, "Alice", "unrelated");
        let sig =
            Signature::new("Dave", "d@example.invalid", &Time::new(JAN_1 + 3 * DAY, 0)).unwrap();
        let main_commit = r.repo.find_commit(main).unwrap();
        let merged_tree = {
            let mut builder = r
                .repo
                .treebuilder(Some(&main_commit.tree().unwrap()))
                .unwrap();
            builder
                .insert("a.yaml", r.repo.blob(&v2).unwrap(), 0o100644)
                .unwrap();
            r.repo.find_tree(builder.write().unwrap()).unwrap()
        };
        let side_commit = r.repo.find_commit(side).unwrap();
        let merge = r
            .repo
            .commit(
                Some("HEAD"),
                &sig,
                &sig,
                "Merge side",
                &merged_tree,
                &[&main_commit, &side_commit],
            )
            .unwrap();
        let events = r.walk(&WalkOptions {
            since: Some(JAN_1 + DAY),
            ..WalkOptions::default()
        });
        assert_eq!(summary(&events), [r#"a.yaml key-changed ["api_key"]"#]);
        assert_eq!(events[0].commit, merge.to_string());
        assert_eq!(events[0].author, "Dave");
    }

    fn rules(list: &[(&str, &[&str])]) -> Vec<u8> {
        let mut out = String::from("creation_rules:\n");
        for (re, rs) in list {
            out.push_str(&format!(
                "  - path_regex: {re}\n    age: {}\n",
                rs.join(",")
            ));
        }
        out.into_bytes()
    }

    #[test]
    fn history_sops_yaml_rule_changes() {
        let r = Repo::new();
        r.commit(
            &[
                (
                    ".sops.yaml",
                    Some(&rules(&[("^prod/.*", &[ALICE]), ("^dev/.*", &[ALICE])])),
                ),
                ("dev/app.yaml", Some(b"not: encrypted yet\n")),
            ],
            0,
            "Alice",
            "rules",
        );
        r.commit(
            &[(
                ".sops.yaml",
                Some(&rules(&[
                    ("^prod/.*", &[ALICE, BOB]),
                    ("^dev/.*", &[ALICE]),
                ])),
            )],
            1,
            "Alice",
            "bob reads prod",
        );
        r.commit(
            &[(
                ".sops.yaml",
                Some(&rules(&[("^prod/.*", &[BOB]), ("^qa/.*", &[ALICE])])),
            )],
            2,
            "Alice",
            "reshuffle",
        );
        // Broken, then fixed again with the same rules: nothing to report either way.
        r.commit(
            &[(".sops.yaml", Some(b"creation_rules: [\n"))],
            3,
            "Alice",
            "oops",
        );
        r.commit(
            &[(
                ".sops.yaml",
                Some(&rules(&[("^prod/.*", &[BOB]), ("^qa/.*", &[ALICE])])),
            )],
            4,
            "Alice",
            "fix",
        );
        assert_eq!(
            summary(&r.walk(&WalkOptions::default())),
            [
                format!(".sops.yaml rule-changed rule ^prod/.* (new): +{ALICE}"),
                format!(".sops.yaml rule-changed rule ^dev/.* (new): +{ALICE}"),
                format!(".sops.yaml rule-changed rule ^prod/.*: +{BOB}"),
                format!(".sops.yaml rule-changed rule ^prod/.*: -{ALICE}"),
                format!(".sops.yaml rule-changed rule ^qa/.* (new): +{ALICE}"),
                format!(".sops.yaml rule-changed rule ^dev/.* (removed): -{ALICE}"),
            ]
        );
        // Filtered to one file: only the rules that govern it.
        let prod = r.walk(&WalkOptions {
            paths: vec!["prod/app.yaml".into()],
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&prod),
            [
                format!(".sops.yaml rule-changed rule ^prod/.* (new): +{ALICE}"),
                format!(".sops.yaml rule-changed rule ^prod/.*: +{BOB}"),
                format!(".sops.yaml rule-changed rule ^prod/.*: -{ALICE}"),
            ]
        );
        // A directory: the rules of the files the trees hold under it.
        let dev_dir = r.walk(&WalkOptions {
            paths: vec!["dev".into()],
            ..WalkOptions::default()
        });
        assert_eq!(
            summary(&dev_dir),
            [
                format!(".sops.yaml rule-changed rule ^dev/.* (new): +{ALICE}"),
                format!(".sops.yaml rule-changed rule ^dev/.* (removed): -{ALICE}"),
            ]
        );
    }

    #[test]
    fn history_ignores_non_sops_files_and_empty_history() {
        let r = Repo::new();
        assert!(r.walk(&WalkOptions::default()).is_empty());
        r.commit(
            &[
                ("config.yaml", Some(b"sops: not really\n")),
                ("notes.json", Some(b"{\"a\": 1}")),
                ("blob.bin", Some(&[0u8, 159, 146, 150])),
            ],
            0,
            "Alice",
            "plain files",
        );
        assert!(r.walk(&WalkOptions::default()).is_empty());
    }

    #[test]
    fn history_dotenv_and_binary_stores() {
        let r = Repo::new();
        let spec = EncryptSpec {
            key_groups: vec![vec![ALICE.to_string()]],
            ..EncryptSpec::default()
        };
        let env = Store::new(Format::Dotenv);
        let dotenv = encrypt_bytes(b"A=1\nB=2\n", &spec, env, env).unwrap();
        let bin = Store::new(Format::Binary);
        let binary = encrypt_bytes(b"-----BEGIN KEY-----\n", &spec, bin, bin).unwrap();
        r.commit(
            &[("app.env", Some(&dotenv)), ("tls.key", Some(&binary))],
            0,
            "Alice",
            "env and key",
        );
        assert_eq!(
            summary(&r.walk(&WalkOptions::default())),
            [
                "app.env file-created",
                r#"app.env key-added ["A"]"#,
                r#"app.env key-added ["B"]"#,
                "tls.key file-created",
                r#"tls.key key-added ["data"]"#,
            ]
        );
    }

    #[test]
    fn leaves_spell_sops_paths() {
        let docs = yaml()
            .load_plain(
                b"a:\n  b: 1\n  'q\"k': x\nlist:\n  # c\n  - one\n  - {k: v}\nempty: {}\nnone: []\nn: null\n---\nz: 2\n",
            )
            .unwrap();
        let paths: Vec<String> = leaves(&docs).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            paths,
            [
                r#"["a"]["b"]"#,
                r#"["a"]['q"k']"#,
                r#"["list"][0]"#,
                r#"["list"][1]["k"]"#,
                r#"["empty"]"#,
                r#"["none"]"#,
                r#"["n"]"#,
                r##"#1["z"]"##,
            ]
        );
    }
}
