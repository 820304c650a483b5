//! `pmsite serve` in-process on a temp fixture site: HTTP, live-reload events, rebuilds.
//!
//! Requests go over a raw TcpStream: the tests must see exactly the bytes a browser
//! would send (`/../site.toml` unnormalised) and read server-sent events as they come.

use pmsite::serve::{ServeOptions, ServerHandle};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

const SITE: &str = "title = \"Fixture\"\nbase_url = \"https://pm.example/\"\n[factors.retry-storm]\ntitle = \"Retry storm\"\ncategory = \"design\"\n";

fn pm(date: &str, title: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: {date}\nseverity: SEV2\nservices: [checkout-api]\nteams: [payments]\nfactors: [retry-storm]\ntimeline:\n  - at: {date}T10:00:00Z\n    kind: signal\n    text: errors\n  - at: {date}T10:10:00Z\n    kind: detection\n    text: paged\n  - at: {date}T10:40:00Z\n    kind: recovery\n    text: ok\n---\nBody of {title}.\n"
    )
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

const A: &str = "content/2024/2024-01-01-alpha.md";
const B: &str = "content/2024/2024-02-01-beta.md";

fn fixture() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "site.toml", SITE);
    write(t.path(), A, &pm("2024-01-01", "Alpha outage"));
    write(t.path(), B, &pm("2024-02-01", "Beta outage"));
    write(t.path(), "static/custom.css", "body { color: black }");
    t
}

fn start(root: &Path) -> ServerHandle {
    let mut opts = ServeOptions::new(root, "2026-01-01".parse().unwrap());
    opts.port = 0;
    pmsite::serve::start(opts).unwrap()
}

struct Reply {
    status: u16,
    headers: String,
    body: String,
}

fn get(addr: SocketAddr, path: &str) -> Reply {
    send(addr, &format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"))
}

/// Sends `request` as is (a browser's bytes, or an attacker's) and reads the whole reply.
fn send(addr: SocketAddr, request: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply { status, headers: head.to_ascii_lowercase(), body: body.to_string() }
}

/// A live-reload connection read the way EventSource reads it.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn connect(addr: SocketAddr) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        // HTTP/1.0: the stream is sent as is, not chunked, so lines can be read directly.
        write!(s, "GET /__pmsite/events HTTP/1.0\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n").unwrap();
        s.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
        let mut ev = Events { reader: BufReader::new(s) };
        let mut status = String::new();
        ev.read_line_until(&mut status, Instant::now() + Duration::from_secs(10));
        assert!(status.contains(" 200 "), "{status}");
        // The server greets each connection once it is subscribed: changes after this are seen.
        let (name, _) = ev.next(Duration::from_secs(10)).expect("hello event");
        assert_eq!(name, "hello");
        ev
    }

    fn read_line_until(&mut self, line: &mut String, deadline: Instant) -> bool {
        line.clear();
        while Instant::now() < deadline {
            match self.reader.read_line(line) {
                Ok(0) => return false,
                Ok(_) if line.ends_with('\n') => return true,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {}
                Err(e) => panic!("{e}"),
            }
        }
        false
    }

    /// The next event (name, data) within `within`, skipping headers and keep-alive comments.
    fn next(&mut self, within: Duration) -> Option<(String, String)> {
        let deadline = Instant::now() + within;
        let (mut name, mut data) = (String::new(), String::new());
        let mut line = String::new();
        while self.read_line_until(&mut line, deadline) {
            let l = line.trim_end_matches(['\r', '\n']);
            if let Some(v) = l.strip_prefix("event:") {
                name = v.trim().to_string();
            } else if let Some(v) = l.strip_prefix("data:") {
                data.push_str(v.trim_start());
            } else if l.is_empty() && !name.is_empty() {
                return Some((name, data));
            }
        }
        None
    }

    /// Waits for an event named `want`, returning its data; other events are skipped.
    fn wait_for(&mut self, want: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        let mut seen = Vec::new();
        while let Some((name, data)) = self.next(deadline.saturating_duration_since(Instant::now())) {
            if name == want {
                return data;
            }
            seen.push(name);
        }
        panic!("no `{want}` event within {within:?}; saw {seen:?}");
    }
}

fn wait_until(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if cond() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{what} did not happen within {within:?}");
}

