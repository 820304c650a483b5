//! Render stage: the checked `KnowledgeBase` -> the site's files, in parallel.
//!
//! Every page is a pure function of the model: `Page` names a page, `Site::render`
//! turns it into bytes, and `Page::depends_on` says which postmortems it reads, so
//! `serve` can re-render only what a change touches. Templates get borrowed,
//! serialisable views built here, never a handle to query the whole site.

pub mod feeds;
mod metrics;
mod pages_actions;
pub mod theme;
mod views;

use crate::diagnostics::Diagnostic;
use crate::kb::KnowledgeBase;
use crate::markdown::RenderedBody;
use crate::output::OutputFile;
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::sync::OnceLock;
pub use theme::Theme;
pub use views::Slugs;

/// A dimension with a page per value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Dim {
    Services,
    Teams,
    Severities,
    Years,
    Tags,
    Authors,
    /// Action item owners: pages under /actions/owners/, not an incident index.
    Owners,
}

impl Dim {
    pub const ALL: [Dim; 6] = [Dim::Services, Dim::Teams, Dim::Severities, Dim::Years, Dim::Tags, Dim::Authors];
    pub fn dir(self) -> &'static str {
        match self {
            Dim::Services => "services",
            Dim::Teams => "teams",
            Dim::Severities => "severities",
            Dim::Years => "years",
            Dim::Tags => "tags",
            Dim::Authors => "authors",
            Dim::Owners => "actions/owners",
        }
    }
    pub fn title(self) -> &'static str {
        match self {
            Dim::Services => "Services",
            Dim::Teams => "Teams",
            Dim::Severities => "Severities",
            Dim::Years => "Years",
            Dim::Tags => "Tags",
            Dim::Authors => "Authors",
            Dim::Owners => "Owners",
        }
    }
    pub fn singular(self) -> &'static str {
        match self {
            Dim::Services => "Service",
            Dim::Teams => "Team",
            Dim::Severities => "Severity",
            Dim::Years => "Year",
            Dim::Tags => "Tag",
            Dim::Authors => "Author",
            Dim::Owners => "Owner",
        }
    }
    /// The values of this dimension and their postmortems, in display order.
    pub fn entries(self, kb: &KnowledgeBase) -> Vec<(String, &Vec<usize>)> {
        let ix = &kb.indexes;
        match self {
            Dim::Services => ix.services.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Dim::Teams => ix.teams.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Dim::Tags => ix.tags.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Dim::Authors => ix.authors.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Dim::Owners => ix.owners.iter().map(|(k, v)| (k.clone(), v)).collect(),
            Dim::Years => ix.years.iter().rev().map(|(k, v)| (k.to_string(), v)).collect(),
            // Most severe first, as site.toml lists them.
            Dim::Severities => {
                kb.config.severities.iter().filter_map(|s| ix.severities.get(s).map(|v| (s.clone(), v))).collect()
            }
        }
    }
}

/// One page of the site.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Page {
    Home,
    Incident(usize),
    Terms(Dim),
    Term(Dim, String),
    Factors,
    Factor(String),
    Search,
    NotFound,
    /// Open action items of every postmortem.
    Actions,
    ActionsOwner(String),
    ActionsTeam(String),
    Patterns,
    Metrics,
}

/// Settings that change how pages render but not what they say.
#[derive(Debug, Clone, Default)]
pub struct RenderOptions {
    /// `pmsite serve`: inject the live-reload script and show drafts' banners.
    pub live_reload: bool,
}

/// Everything rendering needs, computed once per build.
pub struct Site<'a> {
    pub kb: &'a KnowledgeBase,
    pub theme: &'a Theme,
    pub bodies: Vec<RenderedBody>,
    pub slugs: Slugs,
    pub options: RenderOptions,
    rows: Vec<serde_json::Value>,
    pub actions: Vec<crate::actions::ActionRow<'a>>,
    /// Each visible postmortem's list row as HTML for pages two folders deep (every term
    /// and factor page), rendered once and reused by every list it appears in.
    row_html: OnceLock<Result<Vec<String>, Diagnostic>>,
    /// Each action item's table row for pages three folders deep (owner and team pages).
    action_html: OnceLock<Result<Vec<String>, Diagnostic>>,
}

/// Relative prefix from a page at `path` back to the site root ("../../").
pub fn root_prefix(path: &str) -> String {
    "../".repeat(path.matches('/').count())
}

