//! `.sops.yaml`: found upward from the working directory, `creation_rules` choose recipients
//! and partial-encryption options per file (first matching `path_regex` wins), `stores` sets
//! indentation.

use std::path::{Component, Path, PathBuf};

use regex::Regex;

use crate::error::{Error, Result};
use crate::keys::split_recipient_list;
use crate::metadata::EncryptionOptions;
use crate::store::{yaml, StoreConfig};
use crate::tree::{Branch, Value};

/// The config file name sops looks for.
pub const CONFIG_FILE: &str = ".sops.yaml";
/// How many directories up sops searches.
const MAX_DEPTH: usize = 100;

/// One creation rule.
#[derive(Clone, Debug, Default)]
pub struct CreationRule {
    /// The regex, if any (no regex matches everything).
    pub path_regex: Option<String>,
    /// Key groups of age recipients (one group when flat `age:` is used).
    pub key_groups: Vec<Vec<String>>,
    /// Shamir threshold (0 = number of groups).
    pub shamir_threshold: usize,
    /// Partial-encryption option.
    pub options: EncryptionOptions,
    /// MAC only encrypted values.
    pub mac_only_encrypted: bool,
    /// Key types in the rule that this tool cannot use (pgp, kms, ...).
    pub foreign_keys: Vec<String>,
}

/// A loaded `.sops.yaml`.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Where it was found.
    pub path: PathBuf,
    /// `creation_rules` in order.
    pub creation_rules: Vec<CreationRule>,
    /// `stores` settings.
    pub stores: StoreConfig,
}

/// Result of looking for a config file.
#[derive(Debug, Default)]
pub struct Found {
    /// The file, if one was found.
    pub path: Option<PathBuf>,
    /// Warnings (a `.sops.yml` that sops ignores).
    pub warnings: Vec<String>,
}

/// Searches `start` and its parents (at most 100 levels) for `.sops.yaml`.
pub fn find(start: &Path) -> Found {
    let mut found = Found::default();
    let mut dir = Some(start.to_path_buf());
    for _ in 0..MAX_DEPTH {
        let Some(d) = dir else { break };
        if d.join(".sops.yml").is_file() && !d.join(CONFIG_FILE).is_file() {
            found.warnings.push(format!(
                "ignoring \"{}\" when searching for config file; the config file must be called \".sops.yaml\"",
                d.join(".sops.yml").display()
            ));
        }
        let candidate = d.join(CONFIG_FILE);
        if candidate.is_file() {
            found.path = Some(candidate);
            return found;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
    found
}

fn bad(path: &Path, msg: impl std::fmt::Display) -> Error {
    Error::Config(format!("error loading config {}: {msg}", path.display()))
}

fn string_list(path: &Path, what: &str, v: &Value, split_commas: bool) -> Result<Vec<String>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::Str(s) if split_commas => Ok(s
            .split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect()),
        Value::Str(s) => split_recipient_list(s),
        Value::List(items) => items
            .iter()
            .filter(|i| !matches!(i, Value::Comment(_)))
            .map(|i| match i {
                Value::Str(s) => Ok(s.trim().to_string()),
                _ => Err(bad(path, format!("{what} entries must be strings"))),
            })
            .collect(),
        _ => Err(bad(
            path,
            format!("{what} must be a string or a list of strings"),
        )),
    }
}

fn text(path: &Path, what: &str, v: &Value) -> Result<String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Null => Ok(String::new()),
        Value::Int(i) => Ok(i.to_string()),
        _ => Err(bad(path, format!("{what} must be a string"))),
    }
}

fn group_recipients(path: &Path, g: &Branch, foreign: &mut Vec<String>) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for (k, v) in g.entries() {
        match k {
            "age" => out.extend(string_list(path, "age", v, false)?),
            "merge" => {
                let Value::List(groups) = v else {
                    return Err(bad(path, "merge must be a list of key groups"));
                };
                for sub in groups {
                    if let Value::Map(sub) = sub {
                        out.extend(group_recipients(path, sub, foreign)?);
                    }
                }
            }
            "pgp" | "kms" | "gcp_kms" | "azure_keyvault" | "hc_vault" | "hckms"
                if !matches!(v, Value::Null) && !matches!(v, Value::List(l) if l.is_empty()) =>
            {
                foreign.push(k.to_string());
            }
            _ => {}
        }
    }
    // Duplicates are removed inside a group.
    let mut seen = std::collections::HashSet::new();
    out.retain(|r| seen.insert(r.clone()));
    Ok(out)
}

