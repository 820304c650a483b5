//! The incident page's timeline table, beyond the raw events: the date only where it
//! changes, the time since the first signal ("T+12 min"), UTC beside local time, and the
//! zone's offset on the incident's days ("Europe/Berlin, UTC+2").
//!
//! Prose is often written in UTC while the table is in the site's zone, so a reader
//! needs both, and the offset must be the one in force that day (DST), not today's.

use crate::model::{EventKind, TimelineEvent};
use jiff::Timestamp;
use jiff::tz::{Offset, TimeZone};

/// One row's derived cells, in the order of the events given.
pub(super) struct Row {
    /// The local date, only when it differs from the previous row's.
    pub(crate) date: Option<String>,
    /// Local "14:02".
    pub(crate) time: String,
    /// "T+0", "T+12 min", "T+2 h 5 min"; "T−3 min" before the first signal.
    pub(crate) t_plus: String,
    /// "13:02" in UTC, with the date when the UTC date differs from the local one.
    pub(crate) utc: String,
}

pub(super) struct Table {
    pub(crate) rows: Vec<Row>,
    /// The zone's offsets over the timeline, earliest first, without repeats.
    pub(crate) offsets: Vec<Offset>,
    /// What T+0 is: "first signal", or "first event" when no signal is written.
    pub(crate) t0_from: &'static str,
}

pub(super) fn rows(events: &[TimelineEvent], tz: &TimeZone) -> Table {
    let signal = events.iter().filter(|e| e.kind == EventKind::Signal).map(|e| e.at).min();
    let t0_from = if signal.is_some() { "first signal" } else { "first event" };
    let t0 = signal.or_else(|| events.iter().map(|e| e.at).min());
    let mut prev_date = None;
    let rows = events
        .iter()
        .map(|e| {
            let z = e.at.to_zoned_datetime(tz.clone());
            let date = z.date();
            let shown = (prev_date != Some(date)).then(|| date.to_string());
            prev_date = Some(date);
            let u = e.at.to_zoned_datetime(TimeZone::UTC);
            let utc = if u.date() == date {
                u.strftime("%H:%M").to_string()
            } else {
                u.strftime("%Y-%m-%d %H:%M").to_string()
            };
            Row { date: shown, time: z.strftime("%H:%M").to_string(), t_plus: t_plus(t0, e.at), utc }
        })
        .collect();
    let mut times: Vec<Timestamp> = events.iter().map(|e| e.at).collect();
    times.sort();
    let mut offsets: Vec<Offset> = Vec::new();
    for t in times {
        let o = tz.to_offset(t);
        if offsets.last() != Some(&o) {
            offsets.push(o);
        }
    }
    Table { rows, offsets, t0_from }
}

fn t_plus(t0: Option<Timestamp>, at: Timestamp) -> String {
    let Some(t0) = t0 else { return String::new() };
    let d = at.duration_since(t0);
    if d.is_zero() {
        return "T+0".into();
    }
    let (sign, d) = if d.is_negative() { ("T−", -d) } else { ("T+", d) };
    format!("{sign}{}", crate::figures::human(Some(d)))
}

/// "Europe/Berlin, UTC+2"; "Europe/Berlin, UTC+1 then UTC+2" across a DST change;
/// "UTC" alone for UTC.
pub(super) fn zone_caption(name: &str, offsets: &[Offset]) -> String {
    let utc = |o: &Offset| {
        let s = o.seconds();
        if s == 0 {
            return "UTC".to_string();
        }
        let sign = if s < 0 { '−' } else { '+' };
        let (h, m) = (s.abs() / 3600, s.abs() % 3600 / 60);
        if m == 0 { format!("UTC{sign}{h}") } else { format!("UTC{sign}{h}:{m:02}") }
    };
    let list: Vec<String> = offsets.iter().map(utc).collect();
    if list.is_empty() || (list.len() == 1 && list[0] == name) {
        return name.to_string();
    }
    format!("{name}, {}", list.join(" then "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: &str, kind: EventKind) -> TimelineEvent {
        TimelineEvent { at: at.parse().unwrap(), kind, text: String::new(), line: 0 }
    }

    fn berlin() -> TimeZone {
        jiff::tz::db().get("Europe/Berlin").unwrap()
    }

    #[test]
    fn date_only_when_it_changes_and_t_plus_from_the_first_signal() {
        let t = rows(
            &[
                ev("2024-06-12T21:58:00Z", EventKind::Note),
                ev("2024-06-12T21:59:00Z", EventKind::Signal),
                ev("2024-06-12T22:11:00Z", EventKind::Detection),
                ev("2024-06-13T00:04:00Z", EventKind::Recovery),
            ],
            &berlin(),
        );
        let dates: Vec<Option<&str>> = t.rows.iter().map(|r| r.date.as_deref()).collect();
        assert_eq!(dates, [Some("2024-06-12"), None, Some("2024-06-13"), None], "22:11Z is 00:11 in Berlin");
        let tp: Vec<&str> = t.rows.iter().map(|r| r.t_plus.as_str()).collect();
        assert_eq!(tp, ["T−1 min", "T+0", "T+12 min", "T+2 h 5 min"]);
        assert_eq!(t.rows[2].time, "00:11");
        assert_eq!(t.rows[2].utc, "2024-06-12 22:11", "the UTC date differs from the local one");
        assert_eq!(t.rows[3].utc, "00:04");
        assert_eq!(t.t0_from, "first signal");
    }

    #[test]
    fn zone_caption_has_the_offset_of_the_incidents_day() {
        let summer = rows(&[ev("2024-06-12T12:00:00Z", EventKind::Signal)], &berlin());
        assert_eq!(zone_caption("Europe/Berlin", &summer.offsets), "Europe/Berlin, UTC+2");
        let winter = rows(&[ev("2024-01-12T12:00:00Z", EventKind::Signal)], &berlin());
        assert_eq!(zone_caption("Europe/Berlin", &winter.offsets), "Europe/Berlin, UTC+1");
        // Across the March change night.
        let dst = rows(
            &[ev("2024-03-31T00:30:00Z", EventKind::Signal), ev("2024-03-31T01:30:00Z", EventKind::Recovery)],
            &berlin(),
        );
        assert_eq!(zone_caption("Europe/Berlin", &dst.offsets), "Europe/Berlin, UTC+1 then UTC+2");
        let kolkata = jiff::tz::db().get("Asia/Kolkata").unwrap();
        assert_eq!(
            zone_caption("Asia/Kolkata", &rows(&[ev("2024-01-01T00:00:00Z", EventKind::Note)], &kolkata).offsets),
            "Asia/Kolkata, UTC+5:30"
        );
        assert_eq!(
            zone_caption("UTC", &rows(&[ev("2024-01-01T00:00:00Z", EventKind::Note)], &TimeZone::UTC).offsets),
            "UTC"
        );
        assert_eq!(rows(&[ev("2024-01-01T00:00:00Z", EventKind::Note)], &TimeZone::UTC).t0_from, "first event");
    }
}
