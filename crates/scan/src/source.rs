//! What gets scanned: staged blobs (the git index, not the working tree), every blob added in a
//! history range, files and directories (honouring `.gitignore` inside a repository), stdin.

use std::collections::HashMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use git2::{Delta, DiffOptions, Oid, Repository, Sort};

/// Files larger than this are skipped with a note.
pub const MAX_SIZE: usize = 10 * 1024 * 1024;
/// A NUL byte in this many leading bytes marks a binary file.
pub const BINARY_PROBE: usize = 8 * 1024;

/// Errors reading sources.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// A git operation failed.
    #[error("git: {0}")]
    Git(#[from] git2::Error),
    /// A file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// A walk failed.
    #[error("{0}")]
    Walk(String),
}

/// One text to scan.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Path (repository-relative for git sources).
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
    /// Commits that introduced this content (history scans), short ids, oldest first.
    pub commits: Vec<String>,
    /// NUL in the first 8 KiB: only the encryption policy applies.
    pub binary: bool,
}

/// Blobs plus notes about what was skipped.
#[derive(Debug, Default)]
pub struct Collected {
    /// Texts to scan.
    pub blobs: Vec<Blob>,
    /// Human notes (skipped binary/huge files).
    pub notes: Vec<String>,
    /// Number of candidate files looked at (including skipped ones).
    pub considered: usize,
}

impl Collected {
    fn push_file(&mut self, path: String, bytes: Option<Vec<u8>>) {
        match bytes {
            Some(b) => self.push(path, b, Vec::new()),
            None => {
                self.considered += 1;
                self.notes
                    .push(format!("skipped {path}: larger than 10 MB"));
            }
        }
    }

    fn push(&mut self, path: String, bytes: Vec<u8>, commits: Vec<String>) {
        self.considered += 1;
        if bytes.len() > MAX_SIZE {
            self.notes.push(format!(
                "skipped {path}: larger than 10 MB ({} bytes)",
                bytes.len()
            ));
            return;
        }
        // Binary files still go through the encryption policy (a plaintext `*.p12` must be
        // caught); the token rules skip them.
        let binary = is_binary(&bytes);
        self.blobs.push(Blob {
            path,
            bytes,
            commits,
            binary,
        });
    }
}

/// NUL in the first 8 KiB.
pub fn is_binary(bytes: &[u8]) -> bool {
    bytes[..bytes.len().min(BINARY_PROBE)].contains(&0)
}

/// Opens the repository containing `dir`.
pub fn open_repo(dir: &Path) -> Result<Repository, SourceError> {
    Ok(Repository::discover(dir)?)
}

/// The repository's working directory.
pub fn workdir(repo: &Repository) -> PathBuf {
    repo.workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.path().to_path_buf())
}

/// Staged blobs that differ from HEAD (added, modified, renamed, copied, type-changed), read
/// from the index git is committing (`GIT_INDEX_FILE` when a hook runs under `git commit -a`
/// or `git commit PATH`, else the repository's index).
pub fn staged(repo: &Repository) -> Result<Collected, SourceError> {
    let index_path = index_path(repo);
    let head = match repo.head() {
        Ok(h) => Some(h.peel_to_tree()?),
        Err(_) => None,
    };
    let changed = match staged_by_cache_tree(repo, &index_path, head.as_ref()) {
        Some(changed) => changed,
        None => staged_by_libgit2(repo, &index_path, head.as_ref())?,
    };
    let mut out = Collected::default();
    for (path, id) in changed {
        let blob = repo.find_blob(id)?;
        out.push(path, blob.content().to_vec(), Vec::new());
    }
    Ok(out)
}

/// `GIT_INDEX_FILE` (relative to the working directory, as git resolves it) or `.git/index`.
fn index_path(repo: &Repository) -> PathBuf {
    match std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty()) {
        Some(p) => std::env::current_dir()
            .map(|cwd| cwd.join(&p))
            .unwrap_or_else(|_| PathBuf::from(p)),
        None => repo.path().join("index"),
    }
}

