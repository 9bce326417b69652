//! JSON store. Parsing keeps key order and duplicate keys (Go's token decoder does); every number
//! is a float64, as in sops. Output copies Go's `encoding/json` escaping and `json.Indent` layout.

use crate::error::{Error, Result};
use crate::gofmt;
use crate::tree::{Branch, Item, Value};

const FORMAT: &str = "json";

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 10_000;

impl<'a> Parser<'a> {
    fn err<T>(&self, what: &str) -> Result<T> {
        Err(Error::parse(
            FORMAT,
            format!("{what} at offset {}", self.pos),
        ))
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.s.get(self.pos) {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }

    fn expect(&mut self, b: u8) -> Result<()> {
        if self.peek() == Some(b) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(&format!("expected '{}'", b as char))
        }
    }

    fn value(&mut self) -> Result<Value> {
        self.ws();
        match self.peek() {
            Some(b'{') => Ok(Value::Map(self.object()?)),
            Some(b'[') => self.array(),
            Some(b'"') => Ok(Value::Str(
                String::from_utf8_lossy(&self.string()?).into_owned(),
            )),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => self.err("invalid character"),
            None => self.err("unexpected end of JSON input"),
        }
    }

    fn literal(&mut self, word: &str, v: Value) -> Result<Value> {
        if self.s[self.pos..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            Ok(v)
        } else {
            self.err("invalid literal")
        }
    }

    fn number(&mut self) -> Result<Value> {
        let start = self.pos;
        let digits = |p: &mut Parser| {
            let s = p.pos;
            while p.peek().is_some_and(|b| b.is_ascii_digit()) {
                p.pos += 1;
            }
            p.pos - s
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                digits(self);
            }
            _ => return self.err("invalid number"),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return self.err("invalid number");
            }
        }
        let text = std::str::from_utf8(&self.s[start..self.pos]).unwrap_or("");
        match gofmt::parse_float(text) {
            Some(f) => Ok(Value::Float(f)),
            None => self.err("number out of range"),
        }
    }

    fn hex4(&mut self) -> Result<u32> {
        let Some(h) = self.s.get(self.pos..self.pos + 4) else {
            return self.err("invalid unicode escape");
        };
        let text = std::str::from_utf8(h).unwrap_or("");
        match u32::from_str_radix(text, 16) {
            Ok(v) if text.len() == 4 => {
                self.pos += 4;
                Ok(v)
            }
            _ => self.err("invalid unicode escape"),
        }
    }

    fn string(&mut self) -> Result<Vec<u8>> {
        self.expect(b'"')?;
        let mut out = Vec::new();
        loop {
            let Some(b) = self.peek() else {
                return self.err("unterminated string");
            };
            self.pos += 1;
            match b {
                b'"' => return Ok(out),
                b'\\' => {
                    let Some(e) = self.peek() else {
                        return self.err("unterminated string");
                    };
                    self.pos += 1;
                    match e {
                        b'"' => out.push(b'"'),
                        b'\\' => out.push(b'\\'),
                        b'/' => out.push(b'/'),
                        b'b' => out.push(8),
                        b'f' => out.push(12),
                        b'n' => out.push(b'\n'),
                        b'r' => out.push(b'\r'),
                        b't' => out.push(b'\t'),
                        b'u' => {
                            let mut cp = self.hex4()?;
                            if (0xD800..0xDC00).contains(&cp)
                                && self.s[self.pos..].starts_with(b"\\u")
                            {
                                let save = self.pos;
                                self.pos += 2;
                                let lo = self.hex4()?;
                                if (0xDC00..0xE000).contains(&lo) {
                                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                                } else {
                                    self.pos = save;
                                }
                            }
                            let c = char::from_u32(cp).unwrap_or('\u{FFFD}');
                            let mut buf = [0u8; 4];
                            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                        }
                        _ => return self.err("invalid escape"),
                    }
                }
                0..=0x1f => return self.err("invalid control character in string"),
                _ => out.push(b),
            }
        }
    }

    fn object(&mut self) -> Result<Branch> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.expect(b'{')?;
        let mut branch = Branch::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(branch);
        }
        loop {
            self.ws();
            let key = String::from_utf8_lossy(&self.string()?).into_owned();
            self.ws();
            self.expect(b':')?;
            let v = self.value()?;
            branch.0.push(Item::Entry(key, v));
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(branch);
                }
                _ => return self.err("expected ',' or '}'"),
            }
        }
    }

    fn array(&mut self) -> Result<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.expect(b'[')?;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Value::List(items));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Value::List(items));
                }
                _ => return self.err("expected ',' or ']'"),
            }
        }
    }
}

