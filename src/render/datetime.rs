//! Dates, timestamps and intervals written the way Spark writes them (`CAST(x AS STRING)`):
//! timestamps in the session time zone, fractions without trailing zeros, ANSI interval
//! literals.
//! Must not: read the system's time zone: the session's zone is given.

use std::fmt::Write as _;
use std::str::FromStr;

use chrono::{
    DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Timelike,
};

const MICROS_PER_SECOND: i64 = 1_000_000;
const MICROS_PER_MINUTE: i64 = 60 * MICROS_PER_SECOND;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;
const MICROS_PER_DAY: i64 = 24 * MICROS_PER_HOUR;

/// The session time zone (`spark.sql.session.timeZone`), in which Spark shows timestamps.
#[derive(Debug, Clone, PartialEq)]
pub enum Zone {
    Region(chrono_tz::Tz),
    Offset(FixedOffset),
}

impl Default for Zone {
    fn default() -> Zone {
        Zone::Offset(chrono::Utc.fix())
    }
}

impl Zone {
    /// A zone as Spark accepts it: a region (`America/Chicago`, `UTC`) or an offset
    /// (`+05:30`, `-08`, `UTC+1`, `GMT-03:00`, `Z`). `None` for anything else.
    pub fn parse(id: &str) -> Option<Zone> {
        let id = id.trim();
        if let Ok(tz) = chrono_tz::Tz::from_str(id) {
            return Some(Zone::Region(tz));
        }
        if id == "Z" {
            return Some(Zone::default());
        }
        let offset = ["UTC", "GMT", "UT"]
            .iter()
            .find_map(|p| id.strip_prefix(p))
            .unwrap_or(id);
        let (sign, rest) = match offset.chars().next()? {
            '+' => (1, &offset[1..]),
            '-' => (-1, &offset[1..]),
            _ => return None,
        };
        let mut parts = rest.split(':');
        let mut next = |max: i32| -> Option<Option<i32>> {
            match parts.next() {
                None => Some(None),
                Some(p) if (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse::<i32>().ok().filter(|v| *v <= max).map(Some)
                }
                Some(_) => None,
            }
        };
        let hours = next(18)??;
        let minutes = next(59)?.unwrap_or(0);
        let seconds = next(59)?.unwrap_or(0);
        if parts.next().is_some() {
            return None;
        }
        FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60 + seconds)).map(Zone::Offset)
    }

    fn local(&self, utc: &NaiveDateTime) -> (NaiveDateTime, FixedOffset) {
        match self {
            Zone::Region(tz) => {
                let offset = tz.offset_from_utc_datetime(utc).fix();
                (*utc + offset, offset)
            }
            Zone::Offset(offset) => (*utc + *offset, *offset),
        }
    }
}

/// `yyyy` as Java's `uuuu` pattern writes it: four digits, a sign beyond them.
fn write_year(year: i32, out: &mut String) {
    if year > 9999 {
        let _ = write!(out, "+{year}");
    } else if year < 0 {
        let _ = write!(out, "-{:04}", year.unsigned_abs());
    } else {
        let _ = write!(out, "{year:04}");
    }
}

fn write_naive_date(date: &NaiveDate, out: &mut String) {
    write_year(date.year(), out);
    let _ = write!(out, "-{:02}-{:02}", date.month(), date.day());
}

/// A `date` (days since 1970-01-01).
pub fn write_date(days: i32, out: &mut String) {
    match NaiveDate::from_ymd_opt(1970, 1, 1)
        .and_then(|epoch| epoch.checked_add_signed(chrono::TimeDelta::days(i64::from(days))))
    {
        Some(date) => write_naive_date(&date, out),
        None => {
            let _ = write!(out, "(date {days} days from 1970-01-01)");
        }
    }
}

/// The local date and time, and the fraction of a second (`fraction` of `digits` digits)
/// without trailing zeros.
fn write_local(local: &NaiveDateTime, (fraction, digits): (u32, usize), out: &mut String) {
    write_naive_date(&local.date(), out);
    let _ = write!(
        out,
        " {:02}:{:02}:{:02}",
        local.hour(),
        local.minute(),
        local.second()
    );
    write_digits(fraction, digits, out);
}

