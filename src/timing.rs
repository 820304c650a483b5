//! Stage timings for `PMSITE_TIMINGS=1`: how BENCHMARKS.md splits a build. Its own module
//! so that every stage can report without importing the stages above it.

use std::time::Instant;

/// Prints a stage's time when `PMSITE_TIMINGS` is set.
pub(crate) fn stage_timing(stage: &str, since: Instant) {
    if enabled() {
        eprintln!("timing: {stage:<22} {:>8.1} ms", since.elapsed().as_secs_f64() * 1000.0);
    }
}

/// Whether timings were asked for.
pub(crate) fn enabled() -> bool {
    std::env::var_os("PMSITE_TIMINGS").is_some()
}