/// The general path: libgit2's tree-to-index diff, which compares every entry.
fn staged_by_libgit2(
    repo: &Repository,
    index_path: &Path,
    head: Option<&git2::Tree<'_>>,
) -> Result<Vec<(String, Oid)>, SourceError> {
    let index = if index_path.exists() {
        git2::Index::open(index_path)?
    } else {
        repo.index()?
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true);
    let diff = repo.diff_tree_to_index(head, Some(&index), Some(&mut opts))?;
    Ok(diff.deltas().filter_map(|d| added_blob(&d)).collect())
}

/// The fast path, as git itself does it: the index's cache-tree records the tree id of every
/// directory no staged change touched, so a directory whose recorded id equals HEAD's is
/// skipped without reading it. `None` when the index can't be read this way (unsupported
/// format, sparse index): the caller falls back to libgit2.
fn staged_by_cache_tree(
    repo: &Repository,
    index_path: &Path,
    head: Option<&git2::Tree<'_>>,
) -> Option<Vec<(String, Oid)>> {
    let file = gix_index::File::at(
        index_path,
        gix_hash::Kind::Sha1,
        true,
        gix_index::decode::Options::default(),
    )
    .ok()?;
    if file.entries().iter().any(|e| e.mode.is_sparse()) {
        return None;
    }
    let mut walk = CacheTreeWalk {
        repo,
        state: &file,
        changed: Vec::new(),
    };
    walk.dir(
        b"",
        head.map(|t| t.id()),
        head.cloned(),
        file.tree(),
        file.entries(),
    )
    .ok()?;
    Some(walk.changed)
}

struct CacheTreeWalk<'a> {
    repo: &'a Repository,
    state: &'a gix_index::State,
    changed: Vec<(String, Oid)>,
}

impl CacheTreeWalk<'_> {
    /// Compares the index `entries` under `prefix` (`""` or `dir/`) with HEAD's tree there.
    fn dir(
        &mut self,
        prefix: &[u8],
        head_id: Option<Oid>,
        head: Option<git2::Tree<'_>>,
        cache: Option<&gix_index::extension::Tree>,
        entries: &[gix_index::Entry],
    ) -> Result<(), git2::Error> {
        if let (Some(id), Some(c)) = (head_id, cache) {
            if c.num_entries.is_some() && c.id.as_slice() == id.as_bytes() {
                return Ok(());
            }
        }
        let head = match (head, head_id) {
            (Some(t), _) => Some(t),
            (None, Some(id)) => Some(self.repo.find_tree(id)?),
            (None, None) => None,
        };
        let mut i = 0;
        while i < entries.len() {
            let entry = &entries[i];
            let path: &[u8] = entry.path(self.state);
            let rest = &path[prefix.len()..];
            match rest.iter().position(|&b| b == b'/') {
                None => {
                    i += 1;
                    if entry.stage_raw() != 0 || entry.mode.is_submodule() {
                        continue;
                    }
                    let id = Oid::from_bytes(entry.id.as_slice())?;
                    let same = head
                        .as_ref()
                        .and_then(|t| t.get_name_bytes(rest))
                        .is_some_and(|old| {
                            old.id() == id && old.filemode() as u32 == entry.mode.bits()
                        });
                    if !same {
                        let path = String::from_utf8_lossy(path).replace('\\', "/");
                        self.changed.push((path, id));
                    }
                }
                Some(slash) => {
                    let name = &rest[..slash];
                    let sub_prefix = &path[..prefix.len() + slash + 1];
                    let end = i + entries[i..]
                        .partition_point(|e| e.path(self.state).starts_with(sub_prefix));
                    let sub_head = head
                        .as_ref()
                        .and_then(|t| t.get_name_bytes(name))
                        .filter(|e| e.kind() == Some(git2::ObjectType::Tree))
                        .map(|e| e.id());
                    let sub_cache =
                        cache.and_then(|c| c.children.iter().find(|c| c.name.as_slice() == name));
                    let sub_prefix = sub_prefix.to_vec();
                    self.dir(&sub_prefix, sub_head, None, sub_cache, &entries[i..end])?;
                    i = end;
                }
            }
        }
        Ok(())
    }
}

