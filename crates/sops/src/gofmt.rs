//! Number, boolean and time text exactly as Go's `strconv`, `encoding/json` and `time` write and
//! read them. sops feeds these strings to the cipher and the MAC, so a single differing digit
//! would break compatibility.

/// Shortest round-trip decimal digits of a finite, non-zero `f`, and the decimal exponent of the
/// first digit (`1234.5` → (`"12345"`, 3)), as Go's strconv chooses them.
fn shortest_digits(f: f64) -> (String, i32) {
    let abs = f.abs();
    let s = format!("{abs:e}");
    let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits: String = mantissa.chars().filter(|c| c.is_ascii_digit()).collect();
    let exp = exp.parse().unwrap_or(0);
    match even_tie(abs, &digits, exp) {
        Some(even) => (even, exp),
        None => (digits, exp),
    }
}

/// Rust and Go agree on the shortest digits except when the exact binary value lies exactly
/// halfway between two shortest candidates (`562862250433.53125` between `…5312` and `…5313`):
/// Go takes the even last digit, Rust the upper one. Returns Go's choice when it differs.
fn even_tie(abs: f64, digits: &str, exp: i32) -> Option<String> {
    let bytes = digits.as_bytes();
    let last = bytes[bytes.len() - 1] - b'0';
    if last.is_multiple_of(2) {
        return None;
    }
    // A tie needs the exact value to end in 5 one digit past the shortest digits: a cheap
    // correctly rounded look at that digit first, the full exact expansion only then.
    let n = digits.len();
    let near = format!("{abs:.n$e}");
    if near.split_once('e').map(|(m, _)| m.ends_with('5')) != Some(true) {
        return None;
    }
    // The exact decimal value (Rust's fixed-precision formatting is exact), trailing zeros cut.
    let exact = format!("{abs:.1100e}");
    let (m, e) = exact.split_once('e')?;
    if e.parse::<i32>().ok()? != exp {
        return None;
    }
    let exact_digits = m.replace('.', "");
    let exact_digits = exact_digits.trim_end_matches('0');
    let head = &digits[..digits.len() - 1];
    // The even neighbour below (`…3` → `…2`) or above (`…3` → `…4`; not past 9).
    let mut candidates = vec![(
        format!("{head}{}", last - 1),
        format!("{head}{}5", last - 1),
    )];
    if last < 9 {
        candidates.push((format!("{head}{}", last + 1), format!("{digits}5")));
    }
    candidates.into_iter().find_map(|(even, midpoint)| {
        let round_trips = format!("0.{even}e{}", exp + 1).parse::<f64>() == Ok(abs);
        (exact_digits == midpoint && round_trips).then_some(even)
    })
}

/// Plain decimal text (never an exponent) of shortest `digits` whose first digit is at `exp`.
fn plain_decimal(negative: bool, digits: &str, exp: i32) -> String {
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if exp < 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
        out.push_str(digits);
    } else {
        let int_len = exp as usize + 1;
        if digits.len() <= int_len {
            out.push_str(digits);
            out.extend(std::iter::repeat_n('0', int_len - digits.len()));
        } else {
            out.push_str(&digits[..int_len]);
            out.push('.');
            out.push_str(&digits[int_len..]);
        }
    }
    out
}

fn non_finite(f: f64) -> Option<&'static str> {
    if f.is_nan() {
        Some("NaN")
    } else if f == f64::INFINITY {
        Some("+Inf")
    } else if f == f64::NEG_INFINITY {
        Some("-Inf")
    } else {
        None
    }
}

