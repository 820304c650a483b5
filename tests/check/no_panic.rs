//! No input makes loading panic, and every diagnostic points inside its file.
//!
//! Front matter is generated from a grammar of the format's keys and unknown ones, with
//! values that are scalars of every kind, flow and block collections, odd quoting, tabs,
//! unicode, anchors and aliases, very long lines and deep nesting; plus raw strings and
//! bytes. `yaml::parse`, `frontmatter::parse`, the linter and the human renderer run on
//! each, in-process so a panic is a failing case with its input shrunk.

use pmsite::config::SiteConfig;
use pmsite::diagnostics::{self, Diagnostic, Format};
use pmsite::{frontmatter, lint, yaml};
use proptest::prelude::*;
use std::path::Path;

/// Keys inside timeline events, factors and action items; the top-level ones are
/// `frontmatter::KNOWN`.
const NESTED_KEYS: &[&str] =
    &["at", "kind", "text", "id", "note", "owner", "due", "type", "outcome", "ticket", "completed"];

fn keys() -> Vec<&'static str> {
    frontmatter::KNOWN.iter().chain(NESTED_KEYS).copied().collect()
}

const WORDS: &[&str] = &[
    "2024-03-12",
    "2024-02-30",
    "2024-3-1",
    "2024-03-12T14:02:00Z",
    "2024-03-12T14:02",
    "2024-03-12 14:02:00 +02:00",
    "SEV1",
    "SEV9",
    "draft",
    "published",
    "signal",
    "detection",
    "recovery",
    "detect",
    "open",
    "wont-do",
    "done",
    "retry-storm",
    "retry-strom",
    "human error",
    "Improve monitoring",
    "~",
    "null",
    "true",
    "0x1F",
    "1e400",
    "-.inf",
    "",
    "\"\"",
    "''",
    "|",
    ">-",
    "!!str 12",
    "!!map {}",
    "!custom x",
    "*nowhere",
    "&a",
    "%YAML 1.2",
    "@reserved",
    "`tick`",
    "# comment",
    "a: b",
    "- item",
    "{",
    "]",
    "?",
    "\t",
    "ünïcödé ✓ 事故",
    "\u{feff}",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
    "\r",
];

/// A YAML-ish value, rendered with indentation later.
#[derive(Debug, Clone)]
enum Y {
    Scalar(String),
    Flow(Vec<Y>),
    FlowMap(Vec<(String, Y)>),
    Block(Vec<Y>),
    BlockMap(Vec<(String, Y)>),
    /// An anchor on a value, or an alias to one of a few names.
    Anchor(String, Box<Y>),
    Alias(String),
    /// Deliberately wrong indentation by this many columns.
    Shifted(usize, Box<Y>),
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(keys()).prop_map(String::from),
        2 => "[a-z_][a-z0-9_-]{0,10}",
        1 => prop::sample::select(WORDS).prop_map(String::from),
        1 => "\\PC{0,6}",
        1 => Just("\"quoted: key\"".to_string()),
        1 => Just("? [complex, key]".to_string()),
    ]
}

fn scalar() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z0-9 ._/-]{0,24}",
        4 => prop::sample::select(WORDS).prop_map(String::from),
        1 => "-?[0-9]{1,22}(\\.[0-9]{0,4})?",
        1 => "\"([^\"\\\\\n]|\\\\[nt\"\\\\xuU0-9a-z]){0,16}\"?",
        1 => "'([^'\n]|''){0,16}'?",
        1 => "\\PC{0,24}",
        1 => ".{0,24}",
        // Long lines and deep flow nesting, built by repetition (cheaper than a regex).
        1 => (500usize..4000).prop_map(|n| "long line ".repeat(n / 10)),
        1 => (1usize..300, prop::bool::ANY).prop_map(|(n, b)| if b { "[" } else { "{" }.repeat(n)),
        1 => "[\\[\\]{}:,#&*!|>'\"%@` -]{1,12}",
    ]
}