/// The path and blob of a delta that adds content (added, modified, renamed, copied); `None`
/// for deletions and submodules.
fn added_blob(d: &git2::DiffDelta<'_>) -> Option<(String, Oid)> {
    if !matches!(
        d.status(),
        Delta::Added | Delta::Modified | Delta::Renamed | Delta::Copied | Delta::Typechange
    ) {
        return None;
    }
    let f = d.new_file();
    if f.mode() == git2::FileMode::Commit || f.id().is_zero() {
        return None;
    }
    let path = f.path()?.to_string_lossy().replace('\\', "/");
    Some((path, f.id()))
}

fn is_zero_rev(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c == '0')
}

/// Every distinct blob added or modified by the commits in `range` (`A..B`, `REV`, or all of
/// HEAD's history), with the commits that introduced it.
pub fn history(repo: &Repository, range: Option<&str>) -> Result<Collected, SourceError> {
    let mut walk = repo.revwalk()?;
    walk.set_sorting(Sort::TOPOLOGICAL | Sort::REVERSE)?;
    match range.map(str::trim).filter(|r| !r.is_empty()) {
        None => walk.push_head()?,
        Some(r) => match r.split_once("..") {
            Some((from, to)) => {
                let to = to.trim_start_matches('.');
                let to = if to.is_empty() { "HEAD" } else { to };
                if from.is_empty() || is_zero_rev(from) {
                    walk.push(repo.revparse_single(to)?.peel_to_commit()?.id())?;
                } else {
                    walk.push_range(&format!("{from}..{to}"))?;
                }
            }
            None => walk.push(repo.revparse_single(r)?.peel_to_commit()?.id())?,
        },
    }
    let mut order: Vec<(Oid, String)> = Vec::new();
    let mut introduced: HashMap<Oid, Vec<String>> = HashMap::new();
    for oid in walk {
        let commit = repo.find_commit(oid?)?;
        let tree = commit.tree()?;
        let parent_tree = match commit.parent(0) {
            Ok(p) => Some(p.tree()?),
            Err(_) => None,
        };
        let mut opts = DiffOptions::new();
        opts.ignore_submodules(true);
        let diff = repo.diff_tree_to_tree(parent_tree.as_ref(), Some(&tree), Some(&mut opts))?;
        let short = commit
            .as_object()
            .short_id()
            .ok()
            .and_then(|b| b.as_str().map(String::from))
            .unwrap_or_else(|| commit.id().to_string());
        for d in diff.deltas() {
            let Some((path, id)) = added_blob(&d) else {
                continue;
            };
            let e = introduced.entry(id).or_default();
            if e.is_empty() {
                order.push((id, path));
            }
            if !e.contains(&short) {
                e.push(short.clone());
            }
        }
    }
    let mut out = Collected::default();
    for (oid, path) in order {
        let blob = repo.find_blob(oid)?;
        let commits = introduced.remove(&oid).unwrap_or_default();
        out.push(path, blob.content().to_vec(), commits);
    }
    Ok(out)
}

/// Files and directories; directories are walked honouring `.gitignore` (only inside a git
/// repository) and skipping `.git`. Hidden files such as `.env` are included.
pub fn paths(paths: &[PathBuf]) -> Result<Collected, SourceError> {
    let mut out = Collected::default();
    for p in paths {
        if p.is_dir() {
            let walker = ignore::WalkBuilder::new(p)
                .hidden(false)
                .parents(true)
                .git_ignore(true)
                .git_exclude(true)
                .git_global(false)
                .require_git(true)
                .filter_entry(|e| e.file_name() != ".git")
                .build();
            for entry in walker {
                let entry = entry.map_err(|e| SourceError::Walk(e.to_string()))?;
                if !entry.file_type().is_some_and(|t| t.is_file()) {
                    continue;
                }
                let path = entry.path();
                let shown = path
                    .strip_prefix("./")
                    .unwrap_or(path)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push_file(shown, read(path)?);
            }
        } else {
            let shown = p.to_string_lossy().replace('\\', "/");
            let shown = shown.strip_prefix("./").unwrap_or(&shown).to_string();
            out.push_file(shown, read(p)?);
        }
    }
    Ok(out)
}

fn read(path: &Path) -> Result<Option<Vec<u8>>, SourceError> {
    let meta = std::fs::metadata(path).map_err(|e| SourceError::Io {
        path: path.display().to_string(),
        source: e,
    })?;
    if meta.len() > MAX_SIZE as u64 {
        return Ok(None);
    }
    std::fs::read(path).map(Some).map_err(|e| SourceError::Io {
        path: path.display().to_string(),
        source: e,
    })
}

