//! Stage timings for `PMSITE_TIMINGS=1`: how BENCHMARKS.md splits a build. Its own module
//! so that every stage can report without importing the stages above it.

use std::time::Instant;

/// Prints a stage's time when `PMSITE_TIMINGS` is set.
pub(crate) fn stage_timing(stage: &str, since: Instant) {
    if enabled() {
        let ms = since.elapsed().as_secs_f64() * 1000.0;
        match (memory_mb("VmRSS:"), memory_mb("VmHWM:")) {
            (Some(now), Some(peak)) => {
                eprintln!("timing: {stage:<22} {ms:>8.1} ms   now {now:>6} MB, peak {peak:>6} MB")
            }
            _ => eprintln!("timing: {stage:<22} {ms:>8.1} ms"),
        }
    }
}

/// Whether timings were asked for.
pub(crate) fn enabled() -> bool {
    std::env::var_os("PMSITE_TIMINGS").is_some()
}

/// The process's resident memory now (`VmRSS:`) or at its peak so far (`VmHWM:`), from
/// Linux's /proc, so that a timing line also says which stage raised the peak.
fn memory_mb(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024)
}
