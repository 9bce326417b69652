//! `secrets/inventory.yaml`: who owns each secret, how sensitive it is, how often it must be
//! rotated and where it is deployed.
//!
//! The file is plaintext (it holds no secret values), optional, and read with [`parse`]:
//!
//! ```yaml
//! require_entries: false     # optional: true makes a key without an entry a policy problem
//! defaults:                  # optional: used by entries (and keys) that do not set them
//!   rotation: 180d
//!   owner: ops@example.com
//!   sensitivity: medium
//! secrets:                   # entries in order; the first whose `match` matches a key wins
//!   - match: "secrets/shared.sops.yaml:database.password"
//!     owner: ops@example.com
//!     sensitivity: high      # free text (low, medium, high, ...)
//!     rotation: 90d
//!     destinations: [vps-i1, github-actions]
//!     notes: rotated by hand in the provider console
//!   - match: "secrets/*.sops.yaml:api.*"
//!     rotation: 1y
//!   - match: "secrets/github-actions.sops.yaml"   # no `:KEY`: every key of the file
//!     rotation: never
//! ```
//!
//! **`match`** is `FILE_GLOB:KEY_GLOB`, split at the first `:`.
//! - `FILE_GLOB` is matched against the repository-relative, `/`-separated path of the file:
//!   `*` and `?` stay within one directory, `**` crosses directories, `{a,b}` and `[ab]` work as
//!   in `.gitignore`-style globs.
//! - `KEY_GLOB` is a dotted key path (`database.password`) or sops' extract syntax
//!   (`["database"]["password"]`, needed when a key contains a `.`). Each step is a glob on one
//!   key (`api.*`, `["db"]["pass*"]`; list items are their index, `hosts.0`), and a `**` step
//!   stands for any number of steps. An entry covers the keys it names **and everything under
//!   them**: `database` covers `database.password` and `database.user`. An empty or missing
//!   `KEY_GLOB` covers every key of the file.
//!
//! **`rotation`** is a number and a unit: `d` days, `w` weeks, `m` months (30 days), `y` years
//! (365 days), or `never`. A key's cadence is its entry's `rotation`, else `defaults.rotation`
//! (which also applies to keys with no entry), else none (the key is never overdue).
//! `owner` and `sensitivity` fall back to `defaults` the same way. `destinations` is a list of
//! names (targets, CI systems) or a single name. `notes` is free text.
//!
//! Unknown fields are errors (they are usually typos), and every error names the file and the
//! 1-based line it is about, e.g. `secrets/inventory.yaml:7: \`rotation\` must be a duration
//! like 90d, 12w, 6m or 1y (or \`never\`), found "90"`.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};
use secrets_sops::path::Step;
use secrets_sops::spanned::{self, Ints, Node, NodeKind, SpannedError, SpannedErrorKind};
use serde::Serialize;

/// The inventory's path relative to the repository root.
pub const DEFAULT_INVENTORY: &str = "secrets/inventory.yaml";

/// How often a secret must be rotated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cadence {
    /// At most this many days between two changes of the value.
    Days(u32),
    /// Never overdue.
    Never,
}

impl Cadence {
    /// Parses `90d`, `12w`, `6m` (30 days each), `1y` (365 days) or `never`.
    pub fn parse(text: &str) -> Option<Cadence> {
        let text = text.trim();
        if text == "never" {
            return Some(Cadence::Never);
        }
        let unit = text.chars().last()?;
        let days_per_unit = match unit {
            'd' => 1,
            'w' => 7,
            'm' => 30,
            'y' => 365,
            _ => return None,
        };
        let number = &text[..text.len() - 1];
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let n: u32 = number.parse().ok()?;
        match n.checked_mul(days_per_unit) {
            Some(days) if days > 0 => Some(Cadence::Days(days)),
            _ => None,
        }
    }

    /// The number of days, or `None` for [`Cadence::Never`].
    pub fn days(self) -> Option<u32> {
        match self {
            Cadence::Days(d) => Some(d),
            Cadence::Never => None,
        }
    }
}

