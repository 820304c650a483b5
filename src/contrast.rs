//! WCAG 2 contrast between two sRGB colours: what the code theme is lifted to at build
//! time, and what the palette tests hold the stylesheets to. One formula, so that the
//! build and its tests cannot disagree about what 4.5:1 means.

/// `#rrggbb` (or `rrggbb`) as its three channels; None for anything else.
pub(crate) fn rgb(hex: &str) -> Option<[u8; 3]> {
    let h = hex.trim_start_matches('#');
    if h.len() != 6 || !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2 relative luminance.
pub(crate) fn luminance(c: [u8; 3]) -> f64 {
    let ch = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.04045 { v / 12.92 } else { ((v + 0.055) / 1.055).powf(2.4) }
    };
    0.2126 * ch(c[0]) + 0.7152 * ch(c[1]) + 0.0722 * ch(c[2])
}

/// WCAG 2 contrast ratio, from 1 (the same) to 21 (black on white).
pub(crate) fn ratio(a: [u8; 3], b: [u8; 3]) -> f64 {
    let (x, y) = (luminance(a), luminance(b));
    (x.max(y) + 0.05) / (x.min(y) + 0.05)
}

/// `ratio` of two `#rrggbb` colours, for tests that read colours out of CSS.
#[cfg(test)]
pub(crate) fn ratio_hex(a: &str, b: &str) -> f64 {
    let parse = |h: &str| rgb(h).unwrap_or_else(|| panic!("`{h}` is not #rrggbb"));
    ratio(parse(a), parse(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_ratios() {
        assert!((ratio_hex("#000000", "#ffffff") - 21.0).abs() < 1e-9);
        assert!((ratio_hex("#f0e442", "#ffffff") - 1.32).abs() < 0.01, "the old SEV3 yellow");
        assert!((ratio_hex("#777777", "#ffffff") - 4.48).abs() < 0.01);
        assert_eq!(rgb("#12ab"), None);
        assert_eq!(rgb("zz0000"), None);
    }
}
