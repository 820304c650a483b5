//! `pmsite serve`: a preview server that rebuilds on every save and tells open pages.
//!
//! Writers keep a browser open beside their editor. The site is built into memory
//! (never to disk), served over HTTP, and rebuilt when a file under content/, themes/,
//! static/ or site.toml changes. A rebuild that fails keeps the last good site online
//! and shows its diagnostics on every open page; open pages learn about changes over
//! server-sent events and reload only when something they show changed. Only requests
//! addressed to this server are answered (host.rs; docs/serve.md says what is accepted).
//!
//! Threads: the HTTP server runs on a small tokio runtime; a watcher thread batches
//! file events; one rebuild thread renders. A rebuild in progress plus more events
//! means exactly one more rebuild after it: batches queue in a channel and the
//! rebuild thread drains all of them before each build.

mod host;
mod http;
pub(crate) mod snapshot;
pub(crate) mod watch;

use crate::build::BuildOptions;
use crate::diagnostics::{self, Diagnostic, Format};
use crate::render::RenderOptions;
use arc_swap::ArcSwap;
use jiff::civil::Date;
use snapshot::SiteSnapshot;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};
use tokio::sync::broadcast;

/// How many ports after the requested one are tried when it is in use.
const PORT_TRIES: u16 = 20;

/// How `pmsite serve` serves a knowledge base.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The knowledge base root, holding site.toml.
    pub(crate) root: PathBuf,
    /// The address to listen on (`--bind`).
    pub bind: IpAddr,
    /// 0 picks any free port.
    pub port: u16,
    /// Include postmortems with `status: draft`, each shown with a banner.
    pub drafts: bool,
    /// The day overdue items and ages are judged on (`--today`).
    pub(crate) today: Date,
    /// Print builds and errors to stderr (the command line); tests turn it off.
    pub verbose: bool,
    /// Colour terminal diagnostics.
    pub color: bool,
    /// `--edition`: which edition is served.
    pub edition: crate::edition::Edition,
}

impl ServeOptions {
    /// Serving `root` on 127.0.0.1:1111 with drafts, quietly, without colour, in the
    /// internal edition.
    pub fn new(root: impl Into<PathBuf>, today: Date) -> ServeOptions {
        ServeOptions {
            root: root.into(),
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 1111,
            drafts: true,
            today,
            verbose: false,
            color: false,
            edition: Default::default(),
        }
    }
}

/// Why `start` could not start serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on {addr}: {source}")]
    /// Listening failed for a reason other than the port being taken.
    Bind {
        /// The address tried.
        addr: SocketAddr,
        /// The operating system's reason.
        source: std::io::Error,
    },
    #[error("ports {first} to {last} on {ip} are all in use; stop the other server or pass --port with a free port")]
    /// The requested port and each one tried after it were in use.
    PortsInUse {
        /// The address listened on.
        ip: IpAddr,
        /// The requested port.
        first: u16,
        /// The last port tried.
        last: u16,
    },
    #[error("cannot watch {root} for changes: {source}")]
    /// The knowledge base could not be watched for changes.
    Watch {
        /// The knowledge base root.
        root: PathBuf,
        /// The watcher's reason.
        source: notify::Error,
    },
    #[error("cannot start the server: {0}")]
    /// The listener, the async runtime or a thread could not be set up.
    Runtime(std::io::Error),
}

/// A message to open pages. `name` is the SSE event name, `data` its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveEvent {
    /// `reload`, `css`, `ok`, `error` or `hello`.
    pub(crate) name: &'static str,
    /// A JSON object: the paths to reload or the errors to show (`{}` for the others).
    pub(crate) data: String,
}

impl LiveEvent {
    fn reload(paths: &[&str]) -> LiveEvent {
        LiveEvent { name: "reload", data: serde_json::json!({ "paths": paths }).to_string() }
    }
    fn reload_all() -> LiveEvent {
        LiveEvent::reload(&["*"])
    }
    fn css(paths: &[&str]) -> LiveEvent {
        LiveEvent { name: "css", data: serde_json::json!({ "paths": paths }).to_string() }
    }
    fn ok() -> LiveEvent {
        LiveEvent { name: "ok", data: "{}".into() }
    }
    fn error(diags: &[Diagnostic]) -> LiveEvent {
        let list: Vec<serde_json::Value> = diags
            .iter()
            .filter(|d| d.is_error())
            .map(|d| {
                serde_json::json!({
                    "file": d.file.to_string_lossy().replace('\\', "/"),
                    "line": d.line,
                    "column": d.column,
                    "message": d.message,
                })
            })
            .collect();
        LiveEvent { name: "error", data: serde_json::json!({ "diagnostics": list }).to_string() }
    }
}