impl fmt::Display for Cadence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cadence::Days(d) => write!(f, "{d}d"),
            Cadence::Never => f.write_str("never"),
        }
    }
}

impl Serialize for Cadence {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// Values used when an entry (or a key without an entry) does not set them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Defaults {
    /// Default cadence.
    pub rotation: Option<Cadence>,
    /// Default owner.
    pub owner: Option<String>,
    /// Default sensitivity.
    pub sensitivity: Option<String>,
}

/// One step of a key pattern.
#[derive(Clone, Debug)]
enum KeyStep {
    /// `**`: any number of steps.
    AnyDepth,
    /// A glob on one map key or list index.
    Glob(GlobMatcher),
}

/// One `secrets:` entry.
#[derive(Clone, Debug)]
pub struct Entry {
    /// 1-based line of the entry in the inventory file.
    pub line: usize,
    /// The `match` text as written.
    pub pattern: String,
    /// Owner (the entry's, else the default).
    pub owner: Option<String>,
    /// Sensitivity (the entry's, else the default).
    pub sensitivity: Option<String>,
    /// The entry's own cadence (see [`Inventory::cadence`] for the effective one).
    pub rotation: Option<Cadence>,
    /// Where the values are deployed.
    pub destinations: Vec<String>,
    /// Free text.
    pub notes: Option<String>,
    file: GlobMatcher,
    key: Vec<KeyStep>,
}

impl Entry {
    /// True when this entry covers `key` of `file` (a repository-relative `/` path).
    pub fn matches(&self, file: &str, key: &[Step]) -> bool {
        if !self.file.is_match(file) {
            return false;
        }
        let key: Vec<String> = key
            .iter()
            .map(|s| match s {
                Step::Key(k) => k.clone(),
                Step::Index(i) => i.to_string(),
            })
            .collect();
        steps_match(&self.key, &key)
    }
}

/// A pattern matches a key when it matches the key or one of its ancestors.
fn steps_match(pattern: &[KeyStep], key: &[String]) -> bool {
    match pattern.split_first() {
        None => true,
        Some((KeyStep::AnyDepth, rest)) => (0..=key.len()).any(|i| steps_match(rest, &key[i..])),
        Some((KeyStep::Glob(glob), rest)) => match key.split_first() {
            Some((first, key_rest)) => glob.is_match(first) && steps_match(rest, key_rest),
            None => false,
        },
    }
}

/// A parsed inventory.
#[derive(Clone, Debug, Default)]
pub struct Inventory {
    /// A key without an entry is a policy problem (exit 1), not only reported.
    pub require_entries: bool,
    /// Defaults.
    pub defaults: Defaults,
    /// Entries in file order.
    pub entries: Vec<Entry>,
    /// Files left out of the report (test fixtures, vendored examples), as written.
    pub exclude: Vec<String>,
    exclude_globs: Vec<GlobMatcher>,
}

impl Inventory {
    /// Whether `file` (repository-relative) is excluded from the report.
    pub fn excludes(&self, file: &str) -> bool {
        self.exclude_globs.iter().any(|g| g.is_match(file))
    }

    /// Index of the first entry covering `key` of `file`.
    pub fn lookup(&self, file: &str, key: &[Step]) -> Option<usize> {
        self.entries.iter().position(|e| e.matches(file, key))
    }

    /// The effective cadence for a key with `entry` (or with none).
    pub fn cadence(&self, entry: Option<&Entry>) -> Option<Cadence> {
        entry.and_then(|e| e.rotation).or(self.defaults.rotation)
    }
}

/// A problem in the inventory file, with the line it is about.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {kind}")]
pub struct InventoryError {
    /// The file name given to [`parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub kind: InventoryErrorKind,
}

