//! Timeline events from tables, lists and prose lines, with their times resolved.

use super::*;

pub(super) type Notes<'a> = (&'a mut Vec<String>, &'a mut Vec<String>, &'a mut Vec<String>);

/// A row or line of a timeline before its time is resolved.
pub(super) struct RawEvent {
    pub(super) line: usize,
    pub(super) when: When,
    pub(super) text: String,
    pub(super) zone: Option<Zone>,
}

/// Event texts that are template leftovers, not events.
pub(super) fn is_placeholder_text(t: &str) -> bool {
    let l = t.to_lowercase();
    l.is_empty()
        || l == "short event description"
        || l == "short event description."
        || l == "..."
        || l == "…"
        || l == "-"
}

#[allow(clippy::too_many_arguments)]
pub(super) fn timeline(
    lines: &[&str],
    code: &[bool],
    in_table: &[bool],
    sections: &[Section],
    incident_date: Date,
    doc_zone: Option<&Zone>,
    order: NumericOrder,
    config: &SiteConfig,
    (mapped, guessed, unmapped): Notes,
) -> Vec<Event> {
    let episodes = episodes(sections, order);
    let timeline_sections: Vec<&Section> = sections.iter().filter(|s| s.kind == SectionKind::Timeline).collect();
    let whole = Section { kind: SectionKind::Timeline, heading: String::new(), range: 0..lines.len() };
    // Where timelines are read: the Timeline sections; with several incidents in one
    // file, also each incident's section that has none; else tables anywhere.
    let mut scopes: Vec<(&Section, bool)> = timeline_sections.iter().map(|s| (*s, true)).collect();
    for e in &episodes {
        let section = &sections[e.section];
        if !timeline_sections.iter().any(|t| t.range.start >= section.range.start && t.range.end <= section.range.end)
            && !scopes.iter().any(|(s, _)| s.range.start <= section.range.start && section.range.end <= s.range.end)
        {
            scopes.push((section, true));
        }
    }
    if scopes.is_empty() {
        scopes.push((&whole, false));
    }
    let mut raw: Vec<RawEvent> = Vec::new();
    for e in &episodes {
        let heading_line = sections[e.section].range.start.saturating_sub(1);
        raw.push(RawEvent { line: heading_line, when: e.when.clone(), text: String::new(), zone: None });
    }
    let episode_heading_lines: Vec<usize> =
        episodes.iter().map(|e| sections[e.section].range.start.saturating_sub(1)).collect();
    let mut unparsed: Vec<String> = Vec::new();
    let mut placeholder_rows = 0;
    let mut prose_events = 0;
    let mut zone_source: Option<String> = None;
    for (scope, in_section) in scopes {
        // "All times in CET." in the section, or "(UTC)" in its heading.
        let prose: String =
            scope.range.clone().filter(|&i| !in_table[i] && !code[i]).map(|i| lines[i]).collect::<Vec<_>>().join("\n");
        let section_zone = when::zone_named_in(&format!("{}\n{prose}", scope.heading))
            .or_else(|| scope.heading.find('(').and_then(|p| when::zone_at(&scope.heading[p..]).map(|(z, _)| z)));
        for table in text::tables(lines, code, scope.range.clone()) {
            let date_col =
                table.column(&["date", "day"], &[]).filter(|&c| !has_word(&table.header[c].to_lowercase(), "time"));
            let time_col = table
                .column(&["time", "when", "timestamp", "utc"], date_col.as_slice())
                .or(date_col)
                .or(in_section.then_some(0));
            let Some(time_col) = time_col else { continue };
            let date_col = date_col.filter(|&c| c != time_col);
            let used: Vec<usize> = [Some(time_col), date_col].into_iter().flatten().collect();
            let event_col = table
                .column(
                    &[
                        "event",
                        "events",
                        "description",
                        "what",
                        "happened",
                        "action",
                        "details",
                        "activity",
                        "update",
                        "summary",
                        "note",
                        "notes",
                        "message",
                        "text",
                    ],
                    &used,
                )
                .or_else(|| (0..table.header.len()).find(|c| !used.contains(c)));
            let Some(event_col) = event_col else { continue };
            let header_zone = when::zone_named_in(&table.header.join(" | ")).or_else(|| {
                // `| When (CET) | Event |`
                table.header.iter().find_map(|h| h.find('(').and_then(|p| when::zone_at(&h[p..]).map(|(z, _)| z)))
            });
            for (line, row) in &table.rows {
                let event = plain(row.get(event_col).map_or("", String::as_str));
                if is_placeholder_text(&event) {
                    placeholder_rows += 1;
                    continue;
                }
                let time_cell = row.get(time_col).map_or("", String::as_str);
                let when_text = match date_col.and_then(|c| row.get(c)) {
                    Some(d) => format!("{d} {time_cell}"),
                    None => time_cell.to_string(),
                };
                // `1405` or `9.05 pm` in a time column is a time: the header says so.
                let found = when::when_at(&when_text, order)
                    .filter(|(w, _)| w.time.is_some() || w.placeholder)
                    .or_else(|| when::compact_when_at(&when_text, order, when::TimelineContext::TimeCell))
                    .or_else(|| when::when_at(&when_text, order));
                match found {
                    Some((w, _)) if w.date.is_some() || w.time.is_some() => raw.push(RawEvent {
                        line: *line,
                        when: w,
                        text: event,
                        zone: header_zone.clone().or_else(|| section_zone.clone()),
                    }),
                    _ => unparsed.push(when_text.trim().to_string()),
                }
            }
        }
        if !in_section {
            // Without a Timeline section: sentences that start with a time, anywhere.
            let found = prose::sentences(lines, code, in_table, scope.range.clone(), order, &[]);
            prose_events += found.len();
            raw.extend(found);
            continue;
        }
        // Lists and lines: `- 14:02 UTC: text`, `**14:02** - text`, `14:02 text`,
        // `- 2016-07-21 19:44 UTC ::::: text`, `* At 14:02, text`.
        let mut line_events = Vec::new();
        for i in scope.range.clone() {
            if code[i] || in_table[i] || lines[i].trim().is_empty() || episode_heading_lines.contains(&i) {
                continue;
            }
            let l = lines[i];
            let (t, item) = match text::list_marker(l) {
                Some((_, start)) => (&l[start..], true),
                None => (text::atx_heading(l).map_or(l, |(_, t)| t), false),
            };
            let t = t.trim();
            let (t, approximate) = match t.strip_prefix(['~', '≈']) {
                Some(rest) => (rest.trim_start(), true),
                None => (t, false),
            };
            let t = if item { prose::strip_lead(t) } else { t };
            let (mut w, rest) = match emphasised_when(t, order) {
                Some(found) => found,
                None => match when::when_at(t, order)
                    .filter(|(w, _)| w.time.is_some() || w.placeholder)
                    .or_else(|| when::compact_when_at(t, order, when::TimelineContext::LineStart))
                    .or_else(|| when::when_at(t, order))
                {
                    Some((w, n)) => (w, &t[n..]),
                    None => continue,
                },
            };
            w.approximate |= approximate;
            let rest = rest.trim_start_matches([' ', ':', '-', '–', '—', '|', ',', '*', '_']).trim();
            let event = plain(rest);
            line_events.push(i);
            if event.is_empty() {
                if w.has_date() {
                    // A date line that the following times belong to (`2022-07-01`, or
                    // `* 2022-01-07 12:39 - 15:30` above indented items).
                    raw.push(RawEvent { line: i, when: w, text: String::new(), zone: None });
                }
                continue;
            }
            if is_placeholder_text(&event) {
                placeholder_rows += 1;
                continue;
            }
            raw.push(RawEvent { line: i, when: w, text: event, zone: section_zone.clone() });
        }
        // Prose in the section: "At 3:12 PM UTC on March 3rd, the on-call engineer …".
        for mut e in prose::sentences(lines, code, in_table, scope.range.clone(), order, &line_events) {
            e.zone = e.zone.or_else(|| section_zone.clone());
            prose_events += 1;
            raw.push(e);
        }
    }
    raw.sort_by_key(|r| r.line);
    // Which incident each line belongs to, when a file describes several.
    let episode_of = |line: usize| {
        episodes.iter().rposition(|e| {
            let r = &sections[e.section].range;
            line + 1 >= r.start && line < r.end
        })
    };
    let mut per_episode = vec![0usize; episodes.len()];

    // Resolve dates (a time without one belongs to the last date written above it, else
    // the incident's day) and zones (the event's, its table's or section's, the file's).
    let mut current = None;
    let mut events: Vec<(jiff::Timestamp, Event)> = Vec::new();
    let (mut date_only, mut approximate, mut undated) = (0, 0, 0);
    let mut unzoned = false;
    // A time after midnight that follows a late-evening one under the same date
    // (`23:50`, then `01:54`) is on the next day.
    let mut last_time: Option<(i8, i8, i8)> = None;
    let mut rolled = 0;
    for r in raw {
        if let Some(d) = r.when.resolved_date(current.unwrap_or(incident_date)) {
            current = Some(d);
            last_time = None;
        }
        if r.text.is_empty() {
            continue;
        }
        if !r.when.has_date()
            && let (Some(t), Some(prev)) = (r.when.time, last_time)
            && prev.0 >= 18
            && t.0 < 6
        {
            current = current.unwrap_or(incident_date).tomorrow().ok();
            rolled += 1;
        }
        if r.when.time.is_some() {
            last_time = r.when.time;
        }
        if !r.when.has_date() && current.is_none() {
            undated += 1;
        }
        let dt = r.when.datetime(current.unwrap_or(incident_date));
        if r.when.time.is_none() {
            date_only += 1;
        } else if r.when.approximate {
            approximate += 1;
        }
        let zone = r.when.zone.clone().or(r.zone).or_else(|| doc_zone.cloned());
        match &zone {
            Some(z) if zone_source.is_none() => zone_source = Some(z.label.clone()),
            Some(_) => {}
            None => unzoned = true,
        }
        let Some((at, ts)) = place(dt, zone.as_ref(), config) else {
            continue;
        };
        let (kind, text) = match guess::kind_label(&r.text) {
            Some((k, rest)) if !rest.is_empty() => (k, rest),
            _ => (guess::event_kind(&r.text), r.text),
        };
        let text = match episode_of(r.line) {
            Some(e) => {
                per_episode[e] += 1;
                format!("{}: {text}", episodes[e].name)
            }
            None => text,
        };
        events.push((ts, Event { at, kind, text }));
    }
    events.sort_by_key(|(ts, _)| *ts);
    let mut events: Vec<Event> = events.into_iter().map(|(_, e)| e).collect();
    if let Some(first) = events.first_mut()
        && first.kind == EventKind::Note
    {
        first.kind = EventKind::Signal;
    }

    if events.is_empty() {
        unmapped.push("timeline: no table or list with times".into());
    } else {
        let mut kinds: BTreeMap<EventKind, usize> = BTreeMap::new();
        for e in &events {
            *kinds.entry(e.kind).or_default() += 1;
        }
        let kinds: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {}", k.as_str())).collect();
        mapped.push(format!(
            "{} ({}; kinds guessed from their words)",
            plural(events.len(), "timeline event"),
            kinds.join(", ")
        ));
        // The same word test the timeline picture draws change markers from, so the
        // report says what the page will show.
        let changes =
            events.iter().filter(|e| e.kind == EventKind::Note && crate::words::describes_change(&e.text)).count();
        if changes > 0 {
            mapped.push(format!(
                "{} kept as notes and drawn as changes (deploys, config pushes, rollouts)",
                plural(changes, "timeline event")
            ));
        }
        match (&zone_source, unzoned) {
            (Some(z), false) => mapped.push(format!("times in {z}, as the text says")),
            (Some(z), true) => guessed.push(format!(
                "times without a zone read in the site's timezone {} (others in {z})",
                config.timezone_name
            )),
            (None, _) => guessed
                .push(format!("times read in the site's timezone {} (the text names none)", config.timezone_name)),
        }
    }
    if prose_events > 0 && !events.is_empty() {
        guessed.push(format!(
            "{} read from sentences that start with a time (\"At 3:12 PM UTC, …\")",
            plural(prose_events, "timeline event")
        ));
    }
    if episodes.len() > 1 {
        let list: Vec<String> = episodes
            .iter()
            .zip(&per_episode)
            .map(|(e, n)| {
                let day = e.when.resolved_date(incident_date).map(|d| d.to_string()).unwrap_or_default();
                format!("{day} {} ({})", e.name, plural(*n, "event"))
            })
            .collect();
        mapped.push(format!(
            "{} incidents in one file, kept in one timeline, each event's text starting with its incident's name: {}",
            episodes.len(),
            list.join("; ")
        ));
    }
    if rolled > 0 {
        guessed.push(format!(
            "{} after midnight, following a late-evening time, placed on the next day",
            plural(rolled, "timeline time")
        ));
    }
    if date_only > 0 {
        guessed.push(format!("no time of day for {}: placed at 00:00", plural(date_only, "timeline event")));
    }
    if approximate > 0 {
        guessed.push(format!("approximate times (`~`, `14:??`) for {}", plural(approximate, "timeline event")));
    }
    if undated > 0 {
        guessed.push(format!("no date for {}: placed on the incident's day", plural(undated, "timeline time")));
    }
    if placeholder_rows > 0 {
        unmapped.push(format!("{} left from a template skipped", plural(placeholder_rows, "timeline row")));
    }
    if !unparsed.is_empty() {
        let shown: Vec<String> = unparsed.iter().take(3).map(|u| format!("\"{u}\"")).collect();
        unmapped.push(format!(
            "{} without a usable time ({}{}): kept in the body only",
            plural(unparsed.len(), "timeline row"),
            shown.join(", "),
            if unparsed.len() > 3 { ", …" } else { "" }
        ));
    }
    events
}

