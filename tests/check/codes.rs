//! One fixture per diagnostic code, proving its code, file, line and column.
//!
//! Each fixture is the clean postmortem of `harness::CLEAN` with one thing wrong, so it
//! must produce exactly one diagnostic; `text_at` shows what the column points at.

use crate::harness::*;
use pmsite::diagnostics::Code;

const F: &str = "content/2024/2024-03-12-pool-exhaustion.md";

/// Runs a fixture folder and returns the single diagnostic it must produce.
fn only(name: &str, code: &str, file: &str, line: usize, column: usize) -> (Diag, String) {
    let r = check_fixture(name);
    let d = r.only(code, file, line, column).clone();
    let text = text_at(&fixture(name), &d);
    (d, text)
}

#[test]
fn the_clean_fixture_is_clean() {
    let r = check_fixture("valid");
    assert_eq!(r.diags, vec![]);
    assert_eq!(r.status, 0);
    assert_eq!(FixtureSite::new().file(F, CLEAN).check().diags, vec![]);
}

#[test]
fn not_utf8() {
    // Latin-1 "é" in the title: the diagnostic points at the first byte that is not UTF-8.
    let site = FixtureSite::new().bytes(F, b"---\ntitle: Caf\xe9 outage\ndate: 2024-03-12\n---\n");
    let r = site.check();
    let d = r.only("not-utf8", F, 2, 11);
    assert_eq!(d.level, "error");
    assert!(d.suggestion.as_deref().unwrap().contains("UTF-8"));
}

#[test]
fn front_matter_missing() {
    let (d, _) = only("front-matter-missing", "front-matter-missing", F, 1, 1);
    assert!(d.suggestion.unwrap().contains("pmsite new"));
}

#[test]
fn front_matter_unclosed() {
    let (_, text) = only("front-matter-unclosed", "front-matter-unclosed", F, 1, 1);
    assert_eq!(text, "---", "points at the opening line");
}

#[test]
fn yaml_syntax_has_the_parsers_place_in_the_file() {
    // `summary: Pool: exhausted …` on line 7; the parser stops at the second `:`.
    let (d, text) = only("yaml-syntax", "yaml-syntax", F, 7, 14);
    assert!(text.starts_with(": exhausted"), "{text}");
    assert!(d.message.contains("mapping values are not allowed"), "{}", d.message);
}

