//! `"D.H.M"` time strings and replay windows.
//!
//! `"D.H.M"` is day, hour, minute (seconds = D·86400 + H·3600 + M·60). The minute may be 60, so
//! `"13.23.60"` is the end of a 14-day trace; `"14.0.0"` says the same.

use std::fmt;

use crate::error::{Error, Result};
use crate::trace::DAY_SECONDS;

/// A parsed `"D.H.M"` time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dhm {
    /// Day (from 0).
    pub day: u64,
    /// Hour, 0..24.
    pub hour: u64,
    /// Minute, 0..=60.
    pub minute: u64,
}

impl Dhm {
    /// Parses `"D.H.M"`; `which` ("start" or "end") names the value in errors.
    ///
    /// ```
    /// use tracereplay_tui::time::Dhm;
    /// assert_eq!(Dhm::parse("13.23.60", "end").unwrap().seconds(), 14 * 86_400);
    /// assert!(Dhm::parse("0.24.0", "start").is_err());
    /// ```
    pub fn parse(text: &str, which: &str) -> Result<Dhm> {
        let bad = |why: &str| Error::Time(format!("{which} time {text:?}: {why}"));
        let parts: Vec<&str> = text.trim().split('.').collect();
        if parts.len() != 3 {
            return Err(bad(
                "expected DAY.HOUR.MINUTE (0.0.0, 1.12.30) or a duration from the trace start \
                 (90s, 15m, 2h, 1d2h, 3600)",
            ));
        }
        let mut nums = [0u64; 3];
        for (n, (part, label)) in nums
            .iter_mut()
            .zip(parts.iter().zip(["day", "hour", "minute"]))
        {
            if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad(&format!(
                    "the {label} {part:?} is not a non-negative whole number"
                )));
            }
            *n = part
                .parse()
                .map_err(|_| bad(&format!("the {label} {part} is too large")))?;
        }
        let [day, hour, minute] = nums;
        if hour >= 24 {
            return Err(bad(&format!("hour {hour} must be below 24")));
        }
        if minute > 60 {
            return Err(bad(&format!("minute {minute} must be at most 60")));
        }
        if day > u64::from(u32::MAX) {
            return Err(bad(&format!("day {day} is too large")));
        }
        Ok(Dhm { day, hour, minute })
    }

    /// Seconds since the trace start.
    pub fn seconds(&self) -> u64 {
        self.day * DAY_SECONDS + self.hour * 3600 + self.minute * 60
    }
}

/// A time given for `--start` or `--end`: `D.H.M`, or a duration from the trace start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Point {
    Dhm(Dhm),
    Seconds(u64),
}

impl Point {
    fn parse(text: &str, which: &str) -> Result<Point> {
        match duration_seconds(text.trim()) {
            Some(s) => Ok(Point::Seconds(s)),
            None => Dhm::parse(text, which).map(Point::Dhm),
        }
    }

    fn seconds(self) -> u64 {
        match self {
            Point::Dhm(d) => d.seconds(),
            Point::Seconds(s) => s,
        }
    }
}

/// Seconds since the trace start of a `--start`/`--end`/`--at` value: `D.H.M` or a duration.
pub fn point_seconds(text: &str, which: &str) -> Result<u64> {
    Point::parse(text, which).map(Point::seconds)
}

/// `90s`, `15m`, `2h`, `1d2h`, `1d2h30m10s` or plain whole seconds `3600`; `None` for anything
/// else (such as `D.H.M`).
pub fn duration_seconds(text: &str) -> Option<u64> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let (mut total, mut num, mut last_rank) = (0u64, String::new(), 0u8);
    for c in text.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        // Units in order, each once: d, h, m, s.
        let (rank, unit) = match c {
            'd' => (1, DAY_SECONDS),
            'h' => (2, 3600),
            'm' => (3, 60),
            's' => (4, 1),
            _ => return None,
        };
        if num.is_empty() || rank <= last_rank {
            return None;
        }
        let n: u64 = num.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        num.clear();
        last_rank = rank;
    }
    num.is_empty().then_some(total)
}

