//! One incident's timeline as a picture: the response phases as coloured spans over a
//! time axis in the site's timezone, every event a marker linked to its table row.
//!
//! A reader should see at a glance how long the incident went unnoticed and where the
//! time went afterwards. Phases come only from the events written down: a phase whose
//! start or end event is missing is left out and named in the legend as unknown, never
//! drawn from a guess. The axis is laid out in local wall-clock time (ticks on round local
//! times, day labels at local midnights), so an incident across midnight or a DST change
//! reads the way the responders lived it. Milestones are labelled on the picture, changes
//! (deploys, config pushes) get a marker of their own, the impact window is shaded, and
//! long quiet gaps break the axis so that each episode of an incident stays readable.

use super::{attr_num, esc, num, open_svg, text_width, time_step, two_digits, uint};
use crate::model::{EventKind, TimelineEvent};
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

const WIDTH: f64 = 800.0;
const MARGIN_X: f64 = 40.0;
const PLOT_W: f64 = WIDTH - 2.0 * MARGIN_X;
const TOP: f64 = 6.0;
const PHASE_H: f64 = 14.0;
const PHASE_GAP: f64 = 2.0;
const LANE_H: f64 = 16.0;
/// Markers closer than this (centre to centre, viewBox units) would overlap: stack them.
const COLLIDE: f64 = 13.0;
/// Beyond this many lanes a burst of events shares the least crowded lane rather than
/// growing the picture without bound.
const MAX_LANES: usize = 8;
const MAX_TICKS: f64 = 8.0;
/// Room one tick label needs along the axis, so narrow episodes get fewer ticks.
const TICK_ROOM: f64 = 90.0;
/// Milestone label rows: height, and the least space between two labels in a row.
const LABEL_H: f64 = 14.0;
const LABEL_SPACE: f64 = 8.0;
/// A quiet gap breaks the axis when it is longer than this (seconds) ...
const BREAK_MIN_GAP: f64 = 3.0 * 3600.0;
/// ... and than this many times the median gap between consecutive events.
const BREAK_FACTOR: f64 = 8.0;
/// At most this many episodes; more gaps than that are drawn at scale.
pub(crate) const MAX_EPISODES: usize = 6;
/// Width of an axis break, in viewBox units.
const BREAK_W: f64 = 36.0;
const DAY: i64 = 86_400;

/// The response phases in the order they happen: CSS class suffix and legend label.
const PHASES: [(&str, &str); 4] = [
    ("undetected", "Undetected"),
    ("diagnosing", "Diagnosing"),
    ("mitigating", "Mitigating"),
    ("recovering", "Recovering"),
];

/// Marker kinds: the six event kinds, then notes that describe a change (a deploy, a
/// config push), drawn apart because they are the usual triggers.
const KIND_LABELS: [&str; 7] = ["Signal", "Detection", "Diagnosis", "Mitigation", "Recovery", "Note", "Change"];
const KIND_CLASSES: [&str; 7] = ["signal", "detection", "diagnosis", "mitigation", "recovery", "note", "change"];
/// The index of the change marker in the kind tables.
const CHANGE: usize = 6;

/// Marker shapes centred on (0, 0), one per kind, so kinds differ by more than colour.
const KIND_SHAPES: [&str; 7] = [
    "<circle r=\"5\"/>",
    "<path d=\"M0-6L6 0 0 6-6 0Z\"/>",
    "<rect x=\"-4.5\" y=\"-4.5\" width=\"9\" height=\"9\"/>",
    "<path d=\"M0-6L5.5 4H-5.5Z\"/>",
    "<path d=\"M0 6L5.5-4H-5.5Z\"/>",
    "<circle r=\"3.5\"/>",
    // A lightning bolt: something was changed.
    "<path d=\"M1.5-7L-5 1H-0.5L-2 7 5-1H0.5Z\"/>",
];

const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// Where one event sits: its instant (seconds, fractional), its local wall-clock time
/// (seconds since 1970-01-01T00:00 local), and its place in the picture.
#[derive(Clone, Copy)]
struct Placed {
    t: f64,
    local: i64,
    x: f64,
    lane: usize,
}

