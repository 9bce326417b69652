//! `secrets-scan`: finds plaintext secrets before they are committed.
//!
//! [`rules`] is the built-in rule set (a data file embedded in the binary) plus project rules;
//! [`detect`] runs it over text (keyword prefilter, regexes, entropy, allowlists); [`finding`]
//! is what a match reports (never the whole secret unless asked). [`policy`] is the keyless
//! sops encryption policy; [`config`] the project's `.secrets.toml`; [`baseline`] accepted
//! findings; [`source`] staged blobs, history, files and stdin; [`report`] the output formats.
//! [`Scanner`] ties them together.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod baseline;
pub mod config;
pub mod detect;
pub mod finding;
pub mod policy;
pub mod report;
pub mod rules;
pub mod source;

use std::collections::HashSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::config::PathMatcher;
use crate::detect::Detector;
use crate::policy::{mask_encrypted, Policy};
use crate::report::Item;
use crate::source::Blob;

/// Everything needed to scan texts: policy, detector, allowed paths, baseline.
#[derive(Debug)]
pub struct Scanner {
    /// The encryption policy.
    pub policy: Policy,
    /// The token detector.
    pub detector: Detector,
    /// Paths never scanned.
    pub allow_paths: PathMatcher,
    /// Fingerprints accepted by the baseline.
    pub baseline: HashSet<String>,
}

/// Result of a scan.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Findings not in the baseline, sorted by file and line.
    pub items: Vec<Item>,
    /// Findings suppressed by the baseline.
    pub suppressed: usize,
    /// Texts scanned.
    pub scanned: usize,
}

/// A whole-file policy finding (a protected or rule-matched file that is not sops-encrypted)
/// points at the file's first plaintext secret when there is one, so the reader lands on what
/// leaked instead of line 1 and the two findings share one location.
fn anchor_file_findings(policy: &mut [Item], tokens: &[Item]) {
    let Some(first) = tokens
        .iter()
        .min_by_key(|t| (t.finding.line, t.finding.column))
    else {
        return;
    };
    for item in policy.iter_mut().filter(|i| {
        i.finding.rule == policy::PROTECTED_PLAINTEXT || i.finding.rule == policy::NOT_ENCRYPTED
    }) {
        item.finding.line = first.finding.line;
        item.finding.end_line = first.finding.end_line;
        item.finding.column = first.finding.column;
    }
}

impl Scanner {
    /// Findings for one text (baseline not applied).
    pub fn scan_blob(&self, blob: &Blob) -> Vec<Item> {
        if self.allow_paths.is_match(&blob.path) {
            return Vec::new();
        }
        let checked = self.policy.check(&blob.path, &blob.bytes);
        let mut items = checked.items;
        if blob.binary {
            for i in &mut items {
                i.commits = blob.commits.clone();
            }
            return items;
        }
        let text = String::from_utf8_lossy(&blob.bytes);
        let text = if checked.sops_valid {
            mask_encrypted(&text)
        } else {
            text.into_owned()
        };
        let tokens: Vec<Item> = self
            .detector
            .scan(&blob.path, &text)
            .into_iter()
            .map(Item::token)
            .collect();
        anchor_file_findings(&mut items, &tokens);
        items.extend(tokens);
        for i in &mut items {
            i.commits = blob.commits.clone();
        }
        items
    }

    /// Scans `blobs` in parallel; findings in the baseline are dropped (and counted). Each
    /// fingerprint is reported once per file.
    pub fn scan_all(&self, blobs: &[Blob]) -> Outcome {
        let next = AtomicUsize::new(0);
        let found = Mutex::new(Vec::new());
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(blobs.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(blob) = blobs.get(i) else { break };
                    let items = self.scan_blob(blob);
                    if !items.is_empty() {
                        found
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, items));
                    }
                });
            }
        });
        let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
        found.sort_by_key(|(i, _)| *i);
        let mut out = Outcome {
            scanned: blobs.len(),
            ..Outcome::default()
        };
        let mut seen: HashSet<(String, String)> = HashSet::new();
        for item in found.into_iter().flat_map(|(_, items)| items) {
            let fp = item.fingerprint();
            if self.baseline.contains(&fp) {
                out.suppressed += 1;
                continue;
            }
            if seen.insert((item.finding.file.clone(), fp)) {
                out.items.push(item);
            }
        }
        out
    }
}
