//! `secrets merge-driver %O %A %B %P`: three-way merge of sops files key by key.
//!
//! The three versions are decrypted in memory (MACs verified), merged with
//! `secrets_sops::merge`, and re-encrypted once. Plaintext never reaches a file. On a conflict
//! %A is left as ours (byte-identical), the conflicting key paths go to stderr and into the
//! conflict record under the git dir, and the exit code is 1 so git marks the path conflicted.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{anyhow, Context as _};
use secrets_sops::crypt::decrypt_tree;
use secrets_sops::file::{open, reseal, Opened};
use secrets_sops::merge::merge;
use secrets_sops::metadata::{EncryptionOptions, Metadata};
use secrets_sops::store::Store;
use secrets_sops::tree::{Branches, SecretBranches};

use crate::cli::MergeDriverArgs;
use crate::cmd::conflicts;
use crate::cmd::context::Context;
use crate::cmd::git::detect_store;
use crate::report::{classify, code, warn, Failure, Phase, WithCode};

/// Runs the verb.
pub fn run(ctx: &Context, args: &MergeDriverArgs) -> Result<u8, Failure> {
    let read = |p: &Path| {
        std::fs::read(p)
            .with_context(|| format!("reading {}", p.display()))
            .code(code::COULD_NOT_READ_INPUT)
    };
    let ours_bytes = read(&args.ours)?;
    let theirs_bytes = read(&args.theirs)?;
    // A file added on both branches has an empty (or, from some callers, missing) base.
    let base_bytes = match std::fs::read(&args.base) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Failure::new(code::COULD_NOT_READ_INPUT, e)),
    };
    let shown = args
        .path
        .clone()
        .unwrap_or_else(|| args.ours.clone())
        .display()
        .to_string();
    let config = ctx.store_config(None)?;
    let name = args.path.as_deref().unwrap_or(&args.ours);
    let store = detect_store(&ours_bytes, Some(name), config)
        .or_else(|| detect_store(&theirs_bytes, Some(name), config));
    let Some(store) = store else {
        // Not a sops file on either side (a broad pattern caught a plain file): git's own
        // text merge, so the driver never makes ordinary files worse.
        return text_merge(args);
    };

    let mut ids = ctx.identities();
    let mut open_side = |bytes: &[u8], which: &str| -> Result<Opened, Failure> {
        open(bytes, store, &mut ids, false, |m| warn(&m)).map_err(|e| {
            let f = classify(e, Phase::Decrypt);
            Failure {
                error: f
                    .error
                    .context(format!("cannot merge {shown}: decrypting {which} version")),
                ..f
            }
        })
    };
    let mut ours = open_side(&ours_bytes, "our")?;
    let mut theirs = open_side(&theirs_bytes, "their")?;
    let base = if base_bytes.iter().all(u8::is_ascii_whitespace) {
        None
    } else {
        Some(open_side(&base_bytes, "the base")?)
    };
    let empty = Branches::new();
    let base_tree = base.as_ref().map(|b| &b.branches.0).unwrap_or(&empty);

    let take_theirs_metadata = choose_metadata(base.as_ref(), &ours, &theirs).map_err(|what| {
        Failure::new(
            code::GENERIC,
            anyhow!("cannot merge {shown}: {what}; the file was left as ours"),
        )
        .hint(
            "resolve by hand: keep one version, apply the other side's value changes with \
             `secrets edit`, then `secrets updatekeys` or `secrets rotate`",
        )
    })?;

    let merged = merge(base_tree, &ours.branches.0, &theirs.branches.0);
    for n in &merged.notes {
        warn(&format!("{shown}: {n}"));
    }
    let git_dir = git_dir();
    let repo_path = args.path.as_ref().map(|p| slash_path(p));
    if !merged.conflicts.is_empty() {
        eprintln!(
            "secrets: {shown}: {} conflicting key(s), changed differently on both branches:",
            merged.conflicts.len()
        );
        for k in &merged.conflicts {
            let text = conflicts::key_path_string(k);
            eprintln!(
                "  {}",
                if text.is_empty() {
                    "(the document list)"
                } else {
                    &text
                }
            );
        }
        match (&git_dir, &repo_path) {
            (Some(dir), Some(rel)) => {
                conflicts::record(dir, rel, &merged.conflicts, &theirs_bytes).map_err(|e| {
                    Failure::new(code::COULD_NOT_WRITE_OUTPUT, e)
                        .hint("the file was left as ours; resolve it by hand")
                })?;
                eprintln!("secrets: {shown} was left as ours; run `secrets edit {rel}` to resolve");
            }
            _ => warn("no git directory or repository path: no conflict record was written"),
        }
        return Ok(1);
    }

    // Re-encrypt once, with the cipher of the side whose metadata we keep (the carrier).
    let (carrier, carrier_bytes, other) = if take_theirs_metadata {
        (&mut theirs, &theirs_bytes, &mut ours)
    } else {
        (&mut ours, &ours_bytes, &mut theirs)
    };
    prime_cipher(carrier, carrier_bytes, other, store)?;
    let out =
        reseal(carrier, &merged.branches.0, store).map_err(|e| classify(e, Phase::Encrypt))?;
    let out = match out {
        Some(bytes) => Some(bytes),
        None if take_theirs_metadata => Some(theirs_bytes.clone()),
        None => None, // the merge is ours exactly: %A stays byte-identical
    };
    if let Some(bytes) = out {
        crate::io::write_atomic(&args.ours, &bytes, 0o600).code(code::COULD_NOT_WRITE_OUTPUT)?;
    }
    if let (Some(dir), Some(rel)) = (&git_dir, &repo_path) {
        conflicts::clear_in(dir, rel);
    }
    Ok(0)
}

