//! The per-value cipher: AES-256-GCM with a 32-byte IV, the `ENC[...]` envelope, and sops' IV
//! "stash" that re-uses the IV of an unchanged value so re-encryption yields identical text.

use std::collections::HashMap;
use std::sync::OnceLock;

use aes_gcm::aead::consts::{U12, U16, U32};
use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::aes::Aes256;
use aes_gcm::{AesGcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use rand::RngCore;
use zeroize::{Zeroize, Zeroizing};

use crate::gofmt;
use crate::tree::Value;

/// Length of the IVs sops writes.
pub const IV_LEN: usize = 32;
const TAG_LEN: usize = 16;

/// The 32-byte data key. Wiped on drop; `Debug` never prints it.
#[derive(Clone)]
pub struct DataKey(Zeroizing<[u8; 32]>);

impl DataKey {
    /// A fresh random key from the OS CSPRNG.
    pub fn generate() -> Self {
        let mut k = Zeroizing::new([0u8; 32]);
        rand::rngs::OsRng.fill_bytes(k.as_mut());
        DataKey(k)
    }

    /// Wraps existing key bytes (must be 32 bytes).
    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(DataKey(Zeroizing::new(arr)))
    }

    /// The raw key, for wrapping to recipients.
    pub fn expose(&self) -> &[u8; 32] {
        &self.0
    }
}

impl std::fmt::Debug for DataKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DataKey([REDACTED])")
    }
}

/// The parts of an `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// Ciphertext without the tag.
    pub data: Vec<u8>,
    /// The IV (32 bytes when written by sops).
    pub iv: Vec<u8>,
    /// The 16-byte GCM tag.
    pub tag: Vec<u8>,
    /// The `type:` tag (`str`, `int`, ...).
    pub datatype: String,
}

fn envelope_regex() -> &'static regex::Regex {
    static RE: OnceLock<regex::Regex> = OnceLock::new();
    // Same pattern as sops: anchored at the start only, greedy fields.
    RE.get_or_init(|| {
        regex::Regex::new(r"^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]")
            .expect("static regex")
    })
}

/// Why an `ENC[...]` string could not be used. Never carries plaintext.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CipherError {
    /// The string is not in sops' data format.
    #[error("input does not match sops' data format")]
    Format,
    /// A field is not valid base64.
    #[error("invalid base64 in the {0} field")]
    Base64(&'static str),
    /// GCM authentication failed (wrong key, tampered data, or wrong key path).
    #[error("authentication failed (wrong data key, tampered value or wrong key path)")]
    Auth,
    /// The plaintext does not parse as its `type:`.
    #[error("plaintext is not a valid {0}")]
    BadPlaintext(&'static str),
    /// An unknown `type:`.
    #[error("unknown datatype")]
    UnknownType,
    /// An IV length this implementation does not support.
    #[error("unsupported IV length {0}")]
    IvLength(usize),
}

const ENVELOPE_PREFIX: &str = "ENC[AES256_GCM,data:";

/// The four fields of an `ENC[...]` string, split without a regex. Only used when every
/// separator occurs exactly once and there is no line break, where the result is the same as
/// sops' greedy regex; anything unusual goes through the regex.
fn split_fast(s: &str) -> Option<[&str; 4]> {
    let rest = s.strip_prefix(ENVELOPE_PREFIX)?;
    let bytes = rest.as_bytes();
    // One pass: exactly three commas (base64 never contains one) and no line break.
    let mut commas = [0usize; 3];
    let mut n = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b',' => {
                if n == 3 {
                    return None;
                }
                commas[n] = i;
                n += 1;
            }
            b'\n' => return None,
            _ => {}
        }
    }
    if n != 3 {
        return None;
    }
    let [iv, tag, ty] = commas;
    if !rest[iv..].starts_with(",iv:")
        || !rest[tag..].starts_with(",tag:")
        || !rest[ty..].starts_with(",type:")
    {
        return None;
    }
    let close = rest.rfind(']')?;
    if close < ty + 6 {
        return None;
    }
    let fields = [
        &rest[..iv],
        &rest[iv + 4..tag],
        &rest[tag + 5..ty],
        &rest[ty + 6..close],
    ];
    fields.iter().all(|f| !f.is_empty()).then_some(fields)
}

