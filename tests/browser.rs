//! The built example site in headless Chromium: pages render with no console errors,
//! the action item filter works, and axe-core finds no serious accessibility problem.
//! Also the real validators: html-validate over every page, linkchecker over the site.

mod common;

use common::browser::{Browser, png_size};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::Duration;

/// The example site, built once for every test in this file.
/// Builds the knowledge base at `root` into `out` as of 2026-01-01.
fn build(root: &Path, out: &Path) {
    let o = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["build", "--today", "2026-01-01", "--root"])
        .arg(root)
        .arg("--output")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let t = tempfile::tempdir().unwrap();
            let out = t.path().join("public");
            build(Path::new(env!("CARGO_MANIFEST_DIR")), &out);
            (t, out)
        })
        .1
}

fn url(rel: &str) -> String {
    format!("file://{}/{rel}", site().display())
}

const INCIDENT: &str = "incidents/2024-04-16-checkout-api-inventory-retry-storm/index.html";

/// The example site with three rows to a list page, so `/actions/` has a pager.
fn paged_site() -> &'static Path {
    static SITE: OnceLock<(tempfile::TempDir, PathBuf)> = OnceLock::new();
    &SITE
        .get_or_init(|| {
            let t = tempfile::tempdir().unwrap();
            let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
            let kb = t.path().join("kb");
            common::corpus::copy_dir(&root.join("content"), &kb.join("content"));
            let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
            std::fs::write(kb.join("site.toml"), format!("{toml}\n[pagination]\nper_page = 3\n")).unwrap();
            let out = t.path().join("public");
            build(&kb, &out);
            (t, out)
        })
        .1
}

#[test]
fn pages_render_without_console_errors() {
    let b = Browser::start();
    for page in [
        "index.html",
        INCIDENT,
        "metrics/index.html",
        "actions/index.html",
        "patterns/index.html",
        "factors/retry-storm/index.html",
    ] {
        b.goto(&url(page));
        let errors = b.console_errors();
        assert!(errors.is_empty(), "{page}: {errors:?}");
        let h1 = b.eval("return document.querySelector('h1') && document.querySelector('h1').textContent");
        assert!(h1.as_str().is_some_and(|t| !t.is_empty()), "{page} has no heading");
    }
    b.goto(&url(INCIDENT));
    let size = b.eval(
        "const r = document.querySelector('.timeline-figure svg').getBoundingClientRect(); return [r.width, r.height];",
    );
    assert!(size[0].as_f64().unwrap() > 100.0 && size[1].as_f64().unwrap() > 30.0, "timeline SVG has no size: {size}");
    let png = b.screenshot_png();
    let (w, h) = png_size(&png);
    assert!(w >= 800 && h >= 600, "{w}x{h}");
    // Folder links are rewritten to index.html when opened from disk.
    let href = b.eval("return document.querySelector('a.brand').getAttribute('href')");
    assert_eq!(href.as_str(), Some("../../index.html"));
}

#[test]
fn action_item_filter_works_and_the_full_list_is_there_without_javascript() {
    let html = std::fs::read_to_string(site().join("actions/index.html")).unwrap();
    let all_rows = html.matches("data-status=").count();
    let overdue_rows = html.matches("data-overdue=\"true\"").count();
    assert!(all_rows > overdue_rows && overdue_rows > 0, "{all_rows} {overdue_rows}");
    let b = Browser::start();
    b.goto(&url("actions/index.html"));
    let visible =
        "return Array.from(document.querySelectorAll('#action-table tbody tr')).filter(r => !r.hidden).length;";
    assert_eq!(b.eval(visible).as_u64(), Some(all_rows as u64));
    b.click("#action-filters input[name=overdue]");
    assert_eq!(b.eval(visible).as_u64(), Some(overdue_rows as u64));
    assert!(
        b.eval("return document.getElementById('action-count').textContent")
            .as_str()
            .unwrap()
            .starts_with(&format!("{overdue_rows} of"))
    );
    // Narrow further by owner: only that owner's overdue rows remain.
    let owner = b
        .eval("return document.querySelector('#action-table tbody tr[data-overdue=true]').dataset.owner")
        .as_str()
        .unwrap()
        .to_string();
    b.eval(&format!(
        "const s = document.querySelector('#action-filters select[name=owner]'); s.value = {}; s.dispatchEvent(new Event('change', {{bubbles: true}}));",
        serde_json::to_string(&owner).unwrap()
    ));
    let expected = html
        .split("<tr ")
        .filter(|r| r.contains("data-overdue=\"true\"") && r.contains(&format!("data-owner=\"{owner}\"")))
        .count();
    assert_eq!(b.eval(visible).as_u64(), Some(expected as u64));
}

