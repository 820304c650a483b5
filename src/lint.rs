//! Writing checks that do not stop a build: blame language, vague or unowned action
//! items, incomplete timelines. They are warnings (errors under `--strict`).
//!
//! A `Linter` compiles the site's phrase lists once; checking a postmortem is then one
//! pass of an Aho-Corasick automaton per text, so 10,000 files stay cheap.

use crate::config::SiteConfig;
use crate::diagnostics::{Code, Diagnostic};
use crate::model::{EventKind, Postmortem};
use crate::terminal::SourceView as Lines;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// The writing checks of one site, with its phrase lists compiled.
pub struct Linter {
    blame: Option<AhoCorasick>,
    blame_phrases: Vec<String>,
    vague: Option<AhoCorasick>,
    vague_phrases: Vec<String>,
}

/// Verbs that make an action item vague when they are nearly all it says
/// ("Improve alerting", "Fix the bug").
const VAGUE_VERBS: &[&str] = &[
    "improve",
    "investigate",
    "review",
    "fix",
    "update",
    "monitor",
    "consider",
    "look",
    "check",
    "enhance",
    "explore",
    "revisit",
    "address",
    "discuss",
    "evaluate",
    "research",
    "clean",
    "refactor",
    "optimize",
    "optimise",
];

fn automaton(phrases: &[String]) -> Option<AhoCorasick> {
    let phrases: Vec<&str> = phrases.iter().map(|p| p.trim()).filter(|p| !p.is_empty()).collect();
    if phrases.is_empty() {
        return None;
    }
    AhoCorasickBuilder::new().ascii_case_insensitive(true).match_kind(MatchKind::LeftmostLongest).build(phrases).ok()
}

/// Whole-word matches of an automaton in `text`: (byte start, byte end, pattern index).
fn word_matches<'a>(ac: &'a AhoCorasick, text: &'a str) -> impl Iterator<Item = (usize, usize, usize)> + 'a {
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    ac.find_iter(text).filter_map(move |m| {
        let before = text[..m.start()].chars().next_back();
        let after = text[m.end()..].chars().next();
        (!is_word(before) && !is_word(after)).then_some((m.start(), m.end(), m.pattern().as_usize()))
    })
}

impl Linter {
    /// Compiles site.toml's `lint.blame_phrases` and `lint.vague_action_phrases`
    /// (blank entries dropped).
    pub fn new(config: &SiteConfig) -> Self {
        let clean = |v: &[String]| v.iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect::<Vec<_>>();
        let blame_phrases = clean(&config.lint.blame_phrases);
        let vague_phrases = clean(&config.lint.vague_action_phrases);
        Linter { blame: automaton(&blame_phrases), blame_phrases, vague: automaton(&vague_phrases), vague_phrases }
    }

    /// All writing warnings for one postmortem. `source` is the file's text, which places
    /// the warnings the model only knows the line of.
    pub fn check(&self, pm: &Postmortem, source: &str) -> Vec<Diagnostic> {
        // Indexed once: finding each item's line from the top made 20,000 action items
        // cost seconds, quadratically.
        let source = &Lines::new(source);
        let mut out = Vec::new();
        self.blame_language(pm, source, &mut out);
        self.action_items(pm, source, &mut out);
        timeline(pm, source, &mut out);
        out.extend(unsafe_links(pm));
        out
    }

    /// Blame phrases in `text`. The body is the file's text from `first_line` on, so a
    /// match's place is exact. A front matter value sits on line `first_line` after its
    /// key, possibly quoted: its matches are found again on that source line, in order.
    fn blame_in(
        &self,
        file: &std::path::Path,
        text: &str,
        first_line: usize,
        field_source: Option<&Lines>,
        out: &mut Vec<Diagnostic>,
    ) {
        let Some(ac) = &self.blame else { return };
        let hits: Vec<_> = word_matches(ac, text).collect();
        if hits.is_empty() {
            return;
        }
        let on_line: Vec<_> = field_source
            .and_then(|source| source.line(first_line))
            .map(|line| word_matches(ac, line).map(|m| (line, m)).collect())
            .unwrap_or_default();
        let mut places = crate::lines::LineCols::new(text);
        for (i, &(start, end, pat)) in hits.iter().enumerate() {
            let phrase = &text[start..end];
            let (line, column, width) = match field_source {
                None => {
                    let (l, c) = places.line_col(start);
                    (first_line + l - 1, c, phrase.chars().count())
                }
                // Escapes or a multi-line value can make the source differ: then the line.
                Some(source) => match on_line.get(i) {
                    Some(&(line, (s, e, _))) if on_line.len() == hits.len() => {
                        (first_line, line[..s].chars().count() + 1, line[s..e].chars().count())
                    }
                    _ => {
                        let (column, width) = line_place(source, first_line);
                        (first_line, column, width)
                    }
                },
            };
            out.push(
                Diagnostic::warning(Code::BlameLanguage, file, line, column, format!("blame language: \"{phrase}\""))
                    .with_width(width)
                    .with_suggestion(format!(
                        "describe what the system allowed and what people knew at the time instead of \"{}\"; blameless reviews find more causes",
                        self.blame_phrases[pat]
                    )),
            );
        }
    }

