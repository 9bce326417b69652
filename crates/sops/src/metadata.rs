//! The `sops` metadata block: in-memory form, and conversion to and from the tree in sops'
//! exact field order (YAML/JSON) or flattened `__map_`/`__list_` keys (dotenv/INI).

use crate::error::{Error, Result};
use crate::gofmt::{self, GoTime};
use crate::tree::{Branch, Item, Value};

/// The top-level key that holds the metadata.
pub const METADATA_KEY: &str = "sops";
/// The suffix sops uses when no partial-encryption option is given.
pub const DEFAULT_UNENCRYPTED_SUFFIX: &str = "_unencrypted";
/// The version we write into new files.
pub const SOPS_VERSION: &str = "3.11.0";

/// Master-key types in the order sops writes them in a flat (single-group) block, before `age`.
const FLAT_KEY_TYPES_BEFORE_AGE: [&str; 5] = ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"];
/// Types sops understands but this tool cannot use; they are kept so rewrites lose nothing.
const FOREIGN_KEY_TYPES: [&str; 6] = ["pgp", "kms", "gcp_kms", "hckms", "azure_kv", "hc_vault"];

/// An age recipient and the data key (or Shamir share) armored for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AgeKey {
    /// `age1…` or an SSH public key line.
    pub recipient: String,
    /// ASCII-armored age file.
    pub enc: String,
}

/// One master key in a key group.
#[derive(Clone, Debug, PartialEq)]
pub enum MasterKey {
    /// An age recipient.
    Age(AgeKey),
    /// A key type we do not use (PGP, cloud KMS, Vault); kept verbatim.
    Foreign {
        /// Metadata key (`pgp`, `kms`, ...).
        kind: String,
        /// Its fields in file order.
        fields: Branch,
    },
}

impl MasterKey {
    /// A short human label: the recipient, or `<kind> key`.
    pub fn label(&self) -> String {
        match self {
            MasterKey::Age(k) => k.recipient.clone(),
            MasterKey::Foreign { kind, fields } => {
                let id = [
                    "fp",
                    "arn",
                    "resource_id",
                    "key_id",
                    "vault_url",
                    "key_name",
                ]
                .iter()
                .find_map(|f| fields.get(f).and_then(Value::as_str));
                match id {
                    Some(id) => format!("{kind} {id}"),
                    None => format!("{kind} key"),
                }
            }
        }
    }
}

/// A set of master keys that each hold the same data key (or the same Shamir share).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct KeyGroup(pub Vec<MasterKey>);

impl KeyGroup {
    /// The age keys of the group.
    pub fn age_keys(&self) -> impl Iterator<Item = &AgeKey> {
        self.0.iter().filter_map(|k| match k {
            MasterKey::Age(a) => Some(a),
            MasterKey::Foreign { .. } => None,
        })
    }

    fn foreign_of<'a>(&'a self, kind: &'a str) -> impl Iterator<Item = &'a Branch> + 'a {
        self.0.iter().filter_map(move |k| match k {
            MasterKey::Foreign { kind: k, fields } if k == kind => Some(fields),
            _ => None,
        })
    }
}

/// Which values get encrypted. At most one option may be set (sops rule).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EncryptionOptions {
    /// Keys ending with this stay plain.
    pub unencrypted_suffix: String,
    /// Only keys ending with this are encrypted.
    pub encrypted_suffix: String,
    /// Keys matching this stay plain.
    pub unencrypted_regex: String,
    /// Only keys matching this are encrypted.
    pub encrypted_regex: String,
    /// Values after a comment matching this stay plain.
    pub unencrypted_comment_regex: String,
    /// Only values after a comment matching this are encrypted.
    pub encrypted_comment_regex: String,
}

impl EncryptionOptions {
    /// Number of options set.
    pub fn count(&self) -> usize {
        [
            &self.unencrypted_suffix,
            &self.encrypted_suffix,
            &self.unencrypted_regex,
            &self.encrypted_regex,
            &self.unencrypted_comment_regex,
            &self.encrypted_comment_regex,
        ]
        .iter()
        .filter(|s| !s.is_empty())
        .count()
    }

    /// Errors when more than one option is set.
    pub fn validate(&self) -> Result<()> {
        if self.count() > 1 {
            return Err(Error::ConflictingEncryptionOptions);
        }
        Ok(())
    }

