//! dotenv store, sops flavour: one `KEY=value` per line, split at the first `=`, no quote
//! handling, `\n` escapes for newlines, `#` comment lines, metadata as sorted `sops_…` keys.

use crate::error::{Error, Result};
use crate::gofmt::{self, GoTime};
use crate::metadata::Metadata;
use crate::tree::{Branch, Item, Value};

const FORMAT: &str = "dotenv";
/// Prefix of flattened metadata keys.
pub const METADATA_PREFIX: &str = "sops_";

/// Parses dotenv bytes into a branch.
pub fn parse(bytes: &[u8]) -> Result<Branch> {
    let mut branch = Branch::new();
    for (n, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.is_empty() {
            continue;
        }
        if let Some(comment) = line.strip_prefix(b"#") {
            branch
                .0
                .push(Item::Comment(String::from_utf8_lossy(comment).into_owned()));
            continue;
        }
        let Some(eq) = line.iter().position(|&b| b == b'=') else {
            return Err(Error::parse(
                FORMAT,
                format!("invalid dotenv input line {} (no '=')", n + 1),
            ));
        };
        let key = std::str::from_utf8(&line[..eq]).map_err(|_| {
            Error::parse(
                FORMAT,
                format!("line {}: the key is not valid UTF-8", n + 1),
            )
        })?;
        let value = unescape_newlines(&line[eq + 1..]);
        branch.push(key, Value::from_bytes(value));
    }
    Ok(branch)
}

fn unescape_newlines(raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'\\' && raw.get(i + 1) == Some(&b'n') {
            out.push(b'\n');
            i += 2;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    out
}

fn escape_newlines(out: &mut Vec<u8>, raw: &[u8]) {
    for &b in raw {
        if b == b'\n' {
            out.extend_from_slice(b"\\n");
        } else {
            out.push(b);
        }
    }
}

/// The text sops writes for a scalar in dotenv (and `exec-env`).
pub fn scalar_text(v: &Value) -> Option<Vec<u8>> {
    Some(match v {
        Value::Str(s) => s.as_bytes().to_vec(),
        Value::Bytes(b) => b.clone(),
        Value::Int(i) => i.to_string().into_bytes(),
        Value::Float(f) => gofmt::float_dotenv(*f).into_bytes(),
        Value::Bool(b) => b.to_string().into_bytes(),
        Value::Time(t) => GoTime::parse_rfc3339(t)
            .map(|t| t.rfc3339())
            .unwrap_or_else(|| t.clone())
            .into_bytes(),
        Value::Null => b"<nil>".to_vec(),
        Value::Comment(_) | Value::Map(_) | Value::List(_) => return None,
    })
}

/// Writes a branch as dotenv lines.
pub fn emit(branch: &Branch) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for item in &branch.0 {
        match item {
            Item::Comment(c) => {
                out.push(b'#');
                out.extend_from_slice(c.as_bytes());
                out.push(b'\n');
            }
            Item::Entry(k, v) => {
                let text = scalar_text(v).ok_or_else(|| {
                    Error::emit(
                        FORMAT,
                        format!("cannot use complex value in dotenv file (key {k})"),
                    )
                })?;
                out.extend_from_slice(k.as_bytes());
                out.push(b'=');
                escape_newlines(&mut out, &text);
                out.push(b'\n');
            }
        }
    }
    Ok(out)
}

/// Writes a branch plus its flattened metadata (sorted `sops_` keys after the data).
pub fn emit_encrypted(branch: &Branch, md: &Metadata) -> Result<Vec<u8>> {
    let mut full = branch.clone();
    for (k, v) in md.flatten() {
        full.push(format!("{METADATA_PREFIX}{k}"), Value::Str(v));
    }
    emit(&full)
}

/// Splits the `sops_` keys off a loaded branch.
pub fn extract_metadata(branch: &mut Branch) -> Result<Metadata> {
    let mut pairs = Vec::new();
    branch.0.retain(|item| match item {
        Item::Entry(k, v) if k.starts_with(METADATA_PREFIX) => {
            let text = match v {
                Value::Str(s) => s.clone(),
                Value::Bytes(b) => String::from_utf8_lossy(b).into_owned(),
                _ => String::new(),
            };
            pairs.push((k[METADATA_PREFIX.len()..].to_string(), text));
            false
        }
        _ => true,
    });
    if pairs.is_empty() {
        return Err(Error::MetadataNotFound);
    }
    Metadata::unflatten(&pairs)
}

/// True when the branch already carries sops metadata.
pub fn has_metadata(branch: &Branch) -> bool {
    branch.keys().any(|k| k.starts_with(METADATA_PREFIX))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_rules() {
        let b = parse(b"# c\n\nexport A=1\nB=\"q\" x\r\nC=a\\nb\nD=x=y\nE=\n").unwrap();
        assert_eq!(b.0[0], Item::Comment(" c".into()));
        assert_eq!(b.get("export A"), Some(&Value::Str("1".into())));
        assert_eq!(b.get("B"), Some(&Value::Str("\"q\" x\r".into())));
        assert_eq!(b.get("C"), Some(&Value::Str("a\nb".into())));
        assert_eq!(b.get("D"), Some(&Value::Str("x=y".into())));
        assert_eq!(b.get("E"), Some(&Value::Str(String::new())));
        assert!(parse(b"novalue\n").is_err());
    }

    #[test]
    fn emit_round_trip() {
        let src = b"#x\nA=1\nC=a\\nb\n";
        assert_eq!(emit(&parse(src).unwrap()).unwrap(), src);
        let mut b = Branch::new();
        b.push("F", Value::Float(3.0));
        b.push("N", Value::Null);
        assert_eq!(emit(&b).unwrap(), b"F=3.0\nN=<nil>\n");
        b.push("M", Value::Map(Branch::new()));
        assert!(emit(&b).is_err());
    }
}
