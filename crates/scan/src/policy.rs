//! The keyless encryption policy: files that must be sops-encrypted are checked structurally
//! (no key needed). A file passes only when it parses in its format, carries `sops` metadata
//! with a version, recipients and an encrypted MAC, and every value its creation rule says must
//! be encrypted is a well-formed `ENC[...]` envelope. An `ENC[` in a comment or a hand-written
//! `sops:` key is not enough.
//!
//! Which files: every file matched by a `.sops.yaml` creation rule that has a `path_regex`
//! (a catch-all rule without one only chooses keys for `secrets encrypt` and is not enforced
//! here), and every file matching a protected pattern (see [`crate::config`]).
//!
//! Findings name key paths (`["db"]["password"]`), never values.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use secrets_sops::cipher::is_envelope;
use secrets_sops::config::{Config, CreationRule};
use secrets_sops::crypt::{walk_leaves, Selector};
use secrets_sops::metadata::{EncryptionOptions, Metadata};
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::Value;
use zeroize::Zeroizing;

use crate::config::PathMatcher;
use crate::finding::Finding;
use crate::report::{Item, Kind};

/// Rule id: a file that must be encrypted is not a sops file.
pub const NOT_ENCRYPTED: &str = "sops-not-encrypted";
/// Rule id: a value that must be encrypted is plaintext.
pub const PLAINTEXT_VALUE: &str = "sops-plaintext-value";
/// Rule id: the file's age recipients differ from its creation rule's.
pub const RECIPIENTS_MISMATCH: &str = "sops-recipients-mismatch";
/// Rule id: a protected file (`.env`, keys, `secrets/**`) is plaintext.
pub const PROTECTED_PLAINTEXT: &str = "protected-file-plaintext";

/// Files that are configuration of the tooling itself and never need encryption.
const TOOL_FILES: &[&str] = &[".sops.yaml", ".secrets.toml", ".secrets-baseline.json"];

/// The policy for one repository (or directory).
#[derive(Debug)]
pub struct Policy {
    sops: Option<Config>,
    root: PathBuf,
    protected: PathMatcher,
    rule_regexes: Vec<Option<Regex>>,
}

/// What the policy found in one file.
#[derive(Debug, Default)]
pub struct Checked {
    /// Policy findings.
    pub items: Vec<Item>,
    /// The file is a structurally valid sops file (its text should be scanned with the
    /// envelopes masked, see [`mask_encrypted`]).
    pub sops_valid: bool,
}

/// Why a file is not a valid sops file, or which values are plaintext.
struct Examined {
    md: Metadata,
    plaintext: Vec<Vec<String>>,
}

fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        "(top level)".to_string()
    } else {
        path.iter().map(|k| format!("[\"{k}\"]")).collect()
    }
}

fn is_value_envelope(s: &str) -> bool {
    is_envelope(s)
        || (s.starts_with("ENC[AES256_GCM,data:,iv:") && s.ends_with(']') && !s.contains('\n'))
}

/// The format a file is read in: sops' choice by extension, dotenv for `.env`-style names.
pub fn format_of(path: &str) -> Format {
    let name = path.rsplit('/').next().unwrap_or(path);
    let by_ext = Format::from_path(Path::new(name));
    if by_ext == Format::Binary && (name.ends_with(".env") || name.starts_with(".env")) {
        Format::Dotenv
    } else {
        by_ext
    }
}

