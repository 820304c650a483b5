//! The incident page that does not repeat itself, the home page that opens with what
//! needs attention, the guide, the factors index, year pages and `/patterns/` at the
//! scale of an organisation: built from fixture sites by the real binary.

use std::path::{Path, PathBuf};
use std::process::Command;

const SITE: &str = "title = \"Fixture\"\n\
[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n\
[factors.missing-alert]\ntitle = \"Missing alert\"\ncategory = \"operational\"\n\
[factors.bad-deploy]\ntitle = \"Bad deploy\"\ncategory = \"trigger\"\n";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn build(root: &Path, today: &str) -> PathBuf {
    let out = root.join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["build", "--today", today, "--root"])
        .arg(root)
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn read(out: &Path, rel: &str) -> String {
    std::fs::read_to_string(out.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The text between `start` and the next `end` after it.
fn between<'a>(s: &'a str, start: &str, end: &str) -> &'a str {
    let a = s.find(start).unwrap_or_else(|| panic!("no {start:?} in the page")) + start.len();
    &s[a..a + s[a..].find(end).unwrap_or(s.len() - a)]
}

struct Pm<'a> {
    id: &'a str,
    status: &'a str,
    services: &'a str,
    teams: &'a str,
    factors: &'a str,
    extra: &'a str,
    body: &'a str,
}

impl Default for Pm<'_> {
    fn default() -> Self {
        Pm {
            id: "",
            status: "published",
            services: "[checkout-api]",
            teams: "[payments]",
            factors: "[retry-storm]",
            extra: "",
            body: "Body.\n",
        }
    }
}

fn pm(root: &Path, p: Pm) {
    let date = &p.id[..10];
    write(
        root,
        &format!("content/{}/{}.md", &date[..4], p.id),
        &format!(
            "---\ntitle: Incident {id}\ndate: {date}\nseverity: SEV2\nstatus: {}\nservices: {}\nteams: {}\nfactors: {}\nsummary: The pool ran out of connections.\n{}---\n{}",
            p.status,
            p.services,
            p.teams,
            p.factors,
            p.extra,
            p.body,
            id = p.id
        ),
    );
}

const TIMELINE: &str = "timeline:\n  - at: 2024-05-01T10:00:00Z\n    kind: signal\n    text: errors rise\n  - at: 2024-05-01T10:05:00Z\n    kind: detection\n    text: paged\n  - at: 2024-05-01T10:20:00Z\n    kind: recovery\n    text: back\n";
const ACTIONS: &str = "action_items:\n  - title: Cap retries at two\n    owner: payments-oncall\n    due: 2024-06-01\n    status: done\n    completed: 2024-04-20\n    outcome: a load test passes\n";

#[test]
fn repeated_body_sections_fold_into_the_structured_ones() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    pm(
        t.path(),
        Pm {
            id: "2024-05-01-wal",
            extra: &format!("{TIMELINE}{ACTIONS}"),
            body: "## Summary\n\nThe pool ran out of connections!\n\n## What happened\n\nA deploy.\n\n\
                   ## Timeline (all times UTC)\n\n- 10:00 errors rise, see [graph](https://grafana.example/d/1)\n\n\
                   ## Action Items\n\n- [ ] also file the follow-up\n\n## Lessons learned\n\nMore tests.\n\n\
                   ## Appendix\n\nLogs.\n\n[back to the summary](#summary)\n",
            ..Pm::default()
        },
    );
    let out = build(t.path(), "2024-08-01");
    let page = read(&out, "incidents/2024-05-01-wal/index.html");
    let prose = between(&page, "<section class=\"prose s-prose\"", "</section>");
    // The summary only repeated the front matter's: dropped, with a note at its anchor.
    assert!(!prose.contains("ran out of connections"), "{prose}");
    assert!(prose.contains("<p class=\"folded-note\" id=\"summary\">"), "{prose}");
    assert!(prose.contains("Summary: repeated above, under <a href=\"#summary-h\">Summary</a>"), "{prose}");
    // The timeline and action items say more: moved into their sections.
    assert!(!prose.contains("errors rise") && !prose.contains("also file"), "{prose}");
    assert!(prose.contains("<h2 id=\"what-happened\">What happened</h2>") && prose.contains("More tests."), "{prose}");
    let timeline = between(&page, "<section class=\"s-timeline\"", "</section>");
    assert!(timeline.contains("The write-up's timeline (Timeline (all times UTC))"), "{timeline}");
    assert!(timeline.contains("href=\"https://grafana.example/d/1\""), "links in a folded section survive");
    let actions = between(&page, "<section class=\"s-actions\"", "</section>");
    assert!(actions.contains("From the write-up") && actions.contains("also file the follow-up"), "{actions}");
    // The link to #summary still lands on an element with that id.
    assert_eq!(page.matches("id=\"summary\"").count(), 1);
    // Eight sections: an in-page contents list, in page order, without the folded ones.
    let contents = between(&page, "<nav class=\"contents\" aria-label=\"On this page\">", "</nav>");
    let ids: Vec<&str> = contents.split("href=\"#").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    assert_eq!(
        ids,
        [
            "summary-h",
            "figures-h",
            "factors-h",
            "timeline-h",
            "what-happened",
            "lessons-learned",
            "appendix",
            "actions-h"
        ]
    );
}

