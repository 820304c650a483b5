//! Render stage: the checked `KnowledgeBase` -> the site's files, in parallel.
//!
//! Every page is a pure function of the model: `Page` names a page, `Site::render`
//! turns it into bytes, and `Page::depends_on` says which postmortems it reads, so
//! `serve` can re-render only what a change touches. Templates get borrowed,
//! serialisable views built here, never a handle to query the whole site.

mod api;
mod attention;
pub(crate) mod feeds;
mod guide;
mod incident;
pub mod metrics;
mod pages_actions;
pub(crate) mod paging;
mod patterns_view;
mod sections;
mod service;
pub(crate) mod theme;
mod tickets;
mod timeline_table;
mod value;
mod views;

use crate::diagnostics::Diagnostic;
use crate::kb::KnowledgeBase;
use crate::markdown::RenderedBody;
use crate::output::OutputFile;
use crate::routes;
use rayon::prelude::*;
pub(crate) use service::owner_with_page;
use std::sync::{Arc, OnceLock};
pub use theme::Theme;

pub use crate::routes::{Dim, Slugs};

/// One page of the site. Lists that grow with the corpus carry a page number (from 1,
/// see `paging`): page 1 at the list's own URL with its summary, the rest under `page/N/`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    /// The home page, `index.html`.
    Home,
    /// A postmortem's page, by its index in `KnowledgeBase::postmortems`.
    Incident(usize),
    /// The list of a dimension's values (`services/`).
    Terms(Dim),
    /// The incidents of one value of a dimension (`services/checkout-api/`), by name.
    Term(Dim, String, u32),
    /// The contributing factors index, `factors/`.
    Factors,
    /// The incidents one factor contributed to, by factor id.
    Factor(String, u32),
    /// The search page, `search/`.
    Search,
    /// `404.html`, for hosts that serve it for unknown paths.
    NotFound,
    /// Open action items of every postmortem.
    Actions(u32),
    /// One owner's action items (`actions/owners/<slug>/`), by owner name.
    ActionsOwner(String, u32),
    /// The action items of one team's incidents (`actions/teams/<slug>/`), by team.
    ActionsTeam(String, u32),
    /// Patterns across teams and recurrences, `patterns/`.
    Patterns,
    /// Response figures across incidents, `metrics/`.
    Metrics,
    /// Postmortems with `status: review`, paginated like every list.
    InReview(u32),
    /// `_index.md` from its first `##` heading on, when it has one.
    Guide,
}

impl Page {
    /// What kind of page this is, for timings.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Page::Home => "home",
            Page::Incident(_) => "incident",
            Page::Terms(_) => "terms",
            Page::Term(..) => "term",
            Page::Factors => "factors",
            Page::Factor(..) => "factor",
            Page::Search => "search",
            Page::NotFound => "404",
            Page::Actions(_) => "actions",
            Page::ActionsOwner(..) => "actions-owner",
            Page::ActionsTeam(..) => "actions-team",
            Page::Patterns => "patterns",
            Page::Metrics => "metrics",
            Page::InReview(_) => "in-review",
            Page::Guide => "guide",
        }
    }
}

/// Every page of the site, in a stable order. `check` lists them too, to find files
/// that would take a page's place.
pub(crate) fn pages(kb: &KnowledgeBase) -> Vec<Page> {
    pages_with(kb, &pages_actions::ActionLists::new(&crate::actions::all(kb)))
}

