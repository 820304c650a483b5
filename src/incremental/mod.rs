//! Builds that redo only what a change touched, for `pmsite serve` (and, with nothing
//! cached, every `pmsite build`: one code path, so incremental output cannot drift from
//! a full build).
//!
//! Zola gave up incremental builds because its template functions let any page read any
//! other page, so dependencies could not be known. Here a page is a pure function of the
//! model, and `Site::depends_on` names the postmortems it reads. A build fingerprints
//! each page from (a) a *global* hash — site.toml, the theme, the options, the ticket
//! snapshot and the URL slugs that are not plain — (b) the ids and text hashes of the
//! postmortems the page depends on, in order, and (c) what it shows of the lists it is
//! part of (counts, a term index's entries, for a few site-wide pages every
//! postmortem's list fields). A page whose fingerprint is unchanged is not rendered
//! again, so a new postmortem redoes its own page, its neighbours' and its lists'. Unchanged files are not re-parsed (`ParseCache`),
//! and unchanged bodies and list rows are not re-rendered either.

mod fingerprint;
mod outcome;
mod pages;
mod remade;
mod reuse;

use crate::check::Cache as CheckCache;
use crate::check::{self, Checked};
use crate::diagnostics::Code;
use crate::diagnostics::{self, Diagnostic};
use crate::history::FileHistory;
use crate::output::{OutputFile, Staging};
use crate::render::{PmFragment, RenderOptions, Site, Theme};
use crate::timing::stage_timing;
use fingerprint::{global_hash, membership_hash};
use jiff::civil::Date;
use outcome::Gathered;
use rayon::prelude::*;
use reuse::{PageFile, Pending, Previous};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, Clone)]
/// What a build makes and how (the `pmsite build` flags).
pub struct BuildOptions {
    /// The output folder, relative to the root unless absolute.
    pub output: PathBuf,
    /// `--base-url`, replacing site.toml's `base_url`.
    pub base_url: Option<String>,
    /// `--drafts`: drafts get pages too.
    pub drafts: bool,
    /// `--strict`: warnings fail the build.
    pub strict: bool,
    /// The date overdue items and "N days ago" are counted from.
    pub today: Date,
    /// Read and write `.pmsite/cache/` (one-shot builds; `pmsite build --no-cache` turns it off).
    pub cache: bool,
    /// `--edition`: what the site shows (`crate::edition`).
    pub edition: crate::edition::Edition,
}

