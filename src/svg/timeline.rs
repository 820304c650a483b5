//! One incident's timeline as a picture: the response phases as coloured spans over a
//! time axis in the site's timezone, every event a marker linked to its table row.
//!
//! A reader should see at a glance how long the incident went unnoticed and where the
//! time went afterwards. Phases come only from the events written down: a phase whose
//! start or end event is missing is left out and named in the legend as unknown, never
//! drawn from a guess. The axis is laid out in local wall-clock time (ticks on round local
//! times, day labels at local midnights), so an incident across midnight or a DST change
//! reads the way the responders lived it.

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
const DAY: i64 = 86_400;

/// The response phases in the order they happen: CSS class suffix and legend label.
const PHASES: [(&str, &str); 4] = [
    ("undetected", "Undetected"),
    ("diagnosing", "Diagnosing"),
    ("mitigating", "Mitigating"),
    ("recovering", "Recovering"),
];

const KIND_LABELS: [&str; 6] = ["Signal", "Detection", "Diagnosis", "Mitigation", "Recovery", "Note"];

/// Marker shapes centred on (0, 0), one per kind, so kinds differ by more than colour.
const KIND_SHAPES: [&str; 6] = [
    "<circle r=\"5\"/>",
    "<path d=\"M0-6L6 0 0 6-6 0Z\"/>",
    "<rect x=\"-4.5\" y=\"-4.5\" width=\"9\" height=\"9\"/>",
    "<path d=\"M0-6L5.5 4H-5.5Z\"/>",
    "<path d=\"M0 6L5.5-4H-5.5Z\"/>",
    "<circle r=\"3.5\"/>",
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
/// is listed as unknown. Events too close to tell apart are stacked in lanes. Colours are
/// CSS classes (`pm-tl-phase-*`, `pm-tl-ev-*`), defined in `themes/default/static/svg.css`.
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
    let (t0, t1) = (placed[first].t, placed[last].t);
    let span = t1 - t0;
    // A little air at both ends so edge markers are whole; a lone instant gets ±5 minutes.
    let pad = if span <= 0.0 { 300.0 } else { (span * 0.04).max(30.0) };
    let (d0, d1) = (t0 - pad, t1 + pad);
    let scale = PLOT_W / (d1 - d0);
    let x_of = |t: f64| MARGIN_X + (t - d0) * scale;

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

    let band_h = rows as f64 * (PHASE_H + PHASE_GAP);
    let lanes_top = TOP + band_h + 8.0;
    let axis_y = lanes_top + lanes as f64 * LANE_H + 2.0;
    let height = axis_y + 86.0;

    let mut out = String::with_capacity(3072 + events.iter().map(|e| 300 + e.text.len()).sum::<usize>());

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
    open_svg(&mut out, "pm-tl", WIDTH, height, &label);

    // Phase spans.
    for (k, ph) in phases.iter().enumerate() {
        let Some((a, b)) = *ph else { continue };
        let (xa, xb) = (placed[a].x, placed[b].x);
        // A zero-length phase is known, so it stays visible as a sliver.
        let w = (xb - xa).max(2.0);
        let y = TOP + phase_rows[k] as f64 * (PHASE_H + PHASE_GAP);
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

    // Axis and ticks, on round local times.
    out.push_str("<line class=\"pm-tl-axis\"");
    attr_num(&mut out, "x1", MARGIN_X);
    attr_num(&mut out, "x2", WIDTH - MARGIN_X);
    attr_num(&mut out, "y1", axis_y);
    attr_num(&mut out, "y2", axis_y);
    out.push_str("/>");
    let step = time_step(d1 - d0, MAX_TICKS);
    // Week steps start on Mondays (1970-01-01, local day 0, was a Thursday).
    let shift = if step % (7 * DAY) == 0 { 3 * DAY } else { 0 };
    let l0 = local_secs(tz, Timestamp::from_second(d0.floor() as i64).unwrap_or(Timestamp::MIN));
    let l1 = local_secs(tz, Timestamp::from_second(d1.ceil() as i64).unwrap_or(Timestamp::MAX));
    let mut l = (l0 + shift).div_euclid(step) * step - shift;
    if l < l0 {
        l += step;
    }
    // Tick marks go into one path; labels into one group that sets their anchor.
    let mut marks = String::with_capacity(128);
    let mut midnights = String::new();
    out.push_str("<g class=\"pm-tl-ticks\" text-anchor=\"middle\">");
    let mut first_tick = true;
    while l <= l1 {
        let tick_local = l;
        l += step;
        // A wall-clock time repeated by a DST fold gets a tick each time it occurs.
        for t in instants_of_local(tz, tick_local).into_iter().flatten() {
            let t = t as f64;
            if t < d0 || t > d1 {
                continue;
            }
            let x = x_of(t);
            let midnight = tick_local.rem_euclid(DAY) == 0;
            if midnight {
                midnights.push('M');
                num(&mut midnights, x);
                midnights.push(' ');
                num(&mut midnights, TOP);
                midnights.push('V');
                num(&mut midnights, axis_y);
            }
            marks.push('M');
            num(&mut marks, x);
            marks.push(' ');
            num(&mut marks, axis_y);
            marks.push_str("v4");
            out.push_str("<text class=\"pm-tl-tick-label\"");
            attr_num(&mut out, "x", x);
            attr_num(&mut out, "y", axis_y + 16.0);
            out.push('>');
            if step >= DAY {
                push_date(&mut out, tick_local.div_euclid(DAY));
            } else {
                push_hm(&mut out, tick_local);
            }
            out.push_str("</text>");
            // Day labels where a day starts, and on the first tick so the start day is known.
            if step < DAY && (midnight || first_tick) {
                out.push_str("<text class=\"pm-tl-day-label\"");
                attr_num(&mut out, "x", x);
                attr_num(&mut out, "y", axis_y + 29.0);
                out.push('>');
                push_date(&mut out, tick_local.div_euclid(DAY));
                out.push_str("</text>");
            }
            first_tick = false;
        }
    }
    out.push_str("</g>");
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
    out.push_str("<text class=\"pm-tl-tz\" text-anchor=\"end\"");
    attr_num(&mut out, "x", WIDTH - MARGIN_X);
    attr_num(&mut out, "y", axis_y + 44.0);
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
        let k = e.kind as usize;
        out.push_str("<a href=\"#");
        esc(&mut out, id_prefix);
        uint(&mut out, i as u64);
        out.push_str("\"><g class=\"pm-tl-ev pm-tl-ev-");
        out.push_str(e.kind.as_str());
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

    // Legend: the phases drawn, the phases unknown, the kinds of marker present.
    let mut y = axis_y + 52.0;
    let mut x = MARGIN_X;
    let mut unknown = String::new();
    for (k, ph) in phases.iter().enumerate() {
        let (class, name) = PHASES[k];
        if ph.is_none() {
            unknown.push_str(if unknown.is_empty() { "Unknown: " } else { ", " });
            unknown.push_str(&name.to_ascii_lowercase());
            continue;
        }
        out.push_str("<rect class=\"pm-tl-phase pm-tl-phase-");
        out.push_str(class);
        out.push('"');
        attr_num(&mut out, "x", x);
        attr_num(&mut out, "y", y);
        out.push_str(" width=\"10\" height=\"10\"/>");
        legend_text(&mut out, "pm-tl-legend", x + 14.0, y + 9.0, name);
        x += 14.0 + text_width(name) + 16.0;
    }
    if !unknown.is_empty() {
        legend_text(&mut out, "pm-tl-unknown", x, y + 9.0, &unknown);
    }
    y += 18.0;
    x = MARGIN_X;
    for (k, label) in KIND_LABELS.iter().enumerate() {
        if !events.iter().any(|e| e.kind as usize == k) {
            continue;
        }
        out.push_str("<g class=\"pm-tl-ev pm-tl-ev-");
        out.push_str(EventKind::ALL[k]);
        out.push_str("\" transform=\"translate(");
        num(&mut out, x + 5.0);
        out.push(' ');
        num(&mut out, y + 5.0);
        out.push_str(")\">");
        out.push_str(KIND_SHAPES[k]);
        out.push_str("</g>");
        legend_text(&mut out, "pm-tl-legend", x + 14.0, y + 9.0, label);
        x += 14.0 + text_width(label) + 16.0;
    }
    out.push_str("</svg>");
    out
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
