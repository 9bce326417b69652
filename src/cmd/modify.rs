//! Shared by the verbs that change an encrypted file in place (set, unset, rotate,
//! updatekeys): open with the caller's identities, then write back atomically and git-quietly.

use std::path::{Path, PathBuf};

use secrets_sops::file::{open, reseal, Opened};
use secrets_sops::keys::{recover_data_key, IdentitySet};
use secrets_sops::store::{Format, Store};
use secrets_sops::tree::Branches;

use crate::cmd::context::Context;
use crate::io::Input;
use crate::report::{classify, code, warn, Failure, Phase};

/// An encrypted file opened for changes.
pub struct Target {
    /// Its path.
    pub path: PathBuf,
    /// Its store (format and indentation).
    pub store: Store,
    /// The bytes as read, kept so an unchanged result can be detected.
    pub original: Vec<u8>,
    /// The decrypted file.
    pub opened: Opened,
    /// The caller's identities (for the lock-out check).
    pub ids: IdentitySet,
}

/// Reads and decrypts `path` (MAC verified).
pub fn open_target(
    ctx: &Context,
    path: &Path,
    input_type: Option<&str>,
) -> Result<Target, Failure> {
    let format = input_type
        .and_then(Format::from_name)
        .unwrap_or_else(|| Format::from_path(path));
    let store = Store {
        format,
        config: ctx.store_config(None)?,
    };
    let original = Input::File(path.to_path_buf()).read()?;
    let mut ids = ctx.identities();
    let opened = open(&original, store, &mut ids, false, |m| warn(&m))
        .map_err(|e| classify(e, Phase::Decrypt))?;
    Ok(Target {
        path: path.to_path_buf(),
        store,
        original,
        opened,
        ids,
    })
}

impl Target {
    /// Re-encrypts `edited` keeping the ciphertext of unchanged values and writes it back
    /// atomically. Returns false (and leaves the file byte-identical) when nothing changed.
    pub fn write_edited(&mut self, edited: &Branches) -> Result<bool, Failure> {
        let out = reseal(&mut self.opened, edited, self.store)
            .map_err(|e| classify(e, Phase::Encrypt))?;
        match out {
            None => Ok(false),
            Some(bytes) => {
                self.write(&bytes)?;
                Ok(true)
            }
        }
    }

    /// Refuses (unless `force`) new file bytes that the caller could no longer decrypt.
    pub fn guard_lockout(&mut self, new_bytes: &[u8], force: bool) -> Result<(), Failure> {
        let (_, md) = self
            .store
            .load_encrypted(new_bytes)
            .map_err(|e| classify(e, Phase::Encrypt))?;
        if recover_data_key(&md, &mut self.ids).is_ok() {
            return Ok(());
        }
        if force {
            warn(&format!(
                "--force: after this change none of your identities can decrypt {}",
                self.path.display()
            ));
            return Ok(());
        }
        Err(Failure::new(
            code::GENERIC,
            anyhow::anyhow!(
                "refusing to change the recipients of {}: none of your identities could decrypt it afterwards",
                self.path.display()
            ),
        )
        .hint("keep one of your own recipients, or pass --force if locking yourself out is intended"))
    }

    /// Writes `bytes` over the file atomically (keeping its mode), unless they are identical.
    pub fn write(&self, bytes: &[u8]) -> Result<(), Failure> {
        if bytes == self.original.as_slice() {
            return Ok(());
        }
        crate::io::write_atomic(&self.path, bytes, 0o600)
            .map_err(|e| Failure::new(code::COULD_NOT_WRITE_OUTPUT, e))
    }
}
