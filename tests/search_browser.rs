//! The browser client (themes/default/static/search.js) in headless Chromium, on the
//! browser index of the fixture site: the search page from `file://` and over HTTP,
//! a facet narrowing results, and typing with arrow keys in the header box.
//!
//! A small driver script on the test pages plays the user (input and key events,
//! checkbox clicks) and writes what the page shows into `<pre id="out">`, which the
//! test reads from Chromium's `--dump-dom`. Chromium must be installed: a silent
//! skip would hide that the client was never run.

use pmsite::check::{Options, check};
use pmsite::search;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const CHROMIUM: &str = "/usr/bin/chromium";

mod common;
use common::http::serve;

fn site() -> tempfile::TempDir {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/search-site");
    let checked = check(&root, &Options { strict: false, drafts: false, today: "2026-01-01".parse().unwrap() });
    let texts: Vec<String> = checked.kb.postmortems.iter().map(|p| search::plain_text(&p.body)).collect();
    let out = tempfile::tempdir().unwrap();
    for f in search::browser_index(&checked.kb, &texts) {
        let path = out.path().join(&f.path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, f.bytes.as_slice()).unwrap();
    }
    let assets = out.path().join("assets");
    std::fs::create_dir_all(&assets).unwrap();
    let client = Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/static/search.js");
    std::fs::copy(client, assets.join("search.js")).unwrap();
    std::fs::write(assets.join("driver.js"), DRIVER).unwrap();
    let header = r#"<form class="pm-search" action="ROOTsearch/" role="search"><input type="search" name="q" id="pm-search-input"></form>"#;
    let page = |root: &str, main: &str| {
        format!(
            "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>t</title><meta name=\"pm-root\" content=\"{root}\"></head><body>{}<main>{main}</main><pre id=\"out\"></pre><script src=\"{root}assets/search.js\"></script><script src=\"{root}assets/driver.js\"></script></body></html>",
            header.replace("ROOT", root)
        )
    };
    std::fs::write(
        out.path().join("search/index.html"),
        page(
            "../",
            r#"<form class="pm-search pm-search-page" role="search"><input type="search" name="q" id="pm-search-page-input"></form><aside id="pm-search-facets"></aside><div id="pm-search-results"></div>"#,
        ),
    )
    .unwrap();
    let incident = out.path().join("incidents/x");
    std::fs::create_dir_all(&incident).unwrap();
    std::fs::write(incident.join("index.html"), page("../../", "<h1>An incident</h1>")).unwrap();
    out
}

/// Plays the user according to `#step`, then reports what the page shows.
const DRIVER: &str = r##"
(function () {
  function until(test, then) { var t = test(); if (t) then(t); else setTimeout(function () { until(test, then); }, 20); }
  function results() {
    return Array.prototype.map.call(document.querySelectorAll(".pm-result"), function (li) {
      var a = li.querySelector("a");
      return { title: a.textContent, href: a.getAttribute("href"), sev: li.querySelector(".pm-sev").textContent,
               marks: Array.prototype.map.call(li.querySelectorAll("mark"), function (m) { return m.textContent; }),
               selected: li.getAttribute("aria-selected") };
    });
  }
  function report(extra) {
    var o = { results: results(), search: location.search,
              facets: Array.prototype.map.call(document.querySelectorAll(".pm-facet input"), function (i) { return i.dataset.facet; }) };
    for (var k in extra) o[k] = extra[k];
    document.getElementById("out").textContent = JSON.stringify(o);
  }
  var step = location.hash.slice(1);
  if (step === "status") {
    until(function () { var s = document.querySelector("#pm-search-results .pm-search-status"); return s && s.textContent; },
          function (text) { report({ status: text }); });
  } else if (step === "page") {
    until(function () { return document.querySelector("#pm-search-results .pm-result"); }, function () { report({}); });
  } else if (step === "facet") {
    until(function () { return document.querySelector('.pm-facet input[data-facet="severity:SEV2"]'); }, function (cb) {
      cb.click();
      until(function () { var r = results(); return r.length && r.every(function (x) { return x.sev === "SEV2"; }); },
            function () { report({}); });
    });
  } else if (step.indexOf("type") === 0) {
    // #type types "certif"; #type=WORD types WORD.
    var input = document.getElementById("pm-search-input");
    input.focus();
    var word = step.indexOf("=") > 0 ? decodeURIComponent(step.slice(step.indexOf("=") + 1)) : "certif", i = 0;
    (function type() {
      if (i < word.length) {
        input.value += word[i++];
        input.dispatchEvent(new Event("input"));
        return setTimeout(type, 30);
      }
      until(function () { return document.querySelector(".pm-search-dropdown .pm-result"); }, function () {
        input.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowDown", bubbles: true }));
        var pages = document.querySelector(".pm-search-dropdown .pm-search-pages");
        report({ active: input.getAttribute("aria-activedescendant"), expanded: input.getAttribute("aria-expanded"),
                 pages: pages ? pages.textContent : null,
                 links: pages ? Array.prototype.map.call(pages.querySelectorAll("a"), function (a) { return a.getAttribute("href"); }) : [] });
      });
    })();
  }
})();
"##;

