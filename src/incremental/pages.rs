//! The render stage of one rebuild: every page, reused when its fingerprint is unchanged
//! and rendered otherwise, with the similar incidents, the browser's search index and the
//! feeds made alongside on the other cores.

use super::deliver;
use super::fingerprint::Inputs;
use super::outcome::PageOutcome;
use super::remade::Remade;
use super::reuse::{PageFile, Previous};
use crate::diagnostics::{Code, Diagnostic};
use crate::output::{OutputFile, Staging};
use crate::render::{Page, Site, feeds};
use crate::timing::stage_timing;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

/// One page's path, fingerprint and what became of it.
pub(super) type PageResult = (String, u64, PageOutcome);
/// A feed or API file: its path, its hash when the cache wants it, what delivering it gave.
pub(super) type Delivered = (String, u64, Result<Option<OutputFile>, Diagnostic>);

/// What the page pass reads besides the site.
pub(super) struct PagePass<'a> {
    pub(super) prev: Option<&'a Previous>,
    pub(super) sink: Option<&'a Staging>,
    pub(super) inputs: Inputs<'a>,
    /// Keep rendered files in memory (serve) rather than only hand them to the writer.
    pub(super) keep: bool,
    /// Hash feed files for the persistent cache.
    pub(super) persist: bool,
    /// Set when serve carries the similar lists and search index over unchanged.
    pub(super) kept: Option<&'a Previous>,
    /// The last feed and API files, with what may have changed in them (`remade`).
    pub(super) last_feeds: Option<(&'a [OutputFile], &'a Remade)>,
    pub(super) progress: &'a (dyn Fn(u64) + Sync),
}

/// What the page pass made.
pub(super) struct Made {
    pub(super) pages: Vec<PageResult>,
    pub(super) feeds: Vec<Delivered>,
    pub(super) search_files: Vec<OutputFile>,
}

