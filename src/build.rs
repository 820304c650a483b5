//! `pmsite build`: check -> render -> write, with nothing written unless every stage
//! succeeded.

use crate::cache;
use crate::diagnostics::{self, Code, Diagnostic};
pub use crate::incremental::{BuildOptions, Rendered};
use crate::output;
use crate::render::RenderOptions;
use crate::timing::stage_timing;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::time::{Duration, Instant};

/// The outcome of one `pmsite build`: what it made, what it found, and whether the
/// output folder now holds the new site.
#[derive(Debug)]
pub struct BuildReport {
    pub(crate) postmortems: usize,
    /// HTML pages the site has, rendered by this build or reused from the last.
    pub pages: usize,
    /// Every file of the site: the pages plus feeds, search index, attachments and static files.
    pub files: usize,
    /// Files whose bytes were written to the output folder; unchanged ones are left alone.
    pub written: usize,
    /// Every error and warning, those about the knowledge base and any from writing the output.
    pub diagnostics: Vec<Diagnostic>,
    pub(crate) elapsed: Duration,
    /// One-line remarks for the user (see `Rendered::notes`).
    pub notes: Vec<String>,
    /// False when errors stopped the build; the output folder was not touched.
    pub ok: bool,
}

impl BuildReport {
    fn empty() -> BuildReport {
        BuildReport {
            postmortems: 0,
            pages: 0,
            files: 0,
            written: 0,
            diagnostics: Vec::new(),
            elapsed: Duration::ZERO,
            notes: Vec::new(),
            ok: false,
        }
    }

    /// A build that could not start.
    fn refused(d: Diagnostic, start: Instant) -> BuildReport {
        BuildReport { diagnostics: vec![d], elapsed: start.elapsed(), ..BuildReport::empty() }
    }

