//! `secrets/targets.yaml`: where rendered values go.
//!
//! The file is plaintext (it holds no secrets) and is read with [`parse`]:
//!
//! ```yaml
//! defaults:                  # optional: any target field, for every target that does not set it
//!   user: deploy
//! targets:
//!   vps-i1:                  # a server: a `.env` file written over SSH
//!     host: 203.0.113.10
//!     sources: [secrets/shared.sops.yaml, secrets/vps-i1.sops.yaml]
//!     path: /opt/monitoring/.env
//!     restart: docker compose up -d
//!   github-actions:          # a command run once per changed key
//!     command: gh secret set {key} --repo owner/name
//!     sources: secrets/github-actions.sops.yaml
//! ```
//!
//! Every error names the file and the 1-based line it is about, e.g.
//! `secrets/targets.yaml:7: target "vps-i1": port must be 1-65535`.
//!
//! A field set in a target replaces the default entirely (lists and maps are not merged).
//! Defaults that only make sense for servers (`host`, `port`, `user`, `known_hosts`, `path`,
//! `mode`, `owner`, `group`, `restart`) are ignored for command targets, and a default `command`
//! is ignored for server targets; whether a target is a server or a command is decided by its own
//! `host`/`command` first and by the defaults only when it sets neither.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;

use secrets_sops::spanned::{self, Ints, Node, NodeKind, Plain, SpannedError, SpannedErrorKind};

/// Known hosts file used when neither the target nor the defaults name one.
pub const DEFAULT_KNOWN_HOSTS: &str = "secrets/known_hosts";
/// SSH port used when neither the target nor the defaults name one.
pub const DEFAULT_PORT: u16 = 22;
/// File mode used when neither the target nor the defaults name one.
pub const DEFAULT_MODE: u32 = 0o600;
/// Placeholder that a command target's `command` must contain.
pub const KEY_PLACEHOLDER: &str = "{key}";

/// The whole targets file, targets in file order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TargetsFile {
    /// Targets in file order.
    pub targets: Vec<Target>,
}

/// One destination.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    /// The target's name (its key in the file).
    pub name: String,
    /// sops files, relative to the project root; later sources override earlier ones.
    pub sources: Vec<PathBuf>,
    /// Which keys, under which names.
    pub select: Selection,
    /// Server or command.
    pub kind: TargetKind,
}

/// Where a target's values go.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetKind {
    /// A `.env` file on a server, over SSH.
    Ssh(SshTarget),
    /// A local command run once per changed key, the value on its stdin.
    Command(CommandTarget),
}

/// A `.env` file on a server.
#[derive(Clone, Debug, PartialEq)]
pub struct SshTarget {
    /// Host name or address.
    pub host: String,
    /// Port (default 22).
    pub port: u16,
    /// Login user.
    pub user: String,
    /// Pinned host keys (OpenSSH known_hosts format), relative to the project root.
    pub known_hosts: PathBuf,
    /// Absolute path of the file on the server.
    pub path: String,
    /// File mode (default 0o600).
    pub mode: u32,
    /// Optional owner (chown) of the file.
    pub owner: Option<String>,
    /// Optional group (chgrp) of the file.
    pub group: Option<String>,
    /// Run in the file's directory after the file changed.
    pub restart: Option<String>,
}

/// A local command per key (e.g. `gh secret set {key} --repo owner/name`).
#[derive(Clone, Debug, PartialEq)]
pub struct CommandTarget {
    /// The command; `{key}` is replaced by the variable name.
    pub command: String,
}

/// Key selection and naming.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Selection {
    /// Only these flattened names (globs with `*`); empty = all.
    pub only: Vec<String>,
    /// Never these flattened names (globs with `*`).
    pub exclude: Vec<String>,
    /// Renames, flattened source name → variable name.
    pub rename: Vec<(String, String)>,
    /// Upper-case every name (after renaming).
    pub upper: bool,
}

/// A problem in the targets file, with the line it is about.
#[derive(Debug, thiserror::Error)]
#[error("{file}:{line}: {}{kind}", TargetPrefix(.target.as_deref()))]
pub struct TargetsError {
    /// The file name given to [`parse`].
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// The target the problem is in, when it is in one.
    pub target: Option<String>,
    /// What is wrong.
    pub kind: TargetsErrorKind,
}

struct TargetPrefix<'a>(Option<&'a str>);

impl fmt::Display for TargetPrefix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(name) => write!(f, "target {name:?}: "),
            None => Ok(()),
        }
    }
}

