//! Chart primitives for the figures across incidents: stacked bars (incidents per month
//! by severity), lines (median and p90 response times per quarter), a histogram of one
//! response time, and a horizontal leaderboard (services with the slowest detection).
//!
//! Each takes small plain structs, so the render stage decides what to count and these
//! functions only decide how it looks. Colours come from the CSS classes the caller
//! names in [`Series::class`] (`pm-sev-1`, `pm-series-median`, ...); every class sets the
//! `--pm-c` custom property in `svg.css`, which fills bars and strokes lines alike.
//!
//! Scales: counts and leaderboard bars are linear from zero (a bar's length must be
//! proportional to its value). Durations in [`lines`] use a log-like scale,
//! `y = ln(1 + t / 1 min)`, because response times are heavy-tailed: a p90 of a day and
//! a median of ten minutes both stay readable on one chart, equal ratios look equal, and
//! unlike a true log scale it has a place for zero (detected at the first signal).
//! Its axis title says "(log scale)".
//!
//! Samples: every chart shows what it stands on. Bars carry their count as text, line
//! points their "n = 4" under the axis, leaderboard rows their n after the value, and
//! the caller's notes ("based on 151 of 1,060 incidents", what was left out) are drawn
//! under the chart and appended to its `aria-label`. A series can set a minimum sample
//! ([`Series::min_n`], [`MIN_N_P90`] for the p90), and points of fewer than
//! [`MIN_N_SOLID`] incidents are hollow.

use super::{attr_num, count_label, duration_label, esc, num, open_svg, text_width, time_step};
use jiff::SignedDuration;
use std::fmt::Write;

const W: f64 = 640.0;
/// Left margin: y tick labels and the rotated y axis title.
const ML: f64 = 62.0;
const MR: f64 = 16.0;
const PLOT_H: f64 = 200.0;

/// Points of [`lines`] summarising fewer incidents than this are drawn hollow and the
/// legend says so: a median of one or two incidents is an anecdote, not a trend.
pub(crate) const MIN_N_SOLID: u32 = 3;

/// The smallest sample a 90th percentile is drawn for (see [`Series::min_n`]): below
/// five incidents the p90 is just the largest one.
pub(crate) const MIN_N_P90: u32 = 5;

/// One series of a chart: its name (legend, tooltips) and the CSS class that colours it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Series {
    pub(crate) name: String,
    /// e.g. `pm-sev-1`..`pm-sev-5`, `pm-series-median`, `pm-series-p90`, `pm-series-1`..`pm-series-8`.
    pub(crate) class: String,
    /// [`lines`] leaves this series out at points whose sample `n` is smaller (and the
    /// legend prints "n ≥ 5"); 0 draws it wherever it has a value. Bars ignore it.
    pub(crate) min_n: u32,
}

impl Series {
    /// A series drawn wherever it has a value.
    pub(crate) fn new(name: impl Into<String>, class: impl Into<String>) -> Self {
        Series { name: name.into(), class: class.into(), min_n: 0 }
    }
}

/// One x position of [`lines`]: its label, the size of the sample its values summarise
/// (written under the axis as "n = 4"), and one value per series (`None`: a gap).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Point {
    pub(crate) label: String,
    pub(crate) n: u32,
    pub(crate) values: Vec<Option<f64>>,
}

/// One row of [`hbars`]: label, value, the sample behind the value (printed after it
/// as "n = 4"), and where the row links to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct HRow {
    pub(crate) label: String,
    pub(crate) value: f64,
    pub(crate) n: Option<u32>,
    pub(crate) href: Option<String>,
}

/// One bar of [`stacked_bars`]: a label on the x axis, one value per series (in the
/// order of the `series` slice, bottom segment first), and where the bar links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Bar {
    pub(crate) label: String,
    pub(crate) values: Vec<u32>,
    /// A page listing the incidents behind this bar.
    pub(crate) href: Option<String>,
}

/// What the numbers of a chart measure, for tick and value labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum YUnit {
    /// Seconds, labelled "15 min", "2 h".
    Duration,
    /// Plain numbers.
    Count,
}

/// Axis titles; an empty string leaves that axis untitled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Axes<'a> {
    pub(crate) x: &'a str,
    pub(crate) y: &'a str,
}

/// The plot area, in viewBox units.
#[derive(Clone, Copy)]
struct Frame {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
}

impl Frame {
    fn width(&self) -> f64 {
        self.right - self.left
    }
}

/// How values map to heights; `top` is the value at the top of the plot.
#[derive(Clone, Copy)]
enum Scale {
    Linear {
        top: f64,
    },
    /// `ln(1 + t / 60 s)`: see the module docs.
    LogMinutes {
        top: f64,
    },
}

impl Scale {
    fn frac(self, v: f64) -> f64 {
        let v = v.max(0.0);
        match self {
            Scale::Linear { top } => v / top,
            Scale::LogMinutes { top } => (v / 60.0).ln_1p() / (top / 60.0).ln_1p(),
        }
    }
}

/// Incidents per month by severity, or any counts split by series: one stacked bar per
/// entry of `bars`, segments bottom-up in `series` order (a missing value counts as 0).
/// Every bar has its total written above it (turned upright when bars are narrow), so
/// the count shows without hovering, and an empty period shows "0". Each segment has a
/// tooltip with its count; a bar with `href` is wrapped in `<a>` with a full-height
/// invisible hit area, so even a short bar is easy to click. X labels are thinned when
/// they would collide. `notes` are written under the chart (the sample it is based on,
/// what it leaves out). Returns `""` when `bars` is empty.
pub(crate) fn stacked_bars(title: &str, axes: &Axes, bars: &[Bar], series: &[Series], notes: &[String]) -> String {
    if bars.is_empty() {
        return String::new();
    }
    let totals: Vec<u64> =
        bars.iter().map(|b| b.values.iter().take(series.len()).map(|&v| u64::from(v)).sum()).collect();
    let sum: u64 = totals.iter().sum();
    let (imax, &max) = totals.iter().enumerate().max_by_key(|&(i, t)| (*t, std::cmp::Reverse(i))).unwrap_or((0, &0));

    let mut aria = String::new();
    let _ = write!(
        aria,
        "{title}: {} bar{} from {} to {}, {sum} in all",
        bars.len(),
        if bars.len() == 1 { "" } else { "s" },
        bars[0].label,
        bars[bars.len() - 1].label
    );
    if max > 0 {
        let _ = write!(aria, "; most in {} ({max})", bars[imax].label);
    }
    aria_notes(&mut aria, notes);

    let (step, top) = linear_ticks(max as f64, true);
    let scale = Scale::Linear { top };
    let band = (W - ML - MR) / bars.len() as f64;
    let widest = text_width(&max.to_string());
    let upright = widest + 2.0 > band;
    let headroom = if upright { widest + 8.0 } else { 14.0 };
    let keys = series_keys(series, Swatch::Box);
    let mut out = String::with_capacity(4096 + bars.len() * 400);
    let frame = legend(&mut out, title, &keys, headroom);
    let bar_w = (band * 0.72).min(56.0);
    y_axis(&mut out, &frame, scale, &linear_values(step, top), YUnit::Count);

    for (i, (bar, &total)) in bars.iter().zip(&totals).enumerate() {
        let x = frame.left + i as f64 * band + (band - bar_w) / 2.0;
        if let Some(href) = &bar.href {
            out.push_str("<a href=\"");
            esc(&mut out, href);
            out.push_str("\">");
        }
        out.push_str("<g class=\"pm-bar\"><title>");
        esc(&mut out, &bar.label);
        let _ = write!(out, ": {total}");
        let mut sep = " (";
        for (s, &v) in series.iter().zip(&bar.values).filter(|(_, v)| **v > 0) {
            out.push_str(sep);
            esc(&mut out, &s.name);
            let _ = write!(out, " {v}");
            sep = ", ";
        }
        out.push_str(if sep == ", " { ")</title>" } else { "</title>" });
        hit_area(&mut out, frame.left + i as f64 * band, frame.top, band, frame.bottom - frame.top);
        let mut acc = 0u64;
        for (s, &v) in series.iter().zip(&bar.values) {
            if v == 0 {
                continue;
            }
            let y0 = y_of(&frame, scale, acc as f64);
            acc += u64::from(v);
            let y1 = y_of(&frame, scale, acc as f64);
            out.push_str("<rect class=\"pm-fill ");
            esc(&mut out, &s.class);
            out.push('"');
            attr_num(&mut out, "x", x);
            attr_num(&mut out, "y", y1);
            attr_num(&mut out, "width", bar_w);
            attr_num(&mut out, "height", y0 - y1);
            out.push_str("><title>");
            esc(&mut out, &bar.label);
            out.push_str(" · ");
            esc(&mut out, &s.name);
            let _ = write!(out, ": {v} of {total}");
            out.push_str("</title></rect>");
        }
        let cx = frame.left + (i as f64 + 0.5) * band;
        column_text(
            &mut out,
            "pm-value-label pm-n",
            cx,
            y_of(&frame, scale, total as f64) - 4.0,
            &total.to_string(),
            upright,
            false,
        );
        out.push_str("</g>");
        if bar.href.is_some() {
            out.push_str("</a>");
        }
    }
    let below = x_labels(&mut out, &frame, bars.iter().map(|b| b.label.as_str()), band);
    finish(out, &aria, &frame, axes, below, notes)
}