/// Whose metadata (recipients, settings, data key) the result keeps: `Ok(true)` for theirs.
/// The side that changed it wins; a change on both sides, differently, is an error naming what.
/// A data key replaced on one side (`rotate`) also wins, so a rotation is never undone.
fn choose_metadata(
    base: Option<&Opened>,
    ours: &Opened,
    theirs: &Opened,
) -> Result<bool, &'static str> {
    let (po, pt) = (policy(&ours.metadata), policy(&theirs.metadata));
    let pb = base.map(|b| policy(&b.metadata));
    // Compared in place: no copies of key material.
    let same_key = |a: &Opened, b: &Opened| a.cipher.key().expose() == b.cipher.key().expose();
    // Which side replaced the data key, if exactly one did.
    let differ = !same_key(ours, theirs);
    let theirs_rotated = differ && base.is_some_and(|b| same_key(b, ours));
    let ours_rotated = differ && base.is_some_and(|b| same_key(b, theirs));
    if po == pt {
        Ok(theirs_rotated)
    } else if pb.as_ref() == Some(&pt) {
        if theirs_rotated {
            return Err("our branch changed the recipients or encryption settings while theirs rotated the data key");
        }
        Ok(false)
    } else if pb.as_ref() == Some(&po) {
        if ours_rotated {
            return Err("their branch changed the recipients or encryption settings while ours rotated the data key");
        }
        Ok(true)
    } else {
        Err("recipients or encryption settings were changed differently on both branches")
    }
}

/// What decides how values are encrypted and for whom: recipients per group, the Shamir
/// threshold and the partial-encryption options. Wrapped data keys (`enc`) are not compared:
/// they differ every time a file is re-wrapped for the same recipients.
fn policy(md: &Metadata) -> (Vec<Vec<String>>, usize, EncryptionOptions, bool) {
    (
        md.key_groups
            .iter()
            .map(|g| g.0.iter().map(|k| k.label()).collect())
            .collect(),
        md.shamir_threshold,
        md.options.clone(),
        md.mac_only_encrypted,
    )
}

/// When both sides share the data key, teaches the carrier's cipher the other side's IVs, so
/// values taken from the other side keep their exact ciphertext. The carrier's own tree is
/// decrypted again afterwards so that, for a value both sides hold, the carrier's IV wins and
/// its unchanged lines stay byte-identical.
fn prime_cipher(
    carrier: &mut Opened,
    carrier_bytes: &[u8],
    other: &mut Opened,
    store: Store,
) -> Result<(), Failure> {
    if carrier.cipher.key().expose() != other.cipher.key().expose() {
        return Ok(());
    }
    let (raw, md) = store
        .load_encrypted(carrier_bytes)
        .map_err(|e| classify(e, Phase::Decrypt))?;
    let mut raw = SecretBranches(raw);
    decrypt_tree(&mut raw.0, &md, &mut other.cipher, |_| {})
        .map_err(|e| classify(e, Phase::Decrypt))?;
    std::mem::swap(&mut carrier.cipher, &mut other.cipher);
    Ok(())
}

/// git's own line merge for files that are not sops files (`git merge-file` writes %A).
fn text_merge(args: &MergeDriverArgs) -> Result<u8, Failure> {
    let status = Command::new("git")
        .arg("merge-file")
        .args(["-L", "ours", "-L", "base", "-L", "theirs"])
        .arg(&args.ours)
        .arg(&args.base)
        .arg(&args.theirs)
        .stdin(Stdio::null())
        .status()
        .map_err(|e| Failure::new(code::GENERIC, anyhow!("cannot run git merge-file: {e}")))?;
    Ok(if status.success() { 0 } else { 1 })
}

/// The git dir: `$GIT_DIR` (set for drivers), else `git rev-parse --git-dir`.
fn git_dir() -> Option<PathBuf> {
    let cwd = std::env::current_dir().ok()?;
    if let Some(d) = std::env::var_os("GIT_DIR").filter(|d| !d.is_empty()) {
        return Some(cwd.join(d));
    }
    conflicts::git_dir_of(&cwd)
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}
