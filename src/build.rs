//! `pmsite build`: check -> render -> write, with nothing written unless every stage
//! succeeded.

use crate::diagnostics::{self, Code, Diagnostic};
pub use crate::incremental::{BuildOptions, Rendered};
use crate::output::{self};
use crate::render::RenderOptions;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct BuildReport {
    pub postmortems: usize,
    pub pages: usize,
    pub files: usize,
    pub written: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub elapsed: Duration,
    /// One-line remarks for the user (see `Rendered::notes`).
    pub notes: Vec<String>,
    /// False when errors stopped the build; the output folder was not touched.
    pub ok: bool,
}

impl BuildReport {
    pub fn summary_line(&self) -> String {
        let errors = diagnostics::count_errors(&self.diagnostics);
        let warnings = self.diagnostics.len() - errors;
        if self.ok {
            format!(
                "built {} postmortems into {} pages ({} files) with {warnings} warning{} in {:.2} s",
                self.postmortems,
                self.pages,
                self.files,
                if warnings == 1 { "" } else { "s" },
                self.elapsed.as_secs_f64()
            )
        } else {
            format!(
                "build failed: {errors} error{}, {warnings} warning{}; the output folder was not changed",
                if errors == 1 { "" } else { "s" },
                if warnings == 1 { "" } else { "s" }
            )
        }
    }
}

pub use crate::timing::stage_timing;

/// Runs check and render. `files` is empty when there were errors.
pub fn render_site(
    root: &Path,
    opts: &BuildOptions,
    render_opts: RenderOptions,
    progress: &(dyn Fn(u64) + Sync),
) -> Rendered {
    // A session with nothing cached renders everything: the same path serve's rebuilds take.
    let mut session = crate::incremental::Session::new(root, opts.clone(), render_opts);
    session.keep = false;
    session.rebuild(progress)
}

/// A full build to disk. Files are written as they are rendered, into a staging area
/// that becomes the output only when the whole build succeeded.
pub fn build(root: &Path, opts: &BuildOptions, progress: &(dyn Fn(u64) + Sync)) -> BuildReport {
    let start = Instant::now();
    let out = if opts.output.is_absolute() { opts.output.clone() } else { root.join(&opts.output) };
    let (staging, refused) = match output::Staging::begin(&out) {
        Ok(s) => (Some(s), None),
        // Still check and render, so the report lists the knowledge base's problems too.
        Err(e) => (None, Some(Diagnostic::error(Code::Io, &opts.output, 0, 0, e.to_string()))),
    };
    let mut session = crate::incremental::Session::new(root, opts.clone(), RenderOptions::default());
    session.keep = false;
    let rendered = session.rebuild_to(progress, staging.as_ref());
    let postmortems = rendered.checked.kb.visible_ids().count();
    let mut diags = rendered.diagnostics;
    diags.extend(refused);
    let mut notes = rendered.notes;
    notes.extend(staging.iter().flat_map(output::Staging::notes));
    let mut ok = diagnostics::count_errors(&diags) == 0;
    let files = rendered.file_count;
    let mut written = 0;
    if let Some(staging) = staging.filter(|_| ok) {
        let t = Instant::now();
        // Files a sink could not take are still in memory (none, for a one-shot session).
        let result = rendered.files.iter().try_for_each(|f| staging.put(f)).and_then(|()| staging.commit());
        stage_timing("write", t);
        match result {
            Ok(stats) => {
                written = stats.written;
                if stats.kept > 0 {
                    notes.push(format!(
                        "kept {} file(s) in {} that pmsite wrote but someone changed since; they are no longer part of the site",
                        stats.kept,
                        opts.output.display()
                    ));
                }
            }
            Err(e) => {
                diags.push(Diagnostic::error(Code::Io, &opts.output, 0, 0, e.to_string()));
                ok = false;
            }
        }
    }
    BuildReport {
        postmortems,
        pages: rendered.pages,
        files,
        written,
        diagnostics: diags,
        elapsed: start.elapsed(),
        ok,
        notes,
    }
}
