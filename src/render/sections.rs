//! Folding the write-up's own copies of the structured sections into them.
//!
//! Many teams write "## Summary", "## Timeline" or "## Action items" in the body as
//! well as in the front matter, so the incident page said the same thing twice. A
//! body section whose heading names a structured section the page already shows moves
//! into that section ("From the write-up"); one that only repeats it word for word is
//! dropped. Either way a short note stays where it was, under its old anchor, so links
//! into the write-up keep working.
//!
//! This works on the rendered HTML: raw HTML in a body is escaped to text and code is
//! highlighted with escaped text, so the only `<h1`/`<h2` tags in it are headings, and
//! their ids are the ones `markdown::render` reported.

use crate::markdown::escape;

/// A structured section of the incident page that a body section can repeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Structured {
    Summary,
    Impact,
    Factors,
    Timeline,
    Actions,
}

impl Structured {
    /// The id of the section's heading on the incident page.
    pub(super) fn anchor(self) -> &'static str {
        match self {
            Structured::Summary => "summary-h",
            Structured::Impact => "impact-h",
            Structured::Factors => "factors-h",
            Structured::Timeline => "timeline-h",
            Structured::Actions => "actions-h",
        }
    }

    pub(super) fn title(self) -> &'static str {
        match self {
            Structured::Summary => "Summary",
            Structured::Impact => "Impact",
            Structured::Factors => "Contributing factors",
            Structured::Timeline => "Timeline",
            Structured::Actions => "Action items",
        }
    }

    /// Which structured section a body heading names, if any. Headings are matched
    /// whole (after case, punctuation and a trailing "(all times UTC)" are set aside),
    /// so "Summary of changes" or "Timeline of the fix's rollout" stay in the write-up.
    pub(super) fn named_by(heading: &str) -> Option<Structured> {
        let lower = heading.to_lowercase();
        // "Timeline (all times PST)", "Timeline: 12 March": the qualifier is not the name.
        let name = lower.split(['(', ':', '–', '—']).next().unwrap_or("");
        let words: Vec<&str> = name
            .split(|c: char| !c.is_alphanumeric() && c != ';')
            .filter(|w| !w.is_empty() && !matches!(*w, "the" | "and" | "of" | "incident"))
            .collect();
        Some(match words.as_slice() {
            ["summary"] | ["issue", "summary"] | ["executive", "summary"] | ["tl;dr"] | ["tldr"] => Structured::Summary,
            ["impact"] | ["customer", "impact"] | ["user", "impact"] | ["business", "impact"] => Structured::Impact,
            ["timeline"] | ["detailed", "timeline"] => Structured::Timeline,
            ["contributing", "factors" | "factor"] | ["factors"] => Structured::Factors,
            ["action", "items" | "item"]
            | ["actions"]
            | ["follow", "ups" | "up"]
            | ["followups" | "follow-ups"]
            | ["corrective", "actions"]
            | ["corrective", "preventative" | "preventive", "measures" | "measure"] => Structured::Actions,
            _ => return None,
        })
    }
}

/// A body section moved into, or dropped because it repeats, a structured section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Folded {
    pub(super) into: Structured,
    /// The heading's id in the write-up, which the note left in its place now carries.
    pub(super) id: String,
    pub(super) heading: String,
    /// The section's HTML without its heading; empty when it was dropped as a repeat.
    pub(super) html: String,
}

/// The write-up with repeated sections taken out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Write {
    pub(super) html: String,
    pub(super) folded: Vec<Folded>,
}

