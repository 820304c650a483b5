//! Action items and patterns over hand-made fixtures: overdue as of `--today`,
//! recurrences (and "despite a completed fix"), the factor × team matrix, CSV and JSON.

use std::path::Path;
use std::process::Command;

const SITE: &str = "title = \"Fixture\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n[factors.missing-alert]\ntitle = \"Missing alert\"\ncategory = \"operational\"\n[factors.config-change]\ntitle = \"Config change\"\ncategory = \"trigger\"\n";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

struct Pm<'a> {
    date: &'a str,
    services: &'a str,
    teams: &'a str,
    factors: &'a str,
    actions: &'a str,
}

fn pm(p: &Pm) -> String {
    format!(
        "---\ntitle: Incident on {}\ndate: {}\nseverity: SEV2\nservices: {}\nteams: {}\nfactors: {}\naction_items:\n{}---\nBody.\n",
        p.date, p.date, p.services, p.teams, p.factors, p.actions
    )
}

/// Three incidents: A (2023) with a done fix, B (2024) recurring A's service+factor,
/// C (2024) in another service.
fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    write(
        t.path(),
        "content/2023/2023-01-10-a.md",
        &pm(&Pm {
            date: "2023-01-10",
            services: "[checkout-api]",
            teams: "[payments]",
            factors: "[retry-storm, missing-alert]",
            actions: "  - title: Cap retries at 2 with jittered backoff\n    owner: \"Zoë, \\\"the\\\" owner\"\n    due: 2023-02-01\n    status: done\n    completed: 2023-02-10\n    type: prevent\n    outcome: \"Load test: retries add under 10%,\n      even at p99\"\n  - title: Page on pool saturation above 80%\n    owner: payments-oncall\n    due: 2023-03-01\n    status: open\n    type: detect\n    outcome: A saturation test pages in 3 minutes\n",
        }),
    );
    write(
        t.path(),
        "content/2024/2024-05-01-b.md",
        &pm(&Pm {
            date: "2024-05-01",
            services: "[checkout-api]",
            teams: "[payments, platform]",
            factors: "[retry-storm]",
            actions: "  - title: Retry budget in the shared client\n    owner: platform-oncall\n    due: 2030-01-01\n    status: in-progress\n    type: design\n    outcome: Retries stay under 10% in a fault test\n",
        }),
    );
    write(
        t.path(),
        "content/2024/2024-06-01-c.md",
        &pm(&Pm {
            date: "2024-06-01",
            services: "[search-api]",
            teams: "[search]",
            factors: "[config-change, missing-alert]",
            actions: "  - title: Validate config in CI before rollout\n    owner: search-oncall\n    due: 2024-07-01\n    status: wont-do\n    type: process\n    outcome: A bad config fails CI\n",
        }),
    );
    t
}

fn kb(root: &Path, today: &str) -> pmsite::check::Checked {
    let checked = pmsite::check::check(
        root,
        &pmsite::check::Options { strict: false, drafts: false, today: today.parse().unwrap() },
    );
    assert_eq!(checked.errors(), 0, "{:#?}", checked.diagnostics);
    checked
}

fn run(root: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pmsite")).args(args).arg("--root").arg(root).output().unwrap()
}

#[test]
fn overdue_depends_on_today() {
    let t = fixture();
    let early = kb(t.path(), "2023-02-15");
    let rows = pmsite::actions::all(&early.kb);
    assert_eq!(rows.iter().filter(|r| r.overdue).count(), 0, "nothing is overdue before 2023-03-01");
    let late = kb(t.path(), "2024-08-01");
    let rows = pmsite::actions::all(&late.kb);
    let overdue: Vec<&str> = rows.iter().filter(|r| r.overdue).map(|r| r.title).collect();
    // Done and won't-do items are never overdue; the 2030 item is not due yet.
    assert_eq!(overdue, ["Page on pool saturation above 80%"]);
    assert!(rows[0].overdue, "overdue items come first");
    let h = pmsite::actions::health(&rows.iter().collect::<Vec<_>>());
    assert_eq!((h.total, h.open, h.overdue, h.done, h.done_late, h.wont_do), (4, 2, 1, 1, 1, 1));
    assert_eq!(h.median_days_to_complete, Some(31.0));
}