/// `.5`, `.000123`: microseconds after a point, trailing zeros dropped; nothing for zero.
fn write_fraction(micros: u32, out: &mut String) {
    write_digits(micros, 6, out);
}

/// A fraction of a second of `digits` digits (6 for micro-, 9 for nanoseconds) after a point,
/// trailing zeros dropped; nothing for zero.
fn write_digits(fraction: u32, digits: usize, out: &mut String) {
    if fraction == 0 {
        return;
    }
    let text = format!("{fraction:0digits$}");
    out.push('.');
    out.push_str(text.trim_end_matches('0'));
}

/// A `time` value (nanoseconds since midnight): `HH:MM:SS` and its fraction, as Spark casts it.
pub fn write_time(nanos: i64, out: &mut String) {
    const NANOS_PER_SECOND: i64 = 1_000_000_000;
    if !(0..86_400 * NANOS_PER_SECOND).contains(&nanos) {
        let _ = write!(out, "(time {nanos} ns after midnight)");
        return;
    }
    let seconds = nanos / NANOS_PER_SECOND;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    write_digits(u32::try_from(nanos % NANOS_PER_SECOND).unwrap_or(0), 9, out);
}

/// A `timestamp(9)` or `timestamp_ntz(9)` value (nanoseconds since the epoch): as
/// [`write_timestamp`], with all nine digits of the fraction.
pub fn write_timestamp_nanos(nanos: i64, zone: Option<&Zone>, out: &mut String) {
    let micros = nanos.div_euclid(1000);
    let Some((utc, fraction)) = utc_of(micros) else {
        let _ = write!(out, "(timestamp {nanos} ns from 1970-01-01)");
        return;
    };
    let nano_fraction = (
        fraction * 1000 + u32::try_from(nanos.rem_euclid(1000)).unwrap_or(0),
        9,
    );
    match zone {
        Some(zone) => write_local(&zone.local(&utc).0, nano_fraction, out),
        None => write_local(&utc, nano_fraction, out),
    }
}

fn utc_of(micros: i64) -> Option<(NaiveDateTime, u32)> {
    let seconds = micros.div_euclid(MICROS_PER_SECOND);
    let fraction = u32::try_from(micros.rem_euclid(MICROS_PER_SECOND)).ok()?;
    Some((DateTime::from_timestamp(seconds, 0)?.naive_utc(), fraction))
}

/// A `timestamp` (microseconds since the epoch, UTC) in `zone`, or a `timestamp_ntz` (local
/// microseconds) when `zone` is `None`.
pub fn write_timestamp(micros: i64, zone: Option<&Zone>, out: &mut String) {
    let Some((utc, fraction)) = utc_of(micros) else {
        let _ = write!(out, "(timestamp {micros} µs from 1970-01-01)");
        return;
    };
    match zone {
        Some(zone) => write_local(&zone.local(&utc).0, (fraction, 6), out),
        None => write_local(&utc, (fraction, 6), out),
    }
}

