//! Response figures derived from a timeline, and the statistics across incidents.
//!
//! Incident durations are heavy-tailed, so summaries use medians and percentiles,
//! never means. A figure whose ends are missing is `None` ("unknown"), never zero.

use crate::model::{EventKind, TimelineEvent};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One incident's response times, from its timeline. A figure is None when either end
/// is missing or the end comes before the start.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Figures {
    /// First signal -> first detection.
    pub(crate) detect: Option<SignedDuration>,
    /// First detection -> first diagnosis.
    pub(crate) diagnose: Option<SignedDuration>,
    /// First detection -> first mitigation.
    pub(crate) mitigate: Option<SignedDuration>,
    /// First signal -> last recovery (the incident's duration).
    pub(crate) recover: Option<SignedDuration>,
}

/// The figure names, in the order pages show them.
pub(crate) const NAMES: [(&str, &str); 4] = [
    ("detect", "Time to detect"),
    ("diagnose", "Time to diagnose"),
    ("mitigate", "Time to mitigate"),
    ("recover", "Time to recover"),
];

/// What each figure of [`NAMES`] measures, from which event to which, as pages say it.
pub(crate) const MEASURES: [&str; 4] = [
    "first signal → first detection",
    "first detection → first diagnosis",
    "first detection → first mitigation",
    "first signal → last recovery",
];

impl Figures {
    /// `timeline` may be in any order.
    pub(crate) fn from_timeline(timeline: &[TimelineEvent]) -> Self {
        let first = |k: EventKind| timeline.iter().filter(|e| e.kind == k).map(|e| e.at).min();
        let last = |k: EventKind| timeline.iter().filter(|e| e.kind == k).map(|e| e.at).max();
        let span = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
            // An end before its start is a data problem, not a negative duration to average.
            (Some(a), Some(b)) if b >= a => Some(b.duration_since(a)),
            _ => None,
        };
        let signal = first(EventKind::Signal);
        let detection = first(EventKind::Detection);
        Figures {
            detect: span(signal, detection),
            diagnose: span(detection, first(EventKind::Diagnosis)),
            mitigate: span(detection, first(EventKind::Mitigation)),
            recover: span(signal, last(EventKind::Recovery)),
        }
    }

    /// A figure by its name in `NAMES` (`detect`, `recover`, ...); None for another name.
    pub(crate) fn get(&self, name: &str) -> Option<SignedDuration> {
        match name {
            "detect" => self.detect,
            "diagnose" => self.diagnose,
            "mitigate" => self.mitigate,
            "recover" => self.recover,
            _ => None,
        }
    }
}

/// "17 min", "2 h 5 min", "3 d 4 h", "45 s"; "unknown" for `None`.
pub(crate) fn human(d: Option<SignedDuration>) -> String {
    let Some(d) = d else { return "unknown".into() };
    let secs = d.as_secs().max(0);
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, 0) => format!("{h} h"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, 0, _) => format!("{d} d"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

/// The p-th percentile (0..=100) of sorted values, linearly interpolated between
/// closest ranks (the method of numpy's default and of most spreadsheets).
pub(crate) fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p / 100.0).clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    Some(sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo as f64))
}

/// Median and p90 of one figure over a set of incidents, with how many were unknown.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub(crate) struct Summary {
    /// Incidents with the figure known.
    pub(crate) count: usize,
    /// Incidents without it.
    pub(crate) unknown: usize,
    pub(crate) median_secs: Option<f64>,
    pub(crate) p90_secs: Option<f64>,
}

impl Summary {
    /// The summary of one figure's values, one per incident (None: unknown).
    pub(crate) fn of(values: impl Iterator<Item = Option<SignedDuration>>) -> Self {
        let mut known = Vec::new();
        let mut unknown = 0;
        for v in values {
            match v {
                Some(d) => known.push(d.as_secs_f64()),
                None => unknown += 1,
            }
        }
        known.sort_by(f64::total_cmp);
        Summary {
            count: known.len(),
            unknown,
            median_secs: percentile(&known, 50.0),
            p90_secs: percentile(&known, 90.0),
        }
    }
    pub(crate) fn median_human(&self) -> String {
        human(self.median_secs.map(|s| SignedDuration::from_secs(s.round() as i64)))
    }
    pub(crate) fn p90_human(&self) -> String {
        human(self.p90_secs.map(|s| SignedDuration::from_secs(s.round() as i64)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(at: &str, kind: EventKind) -> TimelineEvent {
        TimelineEvent { at: at.parse().unwrap(), kind, text: String::new(), line: 0 }
    }

    #[test]
    fn figures_from_unsorted_timeline() {
        let t = vec![
            ev("2024-03-12T14:49:00Z", EventKind::Recovery),
            ev("2024-03-12T14:19:00Z", EventKind::Detection),
            ev("2024-03-12T14:02:00Z", EventKind::Signal),
            ev("2024-03-12T14:35:00Z", EventKind::Mitigation),
            ev("2024-03-12T14:31:00Z", EventKind::Diagnosis),
            ev("2024-03-12T14:40:00Z", EventKind::Recovery),
        ];
        let f = Figures::from_timeline(&t);
        assert_eq!(human(f.detect), "17 min");
        assert_eq!(human(f.diagnose), "12 min");
        assert_eq!(human(f.mitigate), "16 min");
        assert_eq!(human(f.recover), "47 min", "last recovery counts");
    }

    #[test]
    fn missing_phases_are_unknown_not_zero() {
        let f = Figures::from_timeline(&[ev("2024-03-12T14:19:00Z", EventKind::Detection)]);
        assert_eq!(f, Figures::default());
        assert_eq!(human(f.detect), "unknown");
    }

    #[test]
    fn offsets_midnight_and_dst() {
        // Signal in Berlin summer time, detection in UTC across midnight.
        let t = vec![
            ev("2024-03-30T23:50:00+01:00", EventKind::Signal),
            ev("2024-03-31T03:10:00+02:00", EventKind::Detection),
        ];
        // 22:50Z -> 01:10Z: 2 h 20 min, across the DST change night.
        assert_eq!(human(Figures::from_timeline(&t).detect), "2 h 20 min");
    }

    #[test]
    fn human_units() {
        let s = |n| human(Some(SignedDuration::from_secs(n)));
        assert_eq!(s(45), "45 s");
        assert_eq!(s(7500), "2 h 5 min");
        assert_eq!(s(3600), "1 h");
        assert_eq!(s(3 * 86400 + 4 * 3600 + 60), "3 d 4 h");
    }

    #[test]
    fn percentiles_match_known_values() {
        let v = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        assert_eq!(percentile(&v, 50.0), Some(5.5));
        assert_eq!(percentile(&v, 90.0), Some(9.1));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 100.0), Some(10.0));
        assert_eq!(percentile(&[4.0], 90.0), Some(4.0));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn summary_counts_unknowns() {
        let s =
            Summary::of([Some(SignedDuration::from_secs(60)), None, Some(SignedDuration::from_secs(180))].into_iter());
        assert_eq!((s.count, s.unknown), (2, 1));
        assert_eq!(s.median_secs, Some(120.0));
        assert_eq!(s.median_human(), "2 min");
    }
}
