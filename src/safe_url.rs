//! URLs that must never become a link: schemes that run script when a reader clicks
//! (`javascript:`, `vbscript:`) or that carry a whole document (`data:`), read the way a
//! browser reads them. A body link with such a URL is a `unsafe-link` warning and is
//! rendered as its text; site.toml's URLs must be http(s). docs/format.md lists the rules.

const SCRIPT_SCHEMES: [&str; 3] = ["javascript", "vbscript", "livescript"];

/// Image types an `<img>` may take inline as `data:` (raster only: an SVG document opened
/// from a link could run script).
const INLINE_IMAGES: [&str; 5] = ["png", "jpeg", "gif", "webp", "avif"];

/// The scheme of `url` as a browser's URL parser sees it, lowercased: the parser drops
/// ASCII tab and newline anywhere and spaces and control characters at either end, so
/// ` JaVa\tScRiPt:` is `javascript`. None for a relative URL.
pub(crate) fn scheme(url: &str) -> Option<String> {
    let trimmed = url.trim_matches(|c: char| c <= ' ');
    let mut scheme = String::new();
    for c in trimmed.chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')) {
        match c {
            ':' => return (!scheme.is_empty()).then_some(scheme),
            c if c.is_ascii_alphabetic() => scheme.push(c.to_ascii_lowercase()),
            c if !scheme.is_empty() && (c.is_ascii_digit() || matches!(c, '+' | '-' | '.')) => scheme.push(c),
            _ => return None,
        }
    }
    None
}

/// Why `url` must not be a link (`href`), or the source of an image when `image`.
pub(crate) fn unsafe_reason(url: &str, image: bool) -> Option<String> {
    let scheme = scheme(url)?;
    if SCRIPT_SCHEMES.contains(&scheme.as_str()) {
        return Some(format!("a `{scheme}:` URL runs script when clicked"));
    }
    if scheme == "data" {
        let squashed: String =
            url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let media = squashed.get(5..).unwrap_or("").to_ascii_lowercase();
        let inline_image = INLINE_IMAGES.iter().any(|t| {
            media.strip_prefix("image/").and_then(|m| m.strip_prefix(t)).is_some_and(|r| r.starts_with([';', ',']))
        });
        if !(image && inline_image) {
            return Some(
                "a `data:` URL carries a whole document; only images may be inline PNG, JPEG, GIF, WebP or AVIF".into(),
            );
        }
    }
    None
}

/// Why `url` is not usable as site.toml's `repo_url` or `base_url`: an absolute http(s)
/// URL with a host and nothing a header, feed or attribute would have to escape.
pub(crate) fn http_url_problem(url: &str) -> Option<&'static str> {
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let rest = if lower.starts_with("https://") {
        &url[8..]
    } else if lower.starts_with("http://") {
        &url[7..]
    } else {
        return Some("is not an http:// or https:// URL");
    };
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || "\"<>\\^`{|}".contains(c)) {
        return Some("contains spaces, control characters or characters a URL cannot hold");
    }
    if rest.split(['/', '?', '#']).next().unwrap_or("").is_empty() {
        return Some("has no host name");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_schemes_are_found_however_they_are_written() {
        for url in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " \u{1}javascript:x",
            "java\tscript:x",
            "java\nscr\ript:x",
            "vbscript:msgbox",
            "data:text/html,<script>",
            "DATA:image/svg+xml,<svg>",
        ] {
            assert!(unsafe_reason(url, false).is_some(), "{url:?}");
        }
        for url in ["https://e.com", "../x.md#h", "#top", "mailto:a@b", "graph.png", "a/javascript:x", "?q=javascript:"]
        {
            assert_eq!(unsafe_reason(url, false), None, "{url:?}");
        }
        assert_eq!(unsafe_reason("data:image/png;base64,AAAA", true), None);
        assert_eq!(unsafe_reason(" data:Image/GIF,x", true), None);
        assert!(unsafe_reason("data:image/png;base64,AAAA", false).is_some(), "a link to a data: URL");
        assert!(unsafe_reason("data:image/svg+xml,<svg/>", true).is_some());
        assert!(unsafe_reason("data:image/pngx,", true).is_some());
    }

    #[test]
    fn site_urls_must_be_http() {
        for ok in ["https://pm.example/", "http://localhost:8080/x/", "HTTPS://X.example"] {
            assert_eq!(http_url_problem(ok), None, "{ok}");
        }
        for bad in ["javascript:alert(1)", "https://", "https:///x", "ftp://x", "https://x/ y", "https://x/\"", "/"] {
            assert!(http_url_problem(bad).is_some(), "{bad}");
        }
    }
}