/// Parses a JSON document whose top level must be an object.
pub fn parse(bytes: &[u8]) -> Result<Branch> {
    // Like Go's decoder, a byte-order mark is not accepted.
    let mut p = Parser {
        s: bytes,
        pos: 0,
        depth: 0,
    };
    p.ws();
    match p.peek() {
        None => Err(Error::parse(FORMAT, "EOF")),
        Some(b'{') => p.object(),
        Some(_) => Err(Error::parse(
            FORMAT,
            "expected JSON object start at the top level",
        )),
    }
}

/// Parses one JSON value of any kind (the VALUE of `secrets set`).
pub fn parse_value(bytes: &[u8]) -> Result<Value> {
    let mut p = Parser {
        s: bytes,
        pos: 0,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    if p.pos != bytes.len() {
        return Err(Error::parse(FORMAT, "unexpected data after the value"));
    }
    Ok(v)
}

/// Writes `s` as a Go `encoding/json` string literal (invalid UTF-8 becomes U+FFFD).
pub fn quote(out: &mut String, bytes: &[u8]) {
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        quote_str(out, chunk.valid());
        // Go writes every byte of invalid UTF-8 as a literal \ufffd escape.
        for _ in chunk.invalid() {
            out.push_str("\\ufffd");
        }
    }
    out.push('"');
}

fn quote_str(out: &mut String, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let cp = c as u32;
                out.push_str("\\u");
                for shift in [12, 8, 4, 0] {
                    out.push(HEX[((cp >> shift) & 15) as usize] as char);
                }
            }
            c if (c as u32) < 0x20 => {
                let cp = c as u32;
                out.push_str("\\u00");
                out.push(HEX[(cp >> 4) as usize] as char);
                out.push(HEX[(cp & 15) as usize] as char);
            }
            c => out.push(c),
        }
    }
}

/// The indentation unit from the `stores.json.indent` setting (-1 = one tab).
pub fn indent_unit(indent: i64) -> String {
    match indent {
        i if i < 0 => "\t".to_string(),
        i => " ".repeat(i as usize),
    }
}

struct Writer<'a> {
    out: String,
    unit: &'a str,
}

impl Writer<'_> {
    fn newline(&mut self, depth: usize) {
        self.out.push('\n');
        for _ in 0..depth {
            self.out.push_str(self.unit);
        }
    }

    fn scalar(&mut self, v: &Value) -> Result<()> {
        match v {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => self.out.push_str(&i.to_string()),
            Value::Float(f) => match gofmt::float_json(*f) {
                Some(s) => self.out.push_str(&s),
                None => {
                    return Err(Error::emit(
                        FORMAT,
                        format!("json: unsupported value: {}", gofmt::float_f(*f)),
                    ))
                }
            },
            Value::Str(s) | Value::Time(s) => quote(&mut self.out, s.as_bytes()),
            Value::Bytes(b) => quote(&mut self.out, b),
            // Comments are dropped from JSON by the callers; collections never reach here.
            Value::Comment(c) => quote(&mut self.out, c.as_bytes()),
            Value::Map(_) | Value::List(_) => {
                return Err(Error::emit(
                    FORMAT,
                    "internal: a collection where a scalar belongs",
                ))
            }
        }
        Ok(())
    }

    fn value(&mut self, v: &Value, depth: usize) -> Result<()> {
        match v {
            Value::Map(b) => self.map(b, depth),
            Value::List(items) => {
                let items: Vec<&Value> = items
                    .iter()
                    .filter(|i| !matches!(i, Value::Comment(_)))
                    .collect();
                if items.is_empty() {
                    self.out.push_str("[]");
                    return Ok(());
                }
                self.out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        self.out.push(',');
                    }
                    self.newline(depth + 1);
                    self.value(item, depth + 1)?;
                }
                self.newline(depth);
                self.out.push(']');
                Ok(())
            }
            other => self.scalar(other),
        }
    }

    fn map(&mut self, b: &Branch, depth: usize) -> Result<()> {
        let entries: Vec<(&str, &Value)> = b.entries().collect();
        if entries.is_empty() {
            self.out.push_str("{}");
            return Ok(());
        }
        self.out.push('{');
        for (i, (k, v)) in entries.iter().enumerate() {
            if i > 0 {
                self.out.push(',');
            }
            self.newline(depth + 1);
            quote(&mut self.out, k.as_bytes());
            self.out.push_str(": ");
            self.value(v, depth + 1)?;
        }
        self.newline(depth);
        self.out.push('}');
        Ok(())
    }
}