/// Everything a build produces, in memory, before any byte is written.
pub struct Rendered {
    /// The knowledge base the site was made from. Its diagnostics are moved into
    /// `diagnostics`, with those of the stages after check.
    pub checked: Checked,
    /// The files made, except those already handed to a writer by a one-shot build.
    pub files: Vec<OutputFile>,
    /// How many files the site has, whether or not they are in `files`.
    pub file_count: usize,
    /// How many HTML pages the site has.
    pub pages: usize,
    /// Every diagnostic, sorted by file and line.
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

/// Published attachments (under `files/`) and `static/` (at the root), read into memory.
pub(crate) fn copy_inputs(
    root: &Path,
    sources: &[crate::sources::Source],
    assets: &[PathBuf],
    statics: &[crate::publish::StaticFile],
) -> Result<Vec<OutputFile>, Diagnostic> {
    let read = |p: &Path| {
        std::fs::read(root.join(p)).map_err(|e| Diagnostic::error(Code::Io, p, 0, 0, format!("cannot read: {e}")))
    };
    let mut out = Vec::new();
    for a in assets {
        let published = crate::routes::attachment(&crate::sources::site_path(sources, a));
        out.push(OutputFile::new(published, read(a)?));
    }
    // The listing `check` looked at, so that what it found clear is what is written.
    for s in statics {
        out.push(OutputFile::new(s.output.clone(), read(&s.source)?));
    }
    Ok(out)
}

/// Hands a file to the writer, if any: Ok(None) when it went, Ok(Some(file)) to keep it.
fn deliver(sink: Option<&Staging>, keep: bool, f: OutputFile) -> Result<Option<OutputFile>, Diagnostic> {
    let Some(sink) = sink else { return Ok(Some(f)) };
    sink.put(&f).map_err(|e| match &e {
        crate::output::OutputError::Io { path, .. } => Diagnostic::error(Code::Io, path, 0, 0, e.to_string()),
        _ => Diagnostic::error(Code::Io, Path::new(&f.path), 0, 0, e.to_string()),
    })?;
    Ok(keep.then_some(f))
}

/// A build session: call `rebuild` after every change.
pub struct Session {
    root: PathBuf,
    opts: BuildOptions,
    render_opts: RenderOptions,
    parse: CheckCache,
    previous: Option<Previous>,
    /// The last build's work, not yet indexed for reuse (see `settle`).
    pending: Option<Pending>,
    /// Pages rendered by the last `rebuild` (the rest were reused).
    pub last_rendered: usize,
    /// Whether to keep this build's work for the next `rebuild` (false for one-shot builds).
    pub keep: bool,
    /// Whether to make `stored` for `.pmsite/cache/` (a one-shot build that writes it).
    pub persist: bool,
    /// What the last `rebuild` leaves for the next process, when `persist` is set.
    pub stored: Option<crate::cache::State>,
    /// Set when the last rebuild answered fast by carrying over what every body feeds
    /// (similar incidents, the browser's search index) and git history: `catch_up` then
    /// brings them up to date, which serve does as soon as no save is waiting.
    pub deferred: bool,
    /// The next rebuild recomputes what `deferred` carried over.
    complete_next: bool,
}

impl Session {
    /// A session with nothing to reuse yet: its first rebuild renders everything.
    pub fn new(root: &Path, opts: BuildOptions, render_opts: RenderOptions) -> Session {
        Session {
            root: root.to_path_buf(),
            opts,
            render_opts,
            parse: CheckCache::default(),
            previous: None,
            pending: None,
            last_rendered: 0,
            keep: true,
            persist: false,
            stored: None,
            deferred: false,
            complete_next: false,
        }
    }

    /// A rebuild that recomputes the similar incidents, the search index and history
    /// that the last rebuild carried over; afterwards the site equals a full build.
    pub fn catch_up(&mut self, progress: &(dyn Fn(u64) + Sync)) -> Rendered {
        self.complete_next = true;
        let r = self.rebuild(progress);
        self.complete_next = false;
        r
    }

    /// Parses an earlier process made, for the next rebuild (`ParseCache::seed`).
    pub fn seed_parses(
        &mut self,
        config_text: Option<String>,
        files: Vec<(PathBuf, u64, std::time::SystemTime, crate::load::FileParse)>,
    ) {
        self.parse.parse.seed(config_text, self.opts.edition, files);
    }

    /// The last rebuild's parses (`ParseCache::parses`).
    pub fn parses(
        &self,
    ) -> impl Iterator<Item = (&PathBuf, u64, Option<std::time::SystemTime>, &crate::load::FileParse)> {
        self.parse.parse.parses()
    }

    /// Starts from what an earlier process stored (see `crate::cache`): its pages are
    /// reused only where the output folder still holds exactly what it wrote.
    pub fn restore(&mut self, state: crate::cache::State) {
        self.previous = Some(Previous::restored(state));
    }

    /// Tells the next rebuild that only these files changed (see `ParseCache::expect_only`);
    /// paths may be absolute or relative to the root.
    pub fn expect_only(&mut self, changed: &[PathBuf]) {
        let root = self.root.canonicalize().unwrap_or_else(|_| self.root.clone());
        let rel: Vec<PathBuf> = changed
            .iter()
            .map(|p| p.strip_prefix(&root).or_else(|_| p.strip_prefix(&self.root)).unwrap_or(p).to_path_buf())
            .collect();
        self.parse.parse.expect_only(&rel);
    }

