//! `check`, `actions` and `search` print what a knowledge base says, never what it
//! could do to a terminal: escape sequences and other control characters in titles,
//! owners, messages and source lines come out as visible escapes.

use std::path::Path;
use std::process::{Command, Output};

const SITE: &str = "title = \"Fixture\"\nseverities = [\"SEV1\", \"SEV2\"]\n";

/// A postmortem whose every shown text carries a control: YAML escapes in the title,
/// owner and action title, raw ones in the body (an OSC title change, a screen clear,
/// a bell, a right-to-left override).
const PM: &str = "---\ntitle: \"Pool \\e]0;pwned\\a exhaustion\"\ndate: 2024-03-12\nseverity: SEV2\nservices: [\"checkout\\e[8m\"]\naction_items:\n  - title: \"Page on saturation \\u202e80%\"\n    owner: \"\\e[2Jmallory\"\n---\nThe pool ran out; it was human error \u{1b}[2J\u{7} again, \u{202e}said nobody.\n";

fn run(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(args)
        .arg("--root")
        .arg(root)
        .env_remove("CLICOLOR_FORCE")
        .env("NO_COLOR", "1")
        .output()
        .expect("run pmsite")
}

fn kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), SITE).unwrap();
    std::fs::create_dir_all(dir.path().join("content/2024")).unwrap();
    std::fs::write(dir.path().join("content/2024/2024-03-12-pool.md"), PM).unwrap();
    dir
}

/// Both streams, checked to hold no control character but line breaks.
fn printed(out: &Output) -> String {
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let raw: Vec<char> = text.chars().filter(|&c| c != '\n' && pmsite::terminal::is_unsafe(c)).collect();
    assert!(raw.is_empty(), "raw controls {raw:?} in:\n{text}");
    text
}

#[test]
fn check_shows_escapes_from_messages_and_source_lines() {
    let kb = kb();
    let text = printed(&run(kb.path(), &["check"]));
    // The blame warning's source line, and the action item warnings' messages.
    assert!(text.contains("human error \\u{1b}[2J\\u{7} again, \\u{202e}said"), "{text}");
    assert!(text.contains("action item \"Page on saturation \\u{202e}80%\" has no due date"), "{text}");
}

#[test]
fn actions_table_shows_escapes_from_owners_and_titles() {
    let kb = kb();
    let out = run(kb.path(), &["actions", "--today", "2024-06-01"]);
    let text = printed(&out);
    assert!(text.contains("\\u{1b}[2Jmallory"), "{text}");
    assert!(text.contains("Page on saturation \\u{202e}80%"), "{text}");
    // JSON stays data: the owner as written, escaped by JSON itself.
    let json = run(kb.path(), &["actions", "--today", "2024-06-01", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(v.to_string().contains("\\u001b[2Jmallory"), "{v}");
}

#[test]
fn search_table_shows_escapes_from_titles_and_snippets() {
    let kb = kb();
    let out = run(kb.path(), &["search", "pool"]);
    let text = printed(&out);
    assert!(text.contains("Pool \\u{1b}]0;pwned\\u{7} exhaustion"), "{text}");
    assert!(text.contains("checkout\\u{1b}[8m"), "{text}");
}