#[test]
fn action_filters_are_read_from_and_written_to_the_address() {
    let html = std::fs::read_to_string(site().join("actions/index.html")).unwrap();
    let rows: Vec<&str> = html.split("<tr class=\"status-").skip(1).collect();
    let teams_of = |r: &str| -> Vec<String> {
        r.split("data-teams=\"").nth(1).unwrap().split('"').next().unwrap().split('|').map(String::from).collect()
    };
    let overdue: Vec<&str> = rows.iter().copied().filter(|r| r.contains("data-overdue=\"true\"")).collect();
    let team = teams_of(overdue.first().expect("an overdue row")).remove(0);
    let expected = overdue.iter().filter(|r| teams_of(r).contains(&team)).count();
    assert!(expected > 0 && expected < rows.len());
    let b = Browser::start();
    b.goto(&format!("{}?team={team}&overdue=1", url("actions/index.html")));
    let visible = "return Array.from(document.querySelectorAll('#action-table tbody tr')).filter(r => !r.hidden).map(r => [r.dataset.teams, r.dataset.overdue]);";
    let shown = b.eval(visible);
    let shown = shown.as_array().unwrap();
    assert_eq!(shown.len(), expected, "{shown:?}");
    for r in shown {
        assert!(r[0].as_str().unwrap().split('|').any(|t| t == team) && r[1] == "true", "{r:?}");
    }
    assert_eq!(
        b.eval("return document.querySelector('#action-filters select[name=team]').value").as_str(),
        Some(team.as_str())
    );
    assert_eq!(
        b.eval("return document.querySelector('#action-filters input[name=overdue]').checked").as_bool(),
        Some(true)
    );
    // Changing a filter rewrites the address without a reload.
    b.click("#action-filters input[name=overdue]");
    assert_eq!(b.eval("return location.search").as_str(), Some(format!("?team={team}").as_str()));
    b.eval("const s = document.querySelector('#action-filters select[name=team]'); s.value = ''; s.dispatchEvent(new Event('change', {bubbles: true}));");
    assert_eq!(b.eval("return location.search").as_str(), Some(""));
    b.eval("const s = document.querySelector('#action-filters select[name=status]'); s.value = 'open'; s.dispatchEvent(new Event('change', {bubbles: true}));");
    assert_eq!(b.eval("return location.search").as_str(), Some("?status=open"));
    // On a paginated list the pager's links carry the filters (and only them), and follow
    // every change; the next page opens with the same view.
    let paged = paged_site();
    let page2 = std::fs::read_to_string(paged.join("actions/page/2/index.html")).expect("a second page of actions");
    assert!(page2.contains("<tr class=\"status-"));
    b.goto(&format!("file://{}/actions/index.html?service=checkout-api&overdue=1&x=y", paged.display()));
    let hrefs = "return Array.from(document.querySelectorAll('nav.pager a')).map(a => a.getAttribute('href'));";
    let links = b.eval(hrefs);
    let links = links.as_array().unwrap();
    assert!(links.len() >= 2, "{links:?}");
    for l in links {
        assert!(l.as_str().unwrap().ends_with("index.html?service=checkout-api&overdue=1"), "{l:?}");
    }
    b.click("#action-filters input[name=overdue]");
    let links = b.eval(hrefs);
    for l in links.as_array().unwrap() {
        assert!(l.as_str().unwrap().ends_with("index.html?service=checkout-api"), "{l:?}");
    }
    b.click("nav.pager a[rel=next]");
    assert!(b.wait_for("return location.pathname.endsWith('/actions/page/2/index.html')", Duration::from_secs(5)));
    assert_eq!(b.eval("return location.search").as_str(), Some("?service=checkout-api"));
    assert_eq!(
        b.eval("return document.querySelector('#action-filters select[name=service]').value").as_str(),
        Some("checkout-api"),
        "page 2 opens with the filter set"
    );
    assert!(
        b.eval("return Array.from(document.querySelectorAll('nav.pager a')).every(a => a.getAttribute('href').endsWith('?service=checkout-api'))")
            .as_bool()
            == Some(true)
    );
    // A service page's link to its items opens /actions/ with the service filter set,
    // from disk too (site.js points the folder link at its index.html, query kept).
    b.goto(&url("services/checkout-api/index.html"));
    let link = "a[href$='?service=checkout-api']";
    assert_eq!(
        b.eval(&format!("return document.querySelector(\"{link}\").getAttribute('href')")).as_str(),
        Some("../../actions/index.html?service=checkout-api")
    );
    b.click(link);
    assert!(b.wait_for("return location.pathname.endsWith('/actions/index.html')", Duration::from_secs(5)));
    assert_eq!(
        b.eval("return document.querySelector('#action-filters select[name=service]').value").as_str(),
        Some("checkout-api")
    );
    let others = "return Array.from(document.querySelectorAll('#action-table tbody tr')).filter(r => !r.hidden && !r.dataset.services.split('|').includes('checkout-api')).length";
    assert_eq!(b.eval(others).as_u64(), Some(0));
    b.goto(&url("actions/index.html?status=open"));
    // The days overdue column is there, filled for overdue rows only.
    let cells = b.eval("return Array.from(document.querySelectorAll('#action-table tbody tr')).map(r => [r.dataset.overdue, r.querySelector('td.days-overdue').textContent]);");
    for c in cells.as_array().unwrap() {
        let days = c[1].as_str().unwrap();
        assert_eq!(c[0] == "true", days.parse::<u64>().is_ok_and(|d| d > 0), "{c:?}");
    }
}