    fn blame_language(&self, pm: &Postmortem, source: &Lines, out: &mut Vec<Diagnostic>) {
        let file = pm.path.as_path();
        self.blame_in(file, &pm.summary, pm.lines.summary.max(1), Some(source), out);
        self.blame_in(file, &pm.impact, pm.lines.impact.max(1), Some(source), out);
        for ev in &pm.timeline {
            self.blame_in(file, &ev.text, ev.line, Some(source), out);
        }
        self.blame_in(file, &pm.body, pm.body_line, None, out);
    }

    fn action_items(&self, pm: &Postmortem, source: &Lines, out: &mut Vec<Diagnostic>) {
        let file = pm.path.as_path();
        for item in &pm.action_items {
            let (column, width) = line_place(source, item.line);
            if pm.is_published() {
                let missing = [
                    (
                        item.owner.is_none(),
                        Code::ActionNoOwner,
                        "has no owner",
                        "add `owner:` (a person or an on-call rotation) so it is not forgotten",
                    ),
                    (item.due.is_none(), Code::ActionNoDue, "has no due date", "add `due: YYYY-MM-DD`"),
                    (
                        item.outcome.is_none(),
                        Code::ActionNoOutcome,
                        "has no measurable outcome",
                        "add `outcome:` saying how you will know it worked, e.g. \"a load test at 90% saturation pages within 3 minutes\"",
                    ),
                ];
                for (is_missing, code, what, help) in missing {
                    if is_missing {
                        out.push(
                            Diagnostic::warning(
                                code,
                                file,
                                item.line,
                                column,
                                format!("action item \"{}\" {what}", item.title),
                            )
                            .with_width(width)
                            .with_suggestion(help),
                        );
                    }
                }
            }
            if let Some(reason) = self.vagueness(&item.title) {
                out.push(
                    Diagnostic::warning(Code::VagueAction, file, item.line, column, format!("vague action item \"{}\": {reason}", item.title))
                        .with_width(width)
                        .with_suggestion("name the concrete change and its measurable outcome, e.g. \"Page when pool saturation exceeds 80% for 2 minutes\""),
                );
            }
        }
    }

    fn vagueness(&self, title: &str) -> Option<String> {
        if let Some(ac) = &self.vague
            && let Some((_, _, pat)) = word_matches(ac, title).next()
        {
            return Some(format!("\"{}\" does not say what will change", self.vague_phrases[pat]));
        }
        let words: Vec<&str> = title.split_whitespace().collect();
        let first = words.first()?.to_lowercase();
        let specific = title.chars().any(|c| c.is_ascii_digit()) || title.contains('`');
        if words.len() <= 3 && VAGUE_VERBS.contains(&first.as_str()) && !specific {
            return Some("a verb and a topic, but not what will be different".into());
        }
        None
    }
}

/// Column and width of a line's text, past its indentation and a list item's `- `, for
/// warnings about a whole line: carets under the text, not under the indentation.
fn line_place(source: &Lines, n: usize) -> (usize, usize) {
    let Some(line) = source.line(n) else {
        return (1, 1);
    };
    let text = line.trim_start();
    let item = text.strip_prefix("- ").map(str::trim_start).unwrap_or(text);
    let column = line.chars().count() - item.chars().count() + 1;
    (column, item.trim_end().chars().count().max(1))
}

fn timeline(pm: &Postmortem, source: &Lines, out: &mut Vec<Diagnostic>) {
    let file = pm.path.as_path();
    let line = if pm.lines.timeline > 0 { pm.lines.timeline } else { 1 };
    let (column, width) = line_place(source, line);
    for kind in [EventKind::Signal, EventKind::Detection, EventKind::Recovery] {
        // An event with a bad time or kind already has an error; it may be the one "missing".
        if !pm.lines.timeline_incomplete && !pm.timeline.iter().any(|e| e.kind == kind) {
            let name = kind.as_str();
            out.push(
                Diagnostic::warning(
                    Code::TimelineMissingKind,
                    file,
                    line,
                    column,
                    format!("the timeline has no `{name}` event, so the figures that need it are unknown"),
                )
                .with_width(width)
                .with_suggestion(format!("add an event with `kind: {name}` if the time is known")),
            );
        }
    }
    if let Some(l) = pm.lines.timeline_unordered {
        let (column, width) = line_place(source, l);
        out.push(
            Diagnostic::warning(
                Code::TimelineUnordered,
                file,
                l,
                column,
                "timeline events are not in time order in the file (pages show them sorted)",
            )
            .with_width(width)
            .with_suggestion("sort the events by `at` so the file reads like the page"),
        );
    }
}

