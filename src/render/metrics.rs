//! Response figures across incidents, as charts: the `/metrics/` page and the same
//! blocks, filtered, on each service, team, factor and severity page.
//!
//! Every chart says what it is based on: a note under it reads "based on 151 of 1,060
//! incidents" (the incidents with a known value of its figure, of those it covers),
//! points carry their sample ("n = 4"), and what a chart leaves out (a lone outlier
//! year, services with too few known figures to rank) is written under it too.

use super::{Dim, Site};
use crate::figures::{self, Summary};
use crate::kb::KnowledgeBase;
use crate::svg::{self, Axes, Bar, HRow, MIN_N_P90, Point, Series, YUnit};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// A service needs this many known times to detect to be ranked by its median.
pub(crate) const MIN_RANK_N: usize = 3;

/// A year at least this much earlier than the next (or later than the previous) one
/// may be an outlier...
const OUTLIER_GAP_YEARS: i16 = 10;
/// ...when the years cut off this way hold less than this share of the incidents.
const OUTLIER_SHARE: f64 = 0.02;

fn severity_series(kb: &KnowledgeBase) -> Vec<Series> {
    kb.config
        .severities
        .iter()
        .enumerate()
        .map(|(i, s)| Series::new(s.clone(), format!("pm-sev-{}", (i + 1).min(5))))
        .collect()
}

/// "1,060": thousands separated by commas.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "based on 151 of 1,060 incidents".
fn based_on(known: usize, of: usize) -> String {
    format!("based on {} of {} incident{}", thousands(known), thousands(of), if of == 1 { "" } else { "s" })
}

/// The years a time axis draws: all of them, except a lone outlier at either end (the
/// real corpus has a postmortem dated 1628 next to 1969 onwards) that would squeeze the
/// rest into a corner. Years are cut off at an end when a gap of more than
/// [`OUTLIER_GAP_YEARS`] separates them from the rest and they hold less than
/// [`OUTLIER_SHARE`] of the incidents; the chart then says how many it leaves out.
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearSpan {
    first: i16,
    last: i16,
    /// Incidents before `first` (not drawn) and the years they span.
    earlier: usize,
    earlier_years: (i16, i16),
    /// Incidents after `last` (not drawn) and the years they span.
    later: usize,
    later_years: (i16, i16),
}

impl YearSpan {
    fn of(years: impl Iterator<Item = i16>) -> Option<YearSpan> {
        let mut per_year: BTreeMap<i16, usize> = BTreeMap::new();
        for y in years {
            *per_year.entry(y).or_default() += 1;
        }
        let total: usize = per_year.values().sum();
        let distinct: Vec<(i16, usize)> = per_year.into_iter().collect();
        let (&(min, _), &(max, _)) = (distinct.first()?, distinct.last()?);
        let small = |n: usize| (n as f64) < OUTLIER_SHARE * total as f64;
        let mut span = YearSpan {
            first: min,
            last: max,
            earlier: 0,
            earlier_years: (min, min),
            later: 0,
            later_years: (max, max),
        };
        // Leading outliers: the widest cut that is still small.
        let mut acc = 0;
        for w in distinct.windows(2) {
            acc += w[0].1;
            if !small(acc) {
                break;
            }
            if w[1].0 - w[0].0 > OUTLIER_GAP_YEARS {
                span.first = w[1].0;
                span.earlier = acc;
                span.earlier_years = (min, w[0].0);
            }
        }
        let mut acc = 0;
        for w in distinct.windows(2).rev() {
            if w[1].0 < span.first {
                break;
            }
            acc += w[1].1;
            if !small(acc) || w[0].0 < span.first {
                break;
            }
            if w[1].0 - w[0].0 > OUTLIER_GAP_YEARS {
                span.last = w[0].0;
                span.later = acc;
                span.later_years = (w[1].0, max);
            }
        }
        Some(span)
    }

    fn contains(&self, year: i16) -> bool {
        (self.first..=self.last).contains(&year)
    }

    /// "14 earlier incidents (1628) not shown", and the same for later ones.
    fn notes(&self) -> Vec<String> {
        let years = |(a, b): (i16, i16)| if a == b { a.to_string() } else { format!("{a}–{b}") };
        let mut out = Vec::new();
        if self.earlier > 0 {
            out.push(format!(
                "{} earlier incident{} ({}) not shown",
                thousands(self.earlier),
                if self.earlier == 1 { "" } else { "s" },
                years(self.earlier_years)
            ));
        }
        if self.later > 0 {
            out.push(format!(
                "{} later incident{} ({}) not shown",
                thousands(self.later),
                if self.later == 1 { "" } else { "s" },
                years(self.later_years)
            ));
        }
        out
    }
}