/// `strconv.FormatFloat(f, 'f', -1, 64)`: shortest digits, never an exponent.
pub fn float_f(f: f64) -> String {
    if let Some(s) = non_finite(f) {
        return s.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let (digits, exp) = shortest_digits(f);
    plain_decimal(f < 0.0, &digits, exp)
}

/// `strconv.FormatFloat(f, 'e'|'E', -1, 64)` from shortest digits.
fn float_e(negative: bool, digits: &str, exp: i32, e: char) -> String {
    let mut out = String::new();
    if negative {
        out.push('-');
    }
    out.push_str(&digits[..1]);
    if digits.len() > 1 {
        out.push('.');
        out.push_str(&digits[1..]);
    }
    out.push(e);
    out.push(if exp < 0 { '-' } else { '+' });
    let abs = exp.unsigned_abs();
    if abs < 10 {
        out.push('0');
    }
    out.push_str(&abs.to_string());
    out
}

/// `strconv.FormatFloat(f, 'g'|'G', -1, 64)`.
fn float_g_with(f: f64, e: char) -> String {
    if let Some(s) = non_finite(f) {
        return s.to_string();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0" } else { "0" }.to_string();
    }
    let (digits, exp) = shortest_digits(f);
    // For shortest output Go switches to %e when the exponent is < -4 or >= 6.
    if !(-4..6).contains(&exp) {
        return float_e(f < 0.0, &digits, exp, e);
    }
    float_f(f)
}

/// Go `'g'` formatting (go-yaml writes floats this way).
pub fn float_g(f: f64) -> String {
    float_g_with(f, 'e')
}

/// How go-yaml v3 writes a float scalar.
pub fn float_yaml(f: f64) -> String {
    match float_g(f).as_str() {
        "+Inf" => ".inf".to_string(),
        "-Inf" => "-.inf".to_string(),
        "NaN" => ".nan".to_string(),
        s => s.to_string(),
    }
}

/// How sops' dotenv (and INI) store turns a float into text: `'G'`, plus `.0` for integral values.
pub fn float_dotenv(f: f64) -> String {
    let s = float_g_with(f, 'E');
    if s.bytes()
        .all(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
    {
        format!("{s}.0")
    } else {
        s
    }
}

/// `encoding/json` float text; `None` for NaN and infinities, which Go refuses to encode.
pub fn float_json(f: f64) -> Option<String> {
    if !f.is_finite() {
        return None;
    }
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let (digits, exp) = shortest_digits(f);
        let mut s = float_e(f < 0.0, &digits, exp, 'e');
        // Go trims "e-07" to "e-7".
        let n = s.len();
        if n >= 4 && &s[n - 4..n - 1] == "e-0" {
            s.remove(n - 2);
        }
        return Some(s);
    }
    Some(float_f(f))
}

/// `strconv.ParseFloat(s, 64)`: decimal floats, `inf`/`infinity`/`nan`; out of range is an error.
pub fn parse_float(s: &str) -> Option<f64> {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !special
        && (body.is_empty()
            || !body
                .bytes()
                .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    if v.is_infinite() && !special {
        return None;
    }
    Some(v)
}

/// `strconv.Atoi`: optional sign and decimal digits, within int64.
pub fn parse_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `strconv.ParseBool`.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// The bytes sops writes for a boolean (Python sops' spelling).
pub fn bool_title(b: bool) -> &'static str {
    if b {
        "True"
    } else {
        "False"
    }
}

/// A point in time as Go's `time.Time` prints it: wall-clock fields plus a fixed UTC offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GoTime {
    year: i32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    nanos: u32,
    /// Offset from UTC in seconds; 0 prints as `Z`.
    offset: i32,
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// A tiny cursor for Go layout-style parsing.
struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.pos).copied()
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    /// Go's `getnum`: one or two digits (exactly two when `fixed`).
    fn num(&mut self, fixed: bool) -> Option<u32> {
        let d1 = self.peek().filter(u8::is_ascii_digit)?;
        self.pos += 1;
        match self.peek().filter(u8::is_ascii_digit) {
            Some(d2) => {
                self.pos += 1;
                Some(u32::from(d1 - b'0') * 10 + u32::from(d2 - b'0'))
            }
            None if fixed => None,
            None => Some(u32::from(d1 - b'0')),
        }
    }
    fn year(&mut self) -> Option<i32> {
        let digits = self.s.get(self.pos..self.pos + 4)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        self.pos += 4;
        std::str::from_utf8(digits).ok()?.parse().ok()
    }
    /// Optional `.fraction` (or `,fraction`) after seconds, as Go accepts it.
    fn fraction(&mut self) -> Option<u32> {
        if !matches!(self.peek(), Some(b'.') | Some(b',')) {
            return Some(0);
        }
        let start = self.pos + 1;
        let mut end = start;
        while self.s.get(end).is_some_and(u8::is_ascii_digit) {
            end += 1;
        }
        if end == start {
            return Some(0);
        }
        self.pos = end;
        let mut digits = std::str::from_utf8(&self.s[start..end]).ok()?.to_string();
        digits.truncate(9);
        while digits.len() < 9 {
            digits.push('0');
        }
        digits.parse().ok()
    }
    /// `Z07:00`: `Z` or `±hh:mm`.
    fn zone(&mut self) -> Option<i32> {
        if self.eat(b'Z') {
            return Some(0);
        }
        let sign = match self.peek()? {
            b'+' => 1,
            b'-' => -1,
            _ => return None,
        };
        self.pos += 1;
        let h = self.num(true)?;
        if !self.eat(b':') {
            return None;
        }
        let m = self.num(true)?;
        if h >= 24 || m >= 60 {
            return None;
        }
        Some(sign * (h as i32 * 3600 + m as i32 * 60))
    }
    fn done(&self) -> bool {
        self.pos == self.s.len()
    }
}