/// Renders the timeline of one incident as an inline `<svg>`, or `""` when it has no events.
///
/// - `events`: the timeline, normally sorted by time (as `Postmortem::timeline` is); any
///   order works. Event `i` (its position in this slice) links to `#{id_prefix}{i}`, so the
///   page must give the matching table row `id="{id_prefix}{i}"`.
/// - `tz`, `tz_name`: the site timezone for tick and tooltip times, and its name as shown
///   on the axis (`"Europe/Berlin"`).
///
/// Phases: undetected (first signal -> first detection), diagnosing (first detection ->
/// first diagnosis), mitigating (first diagnosis, or first detection when there is no
/// diagnosis before the mitigation -> first mitigation), recovering (first mitigation ->
/// last recovery). A phase without both ends, or ending before it starts, is not drawn and
/// is listed as unknown. The impact window (first signal, or first detection when no
/// signal is written, -> last recovery) is shaded behind them whenever both ends are
/// known. First signal, detection, first mitigation and recovery are labelled above the
/// picture, in staggered rows so labels never overlap. Notes that describe a change
/// (`crate::words::describes_change`) get a marker of their own.
///
/// Long quiet gaps (over 3 h and 8 times the median gap between consecutive events)
/// break the axis: each episode is drawn at its own scale with its own time labels, at
/// most `MAX_EPISODES` of them. Events too close to tell apart are stacked in lanes.
/// Colours are CSS classes (`pm-tl-phase-*`, `pm-tl-ev-*`), defined in
/// `themes/default/static/svg.css`.
pub fn render(events: &[TimelineEvent], tz: &TimeZone, tz_name: &str, id_prefix: &str) -> String {
    if events.is_empty() {
        return String::new();
    }
    let mut placed: Vec<Placed> = events
        .iter()
        .map(|e| Placed { t: e.at.as_millisecond() as f64 / 1000.0, local: local_secs(tz, e.at), x: 0.0, lane: 0 })
        .collect();
    let (mut first, mut last) = (0, 0);
    for (i, p) in placed.iter().enumerate() {
        if p.t < placed[first].t {
            first = i;
        }
        if p.t > placed[last].t {
            last = i;
        }
    }
    let span = placed[last].t - placed[first].t;
    let mut sorted: Vec<f64> = placed.iter().map(|p| p.t).collect();
    sorted.sort_by(f64::total_cmp);
    let segments = layout(&episodes(&sorted));
    let x_of = |t: f64| x_at(&segments, t);

    let lanes = assign_lanes(&mut placed, x_of);
    let multi_day = placed[first].local.div_euclid(DAY) != placed[last].local.div_euclid(DAY);

    // Phases from milestones: (start event, end event) indexes, or None when unknown.
    let first_of = |k: EventKind| {
        (0..events.len()).filter(|&i| events[i].kind == k).min_by(|&a, &b| placed[a].t.total_cmp(&placed[b].t))
    };
    let last_recovery = (0..events.len())
        .filter(|&i| events[i].kind == EventKind::Recovery)
        .max_by(|&a, &b| placed[a].t.total_cmp(&placed[b].t).then(b.cmp(&a)));
    let signal = first_of(EventKind::Signal);
    let detection = first_of(EventKind::Detection);
    let diagnosis = first_of(EventKind::Diagnosis);
    let mitigation = first_of(EventKind::Mitigation);
    let mitigating_from = match (diagnosis, mitigation) {
        (Some(d), Some(m)) if placed[d].t <= placed[m].t => Some(d),
        _ => detection,
    };
    let ends =
        [(signal, detection), (detection, diagnosis), (mitigating_from, mitigation), (mitigation, last_recovery)];
    let phases: [Option<(usize, usize)>; 4] = ends.map(|e| match e {
        (Some(a), Some(b)) if placed[b].t >= placed[a].t => Some((a, b)),
        _ => None,
    });
    // Phases normally follow each other; out-of-order milestones make them overlap,
    // and an overlapping phase moves to a row of its own rather than hiding another.
    let mut phase_rows = [0usize; 4];
    let mut row_end = [f64::NEG_INFINITY; 4];
    let mut rows = 0;
    for (k, ph) in phases.iter().enumerate() {
        if let Some((a, b)) = *ph {
            // Four phases fit in four rows, so a free row always exists.
            let r = (0..4).find(|&r| placed[a].t >= row_end[r]).unwrap_or(0);
            row_end[r] = placed[b].t;
            phase_rows[k] = r;
            rows = rows.max(r + 1);
        }
    }
    let impact = match (signal.or(detection), last_recovery) {
        (Some(a), Some(b)) if placed[b].t >= placed[a].t => Some((a, b)),
        _ => None,
    };
    // Each event's marker kind: its own, or the change marker for a note that is one.
    let kinds: Vec<usize> = events
        .iter()
        .map(|e| {
            if e.kind == EventKind::Note && crate::words::describes_change(&e.text) { CHANGE } else { e.kind as usize }
        })
        .collect();

    // Milestone labels, staggered into rows so that no two boxes overlap.
    let milestones = [
        (signal, "First signal"),
        (detection, "Detected"),
        (mitigation, "First mitigation"),
        (last_recovery, "Recovered"),
    ];
    let mut labels: Vec<Label> = milestones
        .iter()
        .filter_map(|&(ev, name)| {
            let i = ev?;
            let mut text = String::with_capacity(32);
            text.push_str(name);
            text.push(' ');
            // To the minute, like a clock: the labels are read at a glance and side by
            // side, so one with seconds looks like a different kind of time. The event's
            // tooltip and the table keep the seconds.
            push_local_time(&mut text, placed[i].local - placed[i].local.rem_euclid(60), multi_day);
            let w = text_width(&text);
            let x = placed[i].x;
            Some(Label { left: (x - w / 2.0).min(WIDTH - 2.0 - w).max(2.0), w, x, row: 0, text })
        })
        .collect();
    let label_rows = stagger(&mut labels);

    let labels_h = if label_rows > 0 { label_rows as f64 * LABEL_H + 4.0 } else { 0.0 };
    let band_top = TOP + labels_h;
    let band_h = rows as f64 * (PHASE_H + PHASE_GAP);
    let lanes_top = band_top + band_h + 8.0;
    let axis_y = lanes_top + lanes as f64 * LANE_H + 2.0;

    let mut out = String::with_capacity(4096 + events.iter().map(|e| 300 + e.text.len()).sum::<usize>());

    // The impact window, behind everything else.
    if let Some((a, b)) = impact {
        let (xa, xb) = (placed[a].x, placed[b].x);
        out.push_str("<rect class=\"pm-tl-impact\"");
        attr_num(&mut out, "x", xa.min(xb - 1.0));
        attr_num(&mut out, "y", band_top - 2.0);
        attr_num(&mut out, "width", (xb - xa).max(2.0));
        attr_num(&mut out, "height", axis_y - band_top + 2.0);
        out.push_str("/>");
    }

    // Leaders from each milestone label down to the axis, then the labels over them.
    if !labels.is_empty() {
        out.push_str("<path class=\"pm-tl-leader\" d=\"");
        for l in &labels {
            out.push('M');
            num(&mut out, l.x);
            out.push(' ');
            num(&mut out, label_baseline(label_rows, l.row) + 3.0);
            out.push('V');
            num(&mut out, axis_y);
        }
        out.push_str("\"/>");
    }
    for l in &labels {
        legend_text(&mut out, "pm-tl-milestone", l.left, label_baseline(label_rows, l.row), &l.text);
    }

    // Phase spans.
    for (k, ph) in phases.iter().enumerate() {
        let Some((a, b)) = *ph else { continue };
        let (xa, xb) = (placed[a].x, placed[b].x);
        // A zero-length phase is known, so it stays visible as a sliver.
        let w = (xb - xa).max(2.0);
        let y = band_top + phase_rows[k] as f64 * (PHASE_H + PHASE_GAP);
        let (class, name) = PHASES[k];
        let dur = crate::figures::human(Some(SignedDuration::from_secs((placed[b].t - placed[a].t).round() as i64)));
        out.push_str("<g class=\"pm-tl-phase pm-tl-phase-");
        out.push_str(class);
        out.push_str("\"><title>");
        out.push_str(name);
        out.push_str(": ");
        out.push_str(&dur);
        out.push_str(", ");
        push_local_time(&mut out, placed[a].local, multi_day);
        out.push_str(" to ");
        push_local_time(&mut out, placed[b].local, multi_day);
        out.push_str("</title><rect");
        attr_num(&mut out, "x", xa);
        attr_num(&mut out, "y", y);
        attr_num(&mut out, "width", w);
        attr_num(&mut out, "height", PHASE_H);
        out.push_str("/>");
        if w >= text_width(&dur) + 8.0 {
            out.push_str("<text class=\"pm-tl-phase-label\" text-anchor=\"middle\"");
            attr_num(&mut out, "x", xa + w / 2.0);
            attr_num(&mut out, "y", y + 10.5);
            out.push('>');
            out.push_str(&dur);
            out.push_str("</text>");
        }
        out.push_str("</g>");
    }

    // Axis and ticks, on round local times, one stretch per episode.
    let mut marks = String::with_capacity(128);
    let mut midnights = String::new();
    out.push_str("<g class=\"pm-tl-ticks\" text-anchor=\"middle\">");
    let (mut tick_right, mut day_right) = (f64::NEG_INFINITY, f64::NEG_INFINITY);
    for (si, seg) in segments.iter().enumerate() {
        let seg_first = placed.iter().find(|p| p.t == seg.first).copied().unwrap_or(placed[first]);
        let step = time_step(seg.d1 - seg.d0, ((seg.x1 - seg.x0) / TICK_ROOM).floor().clamp(1.0, MAX_TICKS));
        // Week steps start on Mondays (1970-01-01, local day 0, was a Thursday).
        let shift = if step % (7 * DAY) == 0 { 3 * DAY } else { 0 };
        let l0 = local_secs(tz, Timestamp::from_second(seg.d0.floor() as i64).unwrap_or(Timestamp::MIN));
        let l1 = local_secs(tz, Timestamp::from_second(seg.d1.ceil() as i64).unwrap_or(Timestamp::MAX));
        let mut l = (l0 + shift).div_euclid(step) * step - shift;
        if l < l0 {
            l += step;
        }
        // Ticks in time order, since a DST fold repeats local times and the label
        // collision check reads left to right.
        let mut ticks: Vec<(f64, i64)> = Vec::new();
        while l <= l1 {
            let tick_local = l;
            l += step;
            // A wall-clock time repeated by a DST fold gets a tick each time it occurs.
            for t in instants_of_local(tz, tick_local).into_iter().flatten() {
                let t = t as f64;
                if (seg.d0..=seg.d1).contains(&t) {
                    ticks.push((t, tick_local));
                }
            }
        }
        ticks.sort_by(|a, b| a.0.total_cmp(&b.0));
        let mut first_tick = true;
        for &(t, tick_local) in &ticks {
            let x = seg.x(t);
            let midnight = tick_local.rem_euclid(DAY) == 0;
            if midnight {
                midnights.push('M');
                num(&mut midnights, x);
                midnights.push(' ');
                num(&mut midnights, band_top);
                midnights.push('V');
                num(&mut midnights, axis_y);
            }
            marks.push('M');
            num(&mut marks, x);
            marks.push(' ');
            num(&mut marks, axis_y);
            marks.push_str("v4");
            let mut text = String::with_capacity(12);
            if step >= DAY {
                push_date(&mut text, tick_local.div_euclid(DAY));
            } else {
                push_hm(&mut text, tick_local);
            }
            tick_label(&mut out, "pm-tl-tick-label", x, axis_y + 16.0, &text, &mut tick_right);
            // Day labels where a day starts, and on each episode's first tick so its day is known.
            if step < DAY && (midnight || first_tick) {
                let mut day = String::with_capacity(12);
                push_date(&mut day, tick_local.div_euclid(DAY));
                tick_label(&mut out, "pm-tl-day-label", x, axis_y + 29.0, &day, &mut day_right);
            }
            first_tick = false;
        }
        if first_tick {
            // Too narrow for a round tick: label the episode by its first event's time.
            let mut text = String::with_capacity(12);
            push_hm(&mut text, seg_first.local);
            tick_label(&mut out, "pm-tl-tick-label", seg_first.x, axis_y + 16.0, &text, &mut tick_right);
            let mut day = String::with_capacity(12);
            push_date(&mut day, seg_first.local.div_euclid(DAY));
            tick_label(&mut out, "pm-tl-day-label", seg_first.x, axis_y + 29.0, &day, &mut day_right);
        }
        if si > 0 {
            let prev = &segments[si - 1];
            let cx = (prev.x1 + seg.x0) / 2.0;
            let quiet = crate::figures::human(Some(SignedDuration::from_secs((seg.first - prev.last).round() as i64)));
            out.push_str("<text class=\"pm-tl-break-label\"");
            attr_num(&mut out, "x", cx);
            attr_num(&mut out, "y", axis_y + 42.0);
            out.push_str(">+");
            out.push_str(&quiet);
            out.push_str("</text>");
        }
    }
    out.push_str("</g>");
    for seg in &segments {
        out.push_str("<line class=\"pm-tl-axis\"");
        attr_num(&mut out, "x1", seg.x0);
        attr_num(&mut out, "x2", seg.x1);
        attr_num(&mut out, "y1", axis_y);
        attr_num(&mut out, "y2", axis_y);
        out.push_str("/>");
    }
    // Break marks: a gap cut through phases and shading, and a double slash on the axis.
    for w in segments.windows(2) {
        let cx = (w[0].x1 + w[1].x0) / 2.0;
        let quiet = crate::figures::human(Some(SignedDuration::from_secs((w[1].first - w[0].last).round() as i64)));
        out.push_str("<g class=\"pm-tl-break\"><title>Axis broken: no events for ");
        out.push_str(&quiet);
        out.push_str("</title><rect class=\"pm-tl-break-gap\"");
        attr_num(&mut out, "x", cx - 5.0);
        attr_num(&mut out, "y", band_top - 2.0);
        attr_num(&mut out, "width", 10.0);
        attr_num(&mut out, "height", axis_y - band_top + 2.0);
        out.push_str("/><path d=\"");
        for dx in [-6.0, 1.0] {
            out.push('M');
            num(&mut out, cx + dx);
            out.push(' ');
            num(&mut out, axis_y + 6.0);
            out.push('l');
            out.push_str("5-12");
        }
        out.push_str("\"/></g>");
    }
    if !marks.is_empty() {
        out.push_str("<path class=\"pm-tl-tick\" d=\"");
        out.push_str(&marks);
        out.push_str("\"/>");
    }
    if !midnights.is_empty() {
        out.push_str("<path class=\"pm-tl-midnight\" d=\"");
        out.push_str(&midnights);
        out.push_str("\"/>");
    }
    let tz_y = axis_y + if segments.len() > 1 { 56.0 } else { 44.0 };
    out.push_str("<text class=\"pm-tl-tz\" text-anchor=\"end\"");
    attr_num(&mut out, "x", WIDTH - MARGIN_X);
    attr_num(&mut out, "y", tz_y);
    out.push_str(">Times in ");
    esc(&mut out, tz_name);
    out.push_str("</text>");

    // Stems first, so markers paint over them.
    let lane_y = |lane: usize| axis_y - 10.0 - lane as f64 * LANE_H;
    out.push_str("<path class=\"pm-tl-stem\" d=\"");
    for p in &placed {
        out.push('M');
        num(&mut out, p.x);
        out.push(' ');
        num(&mut out, lane_y(p.lane) + 6.0);
        out.push('V');
        num(&mut out, axis_y);
    }
    out.push_str("\"/>");
    for (i, (e, p)) in events.iter().zip(&placed).enumerate() {
        let k = kinds[i];
        out.push_str("<a href=\"#");
        esc(&mut out, id_prefix);
        uint(&mut out, i as u64);
        out.push_str("\"><g class=\"pm-tl-ev pm-tl-ev-");
        out.push_str(KIND_CLASSES[k]);
        out.push_str("\" transform=\"translate(");
        num(&mut out, p.x);
        out.push(' ');
        num(&mut out, lane_y(p.lane));
        out.push_str(")\"><title>");
        out.push_str(KIND_LABELS[k]);
        out.push_str(" · ");
        push_local_time(&mut out, p.local, multi_day);
        out.push_str(" · ");
        esc(&mut out, &e.text);
        out.push_str("</title>");
        out.push_str(KIND_SHAPES[k]);
        out.push_str("</g></a>");
    }

    // Legend: the impact window, the phases drawn, the phases unknown, the kinds of marker present.
    let mut legend = Flow { x: MARGIN_X, y: tz_y + 8.0 };
    match impact {
        Some((a, b)) => {
            let mut text = String::from(if signal.is_some() { "Impact " } else { "Impact (from detection) " });
            text.push_str(&crate::figures::human(Some(SignedDuration::from_secs(
                (placed[b].t - placed[a].t).round() as i64
            ))));
            let x = legend.place(&text);
            out.push_str("<rect class=\"pm-tl-impact pm-tl-impact-key\"");
            attr_num(&mut out, "x", x);
            attr_num(&mut out, "y", legend.y);
            out.push_str(" width=\"10\" height=\"10\"/>");
            legend_text(&mut out, "pm-tl-legend", x + 14.0, legend.y + 9.0, &text);
        }
        None => {
            let text = "Impact window unknown";
            let x = legend.place(text);
            legend_text(&mut out, "pm-tl-impact-note", x, legend.y + 9.0, text);
        }
    }
    let mut unknown = String::new();
    for (k, ph) in phases.iter().enumerate() {
        let (class, name) = PHASES[k];
        if ph.is_none() {
            unknown.push_str(if unknown.is_empty() { "Unknown: " } else { ", " });
            unknown.push_str(&name.to_ascii_lowercase());
            continue;
        }
        let x = legend.place(name);
        out.push_str("<rect class=\"pm-tl-phase pm-tl-phase-");
        out.push_str(class);
        out.push('"');
        attr_num(&mut out, "x", x);
        attr_num(&mut out, "y", legend.y);
        out.push_str(" width=\"10\" height=\"10\"/>");
        legend_text(&mut out, "pm-tl-legend", x + 14.0, legend.y + 9.0, name);
    }
    if !unknown.is_empty() {
        let x = legend.place(&unknown);
        legend_text(&mut out, "pm-tl-unknown", x, legend.y + 9.0, &unknown);
    }
    legend.newline();
    for (k, label) in KIND_LABELS.iter().enumerate() {
        if !kinds.contains(&k) {
            continue;
        }
        let x = legend.place(label);
        out.push_str("<g class=\"pm-tl-ev pm-tl-ev-");
        out.push_str(KIND_CLASSES[k]);
        out.push_str("\" transform=\"translate(");
        num(&mut out, x + 5.0);
        out.push(' ');
        num(&mut out, legend.y + 5.0);
        out.push_str(")\">");
        out.push_str(KIND_SHAPES[k]);
        out.push_str("</g>");
        legend_text(&mut out, "pm-tl-legend", x + 14.0, legend.y + 9.0, label);
    }
    let height = legend.y + 22.0;

    // aria-label: "Timeline: 6 events from 14:02 to 14:49 Europe/Berlin"
    let mut label = String::with_capacity(96);
    label.push_str("Timeline: ");
    uint(&mut label, events.len() as u64);
    label.push_str(if events.len() == 1 { " event " } else { " events " });
    if span <= 0.0 {
        label.push_str("at ");
        push_local_time(&mut label, placed[first].local, multi_day);
    } else {
        label.push_str("from ");
        push_local_time(&mut label, placed[first].local, multi_day);
        label.push_str(" to ");
        push_local_time(&mut label, placed[last].local, multi_day);
    }
    label.push(' ');
    label.push_str(tz_name);
    if segments.len() > 1 {
        label.push_str(", in ");
        uint(&mut label, segments.len() as u64);
        label.push_str(" episodes");
    }
    let mut svg = String::with_capacity(out.len() + 256);
    open_svg(&mut svg, "pm-tl", WIDTH, height, &label);
    svg.push_str(&out);
    svg.push_str("</svg>");
    svg
}

