//! Save-to-reload-event latency of `pmsite serve`: starts the server in-process on a
//! knowledge base, edits one postmortem N times, and times each save until the
//! `reload` event arrives on a live-reload connection (what a browser waits for).
//!
//! Usage: cargo run --release --example serve_latency -- KB_DIR [EDITS] [title|body|new|delete]
//! (`title` edits the front matter, which every list shows; `body` edits the write-up;
//! `new` adds a postmortem and `delete` removes one, each time.)

// The allocator `pmsite` itself uses (src/main.rs): what a user of `pmsite serve` gets.
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn main() {
    let mut args = std::env::args().skip(1);
    let root = PathBuf::from(args.next().expect("usage: serve_latency KB_DIR [EDITS]"));
    let edits: usize = args.next().map(|s| s.parse().expect("EDITS is a number")).unwrap_or(20);
    let mode = args.next().unwrap_or_else(|| "title".into());
    if !["title", "body", "new", "delete"].contains(&mode.as_str()) {
        panic!("the edit is `title`, `body`, `new` or `delete`, not `{mode}`");
    }
    let mut opts = pmsite::serve::ServeOptions::new(&root, "2026-01-01".parse().unwrap());
    opts.port = 0;
    let t = Instant::now();
    let server = pmsite::serve::start(opts).expect("server starts");
    eprintln!("first build and start: {} ms", t.elapsed().as_millis());

    let all: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .map(|e| e.into_path())
        .collect();
    let target = all[3].clone();
    let original = std::fs::read_to_string(&target).unwrap();

    let mut s = TcpStream::connect(server.addr).unwrap();
    write!(s, "GET /__pmsite/events HTTP/1.0\r\nHost: localhost\r\n\r\n").unwrap();
    // Events are read on their own thread so that those a follow-up rebuild sends (it
    // tells the page to reload too) can be drained before the next save: otherwise the
    // next save would be timed to the previous follow-up's event.
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        let mut events = BufReader::new(s);
        let mut line = String::new();
        loop {
            line.clear();
            match events.read_line(&mut line) {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            if let Some(name) = line.strip_prefix("event:")
                && tx.send(name.trim().to_string()).is_err()
            {
                return;
            }
        }
    });
    let next_event = || rx.recv_timeout(Duration::from_secs(120)).expect("an event within two minutes");
    assert_eq!(next_event(), "hello");

    let mut times = Vec::new();
    let mut removed: Vec<(std::path::PathBuf, Vec<u8>)> = Vec::new();
    for i in 0..edits {
        // A title edit changes the page and every list that shows it; a body edit (what a
        // writer mostly does) changes the page alone.
        let start = Instant::now();
        match mode.as_str() {
            "body" => {
                std::fs::write(&target, format!("{original}\nEdit {i}: one more sentence of the write-up.\n")).unwrap()
            }
            "title" => std::fs::write(&target, original.replacen("title: ", &format!("title: Edit {i} "), 1)).unwrap(),
            "new" => std::fs::write(
                target.with_file_name(format!("added-{i}.md")),
                original.replacen("title: ", &format!("title: Added {i} "), 1),
            )
            .unwrap(),
            // Files late in the list: the last ones are the newest, which nothing links to.
            _ => {
                let gone = &all[all.len() - 1 - i];
                removed.push((gone.clone(), std::fs::read(gone).unwrap()));
                std::fs::remove_file(gone).unwrap()
            }
        }
        loop {
            let name = next_event();
            if name == "reload" {
                break;
            }
            assert_ne!(name, "error", "the edit broke the build");
        }
        times.push(start.elapsed());
        // Let the watcher settle and the follow-up rebuild finish, so each edit is timed
        // on its own.
        std::thread::sleep(Duration::from_millis(150));
        while !server.caught_up() {
            std::thread::sleep(Duration::from_millis(10));
        }
        std::thread::sleep(Duration::from_millis(50));
        while rx.try_recv().is_ok() {}
    }
    // Leave the knowledge base as it was, so that the next run measures the same edits.
    std::fs::write(&target, &original).unwrap();
    for i in 0..edits {
        let _ = std::fs::remove_file(target.with_file_name(format!("added-{i}.md")));
    }
    for (path, bytes) in removed {
        std::fs::write(path, bytes).unwrap();
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let median = ms(times[times.len() / 2]);
    let p90 = ms(times[(times.len() * 9 / 10).min(times.len() - 1)]);
    println!(
        "{} ({} edits): {} edits, save-to-reload median {median:.0} ms, p90 {p90:.0} ms, max {:.0} ms (rebuilds: {})",
        root.display(),
        mode,
        times.len(),
        ms(*times.last().unwrap()),
        server.rebuilds()
    );
    server.shutdown();
}