#[test]
fn axe_finds_no_serious_or_critical_violations() {
    let axe_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules/axe-core/axe.min.js");
    let axe = std::fs::read_to_string(&axe_path)
        .unwrap_or_else(|_| panic!("{} is missing: run `npm ci --prefix tests/js`", axe_path.display()));
    let b = Browser::start();
    // Light first, then the same pages as a reader with a dark system theme sees them.
    for scheme in ["light", "dark"] {
        b.prefer_color_scheme(scheme);
        for page in [
            "index.html",
            INCIDENT,
            "services/index.html",
            "services/checkout-api/index.html",
            "actions/index.html",
            "metrics/index.html",
            "factors/index.html",
            "factors/retry-storm/index.html",
            "patterns/index.html",
            "search/index.html",
            "years/2024/index.html",
            "in-review/index.html",
            "guide/index.html",
        ] {
            b.goto(&url(page));
            let dark = b.eval("return matchMedia('(prefers-color-scheme: dark)').matches");
            assert_eq!(dark.as_bool(), Some(scheme == "dark"), "{page}: the {scheme} scheme is not in effect");
            b.eval(&axe);
            let result = b.eval_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'] }).then(r => done(r.violations
                   .filter(v => v.impact === 'serious' || v.impact === 'critical')
                   .map(v => v.id + ': ' + v.help + ' (' + v.nodes.length + ' nodes, e.g. ' + v.nodes[0].html.slice(0, 120)
                     + ': ' + v.nodes[0].failureSummary + ')')));",
            );
            let violations: Vec<String> = serde_json::from_value(result).unwrap();
            assert!(violations.is_empty(), "{page} ({scheme}): {violations:#?}");
        }
    }
}

/// Action items with ticket ids long enough to push a seventh column off the paper.
const LONG_TICKETS: [&str; 4] = [
    "PLATFORM-RELIABILITY-20931",
    "COMMERCE-CHECKOUT-API-4471",
    "OBSERVABILITY-ALERTING-1188",
    "https://tracker.example.com/browse/DATA-PLATFORM-77",
];

