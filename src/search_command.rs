//! What `pmsite search` needs beyond [`search`](crate::search::search): an index that is
//! current before the query runs, and a table a person can read.

use crate::check::{self, Options};
use crate::search::{
    Hit, PageLink, SearchError, SearchIndex, build_index, index_dir, is_fresh, plain_text, source_fingerprint,
};
use crate::terminal::safe;
use std::path::Path;
use std::time::{Duration, Instant};

/// The index `pmsite search` queries, and what it took to get it.
#[derive(Debug)]
pub struct Ensured {
    /// The index, current with the sources, under `.pmsite/search-index/`.
    pub index: SearchIndex,
    /// Set when the index was missing or stale and was built now.
    pub built: Option<Rebuild>,
}

/// A rebuild `ensure_index` had to do first.
#[derive(Debug)]
pub struct Rebuild {
    /// Whether an index existed (stale) or not (missing).
    pub was_stale: bool,
    /// Wall time of loading, checking and indexing.
    pub took: Duration,
    /// Errors found while loading; the files that could be read are still indexed.
    pub errors: usize,
}

/// Returns the index of the published view of the knowledge base at `root`,
/// building it first when it is missing or older than the sources. Freshness costs
/// a hash of the source files; only a rebuild loads and checks the knowledge base.
pub fn ensure_index(root: &Path, today: jiff::civil::Date) -> Result<Ensured, SearchError> {
    let dir = index_dir(root);
    let fingerprint = source_fingerprint(root, false)?;
    if is_fresh(&dir, &fingerprint) {
        let documents = crate::search::read_documents(&dir).unwrap_or(0);
        return Ok(Ensured { index: SearchIndex { dir, fingerprint, documents, rebuilt: false }, built: None });
    }
    let was_stale = dir.join("meta.json").is_file();
    let start = Instant::now();
    let checked = check::check(root, &Options { strict: false, drafts: false, today });
    let texts: Vec<String> = {
        use rayon::prelude::*;
        checked.kb.postmortems.par_iter().map(|p| plain_text(&p.body)).collect()
    };
    let index = build_index(&checked.kb, &texts, &dir)?;
    Ok(Ensured { index, built: Some(Rebuild { was_stale, took: start.elapsed(), errors: checked.errors() }) })
}

/// `Snippet::marked` with each piece made terminal-safe: escaping the marked text as a
/// whole would move the highlight offsets.
fn safe_marked(snippet: &crate::search::Snippet, open: &str, close: &str) -> String {
    let text = &snippet.text;
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for &[s, e] in &snippet.highlights {
        let (Some(before), Some(word)) = (text.get(at..s), text.get(s..e)) else { continue };
        out.push_str(&safe(before));
        out.push_str(open);
        out.push_str(&safe(word));
        out.push_str(close);
        at = e;
    }
    out.push_str(&safe(text.get(at..).unwrap_or_default()));
    out
}

/// Hits as a person reads them: date, severity and title, then services and id,
/// then the snippet with matched words in bold (when `color`).
pub fn render_table(hits: &[Hit], color: bool) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let (bold, dim, reset) = if color { ("\x1b[1m", "\x1b[2m", "\x1b[0m") } else { ("", "", "") };
    let indent = " ".repeat(17);
    for (n, h) in hits.iter().enumerate() {
        if n > 0 {
            out.push('\n');
        }
        // Titles, services and snippets are the knowledge base's text: no raw escapes.
        let _ = writeln!(out, "{}  {:<4}  {bold}{}{reset}", h.date, safe(&h.severity), safe(&h.title));
        let services = safe(&h.services.join(", ")).into_owned();
        let _ = writeln!(out, "{indent}{dim}{services} · {} · score {:.2}{reset}", safe(&h.id), h.score);
        if !h.snippet.text.is_empty() {
            let _ = writeln!(out, "{indent}{}", safe_marked(&h.snippet, bold, reset));
        }
    }
    out
}

/// The pages the query names, as one line above the hits: `Pages: factor Retry
/// storm (factors/retry-storm/) · service checkout-api (services/checkout-api/)`.
/// Empty when it names none. URLs are relative to the site root.
pub fn render_pages(pages: &[&PageLink]) -> String {
    if pages.is_empty() {
        return String::new();
    }
    let links: Vec<String> =
        pages.iter().map(|p| format!("{} {} ({})", p.kind.name(), safe(&p.title), safe(&p.url))).collect();
    format!("Pages: {}\n\n", links.join(" · "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::PageKind;

    #[test]
    fn pages_line_names_kind_title_and_url() {
        let f = PageLink {
            kind: PageKind::Factor,
            name: "retry-storm".into(),
            title: "Retry storm".into(),
            url: "factors/retry-storm/".into(),
        };
        let s = PageLink {
            kind: PageKind::Service,
            name: "checkout-api".into(),
            title: "checkout-api".into(),
            url: "services/checkout-api/".into(),
        };
        assert_eq!(
            render_pages(&[&f, &s]),
            "Pages: factor Retry storm (factors/retry-storm/) · service checkout-api (services/checkout-api/)\n\n"
        );
        assert_eq!(render_pages(&[]), "");
    }
}
