//! Pictures for pages: incident timelines and response charts, as inline SVG strings.
//!
//! We draw these figures as hand-written SVG rather than through a charting crate or a
//! JavaScript library. Hand-written markup stays small (a timeline is a few kilobytes,
//! rendered once at build time, so pages need no script and work offline and in print),
//! and it gives us full control over the look: ticks in the site's timezone, phases that
//! are left out rather than guessed when a timeline lacks an event, events linked to
//! their table rows. Every colour comes from a CSS class (`themes/default/static/svg.css`,
//! an Okabe–Ito palette that colour-blind readers can tell apart; severities use the
//! badge colours `--sev1`..`--sev5` of `style.css`), never from the markup,
//! so a theme can restyle the figures and dark mode and printing just work.
//!
//! All functions here are pure: data in, one `String` out, nothing read or written.
//! The output is well-formed XML (an `<svg>` element with `viewBox` and `width="100%"`,
//! so it scales with its container), has `role="group"` (it may contain links), an `aria-label` summarising
//! it and a `<title>`, and escapes every piece of text it was given.

pub(crate) mod charts;
pub(crate) mod sparkline;
pub mod timeline;

pub(crate) use charts::{Axes, Bar, HRow, MIN_N_P90, Point, Series, YUnit, hbars, histogram, lines, stacked_bars};

/// Appends `s` escaped for XML text and attribute values. Characters XML 1.0 cannot
/// carry at all (most C0 controls) become U+FFFD, so the output always parses.
pub(crate) fn esc(out: &mut String, s: &str) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&apos;",
            b'\t' | b'\n' | b'\r' => continue,
            0..=0x1f => "\u{fffd}",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        out.push_str(rep);
        start = i + 1;
    }
    out.push_str(&s[start..]);
}

/// Appends a coordinate rounded to one decimal, without a trailing ".0": short output
/// without the cost of float formatting (rendering time is mostly spent on numbers).
pub(crate) fn num(out: &mut String, v: f64) {
    // Round half away from zero by truncating a shifted value: no libm call.
    let scaled = v * 10.0;
    let tenths = if v.is_finite() { (scaled + 0.5f64.copysign(scaled)) as i64 } else { 0 };
    if tenths < 0 {
        out.push('-');
    }
    let a = tenths.unsigned_abs();
    uint(out, a / 10);
    if a % 10 != 0 {
        out.push('.');
        out.push((b'0' + (a % 10) as u8) as char);
    }
}

/// Appends an unsigned integer in decimal, without going through `core::fmt`.
pub(crate) fn uint(out: &mut String, mut n: u64) {
    // Coordinates are nearly always below 1000: push their digits directly.
    let digit = |d: u64| (b'0' + d as u8) as char;
    if n < 10 {
        out.push(digit(n));
        return;
    }
    if n < 100 {
        out.push(digit(n / 10));
        out.push(digit(n % 10));
        return;
    }
    if n < 1000 {
        out.push(digit(n / 100));
        out.push(digit(n / 10 % 10));
        out.push(digit(n % 10));
        return;
    }
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    // Only ASCII digits were written.
    out.push_str(std::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Appends a number as a two-digit, zero-padded field ("07").
pub(crate) fn two_digits(out: &mut String, n: i64) {
    let n = n.rem_euclid(100) as u8;
    out.push((b'0' + n / 10) as char);
    out.push((b'0' + n % 10) as char);
}

/// Appends `name="value"` with value given as a coordinate, preceded by a space.
pub(crate) fn attr_num(out: &mut String, name: &str, v: f64) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    num(out, v);
    out.push('"');
}

/// Opens the root element shared by every figure: scalable, accessible, classed.
pub(crate) fn open_svg(out: &mut String, class: &str, width: f64, height: f64, aria_label: &str) {
    out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"pm-svg ");
    out.push_str(class);
    out.push_str("\" viewBox=\"0 0 ");
    num(out, width);
    out.push(' ');
    num(out, height);
    // "group", not "img": figures contain links to incidents, and an image may not.
    out.push_str("\" width=\"100%\" role=\"group\" aria-label=\"");
    esc(out, aria_label);
    out.push_str("\"><title>");
    esc(out, aria_label);
    out.push_str("</title>");
}

/// Rough width of a label in viewBox units for an 11-unit sans-serif font: enough to
/// decide when labels would collide, without shaping text.
pub(crate) fn text_width(s: &str) -> f64 {
    s.chars().count() as f64 * 6.2
}