fn parse_rule(path: &Path, rule: &Branch) -> Result<CreationRule> {
    let mut r = CreationRule::default();
    let mut flat = Vec::new();
    let mut groups: Option<Vec<Vec<String>>> = None;
    for (k, v) in rule.entries() {
        match k {
            "path_regex" => {
                let re = text(path, k, v)?;
                Regex::new(&re).map_err(|e| bad(path, format!("invalid path_regex: {e}")))?;
                r.path_regex = Some(re);
            }
            "age" => flat = string_list(path, "age", v, true)?,
            "key_groups" => {
                let Value::List(items) = v else {
                    return Err(bad(path, "key_groups must be a list"));
                };
                let mut gs = Vec::new();
                for item in items {
                    match item {
                        Value::Map(g) => gs.push(group_recipients(path, g, &mut r.foreign_keys)?),
                        Value::Comment(_) => {}
                        _ => return Err(bad(path, "each key group must be a map")),
                    }
                }
                groups = Some(gs);
            }
            "shamir_threshold" => {
                r.shamir_threshold = match v {
                    Value::Int(i) if *i >= 0 => *i as usize,
                    Value::Null => 0,
                    _ => return Err(bad(path, "shamir_threshold must be a whole number")),
                }
            }
            "mac_only_encrypted" => {
                r.mac_only_encrypted = match v {
                    Value::Bool(b) => *b,
                    Value::Null => false,
                    _ => return Err(bad(path, "mac_only_encrypted must be true or false")),
                }
            }
            "unencrypted_suffix" => r.options.unencrypted_suffix = text(path, k, v)?,
            "encrypted_suffix" => r.options.encrypted_suffix = text(path, k, v)?,
            "unencrypted_regex" => r.options.unencrypted_regex = text(path, k, v)?,
            "encrypted_regex" => r.options.encrypted_regex = text(path, k, v)?,
            "unencrypted_comment_regex" => r.options.unencrypted_comment_regex = text(path, k, v)?,
            "encrypted_comment_regex" => r.options.encrypted_comment_regex = text(path, k, v)?,
            "pgp" | "kms" | "gcp_kms" | "azure_keyvault" | "hc_vault_transit_uri" | "hckms"
                if !matches!(v, Value::Null) && !matches!(v, Value::Str(s) if s.is_empty()) =>
            {
                r.foreign_keys.push(k.to_string());
            }
            _ => {}
        }
    }
    if r.options.count() > 1 {
        return Err(bad(
            path,
            "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, \
             unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same rule",
        ));
    }
    r.key_groups = match groups {
        Some(g) => g,
        None if flat.is_empty() => Vec::new(),
        None => vec![flat],
    };
    Ok(r)
}

fn indent_of(path: &Path, stores: &Branch, store: &str) -> Result<Option<i64>> {
    let Some(Value::Map(s)) = stores.get(store) else {
        return Ok(None);
    };
    match s.get("indent") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Int(i)) => Ok(Some(*i)),
        Some(_) => Err(bad(path, format!("stores.{store}.indent must be a number"))),
    }
}