    /// Indexes what the last build left for reuse. `rebuild` does this first if it was not
    /// done; serve does it after a reload was sent, so a save does not wait for it.
    pub fn settle(&mut self) {
        if let Some(p) = self.pending.take() {
            let t = Instant::now();
            self.previous = Some(p.settle(self.previous.take()));
            stage_timing("settle", t);
        }
    }

    /// Checks and renders the site, reusing whatever the last successful build made that
    /// this one would make the same. `files` is empty when there were errors.
    pub fn rebuild(&mut self, progress: &(dyn Fn(u64) + Sync)) -> Rendered {
        self.rebuild_to(progress, None)
    }

    /// As `rebuild`, handing every file to `sink` as soon as it is made, so that writing
    /// overlaps rendering. A one-shot session (`keep == false`) then holds no file in
    /// memory: `Rendered::files` lists only what was not handed over.
    ///
    /// The stages, each a function below: check (load and link), `prepare` (what may be
    /// reused), `site` (bodies and fragments), the page pass (`pages::PagePass`: pages,
    /// similar incidents, search index, feeds), `inputs` (attachments, static files,
    /// theme assets), and `keep` (what the next rebuild reuses).
    pub fn rebuild_to(&mut self, progress: &(dyn Fn(u64) + Sync), sink: Option<&Staging>) -> Rendered {
        self.settle();
        // Set again below when this rebuild carries something over; a failed one has
        // nothing to catch up on.
        self.deferred = false;
        let mut checked = self.check();
        // Moved, not copied: tens of thousands at 10,000 postmortems, on every save.
        let mut diags = std::mem::take(&mut checked.diagnostics);
        let from_check = diags.len();
        if diagnostics::count_errors(&diags) > 0 {
            return Rendered::failed(checked, diags);
        }
        let t0 = Instant::now();
        let t = Instant::now();
        let theme = match Theme::load(&self.root, &checked.kb.config.theme) {
            Ok(t) => t,
            Err(d) => {
                diags.extend(d);
                return Rendered::failed(checked, diags);
            }
        };
        stage_timing("  theme", t);
        let kb = &checked.kb;
        let complete = std::mem::take(&mut self.complete_next);
        let mut prep = self.prepare(kb, &theme, complete);
        let notes = std::mem::take(&mut prep.notes);
        let prev = self.previous.as_ref().filter(|p| p.global == prep.global);
        let (mut site, remade) = self.site(kb, &theme, prev, &prep);
        site.history = std::mem::take(&mut prep.pm_history);
        stage_timing("markdown", t0);

        let live = self.render_opts.live_reload;
        let kept = prev.filter(|_| live && !complete);
        self.deferred = kept.is_some();
        // Serve keeps the last similar lists and search index while only text changes: they
        // cost ~0.4 s at 10,000 postmortems, and a writer previews one page.
        let shown = prev.filter(|_| prep.same_members).and_then(|p| p.patterns_shown.as_deref());
        let mut inputs = fingerprint::Inputs::new(kb, prep.global, prep.membership, &prep.content, shown);
        // Same global hash and front matter, similar lists carried over: only content moved.
        if let Some(p) = kept.filter(|p| p.same_front(kb) && p.referrers == prep.referrers) {
            debug_assert!(p.global == prep.global);
            inputs = inputs.carried(&prep.unchanged);
        }
        let pass = pages::PagePass {
            prev,
            sink,
            inputs,
            keep: self.keep,
            persist: self.persist,
            kept,
            last_feeds: prev.zip(remade.as_ref()).map(|(p, r)| (p.feeds.as_slice(), r)),
            progress,
        };
        let made = pass.run(&mut site);
        // Serve's next rebuild may hand these over again (`remade`).
        let feed_files: Vec<OutputFile> = match self.keep {
            true => made.feeds.iter().filter_map(|(_, _, r)| r.as_ref().ok().cloned().flatten()).collect(),
            false => Vec::new(),
        };
        let Gathered { mut files, fingerprints, on_disk, rendered, pages: page_count } =
            Gathered::from(made.pages, prev, &mut diags);
        let kept_pages = files.len();

        let t = Instant::now();
        let (other_hashes, file_count) =
            self.inputs(&checked, &theme, sink, made.feeds, &made.search_files, &mut files, &mut diags);
        let file_count = file_count + page_count;
        stage_timing("others", t);
        self.last_rendered = rendered;
        // Check's are sorted; only what the later stages added needs placing among them.
        if diags.len() > from_check {
            diagnostics::sort(&mut diags);
        }
        if diagnostics::count_errors(&diags) > 0 {
            files.clear();
            drop(site);
            return Rendered { checked, files, file_count: 0, pages: 0, diagnostics: diags, notes };
        }
        if !self.keep && !self.persist {
            // A one-shot build: nothing to carry over, so hold no second set of fragments.
            drop(site);
        } else {
            let t = Instant::now();
            let pages_kept: Vec<(String, u64, PageFile)> = match self.keep {
                true => fingerprints
                    .into_iter()
                    .zip(&files[..kept_pages])
                    .map(|((path, fp), f)| (path, fp, PageFile::Bytes(f.clone())))
                    .collect(),
                false => on_disk.into_iter().map(|(path, fp, h)| (path, fp, PageFile::OnDisk(h))).collect(),
            };
            let last_shown = prev.filter(|_| prep.same_members).and_then(|p| p.patterns_shown.clone());
            let pending = keep_for_next(site, prep, pages_kept, made.search_files, feed_files, last_shown);
            if self.keep {
                self.pending = Some(pending);
            } else {
                self.stored = Some(pending.settle(self.previous.take()).into_state(other_hashes));
            }
            stage_timing("keep", t);
        }
        Rendered { checked, files, file_count, pages: page_count, diagnostics: diags, notes }
    }

