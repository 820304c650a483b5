//! `pmsite sync` against local servers that answer as GitHub, GitLab and Jira document,
//! and what builds, `pmsite actions` and `pmsite check` make of the snapshot.

mod common;

use common::http::{Reply, Seen, api};
use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_pmsite");
const TOKEN: &str = "ghp_s3cr3tTOKENvalue0123456789";
const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/trackers/");

fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{FIXTURES}{name}")).unwrap()
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A postmortem whose action items name `tickets` (each `status: open`, due 2024-04-01).
fn postmortem(tickets: &[&str]) -> String {
    let mut items = String::new();
    for (n, t) in tickets.iter().enumerate() {
        items.push_str(&format!(
            "  - title: Fix number {n}\n    owner: payments-oncall\n    due: 2024-04-01\n    status: open\n    outcome: A test shows it\n    ticket: \"{t}\"\n"
        ));
    }
    format!(
        "---\ntitle: Checkout pool exhaustion\ndate: 2024-03-12\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\ntimeline:\n  - at: 2024-03-12T14:02:00Z\n    kind: signal\n    text: latency\n  - at: 2024-03-12T14:19:00Z\n    kind: detection\n    text: page\n  - at: 2024-03-12T14:49:00Z\n    kind: recovery\n    text: fine\naction_items:\n{items}---\nThe pool ran out.\n"
    )
}

const SITE: &str = "title = \"Fixture\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\n";

fn site(trackers: &str, tickets: &[&str]) -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", &format!("{SITE}{trackers}"));
    write(t.path(), "content/2024/2024-03-12-pool.md", &postmortem(tickets));
    t
}

fn github(api: &str) -> String {
    format!(
        "\n[[trackers]]\nkind = \"github\"\nurl = \"https://github.com\"\napi = \"{api}\"\ntoken_env = \"PMSITE_TEST_TOKEN\"\nowns = [\"acme/ops\"]\n"
    )
}

/// The binary, without a proxy from the environment: the test servers are on this machine.
fn bin() -> Command {
    let mut c = Command::new(BIN);
    for v in ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "PMSITE_TIMINGS"] {
        c.env_remove(v);
    }
    c
}

fn pmsite(root: &Path, args: &[&str]) -> Output {
    bin()
        .args(args)
        .arg("--root")
        .arg(root)
        .env("PMSITE_TEST_TOKEN", TOKEN)
        .env("PMSITE_TEST_EMAIL", "ana@acme.example")
        .output()
        .unwrap()
}

fn sync(root: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sync", "--timeout", "2", "--retries", "1", "--max-wait", "5"];
    args.extend_from_slice(extra);
    pmsite(root, &args)
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn snapshot(root: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(root.join(".pmsite/tickets.json")).unwrap()).unwrap()
}

/// The token is in none of: stdout, stderr, the snapshot.
fn assert_no_token(root: &Path, out: &Output, secrets: &[&str]) {
    let snap = std::fs::read_to_string(root.join(".pmsite/tickets.json")).unwrap_or_default();
    for s in secrets {
        assert!(!text(&out.stdout).contains(s), "a secret in stdout: {}", text(&out.stdout));
        assert!(!text(&out.stderr).contains(s), "a secret in stderr: {}", text(&out.stderr));
        assert!(!snap.contains(s), "a secret in the snapshot: {snap}");
    }
}

fn github_answers(r: &Seen) -> Reply {
    match r.target.as_str() {
        "/repos/acme/ops/issues/12" if r.header("if-none-match") == Some("\"etag-12\"") => {
            Reply::json(304, "").header("ETag", "\"etag-12\"")
        }
        "/repos/acme/ops/issues/12" => {
            Reply::json(200, fixture("github-issue-closed.json")).header("ETag", "\"etag-12\"")
        }
        "/repos/acme/ops/issues/13" => Reply::json(200, fixture("github-issue-open.json")),
        _ => Reply::json(404, fixture("github-not-found.json")),
    }
}

