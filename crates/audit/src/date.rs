//! Calendar dates for reports (UTC, proleptic Gregorian), without a date crate: the audit only
//! needs `YYYY-MM-DD` in and out and whole days between two times.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (Gregorian calendar, any year).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    // Shift the year to start in March, so the leap day is the last day of the year.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let m = i64::from(month);
    let day_of_year = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The civil date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `YYYY-MM-DD` (UTC) of a time in seconds since the epoch.
pub fn format_date(secs: i64) -> String {
    let (y, m, d) = civil_from_days(secs.div_euclid(DAY));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DDTHH:MM:SSZ` (UTC) of a time in seconds since the epoch.
pub fn format_iso(secs: i64) -> String {
    let rem = secs.rem_euclid(DAY);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        format_date(secs),
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Parses `YYYY-MM-DD` into the first second of that day (UTC); `None` when it is not a real
/// date in that exact form.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        let s = &text[r];
        s.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| s.parse().ok())?
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if day == 0 || day > days_in_month {
        return None;
    }
    Some(days_from_civil(i64::from(year), month, day) * DAY)
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
