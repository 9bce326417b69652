//! age recipients and identities: wrapping the data key for each recipient, finding the
//! caller's identities the way sops does, and recovering the data key (with Shamir when there
//! are several key groups).

mod discovery;

pub use discovery::{parse_identities, CommandRunner, IdentitySet, KeySources, SearchedPlace};

use std::io::{Read, Write};
use std::str::FromStr;

use zeroize::Zeroizing;

use crate::cipher::DataKey;
use crate::error::{Error, Result};
use crate::metadata::{AgeKey, KeyGroup, MasterKey, Metadata};
use crate::shamir;

/// A new age X25519 identity, as `age-keygen` writes it.
pub struct NewIdentity {
    /// The identity file's text: `# created:` and `# public key:` comments, then the
    /// `AGE-SECRET-KEY-1…` line. Wiped on drop.
    pub text: Zeroizing<String>,
    /// The public recipient (`age1…`).
    pub recipient: String,
}

/// Generates an identity; `created` is the RFC 3339 time written in its comment.
pub fn generate_identity(created: &str) -> NewIdentity {
    use age::secrecy::ExposeSecret;
    let identity = age::x25519::Identity::generate();
    let recipient = identity.to_public().to_string();
    let text = Zeroizing::new(format!(
        "# created: {created}\n# public key: {recipient}\n{}\n",
        identity.to_string().expose_secret()
    ));
    NewIdentity { text, recipient }
}

/// A recipient string sops accepts, parsed.
#[derive(Debug)]
pub enum Recipient {
    /// `age1…` X25519.
    X25519(age::x25519::Recipient),
    /// `ssh-ed25519 …` / `ssh-rsa …` (the whole authorized_keys line is kept as the label).
    Ssh(age::ssh::Recipient),
}

impl Recipient {
    /// Parses one recipient using sops' rules (post-quantum and plugin recipients are refused
    /// with a clear message: this build cannot use them).
    pub fn parse(s: &str) -> Result<Recipient> {
        let s = s.trim();
        if s.starts_with("age1pq1") {
            return Err(Error::Recipient(format!(
                "post-quantum age recipient {s:.20}… is not supported by this build"
            )));
        }
        if let Some(body) = s.strip_prefix("age1") {
            if body.contains('1') {
                return Err(Error::Recipient(format!(
                    "age plugin recipient {s:.24}… is not supported by this build"
                )));
            }
            return age::x25519::Recipient::from_str(s)
                .map(Recipient::X25519)
                .map_err(|e| Error::Recipient(format!("invalid age recipient {s:?}: {e}")));
        }
        if s.starts_with("ssh-") {
            return age::ssh::Recipient::from_str(s)
                .map(Recipient::Ssh)
                .map_err(|e| Error::Recipient(format!("invalid SSH recipient {s:?}: {e:?}")));
        }
        Err(Error::Recipient(format!(
            "failed to parse input, unknown recipient type: {s:?}"
        )))
    }

    fn as_dyn(&self) -> &dyn age::Recipient {
        match self {
            Recipient::X25519(r) => r,
            Recipient::Ssh(r) => r,
        }
    }
}

/// Splits a comma-separated recipient list like sops' `--age`: parts are trimmed, an empty part
/// is an error, duplicates are kept.
pub fn split_recipient_list(list: &str) -> Result<Vec<String>> {
    list.split(',')
        .map(|part| {
            let part = part.trim();
            if part.is_empty() {
                Err(Error::Recipient(format!(
                    "empty recipient in list {list:?}"
                )))
            } else {
                Ok(part.to_string())
            }
        })
        .collect()
}

/// Encrypts `secret` to one recipient as an ASCII-armored age file (one file per recipient, as
/// sops writes them).
pub fn wrap_for(recipient: &str, secret: &[u8]) -> Result<AgeKey> {
    let parsed = Recipient::parse(recipient)?;
    let fail = |e: String| Error::Recipient(format!("could not encrypt to {recipient:.24}…: {e}"));
    let encryptor = age::Encryptor::with_recipients(std::iter::once(parsed.as_dyn()))
        .map_err(|e| fail(e.to_string()))?;
    let mut out = Vec::new();
    {
        let armor =
            age::armor::ArmoredWriter::wrap_output(&mut out, age::armor::Format::AsciiArmor)
                .map_err(|e| fail(e.to_string()))?;
        let mut writer = encryptor
            .wrap_output(armor)
            .map_err(|e| fail(e.to_string()))?;
        writer.write_all(secret).map_err(|e| fail(e.to_string()))?;
        writer
            .finish()
            .and_then(|armor| armor.finish())
            .map_err(|e| fail(e.to_string()))?;
    }
    let mut enc = String::from_utf8(out).map_err(|e| fail(e.to_string()))?;
    if !enc.ends_with('\n') {
        enc.push('\n');
    }
    Ok(AgeKey {
        recipient: recipient.trim().to_string(),
        enc,
    })
}

