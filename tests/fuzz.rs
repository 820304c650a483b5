//! A bounded fuzz pass in the normal test suite (cargo-fuzz needs nightly), plus property
//! tests over the Markdown and front matter paths with hostile Unicode.
//!
//! The fuzz pass mutates the project's real fixture files with a seeded generator for a
//! fixed time budget and runs everything a file goes through in `check`, `build` and
//! `import`: front matter, lint, links, Markdown, the importer and the human renderer.
//! Nothing may panic, and every diagnostic must point inside its file.
//!
//! `PMSITE_FUZZ_SEED` picks the seed (printed at the start) and `PMSITE_FUZZ_SECS` the
//! budget (default 18 s); a failing input is written to the system temp folder.

mod common;

use pmsite::config::SiteConfig;
use pmsite::diagnostics::{self, Diagnostic, Format};
use pmsite::{frontmatter, lint, markdown};
use proptest::prelude::*;
use proptest::test_runner::{RngAlgorithm, TestRng};
use std::panic::AssertUnwindSafe;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Text that has broken text handling somewhere: case changes that change length (İ,
/// ß, ŉ, the Kelvin sign, ǅ, ﬁ), combining marks, right-to-left text and overrides, NUL
/// and other controls, odd line breaks, a BOM, wide characters, and the format's own
/// syntax.
const HOSTILE: &[&str] = &[
    "İ",
    "ı",
    "ß",
    "ẞ",
    "ŉ",
    "\u{212a}",
    "ǅ",
    "ﬁ",
    "e\u{301}",
    "\u{301}",
    "\u{20dd}",
    "\u{202e}",
    "\u{2067}",
    "שלום",
    "مرحبا",
    "\u{0}",
    "\u{1b}[31m",
    "\u{7}",
    "\u{8}",
    "\u{7f}",
    "\u{9b}",
    "\r",
    "\r\n",
    "\t",
    "\u{85}",
    "\u{2028}",
    "\u{feff}",
    "\u{200b}",
    "事故",
    "😀",
    "\u{fffd}",
    "\n",
    "\n\n",
    "---\n",
    "...\n",
    ": ",
    "- ",
    "  ",
    "[",
    "]",
    "{",
    "}",
    "&a ",
    "*a",
    "!!str ",
    "\"",
    "'",
    "\\",
    "#",
    "|",
    ">",
    "%",
    "@",
    "`",
    "```\n",
    "# ",
    "## Lessons\n",
    "[x](",
    "](../2023/a.md#h)",
    "![i](",
    ")",
    "<script>",
    "&amp;",
    "human error",
    "(done)",
    "(owner: ",
    "due 2024-04-01",
    "2024-03-12T14:02:00Z",
    "SEV1",
    "kind: ",
    "title: ",
    "- at: ",
    "    text: ",
    "action_items:\n",
    "timeline:\n",
    // What `pmsite import` reads: foreign front matter, timeline styles, header facts.
    "+++\n",
    "draft = true\n",
    "categories: a b\n",
    "start_time: ",
    " ::::: ",
    "At 3:12 PM UTC on March 3rd, ",
    "Mar 3, 9:05 PM",
    "### 2024-03-12 - ",
    "<!--",
    "-->",
    "| **Detected** | ",
    "Severity: Critical\n",
    "* `23:50` - ",
];

/// Fixture Markdown files, the fuzz pass's seeds.
fn seeds() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out: Vec<(PathBuf, String)> = walkdir::WalkDir::new(&root)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter_map(|e| Some((e.path().to_path_buf(), std::fs::read_to_string(e.path()).ok()?)))
        .collect();
    out.retain(|(_, t)| !t.is_empty());
    assert!(out.len() >= 20, "the fixtures went missing: {}", out.len());
    out
}

fn below(rng: &mut TestRng, n: usize) -> usize {
    if n == 0 { 0 } else { (rng.next_u64() % n as u64) as usize }
}