/// A length for people: `58 min`, `3 h 10 min`, `2 days 1 h`, `45 s`.
pub fn fmt_span(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / DAY_SECONDS,
        seconds % DAY_SECONDS / 3600,
        seconds % 3600 / 60,
        seconds % 60,
    );
    let mut parts = Vec::new();
    if d > 0 {
        parts.push(format!("{d} day{}", if d == 1 { "" } else { "s" }));
    }
    if h > 0 {
        parts.push(format!("{h} h"));
    }
    if m > 0 {
        parts.push(format!("{m} min"));
    }
    if s > 0 && d == 0 && h == 0 {
        parts.push(format!("{s} s"));
    }
    if parts.is_empty() {
        "0 s".into()
    } else {
        parts.join(" ")
    }
}

/// A half-open replay window `[start, end)` in whole seconds since the trace start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Window {
    /// First second inside the window.
    pub start: u64,
    /// First second after the window.
    pub end: u64,
}

impl Window {
    /// Parses and checks a window against a trace of `days` days. `end = None` means the end of
    /// the trace.
    ///
    /// ```
    /// use tracereplay_tui::time::Window;
    /// let w = Window::parse("0.0.0", Some("1.0.0"), 1).unwrap();
    /// assert_eq!((w.start, w.end), (0, 86_400));
    /// assert_eq!(w.to_string(), "day 0 00:00 → day 1 00:00, 86400 s");
    /// ```
    pub fn parse(start: &str, end: Option<&str>, days: u32) -> Result<Window> {
        Window::parse_in(start, end, days, None)
    }

    /// [`Window::parse`] for a trace of `days` days, or, with `span`, one that lasts `span`
    /// seconds (LLM and other timestamp traces: the window runs to the last request, not to the
    /// end of a day). Times are `D.H.M`, or durations from the trace start: `90s`, `15m`, `2h`,
    /// `1d2h`, or plain seconds `3600`.
    ///
    /// ```
    /// use tracereplay_tui::time::Window;
    /// let w = Window::parse_in("0.0.0", None, 1, Some(3_480)).unwrap();
    /// assert_eq!((w.start, w.end), (0, 3_480));
    /// let w = Window::parse_in("15m", Some("1h"), 1, Some(3_600)).unwrap();
    /// assert_eq!((w.start, w.end), (900, 3_600));
    /// ```
    pub fn parse_in(
        start: &str,
        end: Option<&str>,
        days: u32,
        span: Option<u64>,
    ) -> Result<Window> {
        let trace_end = span.unwrap_or(u64::from(days) * DAY_SECONDS);
        let s = Point::parse(start, "start")?;
        let e = match end {
            Some(text) => Point::parse(text, "end")?,
            None => Point::Seconds(trace_end),
        };
        if let (Point::Dhm(s), None) = (s, span)
            && s.day >= u64::from(days)
        {
            return Err(Error::Time(format!(
                "start day {} is outside the trace, which has {days} day(s) (days 0..={})",
                s.day,
                days.saturating_sub(1)
            )));
        }
        if let (Point::Dhm(s), Point::Dhm(e)) = (s, e)
            && s.day > e.day
        {
            return Err(Error::Time(format!(
                "start day {} is after end day {}",
                s.day, e.day
            )));
        }
        let window = Window {
            start: s.seconds(),
            end: e.seconds(),
        };
        if window.end > trace_end {
            let hint = match span {
                Some(sp) => format!("the trace lasts {}; use at most --end {sp}", fmt_span(sp)),
                None => format!("use at most {days}.0.0"),
            };
            return Err(Error::Time(format!(
                "end {} is past the trace's end ({}); {hint}",
                fmt_point(window.end),
                fmt_point(trace_end)
            )));
        }
        if window.start >= window.end {
            return Err(Error::Time(format!(
                "the window is empty: start {} is not before end {}",
                fmt_point(window.start),
                fmt_point(window.end)
            )));
        }
        Ok(window)
    }

