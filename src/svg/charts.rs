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

use super::{attr_num, count_label, duration_label, esc, num, open_svg, text_width, time_step};
use jiff::SignedDuration;
use std::fmt::Write;

const W: f64 = 640.0;
/// Left margin: y tick labels and the rotated y axis title.
const ML: f64 = 62.0;
const MR: f64 = 16.0;
const PLOT_H: f64 = 200.0;

/// One series of a chart: its name (legend, tooltips) and the CSS class that colours it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub name: String,
    /// e.g. `pm-sev-1`..`pm-sev-5`, `pm-series-median`, `pm-series-p90`, `pm-series-1`..`pm-series-8`.
    pub class: String,
}

/// One bar of [`stacked_bars`]: a label on the x axis, one value per series (in the
/// order of the `series` slice, bottom segment first), and where the bar links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub label: String,
    pub values: Vec<u32>,
    /// A page listing the incidents behind this bar.
    pub href: Option<String>,
}

/// What the numbers of a chart measure, for tick and value labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YUnit {
    /// Seconds, labelled "15 min", "2 h".
    Duration,
    /// Plain numbers.
    Count,
}

/// Axis titles; an empty string leaves that axis untitled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Axes<'a> {
    pub x: &'a str,
    pub y: &'a str,
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
/// Each segment has a tooltip with its count; a bar with `href` is wrapped in `<a>` with
/// a full-height invisible hit area, so even a short bar is easy to click. X labels are
/// thinned when they would collide. Returns `""` when `bars` is empty.
pub fn stacked_bars(title: &str, axes: &Axes, bars: &[Bar], series: &[Series]) -> String {
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

    let (step, top) = linear_ticks(max as f64, true);
    let scale = Scale::Linear { top };
    let mut out = String::with_capacity(4096 + bars.len() * 400);
    let frame = header(&mut out, title, &aria, series, Swatch::Box);
    let band = frame.width() / bars.len() as f64;
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
        out.push_str("</g>");
        if bar.href.is_some() {
            out.push_str("</a>");
        }
    }
    x_labels(&mut out, &frame, bars.iter().map(|b| b.label.as_str()), band);
    footer(&mut out, &frame, axes);
    out
}

/// Median and p90 per quarter, or any values per x category: one line per series,
/// broken where a value is `None`, with a dot and tooltip at every known value.
/// `points` are `(x label, one value per series)`; durations are in seconds. Durations
/// use the log-like scale described in the module docs; counts a linear one from zero.
/// Returns `""` when there is no known value.
pub fn lines(
    title: &str,
    axes: &Axes,
    points: &[(String, Vec<Option<f64>>)],
    series: &[Series],
    y_unit: YUnit,
) -> String {
    let known = |p: &(String, Vec<Option<f64>>), s: usize| p.1.get(s).copied().flatten().filter(|v| v.is_finite());
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
        let mut vals = points.iter().filter_map(|p| known(p, s).map(|v| (p.0.as_str(), v)));
        let Some(first) = vals.next() else { continue };
        let last = vals.next_back().unwrap_or(first);
        aria.push(' ');
        aria.push_str(&ser.name);
        aria.push(' ');
        value_label(&mut aria, first.1, y_unit);
        let _ = write!(aria, " in {}", first.0);
        if last.0 != first.0 {
            aria.push_str(", ");
            value_label(&mut aria, last.1, y_unit);
            let _ = write!(aria, " in {}", last.0);
        }
        aria.push(';');
    }
    aria.pop();

    let (scale, ticks) = match y_unit {
        YUnit::Count => {
            let (step, top) = linear_ticks(max, false);
            (Scale::Linear { top }, linear_values(step, top))
        }
        YUnit::Duration => log_minute_ticks(max),
    };
    let mut out = String::with_capacity(4096 + points.len() * series.len() * 200);
    let frame = header(&mut out, title, &aria, series, Swatch::Line);
    let band = frame.width() / points.len().max(1) as f64;
    y_axis(&mut out, &frame, scale, &ticks, y_unit);
    let x_at = |i: usize| frame.left + (i as f64 + 0.5) * band;

    for (s, ser) in series.iter().enumerate() {
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
        for (i, p) in points.iter().enumerate() {
            let Some(v) = known(p, s) else { continue };
            out.push_str("<circle class=\"pm-dot ");
            esc(&mut out, &ser.class);
            out.push('"');
            attr_num(&mut out, "cx", x_at(i));
            attr_num(&mut out, "cy", y_of(&frame, scale, v));
            out.push_str(" r=\"3.5\"><title>");
            esc(&mut out, &p.0);
            out.push_str(" · ");
            esc(&mut out, &ser.name);
            out.push_str(": ");
            let mut l = String::new();
            value_label(&mut l, v, y_unit);
            esc(&mut out, &l);
            out.push_str("</title></circle>");
        }
    }
    x_labels(&mut out, &frame, points.iter().map(|p| p.0.as_str()), band);
    footer(&mut out, &frame, axes);
    out
}

