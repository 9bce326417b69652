//! What each command target was last sent: one JSON file per target holding keyed
//! fingerprints (never values), so unchanged keys are not sent again.
//!
//! The default directory is `.git/secrets/sync/` in a clone (per machine, never committed);
//! CI keeps it between runs with a cache. A lost state only means every key is sent once more.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Errors reading or writing the state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The file or directory could not be read or written.
    #[error("sync state {path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a state file.
    #[error("sync state {path} is not valid: {reason} (delete it to resend every key)")]
    Invalid {
        /// The path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateFile {
    version: u32,
    target: String,
    /// Variable name → keyed fingerprint of the value last sent.
    keys: BTreeMap<String, String>,
}

/// One directory of per-target state files.
#[derive(Clone, Debug)]
pub struct StateStore {
    dir: PathBuf,
}

impl StateStore {
    /// State kept in `dir` (created 0700 on first write).
    pub fn new(dir: impl Into<PathBuf>) -> StateStore {
        StateStore { dir: dir.into() }
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn path(&self, target: &str) -> PathBuf {
        self.dir.join(format!("{target}.json"))
    }

    /// Fingerprints last sent to `target` (empty when never synced).
    pub fn load(&self, target: &str) -> Result<BTreeMap<String, String>, StateError> {
        let path = self.path(target);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        let file: StateFile = serde_json::from_str(&text).map_err(|e| StateError::Invalid {
            path: path.clone(),
            reason: e.to_string(),
        })?;
        if file.version != 1 {
            return Err(StateError::Invalid {
                path,
                reason: format!("unknown version {}", file.version),
            });
        }
        Ok(file.keys)
    }

    /// Replaces the state of `target` atomically (temp file, fsync, rename; mode 0600).
    pub fn save(&self, target: &str, keys: &BTreeMap<String, String>) -> Result<(), StateError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StateError::Io { path, source }
        };
        create_private_dir(&self.dir).map_err(io(&self.dir))?;
        let file = StateFile {
            version: 1,
            target: target.to_string(),
            keys: keys.clone(),
        };
        let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
        text.push('\n');
        let path = self.path(target);
        let mut tmp = tempfile::Builder::new()
            .prefix(".state-")
            .tempfile_in(&self.dir)
            .map_err(io(&self.dir))?;
        tmp.write_all(text.as_bytes())
            .and_then(|_| tmp.as_file().sync_all())
            .map_err(io(&path))?;
        tmp.persist(&path).map_err(|e| StateError::Io {
            path: path.clone(),
            source: e.error,
        })?;
        Ok(())
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_missing() {
        let dir = tempfile::tempdir().unwrap();
        let store = StateStore::new(dir.path().join("sync"));
        assert!(store.load("gh").unwrap().is_empty());
        let mut keys = BTreeMap::new();
        keys.insert("TOKEN".to_string(), "0123456789ab".to_string());
        store.save("gh", &keys).unwrap();
        assert_eq!(store.load("gh").unwrap(), keys);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("sync/gh.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn invalid_state_is_an_error_that_says_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("gh.json"), "nope").unwrap();
        let err = StateStore::new(dir.path()).load("gh").unwrap_err();
        assert!(err.to_string().contains("delete it"), "{err}");
    }
}