fn print_fixture() -> (tempfile::TempDir, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    std::fs::copy(root.join("site.toml"), t.path().join("site.toml")).unwrap();
    std::fs::create_dir_all(t.path().join("content")).unwrap();
    let mut items = String::new();
    for (i, ticket) in LONG_TICKETS.iter().enumerate() {
        items.push_str(&format!(
            "  - title: Follow-up number {i} with a title long enough to wrap over two lines in a printed table\n    owner: platform-team\n    due: 2024-05-{:02}\n    status: open\n    type: prevent\n    outcome: A measurable outcome that is also long enough to need several lines when printed on paper.\n    ticket: {ticket}\n",
            i + 10
        ));
    }
    let md = format!(
        "---\ntitle: Config push broke checkout\ndate: 2024-04-16\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nsummary: A config push broke checkout.\nfactors: [retry-storm]\ntimeline:\n  - at: 2024-04-16T13:58:00Z\n    kind: note\n    text: Config pushed to all regions.\n  - at: 2024-04-16T14:04:00Z\n    kind: signal\n    text: Errors rise.\n  - at: 2024-04-16T14:09:00Z\n    kind: detection\n    text: Paged.\n  - at: 2024-04-16T14:29:00Z\n    kind: mitigation\n    text: Config rolled back.\n  - at: 2024-04-16T14:48:00Z\n    kind: recovery\n    text: Healthy.\naction_items:\n{items}---\n\nThe write-up.\n"
    );
    std::fs::write(t.path().join("content/2024-04-16-config-push.md"), md).unwrap();
    let out = t.path().join("public");
    build(t.path(), &out);
    (t, out)
}

#[test]
fn an_incident_prints_with_every_ticket_and_the_ticket_header_intact() {
    let (t, out) = print_fixture();
    let b = Browser::start();
    b.goto(&format!("file://{}/incidents/2024-04-16-config-push/index.html", out.display()));
    let pdf = b.print_pdf();
    assert!(pdf.starts_with(b"%PDF"), "not a PDF");
    let pdf_path = t.path().join("incident.pdf");
    std::fs::write(&pdf_path, &pdf).unwrap();
    let o = Command::new("pdftotext")
        .args(["-layout"])
        .arg(&pdf_path)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) is needed: ./scripts/test installs it");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8_lossy(&o.stdout);
    for ticket in LONG_TICKETS {
        assert!(text.contains(ticket), "ticket {ticket} is cut or missing in the printed page:\n{text}");
    }
    assert!(text.lines().any(|l| l.split_whitespace().any(|w| w == "Ticket")), "no Ticket header:\n{text}");
    // The print header, filled in when printing starts.
    let header = text.lines().find(|l| l.contains("2024-04-16-config-push")).unwrap_or("");
    assert!(header.contains("SEV2") && header.contains("printed "), "print header: {header:?}\n{text}");
    // The figures and the action items come before the write-up.
    let at = |s: &str| text.find(s).unwrap_or_else(|| panic!("{s} not printed:\n{text}"));
    assert!(at("Time to mitigate") < at("Action items") && at("Action items") < at("The write-up."), "{text}");
}

#[test]
fn closed_details_open_for_printing_and_close_again() {
    let b = Browser::start();
    b.goto(&url("patterns/index.html"));
    let closed = "return document.querySelectorAll('details:not([open])').length";
    let before = b.eval(closed).as_u64().unwrap();
    assert!(before > 0, "the patterns page has closed details to print");
    b.eval("window.dispatchEvent(new Event('beforeprint'))");
    assert_eq!(b.eval(closed).as_u64(), Some(0), "every details element is open while printing");
    b.eval("window.dispatchEvent(new Event('afterprint'))");
    assert_eq!(b.eval(closed).as_u64(), Some(before));
}

