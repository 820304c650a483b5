//! `pmsite check`: load, lint and link the knowledge base, and report.

use crate::diagnostics::{self, Diagnostic, Format};
use crate::kb::{self, KnowledgeBase};
use crate::load;
use jiff::civil::Date;
use std::path::{Path, PathBuf};

/// What a check is asked to do, from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--strict`: every warning is reported as an error, so it fails the check.
    pub strict: bool,
    /// Drafts are linked and checked as if published (`--drafts`).
    pub drafts: bool,
    /// The day overdue action items are judged against (`--today`, else today in the
    /// site's timezone, see [`today`]).
    pub today: Date,
}

/// The checked model and every diagnostic, sorted by file and line.
pub struct Checked {
    /// The linked knowledge base; it is built even when there are errors.
    pub kb: KnowledgeBase,
    /// Errors and warnings of every stage, sorted by file and line.
    pub diagnostics: Vec<Diagnostic>,
    /// The files of `static/` that were checked: what a build copies, listed once.
    pub(crate) statics: Vec<crate::publish::StaticFile>,
}

impl Checked {
    /// How many diagnostics are errors; any fails the check.
    pub fn errors(&self) -> usize {
        diagnostics::count_errors(&self.diagnostics)
    }
    /// How many diagnostics are warnings (none under `--strict`, which makes them errors).
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
    pub(crate) parse: load::ParseCache,
    pub(crate) link: kb::LinkCache,
    generated: crate::publish::LastGenerated,
}

/// `check`, reusing the parse of files that did not change since `cache` was filled.
pub(crate) fn check_cached(root: &Path, opts: &Options, cache: &mut Cache) -> Checked {
    check_cached_in(root, opts, crate::edition::Edition::Internal, cache)
}

/// `check_cached` of one edition: the public one checks and links only what it shows.
pub fn check_cached_in(root: &Path, opts: &Options, edition: crate::edition::Edition, cache: &mut Cache) -> Checked {
    let t = std::time::Instant::now();
    let loaded = load::load_cached_in(root, &mut cache.parse, edition);
    crate::timing::stage_timing("  load", t);
    let t = std::time::Instant::now();
    let mut diags = Vec::new();
    let link_opts = kb::Options { today: opts.today, include_drafts: opts.drafts };
    let kb = KnowledgeBase::link_cached(loaded, &link_opts, &mut diags, &mut cache.link);
    crate::timing::stage_timing("  link", t);
    let t = std::time::Instant::now();
    let statics = crate::publish::static_files(root);
    let generated = crate::publish::Generated::reusing(&kb, &mut cache.generated);
    diags.extend(crate::publish::check(&kb, &statics, &generated));
    diags.extend(crate::linkcheck::check(&kb, &statics, &generated));
    diags.extend(crate::trackers::lint::check(&kb));
    let is_team = |t: &str| kb.postmortems.iter().any(|p| p.teams.iter().any(|n| n == t));
    diags.extend(crate::catalog::unknown_owners(&kb.config.services, &is_team));
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

/// Warnings a build lists in full; past this it prints a tally per code instead (at
/// 10,000 postmortems a build had 8.7 MB of warnings to print, burying the errors).
pub(crate) const BUILD_WARNINGS_IN_FULL: usize = 10;

/// What `pmsite build` prints: every error with its source, and the warnings in full when
/// there are few of them (or `verbose`), else a tally per code with its first places.
pub fn build_report(root: &Path, diags: &[Diagnostic], verbose: bool, color: bool) -> String {
    let warnings = diags.iter().filter(|d| d.level != diagnostics::Level::Error).count();
    if verbose || warnings <= BUILD_WARNINGS_IN_FULL {
        return report(root, diags, Format::Human, color);
    }
    let errors: Vec<Diagnostic> = diags.iter().filter(|d| d.level == diagnostics::Level::Error).cloned().collect();
    let mut out = report(root, &errors, Format::Human, color);
    out.push_str(&warning_tally(diags, 3));
    out
}

/// Warnings counted per code, most frequent first, each with its first `places`.
pub(crate) fn warning_tally(diags: &[Diagnostic], places: usize) -> String {
    use std::collections::BTreeMap;
    let mut by_code: BTreeMap<&'static str, Vec<&Diagnostic>> = BTreeMap::new();
    for d in diags.iter().filter(|d| d.level != diagnostics::Level::Error) {
        by_code.entry(d.code.as_str()).or_default().push(d);
    }
    let mut codes: Vec<(&str, Vec<&Diagnostic>)> = by_code.into_iter().collect();
    codes.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then(a.0.cmp(b.0)));
    let total: usize = codes.iter().map(|(_, v)| v.len()).sum();
    let files = diags
        .iter()
        .filter(|d| d.level != diagnostics::Level::Error)
        .map(|d| &d.file)
        .collect::<std::collections::BTreeSet<_>>()
        .len();
    let width = codes.iter().map(|(c, _)| c.len()).max().unwrap_or(0);
    let mut out = format!("{total} warnings in {files} file{}:\n", if files == 1 { "" } else { "s" });
    for (code, list) in &codes {
        let first: Vec<String> = list
            .iter()
            .take(places)
            .map(|d| {
                crate::terminal::safe(&format!("{}:{}:{}", diagnostics::display_path(&d.file), d.line, d.column))
                    .into_owned()
            })
            .collect();
        let more = if list.len() > places { ", ..." } else { "" };
        out.push_str(&format!("  {code:<width$} {:>7}  {}{more}\n", list.len(), first.join(", ")));
    }
    out.push_str("run `pmsite check` (or `pmsite build --verbose`) to see each warning with its source\n");
    out
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
