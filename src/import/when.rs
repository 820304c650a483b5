//! Dates, times of day and time zones the way people write them in postmortems:
//! `2021-03-04`, `04/03/2021`, `March 4, 2021`, `4th of March 2021`, `14:02`,
//! `2:02 pm`, `14:02 UTC`, `(CET)`, `UTC+2`, and the placeholders templates leave
//! behind (`HH:mm`, `--:--`, `14:??`).
//!
//! Hand-written scanners rather than regular expressions: the shapes are few, and a
//! scanner can say how many bytes it consumed, which list items like
//! `**14:02 UTC** - text` need.

use jiff::civil::{Date, DateTime};
use jiff::tz::{Offset, TimeZone};

/// How to read a numeric date such as `04/03/2021`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NumericOrder {
    DayFirst,
    MonthFirst,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month_from_word(w: &str) -> Option<i8> {
    let w = w.to_ascii_lowercase();
    if w.len() < 3 {
        return None;
    }
    if w == "sept" {
        return Some(9);
    }
    MONTHS.iter().position(|m| *m == w || (w.len() == 3 && m.starts_with(&w))).map(|i| i as i8 + 1)
}

/// Leading ASCII digits: (value, count), at most `max` digits.
fn digits(s: &[u8], max: usize) -> Option<(i32, usize)> {
    let n = s.iter().take(max).take_while(|b| b.is_ascii_digit()).count();
    if n == 0 {
        return None;
    }
    let v = s[..n].iter().fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0'));
    Some((v, n))
}

fn is_digit_at(s: &[u8], i: usize) -> bool {
    s.get(i).is_some_and(u8::is_ascii_digit)
}

fn plausible_year(y: i32) -> bool {
    (1980..=2100).contains(&y)
}

fn make_date(y: i32, m: i32, d: i32) -> Option<Date> {
    if !plausible_year(y) {
        return None;
    }
    Date::new(y as i16, i8::try_from(m).ok()?, i8::try_from(d).ok()?).ok()
}

fn skip_spaces(s: &[u8], mut i: usize) -> usize {
    while s.get(i).is_some_and(|b| *b == b' ' || *b == b'\t') {
        i += 1;
    }
    i
}

fn word_end(s: &[u8], i: usize) -> usize {
    i + s[i..].iter().take_while(|b| b.is_ascii_alphabetic()).count()
}

/// `st`, `nd`, `rd`, `th` after a day number.
fn skip_ordinal(s: &[u8], i: usize) -> usize {
    let rest = &s[i..];
    for suffix in [b"st", b"nd", b"rd", b"th"] {
        if rest.len() >= 2
            && rest[..2].eq_ignore_ascii_case(suffix)
            && !rest.get(2).is_some_and(u8::is_ascii_alphabetic)
        {
            return i + 2;
        }
    }
    i
}

/// The month after a day number that ends at `n` (`4th of March`, `4 Mar`): the month
/// and where its name ends.
fn month_after_day(s: &str, n: usize) -> Option<(i8, usize)> {
    let b = s.as_bytes();
    let mut i = skip_ordinal(b, n);
    let j = skip_spaces(b, i);
    if j == i {
        return None;
    }
    i = j;
    if b[i..].len() >= 3 && b[i..i + 3].eq_ignore_ascii_case(b"of ") {
        i = skip_spaces(b, i + 3);
    }
    let we = word_end(b, i);
    Some((month_from_word(&s[i..we])?, we))
}