/// Takes out of `html` every top-level section whose heading names a structured section
/// in `shown`. `headings` are `RenderedBody::headings`; `repeats(into, text)` says
/// whether a section's plain text only repeats that structured section.
pub(super) fn fold(
    html: &str,
    headings: &[(u8, String, String)],
    shown: &[Structured],
    repeats: &dyn Fn(Structured, &str) -> bool,
) -> Write {
    // The level sections are cut at: the highest heading level in the body, if that is
    // h1 or h2. A body that starts at h3 has no top-level sections to fold.
    let Some(top) = headings.iter().map(|h| h.0).min().filter(|&l| l <= 2) else {
        return Write { html: html.to_string(), folded: Vec::new() };
    };
    // Byte offsets of each top-level heading, found in order so equal text cannot
    // confuse them.
    let mut starts: Vec<(usize, &str, &str)> = Vec::new(); // (offset, id, text)
    let mut from = 0;
    for (level, id, text) in headings {
        let tag = format!("<h{level} id=\"{}\"", escape(id));
        let Some(at) = html[from..].find(&tag).map(|p| p + from) else {
            // Not where render would put it: leave the body as it is rather than guess.
            return Write { html: html.to_string(), folded: Vec::new() };
        };
        from = at + tag.len();
        if *level == top {
            starts.push((at, id, text));
        }
    }
    let mut out = String::with_capacity(html.len());
    let mut folded = Vec::new();
    let mut taken: Vec<Structured> = Vec::new();
    out.push_str(&html[..starts.first().map_or(html.len(), |s| s.0)]);
    for (k, &(at, id, text)) in starts.iter().enumerate() {
        let end = starts.get(k + 1).map_or(html.len(), |s| s.0);
        let section = &html[at..end];
        // Only the first section naming each structured section folds: a second "Summary"
        // is something else the writer meant to keep.
        let into = Structured::named_by(text).filter(|s| shown.contains(s) && !taken.contains(s));
        let Some(into) = into else {
            out.push_str(section);
            continue;
        };
        taken.push(into);
        let close = format!("</h{top}>");
        let inner = section.find(&close).map_or("", |p| &section[p + close.len()..]);
        let inner = inner.trim();
        let plain = strip_tags(inner);
        let dropped = inner.is_empty() || repeats(into, &plain);
        let verb = if dropped { "repeated" } else { "shown" };
        out.push_str(&format!(
            "<p class=\"folded-note\" id=\"{}\"><span class=\"muted\">{}: {verb} above, under <a href=\"#{}\">{}</a>.</span></p>\n",
            escape(id),
            escape(text),
            into.anchor(),
            into.title()
        ));
        folded.push(Folded {
            into,
            id: id.to_string(),
            heading: text.to_string(),
            html: if dropped { String::new() } else { inner.to_string() },
        });
    }
    Write { html: out, folded }
}

/// The text of an HTML fragment, entities left as they are: only for comparing.
pub(super) fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// The words of a text, lowercased, for comparing: the text may come from HTML (the
/// entities `markdown::escape` writes are read back, so `&amp;` is not the word "amp").
fn words(text: &str) -> Vec<String> {
    let text = text
        .replace("&amp;", "&")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">");
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase).collect()
}

/// Whether `body_text` says nothing beyond `structured`: the same words in the same
/// order, ignoring case, punctuation and spacing.
pub(super) fn same_words(body_text: &str, structured: &str) -> bool {
    let a = words(body_text);
    !a.is_empty() && a == words(structured)
}

