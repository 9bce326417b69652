//! INI store following gopkg.in/ini.v1 as sops 3.11 uses it: sections become top-level maps,
//! keys before any header live in `DEFAULT`, repeated sections stay separate, comments attach to
//! the next key or section, and output is ini.v1's pretty format (aligned `=`).

use crate::error::{Error, Result};
use crate::metadata::{Metadata, METADATA_KEY};
use crate::store::dotenv;
use crate::tree::{Branch, Item, Value};

const FORMAT: &str = "ini";
/// The implicit section of keys written before any header.
pub const DEFAULT_SECTION: &str = "DEFAULT";

struct Section {
    name: String,
    comment: String,
    keys: Vec<(String, String, String)>,
}

fn push_comment(buf: &mut String, line: &str) {
    if !buf.is_empty() {
        buf.push('\n');
    }
    buf.push_str(line);
}

/// sops' `stripCommentChar`: drop the leading run of `;`/`#` and spaces.
fn strip_comment_char(c: &str) -> String {
    if c.starts_with(';') {
        c.trim_start_matches([';', ' ']).to_string()
    } else if c.starts_with('#') {
        c.trim_start_matches(['#', ' ']).to_string()
    } else {
        c.to_string()
    }
}

fn has_surrounding_quote(v: &str, q: char) -> bool {
    v.len() >= 2 && v.starts_with(q) && v.ends_with(q) && v.matches(q).count() == 2
}

/// Reads a value (after the delimiter) in ini.v1's order: `"""` and backtick values first
/// (may span lines), then the inline comment is cut at the first `#` or `;`, then surrounding
/// single or double quotes are removed.
fn parse_value<'a, I: Iterator<Item = &'a str>>(
    first: &'a str,
    rest: &mut std::iter::Peekable<I>,
    comment: &mut String,
) -> Result<String> {
    let v = first.trim_start();
    // ini.v1 tests `len(line) > 3` on the line with its `\n`, so a bare `"""` opens a
    // multi-line value unless it ends the file (sops writes `"""\n…"""` for values that start
    // with a line break).
    let quote = if v.starts_with("\"\"\"") && (v.len() > 3 || rest.peek().is_some()) {
        Some("\"\"\"")
    } else if v.starts_with('`') {
        Some("`")
    } else {
        None
    };
    if let Some(q) = quote {
        let body = &v[q.len()..];
        if let Some(end) = body.rfind(q) {
            return Ok(body[..end].to_string());
        }
        let mut value = body.to_string();
        for line in rest.by_ref() {
            value.push('\n');
            if let Some(end) = line.find(q) {
                value.push_str(&line[..end]);
                return Ok(value);
            }
            value.push_str(line);
        }
        return Err(Error::parse(FORMAT, "unclosed multi-line value"));
    }
    let mut v = v.trim();
    if let Some(i) = v.find(['#', ';']) {
        push_comment(comment, &v[i..]);
        v = v[..i].trim();
    }
    if has_surrounding_quote(v, '\'') || has_surrounding_quote(v, '"') {
        v = &v[1..v.len() - 1];
    }
    Ok(v.to_string())
}

fn parse_key(line: &str) -> Result<(String, &str)> {
    let (key, rest) = parse_key_text(line)?;
    // ini.v1 trims quoted and plain key names alike and refuses an empty one.
    let key = key.trim();
    if key.is_empty() {
        return Err(Error::parse(FORMAT, "empty key name"));
    }
    Ok((key.to_string(), rest))
}

fn parse_key_text(line: &str) -> Result<(&str, &str)> {
    for quote in ["\"\"\"", "`", "\""] {
        if let Some(body) = line.strip_prefix(quote) {
            let Some(end) = body.find(quote) else {
                return Err(Error::parse(FORMAT, "unclosed quoted key"));
            };
            let after = body[end + quote.len()..].trim_start();
            let Some(rest) = after.strip_prefix(['=', ':']) else {
                return Err(Error::parse(FORMAT, "key-value delimiter not found"));
            };
            return Ok((&body[..end], rest));
        }
    }
    match line.find(['=', ':']) {
        Some(i) => Ok((&line[..i], &line[i + 1..])),
        None => Err(Error::parse(
            FORMAT,
            "key-value delimiter not found in a line",
        )),
    }
}