/// A date at the start of `s`: the date, the bytes it took, and whether a numeric
/// day/month order had to be assumed.
pub(super) fn date_at(s: &str, order: NumericOrder) -> Option<(Date, usize, bool)> {
    let b = s.as_bytes();
    if let Some((first, n1)) = digits(b, 4) {
        // 2021-03-04, 2021/03/04, 2021.03.04
        if n1 == 4 {
            let sep = *b.get(4)?;
            if matches!(sep, b'-' | b'/' | b'.') {
                let (m, n2) = digits(&b[5..], 2)?;
                if b.get(5 + n2) == Some(&sep) {
                    let (d, n3) = digits(&b[6 + n2..], 2)?;
                    let end = 6 + n2 + n3;
                    if !is_digit_at(b, end) {
                        return make_date(first, m, d).map(|dt| (dt, end, false));
                    }
                }
            }
            return None;
        }
        // 04/03/2021, 4.3.2021, 04-03-2021
        if let Some(&sep) = b.get(n1)
            && matches!(sep, b'/' | b'.' | b'-')
            && let Some((second, n2)) = digits(&b[n1 + 1..], 2)
            && b.get(n1 + 1 + n2) == Some(&sep)
            && let Some((year, 4)) = digits(&b[n1 + 2 + n2..], 4)
        {
            let end = n1 + 2 + n2 + 4;
            if is_digit_at(b, end) {
                return None;
            }
            let (d, m, assumed) = if first > 12 {
                (first, second, false)
            } else if second > 12 {
                (second, first, false)
            } else if order == NumericOrder::DayFirst {
                (first, second, first != second)
            } else {
                (second, first, first != second)
            };
            return make_date(year, m, d).map(|dt| (dt, end, assumed));
        }
        // 4 March 2021, 4th of March, 2021
        if n1 <= 2 {
            let (month, mut i) = month_after_day(s, n1)?;
            if b.get(i) == Some(&b'.') {
                i += 1;
            }
            if b.get(i) == Some(&b',') {
                i += 1;
            }
            let (year, end) = year_at(b, i)?;
            return make_date(year, i32::from(month), first).map(|d| (d, end, false));
        }
        return None;
    }
    // March 4, 2021; Mar. 4th 2021
    let we = word_end(b, 0);
    let month = month_from_word(&s[..we])?;
    let mut i = we;
    if b.get(i) == Some(&b'.') {
        i += 1;
    }
    i = skip_spaces(b, i);
    let (day, n) = digits(&b[i..], 2)?;
    i = skip_ordinal(b, i + n);
    if b.get(i) == Some(&b',') {
        i += 1;
    }
    let (year, end) = year_at(b, i)?;
    make_date(year, i32::from(month), day).map(|d| (d, end, false))
}

/// A month and day without a year at the start of `s` (`Mar 3`, `March 3rd`,
/// `3 March`, `3rd of March`), as timelines write them when the year is the incident's:
/// (month, day, bytes taken). A year after it makes it a full date, for `date_at`.
pub(super) fn month_day_at(s: &str) -> Option<(i8, i8, usize)> {
    if date_at(s, NumericOrder::DayFirst).is_some() {
        return None;
    }
    let b = s.as_bytes();
    let valid = |m: i8, d: i32| Date::new(2000, m, i8::try_from(d).ok()?).ok().map(|_| d as i8);
    if let Some((day, n)) = digits(b, 2) {
        if is_digit_at(b, n) {
            return None;
        }
        let (month, end) = month_after_day(s, n)?;
        return Some((month, valid(month, day)?, end));
    }
    let we = word_end(b, 0);
    let month = month_from_word(&s[..we])?;
    let mut i = we;
    if b.get(i) == Some(&b'.') {
        i += 1;
    }
    let j = skip_spaces(b, i);
    if j == i {
        return None;
    }
    let (day, n) = digits(&b[j..], 2)?;
    if is_digit_at(b, j + n) || b.get(j + n) == Some(&b':') {
        return None;
    }
    let end = skip_ordinal(b, j + n);
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((month, valid(month, day)?, end))
}

/// A four-digit year after optional spaces at `i`, not part of a longer number: (year, end).
fn year_at(b: &[u8], i: usize) -> Option<(i32, usize)> {
    let i = skip_spaces(b, i);
    let (year, 4) = digits(&b[i..], 4)? else { return None };
    (!is_digit_at(b, i + 4)).then_some((year, i + 4))
}

/// A date found in running text, with its byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoundDate {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) date: Date,
    /// A numeric day/month order was assumed (04/03/2021).
    pub(crate) assumed_order: bool,
}

/// Every date written in `text`, in order of appearance. A date must start a word:
/// the `0202-01-16` inside the typo `20202-01-16` is not a date.
pub(super) fn find_dates(text: &str, order: NumericOrder) -> Vec<FoundDate> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let starts_word = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if starts_word
            && b[i].is_ascii_alphanumeric()
            && text.is_char_boundary(i)
            && let Some((date, n, assumed_order)) = date_at(&text[i..], order)
        {
            out.push(FoundDate { start: i, end: i + n, date, assumed_order });
            i += n;
            continue;
        }
        i += 1;
    }
    out
}

/// The order numeric dates in `text` must have: decided by any date whose first or
/// second number is above 12; day-first (most of the world) when none is.
pub(super) fn numeric_order(text: &str) -> NumericOrder {
    let b = text.as_bytes();
    for (i, _) in text.match_indices('/') {
        // Look for d/m/yyyy around this slash: the first number ends at i.
        let start = (0..i).rev().take_while(|&j| b[j].is_ascii_digit()).last();
        let Some(start) = start else { continue };
        if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'/') {
            continue;
        }
        if let (Some((first, n1)), Some((second, n2))) = (digits(&b[start..], 2), digits(&b[i + 1..], 2))
            && start + n1 == i
            && b.get(i + 1 + n2) == Some(&b'/')
            && digits(&b[i + 2 + n2..], 4).is_some_and(|(_, n)| n == 4)
        {
            if first > 12 && second <= 12 {
                return NumericOrder::DayFirst;
            }
            if second > 12 && first <= 12 {
                return NumericOrder::MonthFirst;
            }
        }
    }
    NumericOrder::DayFirst
}