/// What is wrong in a [`TargetsError`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TargetsErrorKind {
    /// Not valid YAML.
    #[error("invalid YAML: {0}")]
    Syntax(String),
    /// More than one YAML document.
    #[error("more than one YAML document (the targets file is a single document)")]
    MultipleDocuments,
    /// A YAML feature the targets file does not accept (tags, complex keys).
    #[error("{0} not supported in the targets file")]
    Unsupported(String),
    /// A field of the wrong YAML type, an unknown field (with a "did you mean"), or a key given
    /// twice in one map.
    #[error(transparent)]
    Field(Box<SpannedErrorKind>),
    /// A target name given twice.
    #[error("target defined twice (first on line {first_line})")]
    DuplicateTarget {
        /// Line of the first definition.
        first_line: usize,
    },
    /// No `targets` map.
    #[error("missing `targets` (the map of target name to settings)")]
    MissingTargets,
    /// The document is not a map.
    #[error("the file must be a map with `targets`, found {found}")]
    Root {
        /// What it is, e.g. `a list`.
        found: &'static str,
    },
    /// A target name outside `[A-Za-z0-9._-]+` (or `.`/`..`).
    #[error("invalid target name {name:?}: use letters, digits, `.`, `_` and `-` only (and not `.` or `..`)")]
    InvalidName {
        /// The name as written.
        name: String,
    },
    /// Both `host` and `command`.
    #[error(
        "has both `host` and `command`: a target is either a server (`host`, `path`) or a command"
    )]
    HostAndCommand,
    /// Neither `host` nor `command`.
    #[error("has neither `host` (a server) nor `command`")]
    NoHostNorCommand,
    /// A required field is missing.
    #[error("missing `{0}`")]
    Missing(&'static str),
    /// A server-only field in a command target.
    #[error("`{0}` does not apply to a command target (it has `command`, not `host`)")]
    NotForCommand(&'static str),
    /// An empty list or string where one is required.
    #[error("`{0}` must not be empty")]
    Empty(&'static str),
    /// A relative `path`.
    #[error("path {0:?} must be absolute")]
    RelativePath(String),
    /// A port outside 1-65535.
    #[error("port must be 1-65535")]
    Port,
    /// A bad file mode.
    #[error("{0}")]
    Mode(String),
    /// A `command` without `{key}`.
    #[error("`command` must contain `{{key}}` (replaced by the variable name)")]
    CommandWithoutKey,
    /// An invalid glob in `only`/`exclude`.
    #[error("invalid pattern {pattern:?} in `{field}`: {reason}")]
    Glob {
        /// `only` or `exclude`.
        field: &'static str,
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// A `rename` whose new name is not a valid variable name.
    #[error("rename {from:?} to {to:?}: the new name must match [A-Za-z_][A-Za-z0-9_]*")]
    RenameName {
        /// The flattened source name.
        from: String,
        /// The invalid new name.
        to: String,
    },
    /// A string field with a value it cannot have.
    #[error("`{field}` {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// Why, e.g. `must not contain whitespace`.
        reason: &'static str,
    },
}

// ---------------------------------------------------------------------------------------------
// The document is read by `secrets_sops::spanned`; its errors become this file's.

/// `port` and `mode` are numbers, so a plain `5` is `a number` in type errors.
const INTS: Ints = Ints::Number;

/// A [`SpannedError`] as this file's error (the messages of `MultipleDocuments` and
/// `Unsupported` name the targets file).
fn from_spanned(e: SpannedError) -> Fail {
    let kind = match e.kind {
        SpannedErrorKind::Syntax(message) => TargetsErrorKind::Syntax(message),
        SpannedErrorKind::MultipleDocuments => TargetsErrorKind::MultipleDocuments,
        SpannedErrorKind::Unsupported(what) => TargetsErrorKind::Unsupported(what),
        field => TargetsErrorKind::Field(Box::new(field)),
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

// ---------------------------------------------------------------------------------------------
// From nodes to targets.

const TOP_FIELDS: &[&str] = &["defaults", "targets"];
const TARGET_FIELDS: &[&str] = &[
    "host",
    "port",
    "user",
    "known_hosts",
    "sources",
    "path",
    "mode",
    "owner",
    "group",
    "restart",
    "command",
    "only",
    "exclude",
    "rename",
    "upper",
];
/// Fields that only make sense for a server target.
const SSH_ONLY: &[&str] = &[
    "host",
    "port",
    "user",
    "known_hosts",
    "path",
    "mode",
    "owner",
    "group",
    "restart",
];

type Fail = (usize, TargetsErrorKind);

fn type_err(field: &str, expected: &'static str, node: &Node) -> Fail {
    from_spanned(node.type_error(field, expected, INTS))
}

/// Any non-null scalar, as written.
fn string(field: &'static str, node: &Node) -> Result<String, Fail> {
    match &node.kind {
        NodeKind::Scalar { text, .. } if !node.is_null() => Ok(text.clone()),
        _ => Err(type_err(field, "a string", node)),
    }
}

/// A non-empty string without whitespace or control characters, not starting with `-`.
fn word(field: &'static str, node: &Node) -> Result<String, Fail> {
    let s = string(field, node)?;
    if s.is_empty() {
        return Err((node.line, TargetsErrorKind::Empty(field)));
    }
    if s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        let reason = "must not contain whitespace or control characters";
        return Err((node.line, TargetsErrorKind::Invalid { field, reason }));
    }
    if s.starts_with('-') {
        let reason = "must not start with `-`";
        return Err((node.line, TargetsErrorKind::Invalid { field, reason }));
    }
    Ok(s)
}

/// A string without newlines or NUL (commands, paths).
fn line_string(field: &'static str, node: &Node) -> Result<String, Fail> {
    let s = string(field, node)?;
    if s.trim().is_empty() {
        return Err((node.line, TargetsErrorKind::Empty(field)));
    }
    if s.contains(['\n', '\r', '\0']) {
        let reason = "must be a single line";
        return Err((node.line, TargetsErrorKind::Invalid { field, reason }));
    }
    Ok(s)
}

/// A list of strings, or a single string.
fn string_list(field: &'static str, node: &Node) -> Result<Vec<(String, usize)>, Fail> {
    match &node.kind {
        NodeKind::Seq(items) => items
            .iter()
            .map(|item| match &item.kind {
                NodeKind::Scalar { text, .. } if !item.is_null() => Ok((text.clone(), item.line)),
                _ => Err(type_err(field, "a list of strings", item)),
            })
            .collect(),
        NodeKind::Scalar { text, .. } if !node.is_null() => Ok(vec![(text.clone(), node.line)]),
        _ => Err(type_err(field, "a list of strings or a string", node)),
    }
}

fn globs(field: &'static str, node: &Node) -> Result<Vec<String>, Fail> {
    let list = string_list(field, node)?;
    let mut out = Vec::with_capacity(list.len());
    for (pattern, line) in list {
        if let Err(e) = glob(&pattern) {
            let reason = e.kind().to_string();
            return Err((
                line,
                TargetsErrorKind::Glob {
                    field,
                    pattern,
                    reason,
                },
            ));
        }
        out.push(pattern);
    }
    Ok(out)
}

/// Compiles one `only`/`exclude` pattern the way [`crate::render`] matches it.
pub(crate) fn glob(pattern: &str) -> Result<globset::Glob, globset::Error> {
    globset::GlobBuilder::new(pattern)
        .literal_separator(false)
        .backslash_escape(true)
        .build()
}

/// True for a valid environment variable name: `[A-Za-z_][A-Za-z0-9_]*`.
pub(crate) fn is_var_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c == '_' || c.is_ascii_alphabetic())
        && chars.all(|c| c == '_' || c.is_ascii_alphanumeric())
}

fn rename(node: &Node) -> Result<Vec<(String, String)>, Fail> {
    let NodeKind::Map(entries) = &node.kind else {
        return Err(type_err("rename", "a map of source name to new name", node));
    };
    let mut out: Vec<(String, String)> = Vec::with_capacity(entries.len());
    let mut lines: HashMap<String, usize> = HashMap::new();
    for (key, value) in entries {
        let from = key.text().to_string();
        if let Some(first_line) = lines.get(&from) {
            return Err((
                key.line,
                TargetsErrorKind::Field(Box::new(SpannedErrorKind::DuplicateKey {
                    key: from,
                    first_line: *first_line,
                })),
            ));
        }
        lines.insert(from.clone(), key.line);
        let to = string("rename", value)?;
        if !is_var_name(&to) {
            return Err((value.line, TargetsErrorKind::RenameName { from, to }));
        }
        out.push((from, to));
    }
    Ok(out)
}

fn boolean(field: &'static str, node: &Node) -> Result<bool, Fail> {
    node.as_bool()
        .ok_or_else(|| type_err(field, "true or false", node))
}

fn port(node: &Node) -> Result<u16, Fail> {
    match &node.kind {
        NodeKind::Scalar { text, plain: true } if node.plain_type() == Some(Plain::Int) => {
            match spanned::parse_int(text) {
                Some(p @ 1..=65535) => Ok(p as u16),
                _ => Err((node.line, TargetsErrorKind::Port)),
            }
        }
        _ => Err(type_err("port", "a number", node)),
    }
}

/// `"0600"`/`"600"`/`"0o600"` (always octal), or the YAML ints `0o600`/`0600`. A plain decimal
/// like `600` is refused: YAML reads it as six hundred, which is never what was meant.
fn mode(node: &Node) -> Result<u32, Fail> {
    let bad = |msg: String| (node.line, TargetsErrorKind::Mode(msg));
    let digits = match &node.kind {
        NodeKind::Scalar { text, plain: false } => text.strip_prefix("0o").unwrap_or(text),
        NodeKind::Scalar { text, plain: true } if node.plain_type() == Some(Plain::Int) => {
            if let Some(oct) = text.strip_prefix("0o") {
                oct
            } else if text == "0" || (text.starts_with('0') && !text.starts_with("0x")) {
                text
            } else {
                return Err(bad(format!(
                    "mode {text} is a decimal number in YAML: write it as \"0{text}\" or 0o{text}"
                )));
            }
        }
        _ => return Err(type_err("mode", "an octal string like \"0600\"", node)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        return Err(bad(
            "mode must be octal digits, like \"0600\" or \"0640\"".to_string()
        ));
    }
    match u32::from_str_radix(digits, 8) {
        Ok(m) if m <= 0o7777 => Ok(m),
        _ => Err(bad(
            "mode must only have permission bits (at most 07777)".to_string()
        )),
    }
}

/// A target's own fields, then the defaults.
struct Lookup<'n> {
    own: spanned::Fields<'n>,
    defaults: &'n [(&'static str, &'n Node, usize)],
    command: bool,
}

impl<'n> Lookup<'n> {
    fn own(&self, field: &str) -> Option<&'n Node> {
        spanned::get(&self.own, field)
    }

    fn get(&self, field: &str) -> Option<&'n Node> {
        self.own(field).or_else(|| {
            let ignored = if self.command {
                SSH_ONLY.contains(&field)
            } else {
                field == "command"
            };
            if ignored {
                return None;
            }
            spanned::get(self.defaults, field)
        })
    }
}

