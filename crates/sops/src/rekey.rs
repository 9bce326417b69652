//! Changing who can decrypt a file: recipient plans (from `.sops.yaml` or `--add-age` /
//! `--rm-age`), their diff against the file, and applying them. Adding recipients keeps the data
//! key and every existing block (git-quiet); removing one rotates the data key, because the
//! removed person may have kept it.

use crate::cipher::{Cipher, DataKey};
use crate::crypt::{encrypt_tree, seal_mac};
use crate::error::{Error, Result};
use crate::file::{seal, Opened};
use crate::gofmt::GoTime;
use crate::keys::wrap_missing;
use crate::metadata::{AgeKey, KeyGroup, MasterKey, Metadata};
use crate::store::Store;
use crate::tree::{Branches, SecretBranches};

/// Who gains and who loses access (age recipients, in file order).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KeyDiff {
    /// Recipients the file does not have yet.
    pub added: Vec<String>,
    /// Recipients the file has that the plan drops.
    pub removed: Vec<String>,
    /// The group layout or threshold changes (every block is rewritten).
    pub regrouped: bool,
}

impl KeyDiff {
    /// Nothing to do.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && !self.regrouped
    }
}

fn age_recipients(group: &KeyGroup) -> Vec<String> {
    group.age_keys().map(|a| a.recipient.clone()).collect()
}

/// Compares the file's age recipients per group with `target` (one list per group).
pub fn diff(md: &Metadata, target: &[Vec<String>], threshold: usize) -> KeyDiff {
    let current: Vec<Vec<String>> = md.key_groups.iter().map(age_recipients).collect();
    let all_current: Vec<&String> = current.iter().flatten().collect();
    let all_target: Vec<&String> = target.iter().flatten().collect();
    let mut added: Vec<String> = Vec::new();
    for r in &all_target {
        if !all_current.contains(r) && !added.contains(r) {
            added.push((*r).clone());
        }
    }
    let mut removed: Vec<String> = Vec::new();
    for r in &all_current {
        if !all_target.contains(r) && !removed.contains(r) {
            removed.push((*r).clone());
        }
    }
    let multi = target.len() > 1 || md.key_groups.len() > 1;
    let regrouped = multi
        && (current.len() != target.len()
            || current
                .iter()
                .zip(target)
                .any(|(c, t)| sorted(c) != sorted(t))
            || md.effective_threshold() != effective(threshold, target.len()));
    KeyDiff {
        added,
        removed,
        regrouped,
    }
}

fn sorted(v: &[String]) -> Vec<&String> {
    let mut s: Vec<&String> = v.iter().collect();
    s.sort();
    s
}

fn effective(threshold: usize, groups: usize) -> usize {
    if threshold == 0 {
        groups
    } else {
        threshold
    }
}