/// State shared by the HTTP handlers and the rebuild thread.
pub(crate) struct Shared {
    snapshot: ArcSwap<SiteSnapshot>,
    events: broadcast::Sender<LiveEvent>,
    /// Open live-reload connections.
    connections: AtomicUsize,
    /// The `error` event of a broken build, sent to pages that connect while it lasts.
    current_error: Mutex<Option<LiveEvent>>,
    rebuilds: AtomicUsize,
    /// Follow-up rebuilds (see `Session::catch_up`) run since start.
    catch_ups: AtomicUsize,
    /// Set while the last save's site is not yet complete (a follow-up is due or running).
    behind: std::sync::atomic::AtomicBool,
}

/// A running server. Dropping it without `shutdown` leaves it running until exit.
pub struct ServerHandle {
    /// The address being served, with the port actually taken.
    pub addr: SocketAddr,
    /// Set when the requested port was in use and a later one was taken.
    pub port_in_use: Option<u16>,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<std::thread::JoinHandle<()>>,
    watch: Option<watch::Watch>,
    rebuilder: Option<std::thread::JoinHandle<()>>,
}

impl ServerHandle {
    /// The address to open. With `--bind 0.0.0.0` that is the loopback address: the
    /// wildcard is not an address a request may be sent to (see host.rs).
    pub fn url(&self) -> String {
        format!("http://{}/", url_host(self.addr.ip(), self.addr.port()))
    }
    /// Open live-reload (SSE) connections right now.
    pub fn live_connections(&self) -> usize {
        self.shared.connections.load(Ordering::SeqCst)
    }
    /// Rebuilds run since start (not counting the first build).
    pub fn rebuilds(&self) -> usize {
        self.shared.rebuilds.load(Ordering::SeqCst)
    }
    /// Follow-up rebuilds run since start.
    pub fn catch_ups(&self) -> usize {
        self.shared.catch_ups.load(Ordering::SeqCst)
    }
    /// Whether what is served equals a full build of the last sources seen: false from a
    /// save until its follow-up rebuild is done (for tests and benchmarks).
    pub fn caught_up(&self) -> bool {
        !self.shared.behind.load(Ordering::SeqCst)
    }
    /// Stops watching and serving, and waits for the threads to end.
    pub fn shutdown(mut self) {
        self.stop_all();
    }
    /// Blocks until the server stops (in practice: until the process is interrupted).
    pub fn wait(mut self) {
        if let Some(t) = self.server.take() {
            let _ = t.join();
        }
        self.stop_all();
    }
    fn stop_all(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.server.take() {
            let _ = t.join();
        }
        if let Some(w) = self.watch.take() {
            w.stop();
        }
        if let Some(t) = self.rebuilder.take() {
            let _ = t.join();
        }
    }
}

/// `ip:port` as a URL writes it; an unspecified address becomes loopback, the one a
/// request to this server can be sent to from this machine.
fn url_host(ip: IpAddr, port: u16) -> String {
    let ip = match ip {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, port).to_string()
}

fn bind(opts: &ServeOptions) -> Result<(std::net::TcpListener, Option<u16>), ServeError> {
    let last = if opts.port == 0 { 0 } else { opts.port.saturating_add(PORT_TRIES) };
    for port in opts.port..=last {
        let addr = SocketAddr::new(opts.bind, port);
        match std::net::TcpListener::bind(addr) {
            Ok(l) => return Ok((l, (port != opts.port).then_some(opts.port))),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse && opts.port != 0 => continue,
            Err(source) => return Err(ServeError::Bind { addr, source }),
        }
    }
    Err(ServeError::PortsInUse { ip: opts.bind, first: opts.port, last })
}

