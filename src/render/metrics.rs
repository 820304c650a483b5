//! Response figures across incidents, as charts: the `/metrics/` page and the same
//! blocks, filtered, on each service, team, factor and severity page.

use super::{Dim, Site};
use crate::figures::{self, Summary};
use crate::kb::KnowledgeBase;
use crate::svg::{self, Axes, Bar, Series, YUnit};
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn severity_series(kb: &KnowledgeBase) -> Vec<Series> {
    kb.config
        .severities
        .iter()
        .enumerate()
        .map(|(i, s)| Series { name: s.clone(), class: format!("pm-sev-{}", (i + 1).min(5)) })
        .collect()
}

/// Incidents per month by severity (per year when the range is longer than six years);
/// each bar links to that year's incidents.
fn per_month(kb: &KnowledgeBase, site: &Site, ids: &[usize], root: &str) -> String {
    let sev_pos: BTreeMap<&str, usize> =
        kb.config.severities.iter().enumerate().map(|(i, s)| (s.as_str(), i)).collect();
    let mut months: BTreeMap<(i16, i8), Vec<u32>> = BTreeMap::new();
    for &i in ids {
        let pm = &kb.postmortems[i];
        let v = months.entry((pm.date.year(), pm.date.month())).or_insert_with(|| vec![0; sev_pos.len()]);
        if let Some(&p) = sev_pos.get(pm.severity.as_str()) {
            v[p] += 1;
        }
    }
    let (Some(&first), Some(&last)) = (months.keys().next(), months.keys().next_back()) else {
        return String::new();
    };
    let year_href = |y: i16| {
        kb.indexes.years.contains_key(&y).then(|| format!("{root}{}", site.slugs.url(Dim::Years, &y.to_string())))
    };
    let span_months = (i32::from(last.0) - i32::from(first.0)) * 12 + i32::from(last.1) - i32::from(first.1);
    if span_months > 72 {
        let mut years: BTreeMap<i16, Vec<u32>> = BTreeMap::new();
        for ((y, _), v) in &months {
            let e = years.entry(*y).or_insert_with(|| vec![0; sev_pos.len()]);
            e.iter_mut().zip(v).for_each(|(a, b)| *a += b);
        }
        let bars: Vec<Bar> =
            years.into_iter().map(|(y, values)| Bar { label: y.to_string(), values, href: year_href(y) }).collect();
        let axes = Axes { x: "year", y: "incidents" };
        return svg::stacked_bars("Incidents per year by severity", &axes, &bars, &severity_series(kb));
    }
    // Every month in the range gets a bar, so quiet months show as gaps, not as nothing.
    let mut bars = Vec::new();
    let (mut y, mut m) = first;
    while (y, m) <= last {
        let values = months.get(&(y, m)).cloned().unwrap_or_else(|| vec![0; sev_pos.len()]);
        bars.push(Bar { label: format!("{y}-{m:02}"), values, href: year_href(y) });
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    svg::stacked_bars(
        "Incidents per month by severity",
        &Axes { x: "month", y: "incidents" },
        &bars,
        &severity_series(kb),
    )
}

/// Median and p90 of one figure per quarter (per year when the range passes ten years).
fn per_quarter(kb: &KnowledgeBase, ids: &[usize], key: &str, label: &str) -> String {
    let years = || ids.iter().map(|&i| kb.postmortems[i].date.year());
    let by_year = match (years().min(), years().max()) {
        (Some(a), Some(b)) => b - a > 10,
        _ => return String::new(),
    };
    let mut buckets: BTreeMap<(i16, i8), Vec<Option<jiff::SignedDuration>>> = BTreeMap::new();
    for &i in ids {
        let d = kb.postmortems[i].date;
        let q = if by_year { 0 } else { (d.month() - 1) / 3 + 1 };
        buckets.entry((d.year(), q)).or_default().push(kb.figures[i].get(key));
    }
    let points: Vec<(String, Vec<Option<f64>>)> = buckets
        .into_iter()
        .map(|((y, q), v)| {
            let s = Summary::of(v.into_iter());
            let x = if by_year { y.to_string() } else { format!("{y} Q{q}") };
            (x, vec![s.median_secs, s.p90_secs])
        })
        .collect();
    let series = [
        Series { name: "median".into(), class: "pm-series-median".into() },
        Series { name: "90th percentile".into(), class: "pm-series-p90".into() },
    ];
    let (title, x) =
        if by_year { (format!("{label} per year"), "year") } else { (format!("{label} per quarter"), "quarter") };
    svg::lines(&title, &Axes { x, y: label }, &points, &series, YUnit::Duration)
}

fn histograms(kb: &KnowledgeBase, ids: &[usize]) -> Vec<Value> {
    figures::NAMES
        .iter()
        .map(|(key, label)| {
            let values: Vec<f64> = ids.iter().filter_map(|&i| kb.figures[i].get(key)).map(|d| d.as_secs_f64()).collect();
            json!({ "label": label, "svg": svg::histogram(&format!("Distribution of {}", label.to_lowercase()), &Axes { x: label, y: "incidents" }, &values) })
        })
        .collect()
}

/// Services with the slowest median time to detect (at least two known figures).
fn detection_leaderboard(site: &Site, root: &str) -> String {
    let kb = site.kb;
    let mut rows: Vec<(String, f64, Option<String>)> = kb
        .indexes
        .services
        .iter()
        .filter_map(|(name, ids)| {
            let s = Summary::of(ids.iter().map(|&i| kb.figures[i].detect));
            (s.count >= 2).then(|| {
                (
                    name.clone(),
                    s.median_secs.unwrap_or(0.0),
                    Some(format!("{root}{}", site.slugs.url(Dim::Services, name))),
                )
            })
        })
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    rows.truncate(15);
    svg::hbars(
        "Slowest median time to detect, by service",
        &Axes { x: "median time to detect", y: "" },
        &rows,
        YUnit::Duration,
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
        "leaderboard": if leaderboard { detection_leaderboard(site, root) } else { String::new() },
    })
}