    /// The check stage: load and link (reusing the parse and link caches), then
    /// `--base-url`, which replaces site.toml's.
    fn check(&mut self) -> Checked {
        let t = Instant::now();
        let opts = &self.opts;
        let mut checked = check::check_cached_in(
            &self.root,
            &check::Options { strict: opts.strict, drafts: opts.drafts, today: opts.today },
            opts.edition,
            &mut self.parse,
        );
        if let Some(url) = &opts.base_url {
            match crate::config::base_url(url) {
                Ok(url) => checked.kb.config.base_url = url,
                Err(problem) => checked.diagnostics.push(
                    Diagnostic::error(
                        Code::ConfigValue,
                        "--base-url",
                        1,
                        1,
                        format!("--base-url `{}` {problem}", url.escape_debug()),
                    )
                    .with_suggestion("pass a URL such as https://preview.example/pm/ or a path such as /"),
                ),
            }
        }
        stage_timing("check", t);
        checked
    }

    /// What this build may reuse of the last: the global and membership hashes, git
    /// history (serve keeps its first build's: saves change files, not commits) and each
    /// postmortem's content hash.
    fn prepare(&mut self, kb: &crate::kb::KnowledgeBase, theme: &Theme, complete: bool) -> Prepared {
        let t = Instant::now();
        let global = global_hash(&self.root, kb, theme, &self.opts, self.render_opts.live_reload);
        stage_timing("  global hash", t);
        // From front matter alone: the last one holds while no front matter changed.
        let membership = match &self.previous {
            Some(p) if p.same_front(kb) => p.membership,
            _ => membership_hash(kb),
        };
        let prev = self.previous.as_ref().filter(|p| p.global == global);
        let same_members = prev.is_some_and(|p| p.membership == membership);
        let mut notes = Vec::new();
        // Shared, not copied: a save in serve reuses it whole.
        let history: Arc<HashMap<PathBuf, FileHistory>> =
            match prev.filter(|_| self.render_opts.live_reload && !complete) {
                Some(p) => p.history.clone(),
                None => {
                    let files: Vec<PathBuf> = kb.visible_ids().map(|i| kb.postmortems[i].path.clone()).collect();
                    let report = crate::repositories::history(&self.root, &kb.config.sources, &files);
                    notes.extend(report.fallback);
                    Arc::new(report.files)
                }
            };
        // One lookup by path per postmortem (paths hash slowly), for the hashes and the pages.
        let pm_history: Vec<Option<FileHistory>> =
            kb.postmortems.par_iter().map(|pm| history.get(&pm.path).cloned()).collect();
        stage_timing("  global hash, history", t);
        let t = Instant::now();
        let content = fingerprint::content_hashes(kb, &pm_history);
        let unchanged = (0..kb.postmortems.len())
            .into_par_iter()
            .map(|i| prev.is_some_and(|p| p.hashes.get(&kb.postmortems[i].id) == Some(&content[i])))
            .collect();
        stage_timing("  content hashes", t);
        let referrers = fingerprint::referrers_key(kb);
        Prepared { global, membership, same_members, history, pm_history, content, unchanged, referrers, notes }
    }