    /// Applies sops' default: `_unencrypted` suffix when nothing is set.
    pub fn with_default(mut self) -> Self {
        if self.count() == 0 {
            self.unencrypted_suffix = DEFAULT_UNENCRYPTED_SUFFIX.to_string();
        }
        self
    }

    /// Overlays `other` field by field (CLI over creation rule), as sops does.
    pub fn overlay(&self, other: &EncryptionOptions) -> EncryptionOptions {
        let pick = |a: &String, b: &String| if b.is_empty() { a.clone() } else { b.clone() };
        EncryptionOptions {
            unencrypted_suffix: pick(&self.unencrypted_suffix, &other.unencrypted_suffix),
            encrypted_suffix: pick(&self.encrypted_suffix, &other.encrypted_suffix),
            unencrypted_regex: pick(&self.unencrypted_regex, &other.unencrypted_regex),
            encrypted_regex: pick(&self.encrypted_regex, &other.encrypted_regex),
            unencrypted_comment_regex: pick(
                &self.unencrypted_comment_regex,
                &other.unencrypted_comment_regex,
            ),
            encrypted_comment_regex: pick(
                &self.encrypted_comment_regex,
                &other.encrypted_comment_regex,
            ),
        }
    }

    fn pairs(&self) -> [(&'static str, &String); 6] {
        [
            ("unencrypted_suffix", &self.unencrypted_suffix),
            ("encrypted_suffix", &self.encrypted_suffix),
            ("unencrypted_regex", &self.unencrypted_regex),
            ("encrypted_regex", &self.encrypted_regex),
            ("unencrypted_comment_regex", &self.unencrypted_comment_regex),
            ("encrypted_comment_regex", &self.encrypted_comment_regex),
        ]
    }

    fn set(&mut self, name: &str, value: String) -> bool {
        let slot = match name {
            "unencrypted_suffix" => &mut self.unencrypted_suffix,
            "encrypted_suffix" => &mut self.encrypted_suffix,
            "unencrypted_regex" => &mut self.unencrypted_regex,
            "encrypted_regex" => &mut self.encrypted_regex,
            "unencrypted_comment_regex" => &mut self.unencrypted_comment_regex,
            "encrypted_comment_regex" => &mut self.encrypted_comment_regex,
            _ => return false,
        };
        *slot = value;
        true
    }
}

/// Everything under the `sops` key.
#[derive(Clone, Debug, PartialEq)]
pub struct Metadata {
    /// Key groups; one group is written flat.
    pub key_groups: Vec<KeyGroup>,
    /// Groups needed to recover the data key (0 = unset).
    pub shamir_threshold: usize,
    /// `lastmodified` as written (RFC 3339).
    pub last_modified: String,
    /// The encrypted MAC (`ENC[...]`), or empty.
    pub mac: String,
    /// Partial-encryption option.
    pub options: EncryptionOptions,
    /// MAC covers only encrypted values.
    pub mac_only_encrypted: bool,
    /// Version of the tool that wrote the file.
    pub version: String,
}

impl Default for Metadata {
    fn default() -> Self {
        Metadata {
            key_groups: Vec::new(),
            shamir_threshold: 0,
            last_modified: String::new(),
            mac: String::new(),
            options: EncryptionOptions::default(),
            mac_only_encrypted: false,
            version: SOPS_VERSION.to_string(),
        }
    }
}

/// How to write empty key lists inside `key_groups`: YAML `[]`, JSON `null`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EmptyList {
    /// `hc_vault: []`.
    AsList,
    /// `"hc_vault": null`.
    AsNull,
}

fn age_list(keys: &[&AgeKey]) -> Value {
    Value::List(
        keys.iter()
            .map(|k| {
                Value::Map(Branch(vec![
                    Item::Entry("recipient".into(), Value::Str(k.recipient.clone())),
                    Item::Entry("enc".into(), Value::Str(k.enc.clone())),
                ]))
            })
            .collect(),
    )
}

fn foreign_list<'a>(entries: impl Iterator<Item = &'a Branch>) -> Option<Value> {
    let list: Vec<Value> = entries.map(|b| Value::Map(b.clone())).collect();
    (!list.is_empty()).then_some(Value::List(list))
}