/// `unsafe-link` warnings for a postmortem's body, placed at each link.
fn unsafe_links(pm: &Postmortem) -> Vec<Diagnostic> {
    // A scheme and its colon are literal (possibly split by a tab inside `<…>`) or character
    // references, so a body with none of these cannot hold one; most bodies skip the parse.
    static HINTS: std::sync::OnceLock<Option<aho_corasick::AhoCorasick>> = std::sync::OnceLock::new();
    let hints = HINTS.get_or_init(|| {
        aho_corasick::AhoCorasick::builder().ascii_case_insensitive(true).build(["script:", "data:", "&", "<"]).ok()
    });
    if hints.as_ref().is_some_and(|h| !h.is_match(pm.body.as_ref())) {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Links come in order: each place is counted on from the last, not from the top.
    let mut places = crate::lines::LineCols::new(&pm.body);
    for (ev, range) in pulldown_cmark::Parser::new_ext(&pm.body, crate::markdown::options()).into_offset_iter() {
        let (dest, image) = match &ev {
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Link { link_type, dest_url, .. })
                if *link_type != pulldown_cmark::LinkType::Email =>
            {
                (dest_url, false)
            }
            pulldown_cmark::Event::Start(pulldown_cmark::Tag::Image { dest_url, .. }) => (dest_url, true),
            _ => continue,
        };
        let Some(reason) = crate::safe_url::unsafe_reason(dest, image) else { continue };
        let (line, column) = places.line_col(range.start);
        let width = pm.body[range].split('\n').next().unwrap_or("").chars().count();
        out.push(
            Diagnostic::warning(
                Code::UnsafeLink,
                &pm.path,
                line + pm.body_line - 1,
                column,
                format!("unsafe {}: {reason}; it is shown as plain text", if image { "image source" } else { "link" }),
            )
            .with_width(width)
            .with_suggestion("link to an http(s) URL or to a file beside this postmortem"),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint() -> Linter {
        Linter::new(&SiteConfig::default())
    }

    #[test]
    fn blame_matches_whole_words_case_insensitively() {
        let l = lint();
        let ac = l.blame.as_ref().unwrap();
        let hits: Vec<_> = word_matches(ac, "It was Human Error. Blameless review; no blame.").collect();
        assert_eq!(hits.len(), 2, "{hits:?}");
        assert_eq!(hits[0].0, 7);
    }

    #[test]
    fn line_places_skip_indentation_and_list_dashes() {
        let src = &Lines::new("---\ntimeline:\n  - title: Improve monitoring  \n    text: x\r\n");
        assert_eq!(line_place(src, 2), (1, 9));
        assert_eq!(line_place(src, 3), (5, 25));
        assert_eq!(line_place(src, 4), (5, 7));
        assert_eq!(line_place(src, 9), (1, 1));
        assert_eq!(line_place(src, 0), (1, 1));
    }

    #[test]
    fn many_warnings_in_one_file_cost_linear_time() {
        // 40,000 blame phrases in the body and 8,000 unowned action items: 64,000
        // warnings in 2 MB. Placing each from the top of the file took minutes (over 300 s
        // in a debug build); the generous bound only catches that.
        let items: String =
            (0..8_000).map(|i| format!("  - title: Page when pool {i} saturates above 80 percent\n")).collect();
        let body = "The outage was human error, said the review.\n".repeat(40_000);
        let text = format!(
            "---\ntitle: T\ndate: 2024-03-12\nseverity: SEV1\nservices: [a]\naction_items:\n{items}---\n{body}"
        );
        let config = SiteConfig::default();
        let (pm, diags) = crate::frontmatter::parse(&text, std::path::Path::new("a.md"), &config);
        assert!(diags.is_empty(), "{diags:?}");
        let started = std::time::Instant::now();
        let warnings = Linter::new(&config).check(&pm.unwrap(), &text);
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        assert_eq!(warnings.len(), 64_003);
        let last = warnings.iter().rfind(|d| d.code == Code::BlameLanguage).unwrap();
        assert_eq!((last.line, last.column), (8_007 + 40_000, 16));
        let item = warnings.iter().find(|d| d.code == Code::ActionNoOwner).unwrap();
        assert_eq!((item.line, item.column), (7, 5));
    }

    #[test]
    fn vague_titles() {
        let l = lint();
        assert!(l.vagueness("Improve monitoring of the DB").is_some());
        assert!(l.vagueness("Improve alerting").is_some());
        assert!(l.vagueness("Investigate").is_some());
        assert!(l.vagueness("Page when pool saturation exceeds 80% for 2 minutes").is_none());
        assert!(l.vagueness("Fix `retry` loop").is_none());
    }
}
