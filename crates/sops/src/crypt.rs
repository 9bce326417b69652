//! Encrypting and decrypting whole trees: one walk that decides per leaf whether it is encrypted
//! (suffix / regex / comment rules), applies the cipher with the key-path AAD, and feeds the MAC.

use regex::Regex;
use sha2::{Digest, Sha512};

use crate::cipher::{plaintext_of, Cipher, CipherError};
use crate::error::{Error, Result};
use crate::gofmt::GoTime;
use crate::metadata::{EncryptionOptions, Metadata};
use crate::tree::{Branch, Branches, Item, Value};

/// SHA-256("sops"): fed first when the MAC covers only encrypted values, so the two MAC modes
/// never collide.
const MAC_ONLY_ENCRYPTED_INIT: [u8; 32] = [
    0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b,
    0x0b, 0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
];

/// The compiled partial-encryption rule.
#[derive(Debug)]
pub enum Selector {
    /// Encrypted unless a path key ends with the suffix.
    UnencryptedSuffix(String),
    /// Encrypted only if a path key ends with the suffix.
    EncryptedSuffix(String),
    /// Encrypted unless a path key matches.
    UnencryptedRegex(Regex),
    /// Encrypted only if a path key matches.
    EncryptedRegex(Regex),
    /// Not encrypted if an active comment matches.
    UnencryptedCommentRegex(Regex),
    /// Encrypted only if an active comment (not the line itself) matches.
    EncryptedCommentRegex(Regex),
    /// Everything is encrypted.
    All,
}

fn compile(option: &'static str, re: &str) -> Result<Regex> {
    Regex::new(re).map_err(|e| Error::BadRegex {
        option,
        message: e.to_string(),
    })
}

impl Selector {
    /// Compiles the (single) option that is set.
    pub fn new(options: &EncryptionOptions) -> Result<Selector> {
        options.validate()?;
        Ok(if !options.unencrypted_suffix.is_empty() {
            Selector::UnencryptedSuffix(options.unencrypted_suffix.clone())
        } else if !options.encrypted_suffix.is_empty() {
            Selector::EncryptedSuffix(options.encrypted_suffix.clone())
        } else if !options.unencrypted_regex.is_empty() {
            Selector::UnencryptedRegex(compile("unencrypted_regex", &options.unencrypted_regex)?)
        } else if !options.encrypted_regex.is_empty() {
            Selector::EncryptedRegex(compile("encrypted_regex", &options.encrypted_regex)?)
        } else if !options.unencrypted_comment_regex.is_empty() {
            Selector::UnencryptedCommentRegex(compile(
                "unencrypted_comment_regex",
                &options.unencrypted_comment_regex,
            )?)
        } else if !options.encrypted_comment_regex.is_empty() {
            Selector::EncryptedCommentRegex(compile(
                "encrypted_comment_regex",
                &options.encrypted_comment_regex,
            )?)
        } else {
            Selector::All
        })
    }

    /// sops' `shouldBeEncrypted`: `path` holds the map keys down to the leaf; `stack` the runs
    /// of comments just before the current item at each level.
    pub fn should_encrypt(&self, path: &[String], stack: &[Vec<String>], is_comment: bool) -> bool {
        match self {
            Selector::All => true,
            Selector::UnencryptedSuffix(s) => !path.iter().any(|k| k.ends_with(s.as_str())),
            Selector::EncryptedSuffix(s) => path.iter().any(|k| k.ends_with(s.as_str())),
            Selector::UnencryptedRegex(re) => !path.iter().any(|k| re.is_match(k)),
            Selector::EncryptedRegex(re) => path.iter().any(|k| re.is_match(k)),
            Selector::UnencryptedCommentRegex(re) => {
                !stack.iter().flatten().any(|c| re.is_match(c))
            }
            Selector::EncryptedCommentRegex(re) => {
                let last_level = stack.len().saturating_sub(1);
                let last_index = stack.last().map_or(0, |l| l.len().saturating_sub(1));
                stack.iter().enumerate().any(|(i, level)| {
                    level.iter().enumerate().any(|(j, c)| {
                        // A comment never turns on encryption for itself.
                        let itself = is_comment && i == last_level && j == last_index;
                        !itself && re.is_match(c)
                    })
                })
            }
        }
    }
}