/// `pages`, given the action rows (which decide how many pages the action lists take).
fn pages_with(kb: &KnowledgeBase, lists: &pages_actions::ActionLists) -> Vec<Page> {
    let per_page = kb.config.per_page;
    let numbered = |rows: usize| 1..=paging::Paging::count(rows, per_page);
    let mut pages = vec![Page::Home, Page::Factors, Page::Search, Page::NotFound, Page::Patterns, Page::Metrics];
    pages.extend(numbered(attention::in_review(kb).len()).map(Page::InReview));
    if kb.home_text.as_deref().is_some_and(|t| guide::split(t).1.is_some()) {
        pages.push(Page::Guide);
    }
    let listed = |list: &pages_actions::List| lists.get(list).len();
    pages.extend(numbered(listed(&pages_actions::List::All)).map(Page::Actions));
    for o in kb.indexes.owners.keys() {
        let n = listed(&pages_actions::List::Owner(o));
        pages.extend(numbered(n).map(|p| Page::ActionsOwner(o.clone(), p)));
    }
    for t in kb.indexes.teams.keys() {
        let n = listed(&pages_actions::List::Team(t));
        pages.extend(numbered(n).map(|p| Page::ActionsTeam(t.clone(), p)));
    }
    pages.extend(kb.visible_ids().map(Page::Incident));
    for dim in Dim::ALL {
        pages.push(Page::Terms(dim));
        for (name, ids) in kb.entries_of(dim) {
            pages.extend(numbered(ids.len()).map(|p| Page::Term(dim, name.clone(), p)));
        }
    }
    for (f, ids) in &kb.indexes.factors {
        pages.extend(numbered(ids.len()).map(|p| Page::Factor(f.clone(), p)));
    }
    pages
}

/// Where `page` is written, relative to the output folder.
pub(crate) fn page_path(kb: &KnowledgeBase, slugs: &Slugs, page: &Page) -> String {
    match page {
        Page::Home => routes::HOME.into(),
        Page::Incident(i) => routes::incident(&kb.postmortems[*i].id),
        Page::Terms(d) => routes::terms(*d),
        Page::Factors => routes::FACTORS.into(),
        Page::Search => routes::SEARCH.into(),
        Page::NotFound => routes::NOT_FOUND.into(),
        Page::Patterns => routes::PATTERNS.into(),
        Page::Metrics => routes::METRICS.into(),
        Page::Guide => routes::GUIDE.into(),
        _ => {
            let (first, n) = list_first_page(slugs, page).expect("every other page is a list");
            routes::list_page(&first, n)
        }
    }
}

/// For a page of a paginated list: the output path of the list's first page, and which
/// page this is.
pub(crate) fn list_first_page(slugs: &Slugs, page: &Page) -> Option<(String, u32)> {
    Some(match page {
        Page::Term(d, name, n) => (routes::term(*d, &slugs.get(*d, name)), *n),
        Page::Factor(id, n) => (routes::factor(id), *n),
        Page::Actions(n) => (routes::ACTIONS.into(), *n),
        Page::ActionsOwner(o, n) => (routes::term(Dim::Owners, &slugs.get(Dim::Owners, o)), *n),
        Page::ActionsTeam(t, n) => (routes::actions_team(&slugs.get(Dim::Teams, t)), *n),
        Page::InReview(n) => (routes::IN_REVIEW.into(), *n),
        _ => return None,
    })
}

/// Settings that change how pages render but not what they say.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `pmsite serve`: inject the live-reload script and show drafts' banners.
    pub live_reload: bool,
}