#[test]
fn recurrence_and_recurred_despite_a_completed_fix() {
    let t = fixture();
    let c = kb(t.path(), "2024-08-01");
    let kb = &c.kb;
    let b = kb.by_id["2024-05-01-b"];
    let a = kb.by_id["2023-01-10-a"];
    assert_eq!(kb.recurrences.count(b), 1);
    assert_eq!(kb.recurrences.nearest(b)[0].earlier, a);
    assert_eq!(kb.recurrences.nearest(b)[0].factors, ["retry-storm"]);
    assert_eq!(kb.recurrences.count(a), 0, "the earlier incident is not a recurrence");
    assert_eq!(
        kb.recurrences.count(kb.by_id["2024-06-01-c"]),
        0,
        "a shared factor in another service is not a recurrence"
    );
    let r = pmsite::patterns::recurred_despite_fix(kb, 5);
    assert_eq!(r.len(), 1);
    assert_eq!((r[0].later, r[0].count, r[0].factors.clone()), (b, 1, vec![("retry-storm", 1)]));
    assert_eq!((r[0].members[0].later, r[0].members[0].earlier), (b, a));
    assert_eq!(r[0].members[0].done_items(kb), ["Cap retries at 2 with jittered backoff"]);
}

#[test]
fn no_recurred_despite_fix_when_the_fix_was_completed_after() {
    let t = fixture();
    let a = std::fs::read_to_string(t.path().join("content/2023/2023-01-10-a.md")).unwrap();
    write(t.path(), "content/2023/2023-01-10-a.md", &a.replace("completed: 2023-02-10", "completed: 2024-06-01"));
    let c = kb(t.path(), "2024-08-01");
    assert!(pmsite::patterns::recurred_despite_fix(&c.kb, 5).is_empty());
    assert_eq!(c.kb.recurrences.count(c.kb.by_id["2024-05-01-b"]), 1, "still a recurrence");
}

#[test]
fn factor_team_matrix_counts() {
    let t = fixture();
    let c = kb(t.path(), "2024-08-01");
    let m = pmsite::patterns::factor_team_matrix(&c.kb);
    let cell = |f: &str, team: &str| {
        let fi = m.factors.iter().position(|x| x == f).unwrap();
        let ti = m.teams.iter().position(|x| x == team).unwrap();
        m.cells[fi][ti].len()
    };
    assert_eq!(cell("retry-storm", "payments"), 2);
    assert_eq!(cell("retry-storm", "platform"), 1);
    assert_eq!(cell("retry-storm", "search"), 0);
    assert_eq!(cell("missing-alert", "payments"), 1);
    assert_eq!(cell("missing-alert", "search"), 1);
    let co = pmsite::patterns::co_occurrence(&c.kb);
    assert!(co.contains(&("missing-alert".into(), "retry-storm".into(), 1)));
}

#[test]
fn csv_escapes_commas_quotes_newlines_and_keeps_unicode() {
    let t = fixture();
    let o = run(t.path(), &["actions", "--format", "csv", "--today", "2024-08-01"]);
    assert!(o.status.success());
    let csv = String::from_utf8(o.stdout).unwrap();
    assert!(csv.contains("\"Zoë, \"\"the\"\" owner\""), "{csv}");
    assert!(csv.contains("\"Load test: retries add under 10%, even at p99\""), "{csv}");
    // A strict CSV reader sees 4 records of 14 fields.
    let records = pmsite::csv::read(&csv);
    assert_eq!(records.len(), 5);
    assert!(records.iter().all(|r| r.len() == 14), "{records:?}");
    assert_eq!(records[1][6], "payments-oncall", "overdue first");
}

