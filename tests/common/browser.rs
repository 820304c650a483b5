//! A minimal WebDriver client for headless Chromium (Debian's chromium + chromium-driver),
//! over plain HTTP/1.1 so the test suite needs no async runtime or browser download.
//!
//! Browser tests fail (never skip) when chromium is missing: CI installs it, and a
//! silent skip would hide that the page behaviour was never exercised.

#![allow(dead_code)]

use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) struct Browser {
    driver: Child,
    port: u16,
    session: String,
    _profile: tempfile::TempDir,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn http(port: u16, method: &str, path: &str, body: Option<&Value>) -> std::io::Result<Value> {
    let mut s = TcpStream::connect(("127.0.0.1", port))?;
    s.set_read_timeout(Some(Duration::from_secs(60)))?;
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    // chromedriver keeps connections open whatever we ask, so read by Content-Length.
    let mut raw = Vec::new();
    let mut buf = [0u8; 65536];
    let header_end = loop {
        let n = s.read(&mut buf)?;
        if n == 0 {
            break raw.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4).unwrap_or(raw.len());
        }
        raw.extend_from_slice(&buf[..n]);
        if let Some(p) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
    };
    let head = String::from_utf8_lossy(&raw[..header_end]).to_ascii_lowercase();
    let chunked = head.contains("transfer-encoding: chunked");
    let length =
        head.lines().find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse::<usize>().unwrap_or(0)));
    loop {
        let body = &raw[header_end..];
        let complete = match length {
            Some(n) => body.len() >= n,
            None if chunked => body.windows(5).any(|w| w == b"0\r\n\r\n"),
            None => false,
        };
        if complete {
            break;
        }
        let n = s.read(&mut buf)?;
        if n == 0 {
            break;
        }
        raw.extend_from_slice(&buf[..n]);
    }
    let rest = String::from_utf8_lossy(&raw[header_end..]).into_owned();
    let body = if chunked { dechunk(&rest) } else { rest };
    Ok(serde_json::from_str(&body).unwrap_or(Value::Null))
}

fn dechunk(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some((size, after)) = rest.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || after.len() < n {
            break;
        }
        out.push_str(&after[..n]);
        rest = after[n..].trim_start_matches("\r\n");
    }
    out
}

impl Browser {
    pub(crate) fn start() -> Browser {
        assert!(
            std::path::Path::new("/usr/bin/chromium").exists()
                && std::path::Path::new("/usr/bin/chromedriver").exists(),
            "browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver); .ci/run installs them"
        );
        let port = free_port();
        let driver = Command::new("/usr/bin/chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let deadline = Instant::now() + Duration::from_secs(20);
        while http(port, "GET", "/status", None).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let profile = tempfile::tempdir().unwrap();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": "/usr/bin/chromium",
                "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--allow-file-access-from-files", "--window-size=1280,900",
                         format!("--user-data-dir={}", profile.path().display())]
            }
        }}});
        let r = http(port, "POST", "/session", Some(&caps)).expect("create session");
        let session = r["value"]["sessionId"].as_str().unwrap_or_else(|| panic!("no session: {r}")).to_string();
        Browser { driver, port, session, _profile: profile }
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let r = http(self.port, method, &format!("/session/{}{path}", self.session), body.as_ref()).expect("webdriver");
        if let Some(err) = r["value"].get("error") {
            panic!("webdriver {path}: {err} {}", r["value"]["message"]);
        }
        r["value"].clone()
    }

    /// Resizes the window so that the page's viewport is `width` CSS pixels wide.
    pub(crate) fn set_viewport_width(&self, width: u32) {
        self.cmd("POST", "/window/rect", Some(json!({ "width": width, "height": 900 })));
        // Headless windows may have a frame: add what it takes from the width.
        let inner = self.eval("return window.innerWidth").as_u64().unwrap_or(u64::from(width)) as u32;
        if inner < width {
            self.cmd("POST", "/window/rect", Some(json!({ "width": 2 * width - inner, "height": 900 })));
        }
    }

    pub(crate) fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({ "url": url })));
    }

    pub(crate) fn eval(&self, script: &str) -> Value {
        self.cmd("POST", "/execute/sync", Some(json!({ "script": script, "args": [] })))
    }

    pub(crate) fn eval_async(&self, script: &str) -> Value {
        self.cmd("POST", "/timeouts", Some(json!({ "script": 60000 })));
        self.cmd("POST", "/execute/async", Some(json!({ "script": script, "args": [] })))
    }

    pub(crate) fn find(&self, css: &str) -> String {
        let v = self.cmd("POST", "/element", Some(json!({ "using": "css selector", "value": css })));
        v.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("element id").to_string()
    }

    pub(crate) fn click(&self, css: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/click"), Some(json!({})));
    }

    pub(crate) fn type_into(&self, css: &str, text: &str) {
        let id = self.find(css);
        self.cmd("POST", &format!("/element/{id}/value"), Some(json!({ "text": text })));
    }

    /// Polls `script` (returning a boolean) until true or the timeout.
    pub(crate) fn wait_for(&self, script: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            if self.eval(script) == Value::Bool(true) {
                return true;
            }
            if Instant::now() > deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Severe console messages since the last call (errors, failed loads).
    pub(crate) fn console_errors(&self) -> Vec<String> {
        let logs =
            http(self.port, "POST", &format!("/session/{}/se/log", self.session), Some(&json!({ "type": "browser" })))
                .map(|v| v["value"].clone())
                .unwrap_or(Value::Null);
        logs.as_array()
            .map(|a| a.iter().filter(|l| l["level"] == "SEVERE").map(|l| l["message"].to_string()).collect())
            .unwrap_or_default()
    }

    /// The current page printed to PDF (WebDriver's Print command; Chromium fires
    /// `beforeprint` first, as it does for a reader's print), on A4 paper.
    pub(crate) fn print_pdf(&self) -> Vec<u8> {
        let b64 = self.cmd(
            "POST",
            "/print",
            Some(json!({ "page": { "width": 21.0, "height": 29.7 }, "background": false, "shrinkToFit": false })),
        );
        base64_decode(b64.as_str().unwrap_or(""))
    }

    /// Emulates `prefers-color-scheme: dark` (or light) through Chromium's DevTools
    /// protocol, for the pages loaded after it.
    pub(crate) fn prefer_color_scheme(&self, scheme: &str) {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({ "cmd": "Emulation.setEmulatedMedia",
                         "params": { "features": [{ "name": "prefers-color-scheme", "value": scheme }] } })),
        );
    }

    pub(crate) fn screenshot_png(&self) -> Vec<u8> {
        let b64 = self.cmd("GET", "/screenshot", None);
        base64_decode(b64.as_str().unwrap_or(""))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = http(self.port, "DELETE", &format!("/session/{}", self.session), None);
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes().filter_map(val) {
        buf = (buf << 6) | c as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
        }
    }
    out
}

/// Width and height of a PNG, from its IHDR chunk.
pub(crate) fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(&png[1..4], b"PNG", "not a PNG");
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    (be(&png[16..20]), be(&png[20..24]))
}
