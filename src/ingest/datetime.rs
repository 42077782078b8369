//! Date-times as the LLM traces write them (`2023-11-16 18:15:46.6805900`,
//! `2024-05-10 00:00:00.004632+00:00`), read into nanoseconds since 1970.

use super::csv;

/// [`parse_iso_ns`] for a column of date-times, most of them on the day of the one before:
/// plain fields are read as bytes with the last date's day number kept; anything else (spaces,
/// errors, years past 2262) goes to [`parse_iso_ns`].
#[derive(Debug, Default)]
pub struct IsoColumn {
    /// The last date read (`YYYY-MM-DD`) and its days since 1970.
    date: Option<([u8; 10], i64)>,
}

impl IsoColumn {
    /// Nanoseconds since 1970, as [`parse_iso_ns`] gives them.
    pub fn parse(&mut self, field: &[u8]) -> std::result::Result<i128, String> {
        match self.fast(field) {
            Some(ns) => Ok(i128::from(ns)),
            None => parse_iso_ns(csv::text(field)),
        }
    }

    fn fast(&mut self, b: &[u8]) -> Option<i64> {
        let date: [u8; 10] = b.get(..10)?.try_into().ok()?;
        let days = match self.date {
            Some((d, days)) if d == date => days,
            _ => {
                let (y, m, d) = date_fields(b)?;
                let days = civil_days(y, m, d)?;
                self.date = Some((date, days));
                days
            }
        };
        let (clock, nanos) = time_fields(b)?;
        (days * 86_400 + clock)
            .checked_mul(1_000_000_000)?
            .checked_add(nanos)
    }
}