#[test]
fn every_page_passes_html_validate() {
    let bin = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/node_modules/.bin/html-validate");
    assert!(bin.exists(), "{} is missing: run `npm ci --prefix tests/js`", bin.display());
    let pages: Vec<PathBuf> = walkdir::WalkDir::new(site())
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .map(|e| e.path().to_path_buf())
        .collect();
    assert!(pages.len() > 50);
    let o = Command::new(&bin)
        .arg("--config")
        .arg(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/js/.htmlvalidate.json"))
        .args(&pages)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

/// linkchecker (Debian's package) crawls the site from the home page over file://.
fn linkcheck(start: &Path) -> std::process::Output {
    assert!(
        Path::new("/usr/bin/linkchecker").exists(),
        "linkchecker is missing: apt-get install linkchecker (.ci/run does)"
    );
    // Links outside the site folder are root-absolute links that authors wrote for their
    // old site (the real corpus has three); pmsite's own links are all relative. Email
    // addresses are not links to check.
    let site_dir = start.parent().unwrap().display().to_string();
    let outside = format!("--ignore-url=^file:///(?!{})", regex_escape(site_dir.trim_start_matches('/')));
    Command::new("/usr/bin/linkchecker")
        .arg(outside)
        .arg("--ignore-url=^mailto:")
        // 404.html links from the server root (it is served for any path), so not from disk.
        .args([
            "--no-status",
            "--no-warnings",
            "--check-extern",
            "--ignore-url=^https?://",
            "--ignore-url=/404\\.html$",
            "--threads=4",
        ])
        .arg(format!("file://{}", start.display()))
        .output()
        .unwrap()
}

fn regex_escape(s: &str) -> String {
    s.chars().map(|c| if c.is_alphanumeric() || c == '/' { c.to_string() } else { format!("\\{c}") }).collect()
}

#[test]
fn linkchecker_finds_no_broken_internal_link_in_the_real_corpus() {
    let Some(t) = common::corpus::real_corpus() else { return };
    let kb = t.path().to_path_buf();
    build(&kb, &kb.join("public"));
    let o = linkcheck(&kb.join("public/index.html"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(" 0 errors found"), "{out}");
}

#[test]
fn linkchecker_finds_no_broken_internal_link() {
    let o = linkcheck(&site().join("index.html"));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}{}", String::from_utf8_lossy(&o.stderr));
    assert!(out.contains(" 0 errors found"), "{out}");
}

#[test]
fn linkchecker_finds_no_broken_internal_link_in_the_hostile_fixture() {
    // Ids and attachments named with `#`, `?`, `%`, spaces, quotes and non-ASCII letters.
    // Over HTTP: from disk linkchecker lists folders itself and misreads non-ASCII names.
    let t = tempfile::tempdir().unwrap();
    common::corpus::copy_dir(&PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hostile"), t.path());
    build(t.path(), &t.path().join("public"));
    let port = common::http::serve(t.path().join("public"));
    let o = Command::new("/usr/bin/linkchecker")
        .args(["--no-status", "--no-warnings", "--verbose", "-ocsv", "--threads=4", "--ignore-url=^mailto:"])
        .arg(format!("http://127.0.0.1:{port}/index.html"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    let rows: Vec<Vec<&str>> = out.lines().filter(|l| !l.starts_with('#')).map(|l| l.split(';').collect()).collect();
    let internal: Vec<&Vec<&str>> = rows.iter().filter(|r| r.len() > 7 && r[7].contains("127.0.0.1")).collect();
    let broken: Vec<_> = internal.iter().filter(|r| r[6] != "True").collect();
    assert!(broken.is_empty(), "{broken:#?}");
    for reached in [
        "/incidents/2024-03-12-a%23b%3Fc%25d%20e%27f%22g-%C3%BCn%C3%AF/",
        "/incidents/2024-01-05-second%20%C3%BCn%C3%AF%20%232/",
        "/files/2024/graph%20%231%20%3F%25.png",
        "/files/2024/log%27s%20%22file%22.txt",
    ] {
        assert!(internal.iter().any(|r| r[7].ends_with(reached)), "{reached} not checked\n{out}");
    }
    assert!(internal.len() > 40, "{} internal URLs\n{out}", internal.len());
}

/// The search page of the built example site: from disk and over HTTP.
fn check_search(b: &Browser, base: &str) {
    b.goto(&format!("{base}search/index.html?q=retry"));
    let results = "Array.from(document.querySelectorAll('#pm-search-results .pm-result')).map(r => r.textContent)";
    assert!(
        b.wait_for(&format!("return {results}.length > 0"), Duration::from_secs(20)),
        "no results for `retry` at {base}: {}",
        b.eval("return document.getElementById('pm-search-results').textContent")
    );
    let first = b.eval(&format!("return {results}[0]"));
    assert!(first.as_str().unwrap().to_lowercase().contains("retry"), "{first}");
    let all = b.eval(&format!("return {results}.length")).as_u64().unwrap();
    // A facet narrows the list (every facet box is a checkbox with data-facet).
    assert!(b.wait_for(
        "return document.querySelectorAll('#pm-search-facets input[type=checkbox]').length > 0",
        Duration::from_secs(10)
    ));
    b.eval("const cb = Array.from(document.querySelectorAll('#pm-search-facets input[type=checkbox]')).find(c => c.dataset.facet.startsWith('severity:SEV1')) || document.querySelector('#pm-search-facets input[type=checkbox]'); cb.click();");
    assert!(b.wait_for(
        &format!("return ({results}.length < {all} && {results}.length > 0) || {all} == 1"),
        Duration::from_secs(10)
    ));
    // The query stays in the URL so a search can be shared.
    assert!(b.eval("return location.search").as_str().unwrap().contains("q=retry"));
    let errors = b.console_errors();
    assert!(errors.is_empty(), "{errors:?}");
}

#[test]
fn search_on_the_built_site_works_from_disk_and_over_http() {
    let b = Browser::start();
    check_search(&b, &format!("file://{}/", site().display()));
    let port = common::http::serve(site().to_path_buf());
    check_search(&b, &format!("http://127.0.0.1:{port}/"));
    // Typing in the header box on any page shows results as you type.
    b.goto(&format!("http://127.0.0.1:{port}/index.html"));
    b.type_into("#pm-search-input", "payments");
    assert!(b.wait_for("return document.querySelectorAll('.pm-result').length > 0", Duration::from_secs(20)));
}

/// No page scrolls sideways on a phone: at 390 CSS pixels the document is no wider than
/// the viewport (tables and pictures scroll inside their own boxes).
#[test]
fn no_page_scrolls_sideways_at_phone_width() {
    let b = Browser::start();
    b.set_viewport_width(390);
    assert_eq!(b.eval("return window.innerWidth").as_u64(), Some(390), "the viewport is a phone's");
    let mut wide = Vec::new();
    for page in [
        "index.html",
        INCIDENT,
        "services/checkout-api/index.html",
        "factors/retry-storm/index.html",
        "metrics/index.html",
        "actions/index.html",
        "patterns/index.html",
        "search/index.html",
        "factors/index.html",
        "years/2024/index.html",
        "in-review/index.html",
        "guide/index.html",
    ] {
        b.goto(&url(page));
        let r = b.eval(
            "const w = document.documentElement.clientWidth;
             const clipped = e => { for (let a = e.parentElement; a; a = a.parentElement) { if (getComputedStyle(a).overflowX !== 'visible') return true; } return false; };
             const culprits = [...document.querySelectorAll('body *')]
               .filter(e => e.getBoundingClientRect().right > w + 1 && !clipped(e))
               .slice(0, 4).map(e => e.tagName.toLowerCase() + '.' + e.className + ' in ' + e.parentElement.tagName.toLowerCase() + '.' + e.parentElement.className + ' ' + Math.round(e.getBoundingClientRect().right));
             return [document.documentElement.scrollWidth, w, culprits];",
        );
        if r[0].as_u64() > r[1].as_u64() {
            wide.push(format!("{page}: {r}"));
        }
    }
    assert!(wide.is_empty(), "pages wider than a 390 px phone:\n{}", wide.join("\n"));
    // Tables of records reflow into cards, so they do not even scroll inside their box.
    for page in ["actions/index.html", "services/checkout-api/index.html", "factors/index.html"] {
        b.goto(&url(page));
        let r = b.eval(
            "return [...document.querySelectorAll('table.cards-on-phone')].map(t => {
               const box = t.closest('.table-scroll') || t.parentElement;
               return [box.scrollWidth, box.clientWidth, getComputedStyle(t.querySelector('tbody tr')).display];
             });",
        );
        let tables = r.as_array().unwrap();
        assert!(!tables.is_empty(), "{page}: a table of records");
        for t in tables {
            assert!(
                t[0].as_u64() <= t[1].as_u64() && t[2] == "flex",
                "{page}: a table of records scrolls instead of reflowing: {t}"
            );
        }
    }
    // The timeline picture keeps a readable size and scrolls in its own box instead.
    b.goto(&url(INCIDENT));
    let r = b.eval(
        "const f = document.querySelector('.timeline-figure');
         return [f.querySelector('svg').getBoundingClientRect().width, f.clientWidth, f.scrollWidth > f.clientWidth];",
    );
    assert!(r[0].as_f64().unwrap() >= 700.0, "the timeline picture is drawn at a readable width on a phone: {r}");
    assert_eq!(r[2].as_bool(), Some(true), "and scrolls within its own box: {r}");
}
