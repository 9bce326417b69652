//! Merge conflicts left by `secrets merge-driver`, for `secrets edit` to offer both sides.
//!
//! Record layout (under the repository's git dir, never in the working tree):
//! `$GIT_DIR/secrets/conflicts/<sha256 of the repo-relative path>.json` holding
//! `{"path": "<repo-relative path>", "keys": ["[\"a\"][\"b\"]", ...], "theirs": "<their
//! encrypted file, verbatim>"}`. Only encrypted bytes and key paths are stored. An empty key
//! path string means the whole file (its document list).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, Context as _};
use secrets_sops::path::{self, Step};
use sha2::{Digest, Sha256};

/// A pending conflict for one file.
#[derive(Debug, Clone)]
pub struct Conflict {
    /// Conflicting key paths.
    pub keys: Vec<Vec<Step>>,
    /// Their version of the file (encrypted, as git gave it to the merge driver).
    pub theirs: Vec<u8>,
}

/// `["a"]["b"]`, the spelling `path::parse` reads back.
pub fn key_path_string(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Key(k) => format!("[\"{k}\"]"),
            Step::Index(i) => format!("[{i}]"),
        })
        .collect()
}

fn record_file(git_dir: &Path, repo_path: &str) -> PathBuf {
    let digest = Sha256::digest(repo_path.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    git_dir
        .join("secrets")
        .join("conflicts")
        .join(format!("{hex}.json"))
}

/// Writes the conflict record for `repo_path` (`/`-separated, relative to the top level).
pub fn record(
    git_dir: &Path,
    repo_path: &str,
    keys: &[Vec<Step>],
    theirs: &[u8],
) -> anyhow::Result<PathBuf> {
    let theirs = std::str::from_utf8(theirs)
        .map_err(|_| anyhow!("their version of {repo_path} is not UTF-8 text"))?;
    let doc = serde_json::json!({
        "path": repo_path,
        "keys": keys.iter().map(|k| key_path_string(k)).collect::<Vec<_>>(),
        "theirs": theirs,
    });
    let file = record_file(git_dir, repo_path);
    let dir = file.parent().expect("record path has a parent");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bytes = serde_json::to_vec_pretty(&doc).context("serializing the conflict record")?;
    crate::io::write_atomic(&file, &bytes, 0o600)?;
    Ok(file)
}

/// Removes the record for `repo_path`, if any.
pub fn clear_in(git_dir: &Path, repo_path: &str) {
    let _ = std::fs::remove_file(record_file(git_dir, repo_path));
}

/// Runs `git rev-parse ARGS` in `dir`; one output line per argument.
fn rev_parse(dir: &Path, args: &[&str]) -> Option<Vec<String>> {
    let out = Command::new("git")
        .arg("rev-parse")
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let text = String::from_utf8(out.stdout).ok()?;
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    (lines.len() == args.len()).then_some(lines)
}

/// The git dir (absolute) for a repository containing `dir`.
pub fn git_dir_of(dir: &Path) -> Option<PathBuf> {
    let lines = rev_parse(dir, &["--git-dir"])?;
    let p = PathBuf::from(&lines[0]);
    Some(if p.is_absolute() { p } else { dir.join(p) })
}

/// The git dir and `/`-separated repo-relative path of a working-tree file.
fn locate(file: &Path) -> Option<(PathBuf, String)> {
    let abs = if file.is_absolute() {
        file.to_path_buf()
    } else {
        std::env::current_dir().ok()?.join(file)
    };
    let name = abs.file_name()?.to_owned();
    let parent = abs.parent()?.canonicalize().ok()?;
    let lines = rev_parse(&parent, &["--git-dir", "--show-toplevel"])?;
    let git_dir = PathBuf::from(&lines[0]);
    let git_dir = if git_dir.is_absolute() {
        git_dir
    } else {
        parent.join(git_dir)
    };
    let top = PathBuf::from(&lines[1]).canonicalize().ok()?;
    let rel = parent.strip_prefix(&top).ok()?.join(name);
    let parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    Some((git_dir, parts.join("/")))
}

/// Reads the record for `repo_path` in `git_dir`.
pub fn load_in(git_dir: &Path, repo_path: &str) -> Option<Conflict> {
    let bytes = std::fs::read(record_file(git_dir, repo_path)).ok()?;
    let doc: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    if doc.get("path")?.as_str()? != repo_path {
        return None;
    }
    let keys = doc
        .get("keys")?
        .as_array()?
        .iter()
        .map(|k| {
            let k = k.as_str()?;
            if k.is_empty() {
                Some(Vec::new())
            } else {
                path::parse(k).ok()
            }
        })
        .collect::<Option<Vec<_>>>()?;
    let theirs = doc.get("theirs")?.as_str()?.as_bytes().to_vec();
    Some(Conflict { keys, theirs })
}

/// Finds the pending conflict for `file` (a working-tree path), if any.
pub fn load(file: &Path) -> Option<Conflict> {
    let (git_dir, rel) = locate(file)?;
    load_in(&git_dir, &rel)
}

/// Forgets the conflict for `file` (after a successful edit).
pub fn clear(file: &Path) {
    if let Some((git_dir, rel)) = locate(file) {
        clear_in(&git_dir, &rel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_load_clear_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join("sub")).unwrap();
        let ok = Command::new("git")
            .args(["init", "-q"])
            .current_dir(&repo)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("HOME", dir.path())
            .status()
            .unwrap()
            .success();
        assert!(ok);
        let file = repo.join("sub/s.sops.yaml");
        std::fs::write(&file, "a: ENC[...]\n").unwrap();
        assert!(load(&file).is_none());
        let keys = vec![
            vec![Step::Key("a".into()), Step::Key("b".into())],
            vec![Step::Key("c".into())],
        ];
        let git_dir = git_dir_of(&repo).unwrap();
        let written = record(&git_dir, "sub/s.sops.yaml", &keys, b"theirs: ENC[x]\n").unwrap();
        assert!(written.starts_with(git_dir.join("secrets/conflicts")));
        let text = std::fs::read_to_string(&written).unwrap();
        assert!(text.contains(r#"[\"a\"][\"b\"]"#), "{text}");
        let c = load(&file).expect("record found through the working-tree path");
        assert_eq!(c.keys, keys);
        assert_eq!(c.theirs, b"theirs: ENC[x]\n");
        clear(&file);
        assert!(load(&file).is_none());
    }
}