/// The digits of `b[r]` as a number; `None` unless they are all digits.
fn digits(b: &[u8], r: std::ops::Range<usize>) -> Option<i64> {
    b.get(r)?.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

/// `YYYY-MM-DD` at the start of `b`: year, month 1..=12 and day 1..=31 (whether the month has
/// that day is left to the caller).
fn date_fields(b: &[u8]) -> Option<(i64, i64, i64)> {
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let (y, m, d) = (digits(b, 0..4)?, digits(b, 5..7)?, digits(b, 8..10)?);
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

/// What follows the date: `[ T]HH:MM:SS[.fraction][Z|±HH:MM]` as seconds into the day in UTC
/// (the zone's offset taken off; it may leave the day) and nanoseconds.
fn time_fields(b: &[u8]) -> Option<(i64, i64)> {
    if b.len() < 19 || !matches!(b[10], b' ' | b'T') || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let (h, mi, sec) = (digits(b, 11..13)?, digits(b, 14..16)?, digits(b, 17..19)?);
    if h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    let mut rest = &b[19..];
    let mut nanos = 0i64;
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        // Up to nanoseconds; further digits are below our resolution.
        for (k, &c) in frac[..n.min(9)].iter().enumerate() {
            nanos += i64::from(c - b'0') * 10i64.pow(8 - k as u32);
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        b"" | b"Z" | b"z" => 0,
        // The zone follows the fraction, if any: read it where it is, not at a fixed column.
        [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
            let at = b.len() - 6;
            let o = digits(b, at + 1..at + 3)? * 3600 + digits(b, at + 4..at + 6)? * 60;
            if *sign == b'-' { -o } else { o }
        }
        _ => return None,
    };
    Some((h * 3600 + mi * 60 + sec - offset, nanos))
}

/// Days since 1970 of a date that exists (not 2023-02-29 or 2023-04-31).
fn civil_days(y: i64, m: i64, d: i64) -> Option<i64> {
    (1..=month_days(y, m)?)
        .contains(&d)
        .then(|| days_from_civil(y, m, d))
}

/// The days of month `m` (1..=12) of year `y`.
fn month_days(y: i64, m: i64) -> Option<i64> {
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let feb = if leap { 29 } else { 28 };
    [31, feb, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        .get(usize::try_from(m).ok()?.checked_sub(1)?)
        .copied()
}

/// Parses `YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|±HH:MM]` into nanoseconds since 1970 (UTC when a
/// zone is given; the wall clock as is otherwise).
pub fn parse_iso_ns(s: &str) -> std::result::Result<i128, String> {
    let err = || {
        if s.is_empty() {
            "the field is empty where a date-time like 2023-11-16 18:17:03.9799600 was expected"
                .to_string()
        } else {
            format!(
                "\"{}\" is not a date-time like 2023-11-16 18:17:03.9799600",
                crate::quote::quoted(s)
            )
        }
    };
    let b = s.as_bytes();
    let (y, mo, d) = date_fields(b).ok_or_else(err)?;
    // The clock first, so that an impossible date is named before a bad fraction or zone.
    time_fields(b.get(..19).unwrap_or(b)).ok_or_else(err)?;
    // 2023-02-29 and 2023-04-31 do not exist (they were moved into the next month).
    let last = month_days(y, mo).ok_or_else(err)?;
    if d > last {
        return Err(format!(
            "\"{}\" is not a date: {y:04}-{mo:02} has {last} days",
            crate::quote::quoted(s),
        ));
    }
    let (clock, nanos) = time_fields(b).ok_or_else(err)?;
    let secs = days_from_civil(y, mo, d) * 86_400 + clock;
    Ok(i128::from(secs) * 1_000_000_000 + i128::from(nanos))
}

/// A wall-clock time given by a user: `YYYY-MM-DD` (its midnight) or a date-time as
/// [`parse_iso_ns`] takes it; nanoseconds since 1970.
pub fn parse_wall_clock(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    let ns = if t.len() == 10 {
        parse_iso_ns(&format!("{t} 00:00:00")).map_err(|_| {
            format!(
                "\"{}\" is not a date like 2023-08-21 (or a date-time like 2023-08-21 \
                 09:30:00)",
                crate::quote::quoted(t)
            )
        })
    } else {
        parse_iso_ns(t)
    }?;
    i64::try_from(ns).map_err(|_| format!("\"{}\" is too far from 1970", crate::quote::quoted(s)))
}

/// `YYYY-MM-DD HH:MM:SS.fffffff` (Azure's layout: 100 ns ticks, rounded) of nanoseconds since
/// 1970.
pub fn format_ns(ns: i64) -> String {
    let ticks = (i128::from(ns) + 50).div_euclid(100);
    let secs = ticks.div_euclid(10_000_000) as i64;
    let frac = ticks.rem_euclid(10_000_000);
    let (days, clock) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    format!(
        "{} {:02}:{:02}:{:02}.{frac:07}",
        format_date(days),
        clock / 3600,
        clock / 60 % 60,
        clock % 60
    )
}

/// `YYYY-MM-DD` of days since 1970 (H. Hinnant's algorithm, the inverse of
/// `days_from_civil`).
pub fn format_date(days: i64) -> String {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_times_written_read_back() {
        for s in [
            "1970-01-01 00:00:00.0000000",
            "2023-11-16 18:15:46.6805900",
            "2024-02-29 23:59:59.9999999",
            "2000-03-01 00:00:00.0000001",
            "1969-12-31 23:59:59.5000000",
        ] {
            let ns = parse_iso_ns(s).unwrap() as i64;
            assert_eq!(format_ns(ns), s);
        }
        // Rounded to the nearest 100 ns.
        assert_eq!(format_ns(149), "1970-01-01 00:00:00.0000001");
        assert_eq!(format_ns(150), "1970-01-01 00:00:00.0000002");
        assert_eq!(
            parse_wall_clock("2023-08-21").unwrap(),
            1_692_576_000_000_000_000
        );
        assert!(parse_wall_clock("2023-02-30").is_err());
        assert!(parse_wall_clock("soon").is_err());
        for days in [-1000, 0, 19_590, 100_000] {
            let back = parse_iso_ns(&format!("{} 00:00:00", format_date(days))).unwrap();
            assert_eq!(back, i128::from(days) * 86_400 * 1_000_000_000);
        }
    }

    #[test]
    fn the_column_parser_agrees_with_the_full_one() {
        let cases = [
            "2023-11-16 18:15:46.6805900",
            "2023-11-16 18:15:46",
            "2024-05-10 00:00:00.465919+00:00",
            "2024-05-10T23:59:60.999999999999Z",
            "2024-05-10 01:30:00.5-01:30",
            "2024-02-29 00:00:00",
            "2023-02-29 00:00:00",
            "2023-04-31 00:00:00",
            "2023-13-01 00:00:00",
            "2023-11-16 24:00:00",
            "2023-11-16 18:17:03.",
            "2023-11-16 18:17:03 x",
            "2023-11-16 18:17:03+0100",
            " 2023-11-16 18:17:03 ",
            "2023-11-16",
            "9999-12-31 23:59:59",
            "1969-12-31 23:59:59.5",
            "2023-11-16 18:15:5Ӟ4.4260870",
            "",
        ];
        for primed in ["", "2023-11-16 00:00:00", "2024-05-10 00:00:00"] {
            for case in cases {
                let mut column = IsoColumn::default();
                let _ = column.parse(primed.as_bytes());
                let full = parse_iso_ns(csv::text(case.as_bytes()));
                assert_eq!(column.parse(case.as_bytes()), full, "{case}");
            }
        }
    }

    #[test]
    fn iso_times() {
        assert_eq!(parse_iso_ns("1970-01-01 00:00:00"), Ok(0));
        assert_eq!(parse_iso_ns("1970-01-02T00:00:01Z"), Ok(86_401_000_000_000));
        assert_eq!(
            parse_iso_ns("2023-11-16 18:17:03.9799600").unwrap()
                - parse_iso_ns("2023-11-16 18:17:03").unwrap(),
            979_960_000
        );
        assert_eq!(
            parse_iso_ns("2023-11-16T18:00:00+01:00").unwrap(),
            parse_iso_ns("2023-11-16T17:00:00Z").unwrap()
        );
        // 2024-03-01 is 60 days after 2024-01-01 (a leap year).
        assert_eq!(
            parse_iso_ns("2024-03-01 00:00:00").unwrap()
                - parse_iso_ns("2024-01-01 00:00:00").unwrap(),
            60 * 86_400 * 1_000_000_000
        );
        // The week-long 2024 traces write microseconds and then the zone.
        assert_eq!(
            parse_iso_ns("2024-05-10 00:00:00.465919+00:00").unwrap()
                - parse_iso_ns("2024-05-10 00:00:00").unwrap(),
            465_919_000
        );
        assert_eq!(
            parse_iso_ns("2024-05-10 01:30:00.5-01:30").unwrap(),
            parse_iso_ns("2024-05-10T03:00:00.5Z").unwrap()
        );
        assert!(parse_iso_ns("2024-02-29 00:00:00").is_ok());
        assert!(parse_iso_ns("2000-02-29 00:00:00").is_ok());
        // Found by fuzzing: a multi-byte character where a digit belongs.
        assert!(parse_iso_ns("2023-11-16 18:15:5Ӟ4.4260870").is_err());
        for bad in [
            "",
            "2023-11-16",
            "2023/11/16 00:00:00",
            "2023-13-01 00:00:00",
            "2023-11-16 18:17:03.",
            "2023-11-16 18:17:03 x",
            "2023-02-29 00:00:00",
            "2023-04-31 00:00:00",
            "1900-02-29 00:00:00",
        ] {
            assert!(parse_iso_ns(bad).is_err(), "{bad}");
        }
    }
}