impl<'a> Site<'a> {
    /// Parses every visible body (in parallel) and precomputes list rows.
    pub fn new(kb: &'a KnowledgeBase, theme: &'a Theme, options: RenderOptions) -> Site<'a> {
        let slugs = Slugs::new(kb);
        let bodies: Vec<RenderedBody> = (0..kb.postmortems.len())
            .into_par_iter()
            .map(|i| if kb.visible[i] { views::render_body(kb, i) } else { RenderedBody::default() })
            .collect();
        let rows = (0..kb.postmortems.len()).map(|i| views::row(kb, i)).collect();
        let actions = crate::actions::all(kb);
        Site {
            kb,
            theme,
            bodies,
            slugs,
            options,
            rows,
            actions,
            row_html: OnceLock::new(),
            action_html: OnceLock::new(),
        }
    }

    /// Every page of the site, in a stable order.
    pub fn pages(&self) -> Vec<Page> {
        let kb = self.kb;
        let mut pages =
            vec![Page::Home, Page::Factors, Page::Search, Page::NotFound, Page::Actions, Page::Patterns, Page::Metrics];
        pages.extend(kb.indexes.owners.keys().map(|o| Page::ActionsOwner(o.clone())));
        pages.extend(kb.indexes.teams.keys().map(|t| Page::ActionsTeam(t.clone())));
        pages.extend(kb.visible_ids().map(Page::Incident));
        for dim in Dim::ALL {
            pages.push(Page::Terms(dim));
            pages.extend(dim.entries(kb).into_iter().map(|(name, _)| Page::Term(dim, name)));
        }
        pages.extend(kb.indexes.factors.keys().map(|f| Page::Factor(f.clone())));
        pages
    }

    pub fn path(&self, page: &Page) -> String {
        match page {
            Page::Home => "index.html".into(),
            Page::Incident(i) => format!("incidents/{}/index.html", self.kb.postmortems[*i].id),
            Page::Terms(d) => format!("{}/index.html", d.dir()),
            Page::Term(d, name) => format!("{}/{}/index.html", d.dir(), self.slugs.get(*d, name)),
            Page::Factors => "factors/index.html".into(),
            Page::Factor(id) => format!("factors/{id}/index.html"),
            Page::Search => "search/index.html".into(),
            Page::NotFound => "404.html".into(),
            Page::Actions => "actions/index.html".into(),
            Page::ActionsOwner(o) => format!("actions/owners/{}/index.html", self.slugs.get(Dim::Owners, o)),
            Page::ActionsTeam(t) => format!("actions/teams/{}/index.html", self.slugs.get(Dim::Teams, t)),
            Page::Patterns => "patterns/index.html".into(),
            Page::Metrics => "metrics/index.html".into(),
        }
    }

    /// Postmortems whose content the page shows. A page must be re-rendered when one of
    /// these changes, or when the set itself changes (a new postmortem in its list).
    pub fn depends_on(&self, page: &Page) -> Vec<usize> {
        let kb = self.kb;
        match page {
            Page::Incident(i) => {
                let mut d = vec![*i];
                d.extend(kb.referenced_by[*i].iter().copied());
                d.extend(kb.recurrences[*i].iter().map(|r| r.earlier));
                d.extend(kb.postmortems[*i].related.iter().filter_map(|r| kb.by_id.get(r).copied()));
                d
            }
            Page::Term(dim, name) => {
                dim.entries(kb).into_iter().find(|(n, _)| n == name).map(|(_, ids)| ids.clone()).unwrap_or_default()
            }
            Page::Factor(id) => kb.indexes.factors.get(id).cloned().unwrap_or_default(),
            Page::Search | Page::NotFound => Vec::new(),
            Page::ActionsOwner(o) => kb.indexes.owners.get(o).cloned().unwrap_or_default(),
            Page::ActionsTeam(t) => kb.indexes.teams.get(t).cloned().unwrap_or_default(),
            Page::Home | Page::Terms(_) | Page::Factors | Page::Actions | Page::Patterns | Page::Metrics => {
                kb.visible_ids().collect()
            }
        }
    }

    pub fn render(&self, page: &Page) -> Result<OutputFile, Diagnostic> {
        let path = self.path(page);
        let root = root_prefix(&path);
        let mut ctx = views::base_context(self, &path, &root);
        let template = views::fill(self, page, &mut ctx, &self.rows)?;
        let html = self.theme.render(template, &ctx)?;
        Ok(OutputFile::new(path, html))
    }

    /// Renders every page and every non-HTML file, in parallel. Errors are collected.
    pub fn render_all(&self, progress: &(dyn Fn(u64) + Sync)) -> (Vec<OutputFile>, Vec<Diagnostic>) {
        let pages = self.pages();
        let timings = std::env::var_os("PMSITE_TIMINGS").is_some();
        let spent: std::sync::Mutex<BTreeMap<&'static str, (usize, f64)>> = Default::default();
        let results: Vec<Result<OutputFile, Diagnostic>> = pages
            .par_iter()
            .map(|p| {
                let t = std::time::Instant::now();
                let r = self.render(p);
                if timings {
                    let kind = match p {
                        Page::Incident(_) => "incident",
                        Page::Term(..) | Page::Factor(_) => "term",
                        Page::ActionsOwner(_) | Page::ActionsTeam(_) | Page::Actions => "actions",
                        Page::Patterns => "patterns",
                        Page::Metrics => "metrics",
                        _ => "other",
                    };
                    let mut m = spent.lock().unwrap_or_else(|e| e.into_inner());
                    let e = m.entry(kind).or_default();
                    e.0 += 1;
                    e.1 += t.elapsed().as_secs_f64() * 1000.0;
                }
                progress(1);
                r
            })
            .collect();
        if timings {
            for (kind, (n, ms)) in spent.into_inner().unwrap_or_default() {
                eprintln!("timing:   {kind:<10} {n:>6} pages {ms:>9.1} ms (summed over threads)");
            }
        }
        let mut files = Vec::with_capacity(results.len() + 64);
        let mut diags = Vec::new();
        for r in results {
            match r {
                Ok(f) => files.push(f),
                // One broken template breaks many pages the same way; report it once.
                Err(d) => {
                    if !diags.contains(&d) {
                        diags.push(d)
                    }
                }
            }
        }
        files.extend(feeds::all(self));
        for (path, bytes) in &self.theme.assets {
            files.push(OutputFile::new(format!("assets/{path}"), bytes.clone()));
        }
        (files, diags)
    }

    /// Renders `row.html` for postmortem `i` on a page whose root prefix is `root`.
    pub fn row_html(&self, i: usize, root: &str) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("r", &self.rows[i]);
        ctx.insert("root", root);
        self.theme.render("row.html", &ctx)
    }

    /// The concatenated rows of `ids` for a page two folders deep.
    pub fn rows_html_depth2(&self, ids: &[usize]) -> Result<String, Diagnostic> {
        let cache = self.row_html.get_or_init(|| {
            (0..self.kb.postmortems.len())
                .into_par_iter()
                .map(|i| if self.kb.visible[i] { self.row_html(i, "../../") } else { Ok(String::new()) })
                .collect()
        });
        let cache = cache.as_ref().map_err(Clone::clone)?;
        let mut out = String::with_capacity(ids.iter().map(|&i| cache[i].len()).sum());
        ids.iter().for_each(|&i| out.push_str(&cache[i]));
        Ok(out)
    }

    /// Renders `action_row.html` for action `k` (an index into `actions`).
    pub fn action_row_html(&self, k: usize, root: &str) -> Result<String, Diagnostic> {
        let mut ctx = tera::Context::new();
        ctx.insert("a", &pages_actions::action_view(self, &self.actions[k]));
        ctx.insert("root", root);
        self.theme.render("action_row.html", &ctx)
    }

    /// The concatenated rows of actions `ks`, cached for pages three folders deep.
    pub fn actions_html(&self, ks: &[usize], root: &str) -> Result<String, Diagnostic> {
        if root != "../../../" {
            return ks.iter().map(|&k| self.action_row_html(k, root)).collect();
        }
        let cache = self.action_html.get_or_init(|| {
            (0..self.actions.len()).into_par_iter().map(|k| self.action_row_html(k, "../../../")).collect()
        });
        let cache = cache.as_ref().map_err(Clone::clone)?;
        Ok(ks.iter().map(|&k| cache[k].as_str()).collect())
    }

    /// The list row of a postmortem (title, url, severity, date, duration, summary).
    pub fn row(&self, i: usize) -> &serde_json::Value {
        &self.rows[i]
    }

    /// Term pages by dimension, for feeds and sitemaps.
    pub fn term_paths(&self) -> BTreeMap<(Dim, String), String> {
        let mut out = BTreeMap::new();
        for dim in Dim::ALL {
            for (name, _) in dim.entries(self.kb) {
                let p = format!("{}/{}/", dim.dir(), self.slugs.get(dim, &name));
                out.insert((dim, name), p);
            }
        }
        out
    }
}

/// Plain text of a body for search, from the one parse the page already did.
pub fn plain_text<'s>(site: &'s Site, i: usize) -> &'s str {
    &site.bodies[i].text
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
