//! go-yaml v3's implicit typing of plain scalars (`resolve`), used both when reading (what type
//! a plain scalar gets) and when writing (whether a string must be quoted to stay a string).

use std::sync::OnceLock;

use regex::Regex;

use crate::gofmt::{self, GoTime};

/// What a plain scalar means.
#[derive(Clone, Debug, PartialEq)]
pub enum Resolved {
    /// `null`, `~`, empty.
    Null,
    /// `true`/`false` in three spellings.
    Bool(bool),
    /// Fits in int64.
    Int(i64),
    /// Fits only in uint64 (sops cannot walk it).
    Uint(u64),
    /// A float.
    Float(f64),
    /// A timestamp, canonical RFC 3339 nano text.
    Time(String),
    /// Anything else.
    Str,
}

fn yaml_style_float() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$").expect("static")
    })
}

fn base60_float() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$").expect("static")
    })
}

/// Go `strconv.ParseInt(s, 0, 64)` / `ParseUint`: sign, then 0x/0o/0b/leading-0 octal prefixes.
fn parse_go_int(s: &str) -> Option<Result<i64, u64>> {
    let (neg, body) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let (radix, digits) =
        if let Some(d) = body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
            (16, d)
        } else if let Some(d) = body.strip_prefix("0o").or_else(|| body.strip_prefix("0O")) {
            (8, d)
        } else if let Some(d) = body.strip_prefix("0b").or_else(|| body.strip_prefix("0B")) {
            (2, d)
        } else if body.len() > 1 && body.starts_with('0') {
            (8, &body[1..])
        } else {
            (10, body)
        };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = u64::from_str_radix(digits, radix).ok()?;
    if neg {
        if magnitude <= i64::MAX as u64 + 1 {
            Some(Ok((magnitude as i64).wrapping_neg()))
        } else {
            None
        }
    } else if magnitude <= i64::MAX as u64 {
        Some(Ok(magnitude as i64))
    } else {
        Some(Err(magnitude))
    }
}

/// Resolves a plain (untagged, unquoted) scalar.
pub fn resolve(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "true" | "True" | "TRUE" => return Resolved::Bool(true),
        "false" | "False" | "FALSE" => return Resolved::Bool(false),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY)
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        _ => {}
    }
    match s.as_bytes()[0] {
        b'.' => match gofmt::parse_float(s) {
            Some(f) => Resolved::Float(f),
            None => Resolved::Str,
        },
        b'0'..=b'9' | b'+' | b'-' => resolve_number(s),
        _ => Resolved::Str,
    }
}

fn resolve_number(s: &str) -> Resolved {
    if let Some(t) = GoTime::parse_yaml(s) {
        return Resolved::Time(t.rfc3339_nano());
    }
    let plain = s.replace('_', "");
    match parse_go_int(&plain) {
        Some(Ok(i)) => return Resolved::Int(i),
        Some(Err(u)) => return Resolved::Uint(u),
        None => {}
    }
    if yaml_style_float().is_match(&plain) {
        if let Some(f) = gofmt::parse_float(&plain) {
            return Resolved::Float(f);
        }
    }
    Resolved::Str
}

/// YAML 1.1 booleans that go-yaml still quotes on output.
pub fn is_old_bool(s: &str) -> bool {
    matches!(
        s,
        "y" | "Y"
            | "yes"
            | "Yes"
            | "YES"
            | "on"
            | "On"
            | "ON"
            | "n"
            | "N"
            | "no"
            | "No"
            | "NO"
            | "off"
            | "Off"
            | "OFF"
    )
}

/// `1:20`-style sexagesimal numbers, which go-yaml quotes on output.
pub fn is_base60_float(s: &str) -> bool {
    // Fast path mirrors go-yaml: must contain ':' and start with a sign or digit.
    s.contains(':') && base60_float().is_match(s)
}

/// Whether go-yaml may write `s` as a plain scalar without it reading back as another type.
pub fn plain_stays_string(s: &str) -> bool {
    resolve(s) == Resolved::Str && !is_base60_float(s) && !is_old_bool(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(resolve("0x1F"), Resolved::Int(31));
        assert_eq!(resolve("0o17"), Resolved::Int(15));
        assert_eq!(resolve("0017"), Resolved::Int(15));
        assert_eq!(resolve("007"), Resolved::Int(7));
        assert_eq!(resolve("1_000"), Resolved::Int(1000));
        assert_eq!(resolve("0B11"), Resolved::Int(3));
        assert_eq!(resolve("+12"), Resolved::Int(12));
        assert_eq!(resolve("-0b101"), Resolved::Int(-5));
        assert_eq!(resolve("08"), Resolved::Float(8.0));
        assert_eq!(resolve("09"), Resolved::Float(9.0));
        assert_eq!(resolve("1e3"), Resolved::Float(1000.0));
        assert_eq!(resolve("1."), Resolved::Float(1.0));
        assert_eq!(resolve(".5"), Resolved::Float(0.5));
        assert_eq!(resolve("+.5"), Resolved::Float(0.5));
        assert_eq!(resolve("1_0.5"), Resolved::Float(10.5));
        assert_eq!(resolve("1e400"), Resolved::Str);
        assert_eq!(resolve("9223372036854775807"), Resolved::Int(i64::MAX));
        assert_eq!(resolve("-9223372036854775808"), Resolved::Int(i64::MIN));
        assert_eq!(resolve("18446744073709551615"), Resolved::Uint(u64::MAX));
        assert_eq!(
            resolve("18446744073709551616"),
            Resolved::Float(18446744073709551616.0)
        );
        assert_eq!(resolve("1.2.3"), Resolved::Str);
        assert_eq!(resolve("3.11.0"), Resolved::Str);
        assert_eq!(resolve("-"), Resolved::Str);
        assert_eq!(resolve("0"), Resolved::Int(0));
    }

    #[test]
    fn specials() {
        assert_eq!(resolve("~"), Resolved::Null);
        assert_eq!(resolve("tRue"), Resolved::Str);
        assert_eq!(resolve("yes"), Resolved::Str);
        assert_eq!(resolve("<<"), Resolved::Str);
        assert!(matches!(resolve(".nan"), Resolved::Float(f) if f.is_nan()));
        assert_eq!(resolve("Inf"), Resolved::Str);
        assert_eq!(
            resolve("2002-12-14"),
            Resolved::Time("2002-12-14T00:00:00Z".into())
        );
    }

    #[test]
    fn quoting_decisions() {
        for s in [
            "true",
            "123",
            "0x1F",
            "0o17",
            "+1",
            "1e3",
            ".inf",
            "null",
            "~",
            "",
            "2002-12-14",
            "yes",
            "y",
            "n",
            "1:20",
            "12:30",
        ] {
            assert!(!plain_stays_string(s), "{s} should be quoted");
        }
        for s in [
            "Inf", "1.2.3", "3.11.0", "x:y", "x#y", "-x", "?x", "=", "a b", "<<",
        ] {
            assert!(plain_stays_string(s), "{s} should stay plain");
        }
    }
}
