//! A static file server for browser tests of the built site over HTTP.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;

/// Serves `dir` over HTTP on a free port until the test ends.
pub(crate) fn serve(dir: PathBuf) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let dir = dir.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                reader.read_line(&mut line).unwrap_or(0);
                let raw = line.split_whitespace().nth(1).unwrap_or("/").split('?').next().unwrap_or("/");
                // URLs name files percent-encoded (`a%20b`); the file is `a b`.
                let decoded = percent_encoding::percent_decode_str(raw).decode_utf8_lossy();
                let path: &str = &decoded;
                let mut file = dir.join(path.trim_start_matches('/'));
                if path.ends_with('/') {
                    file.push("index.html");
                }
                let (status, body) = match std::fs::read(&file) {
                    Ok(b) if !path.contains("..") => ("200 OK", b),
                    _ => ("404 Not Found", b"not found".to_vec()),
                };
                let kind = match file.extension().and_then(|e| e.to_str()) {
                    Some("html") => "text/html; charset=utf-8",
                    Some("js") => "text/javascript; charset=utf-8",
                    _ => "application/octet-stream",
                };
                let mut s = &stream;
                let _ = write!(
                    s,
                    "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = s.write_all(&body);
            });
        }
    });
    port
}

/// A request an API test server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    /// Header names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// What an API test server answers.
pub(crate) struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Waited before answering (a slow service).
    pub delay: std::time::Duration,
}

impl Reply {
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Reply {
        Reply { status, headers: Vec::new(), body: body.into(), delay: std::time::Duration::ZERO }
    }
    pub(crate) fn header(mut self, k: &str, v: &str) -> Reply {
        self.headers.push((k.to_string(), v.to_string()));
        self
    }
    pub(crate) fn after(mut self, delay: std::time::Duration) -> Reply {
        self.delay = delay;
        self
    }
}

/// A tracker's API, played by `answer`, on a free port; every request is recorded.
pub(crate) struct Api {
    pub port: u16,
    pub seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>>,
}

impl Api {
    pub(crate) fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
    pub(crate) fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

pub(crate) fn api(answer: impl Fn(&Seen) -> Reply + Send + Sync + 'static) -> Api {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: std::sync::Arc<std::sync::Mutex<Vec<Seen>>> = Default::default();
    let answer = std::sync::Arc::new(answer);
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (answer, log) = (answer.clone(), log.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(&stream);
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                let mut parts = line.split_whitespace();
                let method = parts.next().unwrap_or("").to_string();
                let target = parts.next().unwrap_or("/").to_string();
                let mut headers = Vec::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some((k, v)) = h.split_once(':') {
                        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
                    }
                }
                let len: usize =
                    headers.iter().find(|(k, _)| k == "content-length").and_then(|(_, v)| v.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                let _ = std::io::Read::read_exact(&mut reader, &mut body);
                let req = Seen { method, target, headers, body: String::from_utf8_lossy(&body).into_owned() };
                log.lock().unwrap().push(req.clone());
                let reply = answer(&req);
                std::thread::sleep(reply.delay);
                let reason = match reply.status {
                    200 => "OK",
                    304 => "Not Modified",
                    400 => "Bad Request",
                    401 => "Unauthorized",
                    404 => "Not Found",
                    429 => "Too Many Requests",
                    _ => "Status",
                };
                let mut head = format!("HTTP/1.1 {} {reason}\r\nConnection: close\r\n", reply.status);
                if reply.status != 304 {
                    head.push_str(&format!(
                        "Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n",
                        reply.body.len()
                    ));
                }
                for (k, v) in &reply.headers {
                    head.push_str(&format!("{k}: {v}\r\n"));
                }
                head.push_str("\r\n");
                let mut s = &stream;
                let _ = s.write_all(head.as_bytes());
                if reply.status != 304 {
                    let _ = s.write_all(reply.body.as_bytes());
                }
                let _ = s.flush();
            });
        }
    });
    Api { port, seen }
}