/// Everything rendering needs, computed once per build.
pub struct Site<'a> {
    pub(crate) kb: &'a KnowledgeBase,
    pub(crate) theme: &'a Theme,
    pub(crate) bodies: Vec<Arc<RenderedBody>>,
    pub(crate) slugs: Arc<Slugs>,
    pub(crate) options: RenderOptions,
    /// `site` in every template's context.
    site_value: tera::Value,
    rows: Rows<'a>,
    pub(crate) actions: Vec<crate::actions::ActionRow<'a>>,
    /// The actions' order and which lists show each (shared with serve's next rebuild).
    action_index: Arc<ActionIndex>,
    /// Similar incidents per postmortem (from `search`), set by the build before rendering.
    /// Shared, so that serve carries the last lists over without copying them.
    pub(crate) similar: Arc<Vec<Vec<crate::search::Similar>>>,
    /// Each postmortem's git history (or file dates), set by the build before rendering.
    pub(crate) history: Vec<Option<crate::history::FileHistory>>,
    /// Postmortems whose rows `/patterns/` showed, set when it renders. With the same
    /// structure and action statuses it shows the same ones, so a rebuild need re-render
    /// it only when one of these changes (see `incremental`).
    pub(crate) patterns_shown: OnceLock<Vec<usize>>,
    /// Each visible postmortem's list row as HTML for pages two folders deep (every term
    /// and factor page), rendered once and reused by every list it appears in.
    /// Per-postmortem fragments (`PmFragment`), index-aligned with the postmortems.
    pm_frags: [Vec<OnceLock<Frag<'a>>>; PM_FRAGMENTS],
    /// Per-action fragments (`ActionFragment`), index-aligned with `actions`.
    action_frags: [Vec<OnceLock<Frag<'a>>>; ACTION_FRAGMENTS],
    /// Each response figure's median and n over the visible postmortems, in
    /// `figures::NAMES` order: every incident page shows them beside its own.
    site_figures: OnceLock<[crate::figures::Summary; 4]>,
    /// Each postmortem's `KnowledgeBase::severity_rank`: every page of a term counts its
    /// severities, and comparing names for each of 40,000 members on each of 400 pages
    /// was a tenth of a 100,000-postmortem build.
    severity_ranks: OnceLock<Vec<usize>>,
}

/// The order `/actions/` lists every action item in, by (postmortem, item), and which
/// lists show each. It follows from the front matter, the ticket snapshot, site.toml
/// and today alone, and sorting 24,000 items and filing them was a sixth of a save at
/// 10,000 postmortems, so serve keeps it while those stay the same.
pub(crate) struct ActionIndex {
    order: Vec<(usize, usize)>,
    lists: pages_actions::ActionLists,
}

impl ActionIndex {
    /// Each action's (postmortem, position among its action items), in `Site::actions` order.
    pub(crate) fn order(&self) -> &[(usize, usize)] {
        &self.order
    }
}

/// Relative prefix from a page at `path` back to the site root ("../../").
pub(crate) fn root_prefix(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

impl<'a> Site<'a> {
    /// Parses every visible body (in parallel) and precomputes list rows.
    pub fn new(kb: &'a KnowledgeBase, theme: &'a Theme, options: RenderOptions) -> Site<'a> {
        Site::reusing(kb, theme, options, &|_| None, None)
    }

    /// Like `new`, but takes a body from `reuse` where it has one (serve's rebuilds keep
    /// the bodies of unchanged postmortems).
    pub(crate) fn reusing(
        kb: &'a KnowledgeBase,
        theme: &'a Theme,
        options: RenderOptions,
        reuse: &(dyn Fn(usize) -> Option<Arc<RenderedBody>> + Sync),
        last_actions: Option<Arc<ActionIndex>>,
    ) -> Site<'a> {
        let slugs = kb.slugs();
        let bodies: Vec<Arc<RenderedBody>> = (0..kb.postmortems.len())
            .into_par_iter()
            .map(|i| match kb.visible[i] {
                true => reuse(i).unwrap_or_else(|| Arc::new(views::render_body(kb, i))),
                false => Arc::default(),
            })
            .collect();
        let rows =
            Rows { kb, slugs: slugs.clone(), cells: (0..kb.postmortems.len()).map(|_| OnceLock::new()).collect() };
        let (actions, action_index) = match last_actions {
            Some(index) => (crate::actions::in_order(kb, &index.order), index),
            None => {
                let actions = crate::actions::all(kb);
                let order = actions.iter().map(|r| (r.pm, r.item)).collect();
                let index = ActionIndex { order, lists: pages_actions::ActionLists::new(&actions) };
                (actions, Arc::new(index))
            }
        };
        let actions_len = actions.len();
        Site {
            kb,
            theme,
            bodies,
            slugs,
            options,
            site_value: views::site_value(kb),
            rows,
            action_index,
            actions,
            similar: Arc::default(),
            history: Vec::new(),
            patterns_shown: OnceLock::new(),
            pm_frags: std::array::from_fn(|_| (0..kb.postmortems.len()).map(|_| OnceLock::new()).collect()),
            action_frags: std::array::from_fn(|_| (0..actions_len).map(|_| OnceLock::new()).collect()),
            site_figures: OnceLock::new(),
            severity_ranks: OnceLock::new(),
        }
    }

    /// How many of `ids` have each severity site.toml lists, in its order.
    pub(crate) fn severity_counts(&self, ids: &[usize]) -> Vec<(&'a str, usize)> {
        let kb = self.kb;
        let ranks = self
            .severity_ranks
            .get_or_init(|| kb.postmortems.iter().map(|pm| kb.severity_rank(&pm.severity)).collect());
        // Rank 0 is a severity site.toml does not list.
        let mut counts = vec![0usize; kb.config.severities.len() + 1];
        ids.iter().for_each(|&i| counts[ranks[i]] += 1);
        kb.config.severities.iter().zip(&counts[1..]).filter(|(_, n)| **n > 0).map(|(s, n)| (s.as_str(), *n)).collect()
    }

    /// The site-wide summary of each response figure, computed on first use.
    pub(crate) fn site_figures(&self) -> &[crate::figures::Summary; 4] {
        self.site_figures.get_or_init(|| {
            crate::figures::NAMES
                .map(|(key, _)| crate::figures::Summary::of(self.kb.visible_ids().map(|i| self.kb.figures[i].get(key))))
        })
    }

    /// Every page of the site, in a stable order.
    pub fn pages(&self) -> Vec<Page> {
        pages_with(self.kb, &self.action_index.lists)
    }

    /// Which rows of its list a paginated page shows.
    pub(crate) fn paging(&self, page: &Page) -> Option<paging::Paging> {
        let per_page = self.kb.config.per_page;
        let (rows, n) = match page {
            Page::Term(dim, name, n) => (self.kb.ids_of(*dim, name).map_or(0, Vec::len), *n),
            Page::Factor(id, n) => (self.kb.indexes.factors.get(id).map_or(0, Vec::len), *n),
            Page::Actions(n) => (self.action_index.lists.get(&pages_actions::List::All).len(), *n),
            Page::ActionsOwner(o, n) => (self.action_index.lists.get(&pages_actions::List::Owner(o)).len(), *n),
            Page::ActionsTeam(t, n) => (self.action_index.lists.get(&pages_actions::List::Team(t)).len(), *n),
            Page::InReview(n) => (attention::in_review(self.kb).len(), *n),
            _ => return None,
        };
        Some(paging::Paging::new(n, rows, per_page))
    }

    /// The action items a page of an action list shows (indexes into `actions`).
    pub(crate) fn actions_shown(&self, page: &Page) -> &[usize] {
        let list = match page {
            Page::Actions(_) => pages_actions::List::All,
            Page::ActionsOwner(o, _) => pages_actions::List::Owner(o),
            Page::ActionsTeam(t, _) => pages_actions::List::Team(t),
            _ => return &[],
        };
        let ids = self.action_index.lists.get(&list);
        self.paging(page).map_or(&[], |p| p.slice(ids))
    }

    pub(crate) fn path(&self, page: &Page) -> String {
        page_path(self.kb, &self.slugs, page)
    }

    /// Postmortems whose content the page shows. A page must be re-rendered when one of
    /// these changes, or when the set itself changes (a new postmortem in its list).
    pub(crate) fn depends_on(&self, page: &Page) -> Vec<usize> {
        let kb = self.kb;
        match page {
            Page::Incident(i) => {
                let mut d = vec![*i];
                d.extend(kb.referenced_by[*i].iter().copied());
                // Only the recurrences shown; the count is part of the structure hash.
                d.extend(kb.recurrences.nearest(*i).iter().take(incident::RECURRENCES_SHOWN).map(|r| r.earlier));
                d.extend(kb.postmortems[*i].related.iter().filter_map(|r| kb.by_id.get(r).copied()));
                d
            }
            // Page 1 summarises the whole list (figures, charts, reach); a later page shows
            // its rows only. Which rows land on which page follows from dates, severities
            // and the lists' members: all part of the structure hash.
            Page::Term(dim, name, n) => {
                let ids = kb.ids_of(*dim, name).map(Vec::as_slice).unwrap_or_default();
                self.rows_shown(page, *n, ids)
            }
            Page::Factor(id, n) => {
                let ids = kb.indexes.factors.get(id).map(Vec::as_slice).unwrap_or_default();
                self.rows_shown(page, *n, ids)
            }
            // Names, counts and latest dates only: all part of the structure hash.
            Page::Search | Page::NotFound | Page::Terms(_) | Page::Factors | Page::Guide => Vec::new(),
            // A later page of an action list shows its own rows and the list's length;
            // which rows those are is the action order (`ActionIndex`), which the
            // fingerprint covers by the items' places (`fingerprint::page_lists_hash`).
            Page::Actions(2..) | Page::ActionsOwner(_, 2..) | Page::ActionsTeam(_, 2..) => {
                self.actions_shown(page).iter().map(|&k| self.actions[k].pm).collect()
            }
            // Page 1 sums up the whole list, and which items each page shows depends
            // on every item's status: these read their postmortems' whole front matter.
            Page::ActionsOwner(o, _) => kb.indexes.owners.get(o).cloned().unwrap_or_default(),
            Page::ActionsTeam(t, _) => kb.indexes.teams.get(t).cloned().unwrap_or_default(),
            // In review: which postmortems are is every visible one's status.
            Page::Home | Page::Actions(_) | Page::Patterns | Page::Metrics | Page::InReview(_) => {
                kb.visible_ids().collect()
            }
        }
    }

    /// What a term or factor page reads: everything on page 1, its own rows after.
    fn rows_shown(&self, page: &Page, n: u32, ids: &[usize]) -> Vec<usize> {
        match (n, self.paging(page)) {
            (2.., Some(p)) => p.slice(ids).to_vec(),
            _ => ids.to_vec(),
        }
    }

    /// Renders `page` with the theme's template for it, at its output path. Fails with a
    /// `template` diagnostic when the template does.
    pub fn render(&self, page: &Page) -> Result<OutputFile, Diagnostic> {
        let path = self.path(page);
        let root = root_prefix(&path);
        let mut ctx = views::base_context(self, &path, &root);
        let template = views::fill(self, page, &mut ctx, &self.rows)?;
        let html = self.theme.render(template, &ctx)?;
        Ok(OutputFile::new(path, html))
    }

    /// Renders `row.html` for postmortem `i` on a page whose root prefix is `root`.
    pub(crate) fn row_html(&self, i: usize, root: &str) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert_value("r", self.rows[i].clone());
        ctx.insert_value("root", root.into());
        self.theme.render("row.html", &ctx)
    }

    /// The concatenated rows of `ids` for a page whose root prefix is `root`; at the
    /// depths of term and factor pages (and their later pages) each row is rendered once
    /// per build however many lists it appears in.
    pub(crate) fn rows_html(&self, ids: &[usize], root: &str) -> Result<String, Diagnostic> {
        let kind = match root {
            "../../" => PmFragment::Row,
            "../../../../" => PmFragment::RowDeep,
            _ => return ids.iter().map(|&i| self.row_html(i, root)).collect(),
        };
        let mut out = String::new();
        for &i in ids {
            out.push_str(self.pm_fragment(kind, i, || self.row_html(i, root))?);
        }
        Ok(out)
    }

    /// `seen.html` for postmortem `i`: an earlier incident and its action items, as listed
    /// under "Seen before". Made once, however many later incidents list it.
    pub(crate) fn seen_html(&self, i: usize) -> Result<&str, Diagnostic> {
        self.pm_fragment(PmFragment::Seen, i, || {
            let kb = self.kb;
            let items: Vec<tera::Value> = kb.postmortems[i]
                .action_items
                .iter()
                .map(|a| {
                    let overdue = crate::tickets::reconcile(a, kb.tickets.as_deref(), &kb.config.tickets.trackers)
                        .is_overdue(kb.today);
                    value::obj! { "title" => a.title.as_str(), "status" => a.status.as_str(), "overdue" => overdue }
                })
                .collect();
            let mut ctx = tera::Context::new();
            ctx.insert_value("r", self.rows[i].clone());
            ctx.insert_value("action_items", items.into());
            ctx.insert_value("root", "../../".into());
            self.theme.render("seen.html", &ctx)
        })
    }

    /// Renders `action_row.html` for action `k` (an index into `actions`).
    pub(crate) fn action_row_html(&self, k: usize, root: &str) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        // Made for each depth the row is rendered at (two, mostly), not kept: at 100,000
        // postmortems the views of 240,000 items held hundreds of megabytes.
        ctx.insert_value("a", pages_actions::action_view(self, &self.actions[k]));
        ctx.insert_value("root", root.into());
        self.theme.render("action_row.html", &ctx)
    }

    /// The concatenated rows of actions `ks`, cached for the depths action pages have.
    pub(crate) fn actions_html(&self, ks: &[usize], root: &str) -> Result<String, Diagnostic> {
        let kind = match root {
            "../../../" => ActionFragment::Deep,
            "../" => ActionFragment::Top,
            "../../../../../" => ActionFragment::Deeper,
            _ => return ks.iter().map(|&k| self.action_row_html(k, root)).collect(),
        };
        let mut out = String::new();
        for &k in ks {
            out.push_str(self.action_fragment(kind, k, || self.action_row_html(k, root))?);
        }
        Ok(out)
    }

    /// Gets or makes a per-postmortem fragment; made once per build, reused across pages.
    pub(crate) fn pm_fragment(
        &self,
        kind: PmFragment,
        i: usize,
        make: impl FnOnce() -> Result<String, Diagnostic>,
    ) -> Result<&str, Diagnostic> {
        cached(&self.pm_frags[kind as usize][i], make)
    }

    /// Gets or makes a per-action fragment.
    pub(crate) fn action_fragment(
        &self,
        kind: ActionFragment,
        k: usize,
        make: impl FnOnce() -> Result<String, Diagnostic>,
    ) -> Result<&str, Diagnostic> {
        cached(&self.action_frags[kind as usize][k], make)
    }

    /// The actions' order and lists, for a next build whose front matter, ticket
    /// snapshot, options and today are this one's (`reusing`).
    pub(crate) fn action_index(&self) -> Arc<ActionIndex> {
        self.action_index.clone()
    }

    /// A per-postmortem fragment if it was made or prefilled, without making it.
    pub(crate) fn pm_fragment_made(&self, kind: PmFragment, i: usize) -> Option<&Arc<str>> {
        self.pm_frags[kind as usize][i].get().map(Frag::get)
    }

    /// A per-action fragment if it was made or prefilled, without making it.
    pub(crate) fn action_fragment_made(&self, kind: ActionFragment, k: usize) -> Option<&Arc<str>> {
        self.action_frags[kind as usize][k].get().map(Frag::get)
    }

    /// Fragments made so far, to carry into the next build (see `prefill`): those made
    /// now, and where the last build's were shown, only that (`Kept::Last`).
    pub(crate) fn fragments(&self) -> Fragments {
        if crate::timing::enabled() {
            let mb =
                |v: &Vec<OnceLock<Frag>>| v.iter().filter_map(|c| c.get()).map(|s| s.get().len()).sum::<usize>() >> 20;
            let pm: Vec<usize> = self.pm_frags.iter().map(mb).collect();
            let actions: Vec<usize> = self.action_frags.iter().map(mb).collect();
            let bodies: usize = self.bodies.iter().map(|b| b.html.len() + b.text.len()).sum::<usize>() >> 20;
            eprintln!(
                "timing: fragments MB: postmortems {pm:?}, actions {actions:?} ({} items), bodies {bodies}",
                self.actions.len()
            );
        }
        let take = |v: &Vec<OnceLock<Frag>>| {
            v.iter()
                .map(|c| match c.get() {
                    None => Kept::Empty,
                    Some(Frag::Last(_)) => Kept::Last,
                    Some(Frag::Made(a)) => Kept::Made(a.clone()),
                })
                .collect()
        };
        Fragments {
            pm: std::array::from_fn(|k| take(&self.pm_frags[k])),
            actions: std::array::from_fn(|k| take(&self.action_frags[k])),
        }
    }

    /// Seeds the fragment caches from a previous build: `pm(i, kind)` and `action(k, kind)`
    /// return a fragment when what it shows did not change. They are read where they
    /// are, not copied: at 10,000 postmortems that is 170,000 shared strings, and
    /// touching each one's count was a tenth of a save in serve.
    pub(crate) fn prefill(
        &self,
        pm: &(dyn Fn(usize, usize) -> Option<&'a Arc<str>> + Sync),
        action: &(dyn Fn(usize, usize) -> Option<&'a Arc<str>> + Sync),
    ) {
        // Hundreds of thousands of lookups at 10,000 postmortems, on every serve rebuild.
        for (kind, cells) in self.pm_frags.iter().enumerate() {
            cells.par_iter().enumerate().for_each(|(i, c)| {
                if let Some(h) = pm(i, kind) {
                    let _ = c.set(Frag::Last(h));
                }
            });
        }
        for (kind, cells) in self.action_frags.iter().enumerate() {
            cells.par_iter().enumerate().for_each(|(k, c)| {
                if let Some(h) = action(k, kind) {
                    let _ = c.set(Frag::Last(h));
                }
            });
        }
    }
}

/// Each postmortem's list row (`views::row`), made when a page first needs it: a save
/// under `serve` renders a few pages, which need a few rows, not ten thousand.
pub(crate) struct Rows<'a> {
    kb: &'a KnowledgeBase,
    /// The site's, for the links a row makes (its services').
    slugs: Arc<Slugs>,
    cells: Vec<OnceLock<tera::Value>>,
}