/// A time of day at the start of `s`: (hour, minute, second, bytes taken).
/// Accepts `14:02`, `8:51`, `14:02:33`, `2:02 pm`, `2:02PM`.
pub(super) fn time_at(s: &str) -> Option<(i8, i8, i8, usize)> {
    let b = s.as_bytes();
    let (mut h, n1) = digits(b, 2)?;
    if b.get(n1) != Some(&b':') {
        return None;
    }
    let (m, n2) = digits(&b[n1 + 1..], 2)?;
    if n2 != 2 {
        return None;
    }
    let mut end = n1 + 1 + n2;
    let mut sec = 0;
    if b.get(end) == Some(&b':')
        && let Some((v, 2)) = digits(&b[end + 1..], 2)
    {
        sec = v;
        end += 3;
    }
    if is_digit_at(b, end) {
        return None;
    }
    let j = skip_spaces(b, end);
    if let Some((pm, w)) = meridiem_at(&b[j..]) {
        h = twenty_four(h, pm)?;
        end = j + w;
    }
    if h > 23 || m > 59 || sec > 59 {
        return None;
    }
    Some((h as i8, m as i8, sec as i8, end))
}

/// A 12-hour clock's hour (1 to 12) on the 24-hour clock; None for any other hour.
fn twenty_four(h: i32, pm: bool) -> Option<i32> {
    match (h, pm) {
        (1..=11, false) => Some(h),
        (1..=11, true) => Some(h + 12),
        (12, false) => Some(0),
        (12, true) => Some(12),
        _ => None,
    }
}

/// The meridiem at the start of `rest` (`pm`, `a.m.`): (is pm, bytes taken).
fn meridiem_at(rest: &[u8]) -> Option<(bool, usize)> {
    [(&b"a.m."[..], false), (b"p.m.", true), (b"am", false), (b"pm", true)].into_iter().find_map(|(w, pm)| {
        (rest.len() >= w.len()
            && rest[..w.len()].eq_ignore_ascii_case(w)
            && !rest.get(w.len()).is_some_and(u8::is_ascii_alphanumeric))
        .then_some((pm, w.len()))
    })
}

/// A time written without a colon at the start of `s`: `1405`, `0930`, `14h05`,
/// `9.05 pm` (a dot only with am/pm: `9.05` alone is as likely a version or an amount),
/// `9am`, `11 pm` (an hour alone only with am/pm: `9` alone is a count).
/// (hour, minute, bytes taken). Only for timeline contexts (`compact_when_at`): on its
/// own `2024` or `1500` is a year or a count as often as a time.
fn compact_time_at(s: &str) -> Option<(i8, i8, usize)> {
    let b = s.as_bytes();
    let (v, n) = digits(b, 4)?;
    let (mut h, m, mut end, needs_meridiem) = match b.get(n) {
        _ if n == 4 => (v / 100, v % 100, 4, false),
        Some(b'h' | b'H') if n <= 2 => match digits(&b[n + 1..], 2)? {
            (m, 2) => (v, m, n + 3, false),
            _ => return None,
        },
        Some(b'.') if n <= 2 => match digits(&b[n + 1..], 2)? {
            (m, 2) => (v, m, n + 3, true),
            _ => return None,
        },
        _ if n <= 2 => (v, 0, n, true),
        _ => return None,
    };
    if is_digit_at(b, end)
        || b.get(end).is_some_and(|&c| matches!(c, b':' | b'.' | b'/' | b',') && is_digit_at(b, end + 1))
    {
        return None;
    }
    let j = skip_spaces(b, end);
    match meridiem_at(&b[j..]) {
        Some((pm, w)) => {
            h = twenty_four(h, pm)?;
            end = j + w;
        }
        None if needs_meridiem => return None,
        None => {}
    }
    if h > 23 || m > 59 {
        return None;
    }
    Some((h as i8, m as i8, end))
}

/// Where a compact time may stand: the whole time cell of a timeline table, or the
/// start of a timeline line, where the time must be followed by a separator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TimelineContext {
    TimeCell,
    LineStart,
}

