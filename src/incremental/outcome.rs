//! What became of each page in one build, gathered into the files to hand over and
//! the fingerprints to keep.

use super::reuse::{PageFile, Previous};
use crate::diagnostics::Diagnostic;
use crate::output::OutputFile;

/// What became of a page this build.
pub(super) enum PageOutcome {
    /// Unchanged since the previous build: its file is reused.
    Reused,
    /// Unchanged, and the file in the output folder is kept as it is (a cached build).
    Kept(u64),
    Rendered(OutputFile),
    /// Rendered and handed to the writer, not kept (a one-shot build); the bytes' hash.
    Written(u64),
    Failed(Diagnostic),
}

/// The pages of one build, in the order they were made.
pub(super) struct Gathered {
    /// Pages held in memory: reused or rendered and not handed to a writer.
    pub(super) files: Vec<OutputFile>,
    /// Output path and fingerprint of every page made, failed ones left out.
    pub(super) fingerprints: Vec<(String, u64)>,
    /// Pages the output folder holds (for the cache): path, fingerprint, bytes' hash.
    pub(super) on_disk: Vec<(String, u64, u64)>,
    /// How many pages were rendered (the rest were reused).
    pub(super) rendered: usize,
    pub(super) pages: usize,
}

impl Gathered {
    /// Sorts outcomes into files, fingerprints and diagnostics (each one once).
    pub(super) fn from(
        results: Vec<(String, u64, PageOutcome)>,
        prev: Option<&Previous>,
        diags: &mut Vec<Diagnostic>,
    ) -> Gathered {
        let mut g = Gathered {
            files: Vec::with_capacity(results.len() + 64),
            fingerprints: Vec::with_capacity(results.len()),
            on_disk: Vec::new(),
            rendered: 0,
            pages: 0,
        };
        for (path, fp, outcome) in results {
            match outcome {
                PageOutcome::Reused => {
                    let file = match prev.and_then(|p| p.pages.get(&path)) {
                        Some((_, PageFile::Bytes(f))) => f.clone(),
                        _ => unreachable!("only a page with bytes is reused"),
                    };
                    g.files.push(file);
                }
                PageOutcome::Kept(h) => g.on_disk.push((path.clone(), fp, h)),
                PageOutcome::Rendered(f) => {
                    g.rendered += 1;
                    g.files.push(f);
                }
                PageOutcome::Written(h) => {
                    g.rendered += 1;
                    g.on_disk.push((path.clone(), fp, h));
                }
                PageOutcome::Failed(d) => {
                    if !diags.contains(&d) {
                        diags.push(d);
                    }
                    continue;
                }
            }
            g.pages += 1;
            g.fingerprints.push((path, fp));
        }
        g
    }
}