fn examine(
    bytes: &[u8],
    format: Format,
    options: Option<&EncryptionOptions>,
) -> Result<Examined, String> {
    let (mut branches, md) = Store::new(format)
        .load_encrypted(bytes)
        .map_err(|e| match e {
            secrets_sops::Error::Parse { .. } => format!("does not parse as {}", format.name()),
            secrets_sops::Error::MetadataNotFound => "has no sops metadata".to_string(),
            _ => "has invalid sops metadata".to_string(),
        })?;
    if md.version.is_empty() {
        return Err("sops metadata has no version".into());
    }
    if md.mac.is_empty() || !is_envelope(&md.mac) {
        return Err("sops metadata has no encrypted MAC".into());
    }
    if md.key_groups.iter().all(|g| g.0.is_empty()) {
        return Err("sops metadata has no recipients".into());
    }
    if md
        .age_keys()
        .any(|k| !k.enc.contains("-----BEGIN AGE ENCRYPTED FILE-----"))
    {
        return Err("sops metadata has a malformed age key".into());
    }
    let opts = options
        .cloned()
        .unwrap_or_else(|| md.options.clone())
        .with_default();
    let selector = Selector::new(&opts).map_err(|e| format!("encryption options: {e}"))?;
    let mut plaintext = Vec::new();
    let _ = walk_leaves(&mut branches, |value, path, stack, _aad| {
        if matches!(value, Value::Comment(_)) {
            return Ok(());
        }
        if selector.should_encrypt(path, stack, false) {
            let ok = matches!(value, Value::Str(s) if is_value_envelope(s));
            if !ok {
                plaintext.push(path.to_vec());
            }
        }
        Ok(())
    });
    drop(branches);
    Ok(Examined { md, plaintext })
}

/// Best-effort 1-based line of the value at `path` (map keys) in `text`; 1 when unknown.
pub fn line_of(text: &str, path: &[String]) -> usize {
    let mut start = 0usize;
    let lines: Vec<&str> = text.lines().collect();
    for key in path {
        let found = lines.iter().enumerate().skip(start).find(|(_, l)| {
            let t = l.trim_start().trim_start_matches("- ");
            let quoted = format!("\"{key}\"");
            t.strip_prefix(key.as_str())
                .or_else(|| t.strip_prefix(quoted.as_str()))
                .is_some_and(|rest| {
                    let rest = rest.trim_start();
                    rest.starts_with(':') || rest.starts_with('=')
                })
        });
        match found {
            Some((i, _)) => start = i,
            None => return if start == 0 { 1 } else { start + 1 },
        }
    }
    start + 1
}

/// Replaces every `ENC[...]` envelope and armored age block with spaces (keeping lines and
/// columns), so the token detector sees only a sops file's plaintext parts.
pub fn mask_encrypted(text: &str) -> String {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(
            r"(?s)ENC\[AES256_GCM,[^\]]*\]|-----BEGIN AGE ENCRYPTED FILE-----.*?-----END AGE ENCRYPTED FILE-----",
        )
        .expect("static regex")
    });
    re.replace_all(text, |c: &regex::Captures<'_>| {
        c[0].chars()
            .map(|ch| if ch == '\n' { '\n' } else { ' ' })
            .collect::<String>()
    })
    .into_owned()
}

fn policy_item(file: &str, line: usize, rule: &str, identity: &str, message: String) -> Item {
    Item {
        finding: Finding {
            file: file.to_string(),
            line,
            end_line: line,
            column: 1,
            rule: rule.to_string(),
            description: message.clone(),
            // Not a secret: the identity (file + key path) the fingerprint is derived from.
            secret: Zeroizing::new(format!("{file}\u{0}{identity}")),
        },
        kind: Kind::Policy,
        message,
        commits: Vec::new(),
    }
}

impl Policy {
    /// A policy for files under `root` (paths given to [`Policy::check`] are relative to it).
    pub fn new(sops: Option<Config>, root: PathBuf, protected: PathMatcher) -> Policy {
        let rule_regexes = sops
            .as_ref()
            .map(|c| {
                c.creation_rules
                    .iter()
                    .map(|r| r.path_regex.as_deref().and_then(|re| Regex::new(re).ok()))
                    .collect()
            })
            .unwrap_or_default();
        Policy {
            sops,
            root,
            protected,
            rule_regexes,
        }
    }

    /// The first creation rule (with a `path_regex`) that matches `path`.
    fn rule_for(&self, path: &str) -> Option<&CreationRule> {
        let config = self.sops.as_ref()?;
        let target = config.match_path(&self.root.join(path), &self.root);
        for (rule, re) in config.creation_rules.iter().zip(&self.rule_regexes) {
            match (&rule.path_regex, re) {
                (None, _) => return None,
                (Some(_), Some(re)) if re.is_match(&target) => return Some(rule),
                _ => {}
            }
        }
        None
    }