    /// The site to render: bodies whose postmortem is unchanged are reused, the rest
    /// rendered; fragments whose postmortem is unchanged are copied over.
    fn site<'a>(
        &self,
        kb: &'a crate::kb::KnowledgeBase,
        theme: &'a Theme,
        prev: Option<&'a Previous>,
        prep: &Prepared,
    ) -> (Site<'a>, Option<remade::Remade>) {
        let t = Instant::now();
        let unchanged = |i: usize| prep.unchanged[i];
        let reuse_body = |i: usize| {
            if !unchanged(i) {
                return None;
            }
            prev.and_then(|p| p.bodies.get(&kb.postmortems[i].id).cloned())
        };
        // The actions' order follows from what the global hash and `front_key` cover.
        let last_actions = prev.filter(|p| p.same_front(kb)).and_then(|p| p.action_index.clone());
        let site = Site::reusing(kb, theme, self.render_opts.clone(), &reuse_body, last_actions);
        stage_timing("  site", t);
        let t = Instant::now();
        let mut remade = None;
        if let Some(p) = prev {
            // One lookup by id per postmortem, not one per fragment and action item.
            let n = kb.postmortems.len();
            let (last_frags, api_ok): (Vec<_>, Vec<bool>) = (0..n)
                .into_par_iter()
                .map(|i| {
                    let id = &kb.postmortems[i].id;
                    let frags = p.pm_frags.get(id);
                    (frags, frags.is_some() && p.refs.get(id) == Some(&fingerprint::refs_hash(kb, i)))
                })
                .unzip();
            let last_action_frags: Vec<_> =
                (0..n).into_par_iter().map(|i| p.action_frags.get(kb.postmortems[i].id.as_str())).collect();
            // A fragment is shown as it was while its postmortem is unchanged (and for an
            // API object, while the same postmortems refer to it).
            let pm_frag = |i: usize, kind: usize| {
                if !unchanged(i) || (kind == PmFragment::Api as usize && !api_ok[i]) {
                    return None;
                }
                last_frags[i].and_then(|f| f[kind].as_ref())
            };
            let action_frag = |k: usize, kind: usize| {
                let a = &site.actions[k];
                let items = last_action_frags[a.pm].filter(|_| unchanged(a.pm))?;
                items.get(a.item).and_then(|f| f[kind].as_ref())
            };
            site.prefill(&pm_frag, &action_frag);
            // Serve reuses the last feed files while the structure is the same.
            if self.keep && p.same_front(kb) && Arc::ptr_eq(&p.history, &prep.history) {
                let last_pm = |i: usize, kind: PmFragment| last_frags[i].and_then(|f| f[kind as usize].clone());
                let last_action = |k: usize, kind: crate::render::ActionFragment| {
                    let a = &site.actions[k];
                    last_action_frags[a.pm].and_then(|v| v.get(a.item)).and_then(|f| f[kind as usize].clone())
                };
                remade = Some(remade::Remade::after_prefill(&site, &last_pm, &last_action));
            }
        }
        stage_timing("  prefill", t);
        (site, remade)
    }

