//! Page fingerprints: what a page shows, hashed, so that a page whose fingerprint did
//! not change is not rendered again (docs/build-graph.md).
//!
//! A fingerprint is made of (a) the *global* hash: site.toml, the theme, the options,
//! the ticket snapshot and the URL slugs that are not plain; (b) the ids and hashes of
//! the postmortems the page reads (`page_deps`), in order: the whole text for an
//! incident page's own postmortem, its front matter for every other; (c) what it shows
//! of the lists it is part of (`page_lists_hash`).

use super::BuildOptions;
use crate::fingerprint::hasher;
use crate::kb::KnowledgeBase;
use crate::render::{Page, Site, Theme};
use rayon::prelude::*;
use std::hash::{Hash, Hasher};
use std::path::Path;

/// What every page may show that is not a postmortem: when it changes nothing is reused.
pub(super) fn global_hash(root: &Path, kb: &KnowledgeBase, theme: &Theme, opts: &BuildOptions, live: bool) -> u64 {
    let mut h = hasher();
    std::fs::read(root.join(crate::config::FILE)).unwrap_or_default().hash(&mut h);
    theme.fingerprint.hash(&mut h);
    (opts.drafts, opts.strict, opts.today.to_string(), &opts.base_url, live, opts.edition).hash(&mut h);
    kb.home_text.hash(&mut h);
    kb.assets.hash(&mut h);
    // Edit and history links name each source's repository, its place there and the
    // branch checked out, none of which site.toml's text says.
    kb.config.sources.hash(&mut h);
    // Tracker state shows on incident, action, owner, team, home and patterns pages.
    kb.tickets.as_ref().map(|t| t.hash).hash(&mut h);
    // Every page links to terms by slug; a slug is its name's unless two names collide,
    // and only those exceptions can change a link elsewhere when a name comes or goes.
    kb.slugs().exceptions_hash().hash(&mut h);
    h.finish()
}

/// Every visible postmortem's list fields: which lists it is in and where. The few pages
/// that summarise all of them (the factor index, `/patterns/`) depend on it.
pub(super) fn membership_hash(kb: &KnowledgeBase) -> u64 {
    let mut h = hasher();
    for i in kb.visible_ids() {
        let p = &kb.postmortems[i];
        (&p.id, &p.path, p.status, p.date.to_string(), &p.severity, &p.services, &p.teams, &p.tags, &p.authors)
            .hash(&mut h);
        p.factors.iter().for_each(|f| f.id.hash(&mut h));
        p.action_items.iter().for_each(|a| a.owner.hash(&mut h));
    }
    h.finish()
}

/// What a page shows of the lists it is part of, beyond the postmortems it reads: the
/// counts its pager and header print, a term index's entries, a recurrence count.
fn page_lists_hash(site: &Site, page: &Page, membership: u64) -> u64 {
    let kb = site.kb;
    let mut h = hasher();
    match page {
        // Charts on a list's first page link the years that have a page.
        Page::Term(..) | Page::Factor(..) => {
            site.paging(page).map(|p| (p.rows, p.total)).hash(&mut h);
            kb.indexes.years.keys().for_each(|y| y.hash(&mut h));
            // A service page links its catalog owner's team page while one exists, and
            // other postmortems decide that.
            if let Page::Term(crate::routes::Dim::Services, name, _) = page {
                crate::render::owner_with_page(kb, name).hash(&mut h);
            }
        }
        // Every action list links every owner's page, and counts the items it leaves
        // out. A later page reads only its rows' postmortems (`depends_on`): which
        // item of each it shows is hashed here.
        Page::Actions(_) | Page::ActionsOwner(..) | Page::ActionsTeam(..) => {
            site.paging(page).map(|p| (p.rows, p.total)).hash(&mut h);
            kb.indexes.owners.keys().for_each(|o| o.hash(&mut h));
            site.actions.len().hash(&mut h);
            site.actions_shown(page).iter().for_each(|&k| site.actions[k].item.hash(&mut h));
        }
        Page::Terms(dim) => {
            for (name, ids) in kb.entries_of(*dim) {
                (name, ids.len(), ids.first().map(|&i| kb.postmortems[i].date.to_string())).hash(&mut h);
            }
        }
        Page::Factors | Page::Patterns => membership.hash(&mut h),
        // The figure cards show the site's median and n beside the incident's own.
        Page::Incident(i) => {
            kb.recurrences.count(*i).hash(&mut h);
            for f in site.site_figures() {
                (f.count, f.median_secs.map(f64::to_bits)).hash(&mut h);
            }
        }
        // Its pager prints the list's length and page count.
        Page::InReview(_) => site.paging(page).map(|p| (p.rows, p.total)).hash(&mut h),
        Page::Home | Page::Search | Page::NotFound | Page::Metrics | Page::Guide => {}
    }
    h.finish()
}