/// A timestamp inside a variant's JSON: local time and the offset (`Z` for UTC), as Spark
/// writes it.
pub fn write_timestamp_with_offset(micros: i64, zone: &Zone, out: &mut String) {
    let Some((utc, fraction)) = utc_of(micros) else {
        let _ = write!(out, "(timestamp {micros} µs from 1970-01-01)");
        return;
    };
    let (local, offset) = zone.local(&utc);
    write_local(&local, (fraction, 6), out);
    let seconds = offset.local_minus_utc();
    if seconds == 0 {
        out.push('Z');
        return;
    }
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let _ = write!(out, "{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60);
    if abs % 60 != 0 {
        let _ = write!(out, ":{:02}", abs % 60);
    }
}

const DAY_TIME_FIELDS: [&str; 4] = ["DAY", "HOUR", "MINUTE", "SECOND"];
const YEAR_MONTH_FIELDS: [&str; 2] = ["YEAR", "MONTH"];

fn field_name(fields: &[&'static str], i: u8) -> &'static str {
    fields.get(usize::from(i)).copied().unwrap_or("?")
}

fn write_qualifier(fields: &[&'static str], start: u8, end: u8, out: &mut String) {
    out.push_str("' ");
    out.push_str(field_name(fields, start));
    if start != end {
        out.push_str(" TO ");
        out.push_str(field_name(fields, end));
    }
}

/// Seconds with their fraction, zero-padded to two integer digits: `04.5`, `00`, `59.000001`.
fn write_seconds(micros: u64, out: &mut String) {
    let micros_per_second = MICROS_PER_SECOND.unsigned_abs();
    if micros < 10 * micros_per_second {
        out.push('0');
    }
    let _ = write!(out, "{}", micros / micros_per_second);
    write_fraction(u32::try_from(micros % micros_per_second).unwrap_or(0), out);
}

/// A day-time interval (`INTERVAL '1 02:03:04.5' DAY TO SECOND`); fields 0 = day … 3 = second.
pub fn write_day_time(micros: i64, start: u8, end: u8, out: &mut String) {
    out.push_str("INTERVAL '");
    if micros < 0 {
        out.push('-');
    }
    let mut rest = micros.unsigned_abs();
    let unit = |i: usize| [MICROS_PER_DAY, MICROS_PER_HOUR, MICROS_PER_MINUTE][i].unsigned_abs();
    match start {
        0 => {
            let _ = write!(out, "{}", rest / unit(0));
            rest %= unit(0);
        }
        1 | 2 => {
            let u = unit(usize::from(start));
            let _ = write!(out, "{:02}", rest / u);
            rest %= u;
        }
        _ => write_seconds(rest, out),
    }
    if start < 1 && 1 <= end {
        let _ = write!(out, " {:02}", rest / unit(1));
        rest %= unit(1);
    }
    if start < 2 && 2 <= end {
        let _ = write!(out, ":{:02}", rest / unit(2));
        rest %= unit(2);
    }
    if start < 3 && 3 <= end {
        out.push(':');
        write_seconds(rest, out);
    }
    write_qualifier(&DAY_TIME_FIELDS, start, end, out);
}

/// A year-month interval (`INTERVAL '1-2' YEAR TO MONTH`); fields 0 = year, 1 = month.
pub fn write_year_month(months: i32, start: u8, end: u8, out: &mut String) {
    let sign = if months < 0 { "-" } else { "" };
    let abs = months.unsigned_abs();
    out.push_str("INTERVAL '");
    match (start == end, start) {
        (true, 0) => {
            let _ = write!(out, "{sign}{}", abs / 12);
        }
        (true, _) => {
            let _ = write!(out, "{months}");
        }
        (false, _) => {
            let _ = write!(out, "{sign}{}-{}", abs / 12, abs % 12);
        }
    }
    write_qualifier(&YEAR_MONTH_FIELDS, start, end, out);
}

/// A legacy calendar interval (`1 years 2 months 3 days 4 hours 5 minutes 6.5 seconds`).
pub fn write_calendar(months: i32, days: i32, micros: i64, out: &mut String) {
    if months == 0 && days == 0 && micros == 0 {
        out.push_str("0 seconds");
        return;
    }
    let mut parts: Vec<String> = Vec::new();
    let mut unit = |value: i64, name: &str| {
        if value != 0 {
            parts.push(format!("{value} {name}"));
        }
    };
    unit(i64::from(months / 12), "years");
    unit(i64::from(months % 12), "months");
    unit(i64::from(days), "days");
    unit(micros / MICROS_PER_HOUR, "hours");
    unit(micros % MICROS_PER_HOUR / MICROS_PER_MINUTE, "minutes");
    let seconds = micros % MICROS_PER_MINUTE;
    if seconds != 0 {
        let mut text = String::new();
        if seconds < 0 {
            text.push('-');
        }
        let abs = seconds.unsigned_abs();
        let _ = write!(text, "{}", abs / MICROS_PER_SECOND.unsigned_abs());
        write_fraction(
            u32::try_from(abs % MICROS_PER_SECOND.unsigned_abs()).unwrap_or(0),
            &mut text,
        );
        parts.push(format!("{text} seconds"));
    }
    out.push_str(&parts.join(" "));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut String)) -> String {
        let mut out = String::new();
        f(&mut out);
        out
    }

    #[test]
    fn zones_parse_as_spark_accepts_them() {
        assert!(
            matches!(Zone::parse("America/Los_Angeles"), Some(Zone::Region(_))),
            "{:?}",
            Zone::parse("America/Los_Angeles")
        );
        assert!(
            matches!(Zone::parse("UTC"), Some(Zone::Region(_))),
            "{:?}",
            Zone::parse("UTC")
        );
        for (id, seconds) in [
            ("+05:30", 19800),
            ("-08", -28800),
            ("UTC+1", 3600),
            ("GMT-03:00", -10800),
            ("Z", 0),
        ] {
            assert_eq!(
                Zone::parse(id),
                FixedOffset::east_opt(seconds).map(Zone::Offset),
                "{id}"
            );
        }
        for bad in ["Mars/Olympus", "+25:00", "+5:3:2:1", "", "5"] {
            assert_eq!(Zone::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_and_timestamps_read_like_spark() {
        assert_eq!(text(|o| write_date(0, o)), "1970-01-01");
        assert_eq!(text(|o| write_date(-719_162, o)), "0001-01-01");
        assert_eq!(text(|o| write_date(3_789_391, o)), "+12345-01-01");
        assert_eq!(text(|o| write_date(-735_525, o)), "-0044-03-15");
        let la = Zone::parse("America/Los_Angeles");
        // 2024-07-02 10:04:05.12 UTC
        let t = 1_719_914_645_120_000;
        assert_eq!(
            text(|o| write_timestamp(t, la.as_ref(), o)),
            "2024-07-02 03:04:05.12"
        );
        assert_eq!(
            text(|o| write_timestamp(t, None, o)),
            "2024-07-02 10:04:05.12"
        );
        assert_eq!(
            text(|o| write_timestamp(-1, None, o)),
            "1969-12-31 23:59:59.999999"
        );
        let la = la.unwrap_or_default();
        assert_eq!(
            text(|o| write_timestamp_with_offset(t, &la, o)),
            "2024-07-02 03:04:05.12-07:00"
        );
        assert_eq!(
            text(|o| write_timestamp_with_offset(t, &Zone::default(), o)),
            "2024-07-02 10:04:05.12Z"
        );
        // Local mean time before 1883: Los Angeles was 7:52:58 behind UTC.
        assert_eq!(
            text(|o| write_timestamp_with_offset(-3_786_825_600_000_000, &la, o)),
            "1849-12-31 16:07:02-07:52:58"
        );
    }

    #[test]
    fn intervals_read_like_spark() {
        let day_time = 93_784_500_000; // 1 day 02:03:04.5
        assert_eq!(
            text(|o| write_day_time(day_time, 0, 3, o)),
            "INTERVAL '1 02:03:04.5' DAY TO SECOND"
        );
        assert_eq!(
            text(|o| write_day_time(-26 * MICROS_PER_HOUR, 1, 1, o)),
            "INTERVAL '-26' HOUR"
        );
        assert_eq!(
            text(|o| write_day_time(61 * MICROS_PER_MINUTE, 1, 2, o)),
            "INTERVAL '01:01' HOUR TO MINUTE"
        );
        assert_eq!(
            text(|o| write_day_time(4_000_001, 3, 3, o)),
            "INTERVAL '04.000001' SECOND"
        );
        assert_eq!(
            text(|o| write_day_time(i64::MIN, 0, 3, o)),
            "INTERVAL '-106751991 04:00:54.775808' DAY TO SECOND"
        );
        assert_eq!(
            text(|o| write_year_month(14, 0, 1, o)),
            "INTERVAL '1-2' YEAR TO MONTH"
        );
        assert_eq!(
            text(|o| write_year_month(-14, 0, 1, o)),
            "INTERVAL '-1-2' YEAR TO MONTH"
        );
        assert_eq!(
            text(|o| write_year_month(-3, 1, 1, o)),
            "INTERVAL '-3' MONTH"
        );
        assert_eq!(text(|o| write_year_month(24, 0, 0, o)), "INTERVAL '2' YEAR");
        assert_eq!(
            text(|o| write_calendar(
                14,
                3,
                4 * MICROS_PER_HOUR + 5 * MICROS_PER_MINUTE + 6_500_000,
                o
            )),
            "1 years 2 months 3 days 4 hours 5 minutes 6.5 seconds"
        );
        assert_eq!(text(|o| write_calendar(0, 0, 0, o)), "0 seconds");
    }
}
