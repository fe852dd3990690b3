//! What a person types at the `t` prompt, read as a point in time: dates, times of
//! day, `yesterday`, offsets back from now (`-2h`), RFC 3339. Local forms are read in
//! the time zone of `now`.

use jiff::civil::{Date, DateTime, Time};
use jiff::{Span, Timestamp, ZonedDateTime};

use crate::model::safe_text::escape_controls;

/// The forms accepted, for the prompt and for error messages.
pub const FORMS: &str = "2025-05-16, 2025-05-16 14:00, 14:00, today, yesterday, -2h, -3d, -30m, now, or 2025-05-16T14:00:00Z";

/// The most a typed offset reaches back: a bound, so that a slip of the keyboard
/// (`-99999999d`) is an error instead of a time before any message.
const MAX_BACK_DAYS: i64 = 365 * 200;

/// What was typed is not a time.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message)]
pub struct WhenError {
    message: String,
}

fn error(input: &str, why: &str) -> WhenError {
    WhenError {
        message: format!(
            "{:?} {why}: try {FORMS}",
            escape_controls(&crate::tui::text::one_line(input, 40))
        ),
    }
}

/// Reads `input` as a time: the instant it names, with local forms in `now`'s zone.
/// A date is its first moment; a time of day alone is today's, or yesterday's when
/// today's is still to come.
pub fn parse(input: &str, now: &ZonedDateTime) -> Result<Timestamp, WhenError> {
    let typed = input.trim();
    let lower = typed.to_ascii_lowercase();
    if lower.is_empty() {
        return Err(error(input, "is empty"));
    }
    if lower == "now" {
        return Ok(now.timestamp());
    }
    if let Some(back) = offset_back(&lower) {
        let span = back.map_err(|why| error(input, why))?;
        return now
            .checked_sub(span)
            .map(|z| z.timestamp())
            .map_err(|_| error(input, "is too far back"));
    }
    let (day_word, rest) = match lower.split_once(char::is_whitespace) {
        Some((w, rest)) => (w, Some(rest.trim())),
        None => (lower.as_str(), None),
    };
    let today = now.date();
    let named_day = match day_word {
        "today" => Some(today),
        "yesterday" => today.yesterday().ok(),
        _ => None,
    };
    if let Some(day) = named_day {
        return match rest {
            None => local(day.to_datetime(Time::midnight()), now, input),
            Some(t) => {
                let time = time_of_day(t).ok_or_else(|| error(input, "has no time of day"))?;
                local(day.to_datetime(time), now, input)
            }
        };
    }
    if let Ok(ts) = typed.parse::<Timestamp>() {
        return Ok(ts);
    }
    if let Ok(dt) = typed.parse::<DateTime>() {
        return local(dt, now, input);
    }
    if let Some((d, t)) = typed.split_once(char::is_whitespace)
        && let (Ok(date), Some(time)) = (d.parse::<Date>(), time_of_day(t.trim()))
    {
        return local(date.to_datetime(time), now, input);
    }
    if let Ok(date) = typed.parse::<Date>() {
        return local(date.to_datetime(Time::midnight()), now, input);
    }
    if let Some(time) = time_of_day(&lower) {
        let at = local(today.to_datetime(time), now, input)?;
        if at <= now.timestamp() {
            return Ok(at);
        }
        let day = today
            .yesterday()
            .map_err(|_| error(input, "is too far back"))?;
        return local(day.to_datetime(time), now, input);
    }
    Err(error(input, "is not a time"))
}

/// `14:00`, `9:30`, `14:00:30`.
fn time_of_day(s: &str) -> Option<Time> {
    let mut parts = s.split(':');
    let h: i8 = parts.next()?.parse().ok()?;
    let m: i8 = parts.next()?.parse().ok()?;
    let sec: i8 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    Time::new(h, m, sec, 0).ok()
}

/// `-2h`, `-3d`, `-30m`, `-45s`, `-1w`, also written `2h ago`: `None` when `s` is
/// not written as an offset at all.
fn offset_back(s: &str) -> Option<Result<Span, &'static str>> {
    let body = s
        .strip_prefix('-')
        .or_else(|| s.strip_suffix("ago").map(str::trim_end))?
        .trim();
    let split = body.find(|c: char| !c.is_ascii_digit())?;
    let (digits, unit) = body.split_at(split);
    if digits.is_empty() {
        return None;
    }
    let Ok(n) = digits.parse::<i64>() else {
        return Some(Err("is too far back"));
    };
    let per_day = match unit.trim() {
        "s" | "sec" | "secs" | "second" | "seconds" => 86_400,
        "m" | "min" | "mins" | "minute" | "minutes" => 1_440,
        "h" | "hour" | "hours" => 24,
        "d" | "day" | "days" => 1,
        "w" | "week" | "weeks" => return Some(days_span(n.saturating_mul(7))),
        _ => return Some(Err("has an unknown unit (s, m, h, d, w)")),
    };
    if n / per_day > MAX_BACK_DAYS {
        return Some(Err("is too far back"));
    }
    Some(Ok(match per_day {
        86_400 => Span::new().seconds(n),
        1_440 => Span::new().minutes(n),
        24 => Span::new().hours(n),
        _ => return Some(days_span(n)),
    }))
}

