//! The project configuration `.secrets.toml` at the repository root.
//!
//! ```toml
//! # Where the baseline lives (relative to the repository root); used when it exists.
//! baseline = ".secrets-baseline.json"
//!
//! [rules]
//! # Ids of built-in rules to switch off.
//! disabled = ["generic-api-key"]
//! # Project rules (same fields as the built-in ones); an existing id is replaced.
//! [[rules.extra]]
//! id = "acme-token"
//! description = "ACME internal token"
//! regex = "acme_[a-z0-9]{32}"
//! keywords = ["acme_"]
//!
//! [allow]
//! # Paths (globs, `/`-separated, relative to the repository root) that are never scanned.
//! paths = ["tests/fixtures/**"]
//! # Values (regexes) that are never findings.
//! values = ["^EXAMPLE"]
//!
//! [protected]
//! # Files that must be sops-encrypted. These EXTEND the defaults; a pattern starting with `!`
//! # is an exception. Set `replace_defaults = true` to use only these patterns.
//! patterns = ["*.tfvars", "!dev.tfvars"]
//! replace_defaults = false
//! ```
//!
//! Patterns without a `/` match the file name in any directory (like `.gitignore`); patterns
//! with a `/` match the whole path from the repository root, or below any directory.

use std::path::Path;

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Deserialize;

use crate::rules::Rule;

/// The file name looked for at the repository root.
pub const CONFIG_FILE: &str = ".secrets.toml";
/// The default baseline file name.
pub const DEFAULT_BASELINE: &str = ".secrets-baseline.json";

/// Protected patterns used unless `replace_defaults` is set.
pub const DEFAULT_PROTECTED: &[&str] = &[
    "*.env*",
    "!.env.example",
    "!.env.sample",
    "!.env.template",
    "secrets/**",
    // The plaintext files of `secrets sync` and the audit: where values go, pinned host keys,
    // owners and cadences. They hold no secret values (the scanner's token rules still apply).
    "!secrets/targets.yaml",
    "!secrets/known_hosts",
    "!secrets/inventory.yaml",
    "*.pem",
    "*.key",
    "id_rsa",
    "id_ed25519",
    "*.p12",
];

/// Errors in the project configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has wrong fields.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
    /// A glob does not compile.
    #[error("bad glob {glob:?}: {message}")]
    Glob {
        /// The glob.
        glob: String,
        /// What is wrong.
        message: String,
    },
}

/// A project rule as written in TOML.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Rule id.
    pub id: String,
    /// Description.
    #[serde(default)]
    pub description: String,
    /// Regex.
    pub regex: String,
    /// Capture group holding the secret.
    #[serde(default)]
    pub secret_group: usize,
    /// Keywords for the prefilter.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Minimum entropy.
    #[serde(default)]
    pub entropy: Option<f64>,
    /// Allowed secrets (regexes).
    #[serde(default)]
    pub allow: Vec<String>,
}

impl From<RuleSpec> for Rule {
    fn from(s: RuleSpec) -> Rule {
        Rule {
            id: s.id,
            description: s.description,
            regex: s.regex,
            secret_group: s.secret_group,
            keywords: s.keywords.into_iter().map(|k| k.to_lowercase()).collect(),
            entropy: s.entropy,
            allow: s.allow,
            builtin: false,
        }
    }
}

/// `[rules]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesSection {
    /// Extra rules.
    #[serde(default)]
    pub extra: Vec<RuleSpec>,
    /// Disabled rule ids.
    #[serde(default)]
    pub disabled: Vec<String>,
}

/// `[allow]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AllowSection {
    /// Path globs never scanned.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Value regexes never reported.
    #[serde(default)]
    pub values: Vec<String>,
}

/// `[protected]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProtectedSection {
    /// Extra patterns (`!` = exception).
    #[serde(default)]
    pub patterns: Vec<String>,
    /// Use only `patterns`, not the defaults.
    #[serde(default)]
    pub replace_defaults: bool,
}

/// The whole `.secrets.toml`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProjectConfig {
    /// Baseline path (relative to the repository root).
    #[serde(default)]
    pub baseline: Option<String>,
    /// `[rules]`.
    #[serde(default)]
    pub rules: RulesSection,
    /// `[allow]`.
    #[serde(default)]
    pub allow: AllowSection,
    /// `[protected]`.
    #[serde(default)]
    pub protected: ProtectedSection,
}