impl Config {
    /// Parses config bytes (`path` is used for messages and as the base directory).
    pub fn parse(path: &Path, bytes: &[u8]) -> Result<Config> {
        let mut config = Config {
            path: path.to_path_buf(),
            ..Config::default()
        };
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(config);
        }
        let docs = yaml::parse(bytes).map_err(|e| bad(path, e))?;
        let Some(root) = docs.into_iter().next() else {
            return Ok(config);
        };
        if let Some(v) = root.get("creation_rules") {
            match v {
                Value::List(rules) => {
                    for rule in rules {
                        match rule {
                            Value::Map(m) => config.creation_rules.push(parse_rule(path, m)?),
                            Value::Comment(_) => {}
                            _ => return Err(bad(path, "each creation rule must be a map")),
                        }
                    }
                }
                Value::Null => {}
                _ => return Err(bad(path, "creation_rules must be a list")),
            }
        }
        if let Some(Value::Map(stores)) = root.get("stores") {
            if let Some(i) = indent_of(path, stores, "yaml")? {
                if i < 0 {
                    return Err(bad(path, "YAML Negative indentation not accepted"));
                }
                if i > 0 {
                    config.stores.yaml_indent = i as usize;
                }
            }
            if let Some(i) = indent_of(path, stores, "json")? {
                config.stores.json_indent = i;
            }
            if let Some(i) = indent_of(path, stores, "json_binary")? {
                config.stores.json_binary_indent = i;
            }
        }
        Ok(config)
    }

    /// Reads and parses a config file.
    pub fn load(path: &Path) -> Result<Config> {
        let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
        Config::parse(path, &bytes)
    }

    /// The directory holding the config.
    pub fn dir(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }

    /// The `/`-separated path sops matches `path_regex` against: relative to the config's
    /// directory when the file is inside it, absolute otherwise.
    pub fn match_path(&self, file: &Path, cwd: &Path) -> String {
        let abs = normalize(&if file.is_absolute() {
            file.to_path_buf()
        } else {
            cwd.join(file)
        });
        let dir = normalize(&if self.dir().is_absolute() {
            self.dir().to_path_buf()
        } else {
            cwd.join(self.dir())
        });
        let (shown, absolute) = match abs.strip_prefix(&dir) {
            Ok(rel) => (rel.to_path_buf(), false),
            Err(_) => (abs.clone(), true),
        };
        let joined = shown
            .components()
            .filter_map(|c| match c {
                Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("/");
        if absolute {
            format!("/{joined}")
        } else {
            joined
        }
    }

    /// The first creation rule matching `file` (paths relative to `cwd`).
    pub fn rule_for(&self, file: &Path, cwd: &Path) -> Result<&CreationRule> {
        if self.creation_rules.is_empty() {
            return Err(Error::NoMatchingCreationRule);
        }
        let target = self.match_path(file, cwd);
        for rule in &self.creation_rules {
            match &rule.path_regex {
                None => return Ok(rule),
                Some(re) => {
                    let re = Regex::new(re).map_err(|e| bad(&self.path, e))?;
                    if re.is_match(&target) {
                        return Ok(rule);
                    }
                }
            }
        }
        Err(Error::NoMatchingCreationRule)
    }
}

/// Resolves `.` and `..` lexically (the file may not exist yet).
fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
creation_rules:
    - path_regex: ^sub/x\.yaml$
      age: "age1a, age1b ,"
    - path_regex: \.env$
      encrypted_regex: ^(password|token)$
      mac_only_encrypted: true
    - key_groups:
          - age: [age1a, age1a, age1b]
          - age: [age1c]
            merge:
                - age: [age1d]
      shamir_threshold: 2
stores:
    yaml: {indent: 2}
    json: {indent: 0}
"#;

    #[test]
    fn parses_rules_and_stores() {
        let c = Config::parse(Path::new("/repo/.sops.yaml"), SAMPLE.as_bytes()).unwrap();
        assert_eq!(c.creation_rules.len(), 3);
        assert_eq!(c.creation_rules[0].key_groups, vec![vec!["age1a", "age1b"]]);
        assert!(c.creation_rules[1].mac_only_encrypted);
        assert_eq!(
            c.creation_rules[2].key_groups,
            vec![vec!["age1a", "age1b"], vec!["age1c", "age1d"]]
        );
        assert_eq!(c.stores.yaml_indent, 2);
        assert_eq!(c.stores.json_indent, 0);
    }

    #[test]
    fn first_match_wins_relative_to_config_dir() {
        let c = Config::parse(Path::new("/repo/.sops.yaml"), SAMPLE.as_bytes()).unwrap();
        let cwd = Path::new("/repo");
        assert!(
            c.rule_for(Path::new("sub/x.yaml"), cwd)
                .unwrap()
                .path_regex
                .as_deref()
                == Some(r"^sub/x\.yaml$")
        );
        assert_eq!(
            c.match_path(Path::new("../other/a.env"), cwd),
            "/other/a.env"
        );
        assert!(
            c.rule_for(Path::new("a/b.env"), cwd)
                .unwrap()
                .mac_only_encrypted
        );
        // The catch-all rule matches anything else.
        assert_eq!(
            c.rule_for(Path::new("z.json"), cwd)
                .unwrap()
                .key_groups
                .len(),
            2
        );
    }

    #[test]
    fn no_match_is_an_error() {
        let c = Config::parse(
            Path::new("/r/.sops.yaml"),
            b"creation_rules:\n  - path_regex: nothing\n    age: age1x\n",
        )
        .unwrap();
        assert!(matches!(
            c.rule_for(Path::new("a.yaml"), Path::new("/r")),
            Err(Error::NoMatchingCreationRule)
        ));
    }

    #[test]
    fn conflicting_options_rejected() {
        let r = Config::parse(
            Path::new("/r/.sops.yaml"),
            b"creation_rules:\n  - encrypted_regex: a\n    unencrypted_suffix: b\n",
        );
        assert!(r.is_err());
    }
}