/// A milestone label: its box (`left`, width `w`), the x it points at and its row.
struct Label {
    left: f64,
    w: f64,
    x: f64,
    row: usize,
    text: String,
}

/// Puts each label in the lowest row where it keeps clear of the labels already there;
/// returns the number of rows. Four labels need at most four rows.
fn stagger(labels: &mut [Label]) -> usize {
    labels.sort_by(|a, b| a.left.total_cmp(&b.left));
    let mut row_right: Vec<f64> = Vec::new();
    for l in labels.iter_mut() {
        let row = row_right.iter().position(|&r| r + LABEL_SPACE <= l.left).unwrap_or(row_right.len());
        if row == row_right.len() {
            row_right.push(f64::NEG_INFINITY);
        }
        row_right[row] = l.left + l.w;
        l.row = row;
    }
    row_right.len()
}

/// Row 0 sits nearest the phases; later rows stack upwards.
fn label_baseline(rows: usize, row: usize) -> f64 {
    TOP + (rows - 1 - row) as f64 * LABEL_H + 10.0
}

/// Legend items laid out left to right, wrapping at the picture's width.
struct Flow {
    x: f64,
    y: f64,
}

impl Flow {
    /// The x for an item with a 14-unit key and `text`; moves on past it.
    fn place(&mut self, text: &str) -> f64 {
        let w = 14.0 + text_width(text);
        if self.x > MARGIN_X && self.x + w > WIDTH - MARGIN_X {
            self.newline();
        }
        let x = self.x;
        self.x += w + 16.0;
        x
    }
    fn newline(&mut self) {
        self.x = MARGIN_X;
        self.y += 18.0;
    }
}

