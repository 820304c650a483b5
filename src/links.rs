//! Links and images in a body that point into the knowledge base, with their places:
//! what decides which attachments are published, and what `check` resolves.

use pulldown_cmark::{Event, LinkType, Parser, Tag};

/// A link or image whose destination is in this site, not another one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalRef {
    /// Where it points.
    pub(crate) target: Target,
    /// 1-based line of the link's start, in the whole file (front matter counted).
    pub(crate) line: usize,
    /// 1-based column of the link's start, in characters.
    pub(crate) column: usize,
    /// Characters the link takes on its line, for underlining.
    pub(crate) width: usize,
    /// An image (`![alt](src)`), not a link.
    pub(crate) image: bool,
}

/// Where a local destination points. Paths are as written: percent-encoded, no query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// `#heading` in the same file.
    Fragment(String),
    /// `graph.png`, `../2023/x.md#h`: relative to the file.
    Relative {
        /// The path part, without `#`.
        path: String,
        /// After `#`, when there is one.
        fragment: Option<String>,
    },
    /// `/assets/x.png`: relative to the site root.
    Root {
        /// Without its leading `/` and any `#fragment`.
        path: String,
    },
}

/// What `url` points at, or None when it leaves the site (a scheme, `//host`) or is empty.
pub(crate) fn classify(url: &str) -> Option<Target> {
    if url.is_empty() || url.starts_with("//") || has_scheme(url) {
        return None;
    }
    if let Some(f) = url.strip_prefix('#') {
        return (!f.is_empty()).then(|| Target::Fragment(f.to_string()));
    }
    let (rest, fragment) = match url.split_once('#') {
        Some((p, f)) => (p, (!f.is_empty()).then(|| f.to_string())),
        None => (url, None),
    };
    let path = rest.split('?').next().unwrap_or("");
    if let Some(p) = path.strip_prefix('/') {
        return Some(Target::Root { path: p.to_string() });
    }
    // `?x` alone stays on the page it is on.
    if path.is_empty() {
        return fragment.map(Target::Fragment);
    }
    Some(Target::Relative { path: path.to_string(), fragment })
}

/// `mailto:`, `https:`, `javascript:`…: RFC 3986's scheme, a letter then letters,
/// digits, `+`, `-` or `.`, before the first `:`, `/`, `?` or `#`.
fn has_scheme(url: &str) -> bool {
    let Some(end) = url.find([':', '/', '?', '#']) else { return false };
    let scheme = &url[..end];
    url[end..].starts_with(':')
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// Every local link and image of `body`, whose first line is line `body_line` of its file.
pub(crate) fn local_refs(body: &str, body_line: usize) -> Vec<LocalRef> {
    // Most bodies have no link or image at all; skip the Markdown parse for them.
    if memchr::memchr(b']', body.as_bytes()).is_none() {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Links come in order: each place is counted on from the last, not from the top.
    let mut places = crate::lines::LineCols::new(body);
    for (ev, range) in Parser::new_ext(body, crate::markdown::options()).into_offset_iter() {
        let (dest, image) = match ev {
            Event::Start(Tag::Link { link_type: LinkType::Email, .. }) => continue,
            Event::Start(Tag::Link { dest_url, .. }) => (dest_url, false),
            Event::Start(Tag::Image { dest_url, .. }) => (dest_url, true),
            _ => continue,
        };
        let Some(target) = classify(&dest) else { continue };
        let (line, column) = places.line_col(range.start);
        let width = body[range].split('\n').next().unwrap_or("").chars().count();
        out.push(LocalRef { target, line: line + body_line - 1, column, width, image });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(path: &str, fragment: Option<&str>) -> Option<Target> {
        Some(Target::Relative { path: path.into(), fragment: fragment.map(Into::into) })
    }

    #[test]
    fn classifies_destinations() {
        assert_eq!(classify("graph.png"), rel("graph.png", None));
        assert_eq!(classify("./graph.png?v=2"), rel("./graph.png", None));
        assert_eq!(classify("../2023/x.md#cause"), rel("../2023/x.md", Some("cause")));
        assert_eq!(classify("#lessons"), Some(Target::Fragment("lessons".into())));
        assert_eq!(classify("/assets/x.png#y"), Some(Target::Root { path: "assets/x.png".into() }));
        assert_eq!(classify("/"), Some(Target::Root { path: String::new() }));
        for external in ["https://e.com/x.png", "mailto:a@b.c", "javascript:alert(1)", "//cdn.e.com/x", "#", ""] {
            assert_eq!(classify(external), None, "{external}");
        }
        assert_eq!(classify("a:b/c"), None, "a scheme");
        assert_eq!(classify("./a:b"), rel("./a:b", None), "a colon after a slash is part of the path");
    }

    #[test]
    fn finds_links_and_images_with_their_places() {
        let body = "Intro.\n\n![graph](./graph.png) and [pdf][r] <ana@e.com> [web](https://e.com)\n\n[r]: ../x/y.pdf\n";
        let refs = local_refs(body, 10);
        let got: Vec<_> = refs.iter().map(|r| (r.line, r.column, r.width, r.image)).collect();
        assert_eq!(got, [(12, 1, 21, true), (12, 27, 8, false)]);
        assert_eq!(Some(refs[1].target.clone()), rel("../x/y.pdf", None));
    }

    #[test]
    fn many_links_cost_linear_time() {
        // Counted from the top per link, 20,000 links took 9 s in a release build.
        let body: String = (0..20_000).map(|i| format!("See [x{i}](./f{i}.png).\n")).collect();
        let t = std::time::Instant::now();
        let refs = local_refs(&body, 1);
        assert_eq!(refs.len(), 20_000);
        assert_eq!((refs[19_999].line, refs[19_999].column), (20_000, 5));
        assert!(t.elapsed() < std::time::Duration::from_secs(10), "{:?}", t.elapsed());
    }
}
