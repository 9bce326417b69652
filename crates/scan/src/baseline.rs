//! Baselines: fingerprints of accepted findings (rule + secret, never lines or commit ids), so
//! old findings stop failing while new ones are still caught.
//!
//! `{"version":1,"findings":[{"fingerprint":"…","rule":"…","file":"…"}]}`

use std::collections::HashSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

/// Errors reading or writing a baseline.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// I/O.
    #[error("baseline {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Not a baseline.
    #[error("baseline {path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One accepted finding.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Entry {
    /// [`crate::finding::Finding::fingerprint`].
    pub fingerprint: String,
    /// Rule id (informational).
    #[serde(default)]
    pub rule: String,
    /// File it was first seen in (informational).
    #[serde(default)]
    pub file: String,
}

/// The baseline file.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    /// Format version (1).
    pub version: u32,
    /// Accepted findings.
    pub findings: Vec<Entry>,
}

impl Baseline {
    /// Reads a baseline.
    pub fn load(path: &Path) -> Result<Baseline, BaselineError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError::Io {
            path: name.clone(),
            source: e,
        })?;
        let b: Baseline = serde_json::from_str(&text).map_err(|e| BaselineError::Parse {
            path: name.clone(),
            message: e.to_string(),
        })?;
        if b.version != 1 {
            return Err(BaselineError::Parse {
                path: name,
                message: format!("unsupported version {}", b.version),
            });
        }
        Ok(b)
    }

    /// A baseline of `entries` (deduplicated by fingerprint, sorted).
    pub fn from_entries(entries: impl IntoIterator<Item = Entry>) -> Baseline {
        let mut seen = HashSet::new();
        let mut findings: Vec<Entry> = entries
            .into_iter()
            .filter(|e| seen.insert(e.fingerprint.clone()))
            .collect();
        findings.sort_by(|a, b| {
            (&a.file, &a.rule, &a.fingerprint).cmp(&(&b.file, &b.rule, &b.fingerprint))
        });
        Baseline {
            version: 1,
            findings,
        }
    }

    /// Pretty JSON with a trailing newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
        s.push('\n');
        s
    }

    /// Writes the baseline.
    pub fn write(&self, path: &Path) -> Result<(), BaselineError> {
        std::fs::write(path, self.to_json()).map_err(|e| BaselineError::Io {
            path: path.display().to_string(),
            source: e,
        })
    }

    /// The fingerprints.
    pub fn fingerprints(&self) -> HashSet<String> {
        self.findings
            .iter()
            .map(|e| e.fingerprint.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let b = Baseline::from_entries([
            Entry {
                fingerprint: "b".into(),
                rule: "r".into(),
                file: "f".into(),
            },
            Entry {
                fingerprint: "b".into(),
                rule: "r".into(),
                file: "g".into(),
            },
        ]);
        assert_eq!(b.findings.len(), 1);
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("b.json");
        b.write(&p).unwrap();
        let back = Baseline::load(&p).unwrap();
        assert!(back.fingerprints().contains("b"));
        let v: serde_json::Value = serde_json::from_str(&b.to_json()).unwrap();
        assert_eq!(v["version"], 1);
        assert_eq!(v["findings"][0]["fingerprint"], "b");
    }
}