/// Builds the site, starts serving it and watching for changes, and returns at once.
pub fn start(opts: ServeOptions) -> Result<ServerHandle, ServeError> {
    let (listener, port_in_use) = bind(&opts)?;
    let addr = listener.local_addr().map_err(ServeError::Runtime)?;
    listener.set_nonblocking(true).map_err(ServeError::Runtime)?;
    let build_opts = BuildOptions {
        output: PathBuf::new(),
        // Links that use base_url (the 404 page's, feeds') must point at this server.
        base_url: Some(format!("http://{}/", url_host(addr.ip(), addr.port()))),
        drafts: opts.drafts,
        strict: false,
        today: opts.today,
        // Serve keeps its state in memory and writes nothing.
        cache: false,
        edition: opts.edition,
    };
    let (events, _) = broadcast::channel(64);
    let shared = Arc::new(Shared {
        snapshot: ArcSwap::from_pointee(SiteSnapshot::default()),
        events,
        connections: AtomicUsize::new(0),
        current_error: Mutex::new(None),
        rebuilds: AtomicUsize::new(0),
        catch_ups: AtomicUsize::new(0),
        behind: std::sync::atomic::AtomicBool::new(false),
    });
    let mut builder = Builder {
        shared: shared.clone(),
        root: opts.root.clone(),
        session: crate::incremental::Session::new(&opts.root, build_opts, RenderOptions { live_reload: true }),
        verbose: opts.verbose,
        color: opts.color,
        broken: false,
    };
    builder.build(&[]);
    shared.rebuilds.store(0, Ordering::SeqCst);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("pmsite-http")
        .enable_all()
        .build()
        .map_err(ServeError::Runtime)?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let app = http::router(shared.clone(), host::Allowed::new(addr.ip(), addr.port()))
        .into_make_service_with_connect_info::<http::Arrival>();
    let listener = {
        let _enter = runtime.enter();
        tokio::net::TcpListener::from_std(listener).map_err(ServeError::Runtime)?
    };
    let server = std::thread::Builder::new()
        .name("pmsite-serve".into())
        .spawn(move || {
            runtime.block_on(async move {
                let server = tokio::spawn(async move { axum::serve(listener, app).await });
                let _ = stopped.await;
                server.abort();
            });
            // Dropping the runtime ends every open connection's task.
            runtime.shutdown_timeout(Duration::from_secs(1));
        })
        .map_err(ServeError::Runtime)?;

    let (batches_tx, batches) = mpsc::channel::<Vec<PathBuf>>();
    let watch =
        watch::start(&opts.root, batches_tx).map_err(|source| ServeError::Watch { root: opts.root.clone(), source })?;
    let rebuilder = std::thread::Builder::new()
        .name("pmsite-rebuild".into())
        .spawn(move || {
            while let Ok(mut changed) = batches.recv() {
                // Everything that arrived while the previous build ran goes into this one.
                while let Ok(more) = batches.try_recv() {
                    changed.extend(more);
                }
                builder.build(&changed);
                // A save is answered first; what it carried over (similar incidents, the
                // search index, history) is brought up to date when no save is waiting.
                while builder.session.deferred {
                    match batches.recv_timeout(CATCH_UP_AFTER) {
                        Ok(mut more) => {
                            while let Ok(again) = batches.try_recv() {
                                more.extend(again);
                            }
                            builder.build(&more);
                        }
                        Err(mpsc::RecvTimeoutError::Timeout) => builder.catch_up(),
                        Err(mpsc::RecvTimeoutError::Disconnected) => return,
                    }
                }
            }
        })
        .map_err(ServeError::Runtime)?;

    Ok(ServerHandle {
        addr,
        port_in_use,
        shared,
        stop: Some(stop),
        server: Some(server),
        watch: Some(watch),
        rebuilder: Some(rebuilder),
    })
}

/// How long a quiet moment must be before the follow-up rebuild: a burst of saves (an
/// editor writing several files) is answered save by save, and caught up once.
const CATCH_UP_AFTER: Duration = Duration::from_millis(100);

/// Runs builds and turns their results into a snapshot swap and events.
struct Builder {
    shared: Arc<Shared>,
    root: PathBuf,
    /// Keeps parses, bodies and pages between rebuilds, so a save redoes only what it touched.
    session: crate::incremental::Session,
    verbose: bool,
    color: bool,
    broken: bool,
}