impl Metadata {
    /// The `lastmodified` time re-formatted as sops uses it for the MAC's AAD.
    pub fn last_modified_aad(&self) -> Result<String> {
        GoTime::parse_rfc3339(&self.last_modified)
            .map(|t| t.rfc3339())
            .ok_or_else(|| Error::InvalidMetadata("lastmodified is not an RFC 3339 time".into()))
    }

    /// Every age key in every group.
    pub fn age_keys(&self) -> impl Iterator<Item = &AgeKey> {
        self.key_groups.iter().flat_map(KeyGroup::age_keys)
    }

    /// Threshold actually required to recover the data key.
    pub fn effective_threshold(&self) -> usize {
        if self.shamir_threshold == 0 {
            self.key_groups.len()
        } else {
            self.shamir_threshold
        }
    }

    /// The metadata as a tree branch, fields in sops' order.
    pub fn to_branch(&self, empty: EmptyList) -> Branch {
        let mut b = Branch::new();
        if self.shamir_threshold != 0 {
            b.push("shamir_threshold", Value::Int(self.shamir_threshold as i64));
        }
        let flat = self.key_groups.len() == 1;
        if self.key_groups.len() >= 2 {
            let groups = self
                .key_groups
                .iter()
                .map(|g| {
                    let mut gb = Branch::new();
                    for kind in ["pgp", "kms", "gcp_kms", "hckms", "azure_kv"] {
                        if let Some(list) = foreign_list(g.foreign_of(kind)) {
                            gb.push(kind, list);
                        }
                    }
                    let empty_value = || match empty {
                        EmptyList::AsList => Value::List(Vec::new()),
                        EmptyList::AsNull => Value::Null,
                    };
                    gb.push(
                        "hc_vault",
                        foreign_list(g.foreign_of("hc_vault")).unwrap_or_else(empty_value),
                    );
                    let ages: Vec<&AgeKey> = g.age_keys().collect();
                    gb.push(
                        "age",
                        if ages.is_empty() {
                            empty_value()
                        } else {
                            age_list(&ages)
                        },
                    );
                    Value::Map(gb)
                })
                .collect();
            b.push("key_groups", Value::List(groups));
        }
        if flat {
            let g = &self.key_groups[0];
            for kind in FLAT_KEY_TYPES_BEFORE_AGE {
                if let Some(list) = foreign_list(g.foreign_of(kind)) {
                    b.push(kind, list);
                }
            }
            let ages: Vec<&AgeKey> = g.age_keys().collect();
            if !ages.is_empty() {
                b.push("age", age_list(&ages));
            }
        }
        b.push("lastmodified", Value::Str(self.last_modified.clone()));
        b.push("mac", Value::Str(self.mac.clone()));
        if flat {
            if let Some(list) = foreign_list(self.key_groups[0].foreign_of("pgp")) {
                b.push("pgp", list);
            }
        }
        for (name, value) in self.options.pairs() {
            if !value.is_empty() {
                b.push(name, Value::Str(value.clone()));
            }
        }
        if self.mac_only_encrypted {
            b.push("mac_only_encrypted", Value::Bool(true));
        }
        b.push("version", Value::Str(self.version.clone()));
        b
    }

