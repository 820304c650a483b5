//! Public and internal editions of one knowledge base.
//!
//! `pmsite build --edition public` publishes only postmortems whose `visibility` is
//! `public` (front matter, else site.toml `default_visibility`, else `internal`), and
//! of those neither the front matter fields listed in `internal_fields` nor the parts of
//! the body between `<!-- internal -->` and `<!-- /internal -->` lines. Both are removed
//! while loading, before any later stage sees them: the public edition's model simply
//! does not hold them. The internal edition (the default) shows everything; the marker
//! lines themselves are never shown.

use crate::diagnostics::{Code, Diagnostic};
pub use crate::model::Visibility;
use std::path::Path;

/// Which postmortems, and which of their parts, a build publishes (`--edition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Edition {
    /// Everything, for readers inside the organisation.
    #[default]
    Internal,
    /// Public postmortems only, without their internal parts.
    Public,
}

impl Edition {
    /// The edition `--edition` names (`internal`, `public`); None for any other word.
    pub fn parse(s: &str) -> Option<Edition> {
        match s {
            "internal" => Some(Edition::Internal),
            "public" => Some(Edition::Public),
            _ => None,
        }
    }
}

/// The public edition's `link-to-internal` warning, naming both files: (message,
/// suggestion). `becomes` says what the public page shows instead of the mention.
pub(crate) fn internal_mention(from: &Path, target: &Path, becomes: &str) -> (String, String) {
    let (from, target) = (crate::diagnostics::display_path(from), crate::diagnostics::display_path(target));
    (
        format!("public {from} links to {target}, which is internal; in the public edition {becomes}"),
        format!(
            "make {target} `visibility: public`, or wrap the mention in {OPEN} … {CLOSE} so the public edition leaves it out"
        ),
    )
}

/// The line that opens an internal part of a body, and the one that closes it.
pub(crate) const OPEN: &str = "<!-- internal -->";
pub(crate) const CLOSE: &str = "<!-- /internal -->";

/// Front matter fields that are never internal: a page cannot exist without them, or
/// they say what is internal.
pub(crate) const ALWAYS_PUBLIC: &[&str] =
    &["title", "date", "severity", "status", "services", "visibility", "internal_fields"];

/// `text` with the marker lines blanked, and in the public edition the lines between
/// them too, so every line keeps its number. Markers are recognised in the body only,
/// on lines of their own, outside fenced code. A block left open runs to the end of the
/// file (nothing after it is published) and is an error, as is a closing line without
/// an opening one.
pub(crate) fn blocks<'a>(
    text: &'a str,
    body_start: usize,
    file: &Path,
    edition: Edition,
) -> (std::borrow::Cow<'a, str>, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if !text[body_start.min(text.len())..].contains("internal -->") {
        return (text.into(), diags);
    }
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..body_start]);
    let first_line = text[..body_start].matches('\n').count() + 1;
    let mut open_at: Option<usize> = None;
    let mut fence: Option<String> = None;
    for (n, line) in text[body_start..].split_inclusive('\n').enumerate() {
        let content = line.trim_end_matches(['\n', '\r']);
        let eol = &line[content.len()..];
        let trimmed = content.trim();
        let number = first_line + n;
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) {
                fence = None;
            }
        } else if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fence = Some(trimmed[..3].to_string());
        } else if trimmed == OPEN {
            if let Some(at) = open_at {
                diags.push(problem(
                    file,
                    number,
                    content,
                    format!("`{OPEN}` inside the internal part opened on line {at}"),
                    "close each internal part before opening the next",
                ));
            }
            open_at = open_at.or(Some(number));
            out.push_str(eol);
            continue;
        } else if trimmed == CLOSE {
            if open_at.take().is_none() {
                diags.push(problem(
                    file,
                    number,
                    content,
                    format!("`{CLOSE}` closes no internal part"),
                    "open the part with a `<!-- internal -->` line, or remove this line",
                ));
            }
            out.push_str(eol);
            continue;
        }
        if open_at.is_some() && edition == Edition::Public {
            out.push_str(eol);
        } else {
            out.push_str(line);
        }
    }
    if let Some(at) = open_at {
        let line = text.lines().nth(at - 1).unwrap_or("");
        diags.push(problem(
            file,
            at,
            line,
            "the internal part opened here is never closed, so the public edition leaves out the rest of the file"
                .into(),
            "add a `<!-- /internal -->` line where the internal part ends",
        ));
    }
    (out.into(), diags)
}