/// An event's `at` as written (with the zone's offset, or local to the site's timezone
/// without a zone) and its instant.
pub(super) fn place(
    dt: jiff::civil::DateTime,
    zone: Option<&Zone>,
    config: &SiteConfig,
) -> Option<(String, jiff::Timestamp)> {
    let local = dt.strftime("%Y-%m-%dT%H:%M:%S").to_string();
    match zone {
        Some(z) => {
            let ts = z.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
            Some((format!("{local}{}", offset_text(z.tz.to_offset(ts))), ts))
        }
        None => Some((local, config.timezone.to_ambiguous_timestamp(dt).compatible().ok()?)),
    }
}

/// A time wrapped in emphasis or code at the start of a line: `**14:02** - text`.
pub(super) fn emphasised_when(t: &str, order: NumericOrder) -> Option<(When, &str)> {
    let marker = ["**", "__", "`", "*", "_"].into_iter().find(|m| t.starts_with(m))?;
    let inner_start = marker.len();
    let close = t[inner_start..].find(marker)? + inner_start;
    let inner = &t[inner_start..close];
    let (w, n) = when::when_at(inner, order)?;
    // The emphasis may hold the time only (`**14:02**`) or a label too (`**14:02 Detected**`).
    let rest_inner = inner[n..].trim();
    let rest = &t[close + marker.len()..];
    if rest_inner.is_empty() {
        Some((w, rest))
    } else {
        // Re-join: the label inside the emphasis is part of the text.
        let joined_start = t.find(rest_inner)?;
        Some((w, &t[joined_start..]))
    }
}