/// Duration buckets of [`histogram`]: exclusive upper bound in seconds, and label.
pub const HISTOGRAM_BUCKETS: [(f64, &str); 9] = [
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
/// non-finite values are not counted. Returns `""` when nothing is counted.
pub fn histogram(title: &str, axes: &Axes, values_secs: &[f64]) -> String {
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

    let (step, top) = linear_ticks(f64::from(max), true);
    let scale = Scale::Linear { top };
    let mut out = String::with_capacity(4096);
    let frame = header(&mut out, title, &aria, &[], Swatch::Box);
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
        out.push_str("/><text class=\"pm-value-label\" text-anchor=\"middle\"");
        attr_num(&mut out, "x", x + bar_w / 2.0);
        attr_num(&mut out, "y", y - 4.0);
        let _ = write!(out, ">{c}</text></g>");
    }
    x_labels(&mut out, &frame, HISTOGRAM_BUCKETS.iter().map(|b| b.1), band);
    footer(&mut out, &frame, axes);
    out
}

/// A horizontal bar leaderboard, in the order given (sort before calling): one row per
/// `(label, value, href)`, the value written at the bar's end, the row linked when
/// `href` is Some. Long labels are shortened with "…" (the tooltip keeps them whole).
/// Negative and non-finite values draw as zero. Returns `""` when `rows` is empty.
pub fn hbars(title: &str, axes: &Axes, rows: &[(String, f64, Option<String>)], unit: YUnit) -> String {
    const ROW_H: f64 = 20.0;
    const MAX_LABEL: usize = 28;
    if rows.is_empty() {
        return String::new();
    }
    let clean = |v: f64| if v.is_finite() { v.max(0.0) } else { 0.0 };
    let max = rows.iter().map(|r| clean(r.1)).fold(0.0, f64::max);
    let short = |s: &str| -> String {
        if s.chars().count() > MAX_LABEL {
            let mut t: String = s.chars().take(MAX_LABEL - 1).collect();
            t.push('…');
            t
        } else {
            s.to_string()
        }
    };
    let labels: Vec<String> = rows.iter().map(|r| short(&r.0)).collect();
    let values: Vec<String> = rows
        .iter()
        .map(|r| {
            let mut s = String::new();
            value_label(&mut s, clean(r.1), unit);
            s
        })
        .collect();
    let label_w = labels.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 10.0;
    let value_w = values.iter().map(|l| text_width(l)).fold(0.0, f64::max) + 8.0;

    let mut aria = String::new();
    let _ = write!(aria, "{title}: {} row{}; first {} ", rows.len(), if rows.len() == 1 { "" } else { "s" }, rows[0].0);
    aria.push_str(&values[0]);

    let (step, top) = match unit {
        YUnit::Count => linear_ticks(max, false),
        YUnit::Duration => duration_ticks(max),
    };
    let scale = Scale::Linear { top };
    let mut out = String::with_capacity(4096 + rows.len() * 300);
    let head = if title.is_empty() { 8.0 } else { 34.0 };
    let height = head + rows.len() as f64 * ROW_H + 50.0;
    open_svg(&mut out, "pm-chart", W, height, &aria);
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
        if let Some(href) = &row.2 {
            out.push_str("<a href=\"");
            esc(&mut out, href);
            out.push_str("\">");
        }
        out.push_str("<g class=\"pm-bar\"><title>");
        esc(&mut out, &row.0);
        out.push_str(": ");
        esc(&mut out, value);
        out.push_str("</title>");
        hit_area(&mut out, 0.0, y, W, ROW_H);
        out.push_str("<text class=\"pm-tick-label\" text-anchor=\"end\"");
        attr_num(&mut out, "x", frame.left - 6.0);
        attr_num(&mut out, "y", y + 14.0);
        out.push('>');
        esc(&mut out, label);
        let w = scale.frac(clean(row.1)) * frame.width();
        out.push_str("</text><rect class=\"pm-fill\"");
        attr_num(&mut out, "x", frame.left);
        attr_num(&mut out, "y", y + 3.0);
        attr_num(&mut out, "width", w);
        attr_num(&mut out, "height", ROW_H - 6.0);
        out.push_str("/><text class=\"pm-value-label\"");
        attr_num(&mut out, "x", frame.left + w + 4.0);
        attr_num(&mut out, "y", y + 14.0);
        out.push('>');
        esc(&mut out, value);
        out.push_str("</text></g>");
        if row.2.is_some() {
            out.push_str("</a>");
        }
    }
    axis_line(&mut out, frame.left, frame.top, frame.left, frame.bottom);
    if !axes.x.is_empty() {
        axis_title(&mut out, (frame.left + frame.right) / 2.0, frame.bottom + 34.0, false, axes.x);
    }
    if !axes.y.is_empty() {
        axis_title(&mut out, 12.0, (frame.top + frame.bottom) / 2.0, true, axes.y);
    }
    out.push_str("</svg>");
    out
}