/// Decrypts one armored age block with any of `identities`.
pub(crate) fn unwrap_with(
    enc: &str,
    identities: &[Box<dyn age::Identity + Send + Sync>],
) -> std::result::Result<Zeroizing<Vec<u8>>, String> {
    if identities.is_empty() {
        return Err("no identities loaded".into());
    }
    let reader = age::armor::ArmoredReader::new(enc.as_bytes());
    let decryptor = age::Decryptor::new(reader).map_err(|e| e.to_string())?;
    let mut stream = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .map_err(|e| e.to_string())?;
    let mut out = Zeroizing::new(Vec::new());
    stream.read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// Builds key groups for a new data key: one armored block per recipient, with Shamir shares
/// when there are two or more groups.
pub fn build_key_groups(
    groups: &[Vec<String>],
    threshold: usize,
    key: &DataKey,
) -> Result<Vec<KeyGroup>> {
    if groups.is_empty() || groups.iter().all(Vec::is_empty) {
        return Err(Error::NoKeys);
    }
    let shares: Vec<Zeroizing<Vec<u8>>> = if groups.len() > 1 {
        let threshold = if threshold == 0 {
            groups.len()
        } else {
            threshold
        };
        shamir::split(key.expose(), groups.len(), threshold).map_err(Error::Shamir)?
    } else {
        vec![Zeroizing::new(key.expose().to_vec())]
    };
    groups
        .iter()
        .zip(shares.iter())
        .map(|(recipients, secret)| {
            recipients
                .iter()
                .map(|r| wrap_for(r, secret).map(MasterKey::Age))
                .collect::<Result<Vec<_>>>()
                .map(KeyGroup)
        })
        .collect()
}

/// Re-wraps an existing data key (or its shares) for the recipients of `md` that have no `enc`
/// yet, and for all of them when `rewrap_all`.
pub fn wrap_missing(md: &mut Metadata, key: &DataKey, rewrap_all: bool) -> Result<()> {
    let shares: Vec<Zeroizing<Vec<u8>>> = if md.key_groups.len() > 1 {
        let n = md.key_groups.len();
        let t = md.effective_threshold().min(n).max(2);
        shamir::split(key.expose(), n, t).map_err(Error::Shamir)?
    } else {
        vec![Zeroizing::new(key.expose().to_vec())]
    };
    let rewrap_all = rewrap_all || md.key_groups.len() > 1;
    for (group, secret) in md.key_groups.iter_mut().zip(shares.iter()) {
        for mk in group.0.iter_mut() {
            if let MasterKey::Age(a) = mk {
                if rewrap_all || a.enc.is_empty() {
                    *a = wrap_for(&a.recipient, secret)?;
                }
            }
        }
    }
    Ok(())
}

/// Outcome of trying one master key, for the failure report.
struct KeyAttempt {
    label: String,
    error: Option<String>,
}

/// Recovers the data key from the metadata with the caller's identities.
pub fn recover_data_key(md: &Metadata, ids: &mut IdentitySet) -> Result<DataKey> {
    if md.key_groups.is_empty() {
        return Err(Error::NoKeys);
    }
    let mut parts: Vec<Zeroizing<Vec<u8>>> = Vec::new();
    let mut report: Vec<(bool, Vec<KeyAttempt>)> = Vec::new();
    for group in &md.key_groups {
        let mut attempts = Vec::new();
        let mut part = None;
        // sops' default decryption order: age first, then the rest in file order.
        let ordered = group.age_keys().map(|a| MasterKey::Age(a.clone())).chain(
            group
                .0
                .iter()
                .filter(|k| !matches!(k, MasterKey::Age(_)))
                .cloned(),
        );
        for key in ordered {
            match &key {
                MasterKey::Age(a) => match ids.unwrap(a) {
                    Ok(secret) => {
                        part = Some(secret);
                        attempts.push(KeyAttempt {
                            label: key.label(),
                            error: None,
                        });
                        break;
                    }
                    Err(e) => attempts.push(KeyAttempt {
                        label: key.label(),
                        error: Some(e),
                    }),
                },
                MasterKey::Foreign { kind, .. } => attempts.push(KeyAttempt {
                    label: key.label(),
                    error: Some(format!(
                        "{kind} keys are not supported by secrets; use an age key"
                    )),
                }),
            }
        }
        report.push((part.is_some(), attempts));
        if let Some(p) = part {
            parts.push(p);
        }
    }
    let failure = |report: &[(bool, Vec<KeyAttempt>)], extra: Option<String>| {
        let mut text = String::new();
        for (i, (ok, attempts)) in report.iter().enumerate() {
            text.push_str(&format!(
                "\nGroup {i}: {}\n",
                if *ok { "OK" } else { "FAILED" }
            ));
            for a in attempts {
                match &a.error {
                    None => text.push_str(&format!("  {}: OK\n", a.label)),
                    Some(e) => text.push_str(&format!("  {}: FAILED\n    - {e}\n", a.label)),
                }
            }
        }
        text.push_str(&format!(
            "\nIdentity sources searched:\n{}",
            ids.searched_report()
        ));
        if let Some(extra) = extra {
            text.push('\n');
            text.push_str(&extra);
        }
        Error::DataKey(text)
    };
    let key_bytes: Zeroizing<Vec<u8>> = if md.key_groups.len() > 1 {
        if parts.len() < md.shamir_threshold {
            return Err(failure(
                &report,
                Some(format!(
                    "Recovery failed because the file was encrypted with a Shamir threshold of {}, \
                     but only {} part(s) were successfully recovered, one for each successful key group.",
                    md.shamir_threshold,
                    parts.len()
                )),
            ));
        }
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        shamir::combine(&refs).map_err(|e| {
            failure(
                &report,
                Some(format!("could not combine Shamir parts: {e}")),
            )
        })?
    } else {
        match parts.pop() {
            Some(p) => p,
            None => return Err(failure(&report, None)),
        }
    };
    DataKey::from_slice(&key_bytes).ok_or_else(|| Error::Decrypt {
        path: "(data key)".into(),
        reason: format!(
            "the recovered data key is {} bytes long instead of 32; the key groups were edited",
            key_bytes.len()
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_identity_file_parses_back() {
        let new = generate_identity("2026-12-07T12:00:00Z");
        let lines: Vec<&str> = new.text.lines().collect();
        assert_eq!(lines[0], "# created: 2026-12-07T12:00:00Z");
        assert_eq!(lines[1], format!("# public key: {}", new.recipient));
        assert!(lines[2].starts_with("AGE-SECRET-KEY-1"));
        assert_eq!(parse_identities(&new.text).unwrap().len(), 1);
        assert!(Recipient::parse(&new.recipient).is_ok());
    }

    #[test]
    fn recipient_kinds() {
        let id = age::x25519::Identity::generate();
        let r = id.to_public().to_string();
        assert!(matches!(Recipient::parse(&r), Ok(Recipient::X25519(_))));
        assert!(Recipient::parse("age1pq1xyz").is_err());
        assert!(Recipient::parse("age1abc1def")
            .unwrap_err()
            .to_string()
            .contains("plugin"));
        assert!(Recipient::parse("pgp:123")
            .unwrap_err()
            .to_string()
            .contains("unknown recipient type"));
    }

    #[test]
    fn recipient_lists() {
        assert_eq!(split_recipient_list(" a , b").unwrap(), ["a", "b"]);
        assert_eq!(split_recipient_list("a,a").unwrap(), ["a", "a"]);
        assert!(split_recipient_list("a,,b").is_err());
    }

    #[test]
    fn wrap_and_unwrap() {
        let id = age::x25519::Identity::generate();
        let r = id.to_public().to_string();
        let key = DataKey::generate();
        let wrapped = wrap_for(&r, key.expose()).unwrap();
        assert!(wrapped
            .enc
            .starts_with("-----BEGIN AGE ENCRYPTED FILE-----\n"));
        assert!(wrapped.enc.ends_with("-----END AGE ENCRYPTED FILE-----\n"));
        let ids: Vec<Box<dyn age::Identity + Send + Sync>> = vec![Box::new(id)];
        assert_eq!(&unwrap_with(&wrapped.enc, &ids).unwrap()[..], key.expose());
    }
}