    /// The last line `pmsite build` prints: counts and time on success, else the
    /// error and warning counts and that nothing was written.
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
///
/// With `.pmsite/cache/` from an earlier build (`BuildOptions::cache`), a build whose
/// inputs are all unchanged only checks that the output folder still holds what it
/// wrote, and any other build renders and writes only the pages whose inputs changed.
pub fn build(root: &Path, opts: &BuildOptions, progress: &(dyn Fn(u64) + Sync)) -> BuildReport {
    let start = Instant::now();
    let out = if opts.output.is_absolute() { opts.output.clone() } else { root.join(&opts.output) };
    // Sources are only read: an output folder in one (or one in the output folder, which
    // the build replaces) is refused before anything is written.
    let sources = crate::load::load_config(root).0.sources;
    let overlaps = crate::repositories::check_output(root, &sources, &out, &opts.output);
    if !overlaps.is_empty() {
        return BuildReport { diagnostics: overlaps, elapsed: start.elapsed(), ..BuildReport::empty() };
    }
    let t = Instant::now();
    let (stored, cache_note) = if opts.cache { cache::read(root) } else { (None, None) };
    let inputs = opts.cache.then(|| {
        let extra = {
            let mut h = crate::fingerprint::hasher();
            let options = (opts.drafts, opts.strict, opts.today.to_string(), &opts.base_url, opts.edition);
            (env!("CARGO_PKG_VERSION"), options).hash(&mut h);
            crate::history::head(root).hash(&mut h);
            // Edit links name the branch checked out when site.toml names none, and a
            // new branch at the same commit moves no other input.
            crate::history::current_branch(root).hash(&mut h);
            h.finish()
        };
        cache::hash_inputs(root, stored.as_ref().map(|s| &s.inputs), extra)
    });
    stage_timing("inputs", t);
    let t = Instant::now();
    let begun = output::Staging::begin(&out);
    stage_timing("output folder", t);
    let (staging, refused) = match begun {
        Ok(s) => (Some(s), None),
        // Still check and render, so the report lists the knowledge base's problems too.
        Err(e) => (None, Some(Diagnostic::error(Code::Io, &opts.output, 0, 0, e.to_string()))),
    };
    let mut notes: Vec<String> = cache_note.into_iter().collect();
    let (staging, stored) = match (staging, stored, &inputs) {
        (Some(staging), Some(stored), Some(inputs))
            if cache::digest_with_file_times(inputs, &stored.state.file_times)
                == cache::digest_with_file_times(&stored.inputs, &stored.state.file_times) =>
        {
            match unchanged(&staging, &stored) {
                Ok(true) => {
                    return finish_unchanged(staging, stored, inputs.clone(), root, opts, start, notes);
                }
                // Something in the folder changed: start over with a clean staging area.
                _ => {
                    drop(staging);
                    match output::Staging::begin(&out) {
                        Ok(s) => (Some(s), Some(stored)),
                        Err(e) => {
                            let d = Diagnostic::error(Code::Io, &opts.output, 0, 0, e.to_string());
                            return BuildReport::refused(d, start);
                        }
                    }
                }
            }
        }
        (staging, stored, _) => (staging, stored),
    };
    let mut session = crate::incremental::Session::new(root, opts.clone(), RenderOptions::default());
    session.keep = false;
    session.persist = opts.cache;
    // The parts (bodies and fragments) are read only now: a build with nothing to do
    // never needs them.
    let mut previous_parts = None;
    let config_text = std::fs::read_to_string(root.join(crate::config::FILE)).ok();
    let parsed_with = cache::parsed_with(config_text.as_deref(), opts.edition);
    if let Some(mut stored) = stored {
        let t = Instant::now();
        notes.extend(cache::read_parts(root, &mut stored.state));
        stage_timing("cache parts", t);
        previous_parts = Some(stored.state.parts.clone());
        if let Some(inputs) = inputs.as_ref().filter(|_| stored.state.parsed_with == parsed_with) {
            let parsed = std::mem::take(&mut stored.state.parsed);
            session.seed_parses(config_text.clone(), cache::reusable_parses(inputs, parsed));
        }
        session.restore(stored.state);
    }
    let rendered = session.rebuild_to(progress, staging.as_ref());
    let postmortems = rendered.checked.kb.visible_ids().count();
    let mut diags = rendered.diagnostics;
    diags.extend(refused);
    notes.extend(rendered.notes);
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
    if ok && let (Some(inputs), Some(mut state)) = (inputs, session.stored.take()) {
        state.parsed = cache::parses_to_keep(&inputs, session.parses());
        state.parsed_with = parsed_with;
        let report = cache::Report {
            postmortems,
            pages: rendered.pages,
            files,
            notes: notes.clone(),
            diagnostics: diags.iter().map(cache::StoredDiagnostic::of).collect(),
        };
        let t = Instant::now();
        if let Err(e) = cache::write(root, cache::Stored { inputs, report, state }, previous_parts.as_deref()) {
            notes.push(format!(
                "the build cache in {} was not updated ({e}); the next build does all its work",
                cache::DIR
            ));
        }
        stage_timing("cache", t);
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

/// Whether the output folder still holds every file the cached build wrote, untouched.
fn unchanged(staging: &output::Staging, stored: &cache::Stored) -> Result<bool, output::OutputError> {
    let t = Instant::now();
    let all = stored.state.pages.iter().map(|(p, _, h)| (p, h)).chain(stored.state.others.iter().map(|(p, h)| (p, h)));
    let mut ok = true;
    for (path, h) in all {
        if !staging.keep(path, *h)? {
            ok = false;
            break;
        }
    }
    stage_timing("verify output", t);
    Ok(ok)
}

/// A build with nothing to do: the folder is confirmed (its manifest rewritten only if
/// stamps moved) and the cached build's report is given again.
fn finish_unchanged(
    staging: output::Staging,
    stored: cache::Stored,
    inputs: cache::Inputs,
    root: &Path,
    opts: &BuildOptions,
    start: Instant,
    mut notes: Vec<String>,
) -> BuildReport {
    let mut diags: Vec<Diagnostic> = stored.report.diagnostics.iter().filter_map(|d| d.to_diagnostic()).collect();
    notes.extend(staging.notes());
    let written = match staging.commit() {
        Ok(stats) => stats.written,
        Err(e) => {
            diags.push(Diagnostic::error(Code::Io, &opts.output, 0, 0, e.to_string()));
            return BuildReport {
                ok: false,
                diagnostics: diags,
                elapsed: start.elapsed(),
                notes,
                ..BuildReport::empty()
            };
        }
    };
    notes.extend(stored.report.notes.iter().cloned());
    let report = BuildReport {
        postmortems: stored.report.postmortems,
        pages: stored.report.pages,
        files: stored.report.files,
        written,
        diagnostics: diags,
        elapsed: start.elapsed(),
        ok: true,
        notes,
    };
    // New stamps for files whose content did not change (a fresh checkout): saved, so
    // the next build need not read them again.
    if inputs.files != stored.inputs.files {
        let _ = cache::write_index(root, &cache::Stored { inputs, ..stored });
    }
    report
}