    /// Length in seconds.
    pub fn seconds(&self) -> u64 {
        self.end - self.start
    }

    /// `(days, hours, minutes, seconds)` of the window's length, as the original reports it.
    pub fn duration(&self) -> (u64, u64, u64, u64) {
        let s = self.seconds();
        (s / DAY_SECONDS, s / 3600 % 24, s / 60 % 60, s % 60)
    }
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} → {}, {} s",
            fmt_point(self.start),
            fmt_point(self.end),
            self.seconds()
        )
    }
}

/// `day D HH:MM` (with `:SS` when not on a minute) for a point in whole seconds.
pub fn fmt_point(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / DAY_SECONDS,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    if s == 0 {
        format!("day {d} {h:02}:{m:02}")
    } else {
        format!("day {d} {h:02}:{m:02}:{s:02}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_from_the_trace_start() {
        for (text, want) in [
            ("90s", Some(90)),
            ("15m", Some(900)),
            ("2h", Some(7200)),
            ("1d2h", Some(93_600)),
            ("1d2h30m10s", Some(95_410)),
            ("3600", Some(3600)),
            ("0", Some(0)),
            ("2h1d", None),
            ("1.0.0", None),
            ("h", None),
            ("5x", None),
            ("", None),
            ("99999999999999999999d", None),
        ] {
            assert_eq!(duration_seconds(text), want, "{text}");
        }
        assert_eq!(fmt_span(3502), "58 min 22 s");
        assert_eq!(fmt_span(11_400), "3 h 10 min");
        assert_eq!(fmt_span(90_000), "1 day 1 h");
        let w = Window::parse_in("0.0.0", Some("1.0.0"), 1, Some(3502));
        assert!(
            w.unwrap_err()
                .to_string()
                .contains("use at most --end 3502")
        );
    }

    #[test]
    fn parse_rules() {
        assert_eq!(
            Dhm::parse("1.2.3", "start").unwrap().seconds(),
            86_400 + 7_200 + 180
        );
        for bad in [
            "0.0", "0.0.0.0", "a.0.0", "-1.0.0", "0.24.0", "0.0.61", "", "0..0", "+1.0.0",
        ] {
            assert!(Dhm::parse(bad, "start").is_err(), "{bad}");
        }
        let e = Dhm::parse("0.0", "start").unwrap_err().to_string();
        assert!(e.contains("start") && e.contains("DAY.HOUR.MINUTE"), "{e}");
    }

    #[test]
    fn window_rules() {
        assert_eq!(
            Window::parse("0.0.0", Some("13.23.60"), 14).unwrap().end,
            14 * 86_400
        );
        assert_eq!(
            Window::parse("0.0.0", Some("14.0.0"), 14).unwrap().end,
            14 * 86_400
        );
        assert_eq!(Window::parse("0.0.0", None, 2).unwrap().end, 2 * 86_400);
        assert!(Window::parse("0.0.0", Some("14.0.1"), 14).is_err());
        assert!(Window::parse("14.0.0", Some("14.0.0"), 14).is_err());
        assert!(
            Window::parse("0.5.0", Some("0.3.0"), 14)
                .unwrap_err()
                .to_string()
                .contains("empty")
        );
        assert!(
            Window::parse("2.0.0", Some("1.0.0"), 14)
                .unwrap_err()
                .to_string()
                .contains("after")
        );
        assert!(Window::parse("0.0.0", Some("0.0.0"), 1).is_err());
    }

    #[test]
    fn display_and_duration() {
        let w = Window::parse("0.12.0", Some("1.6.30"), 2).unwrap();
        assert_eq!(w.to_string(), "day 0 12:00 → day 1 06:30, 66600 s");
        assert_eq!(w.duration(), (0, 18, 30, 0));
        assert_eq!(fmt_point(61), "day 0 00:01:01");
    }
}
