//! Times `pmsite::history::history` on a knowledge base: `cargo run --release --example
//! git_history -- DIR [FILE...]`. Used by bench/git-history.sh; prints the time of the
//! pass and, for each FILE given, its revisions (to compare with `git log --follow`).

use std::path::{Path, PathBuf};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first().map(PathBuf::from) else {
        eprintln!("usage: git_history DIR [FILE...]");
        std::process::exit(2);
    };
    let files: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
        .map(|e| e.path().strip_prefix(&root).unwrap().to_path_buf())
        .collect();
    let mut best = f64::MAX;
    let mut report = None;
    let cpu_start = cpu_seconds();
    for _ in 0..5 {
        let start = Instant::now();
        let r = pmsite::history::history(&root, &files);
        best = best.min(start.elapsed().as_secs_f64());
        report = Some(r);
    }
    let cpu = cpu_seconds().zip(cpu_start).map(|(end, start)| (end - start) / 5.0);
    let report = report.unwrap();
    let from_git = report.files.values().filter(|h| h.source == pmsite::history::HistorySource::Git).count();
    let revisions: u64 = report.files.values().map(|h| u64::from(h.revisions)).sum();
    println!(
        "history of {} files ({from_git} from git, {revisions} revisions in all): best of 5 {:.1} ms{}",
        files.len(),
        best * 1000.0,
        cpu.map(|c| format!(", CPU {:.1} ms per pass", c * 1000.0)).unwrap_or_default()
    );
    if let Some(why) = &report.fallback {
        println!("fallback: {why}");
    }
    for f in &args[1..] {
        let h = report.files.get(Path::new(f));
        println!("{f}: {:?}", h.map(|h| (h.revisions, h.first_commit, h.last_commit)));
    }
}

/// User + system CPU time of this process (Linux), so a busy machine does not inflate the
/// number the way wall time does.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the parenthesised command name; utime and stime are the 12th and 13th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    Some(ticks / 100.0) // USER_HZ is 100 on Linux
}