/// `when_at` for a timeline line or time cell, also taking times without a colon
/// (`compact_time_at`), optionally after a date and before a zone. At a line start the
/// time must be followed by a separator (` - `, `:`, `|`, a dash) and a four-digit
/// number that could be a year (1980–2059) only counts with a zone after it
/// (`2015 UTC - …`), since "2015 - we migrated" is more often a year; a time cell must
/// hold the time and nothing else.
pub(super) fn compact_when_at(s: &str, order: NumericOrder, context: TimelineContext) -> Option<(When, usize)> {
    let b = s.as_bytes();
    let mut w = When::default();
    let mut i = skip_spaces(b, 0);
    if let Some((date, n, _)) = date_at(&s[i..], order) {
        w.date = Some(date);
        i = skip_spaces(b, i + n);
        if b.get(i) == Some(&b',') {
            i = skip_spaces(b, i + 1);
        }
    }
    let start = i;
    let (h, m, n) = compact_time_at(&s[i..])?;
    w.time = Some((h, m, 0));
    i += n;
    let four =
        s.get(start..start + 4).filter(|d| d.bytes().all(|c| c.is_ascii_digit())).and_then(|d| d.parse::<i32>().ok());
    let mut zoned = false;
    if b.get(i) == Some(&b'Z') && !b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
        w.zone = fixed(0).map(|tz| Zone { tz, label: "Z".into() });
        i += 1;
        zoned = true;
    } else if let Some((zone, n)) = zone_at(&s[i..]) {
        w.zone = Some(zone);
        i += n;
        zoned = true;
    }
    let rest = s[i..].trim_start();
    match context {
        TimelineContext::TimeCell if !rest.is_empty() => return None,
        TimelineContext::TimeCell => {}
        TimelineContext::LineStart => {
            let separated =
                ["- ", "– ", "— ", ": ", "| ", "-", "–", "—", ":", "|"].iter().any(|sep| rest.starts_with(sep))
                    && !rest.starts_with("--");
            if !separated {
                return None;
            }
            let year_like = four.is_some_and(|y| (1980..=2059).contains(&y)) && w.date.is_none();
            if year_like && !zoned {
                return None;
            }
        }
    }
    Some((w, i))
}

/// A placeholder where a time should be (`HH:mm`, `--:--`, `??:??`, `xx:xx`, or an
/// hour with unknown minutes `14:??`): (known hour, bytes taken).
fn placeholder_time_at(s: &str) -> Option<(Option<i8>, usize)> {
    let b = s.as_bytes();
    let colon = b.iter().take(3).position(|&c| c == b':')?;
    if colon == 0 {
        return None;
    }
    let is_place = |c: u8| matches!(c, b'?' | b'-' | b'x' | b'X' | b'h' | b'H' | b'm' | b'M' | b'_');
    let (left, right) = (&b[..colon], b.get(colon + 1..colon + 3)?);
    if !right.iter().all(|&c| is_place(c)) {
        return None;
    }
    let end = colon + 3;
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    if left.iter().all(|&c| is_place(c)) {
        return Some((None, end));
    }
    let (h, n) = digits(left, 2)?;
    (n == left.len() && h <= 23).then_some((Some(h as i8), end))
}

/// A time zone someone named in text, and how it was written.
#[derive(Debug, Clone)]
pub(super) struct Zone {
    pub(crate) tz: TimeZone,
    pub(crate) label: String,
}

/// Abbreviations people write, and what they mean. Abbreviations of standard time
/// (CET, PST) are read as the region's local time with its summer time, because people
/// write "CET" all year; the summer forms (CEST, PDT) are fixed offsets.
const ZONES: &[(&str, Result<&str, i32>)] = &[
    ("UTC", Err(0)),
    ("GMT", Err(0)),
    ("Z", Err(0)),
    ("CET", Ok("CET")),
    ("CEST", Err(2 * 3600)),
    ("EET", Ok("EET")),
    ("EEST", Err(3 * 3600)),
    ("WET", Ok("WET")),
    ("WEST", Err(3600)),
    ("BST", Err(3600)),
    ("IST", Err(5 * 3600 + 1800)),
    ("JST", Err(9 * 3600)),
    ("AEST", Ok("Australia/Sydney")),
    ("AEDT", Err(11 * 3600)),
    ("PST", Ok("America/Los_Angeles")),
    ("PT", Ok("America/Los_Angeles")),
    ("PDT", Err(-7 * 3600)),
    ("MST", Ok("America/Denver")),
    ("MT", Ok("America/Denver")),
    ("MDT", Err(-6 * 3600)),
    ("CST", Ok("America/Chicago")),
    ("CT", Ok("America/Chicago")),
    ("CDT", Err(-5 * 3600)),
    ("EST", Ok("America/New_York")),
    ("ET", Ok("America/New_York")),
    ("EDT", Err(-4 * 3600)),
];

fn fixed(seconds: i32) -> Option<TimeZone> {
    Offset::from_seconds(seconds).ok().map(TimeZone::fixed)
}