/// Standard input as one blob named `-` (or `name`).
pub fn stdin(name: &str) -> Result<Collected, SourceError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .read_to_end(&mut bytes)
        .map_err(|e| SourceError::Io {
            path: "-".into(),
            source: e,
        })?;
    let mut out = Collected::default();
    out.push(name.to_string(), bytes, Vec::new());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    fn git(dir: &Path, args: &[&str]) -> String {
        let out = Command::new("git")
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@t",
                "-c",
                "core.autocrlf=false",
            ])
            .args(args)
            .current_dir(dir)
            .output()
            .expect("git runs");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn write(dir: &Path, path: &str, text: &str) {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    /// What git itself calls staged content: added, modified, copied, type-changed (renames as
    /// additions).
    fn git_staged(dir: &Path) -> Vec<String> {
        let out = git(
            dir,
            &[
                "diff",
                "--cached",
                "--name-only",
                "--no-renames",
                "--diff-filter=AMCT",
                "-z",
            ],
        );
        let mut v: Vec<String> = out
            .split('\0')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect();
        v.sort();
        v
    }

    fn ours(dir: &Path) -> (Vec<String>, Vec<String>) {
        let repo = Repository::open(dir).unwrap();
        let index = index_path(&repo);
        let head = repo.head().ok().map(|h| h.peel_to_tree().unwrap());
        let mut fast: Vec<String> = staged_by_cache_tree(&repo, &index, head.as_ref())
            .expect("index readable")
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let mut slow: Vec<String> = staged_by_libgit2(&repo, &index, head.as_ref())
            .unwrap()
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        fast.sort();
        slow.sort();
        (fast, slow)
    }

    #[test]
    fn cache_tree_walk_agrees_with_git_and_libgit2() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path();
        git(dir, &["init", "-q"]);
        // Unborn HEAD: everything staged is new.
        write(dir, "a.txt", "a");
        write(dir, "d/x.txt", "x");
        git(dir, &["add", "-A"]);
        let (fast, slow) = ours(dir);
        assert_eq!(fast, git_staged(dir));
        assert_eq!(slow, git_staged(dir));

        for d in 0..6 {
            for f in 0..4 {
                write(
                    dir,
                    &format!("p{d}/q{}/f{f}.txt", f % 2),
                    &format!("{d}{f}"),
                );
            }
        }
        write(dir, "a-b.txt", "dash sorts before slash");
        write(dir, "a.d/x", "dot sorts before slash");
        write(dir, "file-becomes-dir", "f");
        write(dir, "dir-becomes-file/x", "d");
        git(dir, &["add", "-A"]);
        git(dir, &["commit", "-qm", "base"]);
        assert!(ours(dir).0.is_empty());

        // Modify, add in old and new directories, delete, rename, chmod, type changes.
        write(dir, "p1/q0/f0.txt", "changed");
        write(dir, "p2/new.txt", "new");
        write(dir, "p9/deep/er/new.txt", "new dir");
        std::fs::remove_file(dir.join("p3/q1/f1.txt")).unwrap();
        std::fs::rename(dir.join("p4/q0/f2.txt"), dir.join("p4/renamed.txt")).unwrap();
        std::fs::remove_file(dir.join("file-becomes-dir")).unwrap();
        write(dir, "file-becomes-dir/inner", "i");
        std::fs::remove_dir_all(dir.join("dir-becomes-file")).unwrap();
        write(dir, "dir-becomes-file", "now a file");
        git(dir, &["add", "-A"]);
        git(dir, &["update-index", "--chmod=+x", "p5/q1/f3.txt"]);
        let (fast, slow) = ours(dir);
        let expected = git_staged(dir);
        assert_eq!(fast, expected);
        assert_eq!(slow, expected);

        // Without a cache-tree every directory is compared.
        git(dir, &["read-tree", "HEAD"]);
        write(dir, "p0/q0/f0.txt", "again");
        git(dir, &["add", "p0/q0/f0.txt"]);
        assert_eq!(ours(dir).0, git_staged(dir));
        assert_eq!(ours(dir).0, vec!["p0/q0/f0.txt".to_string()]);
    }
}