#[test]
fn a_write_up_summary_that_opens_with_the_front_matters_replaces_it() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    pm(
        t.path(),
        Pm {
            id: "2024-05-01-longer",
            body: "## Issue Summary\n\nThe pool ran out of connections. Retries made it *worse*.\n\n## Detail\n\nD.\n",
            ..Pm::default()
        },
    );
    let out = build(t.path(), "2024-08-01");
    let page = read(&out, "incidents/2024-05-01-longer/index.html");
    let summary = between(&page, "<section class=\"s-summary\"", "</section>");
    assert_eq!(summary.matches("The pool ran out of connections").count(), 1, "said once: {summary}");
    assert!(summary.contains("Retries made it <em>worse</em>") && !summary.contains("From the write-up"), "{summary}");
}

#[test]
fn a_short_page_has_no_contents_and_a_body_without_structured_sections_is_kept() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    // No timeline in the front matter: the body's Timeline is the only one and stays.
    pm(t.path(), Pm { id: "2024-05-01-a", body: "## Timeline\n\n- 10:00 it broke\n", ..Pm::default() });
    let out = build(t.path(), "2024-08-01");
    let page = read(&out, "incidents/2024-05-01-a/index.html");
    assert!(page.contains("<h2 id=\"timeline\">Timeline</h2>") && page.contains("10:00 it broke"));
    assert!(!page.contains("folded-note") && !page.contains("class=\"contents\""));
}

#[test]
fn connections_list_each_incident_once_with_every_reason() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    pm(t.path(), Pm { id: "2023-01-10-first", extra: ACTIONS, ..Pm::default() });
    pm(
        t.path(),
        Pm {
            id: "2023-06-01-other",
            services: "[search]",
            teams: "[search]",
            factors: "[missing-alert]",
            ..Pm::default()
        },
    );
    pm(
        t.path(),
        Pm {
            id: "2024-05-01-again",
            extra: "related: [2023-01-10-first, 2023-06-01-other]\n",
            body: "See [the first one](../2023/2023-01-10-first.md).\n",
            ..Pm::default()
        },
    );
    let out = build(t.path(), "2024-08-01");
    let page = read(&out, "incidents/2024-05-01-again/index.html");
    for old in ["Related incidents</h2>", "Similar incidents</h2>", "id=\"recur-h\""] {
        assert!(!page.contains(old), "one Connections block replaces {old}");
    }
    let c = between(&page, "<h2 id=\"connections-h\">Connections</h2>", "</section>");
    assert_eq!(c.matches("href=\"../../incidents/2023-01-10-first/\"").count(), 1, "once: {c}");
    let first = between(c, "2023-01-10-first/", "</li>\n");
    assert!(
        first.contains("Seen before: <a href=\"../../services/checkout-api/\">checkout-api</a> + <a href=\"../../factors/retry-storm/\">Retry storm</a>"),
        "what it shares, as links: {first}"
    );
    assert!(first.contains("listed as related"), "{first}");
    assert!(first.contains("Cap retries at two"), "the earlier incident's action items: {first}");
    let other = between(c, "2023-06-01-other/", "</li>");
    assert!(other.contains("listed as related") && !other.contains("Seen before"), "{other}");
    assert!(c.find("2023-01-10-first").unwrap() < c.find("2023-06-01-other").unwrap(), "recurrences first");
    // And the earlier incident lists the later one, which refers to it.
    let back = read(&out, "incidents/2023-01-10-first/index.html");
    let c = between(&back, "<h2 id=\"connections-h\">Connections</h2>", "</section>");
    assert!(c.contains("2024-05-01-again/") && c.contains("refers to this one"), "{c}");
}