    /// Reads metadata from the value stored under the `sops` key.
    pub fn from_value(value: &Value) -> Result<Metadata> {
        let Value::Map(map) = value else {
            return Err(Error::InvalidMetadata(
                "the sops key must hold a map".into(),
            ));
        };
        let mut md = Metadata {
            version: String::new(),
            ..Metadata::default()
        };
        let mut flat = KeyGroup::default();
        let mut groups: Vec<KeyGroup> = Vec::new();
        for (key, v) in map.entries() {
            match key {
                "shamir_threshold" => md.shamir_threshold = threshold_of(v)?,
                "lastmodified" => md.last_modified = scalar_text(v).unwrap_or_default(),
                "mac" => md.mac = scalar_text(v).unwrap_or_default(),
                "version" => md.version = scalar_text(v).unwrap_or_default(),
                "mac_only_encrypted" => {
                    md.mac_only_encrypted = match v {
                        Value::Bool(b) => *b,
                        Value::Str(s) => gofmt::parse_bool(s).unwrap_or(false),
                        Value::Null => false,
                        _ => return Err(Error::InvalidMetadata("mac_only_encrypted".into())),
                    }
                }
                "age" => flat.0.extend(age_keys_of(v)?),
                "key_groups" => {
                    if let Value::List(items) = v {
                        for item in items {
                            groups.push(group_of(item)?);
                        }
                    } else if !matches!(v, Value::Null) {
                        return Err(Error::InvalidMetadata("key_groups must be a list".into()));
                    }
                }
                k if FOREIGN_KEY_TYPES.contains(&k) => flat.0.extend(foreign_keys_of(k, v)?),
                k => {
                    if let Some(text) = scalar_text(v) {
                        md.options.set(k, text);
                    }
                }
            }
        }
        if !flat.0.is_empty() {
            md.key_groups = vec![flat];
        } else {
            md.key_groups = groups;
        }
        if md.options.count() > 1 {
            return Err(Error::ConflictingEncryptionOptions);
        }
        md.options = md.options.with_default();
        Ok(md)
    }

    /// Flattened `(key, value)` pairs for dotenv/INI, sorted by key as sops writes them.
    pub fn flatten(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        flatten_into(
            &Value::Map(self.to_branch(EmptyList::AsNull)),
            String::new(),
            &mut out,
        );
        out.sort_by(|a, b| a.0.cmp(&b.0));
        out
    }

    /// Rebuilds metadata from flattened pairs (prefix already removed).
    pub fn unflatten(pairs: &[(String, String)]) -> Result<Metadata> {
        let mut root = Value::Map(Branch::new());
        // List slots available: lists written by sops are dense, so they never hold more slots
        // than there are `__list_` steps in all keys together. Anything beyond is a sparse
        // index (`age__list_99999999999`) that would only pad with nulls and exhaust memory.
        let mut slots: usize = pairs
            .iter()
            .map(|(k, _)| k.matches("__list_").count())
            .sum();
        for (key, value) in pairs {
            insert_flat(&mut root, key, value.clone(), &mut slots)?;
        }
        Metadata::from_value(&root)
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::Str(s) | Value::Time(s) => Some(s.clone()),
        Value::Int(i) => Some(i.to_string()),
        Value::Float(f) => Some(gofmt::float_yaml(*f)),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn threshold_of(v: &Value) -> Result<usize> {
    let bad = || Error::InvalidMetadata("shamir_threshold must be a whole number".into());
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as usize),
        Value::Float(f) if f.fract() == 0.0 && *f >= 0.0 => Ok(*f as usize),
        Value::Str(s) => {
            if let Some(i) = gofmt::parse_atoi(s) {
                return usize::try_from(i).map_err(|_| bad());
            }
            match gofmt::parse_float(s) {
                Some(f) if f.fract() == 0.0 && f >= 0.0 => Ok(f as usize),
                _ => Err(bad()),
            }
        }
        Value::Null => Ok(0),
        _ => Err(bad()),
    }
}

fn age_keys_of(v: &Value) -> Result<Vec<MasterKey>> {
    let Value::List(items) = v else {
        return match v {
            Value::Null => Ok(Vec::new()),
            _ => Err(Error::InvalidMetadata("age must be a list".into())),
        };
    };
    items
        .iter()
        .map(|item| match item {
            Value::Map(m) => Ok(MasterKey::Age(AgeKey {
                recipient: m
                    .get("recipient")
                    .and_then(scalar_text)
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
                enc: m.get("enc").and_then(scalar_text).unwrap_or_default(),
            })),
            _ => Err(Error::InvalidMetadata("age entries must be maps".into())),
        })
        .collect()
}

fn foreign_keys_of(kind: &str, v: &Value) -> Result<Vec<MasterKey>> {
    match v {
        Value::Null => Ok(Vec::new()),
        Value::List(items) => items
            .iter()
            .map(|item| match item {
                Value::Map(m) => Ok(MasterKey::Foreign {
                    kind: kind.to_string(),
                    fields: m.clone(),
                }),
                _ => Err(Error::InvalidMetadata(format!(
                    "{kind} entries must be maps"
                ))),
            })
            .collect(),
        _ => Err(Error::InvalidMetadata(format!("{kind} must be a list"))),
    }
}