const BOUND: Duration = Duration::from_secs(5);

#[test]
fn serves_pages_with_content_types_and_the_404_page() {
    let site = fixture();
    let server = start(site.path());
    let addr = server.addr;
    let home = get(addr, "/");
    assert_eq!(home.status, 200);
    assert!(home.headers.contains("content-type: text/html; charset=utf-8"), "{}", home.headers);
    assert!(home.body.contains("Alpha outage") && home.body.contains("/__pmsite/live.js"));
    let page = get(addr, "/incidents/2024-01-01-alpha/");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Alpha outage"));
    let redirect = get(addr, "/incidents/2024-01-01-alpha");
    assert_eq!(redirect.status, 301);
    assert!(redirect.headers.contains("location: /incidents/2024-01-01-alpha/"));
    for (path, ty) in [
        ("/assets/style.css", "text/css"),
        ("/custom.css", "text/css"),
        ("/atom.xml", "application/xml"),
        ("/api/postmortems.json", "application/json"),
        ("/__pmsite/live.js", "text/javascript"),
    ] {
        let r = get(addr, path);
        assert_eq!(r.status, 200, "{path}");
        assert!(r.headers.contains(&format!("content-type: {ty}")), "{path}: {}", r.headers);
    }
    let missing = get(addr, "/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.headers.contains("text/html") && missing.body.contains("Page not found"), "{}", missing.body);
    server.shutdown();
}

#[test]
fn nothing_outside_the_built_site_is_served() {
    let site = fixture();
    let server = start(site.path());
    for path in [
        "/../site.toml",
        "/%2e%2e/site.toml",
        "/..%2fsite.toml",
        "/%2e%2e%2f%2e%2e%2fetc/passwd",
        "/content/2024/2024-01-01-alpha.md",
    ] {
        let r = get(server.addr, path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("base_url") && !r.body.contains("severity: SEV2"), "{path} leaked a source file");
    }
    server.shutdown();
}

#[test]
fn a_save_reloads_the_page_that_shows_it() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    write(site.path(), A, &pm("2024-01-01", "Alpha outage, revised"));
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("\"incidents/2024-01-01-alpha/index.html\""), "{data}");
    assert!(data.contains("\"index.html\""), "the home page lists the title: {data}");
    // Beta recurs after Alpha (same service and factor), so its page links Alpha's title and changes too.
    assert!(
        !data.contains("\"404.html\"") && !data.contains("search/index.html"),
        "unchanged pages are not named: {data}"
    );
    assert!(get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("Alpha outage, revised"));
    server.shutdown();
}

#[test]
fn a_new_ticket_snapshot_reloads_the_pages_that_show_it() {
    let site = fixture();
    let tracker = "\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\nowns = [\"PAY\"]\n";
    write(site.path(), "site.toml", &format!("{SITE}{tracker}"));
    let alpha = pm("2024-01-01", "Alpha outage")
        .replace("---\nBody", "action_items:\n  - title: Fix it\n    ticket: PAY-1\n---\nBody");
    write(site.path(), A, &alpha);
    std::fs::create_dir_all(site.path().join(".pmsite")).unwrap();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    assert!(!get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("tracker-closed"));
    // As `pmsite sync` writes it: a temporary file renamed over the snapshot.
    let snapshot = "{\"version\": 1, \"synced_at\": \"2025-12-31T06:00:00Z\", \"tickets\": {\"PAY-1\": {\"tracker\": \"https://acme.atlassian.net\", \"url\": \"https://acme.atlassian.net/browse/PAY-1\", \"last_known\": {\"state\": \"closed\", \"status\": \"Done\", \"closed\": null, \"assignee\": null, \"due\": null}, \"seen\": \"2025-12-31T06:00:00Z\"}}}";
    write(site.path(), ".pmsite/tickets.json.pmsite-tmp", snapshot);
    std::fs::rename(site.path().join(".pmsite/tickets.json.pmsite-tmp"), site.path().join(".pmsite/tickets.json"))
        .unwrap();
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("incidents/2024-01-01-alpha/index.html"), "{data}");
    assert!(get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("tracker-closed"));
    server.shutdown();
}

