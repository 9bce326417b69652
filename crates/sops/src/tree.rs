//! The format-neutral ordered tree at the centre of the engine.
//!
//! Mirrors sops' `TreeBranch`: a map is an ordered list of items and comments are items too, so
//! stores can put them back where they were. Lists hold comments as [`Value::Comment`] elements.

use zeroize::Zeroize;

/// A whole file: one branch per YAML document (every other store has exactly one).
pub type Branches = Vec<Branch>;

/// An ordered map whose entries keep file order; comments are entries as well.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Branch(pub Vec<Item>);

/// One entry of a [`Branch`].
#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    /// `key: value`.
    Entry(String, Value),
    /// A comment line (text after `#`), kept in place.
    Comment(String),
}

/// A value in the tree. Scalars carry the Go type sops would have given them, because the type
/// decides both the `type:` tag of the ciphertext and the bytes fed to the MAC.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `null`: never encrypted, never part of the MAC.
    Null,
    /// A UTF-8 string.
    Str(String),
    /// A string that is not valid UTF-8 (binary store, `!!binary`); encrypted as `type:str`.
    Bytes(Vec<u8>),
    /// A Go `int` (64-bit).
    Int(i64),
    /// A Go `float64`.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A timestamp, held as its canonical RFC 3339 (nanosecond) text.
    Time(String),
    /// A comment inside a list.
    Comment(String),
    /// A nested map.
    Map(Branch),
    /// A list; may contain [`Value::Comment`] elements.
    List(Vec<Value>),
}

impl Branch {
    /// An empty branch.
    pub fn new() -> Self {
        Branch(Vec::new())
    }

    /// The value stored under `key` (first match, like sops).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find_map(|item| match item {
            Item::Entry(k, v) if k == key => Some(v),
            _ => None,
        })
    }

    /// Mutable access to the value stored under `key`.
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Value> {
        self.0.iter_mut().find_map(|item| match item {
            Item::Entry(k, v) if k == key => Some(v),
            _ => None,
        })
    }

    /// Keys of the entries (comments skipped), in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|item| match item {
            Item::Entry(k, _) => Some(k.as_str()),
            Item::Comment(_) => None,
        })
    }

    /// Entries as `(key, value)` pairs (comments skipped), in order.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &Value)> {
        self.0.iter().filter_map(|item| match item {
            Item::Entry(k, v) => Some((k.as_str(), v)),
            Item::Comment(_) => None,
        })
    }

    /// Appends an entry.
    pub fn push(&mut self, key: impl Into<String>, value: Value) {
        self.0.push(Item::Entry(key.into(), value));
    }

    /// Removes every top-level entry named `key`; returns whether one was removed.
    pub fn remove_all(&mut self, key: &str) -> bool {
        let before = self.0.len();
        self.0
            .retain(|item| !matches!(item, Item::Entry(k, _) if k == key));
        before != self.0.len()
    }

    /// True when the branch has no entries and no comments.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Value {
    /// Short name of the value's kind, for error messages (never the value itself).
    pub fn kind_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Str(_) | Value::Bytes(_) => "string",
            Value::Int(_) => "int",
            Value::Float(_) => "float",
            Value::Bool(_) => "bool",
            Value::Time(_) => "time",
            Value::Comment(_) => "comment",
            Value::Map(_) => "map",
            Value::List(_) => "list",
        }
    }

    /// The string content of a `Str` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// Builds a string value from bytes: `Str` when valid UTF-8, `Bytes` otherwise.
    pub fn from_bytes(bytes: Vec<u8>) -> Value {
        match String::from_utf8(bytes) {
            Ok(s) => Value::Str(s),
            Err(e) => Value::Bytes(e.into_bytes()),
        }
    }
}

// Decrypted trees hold plaintext: wipe it when they are dropped or explicitly zeroized.
impl Zeroize for Value {
    fn zeroize(&mut self) {
        match self {
            Value::Str(s) | Value::Time(s) | Value::Comment(s) => s.zeroize(),
            Value::Bytes(b) => b.zeroize(),
            Value::Int(i) => i.zeroize(),
            Value::Float(f) => f.zeroize(),
            Value::Bool(b) => b.zeroize(),
            Value::Map(m) => m.zeroize(),
            Value::List(l) => l.iter_mut().for_each(Zeroize::zeroize),
            Value::Null => {}
        }
    }
}

impl Zeroize for Item {
    fn zeroize(&mut self) {
        match self {
            Item::Entry(k, v) => {
                k.zeroize();
                v.zeroize();
            }
            Item::Comment(c) => c.zeroize(),
        }
    }
}

impl Zeroize for Branch {
    fn zeroize(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

/// Plaintext branches that are wiped on drop. Use for every decrypted tree.
#[derive(Default)]
pub struct SecretBranches(pub Branches);

impl Drop for SecretBranches {
    fn drop(&mut self) {
        self.0.iter_mut().for_each(Zeroize::zeroize);
    }
}

impl std::fmt::Debug for SecretBranches {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBranches([REDACTED])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_lookup_skips_comments() {
        let mut b = Branch::new();
        b.0.push(Item::Comment(" c".into()));
        b.push("a", Value::Int(1));
        assert_eq!(b.get("a"), Some(&Value::Int(1)));
        assert_eq!(b.keys().collect::<Vec<_>>(), vec!["a"]);
        assert!(b.remove_all("a"));
        assert_eq!(b.0.len(), 1);
    }

    #[test]
    fn zeroize_clears_strings() {
        let mut v = Value::Map(Branch(vec![Item::Entry(
            "k".into(),
            Value::Str("secret".into()),
        )]));
        v.zeroize();
        match v {
            Value::Map(b) => match &b.0[0] {
                Item::Entry(k, Value::Str(s)) => assert!(k.is_empty() && s.is_empty()),
                _ => panic!(),
            },
            _ => panic!(),
        }
    }
}
