//! One reported secret: where, which rule, a redacted preview and a stable fingerprint.

use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A match of a rule in a text.
#[derive(Clone, Debug)]
pub struct Finding {
    /// Path as given / relative to the scan root.
    pub file: String,
    /// 1-based line of the secret's first byte.
    pub line: usize,
    /// 1-based line of the secret's last byte.
    pub end_line: usize,
    /// 1-based column (in characters) of the secret's first byte.
    pub column: usize,
    /// Rule id, e.g. `github-pat`.
    pub rule: String,
    /// Human description of the rule.
    pub description: String,
    /// The matched secret (wiped on drop; printed only with `--no-redact`).
    pub secret: Zeroizing<String>,
}

impl Finding {
    /// Stable identity for baselines: derived from the rule and the secret only, so it survives
    /// edits that move lines and rebases that change commit ids.
    pub fn fingerprint(&self) -> String {
        fingerprint(&self.rule, &self.secret)
    }

    /// A preview that never reveals the secret: a short prefix, an ellipsis and the length,
    /// like `ghp_Ab…(40)`.
    pub fn redacted(&self) -> String {
        redact(&self.secret)
    }
}

/// `sha256(rule NUL secret)`, first 16 hex characters.
pub fn fingerprint(rule: &str, secret: &str) -> String {
    let mut h = Sha256::new();
    h.update(rule.as_bytes());
    h.update([0]);
    h.update(secret.as_bytes());
    let digest = h.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

/// Shows at most 6 leading characters (fewer for short secrets) and the length.
pub fn redact(secret: &str) -> String {
    let n = secret.chars().count();
    let shown = if n >= 24 {
        6
    } else if n >= 12 {
        4
    } else {
        0
    };
    let prefix: String = secret.chars().take(shown).collect();
    format!("{prefix}…({n})")
}
