//! `pmsite check`: load, lint and link the knowledge base, and report.

use crate::diagnostics::{self, Diagnostic, Format};
use crate::kb::{self, KnowledgeBase};
use crate::load;
use jiff::civil::Date;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Options {
    pub strict: bool,
    pub drafts: bool,
    pub today: Date,
}

/// The checked model and every diagnostic, sorted by file and line.
pub struct Checked {
    pub kb: KnowledgeBase,
    pub diagnostics: Vec<Diagnostic>,
    /// The files of `static/` that were checked: what a build copies, listed once.
    pub statics: Vec<crate::publish::StaticFile>,
}

impl Checked {
    pub fn errors(&self) -> usize {
        diagnostics::count_errors(&self.diagnostics)
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

/// Runs every stage up to and including link.
pub fn check(root: &Path, opts: &Options) -> Checked {
    check_cached(root, opts, &mut Cache::default())
}

/// What one check keeps for the next: parsed files and what linking derived from them.
#[derive(Default)]
pub struct Cache {
    pub parse: load::ParseCache,
    pub link: kb::LinkCache,
}

/// `check`, reusing the parse of files that did not change since `cache` was filled.
pub fn check_cached(root: &Path, opts: &Options, cache: &mut Cache) -> Checked {
    let t = std::time::Instant::now();
    let loaded = load::load_cached(root, &mut cache.parse);
    crate::timing::stage_timing("  load", t);
    let t = std::time::Instant::now();
    let mut diags = Vec::new();
    let link_opts = kb::Options { today: opts.today, include_drafts: opts.drafts };
    let kb = KnowledgeBase::link_cached(loaded, &link_opts, &mut diags, &mut cache.link);
    crate::timing::stage_timing("  link", t);
    let t = std::time::Instant::now();
    let statics = crate::publish::static_files(root);
    let generated = crate::publish::Generated::new(&kb);
    diags.extend(crate::publish::check(&kb, &statics, &generated));
    diags.extend(crate::linkcheck::check(&kb, &statics, &generated));
    diags.extend(crate::trackers::lint::check(&kb));
    crate::timing::stage_timing("  files and links", t);
    let t = std::time::Instant::now();
    if opts.strict {
        diagnostics::promote_warnings(&mut diags);
    }
    diagnostics::sort(&mut diags);
    crate::timing::stage_timing("  sort", t);
    Checked { kb, diagnostics: diags, statics }
}

/// Renders diagnostics with source lines read from `root`.
pub fn report(root: &Path, diags: &[Diagnostic], format: Format, color: bool) -> String {
    let root: PathBuf = root.to_path_buf();
    diagnostics::render(diags, format, color, &move |p| std::fs::read_to_string(root.join(p)).ok())
}

/// The one-line tally a person reads last.
pub fn summary_line(checked: &Checked) -> String {
    let n = checked.kb.postmortems.len();
    let (e, w) = (checked.errors(), checked.warnings());
    let plural = |n: usize, s: &str| {
        if n == 1 { format!("{n} {s}") } else { format!("{n} {s}s") }
    };
    format!("checked {}: {}, {}", plural(n, "postmortem"), plural(e, "error"), plural(w, "warning"))
}

/// Today's date in the site's timezone unless overridden.
pub fn today(tz: &jiff::tz::TimeZone) -> Date {
    jiff::Timestamp::now().to_zoned_datetime(tz.clone()).date()
}