#[test]
fn json_report_shape_and_exit_codes() {
    let t = fixture();
    let o = run(t.path(), &["actions", "--format", "json", "--today", "2024-08-01", "--team", "payments"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["today"], "2024-08-01");
    let items = v["action_items"].as_array().unwrap();
    assert_eq!(items.len(), 3, "team payments: A's two items and B's one");
    for key in ["incident", "title", "owner", "due", "status", "type", "outcome", "overdue", "teams", "services"] {
        assert!(items[0].get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["health"]["overdue"], 1);
    let o = run(t.path(), &["actions", "--overdue", "--fail-on-overdue", "--today", "2024-08-01"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("payments-oncall"));
    let o = run(t.path(), &["actions", "--overdue", "--fail-on-overdue", "--today", "2023-01-20"]);
    assert_eq!(o.status.code(), Some(0));
    let o = run(t.path(), &["actions", "--owner", "platform-oncall", "--today", "2024-08-01"]);
    let table = String::from_utf8(o.stdout).unwrap();
    assert_eq!(table.lines().count(), 2, "{table}");
}

#[test]
fn built_pages_show_actions_and_patterns() {
    let t = fixture();
    let out = t.path().join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["build", "--today", "2024-08-01", "--root"])
        .arg(t.path())
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let actions = std::fs::read_to_string(out.join("actions/index.html")).unwrap();
    // Open items only on the site-wide page; the closed two are counted.
    assert_eq!(actions.matches("data-status=").count(), 2);
    assert!(actions.contains("2 done or won't-do items"));
    let owner = std::fs::read_to_string(out.join("actions/owners/payments-oncall/index.html")).unwrap();
    assert_eq!(owner.matches("data-status=").count(), 1);
    let team = std::fs::read_to_string(out.join("actions/teams/payments/index.html")).unwrap();
    assert_eq!(team.matches("data-status=").count(), 3);
    let patterns = std::fs::read_to_string(out.join("patterns/index.html")).unwrap();
    assert!(patterns.contains("Cap retries at 2 with jittered backoff"));
    let b = std::fs::read_to_string(out.join("incidents/2024-05-01-b/index.html")).unwrap();
    assert!(b.contains("Seen before") && b.contains("Cap retries at 2"));
    assert!(out.join("api/actions.csv").is_file() && out.join("api/actions.json").is_file());
}

#[test]
fn the_severity_filter_takes_levels_and_aliases() {
    let t = fixture();
    let c = std::fs::read_to_string(t.path().join("content/2024/2024-06-01-c.md")).unwrap();
    write(t.path(), "content/2024/2024-06-01-c.md", &c.replace("severity: SEV2", "severity: SEV1"));
    write(t.path(), "site.toml", &format!("{SITE}[severity_aliases]\nCritical = \"SEV1\"\n"));
    let titles = |severity: &str| {
        let o = run(t.path(), &["actions", "--today", "2024-08-01", "--format", "json", "--severity", severity]);
        assert!(o.status.success(), "{severity}: {}", String::from_utf8_lossy(&o.stderr));
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["action_items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(titles("SEV1"), ["Validate config in CI before rollout"]);
    assert_eq!(titles("critical"), ["Validate config in CI before rollout"], "an alias, in any case");
    assert_eq!(titles("SEV2").len(), 3);
    let o = run(t.path(), &["actions", "--severity", "P0"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("unknown severity `P0`"));
}

#[test]
fn tickets_link_through_ticket_url_and_days_overdue_count_from_today() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", "title = \"Fixture\"\nticket_url = \"https://jira.acme.example/browse/{ticket}\"\n");
    write(
        t.path(),
        "content/2024/2024-05-01-b.md",
        &pm(&Pm {
            date: "2024-05-01",
            services: "[checkout-api]",
            teams: "[payments]",
            factors: "[]",
            actions: "  - title: Late one\n    owner: payments-oncall\n    due: 2024-07-22\n    status: open\n    ticket: PAY-101\n  - title: Not yet due\n    owner: payments-oncall\n    due: 2030-01-01\n    status: open\n    ticket: acme/ops#12\n  - title: Own link\n    owner: payments-oncall\n    due: 2024-06-01\n    status: in-progress\n    ticket: https://tracker.example/t/9\n",
        }),
    );
    let out = t.path().join("public");
    let o = run(t.path(), &["build", "--today", "2024-08-01", "--output", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let actions = std::fs::read_to_string(out.join("actions/index.html")).unwrap();
    assert!(actions.contains("<th scope=\"col\">Days overdue</th>"), "{actions}");
    assert!(actions.contains("<a href=\"https://jira.acme.example/browse/PAY-101\">PAY-101</a>"), "{actions}");
    assert!(
        actions.contains("<a href=\"https://jira.acme.example/browse/acme%2Fops%2312\">acme/ops#12</a>"),
        "{actions}"
    );
    assert!(actions.contains("<a href=\"https://tracker.example/t/9\">"), "{actions}");
    let days: Vec<&str> = actions
        .split("<td class=\"days-overdue\" data-label=\"Days overdue\">")
        .skip(1)
        .map(|s| s.split("</td>").next().unwrap())
        .collect();
    // Overdue first, oldest due first: 2024-06-01 is 61 days late, 2024-07-22 ten days.
    assert_eq!(days, ["61", "10", ""]);
    let inc = std::fs::read_to_string(out.join("incidents/2024-05-01-b/index.html")).unwrap();
    assert!(inc.contains("<a href=\"https://jira.acme.example/browse/PAY-101\">PAY-101</a>"));
}

#[test]
fn a_bad_ticket_url_is_an_error_at_its_line_and_column() {
    let t = fixture();
    // Top-level keys come before the first [table].
    write(t.path(), "site.toml", &format!("ticket_url = \"jira.acme.example/browse/\"\n{SITE}"));
    let o = run(t.path(), &["check", "--today", "2024-08-01"]);
    assert!(!o.status.success());
    let all = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
    assert!(all.contains("site.toml:1:14"), "{all}");
    assert!(all.contains("config-value") && all.contains("ticket_url"), "{all}");
}
