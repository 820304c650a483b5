//! The serve rebuild path without the server, for profilers: a first build, then N body
//! edits of one postmortem, each rebuilt the way `pmsite serve` rebuilds a save (told
//! which file changed, live reload on, follow-up rebuilds never run).
//!
//! Usage: cargo run --release --example rebuild_loop -- KB_DIR [EDITS] [body|title]
//! (with `PMSITE_TIMINGS=1` for the stages; under `perf record` for the functions)

// The allocator `pmsite` itself uses (src/main.rs): what a user of `pmsite serve` gets.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use pmsite::incremental::{BuildOptions, Session};
use pmsite::render::RenderOptions;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: rebuild_loop KB_DIR [EDITS]"));
    let edits: usize = args.next().map(|s| s.parse().expect("EDITS is a number")).unwrap_or(20);
    // `title` edits the front matter, which every list shows; `body` only the write-up.
    let mode = args.next().unwrap_or_else(|| "body".into());
    assert!(["body", "title"].contains(&mode.as_str()), "the edit is `body` or `title`, not `{mode}`");
    let opts = BuildOptions {
        output: PathBuf::new(),
        base_url: Some("http://127.0.0.1:1111/".into()),
        drafts: false,
        strict: false,
        today: "2026-01-01".parse().unwrap(),
        cache: false,
        edition: pmsite::edition::Edition::Internal,
    };
    let mut session = Session::new(&root, opts, RenderOptions { live_reload: true });
    let t = Instant::now();
    let first = session.rebuild(&|_| {});
    eprintln!("first build: {} ms, {} diagnostics", t.elapsed().as_millis(), first.diagnostics.len());
    drop(first);
    let target = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .nth(3)
        .expect("a postmortem")
        .into_path();
    let original = std::fs::read_to_string(&target).unwrap();
    let mut times = Vec::new();
    for i in 0..edits {
        let text = match mode.as_str() {
            "title" => original.replacen("title: ", &format!("title: Edit {i} "), 1),
            _ => format!("{original}\nEdit {i}: one more sentence of the write-up.\n"),
        };
        std::fs::write(&target, text).unwrap();
        // Serve indexes the last build's work after the reload event: not part of a save.
        session.settle();
        let t = Instant::now();
        session.expect_only(std::slice::from_ref(&target));
        let r = session.rebuild(&|_| {});
        assert_eq!(pmsite::diagnostics::count_errors(&r.diagnostics), 0, "the edit keeps the knowledge base valid");
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    std::fs::write(&target, original).unwrap();
    times.sort_by(f64::total_cmp);
    eprintln!("{edits} {mode} edits: rebuild median {:.0} ms, min {:.0} ms", times[times.len() / 2], times[0]);
}