/// `+02:00`, `+0200`, `+2`, `-05:30` at the start of `s`: (seconds, bytes taken).
fn offset_at(s: &[u8]) -> Option<(i32, usize)> {
    let sign = match s.first()? {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let (h, n) = digits(&s[1..], 2)?;
    let mut end = 1 + n;
    let mut m = 0;
    if s.get(end) == Some(&b':') {
        let (v, 2) = digits(&s[end + 1..], 2)? else { return None };
        m = v;
        end += 3;
    } else if n == 2
        && let Some((v, 2)) = digits(&s[end..], 2)
    {
        m = v;
        end += 2;
    }
    if h > 14 || m > 59 || is_digit_at(s, end) {
        return None;
    }
    Some((sign * (h * 3600 + m * 60), end))
}

/// A zone at the start of `s` (after optional spaces and an opening parenthesis).
pub(super) fn zone_at(s: &str) -> Option<(Zone, usize)> {
    let b = s.as_bytes();
    let mut i = skip_spaces(b, 0);
    let paren = b.get(i) == Some(&b'(');
    if paren {
        i += 1;
    }
    let start = i;
    // A bare offset only with `+`: after a time, `-11:00` is more often a range end.
    let bare = if b.get(i) == Some(&b'+') { offset_at(&b[i..]) } else { None };
    let (zone, mut end) = if let Some((secs, n)) = bare {
        (fixed(secs)?, i + n)
    } else {
        let we = i + b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
        let word = &s[i..we];
        let (_, target) = ZONES.iter().find(|(abbr, _)| *abbr == word)?;
        let mut tz = match target {
            Ok(name) => TimeZone::get(name).ok()?,
            Err(secs) => fixed(*secs)?,
        };
        let mut end = we;
        // UTC+2, GMT-05:00
        if matches!(word, "UTC" | "GMT")
            && let Some((secs, n)) = offset_at(&b[we..])
        {
            tz = fixed(secs)?;
            end = we + n;
        }
        (tz, end)
    };
    let label = s[start..end].to_string();
    if paren && b.get(end) == Some(&b')') {
        end += 1;
    }
    if b.get(end).is_some_and(u8::is_ascii_alphanumeric) {
        return None;
    }
    Some((Zone { tz: zone, label }, end))
}

/// The zone a text says its times are in: "All times in CET", "Time (UTC)",
/// "Date and Time in CET", "Times are UTC", "Timezone: UTC".
pub(super) fn zone_named_in(text: &str) -> Option<Zone> {
    let lower = text.to_ascii_lowercase();
    for (at, _) in lower.match_indices("time") {
        if at > 0 && lower.as_bytes()[at - 1].is_ascii_alphabetic() {
            continue;
        }
        let mut rest = &text[at + 4..];
        for filler in ["s", " zone", "zone", " are", " is", ":", " in", " (in", " all"] {
            if rest.len() >= filler.len()
                && rest.is_char_boundary(filler.len())
                && rest[..filler.len()].eq_ignore_ascii_case(filler)
            {
                rest = &rest[filler.len()..];
            }
        }
        if rest.starts_with("line") {
            continue;
        }
        if let Some((zone, _)) = zone_at(rest) {
            return Some(zone);
        }
    }
    None
}

/// A point in a timeline as written: any of a date, a time and a zone.
#[derive(Debug, Clone, Default)]
pub(super) struct When {
    pub(crate) date: Option<Date>,
    pub(crate) time: Option<(i8, i8, i8)>,
    pub(crate) zone: Option<Zone>,
    /// Written as approximate (`~14:00`, `14:??`), or a placeholder stood for the time.
    pub(crate) approximate: bool,
    /// A placeholder (`HH:mm`) stood where the time should be.
    pub(crate) placeholder: bool,
    /// A month and day written without a year (`Mar 3, 9:05 PM`): the year is the
    /// incident's, see `resolved_date`.
    pub(crate) month_day: Option<(i8, i8)>,
}

/// A timeline time at the start of `s`, and the bytes it took. Handles a leading `~`,
/// a date, a time (or placeholder), a zone, a range end (`09:00 - 11:00`) and a
/// trailing `~`.
pub(super) fn when_at(s: &str, order: NumericOrder) -> Option<(When, usize)> {
    let b = s.as_bytes();
    let mut w = When::default();
    let mut i = skip_spaces(b, 0);
    for prefix in ["~", "≈", "approx.", "approx ", "around ", "circa ", "ca. "] {
        if s[i..].len() >= prefix.len()
            && s.is_char_boundary(i + prefix.len())
            && s[i..i + prefix.len()].eq_ignore_ascii_case(prefix)
        {
            w.approximate = true;
            i = skip_spaces(b, i + prefix.len());
        }
    }
    let full_date = date_at(&s[i..], order).map(|(d, n, _)| (Some(d), n));
    let found = full_date.or_else(|| {
        month_day_at(&s[i..]).map(|(m, d, n)| {
            w.month_day = Some((m, d));
            (None, n)
        })
    });
    if let Some((date, n)) = found {
        w.date = date;
        i += n;
        if b.get(i) == Some(&b'T') && is_digit_at(b, i + 1) {
            i += 1;
        }
        let j = skip_spaces(b, i);
        i = if b.get(j) == Some(&b',') { skip_spaces(b, j + 1) } else { j };
        // Bytes, not `s[i..i + 3]`: the third byte may be inside a character.
        if b.get(i..i + 3).is_some_and(|w| w.eq_ignore_ascii_case(b"at ")) {
            i += 3;
        }
    }
    let before_time = i;
    if let Some((h, m, sec, n)) = time_at(&s[i..]) {
        w.time = Some((h, m, sec));
        i += n;
    } else if let Some((hour, n)) = placeholder_time_at(&s[i..]) {
        w.placeholder = true;
        w.approximate = true;
        w.time = hour.map(|h| (h, 0, 0));
        i += n;
    }
    if w.date.is_none() && w.month_day.is_none() && w.time.is_none() && !w.placeholder {
        return None;
    }
    if i > before_time {
        let with_seconds = w.time.is_some_and(|_| s[before_time..i].matches(':').count() == 2);
        if with_seconds
            && b.get(i) == Some(&b'-')
            && let Some((secs, n)) = offset_at(&b[i..])
        {
            // ISO 8601: 14:02:00-05:00
            w.zone = fixed(secs).map(|tz| Zone { tz, label: s[i..i + n].to_string() });
            i += n;
        } else if b.get(i) == Some(&b'Z') && !b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
            w.zone = fixed(0).map(|tz| Zone { tz, label: "Z".into() });
            i += 1;
        } else if let Some((zone, n)) = zone_at(&s[i..]) {
            w.zone = Some(zone);
            i += n;
        }
        // A range (`09:00 - 11:00`, `09:00–11:00`, `09:00 to 11:00`): keep the start.
        let j = skip_spaces(b, i);
        for dash in ["-", "–", "—", "to "] {
            if s[j..].starts_with(dash) {
                let k = skip_spaces(b, j + dash.len());
                if let Some((_, _, _, n)) = time_at(&s[k..]) {
                    i = k + n;
                    if let Some((_, n)) = zone_at(&s[i..]) {
                        i += n;
                    }
                }
                break;
            }
        }
    }
    if b.get(i) == Some(&b'~') {
        w.approximate = true;
        i += 1;
    }
    Some((w, i))
}