pub(super) fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

pub(super) fn offset_text(offset: jiff::tz::Offset) -> String {
    let secs = offset.seconds();
    if secs == 0 {
        return "Z".into();
    }
    let sign = if secs < 0 { '-' } else { '+' };
    let secs = secs.abs();
    format!("{sign}{:02}:{:02}", secs / 3600, secs % 3600 / 60)
}

/// One of several incidents a file describes: a `### 2021-03-05 - Elan` section.
pub(super) struct Episode {
    /// Index into the sections.
    pub(super) section: usize,
    pub(super) when: When,
    pub(super) name: String,
}

/// Sections whose heading is a date and a name (`### 2021-03-05 - Elan outage`,
/// `## March 3: API`), when there are at least two: a file of several incidents.
pub(super) fn episodes(sections: &[Section], order: NumericOrder) -> Vec<Episode> {
    let found: Vec<Episode> = sections
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let (w, n) = when::when_at(&s.heading, order)?;
            if !w.has_date() {
                return None;
            }
            let name = s.heading[n..].trim_start_matches([' ', ':', '-', '–', '—', '|', ',']).trim();
            let name = plain(name);
            (!name.is_empty() && !is_section_name(&name)).then_some(Episode { section: i, when: w, name })
        })
        .collect();
    if found.len() >= 2 { found } else { Vec::new() }
}