/// What is wrong in an [`InventoryError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InventoryErrorKind {
    /// Not valid YAML.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// More than one YAML document.
    #[error("more than one YAML document (the inventory is a single document)")]
    MultipleDocuments,
    /// A YAML feature the inventory does not accept (tags, complex keys).
    #[error("{0} not supported in the inventory")]
    Unsupported(String),
    /// The document is not a map.
    #[error("the inventory must be a map with `secrets`, found {found}")]
    Root {
        /// What it is, e.g. `a list`.
        found: &'static str,
    },
    /// A field of the wrong YAML type, an unknown field (with a "did you mean"), or a key given
    /// twice in one map.
    #[error(transparent)]
    Field(Box<SpannedErrorKind>),
    /// An entry without `match`.
    #[error("entry has no `match` (FILE_GLOB:KEY_GLOB)")]
    MissingMatch,
    /// An empty string where one is required.
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    /// An invalid `match`.
    #[error("invalid match {pattern:?}: {reason}")]
    Pattern {
        /// The `match` text.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// An invalid `rotation`.
    #[error("`rotation` must be a duration like 90d, 12w, 6m or 1y (or `never`), found {0:?}")]
    Cadence(String),
}

type Fail = (usize, InventoryErrorKind);

// ---------------------------------------------------------------------------------------------
// The document is read by `secrets_sops::spanned`; its errors become this file's.

/// Every field is text, so a plain `5` is the string `5` (and `a string` in type errors).
const INTS: Ints = Ints::Text;

/// A [`SpannedError`] as this file's error (the messages of `MultipleDocuments` and
/// `Unsupported` name the inventory).
fn from_spanned(e: SpannedError) -> Fail {
    let kind = match e.kind {
        SpannedErrorKind::Syntax(message) => InventoryErrorKind::Syntax(message),
        SpannedErrorKind::MultipleDocuments => InventoryErrorKind::MultipleDocuments,
        SpannedErrorKind::Unsupported(what) => InventoryErrorKind::Unsupported(what),
        field => InventoryErrorKind::Field(Box::new(field)),
    };
    (e.line, kind)
}

/// [`spanned::fields`] with this file's errors.
fn fields<'n>(
    node: &'n Node,
    known: &'static [&'static str],
    place: &'static str,
    name: &str,
) -> Result<spanned::Fields<'n>, Fail> {
    spanned::fields(node, known, place, name, INTS).map_err(from_spanned)
}

fn type_err(field: &str, expected: &'static str, node: &Node) -> Fail {
    from_spanned(node.type_error(field, expected, INTS))
}

// ---------------------------------------------------------------------------------------------
// From nodes to the inventory.

const TOP_FIELDS: &[&str] = &["require_entries", "exclude", "defaults", "secrets"];
const DEFAULT_FIELDS: &[&str] = &["rotation", "owner", "sensitivity"];
const ENTRY_FIELDS: &[&str] = &[
    "match",
    "owner",
    "sensitivity",
    "rotation",
    "destinations",
    "notes",
];

/// A non-null, non-blank scalar, as written.
fn string(field: &'static str, node: &Node) -> Result<String, Fail> {
    match &node.kind {
        NodeKind::Scalar { text, .. } if !node.is_null() => {
            if text.trim().is_empty() {
                Err((node.line, InventoryErrorKind::Empty(field)))
            } else {
                Ok(text.clone())
            }
        }
        _ => Err(type_err(field, "a string", node)),
    }
}

/// A list of strings, or a single string.
fn string_list(field: &'static str, node: &Node) -> Result<Vec<String>, Fail> {
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|item| match &item.kind {
                NodeKind::Scalar { .. } => string(field, item),
                _ => Err(type_err(field, "a list of strings", item)),
            })
            .collect(),
        NodeKind::Scalar { .. } if node.is_null() => Ok(Vec::new()),
        NodeKind::Scalar { .. } => Ok(vec![string(field, node)?]),
        NodeKind::Map(_) => Err(type_err(field, "a list of strings or a string", node)),
    }
}

fn cadence(node: &Node) -> Result<Cadence, Fail> {
    let NodeKind::Scalar { text, .. } = &node.kind else {
        return Err(type_err("rotation", "a duration like 90d", node));
    };
    Cadence::parse(text).ok_or_else(|| (node.line, InventoryErrorKind::Cadence(text.clone())))
}

