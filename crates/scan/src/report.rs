//! Output: human lines with a fix hint, JSON (array), JSON Lines and SARIF 2.1.0.

use serde_json::{json, Value};

use crate::finding::Finding;

/// Where a finding comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A token/entropy rule matched a value (the finding's `secret` is a real secret).
    Token,
    /// The encryption policy (the finding's `secret` is only a file/key-path identity).
    Policy,
}

/// One reported finding.
#[derive(Clone, Debug)]
pub struct Item {
    /// The match.
    pub finding: Finding,
    /// Token or policy.
    pub kind: Kind,
    /// Human message (never contains a secret value).
    pub message: String,
    /// Commits that introduced it (history scans), short ids.
    pub commits: Vec<String>,
}

impl Item {
    /// A token finding.
    pub fn token(finding: Finding) -> Item {
        let message = if finding.description.is_empty() {
            finding.rule.clone()
        } else {
            finding.description.clone()
        };
        Item {
            finding,
            kind: Kind::Token,
            message,
            commits: Vec::new(),
        }
    }

    /// The stable fingerprint.
    pub fn fingerprint(&self) -> String {
        self.finding.fingerprint()
    }

    /// What is shown instead of the secret.
    pub fn shown(&self, no_redact: bool) -> String {
        match self.kind {
            Kind::Policy => self.message.clone(),
            Kind::Token if no_redact => self.finding.secret.to_string(),
            Kind::Token => self.finding.redacted(),
        }
    }
}

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `file:line:col: rule: redacted (fingerprint)`.
    Human,
    /// One JSON array.
    Json,
    /// One JSON object per line.
    Jsonl,
    /// SARIF 2.1.0.
    Sarif,
}

impl OutputFormat {
    /// Parses a `--format` name.
    pub fn from_name(name: &str) -> Option<OutputFormat> {
        Some(match name {
            "human" | "text" => OutputFormat::Human,
            "json" => OutputFormat::Json,
            "jsonl" => OutputFormat::Jsonl,
            "sarif" => OutputFormat::Sarif,
            _ => return None,
        })
    }
}

/// The hint printed after human findings.
pub const HINT: &str = "hint: encrypt the file (`secrets encrypt -i FILE`, with a .sops.yaml rule), \
or mark a false positive with a `secrets:allow` comment on its line, \
or accept it by adding its fingerprint to the baseline (`secrets scan --write-baseline .secrets-baseline.json`)";

/// JSON object for one finding.
pub fn to_json(item: &Item, no_redact: bool) -> Value {
    let f = &item.finding;
    let mut v = json!({
        "file": f.file,
        "line": f.line,
        "end_line": f.end_line,
        "column": f.column,
        "rule": f.rule,
        "kind": match item.kind { Kind::Token => "token", Kind::Policy => "policy" },
        "message": item.message,
        "fingerprint": item.fingerprint(),
    });
    if item.kind == Kind::Token {
        v["redacted"] = json!(f.redacted());
        if no_redact {
            v["secret"] = json!(f.secret.as_str());
        }
    }
    if let Some(c) = item.commits.first() {
        v["commit"] = json!(c);
        v["commits"] = json!(item.commits);
    }
    v
}

/// Renders all findings in `format`.
pub fn render(items: &[Item], format: OutputFormat, no_redact: bool) -> String {
    match format {
        OutputFormat::Human => {
            let mut s = String::new();
            for i in items {
                let f = &i.finding;
                s.push_str(&format!(
                    "{}:{}:{}: {}: {} ({})",
                    f.file,
                    f.line,
                    f.column,
                    f.rule,
                    i.shown(no_redact),
                    i.fingerprint()
                ));
                if !i.commits.is_empty() {
                    s.push_str(&format!(" [introduced in {}]", i.commits.join(", ")));
                }
                s.push('\n');
            }
            if !items.is_empty() {
                s.push_str(HINT);
                s.push('\n');
            }
            s
        }
        OutputFormat::Json => {
            let arr: Vec<Value> = items.iter().map(|i| to_json(i, no_redact)).collect();
            let mut s = serde_json::to_string_pretty(&arr).unwrap_or_default();
            s.push('\n');
            s
        }
        OutputFormat::Jsonl => items
            .iter()
            .map(|i| format!("{}\n", to_json(i, no_redact)))
            .collect(),
        OutputFormat::Sarif => {
            let mut s = serde_json::to_string_pretty(&sarif(items, no_redact)).unwrap_or_default();
            s.push('\n');
            s
        }
    }
}

/// SARIF wants `name` to be a readable identifier distinct from the opaque `id` (compared
/// case-insensitively by the validator): `github-pat` becomes `GithubPat`, `jwt` `JwtSecret`.
fn rule_name(id: &str) -> String {
    let name: String = id
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w[..1].to_ascii_uppercase() + &w[1..])
        .collect();
    if name.eq_ignore_ascii_case(id) {
        name + "Secret"
    } else {
        name
    }
}