    /// Is `path` (relative to the root) governed by a `.sops.yaml` creation rule with a
    /// `path_regex` (so it must be a sops file)?
    pub fn is_ruled(&self, path: &str) -> bool {
        self.rule_for(path).is_some()
    }

    /// Checks one file's content.
    pub fn check(&self, path: &str, bytes: &[u8]) -> Checked {
        let mut out = Checked::default();
        let name = path.rsplit('/').next().unwrap_or(path);
        if TOOL_FILES.contains(&name) {
            return out;
        }
        let text = String::from_utf8_lossy(bytes);
        let rule = self.rule_for(path);
        // A PEM file that holds only certificates or public keys protects nothing.
        let protected = self.protected.is_match(path) && !public_pem_only(&text);
        if rule.is_none() && !protected {
            // Not policed, but a valid sops file still gets its envelopes masked.
            out.sops_valid = examine(bytes, format_of(path), None).is_ok();
            return out;
        }
        let primary = format_of(path);
        let mut formats = vec![primary];
        if rule.is_none() {
            // Protected files may be encrypted in any format (binary store = JSON).
            for f in [Format::Dotenv, Format::Json, Format::Yaml] {
                if !formats.contains(&f) {
                    formats.push(f);
                }
            }
        }
        let options = rule.map(|r| &r.options);
        let mut first_err = None;
        let mut examined = None;
        for f in formats {
            match examine(bytes, f, options) {
                Ok(e) => {
                    examined = Some(e);
                    break;
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        let Some(ex) = examined else {
            let reason = first_err.unwrap_or_default();
            let (id, msg) = if rule.is_some() {
                (
                    NOT_ENCRYPTED,
                    format!("file matches a .sops.yaml creation rule but is not a valid sops file ({reason})"),
                )
            } else {
                (
                    PROTECTED_PLAINTEXT,
                    format!("protected file is not sops-encrypted ({reason})"),
                )
            };
            out.items.push(policy_item(path, 1, id, "", msg));
            return out;
        };
        out.sops_valid = true;
        for p in &ex.plaintext {
            let shown = display_path(p);
            out.items.push(policy_item(
                path,
                line_of(&text, p),
                PLAINTEXT_VALUE,
                &shown,
                format!("value at {shown} must be encrypted but is plaintext"),
            ));
        }
        if let Some(rule) = rule {
            let wanted: BTreeSet<&str> = rule
                .key_groups
                .iter()
                .flatten()
                .map(String::as_str)
                .collect();
            if !wanted.is_empty() {
                let have: BTreeSet<&str> = ex.md.age_keys().map(|k| k.recipient.as_str()).collect();
                let missing: Vec<&str> = wanted.difference(&have).copied().collect();
                let stale: Vec<&str> = have.difference(&wanted).copied().collect();
                if !missing.is_empty() || !stale.is_empty() {
                    let mut msg = String::from("age recipients differ from the .sops.yaml rule");
                    if !missing.is_empty() {
                        msg.push_str(&format!("; missing: {}", missing.join(", ")));
                    }
                    if !stale.is_empty() {
                        msg.push_str(&format!("; stale: {}", stale.join(", ")));
                    }
                    msg.push_str(" (run `secrets updatekeys`)");
                    let identity = format!("{missing:?}{stale:?}");
                    out.items
                        .push(policy_item(path, 1, RECIPIENTS_MISMATCH, &identity, msg));
                }
            }
        }
        out
    }
}

/// PEM text with at least one block and no private-key block (certificate chains, public keys).
fn public_pem_only(text: &str) -> bool {
    text.contains("-----BEGIN ")
        && !text.contains("PRIVATE KEY")
        && !text.contains("ENCRYPTED")
        && text
            .lines()
            .filter(|l| l.starts_with("-----BEGIN "))
            .all(|l| l.contains("CERTIFICATE") || l.contains("PUBLIC KEY"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::DEFAULT_PROTECTED;

    #[test]
    fn public_certificates_are_not_protected_secrets() {
        let cert = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        assert!(policy(None)
            .check("certs/chain.pem", cert.as_bytes())
            .items
            .is_empty());
        let key = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n";
        assert_eq!(
            policy(None)
                .check("certs/k.pem", key.as_bytes())
                .items
                .len(),
            1
        );
    }

    fn policy(sops_yaml: Option<&str>) -> Policy {
        let root = PathBuf::from("/repo");
        let cfg = sops_yaml.map(|y| Config::parse(&root.join(".sops.yaml"), y.as_bytes()).unwrap());
        Policy::new(cfg, root, PathMatcher::new(DEFAULT_PROTECTED).unwrap())
    }

    const ENV_ENC: &str = "A=ENC[AES256_GCM,data:Zm9v,iv:Zm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9v,tag:Zm9vZm9vZm9vZm9vZm9vZg==,type:str]\n\
sops_age__list_0__map_enc=-----BEGIN AGE ENCRYPTED FILE-----\\nabc\\n-----END AGE ENCRYPTED FILE-----\\n\n\
sops_age__list_0__map_recipient=age1cnf60h48zvjnh386255e5u53ph3aaq93k53vsp7aywzfhrdt93sqrv5065\n\
sops_lastmodified=2024-01-01T00:00:00Z\n\
sops_mac=ENC[AES256_GCM,data:Zm9v,iv:Zm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9vZm9v,tag:Zm9vZm9vZm9vZm9vZm9vZg==,type:str]\n\
sops_unencrypted_suffix=_unencrypted\n\
sops_version=3.11.0\n";

    #[test]
    fn plaintext_env_is_rejected() {
        let c = policy(None).check(".env", b"TOKEN=hunter2\n");
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].finding.rule, PROTECTED_PLAINTEXT);
        assert!(!c.items[0].message.contains("hunter2"));
    }

    #[test]
    fn encrypted_env_passes() {
        let c = policy(None).check(".env", ENV_ENC.as_bytes());
        assert!(
            c.items.is_empty(),
            "{:?}",
            c.items.iter().map(|i| &i.message).collect::<Vec<_>>()
        );
        assert!(c.sops_valid);
    }

    #[test]
    fn plaintext_value_named_by_path() {
        let text = ENV_ENC.replacen("A=ENC[", "B=hunter2\nA=ENC[", 1);
        let c = policy(None).check(".env", text.as_bytes());
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].finding.rule, PLAINTEXT_VALUE);
        assert!(c.items[0].message.contains("[\"B\"]"));
        assert!(!c.items[0].message.contains("hunter2"));
        assert_eq!(c.items[0].finding.line, 1);
    }

    #[test]
    fn fake_metadata_is_not_enough() {
        let c = policy(None).check(
            "secrets/a.yaml",
            b"# ENC[AES256_GCM,data:Zm9v,iv:Zm9v,tag:Zm9v,type:str]\npassword: x\nsops:\n    version: 3.11.0\n",
        );
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].finding.rule, PROTECTED_PLAINTEXT);
    }

    #[test]
    fn creation_rule_files_and_recipients() {
        let p = policy(Some(
            "creation_rules:\n  - path_regex: \\.enc\\.env$\n    age: age1tr083cz7dhgzwxh8pj845z8hgalmn2mnsfr4kx0xzqg2pd4d54yqepfu7h\n",
        ));
        let c = p.check("x.enc.env", b"A=1\n");
        assert_eq!(c.items[0].finding.rule, NOT_ENCRYPTED);
        let c = p.check("x.enc.env", ENV_ENC.as_bytes());
        assert_eq!(c.items.len(), 1);
        assert_eq!(c.items[0].finding.rule, RECIPIENTS_MISMATCH);
        assert!(c.items[0].message.contains("missing: age1tr08"));
        assert!(c.items[0].message.contains("stale: age1cnf6"));
        // Files outside rules and patterns are not policed.
        assert!(p.check("README.md", b"hello").items.is_empty());
    }

    #[test]
    fn line_lookup_and_masking() {
        let t = "a:\n  b: 1\n  c:\n    d: x\n";
        assert_eq!(line_of(t, &["a".into(), "c".into(), "d".into()]), 4);
        let m = mask_encrypted("k: ENC[AES256_GCM,data:abc,iv:x,tag:y,type:str] # t\n");
        assert!(!m.contains("ENC["));
        assert!(m.ends_with("# t\n"));
    }
}