#[test]
fn github_closed_open_not_found_and_a_conditional_resync() {
    let server = api(github_answers);
    let kb = site(&github(&server.url()), &["acme/ops#12", "https://github.com/acme/ops/issues/13", "acme/ops#14"]);
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "a ticket failed: {}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("acme/ops#14: not found (404)"), "{err}");
    assert!(err.contains("synced 3 tickets: 2 updated, 0 unchanged, 1 failed"), "{err}");
    let snap = snapshot(kb.path());
    let t = &snap["tickets"];
    assert_eq!(t["acme/ops#12"]["last_known"]["state"], "closed");
    assert_eq!(t["acme/ops#12"]["last_known"]["status"], "closed as completed");
    assert_eq!(t["acme/ops#12"]["last_known"]["closed"], "2024-03-28");
    assert_eq!(t["acme/ops#12"]["last_known"]["assignee"], "payments-oncall");
    assert_eq!(t["acme/ops#12"]["url"], "https://github.com/acme/ops/issues/12");
    assert_eq!(t["acme/ops#13"]["last_known"]["state"], "open");
    assert_eq!(t["acme/ops#13"]["last_known"]["due"], "2030-01-01");
    assert!(t["acme/ops#14"]["last_known"].is_null());
    assert!(t["acme/ops#14"]["failure"]["reason"].as_str().unwrap().contains("404"));
    for r in server.requests() {
        assert_eq!(r.method, "GET");
        assert_eq!(r.header("authorization"), Some(format!("Bearer {TOKEN}").as_str()), "GitHub takes a bearer token");
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert!(r.header("user-agent").is_some_and(|u| u.starts_with("pmsite/")), "GitHub requires a User-Agent");
    }
    assert_no_token(kb.path(), &out, &[TOKEN]);
    let first_seen = t["acme/ops#12"]["seen"].clone();

    // Again: #12 is asked with its ETag, answered 304 and kept as it was.
    std::thread::sleep(Duration::from_millis(1100));
    let before = server.requests().len();
    let out = sync(kb.path(), &[]);
    let err = text(&out.stderr);
    assert!(err.contains("synced 3 tickets: 1 updated, 1 unchanged, 1 failed"), "{err}");
    let again: Vec<Seen> = server.requests()[before..].to_vec();
    let twelve = again.iter().find(|r| r.target.ends_with("/12")).unwrap();
    assert_eq!(twelve.header("if-none-match"), Some("\"etag-12\""));
    assert!(
        again.iter().find(|r| r.target.ends_with("/13")).unwrap().header("if-none-match").is_none(),
        "no ETag was given for #13"
    );
    let snap = snapshot(kb.path());
    assert_eq!(snap["tickets"]["acme/ops#12"]["last_known"]["state"], "closed", "a 304 keeps the last known state");
    assert_ne!(snap["tickets"]["acme/ops#12"]["seen"], first_seen, "and says it was seen now");
    assert_no_token(kb.path(), &out, &[TOKEN]);
}

#[test]
fn a_401_that_echoes_the_token_is_reported_without_it() {
    let server = api(|r: &Seen| {
        // A proxy or a misconfigured service may echo the request's headers back.
        let echoed = format!("{{\"message\": \"Bad credentials for {}\"}}", r.header("authorization").unwrap_or(""));
        Reply::json(401, echoed)
    });
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("refused the credentials (401)") && err.contains("PMSITE_TEST_TOKEN"), "{err}");
    assert!(err.contains("[redacted]"), "{err}");
    assert_no_token(kb.path(), &out, &[TOKEN]);
    // The documented body, as is: its message is shown.
    let server = api(|_: &Seen| Reply::json(401, fixture("github-bad-credentials.json")));
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let err = text(&sync(kb.path(), &[]).stderr);
    assert!(err.contains("acme/ops#12: the tracker refused the credentials (401): Bad credentials"), "{err}");
}

#[test]
fn an_unset_token_variable_is_named_and_nothing_is_asked() {
    let server = api(github_answers);
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let out = bin().args(["sync", "--root"]).arg(kb.path()).env_remove("PMSITE_TEST_TOKEN").output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("the environment variable PMSITE_TEST_TOKEN"), "{}", text(&out.stderr));
    assert!(server.requests().is_empty());
}

