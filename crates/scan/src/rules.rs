//! The rule set: built-in rules (a data file embedded in the binary) plus project rules.
//!
//! CONTRACT (kept stable for the rest of the scanner; the rules work fills it in):
//! `RuleSet::builtin()`, `RuleSet::extend`, `RuleSet::disable`, `RuleSet::rules`.
//!
//! The built-in rules live in `rules/builtin.toml` (embedded with `include_str!`). Besides the
//! rules it holds the global allowlist (values that are never findings: placeholders, variable
//! references, documented example keys, sops `ENC[...]` values, publishable keys), the shared
//! allowlist of the `generic-*` assignment rules and the file names skipped by default
//! (lockfiles). Every rule carries `examples` (must match) and `counterexamples` (must not);
//! the unit tests check them all.
//!
//! Conventions the detector relies on:
//! - a rule whose id starts with `generic-` is a catch-all: when its finding overlaps a finding
//!   of a specific rule, the specific one wins;
//! - a rule whose regex enables `(?s)` may span lines (PEM blocks): it runs on the text from the
//!   line holding its keyword on, and reports the first through the last line of the secret.

use std::sync::OnceLock;

use serde::Deserialize;

/// Errors in rule definitions.
#[derive(Debug, thiserror::Error)]
pub enum RuleError {
    /// A rule's regex does not compile, or a field is invalid.
    #[error("rule {id}: {reason}")]
    Invalid {
        /// Rule id.
        id: String,
        /// What is wrong.
        reason: String,
    },
}

/// One detection rule.
#[derive(Clone, Debug, Default)]
pub struct Rule {
    /// Stable id, e.g. `github-pat`.
    pub id: String,
    /// What it finds.
    pub description: String,
    /// The regex; the secret is capture group `secret_group` (0 = whole match).
    pub regex: String,
    /// Capture group holding the secret.
    pub secret_group: usize,
    /// Lower-case keywords; the regex runs only on text containing one (empty = always).
    pub keywords: Vec<String>,
    /// Minimum Shannon entropy (bits per char) of the secret, if any.
    pub entropy: Option<f64>,
    /// Secrets matching any of these regexes are not findings.
    pub allow: Vec<String>,
    /// Shipped with the binary (tested at build time, so compiled lazily at run time).
    pub builtin: bool,
}

/// An ordered set of rules.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

/// The embedded data file.
pub(crate) const BUILTIN_TOML: &str = include_str!("../rules/builtin.toml");

/// One rule as written in the data file (with its self-tests).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleDef {
    pub id: String,
    pub description: String,
    pub regex: String,
    #[serde(default)]
    pub secret_group: usize,
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(default)]
    pub entropy: Option<f64>,
    #[serde(default)]
    pub allow: Vec<String>,
    /// Adds the file's `generic_allow` list to `allow`.
    #[serde(default)]
    pub generic: bool,
    #[serde(default)]
    #[allow(dead_code)]
    pub examples: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    pub counterexamples: Vec<String>,
}

/// Global settings of the data file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct GlobalDef {
    /// Values (secrets) matching any of these are never findings, whatever the rule.
    #[serde(default)]
    pub allow: Vec<String>,
    /// Extra allowlist of the rules marked `generic = true`.
    #[serde(default)]
    pub generic_allow: Vec<String>,
    /// File names (last path component) not scanned by default.
    #[serde(default)]
    pub skip_files: Vec<String>,
}

/// The whole data file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BuiltinDef {
    pub global: GlobalDef,
    pub rule: Vec<RuleDef>,
}

/// The embedded data file, parsed once per process (the rule set, global allowlist and skip
/// list all come from it).
pub(crate) fn builtin_def() -> Result<&'static BuiltinDef, RuleError> {
    static PARSED: OnceLock<Result<BuiltinDef, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| toml::from_str(BUILTIN_TOML).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|reason| RuleError::Invalid {
            id: "builtin".into(),
            reason: reason.clone(),
        })
}

/// The built-in global allowlist (regexes over the secret value).
pub fn builtin_global_allow() -> Vec<String> {
    builtin_def()
        .map(|d| d.global.allow.clone())
        .unwrap_or_default()
}

/// File names (last path component) the scanner skips by default: lockfiles, whose hashes
/// and checksums look like secrets but never are.
pub fn builtin_skip_files() -> Vec<String> {
    builtin_def()
        .map(|d| d.global.skip_files.clone())
        .unwrap_or_default()
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        let def = builtin_def()?;
        let mut rules = Vec::with_capacity(def.rule.len());
        for r in &def.rule {
            if rules.iter().any(|x: &Rule| x.id == r.id) {
                return Err(RuleError::Invalid {
                    id: r.id.clone(),
                    reason: "duplicate id".into(),
                });
            }
            let mut allow = r.allow.clone();
            if r.generic {
                allow.extend(def.global.generic_allow.iter().cloned());
            }
            rules.push(Rule {
                id: r.id.clone(),
                description: r.description.clone(),
                regex: r.regex.clone(),
                secret_group: r.secret_group,
                keywords: r.keywords.iter().map(|k| k.to_lowercase()).collect(),
                entropy: r.entropy,
                allow,
                builtin: true,
            });
        }
        Ok(RuleSet { rules })
    }

    /// Adds project rules (a rule with an existing id replaces it).
    pub fn extend(&mut self, extra: Vec<Rule>) {
        for r in extra {
            self.rules.retain(|x| x.id != r.id);
            self.rules.push(r);
        }
    }

    /// Drops rules by id.
    pub fn disable(&mut self, ids: &[String]) {
        self.rules.retain(|r| !ids.contains(&r.id));
    }

    /// The rules in order.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detect::Detector;

    #[test]
    fn builtin_parses_and_has_many_rules() {
        let rs = RuleSet::builtin().unwrap();
        assert!(rs.rules().len() >= 150, "{} rules", rs.rules().len());
        for r in rs.rules() {
            assert!(!r.keywords.is_empty(), "{}: no keywords", r.id);
            assert!(!r.description.is_empty(), "{}", r.id);
        }
    }

    /// Every rule's examples produce a finding of that rule, and its counterexamples none.
    #[test]
    fn examples_and_counterexamples() {
        let rs = RuleSet::builtin().unwrap();
        let def = builtin_def().unwrap();
        let mut failures = Vec::new();
        for (r, rule) in def.rule.iter().zip(rs.rules()) {
            // Each rule alone (with the global allowlist), so overlaps don't hide it.
            let mut one = RuleSet::default();
            one.extend(vec![rule.clone()]);
            let det = Detector::new(&one, &[]).unwrap();
            assert!(!r.examples.is_empty(), "{}: no examples", r.id);
            for ex in &r.examples {
                let f = det.scan("example.txt", ex);
                if !f.iter().any(|f| f.rule == r.id) {
                    failures.push(format!("{}: example not found: {ex:?}", r.id));
                }
            }
            for cx in &r.counterexamples {
                let f = det.scan("example.txt", cx);
                if f.iter().any(|f| f.rule == r.id) {
                    failures.push(format!("{}: counterexample matched: {cx:?}", r.id));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn extend_and_disable() {
        let mut rs = RuleSet::builtin().unwrap();
        let n = rs.rules().len();
        rs.disable(&["github-pat".to_string()]);
        assert_eq!(rs.rules().len(), n - 1);
        rs.extend(vec![Rule {
            id: "acme".into(),
            regex: "acme_[0-9a-f]{16}".into(),
            keywords: vec!["acme_".into()],
            ..Rule::default()
        }]);
        assert_eq!(rs.rules().last().unwrap().id, "acme");
    }
}