impl GoTime {
    fn validated(self) -> Option<GoTime> {
        let ok = (1..=12).contains(&self.month)
            && self.day >= 1
            && self.day <= days_in_month(self.year, self.month)
            && self.hour < 24
            && self.minute < 60
            && self.second < 60;
        ok.then_some(self)
    }

    /// `time.Parse(time.RFC3339, s)` (also what `UnmarshalText` accepts).
    pub fn parse_rfc3339(s: &str) -> Option<GoTime> {
        let mut c = Cursor {
            s: s.as_bytes(),
            pos: 0,
        };
        let year = c.year()?;
        let month = (c.eat(b'-')).then(|| c.num(true)).flatten()?;
        let day = (c.eat(b'-')).then(|| c.num(true)).flatten()?;
        let hour = (c.eat(b'T')).then(|| c.num(true)).flatten()?;
        let minute = (c.eat(b':')).then(|| c.num(true)).flatten()?;
        let second = (c.eat(b':')).then(|| c.num(true)).flatten()?;
        let nanos = c.fraction()?;
        let offset = c.zone()?;
        if !c.done() {
            return None;
        }
        GoTime {
            year,
            month,
            day,
            hour,
            minute,
            second,
            nanos,
            offset,
        }
        .validated()
    }

    /// go-yaml v3's timestamp resolution: the four layouts it tries, in order.
    pub fn parse_yaml(s: &str) -> Option<GoTime> {
        // Quick check as go-yaml does: four digits then '-'.
        let b = s.as_bytes();
        if b.len() < 5 || !b[..4].iter().all(u8::is_ascii_digit) || b[4] != b'-' {
            return None;
        }
        let date = |c: &mut Cursor| -> Option<(i32, u32, u32)> {
            let y = c.year()?;
            let m = c.eat(b'-').then(|| c.num(false)).flatten()?;
            let d = c.eat(b'-').then(|| c.num(false)).flatten()?;
            Some((y, m, d))
        };
        let clock = |c: &mut Cursor| -> Option<(u32, u32, u32, u32)> {
            let h = c.num(false)?;
            let mi = c.eat(b':').then(|| c.num(false)).flatten()?;
            let se = c.eat(b':').then(|| c.num(false)).flatten()?;
            Some((h, mi, se, c.fraction()?))
        };
        let build = |(y, mo, d): (i32, u32, u32), (h, mi, se, n): (u32, u32, u32, u32), off| {
            GoTime {
                year: y,
                month: mo,
                day: d,
                hour: h,
                minute: mi,
                second: se,
                nanos: n,
                offset: off,
            }
            .validated()
        };
        // "2006-1-2T15:4:5.999999999Z07:00" and its lower-case 't' twin.
        for sep in [b'T', b't'] {
            let mut c = Cursor { s: b, pos: 0 };
            let parsed = (|| {
                let d = date(&mut c)?;
                c.eat(sep).then_some(())?;
                let t = clock(&mut c)?;
                let off = c.zone()?;
                c.done().then_some(())?;
                build(d, t, off)
            })();
            if parsed.is_some() {
                return parsed;
            }
        }
        // "2006-1-2 15:4:5.999999999" (no zone: UTC).
        let mut c = Cursor { s: b, pos: 0 };
        let parsed = (|| {
            let d = date(&mut c)?;
            c.eat(b' ').then_some(())?;
            let t = clock(&mut c)?;
            c.done().then_some(())?;
            build(d, t, 0)
        })();
        if parsed.is_some() {
            return parsed;
        }
        // "2006-1-2".
        let mut c = Cursor { s: b, pos: 0 };
        let d = date(&mut c)?;
        if !c.done() {
            return None;
        }
        build(d, (0, 0, 0, 0), 0)
    }

    fn write_date_clock(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = write!(
            out,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        );
    }