/// Parses the key part of a `match`: dotted (`a.b*`) or extract syntax (`["a"]["b*"]`).
fn key_pattern(text: &str) -> Result<Vec<String>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(Vec::new());
    }
    if !text.starts_with('[') {
        let steps: Vec<String> = text.split('.').map(str::to_string).collect();
        if steps.iter().any(String::is_empty) {
            return Err(format!(
                "empty step in key path {text:?} (use [\"a.b\"] for a key containing a dot)"
            ));
        }
        return Ok(steps);
    }
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let Some(inner) = rest.strip_prefix('[') else {
            return Err(format!("expected `[` at {rest:?}"));
        };
        let (step, after) = match inner.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let body = &inner[1..];
                let close = format!("{q}]");
                let Some(end) = body.find(&close) else {
                    return Err(format!("unterminated key in {rest:?}"));
                };
                (&body[..end], &body[end + 2..])
            }
            _ => {
                let Some(end) = inner.find(']') else {
                    return Err(format!("missing `]` in {rest:?}"));
                };
                let step = &inner[..end];
                let is_index = step.bytes().all(|b| b.is_ascii_digit()) && !step.is_empty();
                if !is_index && step != "*" && step != "**" {
                    return Err(format!(
                        "{step:?} is neither a quoted key, an index, `*` nor `**`"
                    ));
                }
                (step, &inner[end + 1..])
            }
        };
        if step.is_empty() {
            return Err("empty key in key path".to_string());
        }
        steps.push(step.to_string());
        rest = after;
    }
    Ok(steps)
}

/// A repository path glob: `*` stays within a directory, `**` crosses them.
fn file_glob(pattern: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

fn compile_match(pattern: &str) -> Result<(GlobMatcher, Vec<KeyStep>), String> {
    let (file, key) = pattern.split_once(':').unwrap_or((pattern, ""));
    let file = file.trim();
    if file.is_empty() {
        return Err("the file glob before `:` is empty".to_string());
    }
    let file = file_glob(file)?;
    let key = key_pattern(key)?
        .into_iter()
        .map(|step| {
            if step == "**" {
                return Ok(KeyStep::AnyDepth);
            }
            GlobBuilder::new(&step)
                .literal_separator(false)
                .backslash_escape(true)
                .build()
                .map(|g| KeyStep::Glob(g.compile_matcher()))
                .map_err(|e| e.kind().to_string())
        })
        .collect::<Result<_, String>>()?;
    Ok((file, key))
}

fn entry(node: &Node, defaults: &Defaults) -> Result<Entry, Fail> {
    let own = fields(node, ENTRY_FIELDS, "an entry", "secrets")?;
    let Some(match_node) = spanned::get(&own, "match") else {
        return Err((node.line, InventoryErrorKind::MissingMatch));
    };
    let pattern = string("match", match_node)?;
    let (file, key) = compile_match(&pattern).map_err(|reason| {
        let kind = InventoryErrorKind::Pattern {
            pattern: pattern.clone(),
            reason,
        };
        (match_node.line, kind)
    })?;
    let optional = |field: &'static str| {
        spanned::get(&own, field)
            .map(|n| string(field, n))
            .transpose()
    };
    Ok(Entry {
        line: node.line,
        owner: optional("owner")?.or_else(|| defaults.owner.clone()),
        sensitivity: optional("sensitivity")?.or_else(|| defaults.sensitivity.clone()),
        rotation: spanned::get(&own, "rotation").map(cadence).transpose()?,
        destinations: spanned::get(&own, "destinations")
            .map(|n| string_list("destinations", n))
            .transpose()?
            .unwrap_or_default(),
        notes: optional("notes")?,
        pattern,
        file,
        key,
    })
}