#[derive(Clone, Copy, PartialEq)]
enum Swatch {
    Box,
    Line,
}

/// Opens the chart with its title and legend; returns the plot area below them.
fn header(out: &mut String, title: &str, aria: &str, series: &[Series], swatch: Swatch) -> Frame {
    let mut top = if title.is_empty() { 12.0 } else { 34.0 };
    if !series.is_empty() {
        top += 22.0;
    }
    let frame = Frame { left: ML, right: W - MR, top, bottom: top + PLOT_H };
    open_svg(out, "pm-chart", W, frame.bottom + 44.0, aria);
    chart_title(out, title);
    let y = top - 22.0;
    let mut x = ML;
    for s in series {
        out.push_str("<g class=\"pm-legend\">");
        match swatch {
            Swatch::Box => {
                out.push_str("<rect class=\"pm-fill ");
                esc(out, &s.class);
                out.push('"');
                attr_num(out, "x", x);
                attr_num(out, "y", y);
                out.push_str(" width=\"10\" height=\"10\"/>");
            }
            Swatch::Line => {
                out.push_str("<line class=\"pm-line ");
                esc(out, &s.class);
                out.push('"');
                attr_num(out, "x1", x - 4.0);
                attr_num(out, "x2", x + 14.0);
                attr_num(out, "y1", y + 5.0);
                attr_num(out, "y2", y + 5.0);
                out.push_str("/>");
            }
        }
        out.push_str("<text");
        attr_num(out, "x", x + 18.0);
        attr_num(out, "y", y + 9.5);
        out.push('>');
        esc(out, &s.name);
        out.push_str("</text></g>");
        x += 18.0 + text_width(&s.name) + 18.0;
    }
    frame
}

fn chart_title(out: &mut String, title: &str) {
    if title.is_empty() {
        return;
    }
    out.push_str("<text class=\"pm-chart-title\" x=\"8\" y=\"18\">");
    esc(out, title);
    out.push_str("</text>");
}