/// Postmortems a page reads beyond `depends_on`: an incident page names its neighbours.
fn page_deps(site: &Site, page: &Page) -> Vec<usize> {
    let kb = site.kb;
    let mut deps = site.depends_on(page);
    if let Page::Incident(i) = page {
        deps.extend((0..*i).rev().find(|&j| kb.visible[j]));
        deps.extend((i + 1..kb.postmortems.len()).find(|&j| kb.visible[j]));
        // Similar incidents are listed by title, and the list itself is derived data.
        deps.extend(site.similar.get(*i).into_iter().flatten().map(|s| s.index));
    }
    deps
}

/// What every page's fingerprint is made from, computed once per build.
pub(super) struct Inputs<'a> {
    global: u64,
    membership: u64,
    /// Per postmortem: its text, history and link targets' visibility (`content_hashes`).
    content: &'a [u64],
    /// Per postmortem, its id with its front matter, and its id with its content: what a
    /// page that reads it hashes, made once rather than once per page that reads it.
    front_keys: Vec<u64>,
    content_keys: Vec<u64>,
    /// Every visible postmortem's id and front matter: for pages that read all of them.
    all: u64,
    /// The action items' statuses and completion dates, which `/patterns/` selects by.
    action_states: u64,
    visible_count: usize,
    /// The postmortems `/patterns/` showed last time, while the membership is the same.
    patterns_shown: Option<&'a [usize]>,
    /// Per postmortem, whether its content hash is the last build's; set only when every
    /// other input of a fingerprint is too (see `carried`).
    carry: Option<&'a [bool]>,
}