#[test]
fn home_opens_with_what_needs_attention_and_the_guide_has_its_own_page() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    write(t.path(), "content/_index.md", "# Acme\n\nWelcome to our reviews.\n\n## How we write them\n\nBlamelessly.\n");
    let open_overdue = "action_items:\n  - title: Page on saturation\n    owner: oncall\n    due: 2024-07-01\n";
    pm(t.path(), Pm { id: "2023-01-10-old", extra: open_overdue, ..Pm::default() });
    pm(t.path(), Pm { id: "2024-07-01-recur", ..Pm::default() });
    pm(t.path(), Pm { id: "2024-07-02-review", status: "review", services: "[search]", ..Pm::default() });
    let out = build(t.path(), "2024-08-01");
    let home = read(&out, "index.html");
    let attention = between(&home, "<h2 id=\"attention-h\">Needs attention</h2>", "</section>");
    assert!(
        attention.contains("<a href=\"actions/?overdue=1\"><strong>1</strong> overdue action item</a>"),
        "{attention}"
    );
    assert!(attention.contains("<a href=\"in-review/\"><strong>1</strong> postmortem in review</a>"), "{attention}");
    assert!(attention.contains("<strong>1</strong> recurrence in the last 90 days"), "{attention}");
    assert!(attention.contains("Incident 2024-07-01-recur</a>") && attention.contains("recurs"), "{attention}");
    assert!(home.find("attention-h").unwrap() < home.find("Welcome to our reviews").unwrap(), "it opens the page");
    // The introduction's own title is the page's one h1.
    assert_eq!(home.matches("<h1").count(), 1, "{home}");
    assert!(home.contains("<h1 id=\"acme\">Acme</h1>"));
    // The introduction stays; the guide moved.
    assert!(home.contains("Welcome to our reviews.") && !home.contains("Blamelessly."));
    assert!(home.contains("href=\"guide/\""));
    let guide = read(&out, "guide/index.html");
    assert!(guide.contains("<h2 id=\"how-we-write-them\">How we write them</h2>") && guide.contains("Blamelessly."));
    assert!(!guide.contains("Welcome to our reviews."));
    let review = read(&out, "in-review/index.html");
    assert!(review.contains("Incident 2024-07-02-review") && !review.contains("Incident 2024-07-01-recur"));

    // A year later nothing recurred lately; without a `##` there is no guide page.
    write(t.path(), "content/_index.md", "# Acme\n\nWelcome.\n");
    let out = build(t.path(), "2025-08-01");
    let home = read(&out, "index.html");
    assert!(home.contains("<strong>0</strong> recurrences in the last 90 days"), "{home}");
    assert!(!out.join("guide/index.html").exists() && !home.contains("guide/"));
}