/// Parses and validates an inventory. `file_name` is only used in error messages. An empty
/// file is an empty inventory.
///
/// # Errors
///
/// An [`InventoryError`] naming `file_name`, the line and the problem: invalid YAML, an
/// unknown field, an invalid `match` or `rotation`, and so on.
pub fn parse(text: &str, file_name: &str) -> Result<Inventory, InventoryError> {
    let err = |(line, kind): Fail| InventoryError {
        file: file_name.to_string(),
        line,
        kind,
    };
    let root = match spanned::parse(text).map_err(|e| err(from_spanned(e)))? {
        Some(root) if !root.is_null() => root,
        _ => return Ok(Inventory::default()),
    };
    if !matches!(root.kind, NodeKind::Map(_)) {
        let kind = InventoryErrorKind::Root {
            found: root.type_name(INTS),
        };
        return Err(err((root.line, kind)));
    }
    let top = fields(&root, TOP_FIELDS, "the top level", "").map_err(err)?;
    let mut inventory = Inventory::default();
    if let Some(node) = spanned::get(&top, "require_entries") {
        inventory.require_entries = node
            .as_bool()
            .ok_or_else(|| err(type_err("require_entries", "true or false", node)))?;
    }
    if let Some(node) = spanned::get(&top, "exclude").filter(|n| !n.is_null()) {
        for pattern in string_list("exclude", node).map_err(err)? {
            let glob = file_glob(&pattern).map_err(|reason| {
                let kind = InventoryErrorKind::Pattern {
                    pattern: pattern.clone(),
                    reason,
                };
                err((node.line, kind))
            })?;
            inventory.exclude.push(pattern);
            inventory.exclude_globs.push(glob);
        }
    }
    if let Some(node) = spanned::get(&top, "defaults").filter(|n| !n.is_null()) {
        let own = fields(node, DEFAULT_FIELDS, "defaults", "defaults").map_err(err)?;
        let optional = |field: &'static str| {
            spanned::get(&own, field)
                .map(|n| string(field, n))
                .transpose()
        };
        inventory.defaults = Defaults {
            rotation: spanned::get(&own, "rotation")
                .map(cadence)
                .transpose()
                .map_err(err)?,
            owner: optional("owner").map_err(err)?,
            sensitivity: optional("sensitivity").map_err(err)?,
        };
    }
    if let Some(node) = spanned::get(&top, "secrets").filter(|n| !n.is_null()) {
        let NodeKind::Seq(items) = &node.kind else {
            return Err(err(type_err("secrets", "a list of entries", node)));
        };
        for item in items {
            let parsed = entry(item, &inventory.defaults).map_err(err)?;
            inventory.entries.push(parsed);
        }
    }
    Ok(inventory)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "secrets/inventory.yaml";

    const EXAMPLE: &str = "\
require_entries: true
defaults:
  rotation: 180d
  owner: ops@example.com
secrets:
  - match: \"secrets/shared.sops.yaml:database.password\"
    owner: dba@example.com
    sensitivity: high
    rotation: 90d
    destinations: [vps-i1, github-actions]
    notes: rotate in the console first
  - match: 'secrets/*.sops.yaml:[\"api\"][\"key*\"]'
    rotation: 1y
  - match: secrets/github-actions.sops.yaml
    rotation: never
    destinations: github-actions
  - match: \"**/*.sops.yaml:**.token\"