#[test]
fn yaml_too_large_points_at_the_alias_that_crosses_the_limit() {
    // 1 KB aliased ten times, that ten times (100 KB), that ten times: the tenth `*c`
    // on line 10 passes 1 MiB of copied text, well under the 10,000-value count.
    let (d, text) = only("yaml-too-large", "yaml-too-large", F, 10, 43);
    assert_eq!(text, "*c]");
    assert!(d.message.contains("KiB of text"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("alias"));
}

#[test]
fn duplicate_key_names_the_second_and_the_first_line() {
    let (d, text) = only("duplicate-key", "duplicate-key", F, 6, 1);
    assert_eq!(text, "severity: SEV1");
    assert!(d.message.contains("`severity` is given twice; the first is on line 4"), "{}", d.message);
}

#[test]
fn duplicate_keys_inside_action_items() {
    let text = clean_with("    owner: payments-oncall\n", "    owner: payments-oncall\n    owner: dba\n");
    let r = FixtureSite::new().file(F, &text).check();
    let d = r.only("duplicate-key", F, 20, 5);
    assert!(d.message.contains("`owner`") && d.message.contains("line 19"), "{}", d.message);
}

#[test]
fn field_missing() {
    let (d, _) = only("field-missing", "field-missing", F, 1, 1);
    assert!(d.message.contains("`date`"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("YYYY-MM-DD"));
}

#[test]
fn field_type() {
    let (d, text) = only("field-type", "field-type", F, 5, 11);
    assert!(text.starts_with("{name: checkout-api}"), "{text}");
    assert!(d.message.contains("`services` must be a list"), "{}", d.message);
}

#[test]
fn invalid_date() {
    let (_, text) = only("invalid-date", "invalid-date", F, 3, 7);
    assert_eq!(text, "2024-02-30");
}

#[test]
fn invalid_timestamp() {
    // The event with the bad time is dropped, but that is not also a "missing detection".
    let (_, text) = only("invalid-timestamp", "invalid-timestamp", F, 11, 9);
    assert_eq!(text, "14:19 UTC");
}

#[test]
fn unknown_severity_lists_the_allowed_ones() {
    let (d, text) = only("unknown-severity", "unknown-severity", F, 4, 11);
    assert_eq!(text, "P2");
    assert!(d.suggestion.unwrap().contains("SEV1, SEV2, SEV3"));
}

#[test]
fn unknown_factor_suggests_the_nearest_id() {
    let (d, text) = only("unknown-factor", "unknown-factor", F, 6, 26);
    assert_eq!(text, "retry-strom]");
    assert!(d.suggestion.unwrap().contains("did you mean `retry-storm`?"));
}

#[test]
fn unknown_status() {
    let (d, text) = only("unknown-status", "unknown-status", F, 5, 9);
    assert_eq!(text, "final");
    assert!(d.suggestion.unwrap().contains("draft, review or published"));
}

#[test]
fn unknown_event_kind() {
    let (d, text) = only("unknown-event-kind", "unknown-event-kind", F, 12, 11);
    assert_eq!(text, "detect");
    assert!(d.suggestion.unwrap().contains("did you mean `detection`?"));
}

#[test]
fn unknown_action_status() {
    let (d, text) = only("unknown-action-status", "unknown-action-status", F, 20, 13);
    assert_eq!(text, "closed");
    assert!(d.suggestion.unwrap().contains("open, in-progress, done, wont-do"));
}

#[test]
fn unknown_action_type() {
    let (d, text) = only("unknown-action-type", "unknown-action-type", F, 20, 11);
    assert_eq!(text, "monitoring");
    assert!(d.suggestion.unwrap().contains("detect, mitigate"));
}

#[test]
fn duplicate_id_names_both_files() {
    let (d, _) = only("duplicate-id", "duplicate-id", "content/2024/pool-exhaustion.md", 1, 1);
    assert!(d.message.contains("content/2023/pool-exhaustion.md and content/2024/pool-exhaustion.md"), "{}", d.message);
}

#[test]
fn unknown_related_points_at_the_id() {
    let (d, text) = only("unknown-related", "unknown-related", F, 7, 44);
    assert_eq!(text, "2023-11-02-payments-db-failvoer]");
    assert!(d.suggestion.unwrap().contains("did you mean `2023-11-02-payments-db-failover`?"));
}

#[test]
fn link_to_internal_only_in_the_public_edition() {
    // site.toml makes files public by default; the 2023 postmortem is `visibility: internal`.
    let name = "link-to-internal";
    assert_eq!(check_fixture(name).diags, vec![], "the internal edition shows both");
    let r = check_dir(&fixture(name), &["--edition", "public"]);
    assert_eq!(r.status, 0, "a warning");
    let d = r.only("link-to-internal", F, 7, 11).clone();
    assert_eq!(text_at(&fixture(name), &d), "2023-11-02-payments-db-failover]");
    assert_eq!(d.level, "warning");
    assert!(d.message.contains("content/2023/2023-11-02-payments-db-failover.md"), "{}", d.message);
}

#[test]
fn broken_link() {
    // The link to the 2023 postmortem resolves; the runbook link does not.
    let (d, text) = only("broken-link", "broken-link", F, 25, 10);
    assert!(text.starts_with("[the runbook](../runbooks/pool.md#limits)"), "{text}");
    assert!(d.message.contains("`../runbooks/pool.md`"), "{}", d.message);
}

#[test]
fn unsafe_file_name_points_at_the_value() {
    // A tag of 219 characters: its page would be tags/<219 characters>/index.html.
    let (d, text) = only("unsafe-file-name", "unsafe-file-name", F, 7, 14);
    assert!(text.starts_with("connection-pool-exhaustion-connection"), "{text}");
    assert!(d.message.contains("longer than 200 bytes"), "{}", d.message);
    assert_eq!(d.level, "error");
}

#[test]
fn output_collision_names_both() {
    // About the whole file (line 0), so there is no text to point at.
    let r = check_fixture("output-collision");
    let d = r.only("output-collision", "static/atom.xml", 0, 0);
    assert!(
        d.message.contains("static/atom.xml would be published as `atom.xml`, a file pmsite makes"),
        "{}",
        d.message
    );
    assert_eq!(d.level, "error");
}

#[test]
fn missing_file_points_at_the_image() {
    // ./pool-saturation.png is there; ./connections.png is not.
    let (d, text) = only("missing-file", "missing-file", F, 27, 1);
    assert_eq!(text, "![Connections](./connections.png)");
    assert_eq!(d.level, "warning");
}

#[test]
fn broken_anchor_points_at_the_link() {
    // #what-went-well is the heading above it; #lessons is no heading.
    let (d, text) = only("broken-anchor", "broken-anchor", F, 27, 43);
    assert_eq!(text, "[the lessons](#lessons).");
    assert!(d.message.contains("`#lessons`"), "{}", d.message);
    assert_eq!(d.level, "warning");
}

#[test]
fn config_syntax_stops_the_cascade() {
    // Without a readable site.toml the factors are unknown; the file's `retry-storm` must
    // not be reported as an unknown factor on top.
    let (d, text) = only("config-syntax", "config-syntax", "site.toml", 6, 1);
    assert_eq!(text, "[factors.retry-storm]", "where the parser noticed the missing `]`");
    assert_eq!(d.level, "error");
}

#[test]
fn config_value() {
    let (d, text) = only("config-value", "config-value", "site.toml", 3, 12);
    assert_eq!(text, "\"Mars/Olympus\"");
    assert!(d.message.contains("unknown timezone"), "{}", d.message);
}

#[test]
fn config_missing_through_the_library() {
    // The binary refuses a folder without site.toml before checking (see cli.rs); the
    // library reports it as a diagnostic about the whole file.
    let site = FixtureSite::empty().file(F, CLEAN);
    let checked = pmsite::check::check(
        site.root(),
        &pmsite::check::Options { strict: false, drafts: true, today: "2026-01-01".parse().unwrap() },
    );
    let d: Vec<_> = checked.diagnostics.iter().map(|d| (d.code, d.file.to_str().unwrap(), d.line, d.column)).collect();
    assert_eq!(d, vec![(Code::ConfigMissing, "site.toml", 0, 0)]);
}

#[test]
fn action_no_owner() {
    // Line-level warnings point at the item's text, past the indentation and the dash.
    let (d, text) = only("action-no-owner", "action-no-owner", F, 18, 5);
    assert_eq!(text, "title: Page when pool saturation exceeds 80% for 2 minutes");
    assert_eq!(d.level, "warning");
}

#[test]
fn action_no_due() {
    let (d, _) = only("action-no-due", "action-no-due", F, 18, 5);
    assert_eq!(d.level, "warning");
}

#[test]
fn action_no_outcome() {
    let (d, _) = only("action-no-outcome", "action-no-outcome", F, 18, 5);
    assert_eq!(d.level, "warning");
}

#[test]
fn action_warnings_only_on_published_postmortems() {
    let draft =
        clean_with("    owner: payments-oncall\n", "").replace("severity: SEV2\n", "severity: SEV2\nstatus: draft\n");
    assert_eq!(FixtureSite::new().file(F, &draft).check().diags, vec![]);
}

#[test]
fn vague_action() {
    let (d, text) = only("vague-action", "vague-action", F, 18, 5);
    assert_eq!(text, "title: Improve monitoring");
    assert_eq!(d.level, "warning");
}

#[test]
fn blame_language_whole_words_case_insensitive() {
    // "Human Error" and "careless" on line 23; on line 25 "to blame", but not "blameless" or
    // "blameworthy".
    let r = check_fixture("blame-language");
    let got: Vec<_> = r.diags.iter().map(|d| (d.code.as_str(), d.line, d.column)).collect();
    assert_eq!(got, vec![("blame-language", 23, 16), ("blame-language", 23, 49), ("blame-language", 25, 42)]);
    let texts: Vec<_> = r.diags.iter().map(|d| text_at(&fixture("blame-language"), d)).collect();
    assert!(texts[0].starts_with("Human Error"));
    assert!(texts[1].starts_with("careless"));
    assert!(texts[2].starts_with("blame for"));
    assert!(r.diags.iter().all(|d| d.level == "warning" && d.file == F));
}

#[test]
fn blame_language_in_front_matter_points_at_the_phrase() {
    let text = clean_with(
        "factors:",
        "summary: The deploy was careless.\nimpact: \"Nobody's fault of course: \\\"human error\\\"\"\nfactors:",
    );
    let site = FixtureSite::new().file(F, &text);
    let r = site.check();
    let got: Vec<_> = r.diags.iter().map(|d| (d.code.as_str(), d.line, d.column)).collect();
    // Line 7's escapes (`\"`) make the source differ from the value, but the phrases are
    // still found on the line, in order.
    assert_eq!(
        got,
        vec![("blame-language", 6, 25), ("blame-language", 7, 19), ("blame-language", 7, 38)],
        "{:#?}",
        r.diags
    );
    let root = site.root();
    assert_eq!(text_at(root, &r.diags[0]), "careless.");
    assert!(text_at(root, &r.diags[1]).starts_with("fault of course"));
    assert!(text_at(root, &r.diags[2]).starts_with("human error"));
}

#[test]
fn visibility() {
    let (d, text) = only("visibility", "visibility", F, 5, 13);
    assert_eq!(text, "secret");
    assert!(d.message.contains("unknown visibility `secret`"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("default_visibility"));
}

#[test]
fn visibility_of_internal_fields_and_body_parts() {
    let text = clean_with("severity: SEV2\n", "severity: SEV2\ninternal_fields: [impact, summry]\n")
        .replace("The pool ran out of connections.\n", "The pool ran out.\n<!-- /internal -->\n");
    let site = FixtureSite::new().file(F, &text);
    let r = site.check();
    let got: Vec<(&str, usize, usize)> = r.diags.iter().map(|d| (d.code.as_str(), d.line, d.column)).collect();
    assert_eq!(got, [("visibility", 5, 27), ("visibility", 25, 1)], "{:#?}", r.diags);
    assert!(r.diags[0].suggestion.as_deref().unwrap().contains("did you mean `summary`?"));
    assert_eq!(text_at(site.root(), &r.diags[0]), "summry]");
    assert_eq!(text_at(site.root(), &r.diags[1]), "<!-- /internal -->");
}

#[test]
fn timeline_missing_kind() {
    let (d, text) = only("timeline-missing-kind", "timeline-missing-kind", F, 7, 1);
    assert_eq!(text, "timeline:");
    assert!(d.message.contains("`detection`"), "{}", d.message);
}

#[test]
fn timeline_unordered() {
    // The signal at 14:02 is written after the detection at 14:19; its text is on line 13.
    let (d, text) = only("timeline-unordered", "timeline-unordered", F, 13, 5);
    assert_eq!(text, "text: p99 latency on checkout-api rises above 2 s");
    assert_eq!(d.level, "warning");
}

#[test]
fn every_code_has_a_fixture_and_documentation() {
    // A new code must come with a fixture folder (or an inline test listed here) and docs.
    let inline = [Code::NotUtf8, Code::ConfigMissing];
    // Build-stage codes: no `check` input produces them.
    let not_from_check = [Code::Template, Code::Io];
    for code in Code::ALL {
        if !inline.contains(&code) && !not_from_check.contains(&code) {
            fixture(code.as_str());
        }
    }
    let docs = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md")).unwrap();
    for code in Code::ALL {
        let heading = format!("## `{}`", code.as_str());
        assert!(docs.contains(&heading), "docs/diagnostics.md lacks a `{heading}` section");
    }
}

#[test]
fn unsafe_link() {
    // Case and a character reference for `:` do not hide the scheme; the https link is fine.
    let (d, text) = only("unsafe-link", "unsafe-link", F, 25, 62);
    assert!(text.starts_with("[old one](JaVaScRiPt&#x3A;"), "{text}");
    assert_eq!(d.level, "warning");
    assert!(d.message.contains("`javascript:`") && d.message.contains("plain text"), "{}", d.message);
}

#[test]
fn unowned_ticket_points_at_the_ticket() {
    // site.toml has a Jira tracker owning PAY; the item names PLAT-7.
    let (d, text) = only("unowned-ticket", "unowned-ticket", F, 22, 13);
    assert_eq!(text, "PLAT-7");
    assert_eq!(d.level, "warning");
    assert!(d.message.contains("no tracker in site.toml owns the ticket `PLAT-7`"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("[[trackers]]"));
    // Without [[trackers]] a ticket is free text, as it always was.
    let r = FixtureSite::new()
        .file(F, &clean_with("    due: 2024-04-01\n", "    due: 2024-04-01\n    ticket: PLAT-7\n"))
        .check();
    assert_eq!(r.diags, vec![]);
}

#[test]
fn stale_tickets_points_at_synced_at() {
    // Synced on 2024-04-02; any day from 2024-04-10 on is more than 7 days later.
    let (d, text) = only("stale-tickets", "stale-tickets", "tickets.json", 3, 3);
    assert!(text.starts_with("\"synced_at\""), "{text}");
    assert_eq!(d.level, "warning");
    assert!(d.message.contains("days old (tickets_max_age_days is 7)"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("pmsite sync"));
    let r = check_dir(&fixture("stale-tickets"), &["--today", "2024-04-09"]);
    assert_eq!(r.diags, vec![], "seven days are not too old");
}

#[test]
fn tickets_invalid_has_the_json_place() {
    // `"state": "shipped"` is neither open nor closed; serde_json names the place.
    let (d, _) = only("tickets-invalid", "tickets-invalid", "tickets.json", 5, 136);
    assert_eq!(d.level, "error");
    assert!(d.message.contains("unknown variant `shipped`"), "{}", d.message);
    assert!(d.suggestion.unwrap().contains("pmsite sync"));
}

#[test]
fn unknown_team_points_at_the_catalog_owner() {
    // [services.checkout-api] owner = "payments"; the postmortem names no teams.
    let (d, text) = only("unknown-team", "unknown-team", "site.toml", 14, 9);
    assert_eq!(text, "\"payments\"");
    assert_eq!(d.level, "warning");
    assert!(d.message.contains("services.checkout-api.owner `payments`"), "{}", d.message);
    // Once a postmortem names the team, the owner has a page to link to.
    let text = std::fs::read_to_string(fixture("unknown-team").join(F)).unwrap();
    let named = text.replacen("services: [checkout-api]\n", "services: [checkout-api]\nteams: [payments]\n", 1);
    assert_ne!(named, text);
    let site_toml = std::fs::read_to_string(fixture("unknown-team").join("site.toml")).unwrap();
    let r = FixtureSite::new().file("site.toml", &site_toml).file(F, &named).check();
    assert_eq!(r.diags, vec![]);
}
