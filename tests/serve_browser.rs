//! A real browser on `pmsite serve`: headless Chromium driven over WebDriver
//! (chromedriver, raw HTTP). It opens a page, the test edits the postmortem's title,
//! and the browser shows the new title without anyone reloading it; a broken save
//! shows the overlay and a fix clears it.
//!
//! CI installs chromium and chromium-driver; a missing browser is a failure, not a skip.

use pmsite::serve::ServeOptions;
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

fn pm(title: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2024-01-01\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\ntimeline:\n  - at: 2024-01-01T10:00:00Z\n    kind: signal\n    text: errors\n  - at: 2024-01-01T10:10:00Z\n    kind: detection\n    text: paged\n  - at: 2024-01-01T10:40:00Z\n    kind: recovery\n    text: ok\n---\nBody.\n"
    )
}

/// One WebDriver call (chromedriver speaks HTTP/1.1 only; the reply is read by its Content-Length).
fn call(port: u16, method: &str, path: &str, body: Option<&Value>) -> Value {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nConnection: close\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    loop {
        let text = String::from_utf8_lossy(&raw).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length").then(|| v.trim().parse::<usize>().ok())?
            });
            if length.is_some_and(|n| body.len() >= n) {
                return serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
            }
        }
        let n = s.read(&mut buf).unwrap();
        if n == 0 {
            let text = String::from_utf8_lossy(&raw).into_owned();
            let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
            return serde_json::from_str(body).unwrap_or_else(|e| panic!("{method} {path}: {e}: {text}"));
        }
        raw.extend_from_slice(&buf[..n]);
    }
}

/// chromedriver, ended when the test ends however it ends.
struct Driver {
    child: Child,
    port: u16,
    session: Option<String>,
}

impl Drop for Driver {
    fn drop(&mut self) {
        if let Some(id) = &self.session {
            let _ = std::panic::catch_unwind(|| call(self.port, "DELETE", &format!("/session/{id}"), None));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn wait_for<T>(what: &str, within: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} did not happen within {within:?}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn chromium_shows_a_new_title_without_a_manual_reload() {
    assert!(Path::new(CHROMIUM).exists(), "{CHROMIUM} is missing: install chromium (CI does)");
    assert!(Path::new(CHROMEDRIVER).exists(), "{CHROMEDRIVER} is missing: install chromium-driver (CI does)");

    let site = tempfile::tempdir().unwrap();
    let file = site.path().join("content/2024/2024-01-01-alpha.md");
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(site.path().join("site.toml"), "title = \"Fixture\"\nbase_url = \"https://pm.example/\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n").unwrap();
    std::fs::write(&file, pm("Alpha outage")).unwrap();
    let mut opts = ServeOptions::new(site.path(), "2026-01-01".parse().unwrap());
    opts.port = 0;
    let server = pmsite::serve::start(opts).unwrap();

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let mut driver = Driver { child, port, session: None };
    wait_for("chromedriver ready", Duration::from_secs(20), || {
        TcpStream::connect(("127.0.0.1", port)).ok()?;
        call(port, "GET", "/status", None)["value"]["ready"].as_bool().filter(|r| *r)
    });
    let profile = tempfile::tempdir().unwrap();
    let caps = json!({"capabilities": {"alwaysMatch": {
        "browserName": "chrome",
        "goog:chromeOptions": {"binary": CHROMIUM, "args": [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            format!("--user-data-dir={}", profile.path().display()),
        ]}
    }}});
    let created = call(port, "POST", "/session", Some(&caps));
    let id = created["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {created}")).to_string();
    driver.session = Some(id.clone());
    let s = format!("/session/{id}");

    let page = format!("{}incidents/2024-01-01-alpha/", server.url());
    call(port, "POST", &format!("{s}/url"), Some(&json!({ "url": page })));
    let title = |_: ()| call(port, "GET", &format!("{s}/title"), None)["value"].as_str().unwrap_or("").to_string();
    assert!(title(()).contains("Alpha outage"), "{}", title(()));
    wait_for("the page's live-reload connection", Duration::from_secs(10), || {
        (server.live_connections() > 0).then_some(())
    });

    std::fs::write(&file, pm("Alpha outage, retitled")).unwrap();
    wait_for("the new title in the browser", Duration::from_secs(10), || {
        title(()).contains("Alpha outage, retitled").then_some(())
    });

    // A broken save shows the overlay on the open page; a fix removes it.
    let overlay = || {
        let r = call(
            port,
            "POST",
            &format!("{s}/execute/sync"),
            Some(
                &json!({"script": "var o = document.getElementById('pmsite-overlay'); return o ? o.textContent : null;", "args": []}),
            ),
        );
        r["value"].as_str().map(str::to_string)
    };
    wait_for("the page reconnecting after its reload", Duration::from_secs(10), || {
        (server.live_connections() > 0).then_some(())
    });
    std::fs::write(&file, "---\ntitle: [unclosed\n---\n").unwrap();
    let text = wait_for("the error overlay", Duration::from_secs(10), overlay);
    assert!(text.contains("content/2024/2024-01-01-alpha.md"), "{text}");
    std::fs::write(&file, pm("Alpha outage, fixed")).unwrap();
    wait_for("the fixed title", Duration::from_secs(10), || title(()).contains("Alpha outage, fixed").then_some(()));
    assert_eq!(overlay(), None, "the overlay is gone after the fix");
    drop(driver);
    server.shutdown();
}