fn days_span(days: i64) -> Result<Span, &'static str> {
    if days > MAX_BACK_DAYS {
        return Err("is too far back");
    }
    // Whole days as hours: "-3d" is 72 hours back, whatever the clocks did.
    Ok(Span::new().hours(days * 24))
}

fn local(dt: DateTime, now: &ZonedDateTime, input: &str) -> Result<Timestamp, WhenError> {
    dt.to_zoned_datetime(now.time_zone().clone())
        .map(|z| z.timestamp())
        .map_err(|_| error(input, "is out of range"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;

    /// Friday 2025-05-16 15:30 in Shanghai (UTC+8).
    fn now() -> ZonedDateTime {
        "2025-05-16T15:30:00+08:00[Asia/Shanghai]".parse().unwrap()
    }

    fn at(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn ok(input: &str) -> Timestamp {
        parse(input, &now()).unwrap_or_else(|e| panic!("{input}: {e}"))
    }

    #[test]
    fn dates_and_times_are_local() {
        assert_eq!(ok("2025-05-16"), at("2025-05-15T16:00:00Z"));
        assert_eq!(ok("2025-05-16 14:00"), at("2025-05-16T06:00:00Z"));
        assert_eq!(ok("2025-05-16T14:00"), at("2025-05-16T06:00:00Z"));
        assert_eq!(ok("2025-05-16 9:05:30"), at("2025-05-16T01:05:30Z"));
        assert_eq!(ok("  2025-05-16  "), at("2025-05-15T16:00:00Z"));
    }

    #[test]
    fn words_for_days() {
        assert_eq!(ok("today"), at("2025-05-15T16:00:00Z"));
        assert_eq!(ok("Yesterday"), at("2025-05-14T16:00:00Z"));
        assert_eq!(ok("yesterday 14:00"), at("2025-05-15T06:00:00Z"));
        assert_eq!(ok("now"), at("2025-05-16T07:30:00Z"));
    }

    #[test]
    fn a_time_of_day_is_the_last_one_that_has_passed() {
        assert_eq!(ok("14:00"), at("2025-05-16T06:00:00Z"));
        assert_eq!(ok("9:30"), at("2025-05-16T01:30:00Z"));
        assert_eq!(ok("16:00"), at("2025-05-15T08:00:00Z"), "yesterday's");
    }

    #[test]
    fn offsets_back_from_now() {
        assert_eq!(ok("-2h"), at("2025-05-16T05:30:00Z"));
        assert_eq!(ok("-30m"), at("2025-05-16T07:00:00Z"));
        assert_eq!(ok("-3d"), at("2025-05-13T07:30:00Z"));
        assert_eq!(ok("-1w"), at("2025-05-09T07:30:00Z"));
        assert_eq!(ok("-90s"), at("2025-05-16T07:28:30Z"));
        assert_eq!(ok("2h ago"), at("2025-05-16T05:30:00Z"));
        assert_eq!(ok("- 2 hours"), at("2025-05-16T05:30:00Z"));
    }

    #[test]
    fn rfc3339_is_taken_as_written() {
        assert_eq!(ok("2025-05-16T14:00:00Z"), at("2025-05-16T14:00:00Z"));
        assert_eq!(ok("2025-05-16T14:00:00-05:00"), at("2025-05-16T19:00:00Z"));
    }

    #[test]
    fn anything_else_is_a_clear_error() {
        for bad in [
            "",
            "   ",
            "tomorrow-ish",
            "2025-13-01",
            "25:00",
            "-2x",
            "-99999999999999999999d",
            "-999999999d",
            "yesterday at noon",
        ] {
            let e = parse(bad, &now()).expect_err(bad).to_string();
            assert!(e.contains("try 2025-05-16"), "{bad:?}: {e}");
        }
        let e = parse("next\u{1b}[2Jweek", &now()).unwrap_err().to_string();
        assert!(!e.contains('\u{1b}'), "{e}");
    }

    #[test]
    fn the_zone_of_now_decides_local_forms() {
        let utc = ZonedDateTime::new(at("2025-05-16T07:30:00Z"), TimeZone::UTC);
        assert_eq!(
            parse("2025-05-16", &utc).unwrap(),
            at("2025-05-16T00:00:00Z")
        );
    }
}
