//! Header facts with a time: `Detected: 2022-04-28 10:34`, `Resolved:`, `Started:`
//! lines and key/value table rows (`| **Detected** | 2021-03-05 23:27 |`), and foreign
//! front matter's `start_time`/`end_time`, become timeline events unless the timeline
//! already has an event at that instant.

use super::*;

/// Header keys (lower case) that time a phase of the incident, with the kind and text
/// of the event they make.
const FACTS: &[(&[&str], EventKind, &str)] = &[
    (
        &["started", "start", "start time", "started at", "impact start", "incident start", "began", "begin"],
        EventKind::Signal,
        "Incident began",
    ),
    (
        &["detected", "detected at", "detection", "detection time", "time detected", "time of detection"],
        EventKind::Detection,
        "Incident detected",
    ),
    (&["mitigated", "mitigated at", "mitigation time", "time mitigated"], EventKind::Mitigation, "Impact mitigated"),
    (
        &["resolved", "resolved at", "resolution time", "time resolved", "ended", "end time", "recovered", "end"],
        EventKind::Recovery,
        "Incident resolved",
    ),
];

/// A fact to place in the timeline: (key as written, value, kind, where it came from).
pub(super) type Fact = (String, String, EventKind, &'static str);

/// The header lines and table rows that time a phase.
pub(super) fn header_facts(meta: &Meta) -> Vec<Fact> {
    let mut out: Vec<Fact> = Vec::new();
    for (keys, kind, _) in FACTS {
        if let Some((k, v)) = meta.get(keys) {
            out.push((k.to_string(), v.trim_matches('`').to_string(), *kind, "line"));
        }
    }
    out
}

fn label(kind: EventKind) -> &'static str {
    FACTS.iter().find(|(_, k, _)| *k == kind).map_or("Incident", |(_, _, l)| l)
}

/// Adds each fact with a time of day to `timeline` (kept in time order), unless an
/// event at the same instant is there already. Returns the notes for the report.
pub(super) fn add_events(
    timeline: &mut Vec<Event>,
    facts: &[Fact],
    incident_date: Date,
    doc_zone: Option<&Zone>,
    order: NumericOrder,
    config: &SiteConfig,
) -> Vec<String> {
    let mut notes = Vec::new();
    let instant = |at: &str| crate::frontmatter::parse_timestamp(at, &config.timezone);
    for (key, value, kind, source) in facts {
        let Some((w, _)) = when::when_at(value, order) else { continue };
        if w.time.is_none() {
            continue;
        }
        let dt = w.datetime(incident_date);
        let zone = w.zone.clone().or_else(|| doc_zone.cloned());
        let Some((at, ts)) = place(dt, zone.as_ref(), config) else { continue };
        let from = if *source == "line" { format!("the `{key}:` line") } else { format!("front matter `{key}`") };
        if timeline.iter().any(|e| instant(&e.at) == Some(ts)) {
            notes.push(format!("{} at {at} ({from}): the timeline has an event then already", kind.as_str()));
            continue;
        }
        timeline.push(Event { at: at.clone(), kind: *kind, text: format!("{} ({from})", label(*kind)) });
        notes.push(format!("{} event at {at} from {from}", kind.as_str()));
    }
    timeline.sort_by_key(|e| instant(&e.at));
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SiteConfig {
        crate::config::parse(crate::scaffold::DEFAULT_SITE_TOML).0
    }

    #[test]
    fn detected_and_resolved_become_events() {
        let meta = Meta {
            entries: vec![
                ("detected".into(), "`2022-04-28 10:34`".into()),
                ("resolved".into(), "2022-04-29 12:01 UTC".into()),
                ("team".into(), "SW".into()),
                ("started".into(), "2022-04-20".into()),
            ],
        };
        let facts = header_facts(&meta);
        assert_eq!(facts.len(), 3);
        let mut timeline = vec![Event { at: "2022-04-28T10:34:00".into(), kind: EventKind::Note, text: "x".into() }];
        let notes =
            add_events(&mut timeline, &facts, jiff::civil::date(2022, 4, 20), None, NumericOrder::DayFirst, &config());
        assert_eq!(timeline.len(), 2, "{timeline:?}");
        assert_eq!(timeline[1].at, "2022-04-29T12:01:00Z");
        assert_eq!(timeline[1].kind, EventKind::Recovery);
        assert_eq!(timeline[1].text, "Incident resolved (the `resolved:` line)");
        assert!(notes[0].contains("already"), "{notes:?}");
        assert_eq!(notes.len(), 2, "a date without a time makes no event: {notes:?}");
    }
}