/// The tick steps a reader can count in, in seconds: 1/2/5/10/15/30 min, 1/2/3/6/12 h, 1/2/7 d.
pub(crate) const TIME_STEPS: [i64; 14] =
    [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400, 172_800, 604_800];

/// The smallest step from [`TIME_STEPS`] that cuts `span_secs` into at most `max_ticks`
/// steps; beyond a week, whole multiples of a week.
pub(crate) fn time_step(span_secs: f64, max_ticks: f64) -> i64 {
    for &s in &TIME_STEPS {
        if span_secs / s as f64 <= max_ticks {
            return s;
        }
    }
    let weeks = (span_secs / (604_800.0 * max_ticks)).ceil().max(1.0) as i64;
    604_800 * weeks
}

/// A duration as a tick label: "45 s", "15 min", "1.5 h", "2 d".
pub(crate) fn duration_label(out: &mut String, secs: f64) {
    let secs = secs.max(0.0);
    if secs == 0.0 {
        out.push('0');
        return;
    }
    let (v, unit) = if secs < 60.0 {
        (secs, " s")
    } else if secs < 3600.0 {
        (secs / 60.0, " min")
    } else if secs < 86_400.0 {
        (secs / 3600.0, " h")
    } else {
        (secs / 86_400.0, " d")
    };
    num(out, v);
    out.push_str(unit);
}

/// A count as a label: integers plainly, fractions with one decimal.
pub(crate) fn count_label(out: &mut String, v: f64) {
    num(out, v);
}

#[cfg(test)]
pub(crate) mod test_util {
    /// Parses `svg` as XML, failing the test with the parser's message and the text.
    pub(crate) fn parse(svg: &str) -> roxmltree::Document<'_> {
        match roxmltree::Document::parse(svg) {
            Ok(d) => d,
            Err(e) => panic!("not well-formed XML: {e}\n{svg}"),
        }
    }

    pub(crate) fn has_class(n: &roxmltree::Node, class: &str) -> bool {
        n.attribute("class").is_some_and(|c| c.split_ascii_whitespace().any(|x| x == class))
    }

    /// The elements carrying `class`, in document order.
    pub(crate) fn with_class<'a, 'i>(doc: &'a roxmltree::Document<'i>, class: &str) -> Vec<roxmltree::Node<'a, 'i>> {
        doc.descendants().filter(|n| n.is_element() && has_class(n, class)).collect()
    }

    /// The numbers of a `translate(x y)` transform.
    pub(crate) fn translate(n: &roxmltree::Node) -> (f64, f64) {
        let t = n.attribute("transform").expect("transform");
        let inner = t.trim_start_matches("translate(").trim_end_matches(')');
        let mut it = inner.split([' ', ',']).filter(|s| !s.is_empty()).map(|s| s.parse::<f64>().unwrap());
        (it.next().unwrap(), it.next().unwrap())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_controls() {
        let mut s = String::new();
        esc(&mut s, "a<b>&\"c'\u{1}\té");
        assert_eq!(s, "a&lt;b&gt;&amp;&quot;c&apos;\u{fffd}\té");
    }

    #[test]
    fn numbers_are_short() {
        let mut s = String::new();
        for v in [0.0, 12.04, -3.26, -0.01, 7.0, f64::NAN, 0.05, 1234567.89] {
            num(&mut s, v);
            s.push(' ');
        }
        assert_eq!(s, "0 12 -3.3 0 7 0 0.1 1234567.9 ");
        s.clear();
        for n in [0, 7, 42, 999, 1000] {
            uint(&mut s, n);
            s.push(' ');
        }
        uint(&mut s, u64::MAX);
        assert_eq!(s, "0 7 42 999 1000 18446744073709551615");
    }

    #[test]
    fn steps_follow_the_span() {
        assert_eq!(time_step(47.0 * 60.0, 8.0), 600);
        assert_eq!(time_step(5.0 * 60.0, 8.0), 60);
        assert_eq!(time_step(30.0 * 3600.0, 8.0), 21_600);
        assert_eq!(time_step(10.0 * 86_400.0, 8.0), 172_800);
        assert_eq!(time_step(200.0 * 86_400.0, 8.0), 4 * 604_800);
    }

    #[test]
    fn duration_labels() {
        let l = |v| {
            let mut s = String::new();
            duration_label(&mut s, v);
            s
        };
        assert_eq!(l(0.0), "0");
        assert_eq!(l(900.0), "15 min");
        assert_eq!(l(5400.0), "1.5 h");
        assert_eq!(l(2.0 * 86_400.0), "2 d");
    }
}