impl Envelope {
    /// Parses an `ENC[...]` string the way sops does.
    pub fn parse(s: &str) -> Result<Envelope, CipherError> {
        let fields = match split_fast(s) {
            Some(f) => f,
            None => {
                let caps = envelope_regex().captures(s).ok_or(CipherError::Format)?;
                let get = |i| caps.get(i).map_or("", |m| m.as_str());
                [get(1), get(2), get(3), get(4)]
            }
        };
        let field = |i: usize, name: &'static str| {
            B64.decode(fields[i]).map_err(|_| CipherError::Base64(name))
        };
        Ok(Envelope {
            data: field(0, "data")?,
            iv: field(1, "iv")?,
            tag: field(2, "tag")?,
            datatype: fields[3].to_string(),
        })
    }

    /// Formats the envelope as sops writes it.
    pub fn format(&self) -> String {
        format!(
            "ENC[AES256_GCM,data:{},iv:{},tag:{},type:{}]",
            B64.encode(&self.data),
            B64.encode(&self.iv),
            B64.encode(&self.tag),
            self.datatype
        )
    }
}

/// Quick structural check, no key needed: does `s` look like an `ENC[...]` value?
pub fn is_envelope(s: &str) -> bool {
    split_fast(s).is_some() || envelope_regex().is_match(s)
}

/// The `type:` tag and plaintext bytes sops uses for a scalar; `None` for non-scalars and null.
pub fn plaintext_of(value: &Value) -> Option<(&'static str, Zeroizing<Vec<u8>>)> {
    let (tag, bytes) = match value {
        Value::Str(s) => ("str", s.as_bytes().to_vec()),
        Value::Bytes(b) => ("str", b.clone()),
        Value::Int(i) => ("int", i.to_string().into_bytes()),
        Value::Float(f) => ("float", gofmt::float_f(*f).into_bytes()),
        Value::Bool(b) => ("bool", gofmt::bool_title(*b).as_bytes().to_vec()),
        Value::Time(t) => ("time", t.as_bytes().to_vec()),
        Value::Comment(c) => ("comment", c.as_bytes().to_vec()),
        Value::Null | Value::Map(_) | Value::List(_) => return None,
    };
    Some((tag, Zeroizing::new(bytes)))
}

/// Turns decrypted bytes back into a typed value, as sops' `Decrypt` does.
fn typed_value(datatype: &str, bytes: Vec<u8>) -> Result<Value, CipherError> {
    match datatype {
        "str" | "bytes" => return Ok(Value::from_bytes(bytes)),
        "comment" => {
            return String::from_utf8(bytes).map(Value::Comment).map_err(|e| {
                let mut b = e.into_bytes();
                b.zeroize();
                CipherError::BadPlaintext("comment")
            })
        }
        _ => {}
    }
    // Short typed values: parse, then wipe the buffer.
    let bytes = Zeroizing::new(bytes);
    let text = std::str::from_utf8(&bytes).map_err(|_| CipherError::BadPlaintext("string"))?;
    Ok(match datatype {
        "int" => Value::Int(gofmt::parse_atoi(text).ok_or(CipherError::BadPlaintext("int"))?),
        "float" => {
            Value::Float(gofmt::parse_float(text).ok_or(CipherError::BadPlaintext("float"))?)
        }
        "bool" => Value::Bool(gofmt::parse_bool(text).ok_or(CipherError::BadPlaintext("bool"))?),
        "time" => Value::Time(
            gofmt::GoTime::parse_rfc3339(text)
                .ok_or(CipherError::BadPlaintext("time"))?
                .rfc3339_nano(),
        ),
        _ => return Err(CipherError::UnknownType),
    })
}

/// Splits an `ENC[...]` string into its four text fields (fast path, regex fallback).
fn fields_of(s: &str) -> Result<[&str; 4], CipherError> {
    match split_fast(s) {
        Some(f) => Ok(f),
        None => {
            let caps = envelope_regex().captures(s).ok_or(CipherError::Format)?;
            let get = |i| caps.get(i).map_or("", |m| m.as_str());
            Ok([get(1), get(2), get(3), get(4)])
        }
    }
}

