//! A small per-year bar strip: how many incidents a factor (or anything counted by year)
//! had each year, every year of the range drawn, empty ones as a baseline tick, so a
//! row of the factors index shows its trend without a chart of its own.

use super::{attr_num, esc, open_svg};

const BAR_W: f64 = 7.0;
const GAP: f64 = 2.0;
const H: f64 = 18.0;

/// `counts` per year, one for each year from `first` on (so gaps are zeros, never
/// skipped). The label says the range and the total for screen readers.
pub(crate) fn years(first: i16, counts: &[usize], what: &str) -> String {
    let mut out = String::with_capacity(160 + counts.len() * 90);
    let width = (counts.len() as f64 * (BAR_W + GAP) - GAP).max(BAR_W);
    let total: usize = counts.iter().sum();
    let last = first as i32 + counts.len().saturating_sub(1) as i32;
    let label = match counts.len() {
        0 => format!("{what}: none"),
        1 => format!("{what}: {total} in {first}"),
        _ => format!("{what} per year, {first}–{last}: {total} in all"),
    };
    open_svg(&mut out, "sparkline", width, H, &label);
    let max = counts.iter().copied().max().unwrap_or(0).max(1) as f64;
    for (k, &n) in counts.iter().enumerate() {
        let x = k as f64 * (BAR_W + GAP);
        // An empty year is a thin baseline, so the strip reads as a continuous axis.
        let h = if n == 0 { 1.0 } else { (n as f64 / max * (H - 2.0)).max(2.0) };
        out.push_str("<rect class=\"");
        out.push_str(if n == 0 { "spark-empty" } else { "spark-bar" });
        out.push('"');
        attr_num(&mut out, "x", x);
        attr_num(&mut out, "y", H - h);
        attr_num(&mut out, "width", BAR_W);
        attr_num(&mut out, "height", h);
        out.push_str("><title>");
        esc(&mut out, &format!("{}: {n}", first as i32 + k as i32));
        out.push_str("</title></rect>");
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::years;
    use crate::svg::test_util::{parse, with_class};

    #[test]
    fn every_year_is_drawn_and_empty_ones_are_a_baseline() {
        let svg = years(2019, &[2, 0, 0, 4], "Retry storm");
        let doc = parse(&svg);
        assert_eq!(with_class(&doc, "spark-bar").len(), 2);
        assert_eq!(with_class(&doc, "spark-empty").len(), 2);
        let titles: Vec<&str> =
            doc.descendants().filter(|n| n.has_tag_name("title")).filter_map(|n| n.text()).collect();
        assert_eq!(titles, ["Retry storm per year, 2019–2022: 6 in all", "2019: 2", "2020: 0", "2021: 0", "2022: 4"]);
        // The tallest bar is the largest count; heights are proportional.
        let h: Vec<f64> =
            with_class(&doc, "spark-bar").iter().map(|n| n.attribute("height").unwrap().parse().unwrap()).collect();
        assert!((h[1] - 16.0).abs() < 1e-9 && (h[0] - 8.0).abs() < 1e-9, "{h:?}");
    }

    #[test]
    fn one_year_and_none() {
        assert!(years(2024, &[3], "X").contains("X: 3 in 2024"));
        let none = years(2024, &[], "X");
        assert!(none.contains("X: none"));
        parse(&none);
    }

    #[test]
    fn names_are_escaped() {
        let svg = years(2024, &[1], "a <b> & \"c\"");
        parse(&svg);
        assert!(svg.contains("a &lt;b&gt; &amp; &quot;c&quot;"), "{svg}");
    }
}