fn value() -> impl Strategy<Value = Y> {
    let leaf = prop_oneof![
        6 => scalar().prop_map(Y::Scalar),
        1 => "[a-c]".prop_map(Y::Alias),
    ];
    leaf.prop_recursive(6, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Y::Flow),
            prop::collection::vec((key(), inner.clone()), 0..4).prop_map(Y::FlowMap),
            prop::collection::vec(inner.clone(), 0..5).prop_map(Y::Block),
            prop::collection::vec((key(), inner.clone()), 0..5).prop_map(Y::BlockMap),
            ("[a-c]", inner.clone()).prop_map(|(a, v)| Y::Anchor(a, Box::new(v))),
            (1usize..4, inner).prop_map(|(n, v)| Y::Shifted(n, Box::new(v))),
        ]
    })
}

fn flow(y: &Y) -> String {
    match y {
        Y::Scalar(s) => s.clone(),
        Y::Flow(items) | Y::Block(items) => format!("[{}]", items.iter().map(flow).collect::<Vec<_>>().join(", ")),
        Y::FlowMap(entries) | Y::BlockMap(entries) => {
            format!("{{{}}}", entries.iter().map(|(k, v)| format!("{k}: {}", flow(v))).collect::<Vec<_>>().join(", "))
        }
        Y::Anchor(a, v) => format!("&{a} {}", flow(v)),
        Y::Alias(a) => format!("*{a}"),
        Y::Shifted(_, v) => flow(v),
    }
}

/// Renders `y` as the value after `key:` (or `- `) at `indent`.
fn block(y: &Y, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match y {
        Y::Block(items) if !items.is_empty() => {
            for item in items {
                out.push_str(&format!("\n{pad}- "));
                block(item, indent + 2, out);
            }
        }
        Y::BlockMap(entries) if !entries.is_empty() => {
            for (k, v) in entries {
                out.push_str(&format!("\n{pad}{k}: "));
                block(v, indent + 2, out);
            }
        }
        Y::Anchor(a, v) => {
            out.push_str(&format!("&{a} "));
            block(v, indent, out);
        }
        Y::Shifted(n, v) => block(v, indent + n, out),
        other => out.push_str(&flow(other)),
    }
}

/// A whole file: optional BOM, opening and closing lines, fields, and a body.
fn file() -> impl Strategy<Value = String> {
    let fields = prop::collection::vec((key(), value()), 0..12);
    let open = prop::sample::select(vec!["---\n", "---\n", "---\n", "--- \n", "\u{feff}---\n", "", "---"]);
    let close = prop::sample::select(vec!["---\n", "---\n", "---\n", "...\n", "", "---"]);
    let body = body();
    let crlf = prop::bool::weighted(0.1);
    (open, fields, close, body, crlf).prop_map(|(open, fields, close, body, crlf)| {
        let mut s = String::from(open);
        for (k, v) in fields {
            s.push_str(&k);
            s.push_str(": ");
            block(&v, 2, &mut s);
            s.push('\n');
        }
        s.push_str(close);
        s.push_str(&body);
        if crlf { s.replace('\n', "\r\n") } else { s }
    })
}

/// A scalar as it might be written for a field: usually a plausible value, sometimes not.
fn field(plausible: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop_oneof![
        100 => prop::sample::select(plausible).prop_map(String::from),
        1 => scalar(),
        1 => value().prop_map(|v| flow(&v)),
    ]
}

fn body() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "\\PC{0,80}",
        // Relative links with odd targets: percent signs before multi-byte characters,
        // `..` past the root, anchors, spaces in angle brackets.
        prop::collection::vec("(\\.\\./|\\./|%|%[0-9a-fA-F]{0,2}|é|事|[a-z]|#|\\?| ){0,12}", 1..4).prop_map(
            |targets| {
                targets.iter().map(|t| format!("[l](<{t}.md>) [m]({}.md)\n", t.replace(' ', ""))).collect::<String>()
            }
        ),
        Just("See [a](../2023/a.md), [b](b.md#x), [c](%zz.md) and ![i](i.md). It was human error.\n".to_string()),
        Just("```\n[x](in-code.md)\n```\n[ref]: ../x.md\n[y][ref]\n".to_string()),
    ]
}