/// Whether `body_text` opens with every word of `structured`, in order (and says more
/// or the same): an importer's or a writer's summary that is the body's first sentences.
pub(super) fn begins_with(body_text: &str, structured: &str) -> bool {
    let b = words(structured);
    !b.is_empty() && words(body_text).starts_with(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown;

    fn folded(body: &str, shown: &[Structured], summary: &str) -> Write {
        let r = markdown::render(body, &|_: &str| None);
        fold(&r.html, &r.headings, shown, &|into, text| into == Structured::Summary && same_words(text, summary))
    }

    #[test]
    fn headings_name_structured_sections_whole() {
        use Structured::*;
        for (h, s) in [
            ("Summary", Some(Summary)),
            ("Issue Summary", Some(Summary)),
            ("Timeline (all times UTC )", Some(Timeline)),
            ("Timeline: 12 March", Some(Timeline)),
            ("Action Items", Some(Actions)),
            ("Follow-ups", Some(Actions)),
            ("Corrective and Preventative Measure", Some(Actions)),
            ("Contributing Factors", Some(Factors)),
            ("Customer impact", Some(Impact)),
            ("Summary of changes", None),
            ("What happened", None),
            ("Lessons learned", None),
            ("Timeline of the rollback", None),
        ] {
            assert_eq!(Structured::named_by(h), s, "{h}");
        }
    }

    #[test]
    fn a_repeated_summary_is_dropped_with_a_note_under_its_old_anchor() {
        let w = folded(
            "## Summary\n\nThe pool *ran out*.\n\n## What happened\n\nA deploy.\n",
            &[Structured::Summary],
            "The pool ran out.",
        );
        assert_eq!(
            w.folded,
            [Folded {
                into: Structured::Summary,
                id: "summary".into(),
                heading: "Summary".into(),
                html: String::new()
            }]
        );
        assert!(w.html.contains("<p class=\"folded-note\" id=\"summary\">"), "{}", w.html);
        assert!(w.html.contains("repeated above, under <a href=\"#summary-h\">Summary</a>"), "{}", w.html);
        assert!(!w.html.contains("ran out"), "{}", w.html);
        assert!(w.html.contains("<h2 id=\"what-happened\">What happened</h2>"), "{}", w.html);
    }

    #[test]
    fn a_longer_section_moves_whole_with_its_subsections() {
        let w = folded(
            "Intro.\n\n## Timeline\n\n- 14:02 alert\n\n### Day two\n\nMore.\n\n## Lessons\n\nL.\n",
            &[Structured::Timeline],
            "",
        );
        assert_eq!(w.folded.len(), 1);
        let f = &w.folded[0];
        assert!(
            f.html.contains("14:02 alert") && f.html.contains("Day two") && !f.html.contains("Lessons"),
            "{}",
            f.html
        );
        assert!(w.html.starts_with("<p>Intro.</p>"), "{}", w.html);
        assert!(w.html.contains("Timeline: shown above"), "{}", w.html);
        assert!(w.html.contains("<h2 id=\"lessons\">Lessons</h2>"), "{}", w.html);
    }

    #[test]
    fn only_sections_the_page_shows_fold_and_only_the_first_of_each() {
        let w =
            folded("## Timeline\n\nT.\n\n## Action items\n\nA.\n\n## Action items\n\nB.\n", &[Structured::Actions], "");
        assert_eq!(w.folded.len(), 1, "{:?}", w.folded);
        assert_eq!(w.folded[0].html, "<p>A.</p>");
        assert!(w.html.contains("<h2 id=\"timeline\">Timeline</h2>"), "no structured timeline: it stays");
        assert!(w.html.contains("<p>B.</p>"), "a second Action items section stays");
    }

    #[test]
    fn a_body_without_top_level_sections_or_with_h1_sections() {
        let w = folded("### Summary\n\nS.\n", &[Structured::Summary], "S.");
        assert!(w.folded.is_empty() && w.html.contains("<h3"));
        let w = folded("# Summary\n\nS.\n\n## Detail\n\nD.\n\n# Next\n\nN.\n", &[Structured::Summary], "other");
        assert_eq!(w.folded.len(), 1);
        assert!(w.folded[0].html.contains("Detail") && !w.folded[0].html.contains("Next"));
    }

    #[test]
    fn heading_text_that_looks_like_html_is_escaped_in_the_note() {
        let w = folded("## Summary (\"quoted\" & <i>x</i>)\n\nX.\n", &[Structured::Summary], "");
        assert_eq!(w.folded.len(), 1);
        assert!(w.html.contains("Summary (&quot;quoted&quot; &amp; x): shown above"), "{}", w.html);
    }

    #[test]
    fn a_body_summary_can_begin_with_the_structured_one() {
        assert!(begins_with("The pool ran out. Then we fixed it.", "The pool ran out"));
        assert!(begins_with("The pool ran out.", "the POOL ran out."));
        assert!(!begins_with("Then the pool ran out.", "The pool ran out"));
        assert!(!begins_with("Anything", ""));
    }

    #[test]
    fn same_words_ignores_case_spacing_and_punctuation() {
        assert!(same_words(" The pool   ran OUT ", "The pool ran out."));
        assert!(!same_words("The pool ran out. Then more.", "The pool ran out."));
        assert!(!same_words("", ""));
    }

    use proptest::prelude::*;

    fn heading() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("Summary".to_string()),
            Just("Timeline (all times UTC)".to_string()),
            Just("Action items".to_string()),
            Just("Impact".to_string()),
            Just("What happened".to_string()),
            "[A-Za-z&<>\"' ]{1,12}",
        ]
    }

    proptest! {
        /// Folding moves whole sections, never part of one: every paragraph of the body
        /// is still in the write-up or in exactly one folded section (the summary here
        /// is digits, so no section repeats it and none is dropped).
        #[test]
        fn folding_loses_nothing(sections in proptest::collection::vec((1u8..=3, heading(), "[a-z]{3,8}"), 0..8), summary in "[0-9]{3}") {
            let mut body = String::from("Lead paragraph.\n\n");
            for (level, h, p) in &sections {
                body.push_str(&format!("{} {h}\n\nword{p}\n\n", "#".repeat(*level as usize)));
            }
            let all = [Structured::Summary, Structured::Impact, Structured::Factors, Structured::Timeline, Structured::Actions];
            let r = markdown::render(&body, &|_: &str| None);
            let w = fold(&r.html, &r.headings, &all, &|into, text| into == Structured::Summary && same_words(text, &summary));
            prop_assert!(w.html.contains("Lead paragraph."));
            for (_, _, p) in &sections {
                let word = format!("word{p}");
                let here = w.html.matches(&word).count() + w.folded.iter().map(|f| f.html.matches(&word).count()).sum::<usize>();
                let expected = r.html.matches(&word).count();
                prop_assert!(here == expected, "{word}: {here} of {expected}\n{body}\n{}", w.html);
            }
            // Each structured section takes at most one body section.
            for s in all {
                prop_assert!(w.folded.iter().filter(|f| f.into == s).count() <= 1);
            }
            // Every folded section leaves exactly one note with its old id.
            for f in &w.folded {
                let note = format!("<p class=\"folded-note\" id=\"{}\"", crate::markdown::escape(&f.id));
                prop_assert_eq!(w.html.matches(&note).count(), 1);
            }
        }
    }
}
