//! `secrets init`, step 1: the caller's age identity. An identity sops would already find is
//! used as it is; otherwise a new one is created where sops looks (or at `--key-file`). Only
//! public keys ever leave this module.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::str::FromStr;

use anyhow::anyhow;
use secrets_sops::gofmt::GoTime;
use secrets_sops::keys::{generate_identity, parse_identities, KeySources};
use zeroize::Zeroizing;

use crate::cmd::keygen::create_private;
use crate::report::{code, warn, Failure};

const ENV_AGE_KEY: &str = "SOPS_AGE_KEY";
const ENV_AGE_KEY_FILE: &str = "SOPS_AGE_KEY_FILE";
const ENV_AGE_KEY_CMD: &str = "SOPS_AGE_KEY_CMD";

/// The caller's identity, by its public half.
pub(super) struct Mine {
    /// The recipient written into a new `.sops.yaml`.
    pub recipient: String,
    /// Every X25519 recipient found (an existing `.sops.yaml` may list any of them).
    pub all: Vec<String>,
}

/// Where an identity was (or was not) found.
struct Source {
    /// `SOPS_AGE_KEY`, `SOPS_AGE_KEY_FILE=/path`, a path, ...
    place: String,
    /// The X25519 recipients of the identities there.
    recipients: Vec<String>,
}

/// The recipients (public keys) of the X25519 identities in `text`, after checking the text
/// the way sops parses identity files. The identities themselves are dropped (and wiped).
fn recipients_in(text: &str) -> Result<Vec<String>, String> {
    parse_identities(text)?;
    let mut out = Vec::new();
    for raw in text.split('\n') {
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        if line.starts_with("AGE-SECRET-KEY-1") {
            let id = age::x25519::Identity::from_str(line)
                .map_err(|_| "malformed AGE-SECRET-KEY-1 identity".to_string())?;
            let recipient = id.to_public().to_string();
            if !out.contains(&recipient) {
                out.push(recipient);
            }
        }
    }
    Ok(out)
}

/// Reads an identity file: `Ok(None)` when it does not exist.
fn read_file(path: &Path) -> Result<Option<Vec<String>>, String> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let bytes = Zeroizing::new(bytes);
            let text = std::str::from_utf8(&bytes).map_err(|_| "not UTF-8 text".to_string())?;
            recipients_in(text).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs `SOPS_AGE_KEY_CMD` (no shell, shell-like splitting, as `secrets` does when decrypting)
/// and reads the identities it prints. `SOPS_AGE_RECIPIENT` is not set: there is no file yet.
fn run_key_cmd(command: &str) -> Result<Vec<String>, String> {
    let words = shlex::split(command).ok_or("cannot split the command line")?;
    let (program, args) = words.split_first().ok_or("the command is empty")?;
    let out = Command::new(program)
        .args(args)
        .env_remove("SOPS_AGE_RECIPIENT")
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let stdout = Zeroizing::new(out.stdout);
    if !out.status.success() {
        return Err(format!("{program} exited with {}", out.status));
    }
    let text = std::str::from_utf8(&stdout).map_err(|_| "output is not UTF-8".to_string())?;
    recipients_in(text)
}

/// Every X25519 identity sops would find for this process, in sops' order (SSH keys aside:
/// `init` gives you an age identity). `SOPS_AGE_KEY_CMD` only runs when no other source has
/// one. Broken sources are returned as errors next to what was found.
fn discover(sources: &KeySources) -> (Vec<Source>, Vec<String>) {
    fn take(
        found: &mut Vec<Source>,
        errors: &mut Vec<String>,
        place: String,
        result: Result<Option<Vec<String>>, String>,
    ) {
        match result {
            Ok(Some(recipients)) if !recipients.is_empty() => {
                found.push(Source { place, recipients })
            }
            Ok(_) => {}
            Err(e) => errors.push(format!("{place}: {e}")),
        }
    }
    let (mut found, mut errors) = (Vec::new(), Vec::new());
    if let Some(text) = &sources.age_key {
        let place = format!("${ENV_AGE_KEY}");
        take(
            &mut found,
            &mut errors,
            place,
            recipients_in(text).map(Some),
        );
    }
    if let Some(path) = &sources.age_key_file {
        let place = format!("{ENV_AGE_KEY_FILE}={}", path.display());
        take(&mut found, &mut errors, place, read_file(path));
    }
    if let Some(path) = sources.default_keys_file() {
        if sources.age_key_file.as_deref() != Some(path.as_path()) {
            let place = path.display().to_string();
            take(&mut found, &mut errors, place, read_file(&path));
        }
    }
    if found.is_empty() {
        if let Some(cmd) = &sources.age_key_cmd {
            let place = format!("${ENV_AGE_KEY_CMD}");
            take(&mut found, &mut errors, place, run_key_cmd(cmd).map(Some));
        }
    }
    (found, errors)
}