/// Metadata with the key groups of `target`: existing blocks of kept recipients are reused;
/// new recipients get empty blocks (filled by [`wrap_missing`]). Non-age keys stay in their
/// group.
fn regroup(md: &Metadata, target: &[Vec<String>], threshold: usize) -> Metadata {
    let mut out = md.clone();
    out.key_groups = target
        .iter()
        .enumerate()
        .map(|(i, recipients)| {
            let old = md.key_groups.get(i);
            let mut keys: Vec<MasterKey> = old
                .map(|g| {
                    g.0.iter()
                        .filter(|k| matches!(k, MasterKey::Foreign { .. }))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            for r in recipients {
                let existing = old.and_then(|g| g.age_keys().find(|a| &a.recipient == r));
                keys.push(MasterKey::Age(existing.cloned().unwrap_or(AgeKey {
                    recipient: r.clone(),
                    enc: String::new(),
                })));
            }
            KeyGroup(keys)
        })
        .collect();
    if target.len() > 1 {
        out.shamir_threshold = effective(threshold, target.len());
    } else {
        out.shamir_threshold = threshold;
    }
    out
}

/// Applies a recipient plan to an opened file. With no removal and no regrouping, the data key
/// and all values stay as they are and only new blocks are added (the MAC and `lastmodified` are
/// unchanged). Otherwise a new data key is generated and every value re-encrypted.
pub fn apply(
    opened: &mut Opened,
    target: &[Vec<String>],
    threshold: usize,
    output: Store,
) -> Result<Vec<u8>> {
    if target.iter().all(Vec::is_empty) {
        return Err(Error::NoKeys);
    }
    let d = diff(&opened.metadata, target, threshold);
    let mut md = regroup(&opened.metadata, target, threshold);
    if d.removed.is_empty() && !d.regrouped {
        let key = opened.cipher.data_key().clone();
        wrap_missing(&mut md, &key, false)?;
        // Same key and IV stash: every value encrypts to its previous text, and the MAC and
        // `lastmodified` stay as they were.
        return seal(
            &opened.branches.0,
            &mut md,
            &mut opened.cipher,
            Some(&opened.mac),
            output,
        );
    }
    rotate_with(&opened.branches.0, md, output)
}

/// A new data key for the file, for the recipients of `target` (one list per group): every
/// value re-encrypted with fresh IVs, every block rewritten. Refused when the file has non-age
/// keys, which this tool cannot re-wrap.
pub fn rotate(
    opened: &Opened,
    target: &[Vec<String>],
    threshold: usize,
    output: Store,
) -> Result<Vec<u8>> {
    if target.iter().all(Vec::is_empty) {
        return Err(Error::NoKeys);
    }
    let md = regroup(&opened.metadata, target, threshold);
    rotate_with(&opened.branches.0, md, output)
}

/// The file's age recipients, one list per key group.
pub fn current_groups(md: &Metadata) -> Vec<Vec<String>> {
    md.key_groups.iter().map(age_recipients).collect()
}

fn rotate_with(plain: &Branches, mut md: Metadata, output: Store) -> Result<Vec<u8>> {
    if let Some(foreign) = md
        .key_groups
        .iter()
        .flat_map(|g| g.0.iter())
        .find(|k| matches!(k, MasterKey::Foreign { .. }))
    {
        return Err(Error::Recipient(format!(
            "the file also has a {} that secrets cannot re-wrap; rotate it with sops",
            foreign.label()
        )));
    }
    let key = DataKey::generate();
    for group in &mut md.key_groups {
        for k in &mut group.0 {
            if let MasterKey::Age(a) = k {
                a.enc.clear();
            }
        }
    }
    wrap_missing(&mut md, &key, true)?;
    let mut cipher = Cipher::new(key);
    let mut branches = plain.clone();
    let mac = encrypt_tree(&mut branches, &md, &mut cipher)?;
    seal_mac(&mut md, &mut cipher, &mac, GoTime::now_utc())?;
    let out = output.emit_encrypted(&branches, &md);
    SecretBranches(branches);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(groups: &[&[&str]]) -> Metadata {
        Metadata {
            key_groups: groups
                .iter()
                .map(|g| {
                    KeyGroup(
                        g.iter()
                            .map(|r| {
                                MasterKey::Age(AgeKey {
                                    recipient: r.to_string(),
                                    enc: "x".into(),
                                })
                            })
                            .collect(),
                    )
                })
                .collect(),
            ..Metadata::default()
        }
    }

    fn v(groups: &[&[&str]]) -> Vec<Vec<String>> {
        groups
            .iter()
            .map(|g| g.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn diffs() {
        let d = diff(&md(&[&["a", "b"]]), &v(&[&["b", "c"]]), 0);
        assert_eq!(d.added, ["c"]);
        assert_eq!(d.removed, ["a"]);
        assert!(!d.regrouped);
        assert!(diff(&md(&[&["a", "b"]]), &v(&[&["b", "a"]]), 0).is_empty());
        assert!(diff(&md(&[&["a"], &["b"]]), &v(&[&["b"], &["a"]]), 0).regrouped);
        assert!(!diff(&md(&[&["a"], &["b"]]), &v(&[&["a"], &["b"]]), 0).regrouped);
        assert!(diff(&md(&[&["a"], &["b"]]), &v(&[&["a"], &["b"]]), 1).regrouped);
    }

    #[test]
    fn regroup_keeps_existing_blocks() {
        let m = regroup(&md(&[&["a", "b"]]), &v(&[&["b", "c"]]), 0);
        let keys: Vec<(String, String)> = m
            .age_keys()
            .map(|a| (a.recipient.clone(), a.enc.clone()))
            .collect();
        assert_eq!(
            keys,
            [("b".into(), "x".into()), ("c".into(), String::new())]
        );
    }
}