impl Builder {
    fn build(&mut self, changed: &[PathBuf]) {
        let start = Instant::now();
        if !changed.is_empty() {
            self.session.expect_only(changed);
        }
        let rendered = self.session.rebuild(&|_| {});
        crate::timing::stage_timing("serve: rebuild", start);
        // Rebuilds that saves caused; follow-ups are not counted.
        self.shared.rebuilds.fetch_add(1, Ordering::SeqCst);
        self.shared.behind.store(self.session.deferred, Ordering::SeqCst);
        self.publish(rendered, changed, start);
    }

    /// The follow-up rebuild after a deferred one (see `Session::deferred`).
    fn catch_up(&mut self) {
        let start = Instant::now();
        let rendered = self.session.catch_up(&|_| {});
        let quiet = std::mem::replace(&mut self.verbose, false);
        self.publish(rendered, &[], start);
        self.verbose = quiet;
        self.shared.catch_ups.fetch_add(1, Ordering::SeqCst);
        self.shared.behind.store(self.session.deferred, Ordering::SeqCst);
        if self.verbose {
            eprintln!("brought similar incidents, search and history up to date in {} ms", start.elapsed().as_millis());
        }
    }

    fn publish(&mut self, rendered: crate::build::Rendered, changed: &[PathBuf], start: Instant) {
        let errors = diagnostics::count_errors(&rendered.diagnostics);
        if errors > 0 {
            let event = LiveEvent::error(&rendered.diagnostics);
            if let Ok(mut e) = self.shared.current_error.lock() {
                *e = Some(event.clone());
            }
            self.broken = true;
            let _ = self.shared.events.send(event);
            if self.verbose {
                let errs: Vec<Diagnostic> = rendered.diagnostics.iter().filter(|d| d.is_error()).cloned().collect();
                eprint!("{}", crate::check::report(&self.root, &errs, Format::Human, self.color));
                eprintln!(
                    "build failed ({errors} error{}); still serving the last good build",
                    if errors == 1 { "" } else { "s" }
                );
            }
            return;
        }
        let t = Instant::now();
        let next = self.shared.snapshot.load().next(rendered.files);
        let changes = self.shared.snapshot.load().diff(&next);
        self.shared.snapshot.store(Arc::new(next));
        crate::timing::stage_timing("serve: snapshot", t);
        if self.broken {
            self.broken = false;
            if let Ok(mut e) = self.shared.current_error.lock() {
                *e = None;
            }
            let _ = self.shared.events.send(LiveEvent::ok());
        }
        if !changes.is_empty() {
            let paths: Vec<&str> = changes.paths.iter().map(String::as_str).collect();
            let event = if changes.css_only() { LiveEvent::css(&paths) } else { LiveEvent::reload(&paths) };
            let _ = self.shared.events.send(event);
        }
        // The browser is reloading: now index this build's work for the next save.
        self.session.settle();
        if self.verbose {
            let what = describe(&self.root, changed);
            if changed.is_empty() {
                let warnings = rendered.diagnostics.len();
                if warnings > 0 {
                    eprint!("{}", crate::check::report(&self.root, &rendered.diagnostics, Format::Human, self.color));
                }
                eprintln!(
                    "built {} postmortems, {} pages in {} ms ({warnings} warning{})",
                    rendered.checked.kb.visible_ids().count(),
                    rendered.pages,
                    start.elapsed().as_millis(),
                    if warnings == 1 { "" } else { "s" }
                );
            } else {
                eprintln!(
                    "rebuilt in {} ms after {what}: {} file{} changed",
                    start.elapsed().as_millis(),
                    changes.paths.len(),
                    if changes.paths.len() == 1 { "" } else { "s" }
                );
            }
        }
    }
}

fn describe(root: &Path, changed: &[PathBuf]) -> String {
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let mut names: Vec<String> =
        changed.iter().map(|p| p.strip_prefix(&root).unwrap_or(p).display().to_string()).collect();
    names.dedup();
    match names.len() {
        0 => "a change".into(),
        1 => names.remove(0),
        n => format!("{} and {} more", names[0], n - 1),
    }
}

/// Opens `url` in the desktop's browser; failure is only worth a message.
pub fn open_browser(url: &str) -> std::io::Result<()> {
    let cmd = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(cmd)
        .arg(url)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}
