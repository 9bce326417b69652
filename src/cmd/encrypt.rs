//! `secrets encrypt`: plaintext in, sops 3.11 file out.

use anyhow::anyhow;
use secrets_sops::config::CreationRule;
use std::path::Path;

use secrets_sops::file::{encrypt_bytes, new_metadata, open, reseal, EncryptSpec};
use secrets_sops::keys::split_recipient_list;
use secrets_sops::metadata::EncryptionOptions;
use secrets_sops::rekey;
use secrets_sops::tree::SecretBranches;

use crate::cli::{EncryptArgs, EncryptionFlags};
use crate::cmd::context::{deliver, resolve_io, Context, Io};
use crate::io::Input;
use crate::report::{classify, code, Failure, Phase};

pub fn cli_options(args: &EncryptionFlags) -> EncryptionOptions {
    let s = |o: &Option<String>| o.clone().unwrap_or_default();
    EncryptionOptions {
        unencrypted_suffix: s(&args.unencrypted_suffix),
        encrypted_suffix: s(&args.encrypted_suffix),
        unencrypted_regex: s(&args.unencrypted_regex),
        encrypted_regex: s(&args.encrypted_regex),
        unencrypted_comment_regex: s(&args.unencrypted_comment_regex),
        encrypted_comment_regex: s(&args.encrypted_comment_regex),
    }
}

/// Combines the creation rule (if any) with the command line into what to encrypt with.
pub fn spec_for(
    ctx: &Context,
    name: &std::path::Path,
    age: Option<&str>,
    cli: EncryptionOptions,
    mac_only: bool,
    threshold: Option<usize>,
) -> Result<EncryptSpec, Failure> {
    if cli.count() > 1 {
        return Err(Failure::new(
            code::CONFLICTING_PARAMETERS,
            anyhow!("cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex"),
        ));
    }
    let default_rule = CreationRule::default();
    let rule = match &ctx.config {
        Some(c) if !c.creation_rules.is_empty() => c
            .rule_for(name, &ctx.cwd)
            .map_err(|e| classify(e, Phase::Encrypt))?,
        _ => &default_rule,
    };
    let age = age.filter(|a| !a.trim().is_empty());
    let key_groups = match age {
        Some(list) => vec![split_recipient_list(list).map_err(|e| classify(e, Phase::Encrypt))?],
        None => rule.key_groups.clone(),
    };
    if key_groups.iter().all(Vec::is_empty) {
        let msg = if !rule.foreign_keys.is_empty() {
            format!(
                "the matching creation rule only has {} keys; secrets encrypts to age recipients",
                rule.foreign_keys.join(", ")
            )
        } else {
            "config file not found, or has no creation rules, and no keys provided through command line options".to_string()
        };
        return Err(Failure::new(code::GENERIC, anyhow!(msg))
            .hint("pass --age age1… or add a creation rule with age recipients to .sops.yaml"));
    }
    Ok(EncryptSpec {
        key_groups,
        shamir_threshold: threshold.unwrap_or(rule.shamir_threshold),
        options: rule.options.overlay(&cli),
        mac_only_encrypted: mac_only || rule.mac_only_encrypted,
    })
}

/// `encrypt -i` of a file whose committed (HEAD) version is a sops file of the same recipients
/// and options: re-encrypt with that version's data key and IVs, so unchanged values keep their
/// committed ciphertext and unchanged data gives the committed bytes (sops #1587). `None` means
/// "encrypt from scratch" (not in git, no key, different recipients, ...).
fn quiet_over_committed(
    ctx: &Context,
    path: &Path,
    plain: &[u8],
    spec: &EncryptSpec,
    io: &Io,
) -> Option<Vec<u8>> {
    let committed = committed_bytes(path)?;
    let (_, md) = io.input_store.load_encrypted(&committed).ok()?;
    let options = new_metadata(spec, io.input_store.format).options;
    if rekey::current_groups(&md) != spec.key_groups
        || md.options != options
        || md.mac_only_encrypted != spec.mac_only_encrypted
        || md.key_groups.len() > 1
    {
        return None;
    }
    let mut ids = ctx.identities();
    let mut opened = open(&committed, io.input_store, &mut ids, false, |_| {}).ok()?;
    let branches = SecretBranches(io.input_store.load_plain(plain).ok()?);
    if io.input_store.has_metadata(&branches.0) {
        return None;
    }
    match reseal(&mut opened, &branches.0, io.output_store).ok()? {
        None => Some(committed),
        Some(out) => Some(out),
    }
}

/// `git show HEAD:./NAME` run in the file's directory; `None` outside git or when untracked.
fn committed_bytes(path: &Path) -> Option<Vec<u8>> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path.file_name()?.to_str()?;
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .arg("show")
        .arg(format!("HEAD:./{name}"))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout)
}

/// Runs `encrypt`.
pub fn run(ctx: &Context, args: &EncryptArgs) -> Result<u8, Failure> {
    crate::cmd::context::warn_extra(&args.extra);
    let io = resolve_io(ctx, args.file.as_deref(), &args.output, &args.format, true)?;
    let spec = spec_for(
        ctx,
        &io.name,
        args.enc.age.as_deref(),
        cli_options(&args.enc),
        args.enc.mac_only_encrypted,
        args.enc.shamir_secret_sharing_threshold,
    )?;
    let plain = zeroize::Zeroizing::new(io.input.read()?);
    let quiet = match (&io.input, args.output.in_place) {
        (Input::File(path), true) if io.input_store.format == io.output_store.format => {
            quiet_over_committed(ctx, path, &plain, &spec, &io)
        }
        _ => None,
    };
    let out = match quiet {
        Some(out) => out,
        None => encrypt_bytes(&plain, &spec, io.input_store, io.output_store)
            .map_err(|e| classify(e, Phase::Encrypt))?,
    };
    deliver(&io, &args.output, &out, 0o644)?;
    Ok(0)
}
