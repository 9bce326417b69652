//! File input and output. Every write to a named file is atomic: a temporary file in the same
//! directory, fsync, rename, then fsync of the directory — so a crash or an error leaves the
//! previous file intact. Existing files keep their permissions.

use std::fs;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::report::{code, Failure, WithCode};

/// Where input comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// Standard input.
    Stdin,
    /// A file.
    File(PathBuf),
}

impl Input {
    /// `-` or no argument means stdin.
    pub fn from_arg(arg: Option<&str>) -> Input {
        match arg {
            None | Some("-") => Input::Stdin,
            Some(p) => Input::File(PathBuf::from(p)),
        }
    }

    /// Reads everything; a missing file is sops' exit 100.
    pub fn read(&self) -> Result<Vec<u8>, Failure> {
        match self {
            Input::Stdin => {
                let mut buf = Vec::new();
                std::io::stdin()
                    .read_to_end(&mut buf)
                    .context("reading standard input")
                    .code(code::COULD_NOT_READ_INPUT)?;
                Ok(buf)
            }
            Input::File(p) => match fs::read(p) {
                Ok(b) => Ok(b),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(Failure::new(
                    code::NO_FILE_SPECIFIED,
                    anyhow::anyhow!("{}: no such file", p.display()),
                )),
                Err(e) => Err(Failure::new(
                    code::COULD_NOT_READ_INPUT,
                    anyhow::Error::new(e).context(format!("reading {}", p.display())),
                )),
            },
        }
    }
}

/// Writes `bytes` to `path` atomically. New files get `new_mode` (Unix permission bits);
/// existing files keep theirs.
pub fn write_atomic(path: &Path, bytes: &[u8], new_mode: u32) -> anyhow::Result<()> {
    // Write through a symlink (as sops does) instead of replacing the link with a file.
    let resolved = resolve_symlink(path);
    let path = resolved.as_path();
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let existing_mode = fs::metadata(path).ok().map(|m| permissions_mode(&m));
    let mut tmp = tempfile::Builder::new()
        .prefix(".secrets-tmp-")
        .tempfile_in(&dir)
        .with_context(|| format!("creating a temporary file in {}", dir.display()))?;
    set_mode(tmp.path(), existing_mode.unwrap_or(new_mode))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.as_file()
        .sync_all()
        .with_context(|| format!("syncing {}", path.display()))?;
    tmp.persist(path)
        .map_err(|e| e.error)
        .with_context(|| format!("replacing {}", path.display()))?;
    if let Ok(d) = fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The file a symlink points to (following chains); other paths unchanged.
fn resolve_symlink(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !is_link {
        return path.to_path_buf();
    }
    if let Ok(p) = fs::canonicalize(path) {
        return p;
    }
    // A dangling link: create its target.
    match fs::read_link(path) {
        Ok(target) if target.is_absolute() => target,
        Ok(target) => path.parent().unwrap_or(Path::new(".")).join(target),
        Err(_) => path.to_path_buf(),
    }
}

#[cfg(unix)]
fn permissions_mode(m: &fs::Metadata) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    m.permissions().mode() & 0o7777
}

#[cfg(not(unix))]
fn permissions_mode(_: &fs::Metadata) -> u32 {
    0o644
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .with_context(|| format!("setting permissions on {}", path.display()))
}

#[cfg(not(unix))]
fn set_mode(_: &Path, _: u32) -> anyhow::Result<()> {
    Ok(())
}

/// Writes to stdout (flushing, so a broken pipe surfaces as an error).
pub fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    out.write_all(bytes)
        .and_then(|_| out.flush())
        .context("writing to standard output")
        .code(code::COULD_NOT_WRITE_OUTPUT)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_keeps_mode_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.yaml");
        write_atomic(&p, b"one", 0o600).unwrap();
        assert_eq!(fs::read(&p).unwrap(), b"one");
        #[cfg(unix)]
        {
            set_mode(&p, 0o640).unwrap();
            write_atomic(&p, b"two", 0o600).unwrap();
            assert_eq!(permissions_mode(&fs::metadata(&p).unwrap()), 0o640);
        }
        assert_eq!(fs::read(&p).unwrap(), b"two");
        let leftovers: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(leftovers.len(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_goes_through_symlinks() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("real.yaml");
        let link = dir.path().join("link.yaml");
        fs::write(&target, b"one").unwrap();
        std::os::unix::fs::symlink("real.yaml", &link).unwrap();
        write_atomic(&link, b"two", 0o600).unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read(&target).unwrap(), b"two");
    }
}