/// A tick or day label centred on `x`, left out when it would run into the one before
/// (`right` is where that one ended).
fn tick_label(out: &mut String, class: &str, x: f64, y: f64, text: &str, right: &mut f64) {
    let w = text_width(text);
    if x - w / 2.0 < *right + 4.0 {
        return;
    }
    *right = x + w / 2.0;
    out.push_str("<text class=\"");
    out.push_str(class);
    out.push('"');
    attr_num(out, "x", x);
    attr_num(out, "y", y);
    out.push('>');
    out.push_str(text);
    out.push_str("</text>");
}

/// One stretch of the axis: an episode's time domain (with a little air at both ends)
/// drawn over `x0..x1`.
#[derive(Clone, Copy, Debug)]
struct Segment {
    d0: f64,
    d1: f64,
    x0: f64,
    x1: f64,
    /// The episode's first and last event.
    first: f64,
    last: f64,
}

impl Segment {
    fn x(&self, t: f64) -> f64 {
        self.x0 + (t - self.d0) * (self.x1 - self.x0) / (self.d1 - self.d0)
    }
}

/// The x of instant `t`: in the first segment whose domain reaches it.
fn x_at(segments: &[Segment], t: f64) -> f64 {
    segments.iter().find(|s| t <= s.d1).or(segments.last()).map_or(MARGIN_X, |s| s.x(t))
}

/// First and last instant of each episode of `sorted` instants. A gap longer than
/// [`BREAK_MIN_GAP`] and [`BREAK_FACTOR`] times the median gap between consecutive events
/// starts a new episode; beyond [`MAX_EPISODES`], the shortest of those gaps are closed.
fn episodes(sorted: &[f64]) -> Vec<(f64, f64)> {
    let Some(&last) = sorted.last() else { return Vec::new() };
    let gaps: Vec<f64> = sorted.windows(2).map(|w| w[1] - w[0]).collect();
    let mut by_size = gaps.clone();
    by_size.sort_by(f64::total_cmp);
    let median = crate::figures::percentile(&by_size, 50.0).unwrap_or(0.0);
    let mut breaks: Vec<usize> =
        (0..gaps.len()).filter(|&i| gaps[i] > BREAK_MIN_GAP && gaps[i] > BREAK_FACTOR * median).collect();
    if breaks.len() >= MAX_EPISODES {
        breaks.sort_by(|&a, &b| gaps[b].total_cmp(&gaps[a]).then(a.cmp(&b)));
        breaks.truncate(MAX_EPISODES - 1);
        breaks.sort_unstable();
    }
    let mut out = Vec::with_capacity(breaks.len() + 1);
    let mut start = 0;
    for &b in &breaks {
        out.push((sorted[start], sorted[b]));
        start = b + 1;
    }
    out.push((sorted[start], last));
    out
}

/// Shares the plot width among episodes: part equally, so a short episode stays
/// readable, part by duration, so a long one still looks long.
fn layout(episodes: &[(f64, f64)]) -> Vec<Segment> {
    let n = episodes.len().max(1) as f64;
    let avail = PLOT_W - (n - 1.0) * BREAK_W;
    let total: f64 = episodes.iter().map(|e| e.1 - e.0).sum();
    let mut x = MARGIN_X;
    episodes
        .iter()
        .enumerate()
        .map(|(i, &(a, b))| {
            let span = b - a;
            let share = if total > 0.0 { 0.4 / n + 0.6 * span / total } else { 1.0 / n };
            let w = avail * share;
            // A little air at both ends so edge markers are whole; a lone instant gets
            // ±5 minutes. Never more than a quarter of the quiet gap beside it.
            let mut pad = if span <= 0.0 { 300.0 } else { (span * 0.04).max(30.0) };
            if i > 0 {
                pad = pad.min((a - episodes[i - 1].1) / 4.0);
            }
            if let Some(next) = episodes.get(i + 1) {
                pad = pad.min((next.0 - b) / 4.0);
            }
            let seg = Segment { d0: a - pad, d1: b + pad, x0: x, x1: x + w, first: a, last: b };
            x += w + BREAK_W;
            seg
        })
        .collect()
}