/// Median and p90 per quarter, or any values per x position: one line per series,
/// broken where a value is `None` (so a line never joins distant points across an
/// empty period), with a marker and tooltip at every known value. Each point's sample
/// is written under the x axis ("n = 4"); a value is left out where the sample is
/// smaller than its series' [`Series::min_n`], and markers of points with fewer than
/// [`MIN_N_SOLID`] incidents are hollow (the legend says so). Later series draw bigger
/// markers underneath earlier ones (series 0 a dot, series 1 a square around it), so
/// a median equal to its p90 stays visible. Durations are in seconds, on the log-like
/// scale described in the module docs (the y axis title says "log scale"); counts on a
/// linear one from zero. `notes` are written under the chart. Returns `""` when there
/// is no value to draw.
pub(crate) fn lines(
    title: &str,
    axes: &Axes,
    points: &[Point],
    series: &[Series],
    y_unit: YUnit,
    notes: &[String],
) -> String {
    let known = |p: &Point, s: usize| {
        let min_n = series.get(s).map_or(0, |ser| ser.min_n);
        p.values.get(s).copied().flatten().filter(|v| v.is_finite() && p.n >= min_n)
    };
    let max = (0..series.len()).flat_map(|s| points.iter().filter_map(move |p| known(p, s))).fold(None, |m, v| {
        Some(match m {
            None => v,
            Some(m) if v > m => v,
            Some(m) => m,
        })
    });
    let Some(max) = max else { return String::new() };

    let mut aria = String::new();
    aria.push_str(title);
    aria.push(':');
    for (s, ser) in series.iter().enumerate() {
        let mut vals = points.iter().filter_map(|p| known(p, s).map(|v| (p, v)));
        let Some(first) = vals.next() else { continue };
        let last = vals.next_back().unwrap_or(first);
        aria.push(' ');
        aria.push_str(&ser.name);
        aria.push(' ');
        value_label(&mut aria, first.1, y_unit);
        let _ = write!(aria, " in {} (n = {})", first.0.label, first.0.n);
        if last.0.label != first.0.label {
            aria.push_str(", ");
            value_label(&mut aria, last.1, y_unit);
            let _ = write!(aria, " in {} (n = {})", last.0.label, last.0.n);
        }
        aria.push(';');
    }
    aria.pop();
    aria_notes(&mut aria, notes);

    let (scale, ticks) = match y_unit {
        YUnit::Count => {
            let (step, top) = linear_ticks(max, false);
            (Scale::Linear { top }, linear_values(step, top))
        }
        YUnit::Duration => log_minute_ticks(max),
    };
    let mut keys = series_keys(series, Swatch::Line);
    let few = |p: &Point| p.n < MIN_N_SOLID;
    if points.iter().any(|p| few(p) && (0..series.len()).any(|s| known(p, s).is_some())) {
        keys.push(Key {
            swatch: Swatch::Hollow,
            class: series.first().map(|s| s.class.clone()).unwrap_or_default(),
            text: format!("hollow: fewer than {MIN_N_SOLID} incidents"),
        });
    }
    let mut out = String::with_capacity(4096 + points.len() * series.len() * 200);
    let frame = legend(&mut out, title, &keys, 8.0);
    let band = frame.width() / points.len().max(1) as f64;
    y_axis(&mut out, &frame, scale, &ticks, y_unit);
    let x_at = |i: usize| frame.left + (i as f64 + 0.5) * band;

    // Lines and markers of later series first, so earlier ones (the median) lie on top.
    for (s, ser) in series.iter().enumerate().rev() {
        let mut d = String::new();
        let mut pen_down = false;
        for (i, p) in points.iter().enumerate() {
            match known(p, s) {
                Some(v) => {
                    d.push(if pen_down { 'L' } else { 'M' });
                    num(&mut d, x_at(i));
                    d.push(' ');
                    num(&mut d, y_of(&frame, scale, v));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        out.push_str("<path class=\"pm-line ");
        esc(&mut out, &ser.class);
        out.push_str("\" d=\"");
        out.push_str(&d);
        out.push_str("\"/>");
    }
    for (s, ser) in series.iter().enumerate().rev() {
        let size = 3.5 + 1.5 * s as f64;
        for (i, p) in points.iter().enumerate() {
            let Some(v) = known(p, s) else { continue };
            let (cx, cy) = (x_at(i), y_of(&frame, scale, v));
            let few_class = if few(p) { " pm-few" } else { "" };
            if s.is_multiple_of(2) {
                out.push_str("<circle class=\"pm-dot ");
                esc(&mut out, &ser.class);
                out.push_str(few_class);
                out.push('"');
                attr_num(&mut out, "cx", cx);
                attr_num(&mut out, "cy", cy);
                attr_num(&mut out, "r", size);
            } else {
                out.push_str("<rect class=\"pm-dot ");
                esc(&mut out, &ser.class);
                out.push_str(few_class);
                out.push('"');
                attr_num(&mut out, "x", cx - size);
                attr_num(&mut out, "y", cy - size);
                attr_num(&mut out, "width", 2.0 * size);
                attr_num(&mut out, "height", 2.0 * size);
            }
            out.push_str("><title>");
            esc(&mut out, &p.label);
            out.push_str(" · ");
            esc(&mut out, &ser.name);
            out.push_str(": ");
            let mut l = String::new();
            value_label(&mut l, v, y_unit);
            esc(&mut out, &l);
            let _ = write!(out, " (n = {})", p.n);
            out.push_str(if s.is_multiple_of(2) { "</title></circle>" } else { "</title></rect>" });
        }
    }
    let mut below = x_labels(&mut out, &frame, points.iter().map(|p| p.label.as_str()), band);
    below = n_row(&mut out, &frame, points.iter().map(|p| p.n), band, below);
    let y_title = match y_unit {
        YUnit::Duration if !axes.y.is_empty() => format!("{} (log scale)", axes.y),
        _ => axes.y.to_string(),
    };
    finish(out, &aria, &frame, &Axes { x: axes.x, y: &y_title }, below, notes)
}

/// Duration buckets of [`histogram`]: exclusive upper bound in seconds, and label.
pub(crate) const HISTOGRAM_BUCKETS: [(f64, &str); 9] = [
    (300.0, "<5 min"),
    (900.0, "5–15 min"),
    (1800.0, "15–30 min"),
    (3600.0, "30–60 min"),
    (7200.0, "1–2 h"),
    (14_400.0, "2–4 h"),
    (43_200.0, "4–12 h"),
    (86_400.0, "12–24 h"),
    (f64::INFINITY, ">1 d"),
];

/// The distribution of one response time across incidents: how many `values_secs` fall
/// in each of [`HISTOGRAM_BUCKETS`] (a bucket holds values from the previous bound up to,
/// not including, its own), with the count written above every bar. Negative and
/// non-finite values are not counted. `notes` are written under the chart. Returns `""`
/// when nothing is counted.
pub(crate) fn histogram(title: &str, axes: &Axes, values_secs: &[f64], notes: &[String]) -> String {
    let mut counts = [0u32; HISTOGRAM_BUCKETS.len()];
    for &v in values_secs {
        if !v.is_finite() || v < 0.0 {
            continue;
        }
        let b = HISTOGRAM_BUCKETS.iter().position(|&(upper, _)| v < upper).unwrap_or(HISTOGRAM_BUCKETS.len() - 1);
        counts[b] += 1;
    }
    let n: u32 = counts.iter().sum();
    if n == 0 {
        return String::new();
    }
    let (imax, &max) = counts.iter().enumerate().max_by_key(|&(i, c)| (*c, std::cmp::Reverse(i))).unwrap_or((0, &0));
    let mut aria = String::new();
    let _ = write!(
        aria,
        "{title}: {n} incident{}; most in {} ({max})",
        if n == 1 { "" } else { "s" },
        HISTOGRAM_BUCKETS[imax].1
    );
    aria_notes(&mut aria, notes);

    let (step, top) = linear_ticks(f64::from(max), true);
    let scale = Scale::Linear { top };
    let mut out = String::with_capacity(4096);
    let frame = legend(&mut out, title, &[], 14.0);
    let band = frame.width() / counts.len() as f64;
    let bar_w = band * 0.86;
    y_axis(&mut out, &frame, scale, &linear_values(step, top), YUnit::Count);
    for (i, (&c, &(_, label))) in counts.iter().zip(&HISTOGRAM_BUCKETS).enumerate() {
        let x = frame.left + i as f64 * band + (band - bar_w) / 2.0;
        let y = y_of(&frame, scale, f64::from(c));
        out.push_str("<g class=\"pm-bar\"><title>");
        esc(&mut out, label);
        let _ = write!(out, ": {c} of {n}</title><rect class=\"pm-fill\"");
        attr_num(&mut out, "x", x);
        attr_num(&mut out, "y", y);
        attr_num(&mut out, "width", bar_w);
        attr_num(&mut out, "height", frame.bottom - y);
        out.push_str("/><text class=\"pm-value-label pm-n\" text-anchor=\"middle\"");
        attr_num(&mut out, "x", x + bar_w / 2.0);
        attr_num(&mut out, "y", y - 4.0);
        let _ = write!(out, ">{c}</text></g>");
    }
    let below = x_labels(&mut out, &frame, HISTOGRAM_BUCKETS.iter().map(|b| b.1), band);
    finish(out, &aria, &frame, axes, below, notes)
}

/// A horizontal bar leaderboard, in the order given (sort before calling): one row per
/// [`HRow`], the value and its sample ("20 min · n = 4") written at the bar's end, the
/// row linked when it has an `href`. Long labels are shortened with "…" (the tooltip
/// keeps them whole). Negative and non-finite values draw as zero. `notes` are written
/// under the chart (the minimum sample a row needs, say). Returns `""` when `rows` is
/// empty.
pub(crate) fn hbars(title: &str, axes: &Axes, rows: &[HRow], unit: YUnit, notes: &[String]) -> String {
    const ROW_H: f64 = 20.0;
    const MAX_LABEL: usize = 28;
    if rows.is_empty() {
        return String::new();
    }
    let clean = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let max = rows.iter().map(|r| clean(r.value)).fold(0.0, f64::max);
    let short = |s: &str| -> String {
        if s.chars().count() > MAX_LABEL {
            let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    };
    let labels: Vec<String> = rows.iter().map(|r| short(&r.label)).collect();
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            let mut s = String::new();
            value_label(&mut s, clean(r.value), unit);
            if let Some(n) = r.n {
                let _ = write!(s, " · n = {n}");
            }
            s
        })
        .collect();
    let label_w = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 10.0;
    let value_w = values.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 8.0;

    let mut aria = String::new();
    let _ =
        write!(aria, "{title}: {} row{}; first {} ", rows.len(), if rows.len() == 1 { "" } else { "s" }, rows[0].label);
    aria.push_str(&values[0]);
    aria_notes(&mut aria, notes);

    let (step, top) = match unit {
        YUnit::Count => linear_ticks(max, false),
        YUnit::Duration => duration_ticks(max),
    };
    let scale = Scale::Linear { top };
    let mut out = String::with_capacity(4096 + rows.len() * 300);
    let head = if title.is_empty() { 8.0 } else { 34.0 };
    chart_title(&mut out, title);
    let frame = Frame {
        left: (label_w + 8.0).min(W / 2.0),
        right: W - MR - value_w,
        top: head,
        bottom: head + rows.len() as f64 * ROW_H,
    };
    // Vertical grid and value ticks along the bottom.
    let mut v = 0.0;
    while v <= top + step * 1e-9 {
        let x = frame.left + scale.frac(v) * frame.width();
        out.push_str("<line class=\"pm-grid\"");
        attr_num(&mut out, "x1", x);
        attr_num(&mut out, "x2", x);
        attr_num(&mut out, "y1", frame.top);
        attr_num(&mut out, "y2", frame.bottom);
        out.push_str("/><text class=\"pm-tick-label\" text-anchor=\"middle\"");
        attr_num(&mut out, "x", x);
        attr_num(&mut out, "y", frame.bottom + 15.0);
        out.push('>');
        tick_label(&mut out, v, unit);
        out.push_str("</text>");
        v += step;
    }
    for (i, ((row, label), value)) in rows.iter().zip(&labels).zip(&values).enumerate() {
        let y = frame.top + i as f64 * ROW_H;
        if let Some(href) = &row.href {
            out.push_str("<a href=\"");
            esc(&mut out, href);
            out.push_str("\">");
        }
        out.push_str("<g class=\"pm-bar\"><title>");
        esc(&mut out, &row.label);
        out.push_str(": ");
        esc(&mut out, value);
        out.push_str("</title>");
        hit_area(&mut out, 0.0, y, W, ROW_H);
        out.push_str("<text class=\"pm-tick-label\" text-anchor=\"end\"");
        attr_num(&mut out, "x", frame.left - 6.0);
        attr_num(&mut out, "y", y + 14.0);
        out.push('>');
        esc(&mut out, label);
        let w = scale.frac(clean(row.value)) * frame.width();
        out.push_str("</text><rect class=\"pm-fill\"");
        attr_num(&mut out, "x", frame.left);
        attr_num(&mut out, "y", y + 3.0);
        attr_num(&mut out, "width", w);
        attr_num(&mut out, "height", ROW_H - 6.0);
        out.push_str("/><text class=\"pm-value-label pm-n\"");
        attr_num(&mut out, "x", frame.left + w + 4.0);
        attr_num(&mut out, "y", y + 14.0);
        out.push('>');
        esc(&mut out, value);
        out.push_str("</text></g>");
        if row.href.is_some() {
            out.push_str("</a>");
        }
    }
    axis_line(&mut out, frame.left, frame.top, frame.left, frame.bottom);
    let mut below = frame.bottom + 15.0;
    if !axes.x.is_empty() {
        below += 19.0;
        axis_title(&mut out, (frame.left + frame.right) / 2.0, below, false, axes.x);
    }
    if !axes.y.is_empty() {
        axis_title(&mut out, 12.0, (frame.top + frame.bottom) / 2.0, true, axes.y);
    }
    below = write_notes(&mut out, below, notes);
    wrap(out, &aria, below + 10.0)
}

#[derive(Clone, Copy, PartialEq)]
enum Swatch {
    Box,
    Line,
    /// A hollow marker: "fewer than 3 incidents".
    Hollow,
}

/// One legend entry.
struct Key {
    swatch: Swatch,
    class: String,
    text: String,
}

fn series_keys(series: &[Series], swatch: Swatch) -> Vec<Key> {
    series
        .iter()
        .map(|s| Key {
            swatch,
            class: s.class.clone(),
            text: if s.min_n > 0 { format!("{} (where n ≥ {})", s.name, s.min_n) } else { s.name.clone() },
        })
        .collect()
}

/// Writes the chart title and legend (wrapping onto more rows when it is wide) and
/// returns the plot area below them, `headroom` lower still for labels above bars.
fn legend(out: &mut String, title: &str, keys: &[Key], headroom: f64) -> Frame {
    chart_title(out, title);
    let mut y = if title.is_empty() { 4.0 } else { 26.0 };
    let mut x = ML;
    for (i, k) in keys.iter().enumerate() {
        let w = 18.0 + text_width(&k.text) + 18.0;
        if i > 0 && x + w > W - MR {
            x = ML;
            y += 18.0;
        }
        out.push_str("<g class=\"pm-legend\">");
        match k.swatch {
            Swatch::Box => {
                out.push_str("<rect class=\"pm-fill ");
                esc(out, &k.class);
                out.push('"');
                attr_num(out, "x", x);
                attr_num(out, "y", y);
                out.push_str(" width=\"10\" height=\"10\"/>");
            }
            Swatch::Line => {
                out.push_str("<line class=\"pm-line ");
                esc(out, &k.class);
                out.push('"');
                attr_num(out, "x1", x - 4.0);
                attr_num(out, "x2", x + 14.0);
                attr_num(out, "y1", y + 5.0);
                attr_num(out, "y2", y + 5.0);
                out.push_str("/>");
            }
            Swatch::Hollow => {
                out.push_str("<circle class=\"pm-dot pm-few ");
                esc(out, &k.class);
                out.push('"');
                attr_num(out, "cx", x + 5.0);
                attr_num(out, "cy", y + 5.0);
                out.push_str(" r=\"3.5\"/>");
            }
        }
        out.push_str("<text");
        attr_num(out, "x", x + 18.0);
        attr_num(out, "y", y + 9.5);
        out.push('>');
        esc(out, &k.text);
        out.push_str("</text></g>");
        x += w;
    }
    let top = if keys.is_empty() { y + 8.0 } else { y + 22.0 } + headroom;
    Frame { left: ML, right: W - MR, top, bottom: top + PLOT_H }
}

fn chart_title(out: &mut String, title: &str) {
    if title.is_empty() {
        return;
    }
    out.push_str("<text class=\"pm-chart-title\" x=\"8\" y=\"18\">");
    esc(out, title);
    out.push_str("</text>");
}

/// Appends the notes to an aria label, so a screen reader hears the sample too.
fn aria_notes(aria: &mut String, notes: &[String]) {
    for n in notes {
        aria.push_str(". ");
        aria.push_str(n);
    }
}

/// A label centred on a column at `x`: horizontal, or turned upright when the columns
/// are too narrow for it. `hanging` upright text reads downwards from `y` (under an
/// axis); otherwise it rises from `y` (above a bar).
fn column_text(out: &mut String, class: &str, x: f64, y: f64, text: &str, upright: bool, hanging: bool) {
    out.push_str("<text class=\"");
    out.push_str(class);
    out.push('"');
    if upright {
        out.push_str(if hanging { " text-anchor=\"end\"" } else { " text-anchor=\"start\"" });
        out.push_str(" transform=\"translate(");
        num(out, x + 3.5);
        out.push(' ');
        num(out, y);
        out.push_str(") rotate(-90)\"");
    } else {
        out.push_str(" text-anchor=\"middle\"");
        attr_num(out, "x", x);
        attr_num(out, "y", if hanging { y + 8.0 } else { y });
    }
    out.push('>');
    esc(out, text);
    out.push_str("</text>");
}

/// The sample of every column under the x labels: "n = 4" when it fits, else a row
/// headed "n" with the bare numbers (upright when narrower still). Never thinned: an
/// empty period reads "0". Returns the lowest y used.
fn n_row(out: &mut String, frame: &Frame, ns: impl Iterator<Item = u32> + Clone, band: f64, below: f64) -> f64 {
    let widest = ns.clone().max().unwrap_or(0);
    let full = text_width(&format!("n = {widest}")) + 6.0 <= band;
    let bare_w = text_width(&widest.to_string());
    let upright = !full && bare_w + 2.0 > band;
    let y = below + 8.0;
    if !full {
        out.push_str("<text class=\"pm-tick-label pm-n-head\" text-anchor=\"end\"");
        attr_num(out, "x", frame.left - 6.0);
        attr_num(out, "y", y + 8.0);
        out.push_str(">n</text>");
    }
    for (i, n) in ns.enumerate() {
        let x = frame.left + (i as f64 + 0.5) * band;
        let text = if full { format!("n = {n}") } else { n.to_string() };
        column_text(out, "pm-tick-label pm-n", x, y, &text, upright, true);
    }
    y + if upright { bare_w } else { 8.0 }
}

/// Writes the notes under everything else, one line each; returns the lowest y used.
fn write_notes(out: &mut String, mut below: f64, notes: &[String]) -> f64 {
    for n in notes {
        below += 16.0;
        out.push_str("<text class=\"pm-note\"");
        attr_num(out, "x", 8.0);
        attr_num(out, "y", below);
        out.push('>');
        esc(out, n);
        out.push_str("</text>");
    }
    below
}

/// Axis lines and titles and the notes, then the root element around it all.
fn finish(mut out: String, aria: &str, frame: &Frame, axes: &Axes, mut below: f64, notes: &[String]) -> String {
    axis_line(&mut out, frame.left, frame.bottom, frame.right, frame.bottom);
    axis_line(&mut out, frame.left, frame.top, frame.left, frame.bottom);
    if !axes.x.is_empty() {
        below += 20.0;
        axis_title(&mut out, (frame.left + frame.right) / 2.0, below, false, axes.x);
    }
    if !axes.y.is_empty() {
        axis_title(&mut out, 12.0, (frame.top + frame.bottom) / 2.0, true, axes.y);
    }
    below = write_notes(&mut out, below, notes);
    wrap(out, aria, below + 10.0)
}

/// Puts the root element (whose viewBox needs the final height) around a chart's body.
fn wrap(body: String, aria: &str, height: f64) -> String {
    let mut out = String::with_capacity(body.len() + aria.len() * 2 + 256);
    open_svg(&mut out, "pm-chart", W, height, aria);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

fn axis_line(out: &mut String, x1: f64, y1: f64, x2: f64, y2: f64) {
    line(out, "pm-axis", x1, y1, x2, y2);
}

/// A `<line>` of a CSS class (axes, grid lines).
fn line(out: &mut String, class: &str, x1: f64, y1: f64, x2: f64, y2: f64) {
    out.push_str("<line class=\"");
    out.push_str(class);
    out.push('"');
    attr_num(out, "x1", x1);
    attr_num(out, "y1", y1);
    attr_num(out, "x2", x2);
    attr_num(out, "y2", y2);
    out.push_str("/>");
}

fn axis_title(out: &mut String, x: f64, y: f64, vertical: bool, text: &str) {
    out.push_str("<text class=\"pm-axis-title\" text-anchor=\"middle\"");
    if vertical {
        out.push_str(" transform=\"translate(");
        num(out, x);
        out.push(' ');
        num(out, y);
        out.push_str(") rotate(-90)\"");
    } else {
        attr_num(out, "x", x);
        attr_num(out, "y", y);
    }
    out.push('>');
    esc(out, text);
    out.push_str("</text>");
}

/// Horizontal grid lines with their labels on the left.
fn y_axis(out: &mut String, frame: &Frame, scale: Scale, ticks: &[f64], unit: YUnit) {
    for &v in ticks {
        let y = y_of(frame, scale, v);
        line(out, "pm-grid", frame.left, y, frame.right, y);
        out.push_str("<text class=\"pm-tick-label\" text-anchor=\"end\"");
        attr_num(out, "x", frame.left - 6.0);
        attr_num(out, "y", y + 4.0);
        out.push('>');
        tick_label(out, v, unit);
        out.push_str("</text>");
    }
}

/// Category labels under the x axis, every k-th one when they would collide; returns
/// the baseline they sit on.
fn x_labels<'a>(out: &mut String, frame: &Frame, labels: impl Iterator<Item = &'a str> + Clone, band: f64) -> f64 {
    let widest = labels.clone().map(text_width).fold(0.0, f64::max);
    let every = ((widest + 4.0) / band).ceil().max(1.0) as usize;
    for (i, label) in labels.enumerate() {
        if i % every != 0 {
            continue;
        }
        out.push_str("<text class=\"pm-tick-label\" text-anchor=\"middle\"");
        attr_num(out, "x", frame.left + (i as f64 + 0.5) * band);
        attr_num(out, "y", frame.bottom + 16.0);
        out.push('>');
        esc(out, label);
        out.push_str("</text>");
    }
    frame.bottom + 16.0
}

/// An invisible rectangle that makes a whole bar or row hoverable and clickable; it is
/// hidden by `fill-opacity`, not a colour, so it stays hidden without the stylesheet.
fn hit_area(out: &mut String, x: f64, y: f64, w: f64, h: f64) {
    out.push_str("<rect class=\"pm-hit\" fill-opacity=\"0\"");
    attr_num(out, "x", x);
    attr_num(out, "y", y);
    attr_num(out, "width", w);
    attr_num(out, "height", h);
    out.push_str("/>");
}

fn y_of(frame: &Frame, scale: Scale, v: f64) -> f64 {
    frame.bottom - scale.frac(v) * (frame.bottom - frame.top)
}

fn tick_label(out: &mut String, v: f64, unit: YUnit) {
    match unit {
        YUnit::Duration => duration_label(out, v),
        YUnit::Count => count_label(out, v),
    }
}

/// A value as read on a page: durations as `figures::human` writes them ("2 h 5 min").
fn value_label(out: &mut String, v: f64, unit: YUnit) {
    match unit {
        YUnit::Duration => out.push_str(&crate::figures::human(Some(SignedDuration::from_secs(v.round() as i64)))),
        YUnit::Count => count_label(out, v),
    }
}

/// A 1-2-5 step giving about five ticks up to `max`, and the top of the axis.
fn linear_ticks(max: f64, integer: bool) -> (f64, f64) {
    let max = if max > 0.0 { max } else { 1.0 };
    let raw = max / 5.0;
    let mag = 10f64.powf(raw.log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw * (1.0 - 1e-9)).unwrap_or(raw);
    if integer {
        step = step.max(1.0).round();
    }
    (step, (max / step - 1e-9).ceil().max(1.0) * step)
}

/// Ticks in durations a reader counts in (15 min, 1 h, 6 h, ...), about five up to `max`.
fn duration_ticks(max: f64) -> (f64, f64) {
    if max < 300.0 {
        return linear_ticks(max, true);
    }
    let step = time_step(max, 5.0) as f64;
    (step, (max / step - 1e-9).ceil().max(1.0) * step)
}

fn linear_values(step: f64, top: f64) -> Vec<f64> {
    let n = (top / step).round() as usize;
    (0..=n).map(|i| i as f64 * step).collect()
}

/// Tick values for the log-like duration scale: the smallest landmark at or above `max`
/// is the top; landmarks below it are kept while they stay at least 18 units apart.
fn log_minute_ticks(max: f64) -> (Scale, Vec<f64>) {
    const LANDMARKS: [f64; 15] = [
        0.0,
        60.0,
        300.0,
        900.0,
        1800.0,
        3600.0,
        7200.0,
        14_400.0,
        43_200.0,
        86_400.0,
        172_800.0,
        604_800.0,
        2_592_000.0,
        7_776_000.0,
        31_536_000.0,
    ];
    let top = LANDMARKS.iter().copied().find(|&l| l >= max && l > 0.0).unwrap_or(max.max(60.0));
    let scale = Scale::LogMinutes { top };
    let mut ticks = vec![top];
    for &l in LANDMARKS.iter().rev().filter(|&&l| l < top) {
        let last = *ticks.last().unwrap_or(&top);
        if (scale.frac(last) - scale.frac(l)) * PLOT_H >= 18.0 {
            ticks.push(l);
        } else if l == 0.0 && ticks.len() > 1 {
            // Zero always shows; it displaces the landmark just above it.
            ticks.pop();
            ticks.push(0.0);
        }
    }
    ticks.reverse();
    (scale, ticks)
}

#[cfg(test)]
mod tests {
    use super::super::test_util::{has_class, parse, with_class};
    use super::*;

    fn sev_series() -> Vec<Series> {
        (1..=3).map(|i| Series::new(format!("SEV{i}"), format!("pm-sev-{i}"))).collect()
    }

    fn months(n: usize) -> Vec<Bar> {
        (0..n)
            .map(|i| Bar {
                label: format!("2024-{:02}", i % 12 + 1),
                values: vec![i as u32 % 3, 1, (i as u32 * 7) % 5],
                href: (i % 2 == 0).then(|| format!("/incidents/?month=2024-{:02}&x=<&>", i % 12 + 1)),
            })
            .collect()
    }

    const AXES: Axes = Axes { x: "Month", y: "Incidents" };

    fn root_checks(doc: &roxmltree::Document, title: &str) {
        let root = doc.root_element();
        assert_eq!(root.attribute("role"), Some("group"));
        assert!(root.attribute("aria-label").is_some_and(|l| l.starts_with(title)));
        assert!(root.attribute("viewBox").is_some());
        assert_eq!(root.first_element_child().map(|c| c.tag_name().name()), Some("title"));
    }

    #[test]
    fn stacked_bars_one_group_per_bar_and_links() {
        let bars = months(14);
        let svg = stacked_bars("Incidents per month", &AXES, &bars, &sev_series(), &[]);
        let doc = parse(&svg);
        root_checks(&doc, "Incidents per month");
        let groups = with_class(&doc, "pm-bar");
        assert_eq!(groups.len(), bars.len());
        for (g, bar) in groups.iter().zip(&bars) {
            let parent = g.parent_element().unwrap();
            match &bar.href {
                Some(h) => {
                    assert!(parent.has_tag_name("a"));
                    assert_eq!(parent.attribute("href"), Some(h.as_str()));
                }
                None => assert!(!parent.has_tag_name("a")),
            }
            let segs = g.children().filter(|c| has_class(c, "pm-fill")).count();
            assert_eq!(segs, bar.values.iter().filter(|&&v| v > 0).count());
        }
        // Segment heights add up to the count scale: the tallest bar reaches its total.
        assert!(svg.contains("<title>2024-02 · SEV3: 2 of 4</title>"), "{svg}");
        assert!(svg.contains("<title>2024-02: 4 (SEV1 1, SEV2 1, SEV3 2)</title>"), "{svg}");
        assert!(!with_class(&doc, "pm-sev-3").is_empty());
        let titles: Vec<_> = with_class(&doc, "pm-axis-title").iter().filter_map(|n| n.text()).collect();
        assert_eq!(titles, ["Month", "Incidents"]);
    }

    #[test]
    fn many_bars_thin_their_labels() {
        let bars = months(60);
        let svg = stacked_bars("x", &Axes::default(), &bars, &sev_series(), &[]);
        let doc = parse(&svg);
        let xlabels = with_class(&doc, "pm-tick-label")
            .iter()
            .filter(|n| n.text().is_some_and(|t| t.starts_with("2024-")))
            .count();
        assert!((6..60).contains(&xlabels), "{xlabels}");
        assert_eq!(with_class(&doc, "pm-bar").len(), 60);
    }

    #[test]
    fn empty_inputs_draw_nothing() {
        assert_eq!(stacked_bars("t", &AXES, &[], &sev_series(), &[]), "");
        assert_eq!(lines("t", &AXES, &[pt("Q1", 0, &[None])], &sev_series(), YUnit::Duration, &[]), "");
        assert_eq!(histogram("t", &AXES, &[f64::NAN, -3.0], &[]), "");
        assert_eq!(hbars("t", &AXES, &[], YUnit::Duration, &[]), "");
    }

    #[test]
    fn all_zero_bars_still_parse() {
        let bars = vec![Bar { label: "2024-01".into(), values: vec![0, 0], href: None }];
        let svg = stacked_bars("t", &AXES, &bars, &sev_series(), &[]);
        assert_eq!(with_class(&parse(&svg), "pm-bar").len(), 1);
    }

    fn pt(label: &str, n: u32, values: &[Option<f64>]) -> Point {
        Point { label: label.into(), n, values: values.to_vec() }
    }

    fn quarters() -> Vec<Point> {
        vec![
            pt("2024 Q1", 8, &[Some(600.0), Some(7200.0)]),
            pt("2024 Q2", 5, &[Some(0.0), Some(3600.0)]),
            pt("2024 Q3", 0, &[None, None]),
            pt("2024 Q4", 12, &[Some(1200.0), Some(90_000.0)]),
            pt("2025 Q1", 1, &[Some(900.0), Some(900.0)]),
        ]
    }

    fn median_p90() -> Vec<Series> {
        vec![
            Series::new("Median", "pm-series-median"),
            Series { min_n: MIN_N_P90, ..Series::new("P90", "pm-series-p90") },
        ]
    }

    #[test]
    fn lines_break_at_gaps_and_label_durations() {
        let svg = lines(
            "Time to detect",
            &Axes { x: "Quarter", y: "Time to detect" },
            &quarters(),
            &median_p90(),
            YUnit::Duration,
            &[],
        );
        let doc = parse(&svg);
        root_checks(&doc, "Time to detect");
        let paths = with_class(&doc, "pm-line");
        let median = paths.iter().find(|p| p.has_tag_name("path") && has_class(p, "pm-series-median")).unwrap();
        let d = median.attribute("d").unwrap();
        assert_eq!(d.matches('M').count(), 2, "a gap in Q3 starts a new segment: {d}");
        let plotted = |class: &str| -> Vec<roxmltree::Node> {
            with_class(&doc, "pm-dot")
                .into_iter()
                .filter(|d| has_class(d, class) && !has_class(&d.parent_element().unwrap(), "pm-legend"))
                .collect()
        };
        let (medians, p90s) = (plotted("pm-series-median"), plotted("pm-series-p90"));
        assert_eq!((medians.len(), p90s.len()), (4, 3), "no p90 for 2025 Q1 (n = 1)");
        let ticks: Vec<_> = with_class(&doc, "pm-tick-label").iter().filter_map(|n| n.text()).collect();
        assert!(ticks.contains(&"0") && ticks.contains(&"1 h"), "{ticks:?}");
        assert!(ticks.contains(&"2 d"), "top landmark above 25 h: {ticks:?}");
        assert!(svg.contains("<title>2024 Q4 · P90: 1 d 1 h (n = 12)</title>"), "{svg}");
        // Higher values sit higher (smaller y), zero at the bottom.
        let cy = |i: usize| medians[i].attribute("cy").unwrap().parse::<f64>().unwrap();
        assert!(cy(0) < cy(1), "10 min above 0");
        let label = doc.root_element().attribute("aria-label").unwrap();
        assert_eq!(
            label,
            "Time to detect: Median 10 min in 2024 Q1 (n = 8), 15 min in 2025 Q1 (n = 1); \
             P90 2 h in 2024 Q1 (n = 8), 1 d 1 h in 2024 Q4 (n = 12)"
        );
    }

    fn texts<'a>(doc: &'a roxmltree::Document, class: &str) -> Vec<&'a str> {
        with_class(doc, class).iter().filter_map(|n| n.text()).collect()
    }

    #[test]
    fn lines_write_n_under_every_point_even_empty_ones() {
        let svg = lines("t", &AXES, &quarters(), &median_p90(), YUnit::Duration, &[]);
        let doc = parse(&svg);
        assert_eq!(texts(&doc, "pm-n"), ["n = 8", "n = 5", "n = 0", "n = 12", "n = 1"]);
        // Visible text, under the x axis labels, not a tooltip.
        for n in with_class(&doc, "pm-n") {
            assert!(n.has_tag_name("text"));
            assert!(n.attribute("y").unwrap().parse::<f64>().unwrap() > 250.0);
        }
        // Many narrow columns: a row headed "n" with bare numbers, none thinned out.
        let many: Vec<Point> =
            (0..44).map(|i| pt(&format!("{} Q{}", 2014 + i / 4, i % 4 + 1), i * 7, &[Some(60.0)])).collect();
        let svg = lines("t", &AXES, &many, &median_p90()[..1], YUnit::Duration, &[]);
        let doc = parse(&svg);
        let ns = texts(&doc, "pm-n");
        assert_eq!(ns.len(), 44);
        assert_eq!((ns[0], ns[43]), ("0", "301"));
        assert_eq!(texts(&doc, "pm-n-head"), ["n"]);
        assert!(
            with_class(&doc, "pm-n").iter().all(|n| n.attribute("transform").is_some_and(|t| t.contains("rotate")))
        );
    }

    #[test]
    fn p90_is_drawn_only_where_n_is_at_least_five() {
        let pts = vec![
            pt("2024 Q1", 4, &[Some(600.0), Some(1200.0)]),
            pt("2024 Q2", 5, &[Some(600.0), Some(1200.0)]),
            pt("2024 Q3", 9, &[Some(600.0), Some(1200.0)]),
        ];
        let svg = lines("t", &AXES, &pts, &median_p90(), YUnit::Duration, &[]);
        let doc = parse(&svg);
        assert!(!svg.contains("2024 Q1 · P90"), "p90 of 4 hidden");
        assert!(svg.contains("2024 Q2 · P90") && svg.contains("2024 Q3 · P90"));
        assert!(svg.contains("2024 Q1 · Median"), "the median of 4 stays");
        let p90 = with_class(&doc, "pm-line")
            .into_iter()
            .find(|p| p.has_tag_name("path") && has_class(p, "pm-series-p90"))
            .unwrap();
        assert_eq!(p90.attribute("d").unwrap().matches('M').count(), 1);
        assert_eq!(p90.attribute("d").unwrap().matches('L').count(), 1, "Q2 to Q3 only");
        let legend: Vec<_> = doc
            .descendants()
            .filter(|n| n.has_tag_name("g") && has_class(n, "pm-legend"))
            .filter_map(|g| g.children().find(|c| c.has_tag_name("text")).and_then(|t| t.text()))
            .collect();
        assert!(legend.contains(&"P90 (where n ≥ 5)"), "{legend:?}");
        // No p90 anywhere: the p90 line draws nothing, the median still does.
        let svg = lines("t", &AXES, &pts[..1], &median_p90(), YUnit::Duration, &[]);
        assert!(!svg.contains("· P90") && svg.contains("· Median"));
    }

    #[test]
    fn points_of_fewer_than_three_are_hollow_and_the_legend_says_so() {
        let pts = vec![pt("a", 2, &[Some(600.0)]), pt("b", 3, &[Some(900.0)])];
        let svg = lines("t", &AXES, &pts, &median_p90()[..1], YUnit::Duration, &[]);
        let doc = parse(&svg);
        let few: Vec<_> = with_class(&doc, "pm-few");
        assert_eq!(few.len(), 2, "one point and its legend key");
        assert!(has_class(&few[0].parent_element().unwrap(), "pm-legend"));
        assert!(few[1].children().any(|c| c.text().is_some_and(|t| t.starts_with("a · "))));
        assert!(svg.contains(">hollow: fewer than 3 incidents</text>"));
        // All points solid: no hollow key.
        let svg = lines("t", &AXES, &pts[1..], &median_p90()[..1], YUnit::Duration, &[]);
        assert!(!svg.contains("pm-few") && !svg.contains("hollow"));
    }

    #[test]
    fn median_equal_to_p90_stays_visible() {
        let pts = vec![pt("2024 Q1", 6, &[Some(1800.0), Some(1800.0)]), pt("2024 Q2", 6, &[Some(600.0), Some(3600.0)])];
        let svg = lines("t", &AXES, &pts, &median_p90(), YUnit::Duration, &[]);
        let doc = parse(&svg);
        let markers: Vec<_> = with_class(&doc, "pm-dot")
            .into_iter()
            .filter(|d| d.children().any(|c| c.text().is_some_and(|t| t.starts_with("2024 Q1 · "))))
            .collect();
        assert_eq!(markers.len(), 2);
        let f = |n: &roxmltree::Node, a: &str| n.attribute(a).unwrap().parse::<f64>().unwrap();
        // The p90 square comes first (underneath), the median dot last (on top)...
        assert!(has_class(&markers[0], "pm-series-p90") && markers[0].has_tag_name("rect"));
        assert!(has_class(&markers[1], "pm-series-median") && markers[1].has_tag_name("circle"));
        // ...centred on the same point, and the square reaches beyond the dot on every side.
        let half = f(&markers[0], "width") / 2.0;
        let (sx, sy) = (f(&markers[0], "x") + half, f(&markers[0], "y") + half);
        assert!((sx - f(&markers[1], "cx")).abs() < 0.11 && (sy - f(&markers[1], "cy")).abs() < 0.11);
        assert!(half >= f(&markers[1], "r") + 1.5, "{half}");
        // The median line is drawn over the p90 line, which CSS makes wider.
        let paths: Vec<_> = with_class(&doc, "pm-line").into_iter().filter(|p| p.has_tag_name("path")).collect();
        assert!(has_class(&paths[0], "pm-series-p90") && has_class(&paths[1], "pm-series-median"));
        let css = include_str!("../../themes/default/static/svg.css");
        assert!(css.contains(".pm-line.pm-series-p90 { stroke-dasharray: 6 3; stroke-width: 3.5; }"));
    }

    #[test]
    fn notes_go_under_the_chart_and_into_its_label() {
        let notes =
            vec!["based on 151 of 1,060 incidents".to_string(), "14 earlier incidents (1628) not shown".to_string()];
        for svg in [
            lines("t", &AXES, &quarters(), &median_p90(), YUnit::Duration, &notes),
            stacked_bars("t", &AXES, &months(3), &sev_series(), &notes),
            histogram("t", &AXES, &[60.0, 600.0], &notes),
            hbars("t", &AXES, &[row("a", 60.0, Some(3), None)], YUnit::Duration, &notes),
        ] {
            let doc = parse(&svg);
            assert_eq!(texts(&doc, "pm-note"), notes);
            let lowest = doc
                .descendants()
                .filter(|n| n.has_tag_name("text") && !has_class(n, "pm-note"))
                .filter_map(|n| n.attribute("y").and_then(|y| y.parse::<f64>().ok()))
                .fold(0.0, f64::max);
            let ys: Vec<f64> =
                with_class(&doc, "pm-note").iter().map(|n| n.attribute("y").unwrap().parse().unwrap()).collect();
            assert!(ys[0] > lowest && ys[1] > ys[0], "notes under everything else");
            let height: f64 =
                doc.root_element().attribute("viewBox").unwrap().split(' ').nth(3).unwrap().parse().unwrap();
            assert!(height > ys[1], "inside the picture");
            let label = doc.root_element().attribute("aria-label").unwrap();
            assert!(
                label.ends_with(". based on 151 of 1,060 incidents. 14 earlier incidents (1628) not shown"),
                "{label}"
            );
        }
    }

    #[test]
    fn the_log_scale_says_so() {
        let svg =
            lines("t", &Axes { x: "quarter", y: "Time to detect" }, &quarters(), &median_p90(), YUnit::Duration, &[]);
        assert_eq!(texts(&parse(&svg), "pm-axis-title"), ["quarter", "Time to detect (log scale)"]);
        let pts = vec![pt("a", 3, &[Some(3.0)])];
        let svg = lines("t", &Axes { x: "", y: "incidents" }, &pts, &median_p90()[..1], YUnit::Count, &[]);
        assert_eq!(texts(&parse(&svg), "pm-axis-title"), ["incidents"], "linear scales are not labelled");
    }

    #[test]
    fn bars_write_their_totals_and_empty_periods_read_zero() {
        let bars = vec![
            Bar { label: "2024-01".into(), values: vec![1, 2, 0], href: None },
            Bar { label: "2024-02".into(), values: vec![0, 0, 0], href: None },
            Bar { label: "2024-03".into(), values: vec![4, 0, 1], href: None },
        ];
        let svg = stacked_bars("t", &AXES, &bars, &sev_series(), &[]);
        let doc = parse(&svg);
        assert_eq!(texts(&doc, "pm-n"), ["3", "0", "5"]);
        // Totals sit above their bars, inside the picture.
        for n in with_class(&doc, "pm-n") {
            let y: f64 = n.attribute("y").unwrap().parse().unwrap();
            assert!(y > 40.0, "{y}: clear of the legend");
        }
        // Sixty months: the totals turn upright rather than collide, none is dropped.
        let svg = stacked_bars("t", &AXES, &months(60), &sev_series(), &[]);
        let doc = parse(&svg);
        assert_eq!(with_class(&doc, "pm-n").len(), 60);
    }

    #[test]
    fn lines_count_scale() {
        let pts = vec![pt("a", 3, &[Some(3.0)]), pt("b", 4, &[Some(17.0)])];
        let series = vec![Series::new("Incidents", "pm-series-1")];
        let svg = lines("Count", &AXES, &pts, &series, YUnit::Count, &[]);
        let doc = parse(&svg);
        let ticks: Vec<_> = with_class(&doc, "pm-tick-label").iter().filter_map(|n| n.text()).collect();
        assert_eq!(&ticks[..5], ["0", "5", "10", "15", "20"]);
    }

    #[test]
    fn histogram_buckets_and_counts() {
        let values = [10.0, 299.0, 300.0, 1000.0, 3599.0, 3600.0, 50_000.0, 86_400.0, 400_000.0, f64::NAN];
        let svg = histogram("Time to recover", &AXES, &values, &[]);
        let doc = parse(&svg);
        root_checks(&doc, "Time to recover");
        let counts: Vec<_> = with_class(&doc, "pm-value-label").iter().map(|n| n.text().unwrap().to_string()).collect();
        assert_eq!(counts, ["2", "1", "1", "1", "1", "0", "0", "1", "2"]);
        assert_eq!(with_class(&doc, "pm-bar").len(), HISTOGRAM_BUCKETS.len());
        let xlabels = with_class(&doc, "pm-tick-label")
            .iter()
            .filter(|n| n.text().is_some_and(|t| t.ends_with(" min") || t.ends_with(" h") || t.ends_with(" d")))
            .count();
        assert_eq!(xlabels, HISTOGRAM_BUCKETS.len(), "every bucket labelled");
        assert!(svg.contains("<title>&lt;5 min: 2 of 9</title>"));
    }

    fn row(label: &str, value: f64, n: Option<u32>, href: Option<&str>) -> HRow {
        HRow { label: label.into(), value, n, href: href.map(String::from) }
    }

    #[test]
    fn hbars_rows_links_and_long_labels() {
        let rows = vec![
            row("checkout-api", 5400.0, None, Some("/services/checkout-api/")),
            row("a-service-with-an-extremely-long-name-indeed", 1200.0, None, None),
            row("<odd> & name", f64::NAN, None, Some("/s/?q=1&r=2")),
        ];
        let svg =
            hbars("Slowest median detection", &Axes { x: "Median time to detect", y: "" }, &rows, YUnit::Duration, &[]);
        let doc = parse(&svg);
        root_checks(&doc, "Slowest median detection");
        let groups = with_class(&doc, "pm-bar");
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[0].parent_element().unwrap().attribute("href"), Some("/services/checkout-api/"));
        assert!(!groups[1].parent_element().unwrap().has_tag_name("a"));
        assert_eq!(groups[2].parent_element().unwrap().attribute("href"), Some("/s/?q=1&r=2"));
        assert!(svg.contains("a-service-with-an-extremely…"));
        assert!(svg.contains("<title>a-service-with-an-extremely-long-name-indeed: 20 min</title>"));
        assert!(svg.contains("&lt;odd&gt; &amp; name"));
        let values: Vec<_> = with_class(&doc, "pm-value-label").iter().filter_map(|n| n.text()).collect();
        assert_eq!(values, ["1 h 30 min", "20 min", "0 s"]);
        let rows = vec![row("checkout-api", 5400.0, Some(4), None), row("search", 600.0, Some(12), None)];
        let svg = hbars("t", &AXES, &rows, YUnit::Duration, &[]);
        assert_eq!(texts(&parse(&svg), "pm-n"), ["1 h 30 min · n = 4", "10 min · n = 12"]);
        let w = |i: usize| {
            groups[i]
                .children()
                .find(|c| has_class(c, "pm-fill"))
                .unwrap()
                .attribute("width")
                .unwrap()
                .parse::<f64>()
                .unwrap()
        };
        assert!(w(0) > w(1) && w(1) > w(2));
        assert!(((w(0) / w(1)) - 4.5).abs() < 0.05, "lengths proportional to values");
    }

    use crate::contrast::ratio_hex as contrast;

    /// `--name: #hex` declarations of a CSS block.
    fn vars(block: &str) -> std::collections::BTreeMap<String, String> {
        block
            .split([';', '{'])
            .filter_map(|d| {
                let (k, v) = d.split_once(':')?;
                let (k, v) = (k.trim(), v.trim());
                (k.starts_with("--") && v.starts_with('#')).then(|| (k.to_string(), v.to_string()))
            })
            .collect()
    }

    #[test]
    fn one_severity_palette_for_badges_and_charts_with_contrast() {
        let style = include_str!("../../themes/default/static/style.css");
        let svg_css = include_str!("../../themes/default/static/svg.css");
        let light = vars(
            &style[style.find(":root {").unwrap()..][..style[style.find(":root {").unwrap()..].find('}').unwrap()],
        );
        let dark_at = style.find("@media (prefers-color-scheme: dark)").unwrap();
        let dark_block = &style[dark_at..];
        let dark = vars(&dark_block[..dark_block.find('}').unwrap()]);
        let svg_dark_at = svg_css.find("@media (prefers-color-scheme: dark)").unwrap();
        let (svg_light, svg_dark) = (&svg_css[..svg_dark_at], &svg_css[svg_dark_at..]);
        for (mode, page, chart_bg, css) in
            [("light", &light, "#ffffff", svg_light), ("dark", &dark, "#121212", svg_dark)]
        {
            let bg = &page["--bg"];
            for i in 1..=5 {
                let colour = &page[&format!("--sev{i}")];
                // Badges are text: 4.5:1; chart segments are graphics: 3:1 (WCAG 1.4.11).
                for against in [bg.as_str(), chart_bg] {
                    let c = contrast(colour, against);
                    assert!(c >= 4.5, "{mode} --sev{i} {colour} on {against}: {c:.2}");
                }
                // The chart class uses the badge variable, with the same colour as fallback.
                let rule = format!(".pm-sev-{i} {{ --pm-c: var(--sev{i}, {colour}); }}");
                assert!(css.contains(&rule), "{mode}: svg.css lacks {rule}");
            }
            assert!(style.contains(".sev-1 { color: var(--sev1); }"), "badges use the same variables");
            // Five distinct colours, none of them also a statistic's (a colour means one thing).
            let sevs: std::collections::BTreeSet<&String> = (1..=5).map(|i| &page[&format!("--sev{i}")]).collect();
            assert_eq!(sevs.len(), 5);
            for stat in ["#0072b2", "#5b6572", "#4a9fe0", "#a3adba"] {
                assert!(!sevs.contains(&stat.to_string()), "{stat}");
            }
        }
        // The median and p90 lines are graphics too: 3:1 on both backgrounds.
        for (colour, bg) in
            [("#0072b2", "#ffffff"), ("#5b6572", "#ffffff"), ("#4a9fe0", "#121212"), ("#a3adba", "#121212")]
        {
            assert!(contrast(colour, bg) >= 3.0, "{colour} on {bg}");
        }
        assert!(svg_light.contains(".pm-series-median { --pm-c: #0072b2; }"));
        assert!(svg_light.contains(".pm-series-p90 { --pm-c: #5b6572; }"));
        assert!(svg_dark.contains(".pm-series-p90 { --pm-c: #a3adba; }"));
        assert!(svg_dark.contains(".pm-series-median, .pm-series-1 { --pm-c: #4a9fe0; }"));
    }

    #[test]
    fn tick_helpers() {
        assert_eq!(linear_ticks(17.0, true), (5.0, 20.0));
        assert_eq!(linear_ticks(0.0, true), (1.0, 1.0));
        assert_eq!(linear_ticks(3.0, true), (1.0, 3.0));
        let (step, top) = linear_ticks(0.3, false);
        assert!((step - 0.1).abs() < 1e-12 && (top - 0.3).abs() < 1e-9);
        assert_eq!(duration_ticks(5400.0), (1800.0, 5400.0));
        let (_, t) = log_minute_ticks(600.0);
        assert_eq!(t.first(), Some(&0.0));
        assert_eq!(t.last(), Some(&900.0));
    }
}