#[test]
fn an_editor_saving_through_a_temp_file_and_rename_is_seen() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    let dir = site.path().join("content/2024");
    std::fs::write(dir.join(".2024-01-01-alpha.md.swp"), "swap").unwrap();
    std::fs::write(dir.join("2024-01-01-alpha.md.tmp"), pm("2024-01-01", "Alpha renamed in")).unwrap();
    std::fs::rename(dir.join("2024-01-01-alpha.md.tmp"), dir.join("2024-01-01-alpha.md")).unwrap();
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("incidents/2024-01-01-alpha/index.html"), "{data}");
    assert!(get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("Alpha renamed in"));
    server.shutdown();
}

#[test]
fn a_css_only_change_swaps_the_stylesheet() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    write(site.path(), "static/custom.css", "body { color: rebeccapurple }");
    let (name, data) = events.next(BOUND).expect("an event");
    assert_eq!(name, "css", "{data}");
    assert_eq!(data, r#"{"paths":["custom.css"]}"#);
    assert!(get(server.addr, "/custom.css").body.contains("rebeccapurple"));
    server.shutdown();
}

#[test]
fn a_broken_save_shows_the_error_keeps_the_old_site_and_a_fix_clears_it() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    write(site.path(), A, "---\ntitle: [unclosed\n---\n");
    let data = events.wait_for("error", BOUND);
    assert!(data.contains("content/2024/2024-01-01-alpha.md") && data.contains("\"line\""), "{data}");
    let page = get(server.addr, "/incidents/2024-01-01-alpha/");
    assert_eq!(page.status, 200, "the last good build is still served");
    assert!(page.body.contains("Alpha outage"));
    // A page opened while the build is broken is told at once.
    let mut late = Events::connect(server.addr);
    assert!(late.wait_for("error", BOUND).contains("2024-01-01-alpha.md"));

    write(site.path(), A, &pm("2024-01-01", "Alpha outage fixed"));
    events.wait_for("ok", BOUND);
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("incidents/2024-01-01-alpha/index.html"), "{data}");
    late.wait_for("ok", BOUND);
    assert!(get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("Alpha outage fixed"));
    server.shutdown();
}

#[test]
fn a_deleted_postmortem_leaves_its_pages_and_indexes() {
    let site = fixture();
    let server = start(site.path());
    let service = get(server.addr, "/services/checkout-api/");
    assert_eq!(service.status, 200);
    assert!(service.body.contains("Beta outage") && service.body.contains("Alpha outage"));
    let mut events = Events::connect(server.addr);
    std::fs::remove_file(site.path().join(B)).unwrap();
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("incidents/2024-02-01-beta/index.html"), "{data}");
    let service = get(server.addr, "/services/checkout-api/");
    assert!(!service.body.contains("Beta outage") && service.body.contains("Alpha outage"), "{}", service.body);
    assert_eq!(get(server.addr, "/incidents/2024-02-01-beta/").status, 404);
    server.shutdown();
}

#[test]
fn a_new_postmortem_appears() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    write(site.path(), "content/2025/2025-03-01-gamma.md", &pm("2025-03-01", "Gamma outage"));
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("incidents/2025-03-01-gamma/index.html"), "{data}");
    assert!(get(server.addr, "/services/checkout-api/").body.contains("Gamma outage"));
    server.shutdown();
}

#[test]
fn fifty_live_connections_opened_and_closed_leave_none_behind() {
    let site = fixture();
    let server = start(site.path());
    let conns: Vec<Events> = (0..50).map(|_| Events::connect(server.addr)).collect();
    assert_eq!(server.live_connections(), 50);
    drop(conns);
    wait_until("all 50 connections closing", Duration::from_secs(15), || server.live_connections() == 0);
    server.shutdown();
}

#[test]
fn a_burst_of_saves_is_coalesced_and_the_last_one_wins() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    for i in 0..30 {
        write(site.path(), A, &pm("2024-01-01", &format!("Alpha save {i}")));
    }
    events.wait_for("reload", BOUND);
    wait_until("the last save served", BOUND, || {
        get(server.addr, "/incidents/2024-01-01-alpha/").body.contains("Alpha save 29")
    });
    let rebuilds = server.rebuilds();
    assert!((1..30).contains(&rebuilds), "30 saves caused {rebuilds} rebuilds");
    server.shutdown();
}