fn chromium(url: &str) -> Value {
    assert!(Path::new(CHROMIUM).exists(), "the browser test needs Debian's chromium (apt-get install chromium)");
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(CHROMIUM)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-extensions"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(["--virtual-time-budget=30000", "--dump-dom", url])
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&out.stdout);
    let json = dom
        .split_once("<pre id=\"out\">")
        .and_then(|(_, rest)| rest.split_once("</pre>"))
        .map(|(json, _)| json.replace("&quot;", "\"").replace("&amp;", "&"))
        .unwrap_or_default();
    serde_json::from_str(&json).unwrap_or_else(|_| panic!("no report from {url}: {dom}"))
}

fn titles(report: &Value) -> Vec<String> {
    report["results"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_string()).collect()
}

#[test]
fn search_page_from_disk_runs_the_query_in_the_url() {
    let site = site();
    let url = format!("file://{}/search/index.html?q=pool#page", site.path().display());
    let report = chromium(&url);
    let titles = titles(&report);
    assert_eq!(titles[0], "Checkout API outage from connection pool exhaustion", "{report}");
    assert_eq!(titles.len(), 3, "{report}");
    let first = &report["results"][0];
    // From disk a folder link would show a listing, so links name index.html.
    assert_eq!(first["href"], "../incidents/2024-03-12-checkout-pool-exhaustion/index.html");
    assert!(first["marks"].as_array().unwrap().iter().any(|m| m == "pool"), "{report}");
    assert_eq!(report["search"], "?q=pool");
    assert!(report["facets"].as_array().unwrap().iter().any(|f| f == "service:checkout-api"));
}

#[test]
fn a_facet_narrows_results_over_http() {
    let site = site();
    let port = serve(site.path().to_path_buf());
    let report = chromium(&format!("http://127.0.0.1:{port}/search/?q=pool#facet"));
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), 2, "{report}");
    assert!(results.iter().all(|r| r["sev"] == "SEV2"));
    assert_eq!(results[0]["href"], "../incidents/2024-08-08-checkout-deploy-rollback/");
    assert_eq!(report["search"], "?q=pool");
}

#[test]
fn typing_in_the_header_box_matches_prefixes_and_arrows_select() {
    let site = site();
    let port = serve(site.path().to_path_buf());
    let report = chromium(&format!("http://127.0.0.1:{port}/incidents/x/#type"));
    assert_eq!(titles(&report), ["Expired certificate on the API gateway"], "{report}");
    assert_eq!(report["expanded"], "true");
    assert_eq!(report["results"][0]["selected"], "true");
    assert_eq!(report["active"], "pm-search-input-results-0");
    assert_eq!(report["results"][0]["marks"][0], "certificate");
}

#[test]
fn the_search_page_finds_other_forms_of_a_word() {
    let site = site();
    // The fixture says "certificate" only.
    let url = format!("file://{}/search/index.html?q=certificates#page", site.path().display());
    let report = chromium(&url);
    assert_eq!(titles(&report), ["Expired certificate on the API gateway"], "{report}");
    assert_eq!(report["results"][0]["marks"][0], "certificate", "{report}");
}

#[test]
fn a_typed_word_past_its_stem_still_finds_the_word() {
    // "certifica" begins no indexed term ("certificate" is stored as "certif"): only
    // completing it ("certification") and stemming finds the page.
    let site = site();
    let port = serve(site.path().to_path_buf());
    let report = chromium(&format!("http://127.0.0.1:{port}/incidents/x/#type=certifica"));
    assert_eq!(titles(&report), ["Expired certificate on the API gateway"], "{report}");
    assert_eq!(report["results"][0]["marks"][0], "certificate", "{report}");
    assert_eq!(report["pages"], Value::Null, "names no page: {report}");
}

#[test]
fn a_service_name_links_its_page_above_the_results() {
    let site = site();
    let port = serve(site.path().to_path_buf());
    let report = chromium(&format!("http://127.0.0.1:{port}/incidents/x/#type=API-Gateway%20handshake"));
    assert_eq!(titles(&report), ["Expired certificate on the API gateway"], "{report}");
    assert_eq!(report["pages"], "Pages: service api-gateway", "{report}");
    assert_eq!(report["links"][0], "../../services/api-gateway/", "{report}");
    // Arrow keys still walk the results, not the pages line.
    assert_eq!(report["active"], "pm-search-input-results-0");
}

#[test]
fn the_typed_word_itself_ranks_above_longer_words_it_begins() {
    // "check" is a word of the certificate incident only; "checkout" fills the titles
    // and services of two others, which BM25 alone would put first.
    let site = site();
    let port = serve(site.path().to_path_buf());
    let report = chromium(&format!("http://127.0.0.1:{port}/incidents/x/#type=check"));
    let titles = titles(&report);
    assert_eq!(titles.len(), 3, "{report}");
    assert_eq!(titles[0], "Expired certificate on the API gateway", "{report}");
    assert!(titles[1..].iter().all(|t| t.starts_with("Checkout")), "{report}");
}

#[test]
fn an_index_of_another_format_is_refused_not_misread() {
    let site = site();
    let meta = site.path().join("search/meta.js");
    let text = std::fs::read_to_string(&meta).unwrap();
    assert_eq!(text.matches(r#""v":2"#).count(), 1, "{text}");
    std::fs::write(&meta, text.replace(r#""v":2"#, r#""v":1"#)).unwrap();
    let url = format!("file://{}/search/index.html?q=certificate#status", site.path().display());
    let report = chromium(&url);
    assert_eq!(report["status"], "Search is not available: the index did not load.", "{report}");
    assert!(titles(&report).is_empty(), "{report}");
}