impl<'a> Inputs<'a> {
    pub(super) fn new(
        kb: &'a KnowledgeBase,
        global: u64,
        membership: u64,
        content: &'a [u64],
        patterns_shown: Option<&'a [usize]>,
    ) -> Inputs<'a> {
        let mut all = hasher();
        let mut states = hasher();
        for i in kb.visible_ids() {
            let p = &kb.postmortems[i];
            (&p.id, p.front_hash).hash(&mut all);
            p.action_items.iter().for_each(|a| (a.status, a.completed).hash(&mut states));
        }
        let keyed = |i: usize, what: u64| {
            let mut h = hasher();
            (&kb.postmortems[i].id, what).hash(&mut h);
            h.finish()
        };
        let n = kb.postmortems.len();
        let front_keys = (0..n).into_par_iter().map(|i| keyed(i, kb.postmortems[i].front_hash)).collect();
        let content_keys = (0..n).into_par_iter().map(|i| keyed(i, content[i])).collect();
        Inputs {
            global,
            membership,
            content,
            front_keys,
            content_keys,
            all: all.finish(),
            action_states: states.finish(),
            visible_count: kb.visible_ids().count(),
            patterns_shown,
            carry: None,
        }
    }

    /// Lets `page` carry a page's last fingerprint over. Only for a build whose global
    /// hash, `front_key` and `referrers_key` are the last build's, and whose similar
    /// lists are the last ones: then everything a fingerprint is made of is the same
    /// except `content`, which only an incident page's own postmortem contributes
    /// (`unchanged` says where it is the same). A body edit in serve then hashes one
    /// page, not ten thousand.
    pub(super) fn carried(mut self, unchanged: &'a [bool]) -> Self {
        self.carry = Some(unchanged);
        self
    }

    /// The fingerprint of `page`, whose output path is `path`; `last` is the fingerprint
    /// the last build gave the page at that path.
    pub(super) fn page(&self, site: &Site, page: &Page, path: &str, last: Option<u64>) -> u64 {
        if let (Some(unchanged), Some(last)) = (self.carry, last) {
            let own_same = match page {
                Page::Incident(j) => unchanged[*j],
                _ => true,
            };
            if own_same {
                // The rule above, checked wherever tests run: a fingerprint input that
                // `carried` does not account for fails here, not as a stale page.
                debug_assert_eq!(last, self.computed(site, page, path), "carried fingerprint of {path}");
                return last;
            }
        }
        self.computed(site, page, path)
    }

    fn computed(&self, site: &Site, page: &Page, path: &str) -> u64 {
        let deps = match (page, self.patterns_shown) {
            (Page::Patterns, Some(shown)) => shown.to_vec(),
            _ => page_deps(site, page),
        };
        let mut h = hasher();
        (self.global, path, page_lists_hash(site, page, self.membership)).hash(&mut h);
        // Only an incident page shows its own body (and so depends on the whole text);
        // everything else shows front matter.
        let own = match page {
            Page::Incident(j) => Some(*j),
            _ => None,
        };
        if let Some(j) = own {
            // The similar list is derived from every body: hash what it shows.
            for s in site.similar.get(j).into_iter().flatten() {
                (&s.id, &s.reason).hash(&mut h);
            }
        }
        if matches!(page, Page::Patterns) {
            // Which incidents it shows follows from the structure and from the action
            // items' statuses and completion dates.
            self.action_states.hash(&mut h);
        }
        if deps.len() == self.visible_count {
            self.all.hash(&mut h);
            // `all` covers front matter only; a page showing its own body (and history)
            // depends on all of it. (Found by tests/equivalence.rs: on a small site an
            // incident page can depend on every postmortem.)
            if let Some(j) = own {
                self.content[j].hash(&mut h);
            }
        } else {
            deps.iter().for_each(|&i| {
                let key = if Some(i) == own { self.content_keys[i] } else { self.front_keys[i] };
                h.write_u64(key)
            });
        }
        h.finish()
    }
}

/// Per postmortem, what it contributes to its own page and feeds: its text, its history,
/// and whether the postmortems its body links to are shown (a link to a hidden one is
/// text only).
pub(super) fn content_hashes(kb: &KnowledgeBase, history: &[Option<crate::history::FileHistory>]) -> Vec<u64> {
    let mut links_to: Vec<Vec<usize>> = vec![Vec::new(); kb.postmortems.len()];
    for (j, linkers) in kb.referenced_by.iter().enumerate() {
        linkers.iter().for_each(|&i| links_to[i].push(j));
    }
    kb.postmortems
        .par_iter()
        .zip(&links_to)
        .zip(history)
        .map(|((pm, targets), history)| {
            let mut h = hasher();
            pm.source_hash.hash(&mut h);
            history.as_ref().map(|f| (f.first_commit, f.last_commit, f.revisions)).hash(&mut h);
            targets.iter().for_each(|&j| (&kb.postmortems[j].id, kb.visible[j]).hash(&mut h));
            h.finish()
        })
        .collect()
}

/// Which postmortems refer to which, by position: incident pages list their referrers.
pub(super) fn referrers_key(kb: &KnowledgeBase) -> u64 {
    let mut h = hasher();
    kb.referenced_by.hash(&mut h);
    h.finish()
}

/// The ids of the postmortems that refer to postmortem `i` (its API object lists them).
pub(super) fn refs_hash(kb: &KnowledgeBase, i: usize) -> u64 {
    let mut h = hasher();
    kb.referenced_by[i].iter().for_each(|&j| kb.postmortems[j].id.hash(&mut h));
    h.finish()
}