/// Writes a branch as an indented JSON document with a trailing newline.
pub fn emit(branch: &Branch, indent: i64) -> Result<Vec<u8>> {
    let unit = indent_unit(indent);
    let mut w = Writer {
        out: String::new(),
        unit: &unit,
    };
    w.map(branch, 0)?;
    w.out.push('\n');
    Ok(w.out.into_bytes())
}

/// Writes a single value (for `--extract`), indented the same way, without a trailing newline.
pub fn emit_value(value: &Value, indent: i64) -> Result<Vec<u8>> {
    let unit = indent_unit(indent);
    let mut w = Writer {
        out: String::new(),
        unit: &unit,
    };
    w.value(value, 0)?;
    Ok(w.out.into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_order_duplicates_and_floats() {
        let b = parse(br#"{"b": 1, "a": [true, null, "x"], "b": 42}"#).unwrap();
        let keys: Vec<&str> = b.keys().collect();
        assert_eq!(keys, ["b", "a", "b"]);
        assert_eq!(b.0[2], Item::Entry("b".into(), Value::Float(42.0)));
    }

    #[test]
    fn rejects_non_objects_and_big_numbers() {
        assert!(parse(b"[1]").is_err());
        assert!(parse(b"").is_err());
        assert!(parse(br#"{"a": 1e400}"#).is_err());
        assert!(parse(br#"{"a": 01}"#).is_err());
    }

    #[test]
    fn escapes_like_go() {
        let mut s = String::new();
        quote(&mut s, "<a&b> \u{2028} é 😀 \u{1}\u{7f}".as_bytes());
        assert_eq!(s, "\"\\u003ca\\u0026b\\u003e \\u2028 é 😀 \\u0001\u{7f}\"");
        let mut s = String::new();
        quote(&mut s, b"\xff");
        assert_eq!(s, "\"\\ufffd\"");
    }

    #[test]
    fn indent_layout() {
        let b = parse(br#"{"a":{"b":[1,2.5,{}],"c":[]},"d":"x"}"#).unwrap();
        let out = String::from_utf8(emit(&b, -1).unwrap()).unwrap();
        assert_eq!(
            out,
            "{\n\t\"a\": {\n\t\t\"b\": [\n\t\t\t1,\n\t\t\t2.5,\n\t\t\t{}\n\t\t],\n\t\t\"c\": []\n\t},\n\t\"d\": \"x\"\n}\n"
        );
        let out = String::from_utf8(emit(&b, 2).unwrap()).unwrap();
        assert!(out.starts_with("{\n  \"a\": {\n    \"b\""));
        let out = String::from_utf8(emit(&b, 0).unwrap()).unwrap();
        assert!(out.starts_with("{\n\"a\": {\n\"b\""));
    }

    #[test]
    fn surrogate_pairs() {
        let b = parse(br#"{"e": "\ud83d\ude00", "bad": "\ud83d"}"#).unwrap();
        assert_eq!(b.get("e"), Some(&Value::Str("😀".into())));
        assert_eq!(b.get("bad"), Some(&Value::Str("\u{FFFD}".into())));
    }
}