fn parse_sections(bytes: &[u8]) -> Result<Vec<Section>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text =
        std::str::from_utf8(bytes).map_err(|_| Error::parse(FORMAT, "input is not valid UTF-8"))?;
    let mut sections = vec![Section {
        name: DEFAULT_SECTION.to_string(),
        comment: String::new(),
        keys: Vec::new(),
    }];
    let mut comment = String::new();
    let mut lines = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .peekable();
    while let Some(raw) = lines.next() {
        let line = raw.trim_start();
        if line.is_empty() {
            continue;
        }
        if line.starts_with(['#', ';']) {
            push_comment(&mut comment, line.trim_end());
            continue;
        }
        if let Some(body) = line.strip_prefix('[') {
            let Some(close) = body.rfind(']') else {
                return Err(Error::parse(FORMAT, "unclosed section header"));
            };
            let name = body[..close].trim().to_string();
            if name == DEFAULT_SECTION && sections.len() == 1 && sections[0].keys.is_empty() {
                sections[0].comment = std::mem::take(&mut comment);
            } else {
                sections.push(Section {
                    name,
                    comment: std::mem::take(&mut comment),
                    keys: Vec::new(),
                });
            }
            continue;
        }
        let (key, rest) = parse_key(line)?;
        let value = parse_value(rest, &mut lines, &mut comment)?;
        let section = sections.last_mut().expect("DEFAULT always present");
        section
            .keys
            .push((key, value, std::mem::take(&mut comment)));
    }
    Ok(sections)
}

/// Parses INI bytes into one branch of sections.
pub fn parse(bytes: &[u8]) -> Result<Branch> {
    let mut branch = Branch::new();
    for s in parse_sections(bytes)? {
        let mut items = Branch::new();
        if !s.comment.is_empty() {
            items.0.push(Item::Comment(strip_comment_char(&s.comment)));
        }
        for (k, v, c) in s.keys {
            items.push(k, Value::Str(v));
            if !c.is_empty() {
                items.0.push(Item::Comment(strip_comment_char(&c)));
            }
        }
        branch.push(s.name, Value::Map(items));
    }
    Ok(branch)
}

/// Go's `%v` text for values INI cannot represent natively.
fn go_v(v: &Value) -> String {
    match v {
        Value::Map(b) => {
            let parts: Vec<String> =
                b.0.iter()
                    .map(|i| match i {
                        Item::Entry(k, v) => format!("{{{k} {}}}", go_v(v)),
                        Item::Comment(c) => format!("{{{{{c} false}} <nil>}}"),
                    })
                    .collect();
            format!("[{}]", parts.join(" "))
        }
        Value::List(items) => {
            let parts: Vec<String> = items.iter().map(go_v).collect();
            format!("[{}]", parts.join(" "))
        }
        Value::Comment(c) => format!("{{{c} false}}"),
        other => dotenv::scalar_text(other)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default(),
    }
}

fn value_text(v: &Value) -> String {
    go_v(v)
}

fn comment_lines(out: &mut String, comment: &str, trim_plain: bool) {
    for line in comment.split('\n') {
        match line.as_bytes().first() {
            Some(b'#') | Some(b';') => {
                out.push_str(&line[..1]);
                out.push(' ');
                out.push_str(line[1..].trim());
            }
            _ => {
                out.push_str("; ");
                out.push_str(if trim_plain { line.trim() } else { line });
            }
        }
        out.push('\n');
    }
}