/// AES-GCM in place over `ciphertext || tag`; the tag is removed on success.
fn open_in_place(
    gcm: &Gcm32,
    key: &[u8; 32],
    iv: &[u8],
    aad: &[u8],
    buf: &mut Vec<u8>,
) -> Result<(), CipherError> {
    use aes_gcm::aead::AeadInPlace;
    let out = match iv.len() {
        32 => gcm.decrypt_in_place(Nonce::<U32>::from_slice(iv), aad, buf),
        16 => Gcm16::new(key.into()).decrypt_in_place(Nonce::<U16>::from_slice(iv), aad, buf),
        12 => Gcm12::new(key.into()).decrypt_in_place(Nonce::<U12>::from_slice(iv), aad, buf),
        n => return Err(CipherError::IvLength(n)),
    };
    out.map_err(|_| CipherError::Auth)
}

type Gcm32 = AesGcm<Aes256, U32>;
type Gcm16 = AesGcm<Aes256, U16>;
type Gcm12 = AesGcm<Aes256, U12>;

fn seal(
    gcm: &Gcm32,
    key: &[u8; 32],
    iv: &[u8],
    msg: &[u8],
    aad: &[u8],
) -> Result<Vec<u8>, CipherError> {
    let payload = Payload { msg, aad };
    let out = match iv.len() {
        32 => gcm.encrypt(Nonce::<U32>::from_slice(iv), payload),
        16 => Gcm16::new(key.into()).encrypt(Nonce::<U16>::from_slice(iv), payload),
        12 => Gcm12::new(key.into()).encrypt(Nonce::<U12>::from_slice(iv), payload),
        n => return Err(CipherError::IvLength(n)),
    };
    out.map_err(|_| CipherError::Auth)
}

/// Stash key: (AAD, type tag, plaintext). Plaintext is wiped when the stash is dropped.
#[derive(Hash, PartialEq, Eq)]
struct StashKey {
    aad: String,
    datatype: &'static str,
    plaintext: Vec<u8>,
}

impl Drop for StashKey {
    fn drop(&mut self) {
        self.plaintext.zeroize();
    }
}

/// Encrypts and decrypts values with one data key, remembering the IV of every value it
/// decrypted so that encrypting the same (key path, value) again reproduces the same text.
pub struct Cipher {
    key: DataKey,
    /// AES-GCM with the key schedule computed once (sops' 32-byte IVs).
    gcm: Gcm32,
    stash: HashMap<StashKey, Vec<u8>>,
    /// Remember IVs of decrypted values (needed only when the tree will be written back).
    remember: bool,
    /// Fixed IV for known-answer tests only.
    fixed_iv: Option<[u8; IV_LEN]>,
}

impl Cipher {
    /// The data key (for re-wrapping it to new recipients).
    pub fn data_key(&self) -> &DataKey {
        &self.key
    }

    /// A cipher for `key` with an empty stash.
    pub fn new(key: DataKey) -> Self {
        Cipher {
            gcm: Gcm32::new(key.expose().into()),
            key,
            stash: HashMap::new(),
            remember: true,
            fixed_iv: None,
        }
    }

    /// A cipher for read-only use: decrypted values are not remembered for re-encryption.
    pub fn read_only(key: DataKey) -> Self {
        Cipher {
            remember: false,
            ..Cipher::new(key)
        }
    }

    /// A cipher that uses `iv` for every fresh value (known-answer tests only).
    pub fn with_fixed_iv(key: DataKey, iv: [u8; IV_LEN]) -> Self {
        Cipher {
            gcm: Gcm32::new(key.expose().into()),
            key,
            stash: HashMap::new(),
            remember: true,
            fixed_iv: Some(iv),
        }
    }

    /// The data key.
    pub fn key(&self) -> &DataKey {
        &self.key
    }

    /// Switches to a new data key but keeps the stashed IVs (what `rotate` does).
    pub fn rekey(&mut self, key: DataKey) {
        self.gcm = Gcm32::new(key.expose().into());
        self.key = key;
    }