fn group_of(v: &Value) -> Result<KeyGroup> {
    let Value::Map(m) = v else {
        return Err(Error::InvalidMetadata("key group must be a map".into()));
    };
    let mut group = KeyGroup::default();
    // sops' try order inside a group: kms, gcp_kms, hckms, azure_kv, hc_vault, pgp, age.
    for kind in ["kms", "gcp_kms", "hckms", "azure_kv", "hc_vault", "pgp"] {
        if let Some(list) = m.get(kind) {
            group.0.extend(foreign_keys_of(kind, list)?);
        }
    }
    if let Some(list) = m.get("age") {
        group.0.extend(age_keys_of(list)?);
    }
    Ok(group)
}

fn flatten_into(v: &Value, prefix: String, out: &mut Vec<(String, String)>) {
    match v {
        Value::Map(b) => {
            for (k, child) in b.entries() {
                let key = if prefix.is_empty() {
                    k.to_string()
                } else {
                    format!("{prefix}__map_{k}")
                };
                flatten_into(child, key, out);
            }
        }
        Value::List(items) => {
            for (i, child) in items.iter().enumerate() {
                flatten_into(child, format!("{prefix}__list_{i}"), out);
            }
        }
        Value::Null => {}
        other => out.push((prefix, scalar_text(other).unwrap_or_default())),
    }
}

/// One step of a flattened key: a map key or a list index.
enum Step {
    Key(String),
    Index(usize),
}

fn parse_flat_key(key: &str) -> Result<Vec<Step>> {
    let bad = || Error::InvalidMetadata(format!("malformed flattened metadata key {key}"));
    let mut steps = Vec::new();
    let first_end = [key.find("__map_"), key.find("__list_")]
        .into_iter()
        .flatten()
        .min()
        .unwrap_or(key.len());
    steps.push(Step::Key(key[..first_end].to_string()));
    let mut rest = &key[first_end..];
    while !rest.is_empty() {
        let (is_map, body) = if let Some(b) = rest.strip_prefix("__map_") {
            (true, b)
        } else if let Some(b) = rest.strip_prefix("__list_") {
            (false, b)
        } else {
            return Err(bad());
        };
        let end = [body.find("__map_"), body.find("__list_")]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(body.len());
        let part = &body[..end];
        steps.push(if is_map {
            Step::Key(part.to_string())
        } else {
            Step::Index(part.parse().map_err(|_| bad())?)
        });
        rest = &body[end..];
    }
    Ok(steps)
}