#[test]
fn a_429_with_retry_after_is_waited_for_and_retried() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let server = api(move |r: &Seen| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return Reply::json(429, fixture("github-rate-limited.json"))
                .header("Retry-After", "1")
                .header("x-ratelimit-remaining", "0");
        }
        github_answers(r)
    });
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let start = Instant::now();
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(start.elapsed() >= Duration::from_secs(1), "Retry-After: 1 was honoured");
    assert_eq!(server.requests().len(), 2);
    assert_eq!(snapshot(kb.path())["tickets"]["acme/ops#12"]["last_known"]["state"], "closed");

    // GitHub's secondary rate limit: 403 with Retry-After.
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let server = api(move |r: &Seen| {
        if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            return Reply::json(403, "{\"message\": \"You have exceeded a secondary rate limit.\"}")
                .header("Retry-After", "1");
        }
        github_answers(r)
    });
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(server.requests().len(), 2);

    // A wait longer than --max-wait fails the ticket at once, saying how long.
    let server = api(|_: &Seen| Reply::json(429, fixture("github-rate-limited.json")).header("Retry-After", "3600"));
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let start = Instant::now();
    let out = sync(kb.path(), &[]);
    assert!(start.elapsed() < Duration::from_secs(3));
    assert!(text(&out.stderr).contains("asks to wait 3600 s"), "{}", text(&out.stderr));
}

#[test]
fn a_slow_answer_times_out_and_the_last_known_state_is_kept() {
    let slow = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = slow.clone();
    let server = api(move |r: &Seen| {
        let reply = github_answers(r);
        if flag.load(std::sync::atomic::Ordering::SeqCst) { reply.after(Duration::from_secs(3)) } else { reply }
    });
    let kb = site(&github(&server.url()), &["acme/ops#13"]);
    assert_eq!(sync(kb.path(), &[]).status.code(), Some(0));
    let seen = snapshot(kb.path())["tickets"]["acme/ops#13"]["seen"].clone();
    slow.store(true, std::sync::atomic::Ordering::SeqCst);
    let start = Instant::now();
    let out = pmsite(kb.path(), &["sync", "--timeout", "0.3", "--retries", "1"]);
    assert!(start.elapsed() < Duration::from_secs(3), "timed out, not waited: {:?}", start.elapsed());
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(err.contains("acme/ops#13: no answer within 0.3 s (after 2 attempts)"), "{err}");
    let snap = snapshot(kb.path());
    let t = &snap["tickets"]["acme/ops#13"];
    assert_eq!(t["last_known"]["state"], "open", "the last known state survives a failed sync");
    assert_eq!(t["seen"], seen, "and says when it was last seen");
    assert!(t["failure"]["reason"].as_str().unwrap().contains("no answer"));
}

fn gitlab(api: &str) -> String {
    format!(
        "\n[[trackers]]\nkind = \"gitlab\"\nurl = \"https://gitlab.acme.example\"\napi = \"{api}\"\ntoken_env = \"PMSITE_TEST_TOKEN\"\nowns = [\"acme/search\"]\n"
    )
}