    /// Encrypts a scalar. Empty strings and comments are returned as `""`, unencrypted.
    pub fn encrypt(&mut self, value: &Value, aad: &str) -> Result<String, CipherError> {
        let (datatype, plaintext) = plaintext_of(value).ok_or(CipherError::UnknownType)?;
        if plaintext.is_empty()
            && matches!(value, Value::Str(_) | Value::Bytes(_) | Value::Comment(_))
        {
            return Ok(String::new());
        }
        let lookup = StashKey {
            aad: aad.to_string(),
            datatype,
            plaintext: plaintext.to_vec(),
        };
        let iv = match self.stash.get(&lookup) {
            Some(iv) => iv.clone(),
            None => match self.fixed_iv {
                Some(iv) => iv.to_vec(),
                None => {
                    // IVs need uniqueness, not secrecy: a ChaCha CSPRNG seeded from the OS
                    // avoids one getrandom syscall per value. Data keys still come from OsRng.
                    let mut iv = vec![0u8; IV_LEN];
                    rand::thread_rng().fill_bytes(&mut iv);
                    iv
                }
            },
        };
        let mut sealed = seal(
            &self.gcm,
            self.key.expose(),
            &iv,
            &plaintext,
            aad.as_bytes(),
        )?;
        let tag = sealed.split_off(sealed.len() - TAG_LEN);
        Ok(Envelope {
            data: sealed,
            iv,
            tag,
            datatype: datatype.to_string(),
        }
        .format())
    }

    /// Whether decrypted IVs are remembered for re-encryption.
    pub fn remembers_ivs(&self) -> bool {
        self.remember
    }

    /// Decrypts without touching the IV stash (usable from several threads).
    pub fn decrypt_shared(&self, text: &str, aad: &str) -> Result<Value, CipherError> {
        self.decrypt_value(text, aad).map(|(v, _)| v)
    }

    /// Decrypts an `ENC[...]` string into a typed value and stashes its IV.
    /// `""` decrypts to `""`, as in sops.
    pub fn decrypt(&mut self, text: &str, aad: &str) -> Result<Value, CipherError> {
        let (value, iv) = self.decrypt_value(text, aad)?;
        if !self.remember {
            return Ok(value);
        }
        let Some(iv) = iv else { return Ok(value) };
        if let Some((datatype, bytes)) = plaintext_of(&value) {
            self.stash.insert(
                StashKey {
                    aad: aad.to_string(),
                    datatype,
                    plaintext: bytes.to_vec(),
                },
                iv,
            );
        }
        Ok(value)
    }

