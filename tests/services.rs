//! Service pages over a hand-made fixture: the catalog facts from site.toml
//! `[services.<id>]`, the service's open action items (and not its closed ones), the
//! services it fails with most often, and the owner's team link, which an incremental
//! rebuild keeps right when a postmortem elsewhere stops naming the team.

use pmsite::build::{BuildOptions, render_site};
use pmsite::incremental::Session;
use pmsite::render::RenderOptions;
use std::collections::BTreeMap;
use std::path::Path;

const SITE: &str = "title = \"Fixture\"
[factors.retry-storm]
title = \"Retry storm\"

[services.checkout-api]
owner = \"payments\"
tier = \"1\"
description = \"Takes the money.\"
runbook = \"https://rb.example/checkout\"
dashboard = \"https://grafana.example/d/checkout\"
repository = \"https://git.example/pay/checkout\"

[services.search-api]
owner = \"platform\"

[services.billing]
owner = \"payments\"
";

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn pm(date: &str, services: &str, teams: &str, actions: &str) -> String {
    format!(
        "---\ntitle: Incident on {date}\ndate: {date}\nseverity: SEV2\nservices: {services}\nteams: {teams}\nfactors: [retry-storm]\naction_items:\n{actions}---\nBody.\n"
    )
}

fn item(title: &str, owner: &str, due: &str, status: &str) -> String {
    format!("  - title: {title}\n    owner: {owner}\n    due: {due}\n    status: {status}\n    outcome: measured\n")
}

/// checkout-api is in A, B and C; payments-db in all three of them, api-gateway in B.
/// Team `platform`, search-api's catalog owner, is named only by E, a cdn-edge incident.
fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    let a =
        [item("Alpha open", "payments-oncall", "2025-01-01", "open"), item("Beta done", "dba", "2025-01-01", "done")];
    write(
        t.path(),
        "content/2024-01-10-a.md",
        &pm("2024-01-10", "[checkout-api, payments-db]", "[payments]", &a.concat()),
    );
    let b = [
        item("Gamma dropped", "payments-oncall", "2025-01-01", "wont-do"),
        item("Delta progress", "dba", "2030-01-01", "in-progress"),
    ];
    write(
        t.path(),
        "content/2024-02-10-b.md",
        &pm("2024-02-10", "[checkout-api, payments-db, api-gateway]", "[payments]", &b.concat()),
    );
    write(t.path(), "content/2024-03-10-c.md", &pm("2024-03-10", "[payments-db, checkout-api]", "[payments]", ""));
    let d = item("Epsilon elsewhere", "search-oncall", "2025-01-01", "open");
    write(t.path(), "content/2024-04-10-d.md", &pm("2024-04-10", "[search-api]", "[search]", &d));
    write(t.path(), "content/2024-05-10-e.md", &pm("2024-05-10", "[cdn-edge]", "[platform]", ""));
    t
}

fn opts() -> BuildOptions {
    BuildOptions {
        output: "public".into(),
        base_url: None,
        drafts: false,
        strict: false,
        today: "2026-01-01".parse().unwrap(),
        cache: false,
        edition: Default::default(),
    }
}

fn files(r: &pmsite::build::Rendered) -> BTreeMap<String, String> {
    assert_eq!(pmsite::diagnostics::count_errors(&r.diagnostics), 0, "{:#?}", r.diagnostics);
    r.files.iter().map(|f| (f.path.clone(), String::from_utf8_lossy(&f.bytes).into_owned())).collect()
}

fn build(root: &Path) -> BTreeMap<String, String> {
    files(&render_site(root, &opts(), RenderOptions { live_reload: false }, &|_| {}))
}

/// The part of `html` from `start` up to the next `</section>`.
fn section<'h>(html: &'h str, start: &str) -> &'h str {
    let at = html.find(start).unwrap_or_else(|| panic!("no {start}"));
    let rest = &html[at..];
    &rest[..rest.find("</section>").unwrap()]
}

#[test]
fn the_facts_box_shows_the_catalog_and_links_the_owner() {
    let t = fixture();
    let out = build(t.path());
    let page = &out["services/checkout-api/index.html"];
    let facts = &page[page.find("<dl class=\"facts service-facts\"").expect("a facts box")..];
    let facts = &facts[..facts.find("</dl>").unwrap()];
    assert!(facts.contains("<dt>Owner</dt><dd><a href=\"../../teams/payments/\">payments</a>"), "{facts}");
    assert!(facts.contains("<dt>Tier</dt><dd>1</dd>"), "{facts}");
    for url in ["https://rb.example/checkout", "https://grafana.example/d/checkout", "https://git.example/pay/checkout"]
    {
        assert!(facts.contains(&format!("<a href=\"{url}\" rel=\"noopener\">")), "{url}: {facts}");
    }
    assert!(page.contains("<p class=\"lead\">Takes the money.</p>"));
    // A service without a catalog table has no facts box; a table for a service no
    // postmortem names makes no page.
    assert!(!out["services/payments-db/index.html"].contains("service-facts"));
    assert!(!out.contains_key("services/billing/index.html"));
    // Other term pages share the template and show none of it.
    assert!(!out["teams/payments/index.html"].contains("open-actions-h"));
}