/// State shared by one walk over a tree.
struct Walk<'a, F> {
    path: Vec<String>,
    /// The AAD of the current path, kept in step with `path` (`a:b:`, or `:` at the top).
    aad: String,
    stack: Vec<Vec<String>>,
    leaf: &'a mut F,
}

impl<F> Walk<'_, F>
where
    F: FnMut(&mut Value, &[String], &[Vec<String>], &str) -> Result<()>,
{
    fn branch(&mut self, branch: &mut Branch) -> Result<()> {
        self.stack.push(Vec::new());
        for item in branch.0.iter_mut() {
            match item {
                Item::Comment(text) => {
                    self.stack
                        .last_mut()
                        .expect("pushed above")
                        .push(text.clone());
                    let mut v = Value::Comment(std::mem::take(text));
                    let aad = if self.aad.is_empty() {
                        ":"
                    } else {
                        self.aad.as_str()
                    };
                    let result = (self.leaf)(&mut v, &self.path, &self.stack, aad);
                    *text = match v {
                        Value::Comment(t) | Value::Str(t) => t,
                        other => match plaintext_of(&other) {
                            Some((_, bytes)) => String::from_utf8_lossy(&bytes).into_owned(),
                            None => String::new(),
                        },
                    };
                    result?;
                }
                Item::Entry(key, value) => {
                    let aad_len = self.aad.len();
                    self.aad.push_str(key);
                    self.aad.push(':');
                    self.path.push(key.clone());
                    let result = self.value(value);
                    self.path.pop();
                    self.aad.truncate(aad_len);
                    result?;
                    self.stack.last_mut().expect("pushed above").clear();
                }
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn list(&mut self, items: &mut [Value]) -> Result<()> {
        self.stack.push(Vec::new());
        for v in items.iter_mut() {
            let is_comment = if let Value::Comment(c) = v {
                self.stack.last_mut().expect("pushed above").push(c.clone());
                true
            } else {
                false
            };
            self.value(v)?;
            if !is_comment {
                self.stack.last_mut().expect("pushed above").clear();
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn value(&mut self, value: &mut Value) -> Result<()> {
        match value {
            Value::Map(b) => self.branch(b),
            Value::List(items) => self.list(items),
            Value::Null => Ok(()),
            leaf => {
                let aad = if self.aad.is_empty() {
                    ":"
                } else {
                    self.aad.as_str()
                };
                (self.leaf)(leaf, &self.path, &self.stack, aad)
            }
        }
    }
}

/// Runs `leaf` on every scalar and comment of every branch, in document order.
pub fn walk_leaves<F>(branches: &mut Branches, mut leaf: F) -> Result<()>
where
    F: FnMut(&mut Value, &[String], &[Vec<String>], &str) -> Result<()>,
{
    let mut walk = Walk {
        path: Vec::new(),
        aad: String::new(),
        stack: Vec::new(),
        leaf: &mut leaf,
    };
    for branch in branches.iter_mut() {
        walk.branch(branch)?;
    }
    Ok(())
}

/// The AAD for a value: its map keys joined by `:`, plus a trailing `:`.
pub fn aad_of(path: &[String]) -> String {
    let mut s = String::with_capacity(path.iter().map(|p| p.len() + 1).sum::<usize>() + 1);
    for p in path {
        s.push_str(p);
        s.push(':');
    }
    if path.is_empty() {
        s.push(':');
    }
    s
}

fn new_mac(mac_only_encrypted: bool) -> Sha512 {
    let mut h = Sha512::new();
    if mac_only_encrypted {
        h.update(MAC_ONLY_ENCRYPTED_INIT);
    }
    h
}

fn hex_upper(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

fn feed(mac: &mut Sha512, value: &Value) {
    match value {
        // The common cases without a copy.
        Value::Str(s) => mac.update(s.as_bytes()),
        Value::Bytes(b) => mac.update(b),
        Value::Bool(b) => mac.update(crate::gofmt::bool_title(*b).as_bytes()),
        other => {
            if let Some((_, bytes)) = plaintext_of(other) {
                mac.update(&bytes[..]);
            }
        }
    }
}

fn display_path(path: &[String]) -> String {
    if path.is_empty() {
        "(top level)".to_string()
    } else {
        path.iter().map(|k| format!("[\"{k}\"]")).collect()
    }
}

/// Encrypts every leaf the options select, in place; returns the MAC (uppercase hex SHA-512).
pub fn encrypt_tree(branches: &mut Branches, md: &Metadata, cipher: &mut Cipher) -> Result<String> {
    let selector = Selector::new(&md.options)?;
    let mut mac = new_mac(md.mac_only_encrypted);
    walk_leaves(branches, |value, path, stack, aad| {
        let is_comment = matches!(value, Value::Comment(_));
        let encrypted = selector.should_encrypt(path, stack, is_comment);
        if (!md.mac_only_encrypted || encrypted) && !is_comment {
            feed(&mut mac, value);
        }
        if encrypted {
            let text = cipher.encrypt(value, aad).map_err(|e| Error::Decrypt {
                path: display_path(path),
                reason: e.to_string(),
            })?;
            if is_comment {
                if let Selector::UnencryptedCommentRegex(re) = &selector {
                    if re.is_match(&text) {
                        return Err(Error::Config(
                            "an encrypted comment matches unencrypted_comment_regex; make sure \
                             that regex cannot match an encrypted comment"
                                .into(),
                        ));
                    }
                }
            }
            *value = Value::Str(text);
        }
        Ok(())
    })?;
    Ok(hex_upper(&mac.finalize()))
}

/// Decrypts every leaf the options select, in place; returns the computed MAC.
pub fn decrypt_tree(
    branches: &mut Branches,
    md: &Metadata,
    cipher: &mut Cipher,
    warn: impl FnMut(String),
) -> Result<String> {
    if cipher.remembers_ivs() {
        decrypt_tree_in_order(branches, md, cipher, warn)
    } else {
        decrypt_tree_parallel(branches, md, cipher, warn)
    }
}

fn decrypt_error(e: CipherError, path: &[String]) -> Error {
    match e {
        CipherError::Format => Error::NotEncrypted {
            path: display_path(path),
        },
        other => Error::Decrypt {
            path: display_path(path),
            reason: other.to_string(),
        },
    }
}

/// One pass: decrypt, stash IVs and feed the MAC leaf by leaf.
fn decrypt_tree_in_order(
    branches: &mut Branches,
    md: &Metadata,
    cipher: &mut Cipher,
    mut warn: impl FnMut(String),
) -> Result<String> {
    let selector = Selector::new(&md.options)?;
    let mut mac = new_mac(md.mac_only_encrypted);
    walk_leaves(branches, |value, path, stack, aad| {
        let is_comment = matches!(value, Value::Comment(_));
        let encrypted = selector.should_encrypt(path, stack, is_comment);
        if encrypted {
            match value {
                Value::Comment(text) => match cipher.decrypt(text, aad) {
                    Ok(v) => *value = v,
                    Err(_) => warn(format!(
                        "found a possibly unencrypted comment under {}; kept as is",
                        display_path(path)
                    )),
                },
                Value::Str(text) => {
                    *value = cipher
                        .decrypt(text, aad)
                        .map_err(|e| decrypt_error(e, path))?;
                }
                _ => {
                    return Err(Error::NotEncrypted {
                        path: display_path(path),
                    })
                }
            }
        }
        if (!md.mac_only_encrypted || encrypted) && !matches!(value, Value::Comment(_)) {
            feed(&mut mac, value);
        }
        Ok(())
    })?;
    Ok(hex_upper(&mac.finalize()))
}

/// A ciphertext taken out of the tree to be decrypted off the walk.
struct Job {
    aad: String,
    text: String,
    comment: bool,
}

/// Three passes for output-only decryption of big files: take every ciphertext out (in
/// document order), decrypt them on all cores, then put the plaintext back and feed the MAC
/// in document order. Same results and errors as the one-pass walk.
fn decrypt_tree_parallel(
    branches: &mut Branches,
    md: &Metadata,
    cipher: &Cipher,
    mut warn: impl FnMut(String),
) -> Result<String> {
    let selector = Selector::new(&md.options)?;
    // Pass 1: decide, and take the ciphertexts out (leaving placeholders).
    let mut jobs: Vec<Job> = Vec::new();
    let mut encrypted_flags: Vec<bool> = Vec::new();
    walk_leaves(branches, |value, path, stack, aad| {
        let is_comment = matches!(value, Value::Comment(_));
        let encrypted = selector.should_encrypt(path, stack, is_comment);
        encrypted_flags.push(encrypted);
        if encrypted {
            match value {
                Value::Comment(text) | Value::Str(text) => jobs.push(Job {
                    aad: aad.to_string(),
                    text: std::mem::take(text),
                    comment: is_comment,
                }),
                _ => {
                    return Err(Error::NotEncrypted {
                        path: display_path(path),
                    })
                }
            }
        }
        Ok(())
    })?;
    // Pass 2: decrypt.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(8);
    let results: Vec<std::result::Result<Value, CipherError>> = if jobs.len() < 2048 || threads < 2
    {
        jobs.iter()
            .map(|j| cipher.decrypt_shared(&j.text, &j.aad))
            .collect()
    } else {
        let chunk = jobs.len().div_ceil(threads);
        std::thread::scope(|scope| {
            let handles: Vec<_> = jobs
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|j| cipher.decrypt_shared(&j.text, &j.aad))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        })
    };
    // Pass 3: put back in order, feed the MAC.
    let mut mac = new_mac(md.mac_only_encrypted);
    let mut jobs = jobs.into_iter();
    let mut results = results.into_iter();
    let mut flags = encrypted_flags.into_iter();
    walk_leaves(branches, |value, path, _stack, _aad| {
        let encrypted = flags.next().unwrap_or(false);
        if encrypted {
            let (Some(job), Some(result)) = (jobs.next(), results.next()) else {
                return Err(Error::Decrypt {
                    path: display_path(path),
                    reason: "internal: value count changed".into(),
                });
            };
            match (result, job.comment) {
                (Ok(v), _) => *value = v,
                (Err(_), true) => {
                    warn(format!(
                        "found a possibly unencrypted comment under {}; kept as is",
                        display_path(path)
                    ));
                    *value = Value::Comment(job.text);
                }
                (Err(e), false) => return Err(decrypt_error(e, path)),
            }
        }
        if (!md.mac_only_encrypted || encrypted) && !matches!(value, Value::Comment(_)) {
            feed(&mut mac, value);
        }
        Ok(())
    })?;
    Ok(hex_upper(&mac.finalize()))
}

fn short(mac: &str) -> String {
    mac.chars().take(16).collect::<String>() + "…"
}

/// Checks the stored MAC against `computed`.
pub fn verify_mac(md: &Metadata, cipher: &mut Cipher, computed: &str) -> Result<()> {
    let aad = md.last_modified_aad()?;
    let stored = match cipher.decrypt(&md.mac, &aad) {
        Ok(Value::Str(s)) => s,
        Ok(_) => return Err(Error::MacUndecryptable("unexpected MAC type".into())),
        Err(e) => return Err(Error::MacUndecryptable(e.to_string())),
    };
    if stored.is_empty() {
        return Err(Error::MacMissing);
    }
    if stored != computed {
        return Err(Error::MacMismatch {
            stored: short(&stored),
            computed: short(computed),
        });
    }
    Ok(())
}

/// Stamps `lastmodified` and stores the encrypted MAC. The MAC goes through the same cipher so
/// an unchanged (time, MAC) pair keeps its IV.
pub fn seal_mac(md: &mut Metadata, cipher: &mut Cipher, mac: &str, now: GoTime) -> Result<()> {
    md.last_modified = now.rfc3339();
    md.mac = cipher
        .encrypt(&Value::Str(mac.to_string()), &md.last_modified)
        .map_err(|e| Error::MacUndecryptable(e.to_string()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cipher::DataKey;

    fn opts(f: impl FnOnce(&mut EncryptionOptions)) -> Metadata {
        let mut md = Metadata::default();
        f(&mut md.options);
        md
    }

    fn sample() -> Branches {
        vec![Branch(vec![
            Item::Comment(" top".into()),
            Item::Entry("user".into(), Value::Str("hello".into())),
            Item::Entry("port".into(), Value::Int(5432)),
            Item::Entry("public_unencrypted".into(), Value::Bool(true)),
            Item::Entry(
                "list".into(),
                Value::List(vec![
                    Value::Comment(" c".into()),
                    Value::Str("x".into()),
                    Value::Null,
                ]),
            ),
        ])]
    }

    #[test]
    fn mac_matches_known_answer() {
        // Appendix A: MAC over "hello" and 5432.
        let mut branches = vec![Branch(vec![
            Item::Comment(" a comment".into()),
            Item::Entry(
                "db".into(),
                Value::Map(Branch(vec![
                    Item::Entry("user".into(), Value::Str("hello".into())),
                    Item::Entry("port".into(), Value::Int(5432)),
                ])),
            ),
        ])];
        let md = opts(|o| o.unencrypted_suffix = "_unencrypted".into());
        let mut c = Cipher::new(DataKey::generate());
        let mac = encrypt_tree(&mut branches, &md, &mut c).unwrap();
        assert_eq!(mac, "8014657B5D44BB3A4E2A7B1387B6CF971BB821DF65ADB98BD53B7D980972613DF86CAA5E3A047A7980954349372747FF435368A0928BC5A25640B81C9A1D7E79");
    }

    #[test]
    fn round_trip_with_suffix() {
        let md = opts(|o| o.unencrypted_suffix = "_unencrypted".into());
        let mut branches = sample();
        let key = DataKey::generate();
        let mac = encrypt_tree(&mut branches, &md, &mut Cipher::new(key.clone())).unwrap();
        let b = &branches[0];
        assert!(matches!(&b.0[0], Item::Comment(c) if c.starts_with("ENC[")));
        assert_eq!(b.get("public_unencrypted"), Some(&Value::Bool(true)));
        let Some(Value::List(l)) = b.get("list") else {
            panic!()
        };
        assert!(matches!(&l[0], Value::Str(s) if s.contains("type:comment")));
        assert_eq!(l[2], Value::Null);
        let mut c = Cipher::new(key);
        let mac2 = decrypt_tree(&mut branches, &md, &mut c, |_| {}).unwrap();
        assert_eq!(mac, mac2);
        assert_eq!(branches, sample());
    }

    #[test]
    fn encrypted_regex_selects_subtrees() {
        let sel = Selector::new(&opts(|o| o.encrypted_regex = "^(password|data)$".into()).options)
            .unwrap();
        let p = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(sel.should_encrypt(&p(&["data", "plain"]), &[], false));
        assert!(!sel.should_encrypt(&p(&["username"]), &[], false));
        assert!(!sel.should_encrypt(&[], &[], true));
    }

    #[test]
    fn encrypted_comment_regex_skips_the_matching_line() {
        let sel = Selector::new(&opts(|o| o.encrypted_comment_regex = "sops:enc".into()).options)
            .unwrap();
        let stack = vec![vec![" sops:enc".to_string()]];
        assert!(!sel.should_encrypt(&[], &stack, true));
        assert!(sel.should_encrypt(&["password".into()], &stack, false));
        let stack2 = vec![vec![" sops:enc".to_string(), " more".to_string()]];
        assert!(sel.should_encrypt(&[], &stack2, true));
    }

    #[test]
    fn aad_format() {
        assert_eq!(aad_of(&[]), ":");
        assert_eq!(aad_of(&["db".into(), "user".into()]), "db:user:");
    }

    #[test]
    fn tampered_value_names_path_not_value() {
        let md = opts(|o| o.unencrypted_suffix = "_unencrypted".into());
        let mut branches = sample();
        let key = DataKey::generate();
        encrypt_tree(&mut branches, &md, &mut Cipher::new(key.clone())).unwrap();
        // Swap user and port ciphertexts: AAD mismatch.
        let u = branches[0].get("user").cloned().unwrap();
        *branches[0].get_mut("port").unwrap() = u;
        let err = decrypt_tree(&mut branches, &md, &mut Cipher::new(key), |_| {}).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("[\"port\"]"), "{msg}");
        assert!(!msg.contains("hello"));
    }
}