fn target(
    name: &str,
    name_line: usize,
    node: &Node,
    defaults: &[(&'static str, &Node, usize)],
) -> Result<Target, Fail> {
    let own = fields(node, TARGET_FIELDS, "a target", name)?;
    let find = |list: &[(&'static str, &Node, usize)], f: &str| list.iter().any(|e| e.0 == f);
    let command = match (find(&own, "host"), find(&own, "command")) {
        (true, true) => return Err((name_line, TargetsErrorKind::HostAndCommand)),
        (true, false) => false,
        (false, true) => true,
        (false, false) => match (find(defaults, "host"), find(defaults, "command")) {
            (true, true) => return Err((name_line, TargetsErrorKind::HostAndCommand)),
            (true, false) => false,
            (false, true) => true,
            (false, false) => return Err((name_line, TargetsErrorKind::NoHostNorCommand)),
        },
    };
    if command {
        if let Some((field, _, line)) = own.iter().find(|(f, _, _)| SSH_ONLY.contains(f)) {
            return Err((*line, TargetsErrorKind::NotForCommand(field)));
        }
    }
    let look = Lookup {
        own,
        defaults,
        command,
    };
    let missing = |field| (name_line, TargetsErrorKind::Missing(field));

    let sources_node = look.get("sources").ok_or_else(|| missing("sources"))?;
    let sources: Vec<PathBuf> = string_list("sources", sources_node)?
        .into_iter()
        .map(|(s, line)| {
            if s.is_empty() {
                Err((line, TargetsErrorKind::Empty("sources")))
            } else {
                Ok(PathBuf::from(s))
            }
        })
        .collect::<Result<_, _>>()?;
    if sources.is_empty() {
        return Err((sources_node.line, TargetsErrorKind::Empty("sources")));
    }

    let select = Selection {
        only: look
            .get("only")
            .map(|n| globs("only", n))
            .transpose()?
            .unwrap_or_default(),
        exclude: look
            .get("exclude")
            .map(|n| globs("exclude", n))
            .transpose()?
            .unwrap_or_default(),
        rename: look
            .get("rename")
            .map(rename)
            .transpose()?
            .unwrap_or_default(),
        upper: look
            .get("upper")
            .map(|n| boolean("upper", n))
            .transpose()?
            .unwrap_or(false),
    };

    let kind = if command {
        let node = look.get("command").ok_or_else(|| missing("command"))?;
        let command = line_string("command", node)?;
        if !command.contains(KEY_PLACEHOLDER) {
            return Err((node.line, TargetsErrorKind::CommandWithoutKey));
        }
        TargetKind::Command(CommandTarget { command })
    } else {
        let host = word("host", look.get("host").ok_or_else(|| missing("host"))?)?;
        let user = word("user", look.get("user").ok_or_else(|| missing("user"))?)?;
        let path_node = look.get("path").ok_or_else(|| missing("path"))?;
        let path = line_string("path", path_node)?;
        if !path.starts_with('/') {
            return Err((path_node.line, TargetsErrorKind::RelativePath(path)));
        }
        if path.ends_with('/') {
            let reason = "must name a file, not a directory (it ends with `/`)";
            let field = "path";
            return Err((path_node.line, TargetsErrorKind::Invalid { field, reason }));
        }
        let known_hosts = match look.get("known_hosts") {
            Some(n) => PathBuf::from(line_string("known_hosts", n)?),
            None => PathBuf::from(DEFAULT_KNOWN_HOSTS),
        };
        let optional = |field| look.get(field).map(|n| word(field, n)).transpose();
        TargetKind::Ssh(SshTarget {
            host,
            port: look
                .get("port")
                .map(port)
                .transpose()?
                .unwrap_or(DEFAULT_PORT),
            user,
            known_hosts,
            path,
            mode: look
                .get("mode")
                .map(mode)
                .transpose()?
                .unwrap_or(DEFAULT_MODE),
            owner: optional("owner")?,
            group: optional("group")?,
            restart: look
                .get("restart")
                .map(|n| line_string("restart", n))
                .transpose()?,
        })
    };
    Ok(Target {
        name: name.to_string(),
        sources,
        select,
        kind,
    })
}

fn valid_target_name(name: &str) -> bool {
    !name.is_empty()
        && name != "."
        && name != ".."
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// Parses and validates a targets file. `file_name` is only used in error messages.
///
/// # Errors
///
/// A [`TargetsError`] naming `file_name`, the line, the target when there is one, and the
/// problem: invalid YAML, an unknown field, a missing or invalid value, and so on.
pub fn parse(text: &str, file_name: &str) -> Result<TargetsFile, TargetsError> {
    let err = |(line, kind): Fail, target: Option<&str>| TargetsError {
        file: file_name.to_string(),
        line,
        target: target.map(str::to_string),
        kind,
    };
    let Some(root) = spanned::parse(text).map_err(|e| err(from_spanned(e), None))? else {
        return Err(err((1, TargetsErrorKind::MissingTargets), None));
    };
    if root.is_null() {
        return Err(err((1, TargetsErrorKind::MissingTargets), None));
    }
    if !matches!(root.kind, NodeKind::Map(_)) {
        let kind = TargetsErrorKind::Root {
            found: root.type_name(INTS),
        };
        return Err(err((root.line, kind), None));
    }
    let top = fields(&root, TOP_FIELDS, "the top level", "").map_err(|e| err(e, None))?;
    let defaults = match spanned::get(&top, "defaults") {
        Some(node) if node.is_null() => Vec::new(),
        Some(node) => {
            fields(node, TARGET_FIELDS, "defaults", "defaults").map_err(|e| err(e, None))?
        }
        None => Vec::new(),
    };
    let Some(targets_node) = spanned::get(&top, "targets") else {
        return Err(err((root.line, TargetsErrorKind::MissingTargets), None));
    };
    let NodeKind::Map(entries) = &targets_node.kind else {
        let e = type_err("targets", "a map of target name to settings", targets_node);
        return Err(err(e, None));
    };
    let mut targets = Vec::with_capacity(entries.len());
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (key, value) in entries {
        let name = key.text();
        if !valid_target_name(name) {
            let kind = TargetsErrorKind::InvalidName {
                name: name.to_string(),
            };
            return Err(err((key.line, kind), None));
        }
        if let Some(first_line) = seen.get(name) {
            let kind = TargetsErrorKind::DuplicateTarget {
                first_line: *first_line,
            };
            return Err(err((key.line, kind), Some(name)));
        }
        seen.insert(name, key.line);
        targets.push(target(name, key.line, value, &defaults).map_err(|e| err(e, Some(name)))?);
    }
    Ok(TargetsFile { targets })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "secrets/targets.yaml";

    const EXAMPLE: &str = "\
# Where secrets go.
defaults:            # optional
  user: deploy
  known_hosts: secrets/known_hosts
targets:
  vps-i1:
    host: 203.0.113.10        # or a name
    port: 2222
    user: admin
    sources: [secrets/shared.sops.yaml, secrets/vps-i1.sops.yaml]
    path: /opt/monitoring/.env
    mode: \"0640\"
    owner: deploy
    group: docker
    restart: docker compose up -d
    only: [DB_*, API_KEY]
    exclude: [DEBUG_*]
    rename: {db_password: DATABASE_PASSWORD}
    upper: true
  github-actions:
    command: gh secret set {key} --repo owner/name
    sources: [secrets/github-actions.sops.yaml]
  web.2:
    host: web2.example.com
    sources:
      - secrets/web.sops.yaml
    path: /srv/app/.env
";

    fn parse_ok(text: &str) -> TargetsFile {
        match parse(text, FILE) {
            Ok(t) => t,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn parse_err(text: &str) -> TargetsError {
        match parse(text, FILE) {
            Ok(t) => panic!("expected an error, got {t:?}"),
            Err(e) => e,
        }
    }

    fn ssh(t: &Target) -> &SshTarget {
        match &t.kind {
            TargetKind::Ssh(s) => s,
            other => panic!("not ssh: {other:?}"),
        }
    }

    #[test]
    fn targets_example_parses() {
        let file = parse_ok(EXAMPLE);
        let names: Vec<&str> = file.targets.iter().map(|t| t.name.as_str()).collect();
        assert_eq!(names, ["vps-i1", "github-actions", "web.2"]);

        let vps = &file.targets[0];
        assert_eq!(
            vps.sources,
            [
                PathBuf::from("secrets/shared.sops.yaml"),
                PathBuf::from("secrets/vps-i1.sops.yaml")
            ]
        );
        assert_eq!(
            vps.select,
            Selection {
                only: vec!["DB_*".into(), "API_KEY".into()],
                exclude: vec!["DEBUG_*".into()],
                rename: vec![("db_password".into(), "DATABASE_PASSWORD".into())],
                upper: true,
            }
        );
        assert_eq!(
            *ssh(vps),
            SshTarget {
                host: "203.0.113.10".into(),
                port: 2222,
                user: "admin".into(),
                known_hosts: PathBuf::from("secrets/known_hosts"),
                path: "/opt/monitoring/.env".into(),
                mode: 0o640,
                owner: Some("deploy".into()),
                group: Some("docker".into()),
                restart: Some("docker compose up -d".into()),
            }
        );

        let gh = &file.targets[1];
        assert_eq!(
            gh.kind,
            TargetKind::Command(CommandTarget {
                command: "gh secret set {key} --repo owner/name".into()
            })
        );
        assert_eq!(gh.select, Selection::default());

        // Defaults and built-in defaults.
        let web = ssh(&file.targets[2]);
        assert_eq!(web.user, "deploy");
        assert_eq!(web.port, 22);
        assert_eq!(web.mode, 0o600);
        assert_eq!(web.known_hosts, PathBuf::from(DEFAULT_KNOWN_HOSTS));
        assert_eq!(web.owner, None);
        assert_eq!(web.restart, None);
        assert_eq!(
            file.targets[2].sources,
            [PathBuf::from("secrets/web.sops.yaml")]
        );
    }

    #[test]
    fn targets_flow_style_and_single_strings() {
        let text = "{targets: {a: {host: h, user: u, path: /x/.env, sources: s.yaml, \
                    only: 'DB_*', exclude: X, mode: 0o700}}}";
        let file = parse_ok(text);
        let t = &file.targets[0];
        assert_eq!(t.sources, [PathBuf::from("s.yaml")]);
        assert_eq!(t.select.only, ["DB_*"]);
        assert_eq!(t.select.exclude, ["X"]);
        assert_eq!(ssh(t).mode, 0o700);
    }

    #[test]
    fn targets_mode_forms() {
        for (mode, want) in [
            ("\"0600\"", 0o600),
            ("'600'", 0o600),
            ("\"0o640\"", 0o640),
            ("0o750", 0o750),
            ("0600", 0o600),
            ("0", 0),
            ("\"4755\"", 0o4755),
        ] {
            let text = format!(
                "targets:\n  a:\n    host: h\n    user: u\n    path: /e\n    sources: s\n    mode: {mode}\n"
            );
            assert_eq!(ssh(&parse_ok(&text).targets[0]).mode, want, "{mode}");
        }
    }

    #[test]
    fn targets_defaults_apply_by_kind() {
        let text = "\
defaults:
  user: deploy
  port: 2200
  sources: [common.yaml]
  upper: true
targets:
  cmd:
    command: echo {key}
  srv:
    host: h
    path: /e
    upper: false
";
        let file = parse_ok(text);
        // Server-only defaults are ignored for command targets.
        assert!(matches!(file.targets[0].kind, TargetKind::Command(_)));
        assert_eq!(file.targets[0].sources, [PathBuf::from("common.yaml")]);
        assert!(file.targets[0].select.upper);
        let srv = ssh(&file.targets[1]);
        assert_eq!((srv.user.as_str(), srv.port), ("deploy", 2200));
        assert!(!file.targets[1].select.upper);
    }

    #[test]
    fn targets_aliases_are_expanded() {
        let text = "\
targets:
  a:
    host: h
    user: u
    path: /e
    sources: &common [one.yaml, two.yaml]
  b:
    command: x {key}
    sources: *common
";
        let file = parse_ok(text);
        assert_eq!(file.targets[1].sources.len(), 2);
    }

    #[test]
    fn targets_empty_targets_map_is_fine() {
        assert!(parse_ok("targets: {}\n").targets.is_empty());
    }

    /// Each case: the file, the expected error message.
    #[test]
    fn targets_errors_name_file_line_and_problem() {
        let base =
            "targets:\n  vps-i1:\n    host: h\n    user: u\n    path: /e\n    sources: [s]\n";
        let with = |extra: &str| format!("{base}{extra}");
        let cases: Vec<(String, &str)> = vec![
            (
                with("    port: 70000\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": port must be 1-65535",
            ),
            (
                with("    port: 0\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": port must be 1-65535",
            ),
            (
                with("    port: \"22\"\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `port` must be a number, found a string",
            ),
            (
                with("    hsot: x\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": unknown field `hsot` in a target (did you mean `host`?)",
            ),
            (
                with("    frobnicate: x\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": unknown field `frobnicate` in a target",
            ),
            (
                with("    command: x {key}\n"),
                "secrets/targets.yaml:2: target \"vps-i1\": has both `host` and `command`: a target is either a server (`host`, `path`) or a command",
            ),
            (
                with("    mode: \"0800\"\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": mode must be octal digits, like \"0600\" or \"0640\"",
            ),
            (
                with("    mode: \"17777\"\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": mode must only have permission bits (at most 07777)",
            ),
            (
                with("    mode: 600\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": mode 600 is a decimal number in YAML: write it as \"0600\" or 0o600",
            ),
            (
                with("    mode: [1]\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `mode` must be an octal string like \"0600\", found a list",
            ),
            (
                with("    host: again\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `host` is given twice (first on line 3)",
            ),
            (
                with("    upper: yes\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `upper` must be true or false, found a string",
            ),
            (
                with("    only: [\"[DB\"]\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": invalid pattern \"[DB\" in `only`: unclosed character class; missing ']'",
            ),
            (
                with("    rename: {db-pass: 9LIVES}\n"), // secrets:allow (not a secret)
                "secrets/targets.yaml:7: target \"vps-i1\": rename \"db-pass\" to \"9LIVES\": the new name must match [A-Za-z_][A-Za-z0-9_]*",
            ),
            (
                with("    rename:\n      a: X\n      a: Y\n"),
                "secrets/targets.yaml:9: target \"vps-i1\": `a` is given twice (first on line 8)",
            ),
            (
                with("    owner: \"\"\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `owner` must not be empty",
            ),
            (
                with("    owner:\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `owner` must be a string, found nothing (null)",
            ),
            (
                with("    owner: a b\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": `owner` must not contain whitespace or control characters",
            ),
            (
                with("  vps-i1:\n    command: x {key}\n    sources: [s]\n"),
                "secrets/targets.yaml:7: target \"vps-i1\": target defined twice (first on line 2)",
            ),
            (
                with("  bad/name:\n    command: x {key}\n    sources: [s]\n"),
                "secrets/targets.yaml:7: invalid target name \"bad/name\": use letters, digits, `.`, `_` and `-` only (and not `.` or `..`)",
            ),
            (
                with("  gh:\n    command: gh secret set --repo o/n\n    sources: [s]\n"),
                "secrets/targets.yaml:8: target \"gh\": `command` must contain `{key}` (replaced by the variable name)",
            ),
            (
                with("  gh:\n    command: x {key}\n    sources: [s]\n    path: /e\n"),
                "secrets/targets.yaml:10: target \"gh\": `path` does not apply to a command target (it has `command`, not `host`)",
            ),
            (
                with("  other:\n    sources: [s]\n"),
                "secrets/targets.yaml:7: target \"other\": has neither `host` (a server) nor `command`",
            ),
            (
                with("  gh:\n    command: x {key}\n"),
                "secrets/targets.yaml:7: target \"gh\": missing `sources`",
            ),
            (
                with("  gh:\n    command: x {key}\n    sources: []\n"),
                "secrets/targets.yaml:9: target \"gh\": `sources` must not be empty",
            ),
            (
                with("  gh:\n    command: x {key}\n    sources: {a: b}\n"),
                "secrets/targets.yaml:9: target \"gh\": `sources` must be a list of strings or a string, found a map",
            ),
            (
                with("  gh:\n    command: x {key}\n    sources: [[a]]\n"),
                "secrets/targets.yaml:9: target \"gh\": `sources` must be a list of strings, found a list",
            ),
            (
                with("  srv:\n    host: h2\n    sources: [s]\n    user: u\n"),
                "secrets/targets.yaml:7: target \"srv\": missing `path`",
            ),
            (
                with("  srv:\n    host: h2\n    sources: [s]\n    path: /e\n"),
                "secrets/targets.yaml:7: target \"srv\": missing `user`",
            ),
            (
                with("  srv:\n    host: h2\n    sources: [s]\n    user: u\n    path: opt/.env\n"),
                "secrets/targets.yaml:11: target \"srv\": path \"opt/.env\" must be absolute",
            ),
            (
                with("  srv: [1, 2]\n"),
                "secrets/targets.yaml:7: target \"srv\": `srv` must be a map, found a list",
            ),
            (
                "targets:\n  a: {host: h, user: u, path: /e, sources: [s], port: 70000}\n".into(),
                "secrets/targets.yaml:2: target \"a\": port must be 1-65535",
            ),
            (
                "defaults:\n  usr: deploy\ntargets: {}\n".into(),
                "secrets/targets.yaml:2: unknown field `usr` in defaults (did you mean `user`?)",
            ),
            (
                "defaults:\n  port: 99999\ntargets:\n  a: {host: h, user: u, path: /e, sources: s}\n"
                    .into(),
                "secrets/targets.yaml:2: target \"a\": port must be 1-65535",
            ),
            (
                "# nothing yet\n".into(),
                "secrets/targets.yaml:1: missing `targets` (the map of target name to settings)",
            ),
            (
                "\n\ndefaults:\n  user: u\n".into(),
                "secrets/targets.yaml:3: missing `targets` (the map of target name to settings)",
            ),
            (
                "target:\n  a: {}\n".into(),
                "secrets/targets.yaml:1: unknown field `target` in the top level (did you mean `targets`?)",
            ),
            (
                "targets: [a, b]\n".into(),
                "secrets/targets.yaml:1: `targets` must be a map of target name to settings, found a list",
            ),
            (
                "- a\n".into(),
                "secrets/targets.yaml:1: the file must be a map with `targets`, found a list",
            ),
            (
                "targets: {}\n---\ntargets: {}\n".into(),
                "secrets/targets.yaml:2: more than one YAML document (the targets file is a single document)",
            ),
            (
                "targets:\n  a: !custom {}\n".into(),
                "secrets/targets.yaml:2: a tag on a list or map is not supported in the targets file",
            ),
        ];
        for (text, want) in cases {
            let got = parse_err(&text).to_string();
            assert_eq!(got, want, "for:\n{text}");
        }
    }

    #[test]
    fn targets_yaml_syntax_error_has_line() {
        let e = parse_err("targets:\n  a: {host: h\n  b: [\n");
        assert_eq!(e.file, FILE);
        assert!(matches!(e.kind, TargetsErrorKind::Syntax(_)), "{e:?}");
        assert!(e.line >= 2, "{e}");
        assert!(e.to_string().starts_with("secrets/targets.yaml:"), "{e}");
    }

    #[test]
    fn targets_error_fields_are_structured() {
        let e = parse_err("targets:\n  x:\n    host: h\n    user: u\n    sources: s\n    path: /e\n    port: -1\n");
        assert_eq!(e.line, 7);
        assert_eq!(e.target.as_deref(), Some("x"));
        assert_eq!(e.kind, TargetsErrorKind::Port);
    }

    #[test]
    fn targets_var_name_check() {
        for ok in ["A", "_", "a_1", "DB_PASSWORD"] {
            assert!(is_var_name(ok), "{ok}");
        }
        for bad in ["", "1A", "a-b", "a.b", "é", "A B"] {
            assert!(!is_var_name(bad), "{bad}");
        }
    }
}