";

    fn key(path: &str) -> Vec<Step> {
        secrets_sops::path::parse(path).unwrap()
    }

    fn error(text: &str) -> String {
        parse(text, FILE).unwrap_err().to_string()
    }

    #[test]
    fn parse_exclude() {
        let inv = parse("exclude: [\"tests/**\", vendor/*.yaml]\n", FILE).unwrap();
        assert_eq!(inv.exclude, ["tests/**", "vendor/*.yaml"]);
        assert!(inv.excludes("tests/vectors/sops/a.enc.yaml"));
        assert!(inv.excludes("vendor/x.yaml"));
        assert!(!inv.excludes("vendor/sub/x.yaml"));
        assert!(!inv.excludes("secrets/a.yaml"));
        let inv = parse("exclude: tests/**\n", FILE).unwrap();
        assert!(inv.excludes("tests/a"));
        assert_eq!(
            error("exclude: {a: b}\n"),
            "secrets/inventory.yaml:1: `exclude` must be a list of strings or a string, found a map"
        );
        assert_eq!(
            error("exclude: [\"a[\"]\n"),
            "secrets/inventory.yaml:1: invalid match \"a[\": unclosed character class; missing ']'"
        );
    }

    #[test]
    fn parse_example() {
        let inv = parse(EXAMPLE, FILE).unwrap();
        assert!(inv.require_entries);
        assert_eq!(inv.defaults.rotation, Some(Cadence::Days(180)));
        assert_eq!(inv.entries.len(), 4);
        let db = &inv.entries[0];
        assert_eq!(db.line, 6);
        assert_eq!(db.owner.as_deref(), Some("dba@example.com"));
        assert_eq!(db.sensitivity.as_deref(), Some("high"));
        assert_eq!(db.rotation, Some(Cadence::Days(90)));
        assert_eq!(db.destinations, ["vps-i1", "github-actions"]);
        assert_eq!(db.notes.as_deref(), Some("rotate in the console first"));
        let api = &inv.entries[1];
        assert_eq!(
            api.owner.as_deref(),
            Some("ops@example.com"),
            "default owner"
        );
        assert_eq!(api.sensitivity, None);
        assert_eq!(inv.entries[2].rotation, Some(Cadence::Never));
        assert_eq!(inv.entries[2].destinations, ["github-actions"]);
        assert_eq!(inv.cadence(Some(&inv.entries[3])), Some(Cadence::Days(180)));
        assert_eq!(inv.cadence(None), Some(Cadence::Days(180)));
    }

    #[test]
    fn lookup_first_match_wins() {
        let inv = parse(EXAMPLE, FILE).unwrap();
        let shared = "secrets/shared.sops.yaml";
        assert_eq!(
            inv.lookup(shared, &key(r#"["database"]["password"]"#)),
            Some(0)
        );
        assert_eq!(inv.lookup(shared, &key(r#"["database"]["user"]"#)), None);
        assert_eq!(inv.lookup(shared, &key(r#"["api"]["key_v2"]"#)), Some(1));
        assert_eq!(inv.lookup(shared, &key(r#"["api"]["url"]"#)), None);
        // `*` in the file glob stays within one directory.
        assert_eq!(
            inv.lookup("secrets/sub/x.sops.yaml", &key(r#"["api"]["key"]"#)),
            None
        );
        let gha = "secrets/github-actions.sops.yaml";
        assert_eq!(inv.lookup(gha, &key(r#"["api"]["key"]"#)), Some(1));
        assert_eq!(inv.lookup(gha, &key(r#"["anything"]"#)), Some(2));
        // `**` spans any depth (including none), in files and keys.
        assert_eq!(inv.lookup("a/b/c.sops.yaml", &key(r#"["token"]"#)), Some(3));
        assert_eq!(
            inv.lookup("c.sops.yaml", &key(r#"["x"]["y"]["token"]"#)),
            Some(3)
        );
        assert_eq!(inv.lookup("c.sops.yaml", &key(r#"["x"]["tokens"]"#)), None);
    }

    #[test]
    fn lookup_entry_covers_subtree_and_list_items() {
        let inv = parse(
            "secrets:\n  - match: 'a.yaml:database'\n  - match: 'a.yaml:hosts.1'\n",
            FILE,
        )
        .unwrap();
        assert_eq!(
            inv.lookup("a.yaml", &key(r#"["database"]["password"]"#)),
            Some(0)
        );
        assert_eq!(inv.lookup("a.yaml", &key(r#"["database"]"#)), Some(0));
        assert_eq!(inv.lookup("a.yaml", &key(r#"["hosts"][1]"#)), Some(1));
        assert_eq!(inv.lookup("a.yaml", &key(r#"["hosts"][0]"#)), None);
        assert_eq!(inv.lookup("a.yaml", &key(r#"["databases"]"#)), None);
    }

    #[test]
    fn lookup_bracket_keys_with_dots() {
        let inv = parse("secrets:\n  - match: 'a.yaml:[\"x.y\"][0]'\n", FILE).unwrap();
        assert_eq!(inv.lookup("a.yaml", &key(r#"["x.y"][0]"#)), Some(0));
        assert_eq!(inv.lookup("a.yaml", &key(r#"["x"]["y"]"#)), None);
    }

    #[test]
    fn parse_empty_is_empty_inventory() {
        for text in ["", "# nothing\n", "~\n", "secrets:\ndefaults:\n"] {
            let inv = parse(text, FILE).unwrap();
            assert!(inv.entries.is_empty() && !inv.require_entries, "{text:?}");
        }
    }

    #[test]
    fn cadence_units() {
        assert_eq!(Cadence::parse("90d"), Some(Cadence::Days(90)));
        assert_eq!(Cadence::parse("2w"), Some(Cadence::Days(14)));
        assert_eq!(Cadence::parse("6m"), Some(Cadence::Days(180)));
        assert_eq!(Cadence::parse("1y"), Some(Cadence::Days(365)));
        assert_eq!(Cadence::parse("never"), Some(Cadence::Never));
        for bad in ["90", "0d", "d", "-1d", "1.5y", "9999999999d", "90 d", "1h"] {
            assert_eq!(Cadence::parse(bad), None, "{bad}");
        }
        assert_eq!(Cadence::Days(90).to_string(), "90d");
    }

    #[test]
    fn parse_errors_have_lines() {
        assert_eq!(
            error("secrets:\n  - match: a.yaml:x\n    rotation: 90\n"),
            "secrets/inventory.yaml:3: `rotation` must be a duration like 90d, 12w, 6m or 1y \
             (or `never`), found \"90\""
        );
        assert_eq!(
            error("secrets:\n  - match: a.yaml:x\n    owner: a\n    rotaton: 90d\n"),
            "secrets/inventory.yaml:4: unknown field `rotaton` in an entry \
             (did you mean `rotation`?)"
        );
        assert_eq!(
            error("secrets:\n  - owner: a\n"),
            "secrets/inventory.yaml:2: entry has no `match` (FILE_GLOB:KEY_GLOB)"
        );
        assert_eq!(
            error("defaults:\n  rotation: 1d\n  rotation: 2d\n"),
            "secrets/inventory.yaml:3: `rotation` is given twice (first on line 2)"
        );
        assert_eq!(
            error("secrets:\n  match: a\n"),
            "secrets/inventory.yaml:2: `secrets` must be a list of entries, found a map"
        );
        assert_eq!(
            error("- a\n"),
            "secrets/inventory.yaml:1: the inventory must be a map with `secrets`, found a list"
        );
        assert_eq!(
            error("require_entries: yes\n"),
            "secrets/inventory.yaml:1: `require_entries` must be true or false, found a string"
        );
        assert_eq!(
            error("secrets:\n  - match: 'a.yaml:db..x'\n"),
            "secrets/inventory.yaml:2: invalid match \"a.yaml:db..x\": empty step in key path \
             \"db..x\" (use [\"a.b\"] for a key containing a dot)"
        );
        assert_eq!(
            error("secrets:\n  - match: ':x'\n"),
            "secrets/inventory.yaml:2: invalid match \":x\": the file glob before `:` is empty"
        );
        assert!(error("secrets:\n  - match: 'a[.yaml'\n")
            .starts_with("secrets/inventory.yaml:2: invalid match \"a[.yaml\": "));
        assert!(error("secrets:\n  - match: 'a.yaml:[\"x'\n").contains("unterminated key"));
        assert!(error("secrets: [\n").starts_with("secrets/inventory.yaml:"));
        assert_eq!(
            error("a: 1\n---\nb: 2\n"),
            "secrets/inventory.yaml:2: more than one YAML document (the inventory is a single \
             document)"
        );
        assert_eq!(
            error("secrets:\n  - match: a\n    destinations: {a: b}\n"),
            "secrets/inventory.yaml:3: `destinations` must be a list of strings or a string, \
             found a map"
        );
        assert_eq!(
            error("secrets:\n  - match: a\n    owner: ''\n"),
            "secrets/inventory.yaml:3: `owner` must not be empty"
        );
    }

    #[test]
    fn parse_anchors_and_aliases() {
        let text =
            "defaults:\n  owner: &ops ops@example.com\nsecrets:\n  - match: a\n    owner: *ops\n";
        let inv = parse(text, FILE).unwrap();
        assert_eq!(inv.entries[0].owner.as_deref(), Some("ops@example.com"));
    }
}
