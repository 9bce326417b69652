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
/// from the index.
pub fn staged(repo: &Repository) -> Result<Collected, SourceError> {
    let index = repo.index()?;
    let head_tree = match repo.head() {
        Ok(h) => Some(h.peel_to_tree()?),
        Err(_) => None,
    };
    let mut opts = DiffOptions::new();
    opts.ignore_submodules(true);
    let diff = repo.diff_tree_to_index(head_tree.as_ref(), Some(&index), Some(&mut opts))?;
    let mut out = Collected::default();
    for d in diff.deltas() {
        let Some((path, id)) = added_blob(&d) else {
            continue;
        };
        let blob = repo.find_blob(id)?;
        out.push(path, blob.content().to_vec(), Vec::new());
    }
    Ok(out)
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
