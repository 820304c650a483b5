//! Stage timings for `PMSITE_TIMINGS=1`: how BENCHMARKS.md splits a build. Its own module
//! so that every stage can report without importing the stages above it.

use std::time::Instant;

/// Prints a stage's time when `PMSITE_TIMINGS` is set.
pub(crate) fn stage_timing(stage: &str, since: Instant) {
    if enabled() {
        let ms = since.elapsed().as_secs_f64() * 1000.0;
        match peak_memory_mb() {
            Some(mb) => eprintln!("timing: {stage:<22} {ms:>8.1} ms   peak {mb:>6} MB"),
            None => eprintln!("timing: {stage:<22} {ms:>8.1} ms"),
        }
    }
}

/// Whether timings were asked for.
pub(crate) fn enabled() -> bool {
    std::env::var_os("PMSITE_TIMINGS").is_some()
}

/// The process's peak resident memory so far (Linux `VmHWM`), so that a timing line also
/// says which stage raised the peak.
fn peak_memory_mb() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