impl std::ops::Index<usize> for Rows<'_> {
    type Output = tera::Value;
    fn index(&self, i: usize) -> &tera::Value {
        self.cells[i].get_or_init(|| views::row(self.kb, &self.slugs, i))
    }
}

/// Rendered fragments of one build, index-aligned with its postmortems and actions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fragments {
    pub(crate) pm: [Vec<Kept>; PM_FRAGMENTS],
    pub(crate) actions: [Vec<Kept>; ACTION_FRAGMENTS],
}

/// One fragment of a build, for the next (`Site::fragments`).
#[derive(Debug, Clone, Default)]
pub(crate) enum Kept {
    /// Not made: nothing showed it.
    #[default]
    Empty,
    /// The last build's, shown as it was: the next build takes it from there.
    Last,
    Made(Arc<str>),
}

/// A fragment in this build's cache: made now, or the last build's, read in place.
enum Frag<'a> {
    Last(&'a Arc<str>),
    Made(Arc<str>),
}

impl Frag<'_> {
    fn get(&self) -> &Arc<str> {
        match self {
            Frag::Last(a) => a,
            Frag::Made(a) => a,
        }
    }
}

/// Pieces of output made once per postmortem and reused by every page or file that shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PmFragment {
    /// `row.html` for pages two folders deep.
    Row,
    /// `row.html` four folders deep (page 2 and later of a term or factor list).
    RowDeep,
    /// Its Atom `<entry>`.
    Atom,
    /// Its object in `/api/postmortems.json`.
    Api,
    /// `seen.html`: how it is listed under "Seen before" on later incidents' pages.
    Seen,
}
pub(crate) const PM_FRAGMENTS: usize = 5;

