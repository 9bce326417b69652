//! Calendar dates for reports (UTC): `YYYY-MM-DD` in and out and whole days between two times,
//! on the calendar code the sops layer already has for `lastmodified` (`GoTime`).

use secrets_sops::gofmt::GoTime;

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) of a time in seconds since the epoch.
pub fn format_iso(secs: i64) -> String {
    GoTime::from_unix(secs).rfc3339()
}

/// `YYYY-MM-DD` (UTC) of a time in seconds since the epoch.
pub fn format_date(secs: i64) -> String {
    let mut iso = format_iso(secs);
    iso.truncate(iso.find('T').unwrap_or(iso.len()));
    iso
}

/// Parses `YYYY-MM-DD` into the first second of that day (UTC); `None` when it is not a real
/// date in that exact form.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    GoTime::parse_yaml(text).map(|t| t.unix())
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_1: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z

    #[test]
    fn dates_round_trip() {
        assert_eq!(format_date(0), "1970-01-01");
        assert_eq!(format_iso(JAN_1 + 3661), "2024-01-01T01:01:01Z");
        assert_eq!(format_date(-1), "1969-12-31");
        assert_eq!(parse_date("2024-01-01"), Some(JAN_1));
        assert_eq!(parse_date("2024-02-29"), Some(JAN_1 + 59 * 86_400));
        assert_eq!(
            parse_date("2000-02-29").map(format_date).as_deref(),
            Some("2000-02-29")
        );
        for bad in [
            "2023-02-29",
            "1900-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-1-01",
            "24-01-01",
            "2024/01/01",
            "2024-01-32",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        // Years 1 to 9999.
        for day in (-719_162..2_932_896).step_by(997) {
            let secs = day * 86_400;
            assert_eq!(parse_date(&format_date(secs)), Some(secs));
        }
    }
}