impl PagePass<'_> {
    /// Renders (or reuses) every page of `site`, fills in its similar lists, and makes the
    /// feeds and the search index.
    pub(super) fn run(&self, site: &mut Site) -> Made {
        let timings = crate::timing::enabled();
        // Render time summed per kind of page, across threads (so CPU time, not wall time).
        let by_kind: Mutex<BTreeMap<&'static str, (f64, usize)>> = Default::default();
        let one = |site: &Site, page: &Page| self.one(site, page, timings.then_some(&by_kind));
        // Only incident pages show similar incidents: every other page renders while the
        // analysis finds them.
        let (incident_pages, other_pages): (Vec<Page>, Vec<Page>) =
            site.pages().into_iter().partition(|p| matches!(p, Page::Incident(_)));
        // Plain text of every body, for the analysis, unless its results are carried over.
        // (`pmsite search` keeps its own index current when it runs: a build does not pay.)
        let texts: Option<Vec<&str>> =
            self.kept.is_none().then(|| site.bodies.iter().map(|b| b.text.as_str()).collect());
        let t = Instant::now();
        let ((analysis, similar), mut pages): (_, Vec<PageResult>) = {
            let (site, kb) = (&*site, site.kb);
            rayon::join(
                || analyse(kb, self.kept, texts.as_deref()),
                || other_pages.par_iter().map(|p| one(site, p)).collect(),
            )
        };
        drop(texts);
        site.similar = similar;
        stage_timing("search and other pages", t);

        let t = Instant::now();
        // Each feed and API file goes to the writer as soon as it is made.
        let feed_files: Mutex<Vec<Delivered>> = Default::default();
        let emit = |f: OutputFile| {
            let h = if self.persist { crate::output::hash(&f.bytes) } else { 0 };
            let path = f.path.clone();
            let r = deliver(self.sink, self.keep, f);
            feed_files.lock().unwrap_or_else(|e| e.into_inner()).push((path, h, r));
        };
        let site = &*site;
        // The browser index is made while pages render: pages do not read it.
        let browser_index = || match (self.kept, &analysis) {
            (Some(p), _) => p.search_files.clone(),
            (_, Some(a)) => {
                let t = Instant::now();
                let b = crate::search::browser_index_in(a);
                stage_timing("browser", t);
                b
            }
            (None, None) => Vec::new(),
        };
        let (incident_results, search_files): (Vec<PageResult>, _) = rayon::join(
            || incident_pages.par_iter().map(|p| one(site, p)).collect(),
            // Feeds and the browser's search index need nothing from the pages either.
            || {
                let (search_files, ()) = rayon::join(browser_index, || {
                    let t = Instant::now();
                    let made = feeds::fragments(site);
                    match self.last_feeds.filter(|(_, r)| r.unchanged(site)) {
                        Some((last, _)) => {
                            #[cfg(debug_assertions)]
                            super::remade::assert_same(site, made, last);
                            last.iter().for_each(|f| emit(f.clone()));
                        }
                        None => feeds::files(site, made, &emit),
                    }
                    stage_timing("feeds", t);
                });
                search_files
            },
        );
        // Hundreds of megabytes at 100,000 postmortems, and nothing below reads it.
        drop(analysis);
        let mut feeds = feed_files.into_inner().unwrap_or_else(|e| e.into_inner());
        feeds.sort_by(|a, b| a.0.cmp(&b.0));
        pages.extend(incident_results);
        stage_timing("incident pages", t);
        for (kind, (ms, n)) in by_kind.into_inner().unwrap_or_else(|e| e.into_inner()) {
            eprintln!("timing:   {kind:<14} {ms:>8.1} ms in {n} pages (summed over threads)");
        }
        Made { pages, feeds, search_files }
    }

    /// One page: reused when its fingerprint is unchanged, else rendered.
    fn one(
        &self,
        site: &Site,
        page: &Page,
        by_kind: Option<&Mutex<BTreeMap<&'static str, (f64, usize)>>>,
    ) -> PageResult {
        let path = site.path(page);
        let last = self.prev.and_then(|p| p.pages.get(&path));
        let fp = self.inputs.page(site, page, &path, last.map(|(f, _)| *f));
        let reused = last.filter(|(f, _)| *f == fp);
        let kept = match (reused, self.sink) {
            (Some((_, PageFile::OnDisk(h))), Some(sink)) => match sink.keep(&path, *h) {
                Ok(true) => Some(PageOutcome::Kept(*h)),
                Ok(false) => None,
                Err(e) => Some(PageOutcome::Failed(Diagnostic::error(Code::Io, Path::new(&path), 0, 0, e.to_string()))),
            },
            _ => None,
        };
        let outcome = match (kept, reused) {
            (Some(outcome), _) => outcome,
            (None, Some((_, PageFile::Bytes(f)))) => match deliver(self.sink, false, f.clone()) {
                Ok(_) => PageOutcome::Reused,
                Err(d) => PageOutcome::Failed(d),
            },
            (None, _) => {
                let t = Instant::now();
                let r = site.render(page);
                if let Some(by_kind) = by_kind {
                    let ms = t.elapsed().as_secs_f64() * 1000.0;
                    let mut m = by_kind.lock().unwrap_or_else(|e| e.into_inner());
                    let e = m.entry(page.kind()).or_default();
                    e.0 += ms;
                    e.1 += 1;
                    if ms >= 5.0 {
                        eprintln!("timing:   {ms:>6.1} ms {path}");
                    }
                }
                match r.and_then(|f| {
                    let h = crate::output::hash(&f.bytes);
                    deliver(self.sink, self.keep, f).map(|f| (f, h))
                }) {
                    Ok((Some(f), _)) => PageOutcome::Rendered(f),
                    Ok((None, h)) => PageOutcome::Written(h),
                    Err(d) => PageOutcome::Failed(d),
                }
            }
        };
        (self.progress)(1);
        (path, fp, outcome)
    }
}

/// The similar incidents, and the analysis they came from when it was made (the search
/// index is made from it next); serve's fast path carries the last lists over instead.
fn analyse<'k>(
    kb: &'k crate::kb::KnowledgeBase,
    kept: Option<&Previous>,
    texts: Option<&[&str]>,
) -> (Option<crate::search::Analysis<'k>>, std::sync::Arc<Vec<Vec<crate::search::Similar>>>) {
    if let Some(p) = kept {
        return (None, p.similar_in(kb));
    }
    let t = Instant::now();
    let a = crate::search::Analysis::new(kb, texts.unwrap_or_default());
    stage_timing("  analysis", t);
    let t = Instant::now();
    let similar = crate::search::similar_in(&a);
    stage_timing("  similar", t);
    (Some(a), similar.into())
}