#[test]
fn gitlab_asks_a_project_for_its_issues_in_one_batch_with_its_private_token() {
    let server = api(|r: &Seen| {
        if r.header("private-token") != Some(TOKEN) {
            return Reply::json(401, fixture("gitlab-unauthorized.json"));
        }
        Reply::json(200, fixture("gitlab-issues.json"))
    });
    let kb = site(
        &gitlab(&server.url()),
        &["acme/search#6", "https://gitlab.acme.example/acme/search/-/issues/7", "acme/search#8"],
    );
    let out = sync(kb.path(), &[]);
    let err = text(&out.stderr);
    assert!(err.contains("acme/search#8: not found"), "{err}");
    let requests = server.requests();
    assert_eq!(requests.len(), 1, "one request for the three");
    let target = percent_encoding::percent_decode_str(&requests[0].target).decode_utf8().unwrap().into_owned();
    assert!(target.starts_with("/projects/acme/search/issues?"), "{target}");
    assert!(requests[0].target.starts_with("/projects/acme%2Fsearch/issues?"), "the path is the project's id, encoded");
    for iid in ["iids[]=6", "iids[]=7", "iids[]=8"] {
        assert!(target.contains(iid), "{target}");
    }
    let snap = snapshot(kb.path());
    let t = &snap["tickets"];
    assert_eq!(t["acme/search#6"]["last_known"]["state"], "closed");
    assert_eq!(t["acme/search#6"]["last_known"]["closed"], "2024-06-20");
    assert_eq!(t["acme/search#6"]["last_known"]["assignee"], "search-oncall");
    assert_eq!(t["acme/search#7"]["last_known"]["state"], "open");
    assert_eq!(t["acme/search#7"]["last_known"]["due"], "2024-08-15");
    assert_eq!(t["acme/search#7"]["url"], "https://gitlab.acme.example/acme/search/-/issues/7");
    assert_no_token(kb.path(), &out, &[TOKEN]);

    let out =
        bin().args(["sync", "--root"]).arg(kb.path()).env("PMSITE_TEST_TOKEN", "glpat-wrong-one").output().unwrap();
    let err = text(&out.stderr);
    assert!(err.contains("acme/search#6: the tracker refused the credentials (401): 401 Unauthorized"), "{err}");
    assert_eq!(snapshot(kb.path())["tickets"]["acme/search#6"]["last_known"]["state"], "closed", "kept");
}

fn jira_issue(key: &str, n: u64) -> String {
    let closed = n.is_multiple_of(2);
    fixture("jira-search-issue.json")
        .replace("{{id}}", &(10000 + n).to_string())
        .replace("{{key}}", key)
        .replace("{{status}}", if closed { "Done" } else { "In Progress" })
        .replace("{{category}}", if closed { "done" } else { "indeterminate" })
        .replace("{{resolutiondate}}", if closed { "\"2024-03-28T23:30:00.000+0000\"" } else { "null" })
}

#[test]
fn jira_searches_in_batches_of_100_with_basic_auth_and_drops_missing_keys() {
    let server = api(|r: &Seen| {
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        let jql = body["jql"].as_str().unwrap();
        let keys: Vec<&str> =
            jql.trim_start_matches("key in (").trim_end_matches(')').split(", ").map(|k| k.trim_matches('"')).collect();
        if keys.contains(&"PAY-7") {
            return Reply::json(400, fixture("jira-missing-key.json").replace("{{key}}", "PAY-7"));
        }
        let issues: Vec<String> =
            keys.iter().map(|k| jira_issue(k, k.trim_start_matches("PAY-").parse().unwrap())).collect();
        Reply::json(200, format!("{{\"issues\": [{}], \"isLast\": true}}", issues.join(",")))
    });
    let keys: Vec<String> = (1..=150).map(|n| format!("PAY-{n}")).collect();
    let refs: Vec<&str> = keys.iter().map(String::as_str).collect();
    let trackers = format!(
        "\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\napi = \"{}\"\ntoken_env = \"PMSITE_TEST_TOKEN\"\nemail_env = \"PMSITE_TEST_EMAIL\"\nowns = [\"PAY\"]\n",
        server.url()
    );
    let kb = site(&trackers, &refs);
    let out = sync(kb.path(), &["--concurrency", "2"]);
    let err = text(&out.stderr);
    assert!(err.contains("PAY-7: not found"), "{err}");
    assert!(err.contains("synced 150 tickets: 149 updated, 0 unchanged, 1 failed"), "{err}");
    let requests = server.requests();
    assert_eq!(requests.len(), 3, "100 + 50 keys, and the first batch again without PAY-7");
    let basic = format!("Basic {}", base64_of("ana@acme.example:".to_string() + TOKEN));
    for r in &requests {
        assert_eq!((r.method.as_str(), r.target.as_str()), ("POST", "/rest/api/3/search/jql"));
        assert_eq!(r.header("authorization"), Some(basic.as_str()), "Jira Cloud: basic auth, email and API token");
        let body: serde_json::Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["maxResults"], 100);
        assert!(body["jql"].as_str().unwrap().matches("PAY-").count() <= 100);
        let fields: Vec<&str> = body["fields"].as_array().unwrap().iter().map(|f| f.as_str().unwrap()).collect();
        assert_eq!(fields, ["status", "resolutiondate", "assignee", "duedate"]);
    }
    let snap = snapshot(kb.path());
    let t = &snap["tickets"];
    assert_eq!(t["PAY-150"]["last_known"]["state"], "closed");
    assert_eq!(t["PAY-150"]["last_known"]["status"], "Done");
    assert_eq!(t["PAY-150"]["last_known"]["closed"], "2024-03-28", "in the site's timezone (UTC)");
    assert_eq!(t["PAY-149"]["last_known"]["state"], "open");
    assert_eq!(t["PAY-149"]["last_known"]["assignee"], "Ana Khan");
    assert_eq!(t["PAY-149"]["last_known"]["due"], "2024-04-01");
    assert_eq!(t["PAY-149"]["url"], "https://acme.atlassian.net/browse/PAY-149");
    assert!(t["PAY-7"]["last_known"].is_null());
    assert_no_token(kb.path(), &out, &[TOKEN, basic.trim_start_matches("Basic ")]);
}

