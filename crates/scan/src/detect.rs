//! Running rules over text: keyword prefilter, regexes, entropy, allowlists, inline
//! `secrets:allow`.
//!
//! CONTRACT (kept stable; the rules work fills it in): `Detector::new(&RuleSet, &value_allow)`,
//! `Detector::scan(file, text) -> Vec<Finding>`.

use crate::finding::Finding;
use crate::rules::{RuleError, RuleSet};

/// Compiled rules, ready to scan many texts (share it across threads).
#[derive(Debug)]
pub struct Detector {
    _rules: RuleSet,
}

impl Detector {
    /// Compiles `rules`; `value_allow` are project-wide regexes of values that are never
    /// findings.
    pub fn new(rules: &RuleSet, value_allow: &[String]) -> Result<Detector, RuleError> {
        let _ = value_allow;
        Ok(Detector {
            _rules: rules.clone(),
        })
    }

    /// Findings in `text` (the file's content), reported against `file`.
    pub fn scan(&self, file: &str, text: &str) -> Vec<Finding> {
        let _ = (file, text);
        Vec::new()
    }
}