/// Axis lines and titles, and the closing tag.
fn footer(out: &mut String, frame: &Frame, axes: &Axes) {
    axis_line(out, frame.left, frame.bottom, frame.right, frame.bottom);
    axis_line(out, frame.left, frame.top, frame.left, frame.bottom);
    if !axes.x.is_empty() {
        axis_title(out, (frame.left + frame.right) / 2.0, frame.bottom + 36.0, false, axes.x);
    }
    if !axes.y.is_empty() {
        axis_title(out, 12.0, (frame.top + frame.bottom) / 2.0, true, axes.y);
    }
    out.push_str("</svg>");
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

/// Category labels under the x axis, every k-th one when they would collide.
fn x_labels<'a>(out: &mut String, frame: &Frame, labels: impl Iterator<Item = &'a str> + Clone, band: f64) {
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
        (1..=3).map(|i| Series { name: format!("SEV{i}"), class: format!("pm-sev-{i}") }).collect()
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
        let svg = stacked_bars("Incidents per month", &AXES, &bars, &sev_series());
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
        let svg = stacked_bars("x", &Axes::default(), &bars, &sev_series());
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
        assert_eq!(stacked_bars("t", &AXES, &[], &sev_series()), "");
        assert_eq!(lines("t", &AXES, &[("Q1".into(), vec![None])], &sev_series(), YUnit::Duration), "");
        assert_eq!(histogram("t", &AXES, &[f64::NAN, -3.0]), "");
        assert_eq!(hbars("t", &AXES, &[], YUnit::Duration), "");
    }

    #[test]
    fn all_zero_bars_still_parse() {
        let bars = vec![Bar { label: "2024-01".into(), values: vec![0, 0], href: None }];
        let svg = stacked_bars("t", &AXES, &bars, &sev_series());
        assert_eq!(with_class(&parse(&svg), "pm-bar").len(), 1);
    }

    fn quarters() -> Vec<(String, Vec<Option<f64>>)> {
        vec![
            ("2024 Q1".into(), vec![Some(600.0), Some(7200.0)]),
            ("2024 Q2".into(), vec![Some(0.0), Some(3600.0)]),
            ("2024 Q3".into(), vec![None, None]),
            ("2024 Q4".into(), vec![Some(1200.0), Some(90_000.0)]),
            ("2025 Q1".into(), vec![Some(900.0), None]),
        ]
    }

    fn median_p90() -> Vec<Series> {
        vec![
            Series { name: "Median".into(), class: "pm-series-median".into() },
            Series { name: "P90".into(), class: "pm-series-p90".into() },
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
        );
        let doc = parse(&svg);
        root_checks(&doc, "Time to detect");
        let paths = with_class(&doc, "pm-line");
        let median = paths.iter().find(|p| p.has_tag_name("path") && has_class(p, "pm-series-median")).unwrap();
        let d = median.attribute("d").unwrap();
        assert_eq!(d.matches('M').count(), 2, "a gap in Q3 starts a new segment: {d}");
        let dots = with_class(&doc, "pm-dot");
        assert_eq!(dots.len(), 4 + 3);
        let ticks: Vec<_> = with_class(&doc, "pm-tick-label").iter().filter_map(|n| n.text()).collect();
        assert!(ticks.contains(&"0") && ticks.contains(&"1 h"), "{ticks:?}");
        assert!(ticks.contains(&"2 d"), "top landmark above 25 h: {ticks:?}");
        assert!(svg.contains("<title>2024 Q4 · P90: 1 d 1 h</title>"));
        // Higher values sit higher (smaller y), zero at the bottom.
        let cy = |i: usize| dots[i].attribute("cy").unwrap().parse::<f64>().unwrap();
        assert!(cy(0) < cy(1), "10 min above 0");
        let label = doc.root_element().attribute("aria-label").unwrap();
        assert_eq!(
            label,
            "Time to detect: Median 10 min in 2024 Q1, 15 min in 2025 Q1; P90 2 h in 2024 Q1, 1 d 1 h in 2024 Q4"
        );
    }

    #[test]
    fn lines_count_scale() {
        let pts = vec![("a".to_string(), vec![Some(3.0)]), ("b".to_string(), vec![Some(17.0)])];
        let series = vec![Series { name: "Incidents".into(), class: "pm-series-1".into() }];
        let svg = lines("Count", &AXES, &pts, &series, YUnit::Count);
        let doc = parse(&svg);
        let ticks: Vec<_> = with_class(&doc, "pm-tick-label").iter().filter_map(|n| n.text()).collect();
        assert_eq!(&ticks[..5], ["0", "5", "10", "15", "20"]);
    }

    #[test]
    fn histogram_buckets_and_counts() {
        let values = [10.0, 299.0, 300.0, 1000.0, 3599.0, 3600.0, 50_000.0, 86_400.0, 400_000.0, f64::NAN];
        let svg = histogram("Time to recover", &AXES, &values);
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

    #[test]
    fn hbars_rows_links_and_long_labels() {
        let rows = vec![
            ("checkout-api".to_string(), 5400.0, Some("/services/checkout-api/".to_string())),
            ("a-service-with-an-extremely-long-name-indeed".to_string(), 1200.0, None),
            ("<odd> & name".to_string(), f64::NAN, Some("/s/?q=1&r=2".to_string())),
        ];
        let svg =
            hbars("Slowest median detection", &Axes { x: "Median time to detect", y: "" }, &rows, YUnit::Duration);
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