impl ProjectConfig {
    /// Parses TOML text (`path` for messages).
    pub fn parse(path: &str, text: &str) -> Result<ProjectConfig, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Parse {
            path: path.to_string(),
            message: e.to_string(),
        })
    }

    /// Reads `path`.
    pub fn load(path: &Path) -> Result<ProjectConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Io {
            path: path.display().to_string(),
            source: e,
        })?;
        ProjectConfig::parse(&path.display().to_string(), &text)
    }

    /// The protected patterns in effect.
    pub fn protected_patterns(&self) -> Vec<String> {
        let mut out: Vec<String> = if self.protected.replace_defaults {
            Vec::new()
        } else {
            DEFAULT_PROTECTED.iter().map(|s| s.to_string()).collect()
        };
        out.extend(self.protected.patterns.iter().cloned());
        out
    }
}

/// Gitignore-like matching of `/`-separated relative paths.
#[derive(Clone, Debug)]
pub struct PathMatcher {
    include: GlobSet,
    exclude: GlobSet,
}

fn add(b: &mut GlobSetBuilder, pat: &str) -> Result<(), ConfigError> {
    let pat = pat.trim_start_matches("./").trim_start_matches('/');
    let glob = |p: &str| -> Result<Glob, ConfigError> {
        GlobBuilder::new(p)
            .literal_separator(true)
            .build()
            .map_err(|e| ConfigError::Glob {
                glob: p.to_string(),
                message: e.to_string(),
            })
    };
    b.add(glob(pat)?);
    if !pat.starts_with("**/") {
        b.add(glob(&format!("**/{pat}"))?);
    }
    Ok(())
}

impl PathMatcher {
    /// Compiles patterns; a leading `!` makes an exception.
    pub fn new<S: AsRef<str>>(patterns: &[S]) -> Result<PathMatcher, ConfigError> {
        let mut inc = GlobSetBuilder::new();
        let mut exc = GlobSetBuilder::new();
        for p in patterns {
            let p = p.as_ref().trim();
            if p.is_empty() {
                continue;
            }
            match p.strip_prefix('!') {
                Some(e) => add(&mut exc, e)?,
                None => add(&mut inc, p)?,
            }
        }
        let build = |b: GlobSetBuilder| {
            b.build().map_err(|e| ConfigError::Glob {
                glob: String::new(),
                message: e.to_string(),
            })
        };
        Ok(PathMatcher {
            include: build(inc)?,
            exclude: build(exc)?,
        })
    }

    /// Does `path` (relative, `/`-separated) match?
    pub fn is_match(&self, path: &str) -> bool {
        let path = path.trim_start_matches("./");
        self.include.is_match(path) && !self.exclude.is_match(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_protected_patterns() {
        let m = PathMatcher::new(DEFAULT_PROTECTED).unwrap();
        for p in [
            ".env",
            "app/.env",
            ".env.production",
            "config/prod.env",
            "secrets/db.yaml",
            "deploy/secrets/x",
            "tls/server.pem",
            "a.key",
            "home/id_rsa",
            "id_ed25519",
            "c.p12",
        ] {
            assert!(m.is_match(p), "{p}");
        }
        for p in [
            ".env.example",
            "app/.env.sample",
            ".env.template",
            "secrets/targets.yaml",
            "deploy/secrets/known_hosts",
            "secrets/inventory.yaml",
            "README.md",
            "id_rsa.pub",
            "src/environment.rs",
            "secretsx/a",
        ] {
            assert!(!m.is_match(p), "{p}");
        }
    }

    #[test]
    fn parses_config() {
        let c = ProjectConfig::parse(
            "t",
            r#"
baseline = "b.json"
[rules]
disabled = ["x"]
[[rules.extra]]
id = "acme"
regex = "acme_[a-z]{8}"
[allow]
paths = ["tests/vectors/**"]
values = ["^EXAMPLE"]
[protected]
patterns = ["*.tfvars"]
"#,
        )
        .unwrap();
        assert_eq!(c.baseline.as_deref(), Some("b.json"));
        assert_eq!(c.rules.extra[0].id, "acme");
        assert!(c.protected_patterns().contains(&"*.tfvars".to_string()));
        assert!(c.protected_patterns().contains(&"*.pem".to_string()));
        let m = PathMatcher::new(&c.allow.paths).unwrap();
        assert!(m.is_match("tests/vectors/keys/alice.txt"));
        assert!(!m.is_match("src/main.rs"));
        assert!(ProjectConfig::parse("t", "[bogus]\n").is_err());
    }
}