/// Pieces of output made once per action item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionFragment {
    /// `action_row.html` three folders deep (owner and team pages, later pages of `/actions/`).
    Deep,
    /// `action_row.html` five folders deep (later pages of owner and team lists).
    Deeper,
    /// `action_row.html` one folder deep (`/actions/`).
    Top,
    /// Its object in `/api/actions.json`.
    Json,
    /// Its line in `/api/actions.csv`.
    Csv,
}
pub(crate) const ACTION_FRAGMENTS: usize = 5;

/// Gets or renders a cached fragment; a render error is returned, not cached.
fn cached<'c>(
    cell: &'c OnceLock<Frag<'_>>,
    render: impl FnOnce() -> Result<String, Diagnostic>,
) -> Result<&'c str, Diagnostic> {
    if let Some(v) = cell.get() {
        return Ok(v.get());
    }
    let v = Frag::Made(render()?.into());
    Ok(cell.get_or_init(|| v).get())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_prefixes() {
        assert_eq!(root_prefix("index.html"), "");
        assert_eq!(root_prefix("incidents/x/index.html"), "../../");
    }

    #[test]
    fn markdown_escape_is_shared() {
        assert_eq!(crate::markdown::escape("<a&\"'>"), "&lt;a&amp;&quot;&#39;&gt;");
    }
}