    fn write_zone(&self, out: &mut String) {
        use std::fmt::Write;
        if self.offset == 0 {
            out.push('Z');
        } else {
            let sign = if self.offset < 0 { '-' } else { '+' };
            let abs = self.offset.unsigned_abs();
            let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60);
        }
    }

    /// `t.Format(time.RFC3339)`: whole seconds.
    pub fn rfc3339(&self) -> String {
        let mut out = String::with_capacity(25);
        self.write_date_clock(&mut out);
        self.write_zone(&mut out);
        out
    }

    /// `t.Format(time.RFC3339Nano)`: fraction with trailing zeros trimmed.
    pub fn rfc3339_nano(&self) -> String {
        let mut out = String::with_capacity(35);
        self.write_date_clock(&mut out);
        if self.nanos != 0 {
            let frac = format!("{:09}", self.nanos);
            out.push('.');
            out.push_str(frac.trim_end_matches('0'));
        }
        self.write_zone(&mut out);
        out
    }

    /// The current time in UTC, whole seconds (what sops writes as `lastmodified`).
    pub fn now_utc() -> GoTime {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        GoTime::from_unix(secs)
    }

    /// A UTC time from seconds since the Unix epoch.
    pub fn from_unix(secs: i64) -> GoTime {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400) as u32;
        // Civil-from-days (Howard Hinnant's algorithm).
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        GoTime {
            year,
            month,
            day,
            hour: rem / 3600,
            minute: rem % 3600 / 60,
            second: rem % 60,
            nanos: 0,
            offset: 0,
        }
    }

    /// Seconds since the Unix epoch (ignoring the fraction).
    pub fn unix(&self) -> i64 {
        let (y, m) = if self.month <= 2 {
            (i64::from(self.year) - 1, i64::from(self.month) + 9)
        } else {
            (i64::from(self.year), i64::from(self.month) - 3)
        };
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let doy = (153 * m + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
            - i64::from(self.offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Away from exact ties the Go-style digits are Rust's shortest ones; every output reads
    /// back to the same float.
    #[test]
    fn float_f_agrees_with_rust_display_except_on_ties() {
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut ties = 0;
        for i in 0..200_000u32 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Random bit patterns, and random values with few fraction bits (where ties live).
            let f = if i % 2 == 0 {
                f64::from_bits(x)
            } else {
                (x >> 20) as f64 / f64::from(1u32 << (x % 24) as u32)
            };
            if !f.is_finite() {
                continue;
            }
            let ours = float_f(f);
            assert_eq!(ours.parse::<f64>().unwrap(), f, "{ours}");
            if ours != format!("{f}") && !(f == 0.0 && f.is_sign_negative()) {
                ties += 1;
                assert!(ours.ends_with(['0', '2', '4', '6', '8']), "{ours} vs {f}");
            }
        }
        assert!(ties > 0, "the sample should contain exact ties");
    }

    #[test]
    fn float_f_matches_go() {
        let cases: &[(f64, &str)] = &[
            (1.5, "1.5"),
            (1e10, "10000000000"),
            (0.1, "0.1"),
            (3.0, "3"),
            (-0.5, "-0.5"),
            (685230.15, "685230.15"),
            (1e-7, "0.0000001"),
            (-0.0, "-0"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            // Exactly halfway between two shortest candidates: Go takes the even digit
            // (sops wrote 562862250433.5312 where Rust's Display gives …5313).
            (562862250433.5313, "562862250433.5312"),
            (-562862250433.5313, "-562862250433.5312"),
        ];
        // Large values: shortest digits padded with zeros, not the exact binary value.
        assert_eq!(float_f(1e300), format!("1{}", "0".repeat(300)));
        for (f, want) in cases {
            assert_eq!(float_f(*f), *want, "{f}");
        }
        assert_eq!(float_f(1e300).len(), 301);
        assert!(float_f(5e-324).starts_with("0.000"));
        assert!(float_f(5e-324).ends_with('5'));
    }

    #[test]
    fn float_yaml_matches_go_yaml() {
        let cases: &[(f64, &str)] = &[
            (1e10, "1e+10"),
            (1e-7, "1e-07"),
            (1e300, "1e+300"),
            (685230.15, "685230.15"),
            (f64::MAX, "1.7976931348623157e+308"),
            (5e-324, "5e-324"),
            (1e6, "1e+06"),
            (1234567.0, "1.234567e+06"),
            (0.00001, "1e-05"),
            (0.0001, "0.0001"),
            (100000.0, "100000"),
            (-0.0, "-0"),
            (3.0, "3"),
            (f64::INFINITY, ".inf"),
            (f64::NEG_INFINITY, "-.inf"),
            (f64::NAN, ".nan"),
        ];
        for (f, want) in cases {
            assert_eq!(float_yaml(*f), *want, "{f}");
        }
    }

    #[test]
    fn float_dotenv_matches_sops() {
        let cases: &[(f64, &str)] = &[
            (3.0, "3.0"),
            (1e10, "1E+10"),
            (1.5, "1.5"),
            (1e-7, "1E-07"),
            (123456789.0, "1.23456789E+08"),
            (f64::INFINITY, "+Inf"),
            (f64::NEG_INFINITY, "-Inf"),
            (f64::NAN, "NaN"),
            (100000.0, "100000.0"),
            (-0.0, "-0.0"),
            (1e21, "1E+21"),
            (0.0001, "0.0001"),
        ];
        for (f, want) in cases {
            assert_eq!(float_dotenv(*f), *want, "{f}");
        }
    }

    #[test]
    fn float_json_matches_encoding_json() {
        assert_eq!(float_json(1e300).unwrap(), "1e+300");
        assert_eq!(float_json(1e-7).unwrap(), "1e-7");
        assert_eq!(float_json(-0.0).unwrap(), "-0");
        assert_eq!(float_json(3.0).unwrap(), "3");
        assert_eq!(float_json(1e20).unwrap(), "100000000000000000000");
        assert_eq!(float_json(1e21).unwrap(), "1e+21");
        assert_eq!(float_json(1.5).unwrap(), "1.5");
        assert_eq!(float_json(f64::NAN), None);
    }

    #[test]
    fn parsers_follow_strconv() {
        assert_eq!(parse_float("1.5"), Some(1.5));
        assert_eq!(parse_float("+Inf"), Some(f64::INFINITY));
        assert_eq!(parse_float("1e400"), None);
        assert_eq!(parse_float("abc"), None);
        assert_eq!(parse_atoi("-7"), Some(-7));
        assert_eq!(parse_atoi("1_0"), None);
        assert_eq!(parse_atoi("9223372036854775808"), None);
        assert_eq!(parse_bool("T"), Some(true));
        assert_eq!(parse_bool("yes"), None);
    }

    #[test]
    fn yaml_timestamps() {
        let t = |s| GoTime::parse_yaml(s).map(|t| t.rfc3339_nano());
        assert_eq!(
            t("2001-12-14t21:59:43.10-05:00").as_deref(),
            Some("2001-12-14T21:59:43.1-05:00")
        );
        assert_eq!(t("2002-12-14").as_deref(), Some("2002-12-14T00:00:00Z"));
        assert_eq!(
            t("2001-12-14 21:59:43").as_deref(),
            Some("2001-12-14T21:59:43Z")
        );
        assert_eq!(t("2001-12-14 21:59:43.10 -5"), None);
        assert_eq!(t("2001-2-3").as_deref(), Some("2001-02-03T00:00:00Z"));
        assert_eq!(t("2001-02-30"), None);
        assert_eq!(
            t("2020-01-01T00:00:00+00:00").as_deref(),
            Some("2020-01-01T00:00:00Z")
        );
        assert_eq!(t("12345-01-01"), None);
    }

    #[test]
    fn rfc3339_round_trip_and_unix() {
        let t = GoTime::parse_rfc3339("2026-11-22T06:08:27.999Z").unwrap();
        assert_eq!(t.rfc3339(), "2026-11-22T06:08:27Z");
        let t = GoTime::parse_rfc3339("2026-11-22T06:08:27+01:00").unwrap();
        assert_eq!(t.rfc3339(), "2026-11-22T06:08:27+01:00");
        assert!(GoTime::parse_rfc3339("2026-11-22 06:08:27Z").is_none());
        let now = GoTime::from_unix(1_795_334_907);
        assert_eq!(now.unix(), 1_795_334_907);
        assert_eq!(GoTime::from_unix(0).rfc3339(), "1970-01-01T00:00:00Z");
        assert_eq!(
            GoTime::parse_rfc3339("2000-02-29T12:00:00Z")
                .unwrap()
                .unix(),
            951_825_600
        );
    }
}