fn base64_of(s: String) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(s)
}

fn read_tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

#[test]
fn a_build_shows_the_trackers_state_and_drift_and_without_a_snapshot_is_unchanged() {
    let server = api(github_answers);
    let kb = site(&github(&server.url()), &["acme/ops#12", "acme/ops#13"]);
    let build = |out: &str| {
        let o = pmsite(kb.path(), &["build", "--today", "2024-06-01", "--output", out]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    };
    // No snapshot yet: the very bytes of the same knowledge base without [[trackers]],
    // except that the tickets the tracker owns link to it (docs/format.md, `ticket_url`).
    build("with-trackers");
    let plain = site("", &["acme/ops#12", "acme/ops#13"]);
    let o = pmsite(plain.path(), &["build", "--today", "2024-06-01"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let (a, b) = (read_tree(&kb.path().join("with-trackers")), read_tree(&plain.path().join("public")));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    let linked = |bytes: &[u8]| {
        let mut t = String::from_utf8_lossy(bytes).into_owned();
        for n in [12, 13] {
            // The incident page's cell, and the action lists' (labelled for phones).
            for cell in ["<td class=\"ticket\">", "<td class=\"ticket\" data-label=\"Ticket\">"] {
                t = t.replace(
                    &format!("{cell}acme/ops#{n}</td>"),
                    &format!("{cell}<a href=\"https://github.com/acme/ops/issues/{n}\">acme/ops#{n}</a></td>"),
                );
            }
        }
        t
    };
    let mut links = 0;
    for (k, v) in &a {
        // The output manifest lists the pages' hashes, which the links change.
        if k == ".pmsite-output" {
            continue;
        }
        links += String::from_utf8_lossy(v).matches("href=\"https://github.com/acme/ops/issues/").count();
        assert!(String::from_utf8_lossy(v) == linked(&b[k]), "{k} differs with [[trackers]] but no snapshot");
    }
    assert!(links > 0, "the tracker's tickets link to it");

    assert_eq!(sync(kb.path(), &[]).status.code(), Some(0));
    // The build reads the snapshot only: the server is gone from its point of view.
    let before = server.requests().len();
    build("public");
    assert_eq!(server.requests().len(), before, "a build never touches the network");
    let page = std::fs::read_to_string(kb.path().join("public/incidents/2024-03-12-pool/index.html")).unwrap();
    assert!(page.contains("<th scope=\"col\">Tracker</th>"), "{page}");
    assert!(page.contains("<a href=\"https://github.com/acme/ops/issues/12\">acme/ops#12</a> <span class=\"badge tracker-closed status-done\">closed as completed</span>"), "{page}");
    assert!(page.contains("data-drift=\"open_here_closed_there\">Drift: open here, closed in the tracker"), "{page}");
    // #13 is open in both and past its due date: overdue, and it says who said so.
    assert!(page.contains("overdue</strong> <span class=\"muted\">(judged by the tracker)</span>"), "{page}");
    let actions = std::fs::read_to_string(kb.path().join("public/actions/index.html")).unwrap();
    assert!(actions.contains("<th scope=\"col\">Tracker</th>"));
    assert!(actions.contains("data-drift=\"open_here_closed_there\""), "closed there, but listed for its drift");
    assert!(actions.contains("<strong>2</strong> drift from the tracker"), "{actions}");
    assert!(actions.contains("Drift: the tracker has another assignee"), "{actions}");
    assert!(actions.contains("judged by the tracker for 2 of 2 items"), "{actions}");
    let owner = std::fs::read_to_string(kb.path().join("public/actions/owners/payments-oncall/index.html")).unwrap();
    assert!(owner.contains("Drift: open here, closed in the tracker"));
    let team = std::fs::read_to_string(kb.path().join("public/actions/teams/payments/index.html")).unwrap();
    assert!(team.contains("Drift: open here, closed in the tracker"));
    let api_json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(kb.path().join("public/api/actions.json")).unwrap()).unwrap();
    let fixed = api_json["action_items"].as_array().unwrap().iter().find(|i| i["ticket"] == "acme/ops#12").unwrap();
    assert_eq!(fixed["tracker"]["state"], "closed");
    assert_eq!(fixed["drift"], "open_here_closed_there");
    for (path, bytes) in read_tree(&kb.path().join("public")) {
        assert!(!String::from_utf8_lossy(&bytes).contains(TOKEN), "the token is in {path}");
    }

    // `pmsite actions`: the same columns, and --fail-on-drift.
    let o = pmsite(kb.path(), &["actions", "--format", "json", "--today", "2024-06-01"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let items = v["action_items"].as_array().unwrap();
    let fixed = items.iter().find(|i| i["ticket"] == "acme/ops#12").unwrap();
    assert_eq!((fixed["status"].as_str(), fixed["overdue"].as_bool()), (Some("open"), Some(false)));
    assert_eq!(fixed["tracker"]["state"], "closed");
    assert_eq!(fixed["tracker"]["closed"], "2024-03-28");
    assert_eq!(fixed["tracker"]["url"], "https://github.com/acme/ops/issues/12");
    assert!(fixed["tracker"]["seen"].is_string());
    assert_eq!(fixed["drift"], "open_here_closed_there");
    assert_eq!(fixed["status_source"], "tracker");
    // Open in both and past due; assigned to someone else there.
    let open = items.iter().find(|i| i["ticket"] == "acme/ops#13").unwrap();
    assert_eq!((open["drift"].as_str(), open["overdue"].as_bool()), (Some("owner_differs"), Some(true)));
    assert_eq!(open["tracker"]["assignee"], "platform-oncall");
    assert_eq!(v["health"]["tracker"]["drifted"], 2);
    assert_eq!(v["health"]["tracker"]["judged_by_tracker"], 2);
    assert_eq!(v["health"]["done"], 1, "done as the tracker says");
    let o = pmsite(kb.path(), &["actions", "--format", "csv", "--fail-on-drift", "--today", "2024-06-01"]);
    assert_eq!(o.status.code(), Some(1), "an item drifts");
    let csv = text(&o.stdout);
    assert!(csv.lines().next().unwrap().ends_with(",overdue,tracker_state,tracker_status,tracker_closed,tracker_assignee,tracker_due,tracker_url,tracker_seen,drift,status_source"), "{csv}");
    assert!(
        csv.contains(",closed,closed as completed,2024-03-28,payments-oncall,,https://github.com/acme/ops/issues/12,"),
        "{csv}"
    );
    let o = pmsite(plain.path(), &["actions", "--fail-on-drift"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o.stderr).contains("no ticket snapshot"), "{}", text(&o.stderr));
}

#[test]
fn a_committed_snapshot_named_in_site_toml_is_read_and_written() {
    let server = api(github_answers);
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    // A top-level key: before the first table.
    write(kb.path(), "site.toml", &format!("tickets = \"data/tickets.json\"\n{SITE}{}", github(&server.url())));
    let out = sync(kb.path(), &[]);
    assert!(text(&out.stderr).contains("wrote data/tickets.json"), "{}", text(&out.stderr));
    assert!(kb.path().join("data/tickets.json").is_file() && !kb.path().join(".pmsite/tickets.json").exists());
    let o = pmsite(kb.path(), &["actions", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["action_items"][0]["tracker"]["state"], "closed");
}

#[test]
fn sync_without_trackers_says_how_to_add_one() {
    let kb = site("", &["acme/ops#12"]);
    let out = pmsite(kb.path(), &["sync"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("no [[trackers]]") && text(&out.stderr).contains("docs/trackers.md"));
}

#[test]
fn bad_tracker_settings_are_errors_at_the_value() {
    let kb = site(
        "\n[[trackers]]\nkind = \"bugzilla\"\nurl = \"https://b.example\"\nowns = [\"X\"]\n\n[[trackers]]\nkind = \"jira\"\nurl = \"javascript:alert(1)\"\ntoken_env = \"my token\"\nowns = [\"pay\"]\n",
        &["PAY-1"],
    );
    let out = pmsite(kb.path(), &["check", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let places: Vec<(String, u64, u64)> = v
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["file"] == "site.toml")
        .map(|d| {
            (d["message"].as_str().unwrap().to_string(), d["line"].as_u64().unwrap(), d["column"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(places.len(), 4, "{places:#?}");
    assert!(
        places[0].0.contains("unknown tracker kind `bugzilla`") && places[0].1 == 6 && places[0].2 == 8,
        "{places:#?}"
    );
    assert!(places[1].0.contains("tracker url") && places[1].1 == 12, "{places:#?}");
    assert!(places[2].0.contains("not the name of an environment variable") && places[2].1 == 13, "{places:#?}");
    assert!(places[3].0.contains("`pay` in owns is not a jira project key") && places[3].1 == 14, "{places:#?}");
    assert_eq!(out.status.code(), Some(1));
    let kb = site(
        "\n[[trackers]]\nkind = \"github\"\nurl = \"https://github.com\"\ntoken = \"ghp_x\"\nowns = [\"a/b\"]\n",
        &[],
    );
    let out = pmsite(kb.path(), &["check"]);
    let err = text(&out.stderr);
    assert!(err.contains("error[config-syntax]") && err.contains("unknown field `token`"), "{err}");
}

#[test]
fn recurred_despite_a_fix_counts_a_fix_the_tracker_closed_and_says_so() {
    let server = api(github_answers);
    // The earlier incident's item is open in its file; its ticket #12 was closed on 2024-03-28.
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    let later = postmortem(&[]).replace("2024-03-12", "2024-09-01").replace("action_items:\n", "");
    write(kb.path(), "content/2024/2024-09-01-again.md", &later);
    let patterns = |kb: &Path| {
        let o = pmsite(kb, &["build", "--today", "2024-10-01"]);
        assert!(o.status.success(), "{}", text(&o.stderr));
        std::fs::read_to_string(kb.join("public/patterns/index.html")).unwrap()
    };
    let page = patterns(kb.path());
    assert!(page.contains("No factor came back in a service after a fix was marked done."), "the file alone: no fix");
    assert_eq!(sync(kb.path(), &[]).status.code(), Some(0));
    let page = patterns(kb.path());
    assert!(page.contains("completed: Fix number 0 (done by its ticket in the tracker)"), "{page}");
}

#[test]
fn retries_after_a_5xx_and_reports_an_answer_not_as_documented() {
    let calls = std::sync::atomic::AtomicUsize::new(0);
    let server = api(move |r: &Seen| match r.target.as_str() {
        // GitHub sends its rate-limit window on every answer; a reset an hour away is no
        // reason to give up on a 502 while requests remain.
        "/repos/acme/ops/issues/12" if calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 => {
            let reset = (jiff::Timestamp::now().as_second() + 3600).to_string();
            Reply::json(502, "<html>bad gateway</html>")
                .header("x-ratelimit-remaining", "4999")
                .header("x-ratelimit-reset", &reset)
        }
        "/repos/acme/ops/issues/13" => Reply::json(200, "{\"unexpected\": true}"),
        _ => github_answers(r),
    });
    let kb = site(&github(&server.url()), &["acme/ops#12", "acme/ops#13"]);
    let out = sync(kb.path(), &[]);
    let err = text(&out.stderr);
    assert!(err.contains("acme/ops#13: GitHub's answer is not an issue as documented"), "{err}");
    assert!(!err.contains("acme/ops#12"), "#12 succeeded on its retry: {err}");
    assert_eq!(snapshot(kb.path())["tickets"]["acme/ops#12"]["last_known"]["state"], "closed");
}

#[test]
fn a_spent_rate_limit_holds_every_request_to_that_tracker() {
    let server = api(|_: &Seen| Reply::json(429, fixture("github-rate-limited.json")).header("Retry-After", "3600"));
    let kb = site(&github(&server.url()), &["acme/ops#12", "acme/ops#13", "acme/ops#14"]);
    let out = sync(kb.path(), &["--concurrency", "1"]);
    let err = text(&out.stderr);
    assert!(err.contains("asks to wait 3600 s"), "{err}");
    assert!(err.contains("the tracker's rate limit is spent for another"), "{err}");
    assert_eq!(server.requests().len(), 1, "no request after the tracker said to wait an hour");
}

#[test]
fn jira_refusing_the_credentials_fails_every_key_of_the_batch() {
    let server = api(|_: &Seen| Reply::json(401, "{\"errorMessages\": [\"You are not authenticated.\"]}"));
    let trackers = format!(
        "\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\napi = \"{}\"\ntoken_env = \"PMSITE_TEST_TOKEN\"\nowns = [\"PAY\"]\n",
        server.url()
    );
    let kb = site(&trackers, &["PAY-1", "PAY-2"]);
    let out = sync(kb.path(), &[]);
    let err = text(&out.stderr);
    for k in ["PAY-1", "PAY-2"] {
        assert!(
            err.contains(&format!("{k}: the tracker refused the credentials (401): You are not authenticated.")),
            "{err}"
        );
    }
    // Without email_env (Jira Data Center), the token is a bearer token.
    assert_eq!(server.requests()[0].header("authorization"), Some(format!("Bearer {TOKEN}").as_str()));
    assert_no_token(kb.path(), &out, &[TOKEN]);
}

#[test]
fn sync_leaves_a_snapshot_it_cannot_read_alone_and_says_when_it_cannot_write() {
    let server = api(github_answers);
    let kb = site(&github(&server.url()), &["acme/ops#12"]);
    write(kb.path(), ".pmsite/tickets.json", "{\"version\": 1,");
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("tickets-invalid"), "{}", text(&out.stderr));
    assert_eq!(std::fs::read_to_string(kb.path().join(".pmsite/tickets.json")).unwrap(), "{\"version\": 1,");
    assert!(server.requests().is_empty());
    // The build stops at it too, naming the place.
    let o = pmsite(kb.path(), &["build"]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains(".pmsite/tickets.json:1:"), "{}", text(&o.stderr));

    std::fs::remove_file(kb.path().join(".pmsite/tickets.json")).unwrap();
    std::fs::remove_dir(kb.path().join(".pmsite")).unwrap();
    write(kb.path(), ".pmsite", "a file where the folder goes");
    let out = sync(kb.path(), &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("cannot write the ticket snapshot .pmsite/tickets.json"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_few_requests_run_at_once() {
    let server = api(|r: &Seen| github_answers(r).after(Duration::from_millis(600)));
    let kb = site(&github(&server.url()), &["acme/ops#12", "acme/ops#13", "acme/ops#15", "acme/ops#16"]);
    let start = Instant::now();
    sync(kb.path(), &["--concurrency", "4"]);
    // One after another would take 2.4 s.
    assert!(start.elapsed() < Duration::from_millis(1800), "{:?}", start.elapsed());
    assert_eq!(server.requests().len(), 4);
}