/// Places each event at its x and in the lowest lane where it keeps clear of the marker
/// before it; returns the number of lanes used.
fn assign_lanes(placed: &mut [Placed], x_of: impl Fn(f64) -> f64) -> usize {
    let mut order: Vec<u32> = (0..placed.len() as u32).collect();
    if !placed.is_sorted_by(|a, b| a.t <= b.t) {
        // Stable: events at the same instant keep their written order.
        order.sort_by(|&a, &b| placed[a as usize].t.total_cmp(&placed[b as usize].t));
    }
    let mut lane_end = [f64::NEG_INFINITY; MAX_LANES];
    let mut lanes = 1;
    for &i in &order {
        let p = &mut placed[i as usize];
        p.x = x_of(p.t);
        let lane = (0..MAX_LANES).find(|&l| p.x - lane_end[l] >= COLLIDE).unwrap_or_else(|| {
            // Every lane is taken here: share the one whose last marker is furthest left.
            (0..MAX_LANES).min_by(|&a, &b| lane_end[a].total_cmp(&lane_end[b])).unwrap_or(0)
        });
        lane_end[lane] = p.x;
        p.lane = lane;
        lanes = lanes.max(lane + 1);
    }
    lanes
}

fn legend_text(out: &mut String, class: &str, x: f64, y: f64, text: &str) {
    out.push_str("<text class=\"");
    out.push_str(class);
    out.push('"');
    attr_num(out, "x", x);
    attr_num(out, "y", y);
    out.push('>');
    esc(out, text);
    out.push_str("</text>");
}

/// Local wall-clock seconds since 1970-01-01T00:00 (local), for integer calendar math.
fn local_secs(tz: &TimeZone, t: Timestamp) -> i64 {
    t.as_second() + i64::from(tz.to_offset(t).seconds())
}

/// The instants (whole seconds) that show local wall-clock time `local` in `tz`: none
/// when a DST gap skips that time, two when a fold repeats it, else one.
fn instants_of_local(tz: &TimeZone, local: i64) -> [Option<i64>; 2] {
    let Ok(ts) = Timestamp::from_second(local) else {
        return [None, None];
    };
    let at = |off: Offset| Some(local - i64::from(off.seconds()));
    match tz.to_ambiguous_timestamp(Offset::UTC.to_datetime(ts)).offset() {
        AmbiguousOffset::Unambiguous { offset } => [at(offset), None],
        AmbiguousOffset::Gap { .. } => [None, None],
        AmbiguousOffset::Fold { before, after } => [at(before), at(after)],
    }
}

/// "14:19", or "14:19:30" when the event has seconds; with the day first ("Sun 31 Mar
/// 14:19") when the timeline spans more than one local day.
fn push_local_time(out: &mut String, local: i64, with_date: bool) {
    if with_date {
        push_date(out, local.div_euclid(DAY));
        out.push(' ');
    }
    push_hm(out, local);
    let s = local.rem_euclid(60);
    if s != 0 {
        out.push(':');
        two_digits(out, s);
    }
}

fn push_hm(out: &mut String, local: i64) {
    let sod = local.rem_euclid(DAY);
    two_digits(out, sod / 3600);
    out.push(':');
    two_digits(out, sod % 3600 / 60);
}

/// "Sun 31 Mar" for a local day number (days since 1970-01-01).
fn push_date(out: &mut String, days: i64) {
    let (_, m, d) = civil_from_days(days);
    out.push_str(WEEKDAYS[(days + 4).rem_euclid(7) as usize]);
    out.push(' ');
    num(out, d as f64);
    out.push(' ');
    out.push_str(MONTHS[(m - 1) as usize]);
}