#[test]
fn the_factors_index_sorts_by_incidents_with_a_trend_and_years_link_each_other() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    pm(t.path(), Pm { id: "2022-03-01-a", factors: "[missing-alert]", ..Pm::default() });
    pm(t.path(), Pm { id: "2024-03-01-b", factors: "[missing-alert, bad-deploy]", ..Pm::default() });
    pm(t.path(), Pm { id: "2024-03-09-c", factors: "[missing-alert]", ..Pm::default() });
    let out = build(t.path(), "2024-08-01");
    let factors = read(&out, "factors/index.html");
    let order: Vec<usize> =
        ["Missing alert", "Bad deploy", "Retry storm"].iter().map(|f| factors.find(f).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "most incidents first: {order:?}");
    assert!(factors.contains("Missing alert per year, 2022–2024: 3 in all"), "every year drawn, 2023 as zero");
    assert!(factors.contains("<title>2023: 0</title>"));
    let y2024 = read(&out, "years/2024/index.html");
    assert!(
        y2024.contains("<a rel=\"prev\" href=\"../../years/2022/\">← 2022</a>"),
        "the previous year with incidents"
    );
    assert!(!y2024.contains("rel=\"next\" href=\"../../years/"));
    let months = between(&y2024, "<ol class=\"month-strip\">", "</ol>");
    assert_eq!(months.matches("<li").count(), 12);
    assert!(months.contains("<span class=\"n\">2</span><span class=\"m\">Mar</span>"), "{months}");
    assert!(months.contains("<li class=\"empty\"><span class=\"bar\" style=\"--share: 0.00\"></span><span class=\"n\">0</span><span class=\"m\">Jan</span>"), "{months}");
    let y2022 = read(&out, "years/2022/index.html");
    assert!(y2022.contains("<a rel=\"next\" href=\"../../years/2024/\">2024 →</a>"));
}

#[test]
fn patterns_show_the_busiest_teams_and_rank_recurrences_by_kind_of_factor() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    // 20 teams: team-00 has 20 incidents, team-19 one.
    for team in 0..20 {
        for k in 0..(20 - team) {
            pm(
                t.path(),
                Pm {
                    id: &format!("2023-{:02}-{:02}-t{team:02}-{k:02}", 1 + k % 12, 1 + team),
                    services: &format!("[svc-{team:02}]"),
                    teams: &format!("[team-{team:02}]"),
                    factors: "[missing-alert]",
                    ..Pm::default()
                },
            );
        }
    }
    // Two recurrences despite a done fix in one service: by a trigger, then by design.
    let fixed = "action_items:\n  - title: The fix\n    owner: o\n    due: 2024-01-01\n    status: done\n    completed: 2024-01-01\n    outcome: x\n";
    pm(
        t.path(),
        Pm {
            id: "2024-01-10-fix",
            services: "[ledger]",
            factors: "[bad-deploy, retry-storm]",
            extra: fixed,
            ..Pm::default()
        },
    );
    pm(t.path(), Pm { id: "2024-02-10-by-deploy", services: "[ledger]", factors: "[bad-deploy]", ..Pm::default() });
    pm(t.path(), Pm { id: "2024-01-20-by-design", services: "[ledger]", factors: "[retry-storm]", ..Pm::default() });
    let out = build(t.path(), "2024-08-01");
    let p = read(&out, "patterns/index.html");
    let head = between(&p, "<table class=\"matrix\">", "</thead>");
    assert_eq!(head.matches("<th scope=\"col\">").count(), 12 + 3, "factor, 12 teams, other, all: {head}");
    assert!(head.contains(">team-00</a>") && head.contains(">team-10</a>") && !head.contains(">team-19</a>"), "{head}");
    // payments (3 incidents) is one of the 9 folded into "Other".
    assert!(head.contains(">Other 9 teams</a>"), "{head}");
    let row = between(&p, ">Missing alert</a></th>", "</tr>");
    // The other teams' incidents count once each: 8 + 7 + ... + 1 (team-12..team-19) + 0.
    assert!(row.contains(&format!("<summary>{}</summary>", (1..=8).sum::<usize>())), "{row}");
    assert!(p.contains("class=\"heat-legend\""));
    let rec = between(&p, "<h2 id=\"recurred-h\">", "</section>");
    let design = rec.find("Incident 2024-01-20-by-design").unwrap();
    let deploy = rec.find("Incident 2024-02-10-by-deploy").unwrap();
    assert!(design < deploy, "the design recurrence first although it is older: {rec}");
    assert!(
        rec.contains("<li class=\"recurred triggers-only\"><a href=\"../incidents/2024-02-10-by-deploy/\">"),
        "{rec}"
    );
}