/// A char boundary of `s`, uniformly over its bytes.
fn boundary(rng: &mut TestRng, s: &str) -> usize {
    let mut at = below(rng, s.len() + 1);
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// One to four random edits of `text`; `other` is another seed to splice from.
fn mutate(rng: &mut TestRng, text: &str, other: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..1 + below(rng, 4) {
        let a = boundary(rng, &s);
        let b = a + boundary(rng, &s[a..]).min(1 + below(rng, 64));
        let b = (b..=s.len()).find(|&i| s.is_char_boundary(i)).unwrap_or(s.len());
        match below(rng, 8) {
            0 | 1 => s.insert_str(a, HOSTILE[below(rng, HOSTILE.len())]),
            2 => s.replace_range(a..b, ""),
            3 => {
                let piece = s[a..b].to_string();
                s.insert_str(a, &piece.repeat(1 + below(rng, 200)));
            }
            4 => s.replace_range(a..b, HOSTILE[below(rng, HOSTILE.len())]),
            5 => {
                let o = boundary(rng, other);
                let e = (o + below(rng, 400)).min(other.len());
                let e = (e..=other.len()).find(|&i| other.is_char_boundary(i)).unwrap_or(other.len());
                s.insert_str(a, &other[o..e]);
            }
            6 => {
                // Swap two lines: front matter keys out of place, fences moved.
                let mut lines: Vec<&str> = s.split_inclusive('\n').collect();
                if lines.len() > 1 {
                    let (i, j) = (below(rng, lines.len()), below(rng, lines.len()));
                    lines.swap(i, j);
                }
                s = lines.concat();
            }
            _ => {
                let c = char::from_u32(rng.next_u32() % 0x11_0000).unwrap_or('\u{fffd}');
                s.insert(a, c);
            }
        }
    }
    s
}

static SITE: std::sync::LazyLock<(SiteConfig, lint::Linter)> = std::sync::LazyLock::new(|| {
    let (c, d) = pmsite::config::parse(
        "severities = [\"SEV1\", \"SEV2\", \"SEV3\"]\n[severity_aliases]\nCritical = \"SEV1\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\n[factors.missing-alert]\ntitle = \"Missing alert\"\n",
    );
    assert!(d.is_empty(), "{d:?}");
    let linter = lint::Linter::new(&c);
    (c, linter)
});

/// Every diagnostic points at a line of the text (or the whole file), and at a column
/// on that line or just past its end.
fn assert_places(text: &str, diags: &[Diagnostic]) {
    let lines: Vec<&str> = text.lines().collect();
    for d in diags {
        if d.line == 0 {
            assert_eq!(d.column, 0, "a whole-file diagnostic has no column: {d}");
            continue;
        }
        assert!(d.line <= lines.len().max(1), "line {} of a {}-line file: {d}", d.line, lines.len());
        let chars = lines.get(d.line - 1).map_or(0, |l| l.chars().count());
        assert!(d.column >= 1 && d.column <= chars + 1, "column {} of a {chars}-character line: {d}", d.column);
    }
}

/// What `check`, `build` and `import` do with one file's text.
fn exercise(text: &str) {
    let (config, linter) = &*SITE;
    let file = Path::new("content/2024/x.md");
    let mut diags = common::one_file::diagnose(text, config, linter, |body| {
        let _ = markdown::render(body, &|u: &str| Some(format!("../{u}")));
    });
    assert_places(text, &diags);
    diagnostics::sort(&mut diags);
    let out = diagnostics::render(&diags, Format::Human, false, &|_| Some(text.to_string()));
    assert!(!out.chars().any(|c| c != '\n' && pmsite::terminal::is_unsafe(c)), "raw control in:\n{out}");
    if let Ok(c) = pmsite::import::convert(text, "x.md", config, "2024-01-01".parse().unwrap()) {
        let _ = frontmatter::parse(&c.render(config), file, config);
    }
}

#[test]
fn mutated_fixtures_within_a_time_budget() {
    let seed: u64 = std::env::var("PMSITE_FUZZ_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(14);
    let budget =
        Duration::from_secs_f64(std::env::var("PMSITE_FUZZ_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(18.0));
    eprintln!("fuzz: seed {seed}, budget {budget:?} (PMSITE_FUZZ_SEED, PMSITE_FUZZ_SECS)");
    let seeds = seeds();
    let mut rng = TestRng::from_seed(RngAlgorithm::ChaCha, &seed.to_le_bytes().repeat(4));
    let started = Instant::now();
    let mut runs = 0usize;
    while started.elapsed() < budget {
        let (path, text) = &seeds[below(&mut rng, seeds.len())];
        let other = &seeds[below(&mut rng, seeds.len())].1;
        let mut mutant = mutate(&mut rng, text, other);
        // Mutate the mutant a few times: bugs hide behind several odd things at once.
        for _ in 0..below(&mut rng, 3) {
            mutant = mutate(&mut rng, &mutant, other);
        }
        if let Err(e) = std::panic::catch_unwind(AssertUnwindSafe(|| exercise(&mutant))) {
            let saved = std::env::temp_dir().join(format!("pmsite-fuzz-{seed}-{runs}.md"));
            let _ = std::fs::write(&saved, &mutant);
            let why = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()));
            panic!(
                "run {runs} (seed {seed}) from {} failed: {}; input saved to {}",
                path.display(),
                why.unwrap_or_default(),
                saved.display()
            );
        }
        runs += 1;
    }
    eprintln!("fuzz: {runs} mutants in {:?}", started.elapsed());
    assert!(runs >= 100, "only {runs} mutants ran in the budget");
}

fn hostile_text(max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        3 => prop::sample::select(HOSTILE).prop_map(String::from),
        2 => "[a-zA-Z ]{1,6}",
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|p| p.concat())
}

/// A double-quoted YAML scalar holding `s` (YAML escapes for what it cannot hold raw).
fn quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400),
        ..ProptestConfig::default()
    })]

    #[test]
    fn markdown_renders_any_body(body in hostile_text(80)) {
        let r = markdown::render(&body, &|u: &str| u.len().is_multiple_of(2).then(|| format!("../{u}")));
        // Raw HTML is shown as text: nothing the body says becomes a tag.
        prop_assert!(!r.html.contains("<script"), "{}", r.html);
        for (_, id, _) in &r.headings {
            prop_assert!(!id.is_empty());
        }
        let ids: std::collections::HashSet<_> = r.headings.iter().map(|h| &h.1).collect();
        prop_assert_eq!(ids.len(), r.headings.len());
        // `check` resolves `#fragment` links with the heading-only pass: the same ids.
        let rendered: Vec<String> = r.headings.iter().map(|h| h.1.clone()).collect();
        prop_assert_eq!(markdown::heading_ids(&body), rendered);
    }

    /// Foreign front matter of any keys and values: import never panics, and what it
    /// writes is a postmortem that reads back without an error.
    #[test]
    fn import_writes_valid_files_from_any_foreign_front_matter(
        keys in prop::collection::vec(prop_oneof![
            3 => prop::sample::select(vec![
                "title", "date", "tags", "categories", "keywords", "summary", "description", "author",
                "authors", "company", "product", "url", "severity", "sev", "priority", "impact level",
                "start_time", "end_time", "draft", "status", "timeline", "services", "imported_from",
                "layout", "team", "related", "factors",
            ]).prop_map(String::from),
            1 => hostile_text(4),
        ], 0..8),
        values in prop::collection::vec(hostile_text(12), 8),
        toml in any::<bool>(),
        body in hostile_text(30),
    ) {
        let (config, _) = &*SITE;
        let mut front = String::new();
        for (k, v) in keys.iter().zip(&values) {
            if toml {
                front.push_str(&format!("{} = {}\n", quoted(k), quoted(v)));
            } else {
                front.push_str(&format!("{}: {}\n", quoted(k), quoted(v)));
            }
        }
        let fence = if toml { "+++" } else { "---" };
        let text = format!("{fence}\n{front}{fence}\n# Title\n{body}\n");
        if let Ok(c) = pmsite::import::convert(&text, "x.md", config, "2024-01-01".parse().unwrap()) {
            let written = c.render(config);
            let (pm, diags) = frontmatter::parse(&written, Path::new("content/2024/x.md"), config);
            let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
            prop_assert!(pm.is_some() && errors.is_empty(), "{errors:?}\n{written}");
        }
    }

    #[test]
    fn front_matter_values_of_any_text(
        title in hostile_text(20),
        owner in hostile_text(8),
        text in hostile_text(20),
        body in hostile_text(40),
        plain in any::<bool>(),
    ) {
        let v = |s: &str| if plain { s.replace('\n', " ") } else { quoted(s) };
        let file = format!(
            "---\ntitle: {}\ndate: 2024-03-12\nseverity: SEV1\nservices: [{}]\ntimeline:\n  - at: 2024-03-12T14:02:00Z\n    kind: signal\n    text: {}\naction_items:\n  - title: {}\n    owner: {}\n---\n{body}\n",
            v(&title), v(&owner), v(&text), v(&title), v(&owner)
        );
        exercise(&file);
        if !plain {
            // Quoted, every value must come back as written.
            let (pm, _) = frontmatter::parse(&file, Path::new("content/2024/x.md"), &SITE.0);
            if let (Some(pm), false) = (pm, title.trim().is_empty() || owner.trim().is_empty()) {
                prop_assert_eq!(&pm.title, &title);
                prop_assert_eq!(pm.action_items[0].owner.as_deref(), Some(owner.as_str()));
            }
        }
    }
}