#[test]
fn a_save_is_answered_first_and_caught_up_once_the_editor_is_quiet() {
    let site = fixture();
    let server = start(site.path());
    let mut events = Events::connect(server.addr);
    write(site.path(), A, &format!("{}\nA sentence about connection pools.\n", pm("2024-01-01", "Alpha")));
    events.wait_for("reload", BOUND);
    // The follow-up recomputes similar incidents, search and history, then says so.
    wait_until("the follow-up rebuild", BOUND, || server.caught_up() && server.catch_ups() >= 1);
    let ups = server.catch_ups();
    std::thread::sleep(Duration::from_millis(400));
    assert_eq!(server.catch_ups(), ups, "one follow-up per quiet moment, not a loop");
    server.shutdown();
}

#[test]
fn a_port_in_use_moves_to_the_next_free_one() {
    let site = fixture();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    let mut opts = ServeOptions::new(site.path(), "2026-01-01".parse().unwrap());
    opts.port = port;
    let server = pmsite::serve::start(opts).unwrap();
    assert_eq!(server.port_in_use, Some(port));
    assert_ne!(server.addr.port(), port);
    assert!(server.addr.ip().is_loopback(), "binds to 127.0.0.1 by default");
    assert_eq!(get(server.addr, "/").status, 200);
    server.shutdown();
}

// ---- Only requests addressed to this server are answered (DNS rebinding) ----

fn start_on(root: &Path, bind: std::net::IpAddr) -> ServerHandle {
    let mut opts = ServeOptions::new(root, "2026-01-01".parse().unwrap());
    opts.port = 0;
    opts.bind = bind;
    pmsite::serve::start(opts).unwrap()
}