fn problem(file: &Path, line: usize, text: &str, msg: String, help: &str) -> Diagnostic {
    let column = text.len() - text.trim_start().len() + 1;
    Diagnostic::error(Code::Visibility, file, line, column, msg)
        .with_width(text.trim().chars().count().max(1))
        .with_suggestion(help)
}

/// Removes what the public edition does not show from a public postmortem: the fields
/// its `internal_fields` lists (checked by `frontmatter`).
pub(crate) fn redact_fields(pm: &mut crate::model::Postmortem) {
    for field in std::mem::take(&mut pm.internal_fields) {
        match field.as_str() {
            "summary" => pm.summary.clear(),
            "impact" => pm.impact.clear(),
            "teams" => pm.teams.clear(),
            "authors" => pm.authors.clear(),
            "tags" => pm.tags.clear(),
            "factors" => pm.factors.clear(),
            "timeline" => pm.timeline.clear(),
            "action_items" => pm.action_items.clear(),
            "related" => {
                pm.related.clear();
                pm.lines.related.clear();
            }
            other => {
                pm.extra.remove(other);
            }
        }
    }
}

/// A hash that differs between editions, so that nothing made for one edition (a
/// postmortem's fragments, keyed by its hashes) is reused by the other.
pub(crate) fn salted(hash: u64, edition: Edition) -> u64 {
    match edition {
        Edition::Internal => hash,
        Edition::Public => xxhash_rust::xxh3::xxh3_64_with_seed(&hash.to_le_bytes(), 0x7075_626c_6963),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "---\ntitle: x\n---\nOpen.\n<!-- internal -->\nSecret words.\n<!-- /internal -->\nAfter.\n```\n<!-- internal -->\n```\n";

    fn body(text: &str, edition: Edition) -> (String, Vec<Diagnostic>) {
        let split = crate::frontmatter::split(text, Path::new("a.md")).unwrap();
        let (t, d) = blocks(text, text.len() - split.body.len(), Path::new("a.md"), edition);
        (t.into_owned(), d)
    }

    #[test]
    fn the_public_edition_blanks_internal_parts_keeping_line_numbers() {
        let (public, d) = body(TEXT, Edition::Public);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(public, "---\ntitle: x\n---\nOpen.\n\n\n\nAfter.\n```\n<!-- internal -->\n```\n", "code is code");
        let (internal, d) = body(TEXT, Edition::Internal);
        assert!(d.is_empty());
        assert_eq!(internal, "---\ntitle: x\n---\nOpen.\n\nSecret words.\n\nAfter.\n```\n<!-- internal -->\n```\n");
        assert_eq!(public.lines().count(), TEXT.lines().count());
        let crlf = TEXT.replace('\n', "\r\n");
        assert!(!body(&crlf, Edition::Public).0.contains("Secret"));
    }

    #[test]
    fn unbalanced_markers_are_errors_and_an_open_part_runs_to_the_end() {
        let text = "---\nt: x\n---\nA\n  <!-- /internal -->\nB\n<!-- internal -->\n<!-- internal -->\nC secret\n";
        let (public, d) = body(text, Edition::Public);
        assert!(!public.contains("secret") && public.contains('B'));
        let got: Vec<_> = d.iter().map(|d| (d.code, d.line, d.column)).collect();
        assert_eq!(got, [(Code::Visibility, 5, 3), (Code::Visibility, 8, 1), (Code::Visibility, 7, 1)], "{d:?}");
        assert!(d[2].message.contains("never closed"));
        let (_, d) = body("---\nt: x\n---\nno markers\n", Edition::Public);
        assert!(d.is_empty());
        // Markers in the front matter are not markers.
        let (t, d) = body("---\nt: \"<!-- internal -->\"\n---\nA\n", Edition::Public);
        assert!(d.is_empty() && t.contains("<!-- internal -->"));
    }

    #[test]
    fn editions_salt_hashes_apart() {
        assert_eq!(salted(7, Edition::Internal), 7);
        assert_ne!(salted(7, Edition::Public), 7);
        assert_eq!(Edition::parse("public"), Some(Edition::Public));
        assert_eq!(Edition::parse("Public"), None);
        assert_eq!(Visibility::default(), Visibility::Internal);
    }
}