/// Incidents per month by severity (per year when the range is longer than six years);
/// each bar links to that year's incidents. Every month (or year) of the range gets a
/// bar, so a quiet one shows as zero instead of being skipped.
fn per_month(kb: &KnowledgeBase, site: &Site, ids: &[usize], root: &str) -> String {
    let Some(span) = YearSpan::of(ids.iter().map(|&i| kb.postmortems[i].date.year())) else {
        return String::new();
    };
    let sev_pos: BTreeMap<&str, usize> =
        kb.config.severities.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut months: BTreeMap<(i16, i8), Vec<u32>> = BTreeMap::new();
    let mut counted = 0;
    for &i in ids {
        let pm = &kb.postmortems[i];
        if !span.contains(pm.date.year()) {
            continue;
        }
        let v = months.entry((pm.date.year(), pm.date.month())).or_insert_with(|| vec![0; sev_pos.len()]);
        if let Some(&p) = sev_pos.get(pm.severity.as_str()) {
            v[p] += 1;
            counted += 1;
        }
    }
    if months.is_empty() {
        return String::new();
    }
    let mut notes = vec![based_on(counted, ids.len())];
    notes.extend(span.notes());
    let year_href = |y: i16| {
        kb.indexes.years.contains_key(&y).then(|| format!("{root}{}", site.slugs.url(Dim::Years, &y.to_string())))
    };
    let (bars, by_year) = period_bars(&months, sev_pos.len(), year_href);
    let (title, axes) = if by_year {
        ("Incidents per year by severity", Axes { x: "year", y: "incidents" })
    } else {
        ("Incidents per month by severity", Axes { x: "month", y: "incidents" })
    };
    svg::stacked_bars(title, &axes, &bars, &severity_series(kb), &notes)
}