/// True when sops (and `secrets`) would read identities from `path` in this environment.
fn sops_reads(sources: &KeySources, path: &Path) -> bool {
    let same = |p: &Path| {
        p == path || matches!((p.canonicalize(), path.canonicalize()), (Ok(a), Ok(b)) if a == b)
    };
    sources.age_key_file.as_deref().is_some_and(same)
        || sources.default_keys_file().as_deref().is_some_and(same)
}

/// Finds the caller's identity or creates one, printing one report line. Never prints, logs
/// or returns a secret.
pub(super) fn find_or_create(key_file: Option<&Path>, cwd: &Path) -> Result<Mine, Failure> {
    let sources = KeySources::from_env();
    let (found, errors) = discover(&sources);
    if let Some(first) = found.first() {
        for e in &errors {
            warn(&format!("ignoring an identity source: {e}"));
        }
        let all: Vec<String> = found
            .iter()
            .flat_map(|s| s.recipients.iter().cloned())
            .fold(Vec::new(), |mut acc, r| {
                if !acc.contains(&r) {
                    acc.push(r);
                }
                acc
            });
        let recipient = first.recipients[0].clone();
        super::step(
            super::Status::Kept,
            &first.place,
            &format!("your age identity; public key {recipient}"),
        );
        if all.len() > 1 {
            println!(
                "         ({} identities found; the first is used for a new .sops.yaml)",
                all.len()
            );
        }
        if let Some(k) = key_file {
            warn(&format!(
                "--key-file {} not used: you already have an identity",
                k.display()
            ));
        }
        return Ok(Mine { recipient, all });
    }
    if !errors.is_empty() {
        return Err(Failure::new(
            code::GENERIC,
            anyhow!(
                "cannot read your age identity ({}); not creating another one",
                errors.join("; ")
            ),
        )
        .hint("fix or unset the variable or file named above, then run `secrets init` again"));
    }

    let path: PathBuf = match key_file {
        Some(p) if p.is_absolute() => p.to_path_buf(),
        Some(p) => cwd.join(p),
        None => match sources
            .age_key_file
            .clone()
            .or_else(|| sources.default_keys_file())
        {
            Some(p) => p,
            None => {
                return Err(Failure::new(
                    code::GENERIC,
                    anyhow!("no place for your identity: neither HOME nor XDG_CONFIG_HOME is set"),
                )
                .hint("pass --key-file FILE"))
            }
        },
    };
    let shown = path.display().to_string();
    let recipient = match read_file(&path) {
        Ok(Some(recipients)) if !recipients.is_empty() => {
            let recipient = recipients[0].clone();
            super::step(
                super::Status::Kept,
                &shown,
                &format!("your age identity; public key {recipient}"),
            );
            recipient
        }
        Ok(Some(_)) => {
            return Err(Failure::new(
                code::GENERIC,
                anyhow!("{shown} exists but holds no age identity; not overwriting it"),
            )
            .hint("move it away, or pass --key-file FILE for a new identity"))
        }
        Err(e) => {
            return Err(Failure::new(
                code::GENERIC,
                anyhow!("cannot read {shown}: {e}; not overwriting it"),
            )
            .hint("move it away, or pass --key-file FILE for a new identity"))
        }
        Ok(None) => {
            let new = generate_identity(&GoTime::now_utc().rfc3339());
            create_private(&path, new.text.as_bytes())?;
            super::step(
                super::Status::Created,
                &shown,
                &format!("your age identity, mode 0600; public key {}", new.recipient),
            );
            println!("         back it up: whoever loses it loses access to every file encrypted only to it");
            new.recipient.clone()
        }
    };
    if !sops_reads(&sources, &path) {
        warn(&format!(
            "sops and secrets do not look in {shown}; add `export {ENV_AGE_KEY_FILE}={}` to your shell profile",
            shlex::try_quote(&shown).unwrap_or_else(|_| shown.clone().into())
        ));
    }
    Ok(Mine {
        all: vec![recipient.clone()],
        recipient,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_come_from_identities_only() {
        let new = generate_identity("2026-01-01T00:00:00Z");
        let got = recipients_in(&new.text).unwrap();
        assert_eq!(got, vec![new.recipient.clone()]);
        assert!(recipients_in("# only a comment\n").unwrap().is_empty());
        assert!(recipients_in("garbage\n").is_err());
    }
}
