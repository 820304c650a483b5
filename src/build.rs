//! `pmsite build`: check -> render -> write, with nothing written unless every stage
//! succeeded.

use crate::check::Checked;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::output::{self, OutputFile};
use crate::render::RenderOptions;
use jiff::civil::Date;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub output: PathBuf,
    pub base_url: Option<String>,
    pub drafts: bool,
    pub strict: bool,
    pub today: Date,
}

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

/// Everything a build produces, in memory, before any byte is written.
pub struct Rendered {
    pub checked: Checked,
    /// The files made, except those already handed to a writer by a one-shot build.
    pub files: Vec<OutputFile>,
    /// How many files the site has, whether or not they are in `files`.
    pub file_count: usize,
    pub pages: usize,
    pub diagnostics: Vec<Diagnostic>,
    /// Things worth one line to the user that are not problems in the knowledge base
    /// (e.g. "no git history: using file dates").
    pub notes: Vec<String>,
}

impl Rendered {
    /// A build that stopped at errors: nothing to write.
    pub(crate) fn failed(checked: Checked, diagnostics: Vec<Diagnostic>) -> Rendered {
        Rendered { checked, files: Vec::new(), file_count: 0, pages: 0, diagnostics, notes: Vec::new() }
    }
}

/// Prints a stage's time when `PMSITE_TIMINGS` is set: how BENCHMARKS.md splits a build.
pub fn stage_timing(stage: &str, since: Instant) {
    if std::env::var_os("PMSITE_TIMINGS").is_some() {
        eprintln!("timing: {stage:<22} {:>8.1} ms", since.elapsed().as_secs_f64() * 1000.0);
    }
}

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

/// Published attachments (under `files/`) and `static/` (at the root), read into memory.
pub(crate) fn copy_inputs(
    root: &Path,
    assets: &[PathBuf],
    statics: &[crate::publish::StaticFile],
) -> Result<Vec<OutputFile>, Diagnostic> {
    let read = |p: &Path| {
        std::fs::read(root.join(p)).map_err(|e| Diagnostic::error(Code::Io, p, 0, 0, format!("cannot read: {e}")))
    };
    let mut out = Vec::new();
    for a in assets {
        out.push(OutputFile::new(crate::publish::attachment_output(a), read(a)?));
    }
    // The listing `check` looked at, so that what it found clear is what is written.
    for s in statics {
        out.push(OutputFile::new(s.output.clone(), read(&s.source)?));
    }
    Ok(out)
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