impl When {
    /// The date written: a full date, or a month and day in `context`'s year.
    pub(super) fn resolved_date(&self, context: Date) -> Option<Date> {
        self.date.or_else(|| {
            let (m, d) = self.month_day?;
            Date::new(context.year(), m, d).ok()
        })
    }

    /// Whether a date (full, or month and day) was written.
    pub(super) fn has_date(&self) -> bool {
        self.date.is_some() || self.month_day.is_some()
    }

    /// The civil date-time, on `fallback_date` when no date was written; midnight when
    /// no time was.
    pub(super) fn datetime(&self, fallback_date: Date) -> DateTime {
        let date = self.resolved_date(fallback_date).unwrap_or(fallback_date);
        let (h, m, s) = self.time.unwrap_or((0, 0, 0));
        date.at(h, m, s, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wide_character_after_a_date_is_not_cut() {
        // Found by tests/fuzz.rs: "at " was compared by slicing three bytes, inside "😀".
        let (w, _) = when_at("2019-12-05😀 05:30", NumericOrder::DayFirst).unwrap();
        assert_eq!(w.date, Some("2019-12-05".parse().unwrap()));
    }
    use jiff::civil::date;

    fn d(s: &str) -> Option<Date> {
        date_at(s, NumericOrder::DayFirst).map(|(d, _, _)| d)
    }

    #[test]
    fn date_shapes() {
        assert_eq!(d("2021-03-04 12:00"), Some(date(2021, 3, 4)));
        assert_eq!(d("2021/3/4"), Some(date(2021, 3, 4)));
        assert_eq!(d("04/03/2021"), Some(date(2021, 3, 4)));
        assert_eq!(d("13/03/2021"), Some(date(2021, 3, 13)));
        assert_eq!(d("03/13/2021"), Some(date(2021, 3, 13)));
        assert_eq!(d("March 4, 2021"), Some(date(2021, 3, 4)));
        assert_eq!(d("Mar. 4th 2021"), Some(date(2021, 3, 4)));
        assert_eq!(d("4 March 2021"), Some(date(2021, 3, 4)));
        assert_eq!(d("4th of March, 2021"), Some(date(2021, 3, 4)));
        assert_eq!(d("29 November 2019,"), Some(date(2019, 11, 29)));
        assert_eq!(d("20202-01-16"), None);
        assert_eq!(d("2021-02-30"), None);
        assert_eq!(d("May 2021"), None);
        assert_eq!(d("2021-004"), None);
        let mdy = date_at("04/03/2021", NumericOrder::MonthFirst).unwrap();
        assert_eq!((mdy.0, mdy.2), (date(2021, 4, 3), true));
    }

    #[test]
    fn dates_in_text() {
        let found = find_dates(
            "On Friday 29 November 2019 we... then 20202-01-16, and 2019-12-04 01:05",
            NumericOrder::DayFirst,
        );
        let dates: Vec<Date> = found.iter().map(|f| f.date).collect();
        assert_eq!(dates, vec![date(2019, 11, 29), date(2019, 12, 4)]);
        assert_eq!(numeric_order("on 12/25/2020 and 01/02/2021"), NumericOrder::MonthFirst);
        assert_eq!(numeric_order("on 25/12/2020"), NumericOrder::DayFirst);
    }

    #[test]
    fn times() {
        assert_eq!(time_at("14:02 UTC"), Some((14, 2, 0, 5)));
        assert_eq!(time_at("8:51"), Some((8, 51, 0, 4)));
        assert_eq!(time_at("2:02 pm: x"), Some((14, 2, 0, 7)));
        assert_eq!(time_at("12:30am"), Some((0, 30, 0, 7)));
        assert_eq!(time_at("25:00"), None);
        assert_eq!(time_at("1234"), None);
    }

    #[test]
    fn zones() {
        let (z, n) = zone_at(" UTC: x").unwrap();
        assert_eq!((z.label.as_str(), n), ("UTC", 4));
        assert_eq!(zone_at("(CET)").unwrap().0.tz.iana_name(), Some("CET"));
        let (z, _) = zone_at("UTC+2").unwrap();
        assert_eq!(z.tz.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds(), 7200);
        assert!(zone_at(" UTCX").is_none());
        assert!(zone_at(" Event").is_none());
        assert_eq!(zone_named_in("All times in CET.").unwrap().label, "CET");
        assert_eq!(zone_named_in("| Date and Time in CET | Event |").unwrap().label, "CET");
        assert_eq!(zone_named_in("| Time (UTC) | Event |").unwrap().label, "UTC");
        assert!(zone_named_in("## Timeline").is_none());
    }

    #[test]
    fn month_names_without_a_year_and_twelve_hour_times() {
        let o = NumericOrder::DayFirst;
        assert_eq!(month_day_at("Mar 3, 9:05 PM"), Some((3, 3, 5)));
        assert_eq!(month_day_at("March 3rd, the"), Some((3, 3, 9)));
        assert_eq!(month_day_at("3rd of March"), Some((3, 3, 12)));
        assert_eq!(month_day_at("Feb 30"), None);
        assert_eq!(month_day_at("May 2021"), None);
        assert_eq!(month_day_at("March 3, 2021"), None, "a full date is date_at's");
        assert_eq!(month_day_at("Mayday 3"), None);
        assert_eq!(month_day_at("May 12:00"), None);
        assert_eq!(month_day_at("Mar 3x"), None);
        let (w, n) = when_at("Mar 3, 9:05 PM | x", o).unwrap();
        assert_eq!((w.date, w.month_day, w.time, n), (None, Some((3, 3)), Some((21, 5, 0)), 14));
        assert_eq!(w.resolved_date(date(2021, 1, 1)), Some(date(2021, 3, 3)));
        assert_eq!(w.datetime(date(2021, 1, 1)), date(2021, 3, 3).at(21, 5, 0, 0));
        let (w, _) = when_at("Dec 31 11:59 pm EST", o).unwrap();
        assert_eq!((w.time, w.zone.unwrap().label.as_str()), (Some((23, 59, 0)), "EST"));
        let (w, _) = when_at("Feb 29, 1:00 AM", o).unwrap();
        assert_eq!(w.resolved_date(date(2021, 1, 1)), None, "no 29 February in 2021");
    }

    #[test]
    fn whens() {
        let o = NumericOrder::DayFirst;
        let (w, n) = when_at("2019-12-04 01:05 | x", o).unwrap();
        assert_eq!((w.date, w.time, n), (Some(date(2019, 12, 4)), Some((1, 5, 0)), 16));
        let (w, _) = when_at("14:02 UTC: detected", o).unwrap();
        assert_eq!((w.time, w.zone.unwrap().label), (Some((14, 2, 0)), "UTC".to_string()));
        let (w, _) = when_at("2020-11-17 10:45~", o).unwrap();
        assert!(w.approximate);
        let (w, _) = when_at("2020-10-06 09:00 - 11:00", o).unwrap();
        assert_eq!(w.time, Some((9, 0, 0)));
        let (w, _) = when_at("2022-06-02 HH:mm", o).unwrap();
        assert!(w.placeholder && w.time.is_none());
        let (w, _) = when_at("2024-03-13 14:??", o).unwrap();
        assert_eq!(w.time, Some((14, 0, 0)));
        let (w, _) = when_at("~2025-03-03 19:30", o).unwrap();
        assert!(w.approximate);
        let (w, _) = when_at("2021-12-10   15:40", o).unwrap();
        assert_eq!(w.time, Some((15, 40, 0)));
        let (w, _) = when_at("2024-03-12T14:02:00Z", o).unwrap();
        assert_eq!(w.zone.unwrap().label, "Z");
        assert!(when_at("20202-01-16 12:00", o).is_none_or(|(w, _)| w.date.is_none()));
        assert!(when_at("2021/22-??-?? HH:mm", o).is_none_or(|(w, _)| w.date.is_none()));
        assert!(when_at("Short event description", o).is_none());
        let (w, _) = when_at("2024-03-12T09:02:00-05:00", o).unwrap();
        assert_eq!(w.zone.unwrap().tz.to_offset(jiff::Timestamp::UNIX_EPOCH).seconds(), -5 * 3600);
        let (w, n) = when_at("09:00-11:00 x", o).unwrap();
        assert_eq!((w.time, w.zone.is_none(), n), (Some((9, 0, 0)), true, 11));
    }

    #[test]
    fn times_without_a_colon_in_timeline_lines() {
        use TimelineContext::LineStart;
        let at =
            |s: &str| compact_when_at(s, NumericOrder::DayFirst, LineStart).map(|(w, n)| (w.time, s[n..].to_string()));
        assert_eq!(at("1405 - paged the on-call"), Some((Some((14, 5, 0)), " - paged the on-call".into())));
        assert_eq!(at("0930 UTC: deploy of api v2 began"), Some((Some((9, 30, 0)), ": deploy of api v2 began".into())));
        let (w, _) = compact_when_at("0930 UTC: x", NumericOrder::DayFirst, LineStart).unwrap();
        assert_eq!(w.zone.unwrap().label, "UTC");
        assert_eq!(at("14h05 – rollback started"), Some((Some((14, 5, 0)), " – rollback started".into())));
        assert_eq!(at("9.05 pm - customers report 502s"), Some((Some((21, 5, 0)), " - customers report 502s".into())));
        assert_eq!(at("12.30am | database failover"), Some((Some((0, 30, 0)), " | database failover".into())));
        let (w, _) = compact_when_at("2024-03-03 1405 - alert", NumericOrder::DayFirst, LineStart).unwrap();
        assert_eq!((w.date.map(|d| d.to_string()), w.time), (Some("2024-03-03".into()), Some((14, 5, 0))));
        assert_eq!(at("2015 UTC - migration finished"), Some((Some((20, 15, 0)), " - migration finished".into())));
        assert_eq!(at("9am - on-call paged"), Some((Some((9, 0, 0)), " - on-call paged".into())));
        assert_eq!(at("11 PM: rollback done"), Some((Some((23, 0, 0)), ": rollback done".into())));
        assert_eq!(at("12am | failover"), Some((Some((0, 0, 0)), " | failover".into())));
    }

    #[test]
    fn years_counts_and_versions_are_not_times() {
        use TimelineContext::{LineStart, TimeCell};
        for line in [
            "2019 - the year we moved to Kubernetes",
            "2024: a retrospective",
            "1500 requests per second were dropped",
            "1405 customers were affected",
            "9.05 - the version that fixed it",
            "9.05",
            "14h5 - x",
            "2460 - x",
            "1399.5 - x",
            "12345 - x",
            "1405",
            "13.05 pm - x",
            "9 - x",
            "3 PMs - x",
            "13pm - x",
            "9:5 - x",
        ] {
            assert!(compact_when_at(line, NumericOrder::DayFirst, LineStart).is_none(), "{line}");
        }
        assert!(compact_when_at("1405", NumericOrder::DayFirst, TimeCell).is_some());
        assert!(compact_when_at("2015", NumericOrder::DayFirst, TimeCell).is_some(), "a time column says it is a time");
        assert!(compact_when_at("1405 requests", NumericOrder::DayFirst, TimeCell).is_none());
        assert!(compact_when_at("9am", NumericOrder::DayFirst, TimeCell).is_some());
        assert!(compact_when_at("9", NumericOrder::DayFirst, TimeCell).is_none(), "an hour alone needs am or pm");
        assert!(when_at("1405 - x", NumericOrder::DayFirst).is_none(), "never outside a timeline context");
    }
}