fn insert_flat(root: &mut Value, key: &str, value: String, slots: &mut usize) -> Result<()> {
    let steps = parse_flat_key(key)?;
    let mut cur = root;
    for (i, step) in steps.iter().enumerate() {
        let last = i == steps.len() - 1;
        let next_is_list = matches!(steps.get(i + 1), Some(Step::Index(_)));
        let fresh = || {
            if last {
                Value::Str(value.clone())
            } else if next_is_list {
                Value::List(Vec::new())
            } else {
                Value::Map(Branch::new())
            }
        };
        cur = match (step, cur) {
            (Step::Key(k), Value::Map(b)) => {
                if b.get(k).is_none() {
                    b.push(k.clone(), fresh());
                } else if last {
                    *b.get_mut(k).expect("checked") = fresh();
                }
                b.get_mut(k).expect("just inserted")
            }
            (Step::Index(idx), Value::List(items)) => {
                let grow = idx.saturating_add(1).saturating_sub(items.len());
                if grow > *slots {
                    return Err(Error::InvalidMetadata(format!(
                        "flattened metadata key {key} has a list index beyond the data"
                    )));
                }
                *slots -= grow;
                while items.len() <= *idx {
                    items.push(Value::Null);
                }
                if matches!(items[*idx], Value::Null) || last {
                    items[*idx] = fresh();
                }
                &mut items[*idx]
            }
            _ => {
                return Err(Error::InvalidMetadata(format!(
                    "conflicting flattened metadata key {key}"
                )))
            }
        };
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Metadata {
        Metadata {
            key_groups: vec![KeyGroup(vec![MasterKey::Age(AgeKey {
                recipient: "age1abc".into(),
                enc: "-----BEGIN AGE ENCRYPTED FILE-----\nx\n-----END AGE ENCRYPTED FILE-----\n"
                    .into(),
            })])],
            last_modified: "2026-11-22T06:06:01Z".into(),
            mac: "ENC[x]".into(),
            options: EncryptionOptions::default().with_default(),
            ..Metadata::default()
        }
    }

    #[test]
    fn field_order_flat() {
        let b = sample().to_branch(EmptyList::AsList);
        let keys: Vec<&str> = b.keys().collect();
        assert_eq!(
            keys,
            [
                "age",
                "lastmodified",
                "mac",
                "unencrypted_suffix",
                "version"
            ]
        );
    }

    #[test]
    fn field_order_groups() {
        let mut md = sample();
        md.key_groups.push(md.key_groups[0].clone());
        md.shamir_threshold = 2;
        let b = md.to_branch(EmptyList::AsList);
        let keys: Vec<&str> = b.keys().collect();
        assert_eq!(
            keys,
            [
                "shamir_threshold",
                "key_groups",
                "lastmodified",
                "mac",
                "unencrypted_suffix",
                "version"
            ]
        );
        let Some(Value::List(groups)) = b.get("key_groups") else {
            panic!()
        };
        let Value::Map(g) = &groups[0] else { panic!() };
        assert_eq!(g.keys().collect::<Vec<_>>(), ["hc_vault", "age"]);
        assert_eq!(Metadata::from_value(&Value::Map(b)).unwrap(), md);
    }

    // Fuzz (metadata target): a huge flattened list index padded the list with nulls until the
    // allocation failed (`sops_age__list_99999999999__map_recipient=x` in a .env file).
    #[test]
    fn unflatten_rejects_sparse_huge_list_index() {
        for key in [
            "age__list_99999999999__map_recipient",
            "key_groups__list_0__map_age__list_4000000000__map_enc",
            "age__list_1__map_recipient",
            "age__list_18446744073709551615",
        ] {
            let pairs = vec![(key.to_string(), "x".to_string())];
            assert!(Metadata::unflatten(&pairs).is_err(), "{key}");
        }
        // Dense lists arrive in sorted key order (`__list_10` before `__list_2`) and still fit.
        let mut md = sample();
        let key = md.key_groups[0].0[0].clone();
        md.key_groups[0].0 = vec![key; 12];
        let flat = md.flatten();
        assert!(flat.iter().any(|(k, _)| k.starts_with("age__list_11")));
        assert_eq!(Metadata::unflatten(&flat).unwrap(), md);
    }

    #[test]
    fn flatten_round_trip() {
        let mut md = sample();
        md.key_groups.push(md.key_groups[0].clone());
        md.shamir_threshold = 2;
        md.mac_only_encrypted = true;
        let flat = md.flatten();
        assert!(flat.windows(2).all(|w| w[0].0 <= w[1].0));
        assert!(flat
            .iter()
            .any(|(k, _)| k == "key_groups__list_1__map_age__list_0__map_recipient"));
        assert!(flat
            .iter()
            .any(|(k, v)| k == "shamir_threshold" && v == "2"));
        assert!(flat
            .iter()
            .any(|(k, v)| k == "mac_only_encrypted" && v == "true"));
        assert!(!flat.iter().any(|(k, _)| k.contains("hc_vault")));
        assert_eq!(Metadata::unflatten(&flat).unwrap(), md);
    }

    #[test]
    fn conflicting_options_rejected() {
        let mut b = sample().to_branch(EmptyList::AsList);
        b.push("encrypted_regex", Value::Str("x".into()));
        assert!(matches!(
            Metadata::from_value(&Value::Map(b)),
            Err(Error::ConflictingEncryptionOptions)
        ));
    }

    #[test]
    fn lastmodified_aad_is_reformatted() {
        let mut md = sample();
        md.last_modified = "2026-11-22T06:06:01+00:00".into();
        assert_eq!(md.last_modified_aad().unwrap(), "2026-11-22T06:06:01Z");
        md.last_modified = "2026-11-22T06:06:01.999Z".into();
        assert_eq!(md.last_modified_aad().unwrap(), "2026-11-22T06:06:01Z");
    }
}