/// A relative path stays a relative URI; an absolute one becomes a `file://` URI, with
/// everything but unreserved characters and `/` percent-encoded.
fn artifact_uri(file: &str) -> String {
    let path = file.trim_start_matches("./");
    let encoded: String = path
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    if path.starts_with('/') {
        format!("file://{encoded}")
    } else {
        encoded
    }
}

/// A SARIF 2.1.0 log accepted by GitHub code scanning.
pub fn sarif(items: &[Item], no_redact: bool) -> Value {
    let mut rule_ids: Vec<&str> = Vec::new();
    for i in items {
        if !rule_ids.contains(&i.finding.rule.as_str()) {
            rule_ids.push(&i.finding.rule);
        }
    }
    let rules: Vec<Value> = rule_ids
        .iter()
        .map(|id| {
            let desc = items
                .iter()
                .find(|i| i.finding.rule == *id)
                .map(|i| match i.kind {
                    Kind::Token if !i.finding.description.is_empty() => {
                        i.finding.description.clone()
                    }
                    Kind::Token => id.to_string(),
                    Kind::Policy => policy_description(id),
                })
                .unwrap_or_default();
            json!({
                "id": id,
                "name": rule_name(id),
                "shortDescription": {"text": desc},
                "fullDescription": {"text": desc},
                "help": {"text": HINT},
                "defaultConfiguration": {"level": "error"},
                "properties": {"tags": ["security", "secret"]},
            })
        })
        .collect();
    let results: Vec<Value> = items
        .iter()
        .map(|i| {
            let f = &i.finding;
            let text = match i.kind {
                Kind::Policy => i.message.clone(),
                Kind::Token => format!("{}: {}", i.message, i.shown(no_redact)),
            };
            let mut r = json!({
                "ruleId": f.rule,
                "ruleIndex": rule_ids.iter().position(|r| *r == f.rule).unwrap_or(0),
                "level": "error",
                "message": {"text": text},
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": {"uri": artifact_uri(&f.file)},
                        "region": {
                            "startLine": f.line.max(1),
                            "endLine": f.end_line.max(f.line).max(1),
                            "startColumn": f.column.max(1),
                        }
                    }
                }],
                "partialFingerprints": {"secretFingerprint/v1": i.fingerprint()},
            });
            if let Some(c) = i.commits.first() {
                r["properties"] = json!({"commit": c, "commits": i.commits});
            }
            r
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "secrets",
                "informationUri": "https://github.com/secrets-toolkit/secrets",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "results": results,
        }]
    })
}

fn policy_description(id: &str) -> String {
    match id {
        crate::policy::NOT_ENCRYPTED => {
            "File matched by a .sops.yaml creation rule is not sops-encrypted"
        }
        crate::policy::PLAINTEXT_VALUE => {
            "Value that must be encrypted is plaintext in a sops file"
        }
        crate::policy::RECIPIENTS_MISMATCH => {
            "sops file recipients differ from its .sops.yaml rule"
        }
        crate::policy::PROTECTED_PLAINTEXT => {
            "Protected file (.env, private key, secrets/) is not sops-encrypted"
        }
        _ => id,
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use zeroize::Zeroizing;

    fn item() -> Item {
        Item::token(Finding {
            file: "a.txt".into(),
            line: 3,
            end_line: 3,
            column: 5,
            rule: "github-pat".into(),
            description: "GitHub token".into(),
            // Assembled at run time so the source itself stays clean.
            secret: Zeroizing::new(["gh", "p_0123456789abcdefghijklmnopqrstuvwxyz"].concat()),
        })
    }

    #[test]
    fn redacted_by_default() {
        for f in [
            OutputFormat::Human,
            OutputFormat::Json,
            OutputFormat::Jsonl,
            OutputFormat::Sarif,
        ] {
            let out = render(&[item()], f, false);
            assert!(!out.contains("ghp_0123456789abcdef"), "{f:?}");
        }
        assert!(render(&[item()], OutputFormat::Json, true).contains("ghp_0123456789abcdef"));
    }

    #[test]
    fn sarif_shape() {
        let v = sarif(&[item()], false);
        assert_eq!(v["version"], "2.1.0");
        let run = &v["runs"][0];
        assert_eq!(run["tool"]["driver"]["name"], "secrets");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "github-pat");
        let r = &run["results"][0];
        assert_eq!(r["ruleId"], "github-pat");
        assert_eq!(
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert!(r["partialFingerprints"].is_object());
    }

    #[test]
    fn sarif_names_and_uris() {
        assert_eq!(rule_name("github-pat"), "GithubPat");
        assert_eq!(rule_name("jwt"), "JwtSecret");
        assert_eq!(artifact_uri("./a b/.env"), "a%20b/.env");
        assert_eq!(artifact_uri("/srv/x#1.env"), "file:///srv/x%231.env");
    }
}