fn get_for(addr: SocketAddr, path: &str, host: &str) -> Reply {
    send(addr, &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"))
}

fn assert_refused(r: &Reply, what: &str) {
    assert_eq!(r.status, 421, "{what}: {}", r.headers);
    assert!(r.headers.contains("content-type: text/plain"), "{what}: {}", r.headers);
    assert!(r.body.contains("pmsite serve answers only"), "{what}: {}", r.body);
    assert!(!r.body.contains("Alpha outage") && !r.body.contains("\"paths\""), "{what} leaked the site: {}", r.body);
}

#[test]
fn only_requests_for_its_own_address_are_answered() {
    let site = fixture();
    let server = start(site.path());
    let addr = server.addr;
    let port = addr.port();
    let other = if port == 65535 { 1 } else { port + 1 };
    for host in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        "127.0.0.1".into(),
        format!("127.0.0.1:{port}"),
        "[::1]".into(),
        format!("[::1]:{port}"),
    ] {
        let r = get_for(addr, "/incidents/2024-01-01-alpha/", &host);
        assert_eq!(r.status, 200, "Host: {host}");
        assert!(r.body.contains("Alpha outage"), "Host: {host}");
    }
    for host in [
        "evil.example".to_string(),
        format!("evil.example:{port}"),
        "127.0.0.1.evil.example".into(),
        format!("127.0.0.1.evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("localhost:{other}"),
        format!("127.0.0.1:{other}"),
        format!("[::1]:{other}"),
        format!("127.0.0.2:{port}"),
        format!("127.1:{port}"),
        format!("[::2]:{port}"),
        format!("localhost:{port}@evil.example"),
        format!("evil.example@localhost:{port}"),
        "localhost:".into(),
        "::1".into(),
        String::new(),
    ] {
        for path in ["/", "/incidents/2024-01-01-alpha/", "/api/postmortems.json", "/__pmsite/live.js", "/no/such/"] {
            assert_refused(&get_for(addr, path, &host), &format!("Host: {host:?}, {path}"));
        }
    }
    // The live-reload stream, which would tell a rebinding page what changed.
    let sse = send(addr, "GET /__pmsite/events HTTP/1.0\r\nHost: evil.example\r\nAccept: text/event-stream\r\n\r\n");
    assert_refused(&sse, "events");
    assert_eq!(server.live_connections(), 0);
    // HTTP/1.1 requires a Host header: a request without one is not guessed to be for us.
    assert_refused(&send(addr, "GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), "no Host");
    // HTTP/1.0 has no Host header; no browser sends such a request, tools may.
    assert_eq!(send(addr, "GET / HTTP/1.0\r\n\r\n").status, 200);
    // Two Host headers, one of them ours.
    assert_refused(
        &send(
            addr,
            &format!("GET / HTTP/1.1\r\nHost: localhost:{port}\r\nHost: evil.example\r\nConnection: close\r\n\r\n"),
        ),
        "two Hosts",
    );
    // An absolute request target names the host too, and wins over Host.
    assert_refused(
        &send(
            addr,
            &format!("GET http://evil.example/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"),
        ),
        "absolute-form",
    );
    assert_eq!(
        send(
            addr,
            &format!("GET http://localhost:{port}/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n")
        )
        .status,
        200
    );
    server.shutdown();
}

/// Linux routes all of 127.0.0.0/8 to the loopback interface, so 127.0.0.2 stands in for
/// a second address of this machine (a LAN address) without needing a network.
#[cfg(target_os = "linux")]
#[test]
fn the_bind_address_and_for_all_interfaces_the_address_reached_are_accepted() {
    use std::net::{IpAddr, Ipv4Addr};
    let site = fixture();
    let second = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));
    let server = start_on(site.path(), second);
    let port = server.addr.port();
    for host in [format!("127.0.0.2:{port}"), "127.0.0.2".into(), format!("localhost:{port}")] {
        assert_eq!(get_for(server.addr, "/", &host).status, 200, "Host: {host}");
    }
    assert_refused(&get_for(server.addr, "/", &format!("127.0.0.3:{port}")), "another address");
    server.shutdown();

    let server = start_on(site.path(), IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    let port = server.addr.port();
    // The wildcard is no address to send a request to: the URL printed is loopback's.
    assert_eq!(server.url(), format!("http://127.0.0.1:{port}/"));
    let via_second = SocketAddr::new(second, port);
    let via_loopback = SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port);
    assert_eq!(get_for(via_second, "/", &format!("127.0.0.2:{port}")).status, 200);
    assert_eq!(get_for(via_second, "/", &format!("localhost:{port}")).status, 200);
    assert_eq!(get_for(via_loopback, "/", &format!("127.0.0.1:{port}")).status, 200);
    // An address of this machine, but not the one this connection reached.
    assert_refused(&get_for(via_loopback, "/", &format!("127.0.0.2:{port}")), "another interface");
    assert_refused(&get_for(via_second, "/", &format!("0.0.0.0:{port}")), "the wildcard");
    assert_refused(&get_for(via_second, "/", &format!("evil.example:{port}")), "a name");
    server.shutdown();
}

// ---- The watched folders may go away and come back ----

/// Waits until `path` is served with `status` (and, for 200, a body containing `text`).
fn wait_served(server: &ServerHandle, path: &str, status: u16, text: &str) {
    wait_until(&format!("{path} served as {status} with {text:?}"), BOUND, || {
        let r = get(server.addr, path);
        r.status == status && (status != 200 || r.body.contains(text))
    });
}

/// After the folder came back, a later save to a file in it must still be seen.
fn assert_edit_seen(server: &ServerHandle, root: &Path) {
    write(root, A, &pm("2024-01-01", "Alpha after the folder came back"));
    wait_served(server, "/incidents/2024-01-01-alpha/", 200, "Alpha after the folder came back");
    write(root, "static/custom.css", "body { color: teal }");
    wait_served(server, "/custom.css", 200, "teal");
}

#[test]
fn content_and_static_moved_away_and_back_are_still_watched() {
    let site = fixture();
    let root = site.path();
    let server = start(root);
    for dir in ["content", "static"] {
        std::fs::rename(root.join(dir), root.join(format!("{dir}.away"))).unwrap();
    }
    wait_served(&server, "/incidents/2024-01-01-alpha/", 404, "");
    wait_served(&server, "/custom.css", 404, "");
    // Saves in the moved folder are not the site's any more.
    write(root, "content.away/2024/2024-01-01-alpha.md", &pm("2024-01-01", "Alpha while away"));
    for dir in ["content", "static"] {
        std::fs::rename(root.join(format!("{dir}.away")), root.join(dir)).unwrap();
    }
    wait_served(&server, "/incidents/2024-01-01-alpha/", 200, "Alpha while away");
    wait_served(&server, "/custom.css", 200, "black");
    assert_edit_seen(&server, root);
    server.shutdown();
}

#[test]
fn content_and_static_deleted_and_recreated_are_still_watched() {
    let site = fixture();
    let root = site.path();
    let server = start(root);
    std::fs::remove_dir_all(root.join("content")).unwrap();
    std::fs::remove_dir_all(root.join("static")).unwrap();
    wait_served(&server, "/incidents/2024-01-01-alpha/", 404, "");
    wait_served(&server, "/custom.css", 404, "");
    write(root, A, &pm("2024-01-01", "Alpha recreated"));
    write(root, "static/custom.css", "body { color: navy }");
    wait_served(&server, "/incidents/2024-01-01-alpha/", 200, "Alpha recreated");
    wait_served(&server, "/custom.css", 200, "navy");
    assert_edit_seen(&server, root);
    server.shutdown();
}

#[test]
fn folders_created_after_start_are_watched() {
    let site = tempfile::tempdir().unwrap();
    let root = site.path();
    write(root, "site.toml", SITE);
    let server = start(root);
    write(root, A, &pm("2024-01-01", "Alpha outage"));
    write(root, "static/custom.css", "body { color: black }");
    write(root, "themes/default/static/style.css", "/* theme v1 */");
    wait_served(&server, "/incidents/2024-01-01-alpha/", 200, "Alpha outage");
    wait_served(&server, "/custom.css", 200, "black");
    wait_served(&server, "/assets/style.css", 200, "theme v1");
    assert_edit_seen(&server, root);
    write(root, "themes/default/static/style.css", "/* theme v2 */");
    wait_served(&server, "/assets/style.css", 200, "theme v2");
    server.shutdown();
}

/// The same as a test of moving away, but for the theme folder, and with a swap of folders.
#[test]
fn a_themes_folder_replaced_by_another_is_watched() {
    let site = fixture();
    let root = site.path();
    write(root, "themes/default/static/style.css", "/* theme v1 */");
    let server = start(root);
    wait_served(&server, "/assets/style.css", 200, "theme v1");
    write(root, "themes.new/default/static/style.css", "/* theme v2 */");
    std::fs::rename(root.join("themes"), root.join("themes.old")).unwrap();
    std::fs::rename(root.join("themes.new"), root.join("themes")).unwrap();
    wait_served(&server, "/assets/style.css", 200, "theme v2");
    // Saves to the folder moved aside do not count; saves to the new one do.
    write(root, "themes.old/default/static/style.css", "/* old folder */");
    write(root, "themes/default/static/style.css", "/* theme v3 */");
    wait_served(&server, "/assets/style.css", 200, "theme v3");
    server.shutdown();
}

#[test]
fn serves_the_edition_it_is_given() {
    let site = fixture();
    write(site.path(), B, &pm("2024-02-01", "Beta outage").replacen("---\n", "---\nvisibility: public\n", 1));
    let mut opts = ServeOptions::new(site.path(), "2026-01-01".parse().unwrap());
    opts.port = 0;
    opts.edition = pmsite::edition::Edition::Public;
    let server = pmsite::serve::start(opts).unwrap();
    let home = get(server.addr, "/");
    assert!(home.body.contains("Beta outage") && !home.body.contains("Alpha outage"), "{}", home.body);
    assert_eq!(get(server.addr, "/incidents/2024-01-01-alpha/").status, 404);
    server.shutdown();
}

#[test]
fn a_save_in_another_source_reloads_the_page_that_shows_it() {
    let site = fixture();
    write(site.path(), "site.toml", &format!("{SITE}\n[[sources]]\npath = \"teams/pay\"\n"));
    let c = "teams/pay/2024/2024-03-01-gamma.md";
    write(site.path(), c, &pm("2024-03-01", "Gamma outage"));
    let server = start(site.path());
    assert!(get(server.addr, "/incidents/2024-03-01-gamma/").body.contains("Gamma outage"));
    let mut events = Events::connect(server.addr);
    write(site.path(), c, &pm("2024-03-01", "Gamma outage, revised"));
    let data = events.wait_for("reload", BOUND);
    assert!(data.contains("\"incidents/2024-03-01-gamma/index.html\""), "{data}");
    assert!(get(server.addr, "/incidents/2024-03-01-gamma/").body.contains("Gamma outage, revised"));
    server.shutdown();
}