#[test]
fn open_action_items_are_listed_and_closed_ones_are_not() {
    let t = fixture();
    let out = build(t.path());
    let page = &out["services/checkout-api/index.html"];
    let open = section(page, "<section aria-labelledby=\"open-actions-h\">");
    let rows: Vec<&str> = open.split("<tr class=").skip(1).collect();
    assert_eq!(rows.len(), 2, "{open}");
    // Overdue first, as /actions/ lists them.
    assert!(rows[0].contains("Alpha open") && rows[0].contains("overdue-tag"), "{}", rows[0]);
    assert!(rows[0].contains("<a href=\"../../actions/owners/payments-oncall/\">payments-oncall</a>"), "{}", rows[0]);
    assert!(rows[0].contains("<a href=\"../../incidents/2024-01-10-a/\">Incident on 2024-01-10</a>"), "{}", rows[0]);
    assert!(rows[1].contains("Delta progress") && !rows[1].contains("overdue-tag"), "{}", rows[1]);
    for closed in ["Beta done", "Gamma dropped", "Epsilon elsewhere"] {
        assert!(!open.contains(closed), "{closed}: {open}");
    }
    assert!(open.contains("href=\"../../actions/?service=checkout-api\""), "{open}");
    // /actions/ offers the service in its filter, which that link sets.
    assert!(out["actions/index.html"].contains("<option>checkout-api</option>"));
    // A service with no open items says so and does not link an empty view.
    let gateway = section(&out["services/cdn-edge/index.html"], "<section aria-labelledby=\"open-actions-h\">");
    assert!(gateway.contains("None open.") && !gateway.contains("?service="), "{gateway}");
}

#[test]
fn co_failing_services_are_counted_and_linked() {
    let t = fixture();
    let out = build(t.path());
    let co = section(&out["services/checkout-api/index.html"], "<section aria-labelledby=\"co-failing-h\">");
    let items: Vec<&str> = co.split("<li>").skip(1).collect();
    assert_eq!(items.len(), 2, "{co}");
    assert!(items[0].starts_with("<a href=\"../../services/payments-db/\">payments-db</a> <span class=\"count\""));
    assert!(items[0].contains(">3</span>"), "{}", items[0]);
    assert!(items[1].starts_with("<a href=\"../../services/api-gateway/\">api-gateway</a>"), "{}", items[1]);
    assert!(items[1].contains(">1</span>"), "{}", items[1]);
    assert!(!out["services/search-api/index.html"].contains("co-failing-h"), "no other service shares its incidents");
}

#[test]
fn list_rows_link_their_services() {
    let t = fixture();
    let out = build(t.path());
    let team = &out["teams/payments/index.html"];
    assert!(
        team.contains("<span class=\"row-services\"><a href=\"../../services/checkout-api/\">checkout-api</a>, <a href=\"../../services/payments-db/\">payments-db</a>, <a href=\"../../services/api-gateway/\">api-gateway</a></span>"),
        "{team}"
    );
}

#[test]
fn the_owner_link_follows_the_team_across_an_incremental_rebuild() {
    let t = fixture();
    let mut s = Session::new(t.path(), opts(), RenderOptions { live_reload: false });
    let first = files(&s.rebuild(&|_| {}));
    let link = "<a href=\"../../teams/platform/\">platform</a>";
    assert!(first["services/search-api/index.html"].contains(link));
    // E was the only postmortem naming `platform`: the team loses its page, and the
    // search-api page, which reads none of E, shows the owner as text.
    let e = t.path().join("content/2024-05-10-e.md");
    let text = std::fs::read_to_string(&e).unwrap();
    std::fs::write(&e, text.replace("teams: [platform]", "teams: [edge, sre]")).unwrap();
    let inc = files(&s.rebuild(&|_| {}));
    let page = &inc["services/search-api/index.html"];
    assert!(!page.contains(link) && page.contains("<dt>Owner</dt><dd>platform</dd>"), "{page}");
    assert_eq!(inc, build(t.path()), "the incremental build equals a fresh one");
    let checked = pmsite::check::check(
        t.path(),
        &pmsite::check::Options { strict: false, drafts: false, today: "2026-01-01".parse().unwrap() },
    );
    let warned: Vec<_> = checked
        .diagnostics
        .iter()
        .filter(|d| d.file == Path::new("site.toml"))
        .map(|d| (d.code.as_str(), d.line, d.column))
        .collect();
    assert_eq!(warned, [("unknown-team", 14, 9)]);
}