/// A postmortem whose required fields are usually valid, so the linter and the link
/// stage run on it, with the optional fields drawn from their shapes and odd values.
fn near_valid_file() -> impl Strategy<Value = String> {
    let core = (
        field(&["Checkout outage", "\"ünïcödé: \\\"quoted\\\"\"", "x"]),
        field(&["2024-03-12", "2023-01-31"]),
        field(&["SEV1", "SEV2"]),
        field(&["[checkout-api]", "[a, b]", "checkout-api"]),
        field(&["published", "draft", "review"]),
    );
    let event = (
        field(&["2024-03-12T14:02:00Z", "2024-03-12T14:02", "2024-03-12T03:00:00+02:00"]),
        field(&["signal", "detection", "diagnosis", "mitigation", "recovery", "note"]),
        field(&["p99 latency rises", "it was human error", "Blameless", "\"quoted: human error\""]),
    );
    let item = (
        field(&["Page when pool saturation exceeds 80%", "Improve monitoring", "Fix", "Investigate"]),
        field(&["payments-oncall", "", "~"]),
        field(&["2024-04-01", "2024-02-30"]),
        field(&["open", "done", "in-progress", "wont-do"]),
        field(&["detect", "prevent", "monitor"]),
    );
    let optional = (
        field(&["The on-call was careless.", "Fine.", ">\n  folded human error"]),
        prop::collection::vec(field(&["retry-storm", "retry-strom", "{id: retry-storm, note: x}"]), 0..3),
        prop::collection::vec(event, 0..5),
        prop::collection::vec(item, 0..3),
        prop::collection::vec(field(&["x", "2024-03-12-x", "y"]), 0..3),
        // Unknown keys: usually tidy, sometimes anything.
        prop::collection::vec(
            prop_oneof![
                4 => ("[a-z_]{1,8}", "[a-z0-9 ]{0,12}").prop_map(|(k, v)| (k, Y::Scalar(v))),
                1 => (key(), value()),
            ],
            0..3,
        ),
    );
    (core, optional, body()).prop_map(|(core, optional, body)| {
        let (title, date, severity, services, status) = core;
        let (summary, factors, events, items, related, extra) = optional;
        let mut s = format!(
            "---\ntitle: {title}\ndate: {date}\nseverity: {severity}\nservices: {services}\nstatus: {status}\nsummary: {summary}\n"
        );
        s.push_str(&format!("factors: [{}]\n", factors.join(", ")));
        s.push_str("timeline:\n");
        for (at, kind, text) in events {
            s.push_str(&format!("  - at: {at}\n    kind: {kind}\n    text: {text}\n"));
        }
        s.push_str("action_items:\n");
        for (title, owner, due, status, kind) in items {
            s.push_str(&format!(
                "  - title: {title}\n    owner: {owner}\n    due: {due}\n    status: {status}\n    type: {kind}\n"
            ));
        }
        s.push_str(&format!("related: [{}]\n", related.join(", ")));
        for (k, v) in extra {
            s.push_str(&format!("{k}: "));
            block(&v, 2, &mut s);
            s.push('\n');
        }
        s.push_str("---\n");
        s.push_str(&body);
        s
    })
}

/// The site and linter every case uses, built once.
static SITE: std::sync::LazyLock<(SiteConfig, lint::Linter)> = std::sync::LazyLock::new(|| {
    let (c, d) = pmsite::config::parse(
        "severities = [\"SEV1\", \"SEV2\"]\ntimezone = \"Europe/Berlin\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\n",
    );
    assert!(d.is_empty());
    let linter = lint::Linter::new(&c);
    (c, linter)
});

