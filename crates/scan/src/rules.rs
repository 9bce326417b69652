//! The rule set: built-in rules (a data file embedded in the binary) plus project rules.
//!
//! CONTRACT (kept stable for the rest of the scanner; the rules work fills it in):
//! `RuleSet::builtin()`, `RuleSet::extend`, `RuleSet::disable`, `RuleSet::rules`.

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
}

/// An ordered set of rules.
#[derive(Clone, Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
}

impl RuleSet {
    /// The built-in rules.
    pub fn builtin() -> Result<RuleSet, RuleError> {
        Ok(RuleSet::default())
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