/// The bars of [`per_month`]: one per month from the first month of `months` to the
/// last, or one per year when that spans more than six years (then `true`); periods
/// without incidents are bars of zero, so a quiet month shows as such, not as nothing.
/// `months` holds `series` counts per `(year, month)`.
fn period_bars(
    months: &BTreeMap<(i16, i8), Vec<u32>>,
    series: usize,
    href: impl Fn(i16) -> Option<String>,
) -> (Vec<Bar>, bool) {
    let (Some(&first), Some(&last)) = (months.keys().next(), months.keys().next_back()) else {
        return (Vec::new(), false);
    };
    let span_months = (i32::from(last.0) - i32::from(first.0)) * 12 + i32::from(last.1) - i32::from(first.1);
    if span_months > 72 {
        let mut years: BTreeMap<i16, Vec<u32>> = (first.0..=last.0).map(|y| (y, vec![0; series])).collect();
        for ((y, _), v) in months {
            if let Some(e) = years.get_mut(y) {
                e.iter_mut().zip(v).for_each(|(a, b)| *a += b);
            }
        }
        let bars = years.into_iter().map(|(y, values)| Bar { label: y.to_string(), values, href: href(y) }).collect();
        return (bars, true);
    }
    let mut bars = Vec::new();
    let (mut y, mut m) = first;
    while (y, m) <= last {
        let values = months.get(&(y, m)).cloned().unwrap_or_else(|| vec![0; series]);
        bars.push(Bar { label: format!("{y}-{m:02}"), values, href: href(y) });
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    (bars, false)
}

/// The points of [`per_quarter`]: one per quarter (per year when `by_year`) from the
/// first `(year, quarter)` to the last, empty periods included (n = 0, no values, so the
/// lines break there instead of joining distant quarters).
fn period_points(buckets: &BTreeMap<(i16, i8), Vec<Option<jiff::SignedDuration>>>, by_year: bool) -> Vec<Point> {
    let (Some(&first), Some(&last)) = (buckets.keys().next(), buckets.keys().next_back()) else {
        return Vec::new();
    };
    let mut points = Vec::new();
    let (mut y, mut q) = first;
    while (y, q) <= last {
        let s = Summary::of(buckets.get(&(y, q)).into_iter().flatten().copied());
        let label = if by_year { y.to_string() } else { format!("{y} Q{q}") };
        points.push(Point { label, n: s.count as u32, values: vec![s.median_secs, s.p90_secs] });
        (y, q) = if by_year || q == 4 { (y + 1, if by_year { 0 } else { 1 }) } else { (y, q + 1) };
    }
    points
}

/// Median and p90 of one figure per quarter (per year when the range passes ten years).
fn per_quarter(kb: &KnowledgeBase, ids: &[usize], key: &str, label: &str) -> String {
    let Some(span) = YearSpan::of(ids.iter().map(|&i| kb.postmortems[i].date.year())) else {
        return String::new();
    };
    let by_year = span.last - span.first > 10;
    let mut buckets: BTreeMap<(i16, i8), Vec<Option<jiff::SignedDuration>>> = BTreeMap::new();
    let mut known = 0;
    for &i in ids {
        let d = kb.postmortems[i].date;
        if !span.contains(d.year()) {
            continue;
        }
        let q = if by_year { 0 } else { (d.month() - 1) / 3 + 1 };
        let v = kb.figures[i].get(key);
        known += usize::from(v.is_some());
        buckets.entry((d.year(), q)).or_default().push(v);
    }
    let points = period_points(&buckets, by_year);
    let series = [
        Series::new("median", "pm-series-median"),
        Series { min_n: MIN_N_P90, ..Series::new("90th percentile", "pm-series-p90") },
    ];
    let mut notes = vec![based_on(known, ids.len())];
    notes.extend(span.notes());
    let (title, x) =
        if by_year { (format!("{label} per year"), "year") } else { (format!("{label} per quarter"), "quarter") };
    svg::lines(&title, &Axes { x, y: label }, &points, &series, YUnit::Duration, &notes)
}

fn histograms(kb: &KnowledgeBase, ids: &[usize]) -> Vec<Value> {
    figures::NAMES
        .iter()
        .map(|(key, label)| {
            let values: Vec<f64> = ids.iter().filter_map(|&i| kb.figures[i].get(key)).map(|d| d.as_secs_f64()).collect();
            let notes = [based_on(values.len(), ids.len())];
            let title = format!("Distribution of {}", label.to_lowercase());
            json!({ "label": label, "svg": svg::histogram(&title, &Axes { x: label, y: "incidents" }, &values, &notes) })
        })
        .collect()
}

/// The rows of the detection leaderboard: services with at least [`MIN_RANK_N`] known
/// times to detect, slowest median first (ties by name), at most `limit`; and how many
/// services qualified.
fn leaderboard_rows<'a>(
    services: impl Iterator<Item = (&'a String, &'a [usize])>,
    detect: impl Fn(usize) -> Option<jiff::SignedDuration>,
    limit: usize,
) -> (Vec<(HRow, &'a [usize])>, usize) {
    let mut rows: Vec<(HRow, &[usize])> = services
        .filter_map(|(name, ids)| {
            let s = Summary::of(ids.iter().map(|&i| detect(i)));
            (s.count >= MIN_RANK_N).then(|| {
                let row = HRow {
                    label: name.clone(),
                    value: s.median_secs.unwrap_or(0.0),
                    n: Some(s.count as u32),
                    href: None,
                };
                (row, ids)
            })
        })
        .collect();
    rows.sort_by(|a, b| b.0.value.total_cmp(&a.0.value).then_with(|| a.0.label.cmp(&b.0.label)));
    let eligible = rows.len();
    rows.truncate(limit);
    (rows, eligible)
}

/// Services with the slowest median time to detect (at least [`MIN_RANK_N`] known).
fn detection_leaderboard(site: &Site, ids: &[usize], root: &str) -> String {
    let kb = site.kb;
    let services = kb.indexes.services.iter().map(|(name, ids)| (name, &ids[..]));
    let (rows, eligible) = leaderboard_rows(services, |i| kb.figures[i].detect, 15);
    let known: BTreeSet<usize> =
        rows.iter().flat_map(|(_, ids)| ids.iter().copied()).filter(|&i| kb.figures[i].detect.is_some()).collect();
    let rows: Vec<HRow> = rows
        .into_iter()
        .map(|(r, _)| HRow { href: Some(format!("{root}{}", site.slugs.url(Dim::Services, &r.label))), ..r })
        .collect();
    let who = format!("services with at least {MIN_RANK_N} known times to detect");
    let first = if rows.len() < eligible {
        format!("the {} slowest of {} {who}", rows.len(), eligible)
    } else {
        format!("{} of {} services: those {}", rows.len(), kb.indexes.services.len(), &who["services ".len()..])
    };
    let notes = [first, based_on(known.len(), ids.len())];
    svg::hbars(
        "Slowest median time to detect, by service",
        &Axes { x: "median time to detect", y: "" },
        &rows,
        YUnit::Duration,
        &notes,
    )
}

/// The chart blocks for a set of incidents. `root` prefixes chart links.
pub fn blocks(site: &Site, ids: &[usize], root: &str, leaderboard: bool) -> Value {
    let kb = site.kb;
    json!({
        "per_month": per_month(kb, site, ids, root),
        "detect_quarters": per_quarter(kb, ids, "detect", "Time to detect"),
        "recover_quarters": per_quarter(kb, ids, "recover", "Time to recover"),
        "histograms": histograms(kb, ids),
        "leaderboard": if leaderboard { detection_leaderboard(site, ids, root) } else { String::new() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::SignedDuration;

    fn years(spec: &[(i16, usize)]) -> Vec<i16> {
        spec.iter().flat_map(|&(y, n)| std::iter::repeat_n(y, n)).collect()
    }

    #[test]
    fn counts_read_with_thousands() {
        assert_eq!(thousands(7), "7");
        assert_eq!(thousands(151), "151");
        assert_eq!(thousands(1060), "1,060");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(based_on(151, 1060), "based on 151 of 1,060 incidents");
        assert_eq!(based_on(1, 1), "based on 1 of 1 incident");
    }

    #[test]
    fn a_lone_early_year_is_clipped_with_a_note() {
        // The real corpus: 14 incidents dated 1628, then 1,046 from 1969 on.
        let mut ys = years(&[(1628, 14)]);
        ys.extend((1969..=2024).flat_map(|y| std::iter::repeat_n(y, if y < 2000 { 5 } else { 32 })));
        let total = ys.len();
        assert!(14.0 / (total as f64) < OUTLIER_SHARE);
        let span = YearSpan::of(ys.iter().copied()).unwrap();
        assert_eq!((span.first, span.last), (1969, 2024));
        assert_eq!((span.earlier, span.later), (14, 0));
        assert_eq!(span.notes(), ["14 earlier incidents (1628) not shown"]);
        assert!(!span.contains(1628) && span.contains(1969));
    }

    #[test]
    fn outliers_at_either_end_and_what_is_not_an_outlier() {
        let base = || years(&[(2019, 60), (2020, 80), (2021, 90), (2022, 70)]);
        // Two early years, one late: each group small and far from the rest.
        let mut ys = base();
        ys.extend(years(&[(1900, 1), (1905, 2), (2099, 1)]));
        let span = YearSpan::of(ys.into_iter()).unwrap();
        assert_eq!((span.first, span.last), (2019, 2022));
        assert_eq!(span.notes(), ["3 earlier incidents (1900–1905) not shown", "1 later incident (2099) not shown"]);
        // Close to the rest (10 years or less): kept, however few.
        let mut ys = base();
        ys.push(2009);
        assert_eq!(YearSpan::of(ys.into_iter()).unwrap().first, 2009);
        // Far, but too many to be an outlier (2% or more): kept.
        let mut ys = base();
        ys.extend(years(&[(1990, 7)]));
        let span = YearSpan::of(ys.into_iter()).unwrap();
        assert_eq!((span.first, span.earlier), (1990, 0));
        assert!(span.notes().is_empty());
        // Small sets never clip: one incident of two is half of them.
        let span = YearSpan::of([1628, 2020].into_iter()).unwrap();
        assert_eq!((span.first, span.last), (1628, 2020));
        assert_eq!(YearSpan::of(std::iter::empty()), None);
    }

    fn mins(m: i64) -> Option<SignedDuration> {
        Some(SignedDuration::from_mins(m))
    }

    #[test]
    fn quarters_are_continuous_and_empty_ones_are_gaps() {
        let mut b: BTreeMap<(i16, i8), Vec<Option<SignedDuration>>> = BTreeMap::new();
        b.insert((2023, 3), vec![mins(10), mins(20), None]);
        b.insert((2024, 2), vec![None]);
        b.insert((2024, 3), vec![mins(5), mins(5), mins(5), mins(5), mins(5), mins(60)]);
        let pts = period_points(&b, false);
        let labels: Vec<&str> = pts.iter().map(|p| p.label.as_str()).collect();
        assert_eq!(labels, ["2023 Q3", "2023 Q4", "2024 Q1", "2024 Q2", "2024 Q3"]);
        let ns: Vec<u32> = pts.iter().map(|p| p.n).collect();
        assert_eq!(ns, [2, 0, 0, 0, 6], "n counts known figures only");
        assert_eq!(pts[1].values, [None, None], "an empty quarter is a gap, not zero");
        assert_eq!(pts[3].values, [None, None], "a quarter of unknowns too");
        assert_eq!(pts[0].values[0], Some(900.0));
        // Years: every year of the range, empty ones included.
        let mut b: BTreeMap<(i16, i8), Vec<Option<SignedDuration>>> = BTreeMap::new();
        b.insert((2001, 0), vec![mins(1)]);
        b.insert((2004, 0), vec![mins(2)]);
        let labels: Vec<String> = period_points(&b, true).into_iter().map(|p| p.label).collect();
        assert_eq!(labels, ["2001", "2002", "2003", "2004"]);
        assert!(period_points(&BTreeMap::new(), true).is_empty());
    }

    #[test]
    fn months_and_years_are_continuous_and_quiet_ones_are_zero() {
        let mut m: BTreeMap<(i16, i8), Vec<u32>> = BTreeMap::new();
        m.insert((2023, 11), vec![1, 2]);
        m.insert((2024, 2), vec![0, 3]);
        let (bars, by_year) = period_bars(&m, 2, |y| (y == 2024).then(|| "y/2024/".to_string()));
        assert!(!by_year);
        let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2023-11", "2023-12", "2024-01", "2024-02"]);
        assert_eq!(bars[1].values, [0, 0]);
        assert_eq!(bars[3].values, [0, 3]);
        assert_eq!((bars[0].href.as_deref(), bars[2].href.as_deref()), (None, Some("y/2024/")));
        // Over six years: one bar a year, every year of the range, empty ones as zero.
        m.insert((2031, 5), vec![4, 0]);
        m.insert((2031, 6), vec![1, 1]);
        let (bars, by_year) = period_bars(&m, 2, |_| None);
        assert!(by_year);
        let labels: Vec<&str> = bars.iter().map(|b| b.label.as_str()).collect();
        assert_eq!(labels, ["2023", "2024", "2025", "2026", "2027", "2028", "2029", "2030", "2031"]);
        assert_eq!(bars[0].values, [1, 2]);
        assert_eq!(bars[3].values, [0, 0]);
        assert_eq!(bars[8].values, [5, 1]);
        assert_eq!(period_bars(&BTreeMap::new(), 2, |_| None).0, []);
    }

    #[test]
    fn the_leaderboard_ranks_only_services_with_enough_known_figures() {
        let names: Vec<String> = ["api", "db", "edge", "queue"].iter().map(|s| s.to_string()).collect();
        // Incident i's time to detect: i minutes, unknown for 100 and up.
        let detect = |i: usize| (i < 100).then(|| SignedDuration::from_mins(i as i64));
        let ids: Vec<Vec<usize>> = vec![
            vec![1, 2, 3],          // api: 3 known, median 2 min
            vec![50, 60, 100, 101], // db: 2 known (median 55 min): too few to rank
            vec![10, 20, 30, 40],   // edge: 4 known, median 25 min
            vec![7, 8, 9],          // queue: 3 known, median 8 min
        ];
        let services = names.iter().zip(ids.iter().map(|v| &v[..]));
        let (rows, eligible) = leaderboard_rows(services.clone(), detect, 15);
        let got: Vec<(&str, f64, Option<u32>)> = rows.iter().map(|(r, _)| (r.label.as_str(), r.value, r.n)).collect();
        assert_eq!(got, [("edge", 1500.0, Some(4)), ("queue", 480.0, Some(3)), ("api", 120.0, Some(3))]);
        assert_eq!(eligible, 3);
        let (rows, eligible) = leaderboard_rows(services, detect, 2);
        assert_eq!((rows.len(), eligible), (2, 3), "the limit cuts rows, not the count of eligible ones");
        assert_eq!(MIN_RANK_N, 3);
    }
}