    /// Attachments, static files, theme assets and the search index, handed to the writer
    /// with the feeds; returns their hashes when the cache wants them, and how many files
    /// they are.
    #[allow(clippy::too_many_arguments, reason = "the outputs of the stages before it, each used once")]
    fn inputs(
        &self,
        checked: &Checked,
        theme: &Theme,
        sink: Option<&Staging>,
        feeds: Vec<pages::Delivered>,
        search_files: &[OutputFile],
        files: &mut Vec<OutputFile>,
        diags: &mut Vec<Diagnostic>,
    ) -> (Vec<(String, u64)>, usize) {
        let kb = &checked.kb;
        let mut others: Vec<OutputFile> = search_files.to_vec();
        for (path, bytes) in &theme.assets {
            others.push(OutputFile::new(crate::routes::asset(path), bytes.clone()));
        }
        match copy_inputs(&self.root, &kb.config.sources, &kb.assets, &checked.statics) {
            Ok(extra) => others.extend(extra),
            Err(d) => diags.push(d),
        }
        let count = feeds.len() + others.len();
        let hashes: Vec<(String, u64)> = match self.persist {
            true => feeds
                .iter()
                .map(|(path, h, _)| (path.clone(), *h))
                .chain(others.iter().map(|f| (f.path.clone(), crate::output::hash(&f.bytes))))
                .collect(),
            false => Vec::new(),
        };
        let mut delivered: Vec<Result<Option<OutputFile>, Diagnostic>> = feeds.into_iter().map(|(_, _, r)| r).collect();
        delivered.extend(others.into_par_iter().map(|f| deliver(sink, self.keep, f)).collect::<Vec<_>>());
        for d in delivered {
            match d {
                Ok(f) => files.extend(f),
                Err(d) if !diags.contains(&d) => diags.push(d),
                Err(_) => {}
            }
        }
        (hashes, count)
    }
}

/// What this build leaves for the next one: moved out now, indexed by id in `settle`,
/// which serve runs after the browser has been told to reload. `last_shown` is what
/// `/patterns/` showed last time, kept when the page was reused this time.
fn keep_for_next(
    mut site: Site,
    prep: Prepared,
    pages: Vec<(String, u64, PageFile)>,
    search_files: Vec<OutputFile>,
    feeds: Vec<OutputFile>,
    last_shown: Option<Vec<usize>>,
) -> Pending {
    let kb = site.kb;
    Pending {
        global: prep.global,
        membership: prep.membership,
        front_key: kb.front_key,
        referrers: prep.referrers,
        ids: kb.postmortems.iter().map(|p| p.id.clone()).collect(),
        visible: kb.visible.clone(),
        refs: (0..kb.postmortems.len())
            .map(|i| if kb.visible[i] { fingerprint::refs_hash(kb, i) } else { 0 })
            .collect(),
        content: prep.content,
        similar: std::mem::take(&mut site.similar),
        bodies: std::mem::take(&mut site.bodies),
        fragments: site.fragments(),
        action_index: site.action_index(),
        pages,
        search_files,
        feeds,
        history: prep.history,
        patterns_shown: site.patterns_shown.take().or(last_shown),
    }
}

/// What `prepare` found this build may reuse.
struct Prepared {
    global: u64,
    membership: u64,
    /// Whether every postmortem is in the same lists as last time.
    same_members: bool,
    history: Arc<HashMap<PathBuf, FileHistory>>,
    /// Each postmortem's history (moved into the site).
    pm_history: Vec<Option<FileHistory>>,
    content: Vec<u64>,
    /// Whether each postmortem's content hash is the last build's.
    unchanged: Vec<bool>,
    /// `fingerprint::referrers_key`.
    referrers: u64,
    notes: Vec<String>,
}