fn write_sections(sections: &[Section]) -> Vec<u8> {
    let mut out = String::new();
    let mut first_written = true;
    for (i, s) in sections.iter().enumerate() {
        let implicit_default = i == 0 && s.name == DEFAULT_SECTION;
        if implicit_default && s.keys.is_empty() && s.comment.is_empty() {
            continue;
        }
        if !first_written {
            out.push('\n');
        }
        first_written = false;
        if !s.comment.is_empty() {
            comment_lines(&mut out, &s.comment, false);
        }
        if !implicit_default {
            out.push('[');
            out.push_str(&s.name);
            out.push_str("]\n");
        }
        let display_key = |k: &str| -> String {
            if k.contains('"') || k.contains(['=', ':']) {
                format!("`{k}`")
            } else if k.contains('`') {
                format!("\"\"\"{k}\"\"\"")
            } else {
                k.to_string()
            }
        };
        let width = s
            .keys
            .iter()
            .map(|(k, _, _)| display_key(k).len())
            .max()
            .unwrap_or(0);
        for (k, v, c) in &s.keys {
            if !c.is_empty() {
                comment_lines(&mut out, c, true);
            }
            let k = display_key(k);
            out.push_str(&k);
            out.push_str(&" ".repeat(width - k.len()));
            out.push_str(" = ");
            if v.contains(['\n', '`']) {
                out.push_str("\"\"\"");
                out.push_str(v);
                out.push_str("\"\"\"");
            } else if v.contains(['#', ';']) {
                out.push('`');
                out.push_str(v);
                out.push('`');
            } else if v.trim() != v {
                out.push('"');
                out.push_str(v);
                out.push('"');
            } else {
                out.push_str(v);
            }
            out.push('\n');
        }
    }
    out.into_bytes()
}

fn sections_of(branch: &Branch, into: &mut Vec<Section>) -> Result<()> {
    for (name, value) in branch.entries() {
        let Value::Map(items) = value else {
            return Err(Error::emit(
                FORMAT,
                "Section values should always be TreeBranches",
            ));
        };
        let mut section = Section {
            name: name.to_string(),
            comment: String::new(),
            keys: Vec::new(),
        };
        let mut rest = &items.0[..];
        if let Some(Item::Comment(c)) = rest.first() {
            section.comment = c.clone();
            rest = &rest[1..];
        }
        for item in rest {
            match item {
                Item::Comment(c) => {
                    if let Some(last) = section.keys.last_mut() {
                        last.2 = c.clone();
                    }
                }
                Item::Entry(k, v) => section.keys.push((k.clone(), value_text(v), String::new())),
            }
        }
        // Only a leading DEFAULT fills ini.v1's implicit section; later ones get a header.
        let is_first = into.len() == 1 && into[0].keys.is_empty() && into[0].comment.is_empty();
        if name == DEFAULT_SECTION && is_first {
            into[0] = section;
        } else {
            into.push(section);
        }
    }
    Ok(())
}

fn empty_default() -> Vec<Section> {
    vec![Section {
        name: DEFAULT_SECTION.to_string(),
        comment: String::new(),
        keys: Vec::new(),
    }]
}

/// Writes branches (normally one) as INI.
pub fn emit(branches: &[Branch]) -> Result<Vec<u8>> {
    let mut sections = empty_default();
    for b in branches {
        sections_of(b, &mut sections)?;
    }
    Ok(write_sections(&sections))
}

/// Writes the data plus a final `[sops]` section of flattened metadata.
pub fn emit_encrypted(branch: &Branch, md: &Metadata) -> Result<Vec<u8>> {
    let mut sections = empty_default();
    sections_of(branch, &mut sections)?;
    sections.push(Section {
        name: METADATA_KEY.to_string(),
        comment: String::new(),
        keys: md
            .flatten()
            .into_iter()
            .map(|(k, v)| (k, v.replace('\n', "\\n"), String::new()))
            .collect(),
    });
    Ok(write_sections(&sections))
}

/// Removes the `[sops]` section and rebuilds the metadata from it.
pub fn extract_metadata(branch: &mut Branch) -> Result<Metadata> {
    let mut pairs = None;
    branch.0.retain(|item| match item {
        Item::Entry(k, Value::Map(section)) if k == METADATA_KEY => {
            if pairs.is_none() {
                pairs = Some(
                    section
                        .entries()
                        .map(|(k, v)| {
                            let text = v.as_str().unwrap_or_default().replace("\\n", "\n");
                            (k.to_string(), text)
                        })
                        .collect::<Vec<_>>(),
                );
            }
            false
        }
        _ => true,
    });
    match pairs {
        Some(p) => Metadata::unflatten(&p),
        None => Err(Error::MetadataNotFound),
    }
}

