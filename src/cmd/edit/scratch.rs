//! The private directory that holds the plaintext while the editor runs, and its removal on
//! every exit path: normal return and panics (the [`Scratch`] drop guard) and SIGINT, SIGTERM
//! and SIGHUP (a signal thread sharing [`Shared`] with the main thread).

use std::ffi::OsStr;
use std::fs::{self, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Child;
use std::sync::{Arc, Mutex, MutexGuard};

use anyhow::Context as _;
use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
use signal_hook::iterator::Signals;
use zeroize::Zeroizing;

/// State the main thread and the signal thread both touch.
#[derive(Default)]
pub struct Shared {
    /// The scratch directory while it exists.
    dir: Mutex<Option<PathBuf>>,
    /// The running editor, so a signal can stop it.
    pub child: Mutex<Option<Child>>,
    /// Held while the encrypted result is being written, so a signal cannot cut that short.
    pub writing: Mutex<()>,
}

/// A poisoned lock only means another thread panicked; cleanup must still happen.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Shared {
    /// Overwrites and removes the scratch directory. The lock is held throughout, so a signal
    /// arriving meanwhile waits for the removal instead of exiting halfway.
    pub fn remove_plaintext(&self) {
        let mut dir = lock(&self.dir);
        if let Some(d) = dir.take() {
            scrub(&d);
            let _ = fs::remove_dir_all(&d);
        }
    }

    fn on_signal(&self) {
        if let Some(mut child) = lock(&self.child).take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.remove_plaintext();
        // Let a write of the encrypted file in progress finish (it is atomic anyway, but this
        // also avoids leaving its temporary file behind).
        let _writing = lock(&self.writing);
    }
}

/// Starts the thread that cleans up and exits with 128+signal on SIGINT, SIGTERM or SIGHUP.
/// Installed before any plaintext exists, so no signal can slip past it.
pub fn install_signal_cleanup(shared: Arc<Shared>) -> anyhow::Result<()> {
    let mut signals =
        Signals::new([SIGINT, SIGTERM, SIGHUP]).context("installing signal handlers")?;
    std::thread::Builder::new()
        .name("secrets-edit-signals".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                shared.on_signal();
                eprintln!("secrets: interrupted; the temporary plaintext was removed, the file is unchanged");
                std::process::exit(128 + sig);
            }
        })
        .context("starting the signal thread")?;
    Ok(())
}

/// Best effort: zero every regular file in `dir` (the plaintext, editor swap and backup files)
/// before unlinking, so the bytes do not linger on a disk-backed temp dir.
fn scrub(dir: &Path) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(meta) = entry.path().symlink_metadata() else {
            continue;
        };
        if !meta.is_file() {
            continue;
        }
        if let Ok(mut f) = OpenOptions::new().write(true).open(entry.path()) {
            let zeros = vec![0u8; 64 * 1024];
            let mut left = meta.len();
            while left > 0 {
                let n = left.min(zeros.len() as u64) as usize;
                if f.write_all(&zeros[..n]).is_err() {
                    break;
                }
                left -= n as u64;
            }
            let _ = f.sync_all();
        }
    }
}

/// Candidate parents for the scratch directory: memory-backed and per-user first, never the
/// repository.
fn bases() -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Some(x) = std::env::var_os("XDG_RUNTIME_DIR").filter(|x| !x.is_empty()) {
        out.push(PathBuf::from(x));
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        out.push(shm.to_path_buf());
    }
    out.push(std::env::temp_dir());
    out
}

/// The scratch directory and the plaintext file in it; removed when dropped.
pub struct Scratch {
    shared: Arc<Shared>,
    dir: PathBuf,
    file: PathBuf,
}

impl Scratch {
    /// Creates a 0700 directory holding (later) a file named `base_name`.
    pub fn create(shared: Arc<Shared>, base_name: &OsStr) -> anyhow::Result<Scratch> {
        let mut last_err = None;
        for base in bases() {
            let made = tempfile::Builder::new()
                .prefix("secrets-edit-")
                .permissions(dir_permissions())
                .tempdir_in(&base);
            match made {
                Ok(tmp) => {
                    let dir = tmp.keep();
                    // Recorded before anything is written, so every later exit removes it.
                    *lock(&shared.dir) = Some(dir.clone());
                    let file = dir.join(base_name);
                    return Ok(Scratch { shared, dir, file });
                }
                Err(e) => last_err = Some((base, e)),
            }
        }
        let (base, e) = last_err.expect("at least the system temp dir is tried");
        Err(anyhow::Error::new(e).context(format!(
            "creating a private directory in {}",
            base.display()
        )))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The plaintext file handed to the editor.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// (Re)writes the plaintext file, readable by the owner only.
    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        let mut f = private_options()
            .open(&self.file)
            .with_context(|| format!("creating {}", self.file.display()))?;
        set_private(&self.file)?;
        f.write_all(bytes)
            .and_then(|_| f.flush())
            .with_context(|| format!("writing {}", self.file.display()))
    }

    /// Reads what the editor left.
    pub fn read(&self) -> anyhow::Result<Zeroizing<Vec<u8>>> {
        let mut buf = Zeroizing::new(Vec::new());
        fs::File::open(&self.file)
            .and_then(|mut f| f.read_to_end(&mut buf))
            .with_context(|| format!("reading {}", self.file.display()))?;
        Ok(buf)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        self.shared.remove_plaintext();
    }
}

fn dir_permissions() -> fs::Permissions {
    use std::os::unix::fs::PermissionsExt;
    fs::Permissions::from_mode(0o700)
}

fn private_options() -> OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true).mode(0o600);
    o
}

/// An editor may have replaced the file with a more permissive one; tighten it again.
fn set_private(path: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600))
        .with_context(|| format!("setting permissions on {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drop_removes_directory() {
        let shared = Arc::new(Shared::default());
        let s = Scratch::create(shared, OsStr::new("f.yaml")).unwrap();
        s.write(b"a: 1\n").unwrap();
        let dir = s.dir().to_path_buf();
        assert!(dir.join("f.yaml").is_file());
        drop(s);
        assert!(!dir.exists());
    }
}
