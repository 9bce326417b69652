//! Whole-file operations: encrypt a plaintext, open (decrypt and verify) an encrypted file, and
//! seal a plaintext tree again with the cipher that opened it (so unchanged values keep their
//! ciphertext).

use crate::cipher::{Cipher, DataKey};
use crate::crypt::{decrypt_tree, encrypt_tree, seal_mac, verify_mac};
use crate::error::{Error, Result};
use crate::gofmt::GoTime;
use crate::keys::{build_key_groups, recover_data_key, IdentitySet};
use crate::metadata::{EncryptionOptions, Metadata, SOPS_VERSION};
use crate::store::{Format, Store};
use crate::tree::{Branches, SecretBranches};

/// What a new encrypted file should look like.
#[derive(Clone, Debug, Default)]
pub struct EncryptSpec {
    /// Age recipients per key group.
    pub key_groups: Vec<Vec<String>>,
    /// Shamir threshold (0 = number of groups; written only when non-zero).
    pub shamir_threshold: usize,
    /// Partial-encryption option (sops' default is applied when empty).
    pub options: EncryptionOptions,
    /// MAC only the encrypted values.
    pub mac_only_encrypted: bool,
}

/// A decrypted file: plaintext branches (wiped on drop), its metadata, and the cipher that
/// decrypted it (holding the IVs of every value, for quiet re-encryption).
pub struct Opened {
    /// Plaintext tree.
    pub branches: SecretBranches,
    /// The file's metadata.
    pub metadata: Metadata,
    /// Cipher with the data key and the IV stash.
    pub cipher: Cipher,
    /// The MAC computed over the plaintext.
    pub mac: String,
}

impl std::fmt::Debug for Opened {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Opened")
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

/// Builds fresh metadata (without key material) for `spec` as sops would write it.
pub fn new_metadata(spec: &EncryptSpec, format: Format) -> Metadata {
    let options = if format == Format::Binary {
        EncryptionOptions::default()
    } else {
        spec.options.clone().with_default()
    };
    Metadata {
        shamir_threshold: spec.shamir_threshold,
        options,
        mac_only_encrypted: spec.mac_only_encrypted,
        version: SOPS_VERSION.to_string(),
        ..Metadata::default()
    }
}

/// Encrypts plaintext `branches` into a new file (new data key).
pub fn encrypt_branches(
    mut branches: Branches,
    spec: &EncryptSpec,
    input: Store,
    output: Store,
) -> Result<Vec<u8>> {
    spec.options.validate()?;
    if input.has_metadata(&branches) {
        return Err(Error::AlreadyEncrypted);
    }
    if branches.is_empty() {
        return Err(Error::EmptyYaml);
    }
    let mut md = new_metadata(spec, input.format);
    let key = DataKey::generate();
    md.key_groups = build_key_groups(&spec.key_groups, spec.shamir_threshold, &key)?;
    // With one group sops keeps a configured threshold in the metadata; with several it writes
    // the effective one.
    if md.key_groups.len() > 1 && md.shamir_threshold == 0 {
        md.shamir_threshold = md.key_groups.len();
    }
    let mut cipher = Cipher::new(key);
    let mac = encrypt_tree(&mut branches, &md, &mut cipher)?;
    seal_mac(&mut md, &mut cipher, &mac, GoTime::now_utc())?;
    output.emit_encrypted(&branches, &md)
}

/// Parses and encrypts a plaintext file.
pub fn encrypt_bytes(
    plain: &[u8],
    spec: &EncryptSpec,
    input: Store,
    output: Store,
) -> Result<Vec<u8>> {
    let branches = input.load_plain(plain)?;
    encrypt_branches(branches, spec, input, output)
}

/// Loads an encrypted file, recovers the data key, decrypts every value and checks the MAC
/// (unless `ignore_mac`). `warn` receives non-fatal notices (never values). The returned
/// cipher remembers every IV, ready for [`seal`].
pub fn open(
    bytes: &[u8],
    store: Store,
    identities: &mut IdentitySet,
    ignore_mac: bool,
    warn: impl FnMut(String),
) -> Result<Opened> {
    open_with(bytes, store, identities, ignore_mac, true, warn)
}

/// Like [`open`], for output only: no IVs are remembered (faster on large files).
pub fn open_read_only(
    bytes: &[u8],
    store: Store,
    identities: &mut IdentitySet,
    ignore_mac: bool,
    warn: impl FnMut(String),
) -> Result<Opened> {
    open_with(bytes, store, identities, ignore_mac, false, warn)
}

fn open_with(
    bytes: &[u8],
    store: Store,
    identities: &mut IdentitySet,
    ignore_mac: bool,
    remember_ivs: bool,
    warn: impl FnMut(String),
) -> Result<Opened> {
    let (mut branches, metadata) = store.load_encrypted(bytes)?;
    if metadata.version.is_empty() {
        return Err(Error::VersionEmpty);
    }
    let key = recover_data_key(&metadata, identities)?;
    let mut cipher = if remember_ivs {
        Cipher::new(key)
    } else {
        Cipher::read_only(key)
    };
    let mac = decrypt_tree(&mut branches, &metadata, &mut cipher, warn)?;
    if !ignore_mac {
        verify_mac(&metadata, &mut cipher, &mac)?;
    }
    Ok(Opened {
        branches: SecretBranches(branches),
        metadata,
        cipher,
        mac,
    })
}

/// Re-encrypts a plaintext tree with an opened file's key and IV stash. When the plaintext
/// MAC is unchanged and `quiet` is set, `lastmodified` and the MAC are kept as they were.
pub fn seal(
    plain: &Branches,
    metadata: &mut Metadata,
    cipher: &mut Cipher,
    previous_mac: Option<&str>,
    output: Store,
) -> Result<Vec<u8>> {
    let mut branches = plain.clone();
    let mac = encrypt_tree(&mut branches, metadata, cipher)?;
    if previous_mac != Some(mac.as_str()) {
        seal_mac(metadata, cipher, &mac, GoTime::now_utc())?;
    }
    let out = output.emit_encrypted(&branches, metadata);
    crate::tree::SecretBranches(branches);
    out
}

/// Writes an edited plaintext back the git-quiet way. Returns `None` when `edited` equals the
/// opened plaintext (the caller keeps the file byte-identical). Otherwise unchanged values keep
/// their ciphertext through the IV stash, so only changed values, `lastmodified` and the MAC
/// differ from the previous file.
pub fn reseal(opened: &mut Opened, edited: &Branches, output: Store) -> Result<Option<Vec<u8>>> {
    if edited == &opened.branches.0 {
        return Ok(None);
    }
    let previous_mac = opened.mac.clone();
    seal(
        edited,
        &mut opened.metadata,
        &mut opened.cipher,
        Some(&previous_mac),
        output,
    )
    .map(Some)
}

/// `filestatus`: does the file carry sops metadata with a version and a MAC? Errors only when
/// the file does not parse in its format.
pub fn is_encrypted(bytes: &[u8], store: Store) -> Result<bool> {
    match store.load_encrypted(bytes) {
        Ok((_, md)) => Ok(!md.version.is_empty() && !md.mac.is_empty()),
        Err(e @ Error::Parse { .. }) => Err(e),
        Err(_) => Ok(false),
    }
}