    fn decrypt_value(
        &self,
        text: &str,
        aad: &str,
    ) -> Result<(Value, Option<Vec<u8>>), CipherError> {
        if text.is_empty() {
            return Ok((Value::Str(String::new()), None));
        }
        let [data, iv_text, tag, datatype] = fields_of(text)?;
        // data || tag decoded into one buffer, decrypted in place: no intermediate copies.
        let mut buf = Vec::with_capacity(data.len() * 3 / 4 + 20);
        B64.decode_vec(data, &mut buf)
            .map_err(|_| CipherError::Base64("data"))?;
        B64.decode_vec(tag, &mut buf)
            .map_err(|_| CipherError::Base64("tag"))?;
        let iv = B64.decode(iv_text).map_err(|_| CipherError::Base64("iv"))?;
        if let Err(e) = open_in_place(&self.gcm, self.key.expose(), &iv, aad.as_bytes(), &mut buf) {
            buf.zeroize();
            return Err(e);
        }
        Ok((typed_value(datatype, buf)?, Some(iv)))
    }
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cipher")
            .field("stash_len", &self.stash.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kat_cipher() -> Cipher {
        let key: Vec<u8> = (0u8..32).collect();
        let iv: Vec<u8> = (0xa0u8..=0xbf).collect();
        Cipher::with_fixed_iv(DataKey::from_slice(&key).unwrap(), iv.try_into().unwrap())
    }

    // Appendix A of the format reference: values accepted by the real sops binary.
    #[test]
    fn known_answer_values() {
        let mut c = kat_cipher();
        assert_eq!(
            c.encrypt(&Value::Str("hello".into()), "db:user:").unwrap(),
            "ENC[AES256_GCM,data:wd2e6q0=,iv:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=,tag:s2VahWNnSdTvoLjnFU+HEg==,type:str]"
        );
        assert_eq!(
            c.encrypt(&Value::Int(5432), "db:port:").unwrap(),
            "ENC[AES256_GCM,data:nIzBtA==,iv:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=,tag:hi5MPa6JqgMvuO1wVAOX5g==,type:int]"
        );
        assert_eq!(
            c.encrypt(&Value::Comment(" a comment".into()), ":").unwrap(),
            "ENC[AES256_GCM,data:idnS5a3Sc6CF4g==,iv:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=,tag:f1aWtTBPWD7UoSw2vY14EQ==,type:comment]"
        );
    }

    #[test]
    fn decrypt_round_trip_and_wrong_aad() {
        let mut c = Cipher::new(DataKey::generate());
        for v in [
            Value::Str("héllo 😀".into()),
            Value::Int(-7),
            Value::Float(1.5),
            Value::Bool(true),
            Value::Time("2001-12-14T21:59:43.1-05:00".into()),
            Value::Comment(" note".into()),
            Value::Bytes(vec![0xff, 0, 1]),
        ] {
            let enc = c.encrypt(&v, "a:b:").unwrap();
            assert_eq!(c.decrypt(&enc, "a:b:").unwrap(), v);
            assert_eq!(c.decrypt(&enc, "a:c:"), Err(CipherError::Auth));
        }
    }

    #[test]
    fn empty_values_are_not_encrypted() {
        let mut c = Cipher::new(DataKey::generate());
        assert_eq!(c.encrypt(&Value::Str(String::new()), "a:").unwrap(), "");
        assert_eq!(c.encrypt(&Value::Comment(String::new()), "a:").unwrap(), "");
        assert_eq!(c.decrypt("", "a:").unwrap(), Value::Str(String::new()));
    }

    #[test]
    fn stash_reuses_iv_of_decrypted_value() {
        let mut c = Cipher::new(DataKey::generate());
        let enc = c.encrypt(&Value::Str("x".into()), "k:").unwrap();
        let mut c2 = Cipher::new(c.key().clone());
        let v = c2.decrypt(&enc, "k:").unwrap();
        assert_eq!(c2.encrypt(&v, "k:").unwrap(), enc);
        // A different value under the same path gets a fresh IV.
        assert_ne!(c2.encrypt(&Value::Str("y".into()), "k:").unwrap(), enc);
        // The same value as another type is not the same stash entry.
        let as_int = c2.encrypt(&Value::Int(1), "k:").unwrap();
        assert_ne!(
            Envelope::parse(&as_int).unwrap().iv,
            Envelope::parse(&enc).unwrap().iv
        );
    }

    #[test]
    fn envelope_parsing_quirks() {
        let good = "ENC[AES256_GCM,data:wd2e6q0=,iv:oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr8=,tag:s2VahWNnSdTvoLjnFU+HEg==,type:str]";
        assert!(Envelope::parse(&format!("{good}garbage")).is_ok());
        // The fast split and the regex agree on normal and unusual envelopes.
        for text in [
            good.to_string(),
            format!("{good}garbage"),
            format!("{good}x]"),
            good.replace(",tag:", ",tag:,iv:"),
            good.replace("type:str", "type:s]t"),
            "ENC[AES256_GCM,data:,iv:a,tag:b,type:str]".to_string(),
        ] {
            let by_regex = envelope_regex()
                .captures(&text)
                .map(|c| [1, 2, 3, 4].map(|i| c[i].to_string()));
            let fast = split_fast(&text).map(|f| f.map(str::to_string));
            if let Some(fast) = fast {
                assert_eq!(Some(fast), by_regex, "{text}");
            }
        }
        assert_eq!(Envelope::parse("plain"), Err(CipherError::Format));
        assert_eq!(
            Envelope::parse("ENC[AES256_GCM,data:!!,iv:a,tag:b,type:str]"),
            Err(CipherError::Base64("data"))
        );
        let mut c = kat_cipher();
        let bad_type = good.replace("type:str", "type:weird");
        assert_eq!(
            c.decrypt(&bad_type, "db:user:"),
            Err(CipherError::UnknownType)
        );
    }
}