/// Parses, lints and renders `text`; panics (failing the case) on a misplaced diagnostic.
fn check_text(text: &str) {
    let (config, linter) = &*SITE;
    let mut diags = crate::common::one_file::diagnose(text, config, linter, |_| {});
    let lines = text.lines().count();
    for d in &diags {
        assert_in_file(d, lines);
    }
    diagnostics::sort(&mut diags);
    let source = text.to_string();
    let out = diagnostics::render(&diags, Format::Human, true, &|_| Some(source.clone()));
    assert_eq!(out.is_empty(), diags.is_empty());
    for format in [Format::Json, Format::Github, Format::Gitlab] {
        diagnostics::render(&diags, format, false, &|_| None);
    }
}

fn assert_in_file(d: &Diagnostic, lines: usize) {
    assert!(d.line <= lines + 1, "line {} of a {lines}-line file: {d}", d.line);
    if d.line > 0 {
        assert!(d.column >= 1, "column 0 on line {}: {d}", d.line);
    }
}

proptest! {
    // 2,000 cases run in a few seconds; PROPTEST_CASES=100000 for a long soak.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(2000),
        ..ProptestConfig::default()
    })]

    #[test]
    fn generated_front_matter(text in file()) {
        check_text(&text);
        // The YAML parser alone, on the text between the fences (or all of it).
        let yaml_part = text.split("---").nth(1).unwrap_or(&text);
        if let Err(e) = yaml::parse(yaml_part) {
            prop_assert!(e.pos.line <= yaml_part.lines().count() + 1, "{e:?}");
            prop_assert!(e.pos.col >= 1);
        }
    }

    #[test]
    fn near_valid_postmortems(text in near_valid_file()) {
        check_text(&text);
    }

    #[test]
    fn raw_strings(body in "\\PC{0,300}", fenced in any::<bool>()) {
        let text = if fenced { format!("---\n{body}\n---\n") } else { body };
        check_text(&text);
        let _ = yaml::parse(&text);
    }

    #[test]
    fn raw_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        let mut with_fence = b"---\n".to_vec();
        with_fence.extend_from_slice(&bytes);
        for b in [&bytes, &with_fence] {
            check_text(&String::from_utf8_lossy(b));
        }
    }

    #[test]
    fn site_toml_never_panics(text in "([a-z_]{1,10} = (\"\\PC{0,10}\"|[0-9]{1,3}|\\[\\]|\\[\"SEV1\"\\])\n|\\[factors\\.[a-zA-Z-]{0,8}\\]\n|\\PC{0,20}\n){0,8}") {
        let (_, diags) = pmsite::config::parse(&text);
        for d in &diags {
            assert_in_file(d, text.lines().count());
        }
    }
}

#[test]
fn deep_nesting_does_not_overflow_the_stack() {
    // Test threads have small stacks (2 MiB), like rayon's workers in `load`.
    let (config, _) = &*SITE;
    for deep in [
        "[".repeat(10_000),
        format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        "{a: ".repeat(10_000),
        format!("\n  {}x", "- ".repeat(10_000)),
        format!("\n{}", (0..2_000).map(|i| format!("{}k{i}:\n", " ".repeat(i))).collect::<String>()),
    ] {
        let text = format!("---\ntitle: x\nextra: {deep}\n---\n");
        let (pm, diags) = frontmatter::parse(&text, Path::new("a.md"), config);
        assert!(pm.is_none());
        assert_eq!(diags.len(), 1, "{diags:?}");
        assert_eq!(diags[0].code, pmsite::diagnostics::Code::YamlSyntax);
        assert!(diags[0].message.contains("nested") || diags[0].message.contains("recursion"), "{diags:?}");
        assert!(diags[0].line >= 3 && diags[0].line <= text.lines().count(), "{diags:?}");
    }
}

#[test]
fn most_near_valid_files_reach_the_linter_and_the_link_stage() {
    // Otherwise the property above would only exercise the early errors.
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = near_valid_file();
    let (config, _) = &*SITE;
    let parsed = (0..200)
        .filter(|_| {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            frontmatter::parse(&text, Path::new("a.md"), config).0.is_some()
        })
        .count();
    assert!(parsed > 100, "only {parsed} of 200 generated files parsed");
}