/// Year, month (1-12), day (1-31) of a day number counted from 1970-01-01, in the
/// proleptic Gregorian calendar (Howard Hinnant's days-to-civil algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{has_class, parse, translate, with_class};
    use super::*;

    fn ev(at: &str, kind: EventKind, text: &str) -> TimelineEvent {
        TimelineEvent { at: at.parse().unwrap(), kind, text: text.into(), line: 0 }
    }

    fn berlin() -> TimeZone {
        jiff::tz::db().get("Europe/Berlin").unwrap()
    }

    fn example() -> Vec<TimelineEvent> {
        vec![
            ev("2024-03-12T14:02:00+01:00", EventKind::Signal, "p99 latency rises"),
            ev("2024-03-12T14:19:00+01:00", EventKind::Detection, "Pool saturation page fires"),
            ev("2024-03-12T14:31:00+01:00", EventKind::Diagnosis, "Connection leak identified"),
            ev("2024-03-12T14:35:00+01:00", EventKind::Mitigation, "Retry path disabled"),
            ev("2024-03-12T14:40:00+01:00", EventKind::Note, "Status page updated"),
            ev("2024-03-12T14:49:00+01:00", EventKind::Recovery, "Error rate under SLO"),
        ]
    }

    /// Marker positions (x, y) and link targets, in document order.
    fn markers(svg: &str) -> Vec<(f64, f64, String)> {
        let doc = parse(svg);
        doc.descendants()
            .filter(|n| n.has_tag_name("a"))
            .map(|a| {
                let g = a.children().find(|c| has_class(c, "pm-tl-ev")).expect("marker group in link");
                let (x, y) = translate(&g);
                (x, y, a.attribute("href").unwrap().to_string())
            })
            .collect()
    }

    fn texts(svg: &str, class: &str) -> Vec<String> {
        let doc = parse(svg);
        with_class(&doc, class).iter().map(|n| n.text().unwrap_or("").to_string()).collect()
    }

    #[test]
    fn empty_timeline_is_empty() {
        assert_eq!(render(&[], &berlin(), "Europe/Berlin", "ev-"), "");
    }

    #[test]
    fn summary_label_and_links() {
        let svg = render(&example(), &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("group"));
        assert_eq!(root.attribute("width"), Some("100%"));
        assert!(root.attribute("viewBox").is_some());
        assert_eq!(root.attribute("aria-label"), Some("Timeline: 6 events from 14:02 to 14:49 Europe/Berlin"));
        let m = markers(&svg);
        let hrefs: Vec<&str> = m.iter().map(|(_, _, h)| h.as_str()).collect();
        assert_eq!(hrefs, ["#ev-0", "#ev-1", "#ev-2", "#ev-3", "#ev-4", "#ev-5"]);
        assert!(texts(&svg, "pm-tl-tz").iter().any(|t| t.contains("Europe/Berlin")));
        let ticks = texts(&svg, "pm-tl-tick-label");
        assert!(ticks.contains(&"14:10".to_string()), "10-minute ticks in local time: {ticks:?}");
        // All four phases are known: all four drawn, none listed as unknown.
        for (class, _) in PHASES {
            assert_eq!(with_class(&doc, &format!("pm-tl-phase-{class}")).len(), 2, "{class}: span and legend");
        }
        assert!(with_class(&doc, "pm-tl-unknown").is_empty());
    }

    #[test]
    fn markers_follow_time_along_x() {
        // Written out of order: positions follow time, links follow the slice.
        let mut evs = example();
        evs.swap(1, 4);
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        let m = markers(&svg);
        let mut by_time: Vec<(Timestamp, f64)> = evs.iter().zip(&m).map(|(e, (x, _, _))| (e.at, *x)).collect();
        by_time.sort_by_key(|p| p.0);
        for w in by_time.windows(2) {
            assert!(w[0].1 < w[1].1, "x must increase with time: {by_time:?}");
        }
        assert!(m.iter().all(|(x, _, _)| (MARGIN_X..=WIDTH - MARGIN_X).contains(x)));
    }

    #[test]
    fn events_in_the_same_minute_stack_in_lanes() {
        let evs = vec![
            ev("2024-03-12T14:02:00Z", EventKind::Signal, "a"),
            ev("2024-03-12T14:02:10Z", EventKind::Detection, "b"),
            ev("2024-03-12T14:02:30Z", EventKind::Note, "c"),
            ev("2024-03-12T16:40:00Z", EventKind::Recovery, "d"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let m = markers(&svg);
        let ys: Vec<f64> = m[..3].iter().map(|p| p.1).collect();
        assert!(ys[0] != ys[1] && ys[1] != ys[2] && ys[0] != ys[2], "distinct lanes: {ys:?}");
        assert_eq!(m[3].1, m[0].1, "an event far away goes back to the first lane");
    }

    #[test]
    fn a_burst_beyond_the_lane_limit_stays_bounded() {
        let evs: Vec<_> = (0..40).map(|_| ev("2024-03-12T14:02:00Z", EventKind::Note, "n")).collect();
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let mut ys: Vec<i64> = markers(&svg).iter().map(|p| p.1 as i64).collect();
        ys.sort();
        ys.dedup();
        assert_eq!(ys.len(), MAX_LANES);
    }

    #[test]
    fn a_missing_phase_is_not_drawn_but_named() {
        // No diagnosis: diagnosing is unknown; mitigating runs from detection.
        let evs: Vec<_> = example().into_iter().filter(|e| e.kind != EventKind::Diagnosis).collect();
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        assert!(with_class(&doc, "pm-tl-phase-diagnosing").is_empty());
        let unknown = texts(&svg, "pm-tl-unknown");
        assert_eq!(unknown, ["Unknown: diagnosing"]);
        let mitigating = with_class(&doc, "pm-tl-phase-mitigating");
        let title = mitigating[0].descendants().find(|n| n.has_tag_name("title")).unwrap();
        assert_eq!(title.text(), Some("Mitigating: 16 min, 14:19 to 14:35"));

        // Only a detection: nothing to draw a phase from.
        let svg = render(&evs[1..2], &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        assert!(with_class(&doc, "pm-tl-phase").is_empty());
        assert_eq!(texts(&svg, "pm-tl-unknown"), ["Unknown: undetected, diagnosing, mitigating, recovering"]);
    }

    #[test]
    fn out_of_order_milestones_overlap_in_rows_not_on_top() {
        // Mitigated (rolled back) before the cause was found.
        let evs = vec![
            ev("2024-03-12T14:00:00Z", EventKind::Signal, "a"),
            ev("2024-03-12T14:10:00Z", EventKind::Detection, "b"),
            ev("2024-03-12T14:20:00Z", EventKind::Mitigation, "c"),
            ev("2024-03-12T14:40:00Z", EventKind::Diagnosis, "d"),
            ev("2024-03-12T14:50:00Z", EventKind::Recovery, "e"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let doc = parse(&svg);
        let spans: Vec<(f64, f64, f64)> = with_class(&doc, "pm-tl-phase")
            .into_iter()
            .filter(|n| n.has_tag_name("g"))
            .map(|g| {
                let r = g.children().find(|c| c.has_tag_name("rect")).unwrap();
                let f = |a: &str| r.attribute(a).unwrap().parse::<f64>().unwrap();
                (f("x"), f("x") + f("width"), f("y"))
            })
            .collect();
        assert_eq!(spans.len(), 4, "all four phases are known");
        for (i, a) in spans.iter().enumerate() {
            for b in &spans[i + 1..] {
                let overlap = a.0 < b.1 - 0.5 && b.0 < a.1 - 0.5;
                assert!(!(overlap && a.2 == b.2), "overlapping phases share a row: {spans:?}");
            }
        }
        assert_ne!(spans[1].2, spans[2].2, "diagnosing and mitigating overlap");
    }

    #[test]
    fn a_single_event_still_renders() {
        let evs = vec![ev("2024-03-12T14:02:00Z", EventKind::Detection, "page")];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "row-");
        let doc = parse(&svg);
        assert_eq!(doc.root_element().attribute("aria-label"), Some("Timeline: 1 event at 14:02 UTC"));
        assert_eq!(markers(&svg).len(), 1);
        assert!(texts(&svg, "pm-tl-tick-label").len() >= 3);
    }

    #[test]
    fn text_is_escaped() {
        let evs = vec![ev("2024-03-12T14:02:00Z", EventKind::Signal, "<script>alert('x')</script> & \"more\"")];
        let svg = render(&evs, &TimeZone::UTC, "UTC<>", "a\"b-");
        assert!(!svg.contains("<script>"));
        assert!(svg.contains("&lt;script&gt;alert(&apos;x&apos;)&lt;/script&gt; &amp; &quot;more&quot;"));
        let doc = parse(&svg);
        let title = doc
            .descendants()
            .find(|n| n.has_tag_name("title") && n.parent().is_some_and(|p| has_class(&p, "pm-tl-ev")));
        assert_eq!(title.unwrap().text(), Some("Signal · 14:02 · <script>alert('x')</script> & \"more\""));
        assert_eq!(doc.descendants().find(|n| n.has_tag_name("a")).unwrap().attribute("href"), Some("#a\"b-0"));
    }

    #[test]
    fn across_midnight_and_dst_in_berlin() {
        // 2024-03-31: Berlin skips 02:00-03:00 (UTC+1 -> UTC+2). Offsets written mixed.
        let evs = vec![
            ev("2024-03-30T22:50:00+01:00", EventKind::Signal, "errors rise"),
            ev("2024-03-30T22:40:00Z", EventKind::Detection, "paged"), // 23:40 local
            ev("2024-03-31T01:30:00+01:00", EventKind::Diagnosis, "found it"),
            ev("2024-03-31T03:20:00+02:00", EventKind::Mitigation, "rolled back"), // 01:20Z
            ev("2024-03-31T04:05:00+02:00", EventKind::Recovery, "healthy"),
        ];
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        assert_eq!(
            doc.root_element().attribute("aria-label"),
            Some("Timeline: 5 events from Sat 30 Mar 22:50 to Sun 31 Mar 04:05 Europe/Berlin")
        );
        let days = texts(&svg, "pm-tl-day-label");
        assert_eq!(days, ["Sat 30 Mar", "Sun 31 Mar"], "first tick and midnight");
        let midnight = with_class(&doc, "pm-tl-midnight");
        assert_eq!(midnight.len(), 1);
        assert_eq!(midnight[0].attribute("d").unwrap().matches('M').count(), 1, "one midnight line");
        let ticks = texts(&svg, "pm-tl-tick-label");
        assert!(ticks.contains(&"00:00".to_string()), "{ticks:?}");
        assert!(!ticks.iter().any(|t| t.starts_with("02:")), "no tick in the skipped hour: {ticks:?}");
        assert!(ticks.contains(&"03:00".to_string()), "{ticks:?}");
        // 4 h 15 min of real time, not the 5 h 15 min the wall clock suggests.
        let recovering_end = markers(&svg)[4].0;
        let start = markers(&svg)[0].0;
        let per_hour = (recovering_end - start) / 4.25;
        let x_tick = |label: &str| {
            let n = with_class(&doc, "pm-tl-tick-label").into_iter().find(|n| n.text() == Some(label)).unwrap();
            n.attribute("x").unwrap().parse::<f64>().unwrap()
        };
        assert!(((x_tick("03:00") - x_tick("01:00")) - per_hour).abs() < 0.5, "01:00 -> 03:00 is one hour");
        let titles: Vec<_> = doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).collect();
        assert!(titles.contains(&"Mitigation · Sun 31 Mar 03:20 · rolled back"), "{titles:?}");
    }

    #[test]
    fn a_repeated_hour_is_ticked_twice() {
        // 2024-10-27: Berlin repeats 02:00-03:00 (UTC+2 -> UTC+1).
        let evs = vec![
            ev("2024-10-27T01:40:00+02:00", EventKind::Signal, "a"),
            ev("2024-10-27T02:50:00+01:00", EventKind::Recovery, "b"),
        ];
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        let mut ticks: Vec<(String, f64)> = with_class(&doc, "pm-tl-tick-label")
            .iter()
            .map(|n| (n.text().unwrap().to_string(), n.attribute("x").unwrap().parse().unwrap()))
            .collect();
        ticks.sort_by(|a, b| a.1.total_cmp(&b.1));
        let labels: Vec<&str> = ticks.iter().map(|t| t.0.as_str()).collect();
        assert_eq!(labels, ["02:00", "02:30", "02:00", "02:30"], "{ticks:?}");
        let gaps: Vec<f64> = ticks.windows(2).map(|w| w[1].1 - w[0].1).collect();
        assert!(gaps.iter().all(|g| (g - gaps[0]).abs() < 0.2), "evenly spaced in real time: {gaps:?}");
    }

    #[test]
    fn extreme_spans_do_not_panic() {
        let evs = vec![
            ev("-009000-01-01T00:00:00Z", EventKind::Signal, "a"),
            ev("9000-12-31T00:00:00Z", EventKind::Recovery, "b"),
        ];
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        assert!(!with_class(&parse(&svg), "pm-tl-tick-label").is_empty());
    }

    #[test]
    fn long_incidents_get_day_ticks() {
        let evs = vec![
            ev("2024-03-10T09:00:00Z", EventKind::Signal, "a"),
            ev("2024-03-14T18:00:00Z", EventKind::Recovery, "b"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let ticks = texts(&svg, "pm-tl-tick-label");
        assert_eq!(ticks, ["Mon 11 Mar", "Tue 12 Mar", "Wed 13 Mar", "Thu 14 Mar"]);
    }

    /// Milestone label boxes (left, right, y) and texts, as the renderer estimates widths.
    fn milestone_boxes(svg: &str) -> Vec<(f64, f64, f64, String)> {
        let doc = parse(svg);
        with_class(&doc, "pm-tl-milestone")
            .iter()
            .map(|n| {
                let f = |a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
                let t = n.text().unwrap_or("").to_string();
                (f("x"), f("x") + text_width(&t), f("y"), t)
            })
            .collect()
    }

    #[test]
    fn the_four_milestones_are_labelled_on_the_picture() {
        let svg = render(&example(), &berlin(), "Europe/Berlin", "ev-");
        let texts: Vec<String> = milestone_boxes(&svg).into_iter().map(|b| b.3).collect();
        for want in ["First signal 14:02", "Detected 14:19", "First mitigation 14:35", "Recovered 14:49"] {
            assert!(texts.iter().any(|t| t == want), "{want} in {texts:?}");
        }
    }

    #[test]
    fn milestone_labels_read_to_the_minute_and_tooltips_keep_the_seconds() {
        let evs = vec![
            ev("2024-03-10T01:00:00Z", EventKind::Signal, "a"),
            ev("2024-03-10T01:02:10Z", EventKind::Detection, "b"),
            ev("2024-03-10T01:30:00Z", EventKind::Recovery, "c"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let texts: Vec<String> = milestone_boxes(&svg).into_iter().map(|b| b.3).collect();
        assert!(texts.iter().any(|t| t == "Detected 01:02"), "{texts:?}");
        assert!(svg.contains("01:02:10 · b"), "the event's own title keeps its seconds");
    }

    #[test]
    fn milestone_labels_never_overlap() {
        // All four milestones within three minutes: the labels must stagger into rows.
        let evs = vec![
            ev("2024-03-12T14:00:00Z", EventKind::Signal, "a"),
            ev("2024-03-12T14:01:00Z", EventKind::Detection, "b"),
            ev("2024-03-12T14:02:00Z", EventKind::Mitigation, "c"),
            ev("2024-03-12T14:03:00Z", EventKind::Recovery, "d"),
            ev("2024-03-12T14:30:00Z", EventKind::Note, "e"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let boxes = milestone_boxes(&svg);
        assert_eq!(boxes.len(), 4);
        for (i, a) in boxes.iter().enumerate() {
            assert!(a.0 >= 0.0 && a.1 <= WIDTH, "inside the picture: {a:?}");
            for b in &boxes[i + 1..] {
                let overlap = a.0 < b.1 && b.0 < a.1 && (a.2 - b.2).abs() < LABEL_H;
                assert!(!overlap, "{a:?} overlaps {b:?}");
            }
        }
        let rows: std::collections::BTreeSet<i64> = boxes.iter().map(|b| b.2 as i64).collect();
        assert!(rows.len() > 1, "staggered: {boxes:?}");
    }

    #[test]
    fn impact_window_is_shaded_with_only_two_events() {
        let evs = vec![
            ev("2024-03-12T14:00:00Z", EventKind::Signal, "errors"),
            ev("2024-03-12T14:40:00Z", EventKind::Recovery, "healthy"),
        ];
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let doc = parse(&svg);
        let shade: Vec<_> =
            with_class(&doc, "pm-tl-impact").into_iter().filter(|n| !has_class(n, "pm-tl-impact-key")).collect();
        assert_eq!(shade.len(), 1, "one impact window");
        let m = markers(&svg);
        let x = shade[0].attribute("x").unwrap().parse::<f64>().unwrap();
        let w = shade[0].attribute("width").unwrap().parse::<f64>().unwrap();
        assert!((x - m[0].0).abs() < 0.2 && (x + w - m[1].0).abs() < 0.2, "signal to recovery: {x} {w} {m:?}");
        assert!(texts(&svg, "pm-tl-legend").contains(&"Impact 40 min".to_string()));
        // No recovery: nothing is shaded, and the legend says why.
        let svg = render(&evs[..1], &TimeZone::UTC, "UTC", "ev-");
        assert!(with_class(&parse(&svg), "pm-tl-impact").is_empty());
        assert_eq!(texts(&svg, "pm-tl-impact-note"), ["Impact window unknown"]);
    }

    /// Three quarters of an hour of events, quiet for three days, then half an hour more.
    fn two_episodes() -> Vec<TimelineEvent> {
        vec![
            ev("2024-03-10T14:00:00Z", EventKind::Signal, "errors"),
            ev("2024-03-10T14:10:00Z", EventKind::Detection, "paged"),
            ev("2024-03-10T14:20:00Z", EventKind::Mitigation, "rolled back"),
            ev("2024-03-10T14:45:00Z", EventKind::Recovery, "healthy"),
            ev("2024-03-13T14:00:00Z", EventKind::Note, "errors again"),
            ev("2024-03-13T14:30:00Z", EventKind::Recovery, "healthy again"),
        ]
    }

    #[test]
    fn a_three_day_gap_breaks_the_axis_into_two_episodes() {
        let evs = two_episodes();
        let mut t: Vec<f64> = evs.iter().map(|e| e.at.as_second() as f64).collect();
        t.sort_by(f64::total_cmp);
        assert_eq!(episodes(&t).len(), 2);
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let doc = parse(&svg);
        assert_eq!(with_class(&doc, "pm-tl-break").len(), 1, "one break mark");
        assert_eq!(with_class(&doc, "pm-tl-axis").len(), 2, "an axis stretch per episode");
        assert_eq!(texts(&svg, "pm-tl-break-label"), ["+2 d 23 h"]);
        assert!(doc.root_element().attribute("aria-label").unwrap().ends_with(", in 2 episodes"));
        // Each episode at a readable scale: its events spread over a real width, not
        // squeezed into a tower.
        let m = markers(&svg);
        assert!(m[3].0 - m[0].0 > 150.0, "first episode readable: {m:?}");
        assert!(m[5].0 - m[4].0 > 100.0, "second episode readable: {m:?}");
        // Time labels for each episode, with its day.
        let days = texts(&svg, "pm-tl-day-label");
        assert!(days.contains(&"Sun 10 Mar".to_string()) && days.contains(&"Wed 13 Mar".to_string()), "{days:?}");
        let ticks = texts(&svg, "pm-tl-tick-label");
        assert!(ticks.contains(&"14:15".to_string()) && ticks.contains(&"14:30".to_string()), "{ticks:?}");
    }

    #[test]
    fn evenly_spaced_events_do_not_break_the_axis() {
        // A week of daily events: long gaps, but no longer than usual for this incident.
        let evs: Vec<_> =
            (10..17).map(|d| ev(&format!("2024-03-{d}T09:00:00Z"), EventKind::Note, "daily check")).collect();
        let svg = render(&evs, &TimeZone::UTC, "UTC", "ev-");
        let doc = parse(&svg);
        assert!(with_class(&doc, "pm-tl-break").is_empty());
        assert_eq!(with_class(&doc, "pm-tl-axis").len(), 1);
        assert!(with_class(&parse(&render(&example(), &berlin(), "B", "e")), "pm-tl-break").is_empty());
    }

    #[test]
    fn at_most_six_episodes_merging_the_smallest_gaps() {
        // Ten bursts a day apart, with gaps growing by an hour each.
        let mut t = Vec::new();
        for i in 0..10 {
            let start = i as f64 * 86_400.0 + (i * i) as f64 * 3600.0;
            t.extend([start, start + 60.0, start + 120.0]);
        }
        let eps = episodes(&t);
        assert_eq!(eps.len(), MAX_EPISODES);
        // The five largest gaps are the last five: the first five bursts merged into one.
        assert_eq!(eps[0], (t[0], t[14]));
    }

    #[test]
    fn changes_get_their_own_marker_and_legend_entry() {
        let mut evs = example();
        evs.insert(0, ev("2024-03-12T13:58:00+01:00", EventKind::Note, "checkout-api 4.18 deployed"));
        let svg = render(&evs, &berlin(), "Europe/Berlin", "ev-");
        let doc = parse(&svg);
        let change: Vec<_> = with_class(&doc, "pm-tl-ev-change");
        assert_eq!(change.len(), 2, "marker and legend key");
        assert!(texts(&svg, "pm-tl-legend").contains(&"Change".to_string()));
        // The status page update is still a plain note.
        assert_eq!(with_class(&doc, "pm-tl-ev-note").len(), 2);
    }

    use crate::contrast::ratio_hex as contrast;

    /// `(selector, --pm-c)` of every timeline rule in a stretch of CSS.
    fn timeline_colours(css: &str) -> Vec<(String, String)> {
        css.split('}')
            .filter_map(|rule| {
                let (sel, body) = rule.split_once('{')?;
                let sel = sel.rsplit("*/").next()?.trim();
                let v = body.split(';').find_map(|d| d.trim().strip_prefix("--pm-c:"))?.trim();
                (sel.contains("pm-tl-") && v.starts_with('#')).then(|| (sel.to_string(), v.to_string()))
            })
            .collect()
    }

    #[test]
    fn timeline_colours_have_three_to_one_contrast_in_light_and_dark() {
        let css = include_str!("../../themes/default/static/svg.css");
        let dark_at = css.find("@media (prefers-color-scheme: dark)").unwrap();
        let print_at = css.find("@media print").unwrap();
        let style = include_str!("../../themes/default/static/style.css");
        assert!(style.contains("--bg: #12161c"), "the dark page background this test checks against");
        let light = timeline_colours(&css[..dark_at]);
        let dark = timeline_colours(&css[dark_at..print_at]);
        for kind in KIND_CLASSES
            .iter()
            .map(|k| format!("pm-tl-ev-{k}"))
            .chain(PHASES.iter().map(|p| format!("pm-tl-phase-{}", p.0)))
        {
            for (mode, rules, bgs, label) in [
                ("light", &light, ["#ffffff", "#ffffff"], "#ffffff"),
                ("dark", &dark, ["#12161c", "#121212"], "#000000"),
            ] {
                let (_, c) = rules
                    .iter()
                    .rev()
                    .find(|(sel, _)| sel.split(',').any(|s| s.trim() == format!(".{kind}")))
                    .unwrap_or_else(|| panic!("{kind} has no colour in {mode} mode"));
                for bg in bgs {
                    assert!(contrast(c, bg) >= 3.0, "{kind} {c} on {bg} ({mode}): {:.2}", contrast(c, bg));
                }
                if kind.starts_with("pm-tl-phase") {
                    assert!(contrast(c, label) >= 4.5, "{kind} label {label} on {c} ({mode})");
                }
            }
        }
    }

    #[test]
    fn calendar_math_matches_jiff() {
        for days in [-1, 0, 59, 19_813, 19_812, 11_016, 2_932_000] {
            let (y, m, d) = civil_from_days(days);
            let date = Timestamp::from_second(days * DAY).unwrap().to_zoned_datetime(TimeZone::UTC).date();
            assert_eq!((y, m, d), (i64::from(date.year()), date.month() as u32, date.day() as u32));
        }
    }

    /// Not a timed test: prints how long 10,000 renders take, wall clock and on-CPU (the
    /// latter from Linux's schedstat, so a busy machine does not inflate it). Run with
    /// `cargo test --release --lib svg::timeline -- --ignored --nocapture`.
    #[test]
    #[ignore]
    fn bench_ten_thousand_timelines() {
        fn cpu_ns() -> Option<u64> {
            std::fs::read_to_string("/proc/thread-self/schedstat").ok()?.split(' ').next()?.parse().ok()
        }
        let tz = berlin();
        let long: Vec<_> = (0..40)
            .map(|i| {
                let at = format!("2024-03-30T{:02}:{:02}:00Z", 20 + i / 12, (i * 7) % 60);
                ev(&at, EventKind::parse(EventKind::ALL[i % 6]).unwrap(), "a note")
            })
            .collect();
        for (name, evs) in [("6 events", example()), ("40 events", long)] {
            let (wall, cpu) = (std::time::Instant::now(), cpu_ns());
            let mut bytes = 0;
            for _ in 0..10_000 {
                bytes += render(std::hint::black_box(&evs), &tz, "Europe/Berlin", "ev-").len();
            }
            let cpu = cpu.zip(cpu_ns()).map(|(a, b)| std::time::Duration::from_nanos(b - a));
            eprintln!("10,000 timelines of {name}: {:?} wall, {cpu:?} on CPU, {bytes} bytes", wall.elapsed());
        }
    }
}