/// True when the branch already has a `[sops]` section.
pub fn has_metadata(branch: &Branch) -> bool {
    branch.keys().any(|k| k == METADATA_KEY)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "; top comment\n# another\nk0 = v0 ; inline\n[s1]\n# key comment\nk1 = \"quoted\" \nk2 = `bq`\nk3 : colon\nk4 = a#b\n  k5 = \"\"\"multi\nline\"\"\"\n[s1]\nk6 = dup\n[DEFAULT]\nk7=late\n";

    #[test]
    fn parse_and_emit_like_sops() {
        let b = parse(SAMPLE.as_bytes()).unwrap();
        let names: Vec<&str> = b.keys().collect();
        assert_eq!(names, ["DEFAULT", "s1", "s1", "DEFAULT"]);
        let out = String::from_utf8(emit(&[b]).unwrap()).unwrap();
        assert_eq!(
            out,
            "; top comment\n# another\n; inline\nk0 = v0\n\n[s1]\n; key comment\nk1 = quoted\nk2 = bq\nk3 = colon\n; b\nk4 = a\nk5 = \"\"\"multi\nline\"\"\"\n\n[s1]\nk6 = dup\n\n[DEFAULT]\nk7 = late\n"
        );
    }

    // Fuzz (ini target): `=`+"`\n`" parsed with an empty key, and its output ` = """\n"""`
    // did not parse again. sops 3.11 rejects empty key names and reads a bare `"""` followed by
    // a line break as the start of a multi-line value.
    #[test]
    fn fuzz_empty_key_and_bare_triple_quote() {
        for bad in [
            "=`\n`",
            "= x\n",
            "  =x\n",
            "\"\" = 1\n",
            "\" \" = 1\n",
            "`` = 1\n",
        ] {
            assert!(parse(bad.as_bytes()).is_err(), "{bad:?}");
        }
        let b = parse(b"a=`\n`\n").unwrap();
        let out = emit(std::slice::from_ref(&b)).unwrap();
        assert_eq!(out, b"a = \"\"\"\n\"\"\"\n");
        assert_eq!(parse(&out).unwrap(), b);
        let b = parse(b"a = \"\"\"\nx\"\"\"\n").unwrap();
        let Some(Value::Map(sec)) = b.get(DEFAULT_SECTION) else {
            panic!()
        };
        assert_eq!(sec.get("a"), Some(&Value::Str("\nx".into())));
        // At the end of the file there is no line break, so `"""` is a plain value.
        let b = parse(b"a = \"\"\"").unwrap();
        let Some(Value::Map(sec)) = b.get(DEFAULT_SECTION) else {
            panic!()
        };
        assert_eq!(sec.get("a"), Some(&Value::Str("\"\"\"".into())));
    }

    // Quoted key names are trimmed as ini.v1 does (`" a "=x` is key `a` in sops); an untrimmed
    // key was written back bare, read as `a`, and failed authentication on decrypt.
    #[test]
    fn quoted_keys_are_trimmed() {
        let b = parse(b"\" a \"=x\n").unwrap();
        let Some(Value::Map(sec)) = b.get(DEFAULT_SECTION) else {
            panic!()
        };
        assert_eq!(sec.keys().collect::<Vec<_>>(), ["a"]);
    }

    #[test]
    fn value_quoting_and_alignment() {
        let mut sec = Branch::new();
        sec.push("i", Value::Int(5));
        sec.push("s", Value::Str("a;b".into()));
        sec.push("s2", Value::Str(" lead".into()));
        sec.push("k=y", Value::Str("v".into()));
        sec.push("l", Value::List(vec![Value::Int(1), Value::Int(2)]));
        let mut b = Branch::new();
        b.push("sec", Value::Map(sec));
        let out = String::from_utf8(emit(&[b]).unwrap()).unwrap();
        assert_eq!(
            out,
            "[sec]\ni     = 5\ns     = `a;b`\ns2    = \" lead\"\n`k=y` = v\nl     = [1 2]\n"
        );
    }

    #[test]
    fn top_level_scalars_are_rejected() {
        let mut b = Branch::new();
        b.push("x", Value::Int(1));
        assert!(emit(&[b]).is_err());
    }
}
