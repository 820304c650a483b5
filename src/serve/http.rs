//! The HTTP side of `serve`: site files from the current snapshot, the live-reload
//! script, and the server-sent event stream that tells open pages what changed. Every
//! request, the event stream's included, first passes the Host check (`host.rs`).

use super::Shared;
use super::host::{Allowed, Asked};
use super::snapshot::{self, Resolved};
use axum::Router;
use axum::extract::connect_info::Connected;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, Uri, Version, header};
use axum::middleware::Next;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::BroadcastStream;

const LIVE_JS: &str = include_str!("live.js");

pub(super) fn router(shared: Arc<Shared>, allowed: Allowed) -> Router {
    Router::new()
        .route("/__pmsite/live.js", get(live_js))
        .route("/__pmsite/events", get(events))
        .fallback(site_file)
        .with_state(shared)
        .layer(axum::middleware::from_fn_with_state(allowed, only_for_this_server))
}

/// The address a connection arrived at: with `--bind 0.0.0.0` it tells which of the
/// machine's addresses the client used.
#[derive(Debug, Clone, Copy)]
pub(super) struct Arrival(Option<std::net::IpAddr>);

impl Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>> for Arrival {
    fn connect_info(stream: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        Arrival(stream.io().local_addr().ok().map(|a| a.ip()))
    }
}

async fn only_for_this_server(State(allowed): State<Allowed>, request: Request, next: Next) -> Response {
    let local = request.extensions().get::<ConnectInfo<Arrival>>().and_then(|c| c.0.0);
    let mut hosts = request.headers().get_all(header::HOST).iter();
    let (first, second) = (hosts.next(), hosts.next());
    let refused = |asked: Asked<'_>| {
        let mut r = with_type(StatusCode::MISDIRECTED_REQUEST, "text/plain; charset=utf-8", allowed.refusal(asked));
        r.headers_mut().insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
        r
    };
    let host = match (first, second) {
        (Some(h), None) => match h.to_str() {
            Ok(h) => Some(h),
            Err(_) => return refused(Asked::Host(&String::from_utf8_lossy(h.as_bytes()))),
        },
        (Some(_), Some(_)) => return refused(Asked::Twice),
        // HTTP/1.0 had no Host header; browsers always send one, so only tools go without.
        (None, _) if request.version() < Version::HTTP_11 => None,
        (None, _) => return refused(Asked::Missing),
    };
    // An absolute request target (`GET http://host/`) names the host the client meant.
    let target = request.uri().authority().map(|a| a.as_str());
    for asked in [host, target].into_iter().flatten() {
        if !allowed.accepts(asked, local) {
            return refused(Asked::Host(asked));
        }
    }
    next.run(request).await
}

fn with_type(status: StatusCode, content_type: &'static str, body: impl IntoResponse) -> Response {
    let mut r = (status, body).into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    // A preview must never show a stale page from the browser's cache.
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn live_js() -> Response {
    with_type(StatusCode::OK, "text/javascript; charset=utf-8", LIVE_JS)
}

async fn site_file(State(shared): State<Arc<Shared>>, uri: Uri) -> Response {
    let snap = shared.snapshot.load();
    match snapshot::resolve(&snap, uri.path()) {
        Resolved::File(path) => {
            let e = &snap.files[&path];
            with_type(StatusCode::OK, e.content_type, e.bytes.clone())
        }
        Resolved::Redirect(to) => {
            let mut r = StatusCode::MOVED_PERMANENTLY.into_response();
            if let Ok(v) = HeaderValue::from_str(&to) {
                r.headers_mut().insert(header::LOCATION, v);
            }
            r
        }
        Resolved::NotFound => match snap.get("404.html") {
            Some(e) => with_type(StatusCode::NOT_FOUND, e.content_type, e.bytes.clone()),
            // No successful build yet: a bare page that still listens for the fix.
            None => with_type(StatusCode::NOT_FOUND, "text/html; charset=utf-8", no_site_page()),
        },
    }
}

fn no_site_page() -> &'static str {
    "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>pmsite: no site yet</title></head>\
     <body><h1>Not found</h1><p>The site has not built yet: fix the errors shown in the terminal and this page reloads.</p>\
     <script src=\"/__pmsite/live.js\" defer></script></body></html>"
}

/// Counts one live-reload connection for as long as its stream exists.
struct ConnectionGuard(Arc<Shared>);

impl ConnectionGuard {
    fn new(shared: Arc<Shared>) -> Self {
        shared.connections.fetch_add(1, Ordering::SeqCst);
        ConnectionGuard(shared)
    }
}

impl Drop for ConnectionGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn events(State(shared): State<Arc<Shared>>) -> impl IntoResponse {
    let rx = shared.events.subscribe();
    // A page opened while the build is broken shows the error at once.
    let pending = shared.current_error.lock().map(|e| e.clone()).unwrap_or(None);
    let guard = ConnectionGuard::new(shared.clone());
    let hello = super::LiveEvent { name: "hello", data: "{}".into() };
    let first = tokio_stream::iter(std::iter::once(hello).chain(pending));
    let updates = BroadcastStream::new(rx).map(|r| match r {
        Ok(e) => e,
        // This connection fell behind: it missed changes, so the page reloads whatever it is.
        Err(_) => super::LiveEvent::reload_all(),
    });
    let stream = first.chain(updates).map(move |e| {
        let _counted = &guard;
        Ok::<Event, Infallible>(Event::default().event(e.name).data(e.data))
    });
    let mut r = Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(5))).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}
