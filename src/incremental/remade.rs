//! Serve's feed and API files carried over. They are made of per-postmortem and
//! per-action fragments (`render::feeds::PM_KINDS`, `ACTION_KINDS`) and of what the
//! front matter, the options and the site's structure say; after a save that left those
//! alone, the files are the last build's unless a fragment made again came out
//! different. A body edit then concatenates no 10 MB API file.

use crate::render::{ActionFragment, PmFragment, Site, feeds};
use std::sync::Arc;

/// The feed fragments this build did not take from the last, each with the last
/// build's value (None where it had none).
pub(super) struct Remade {
    pm: Vec<(PmFragment, usize, Option<Arc<str>>)>,
    actions: Vec<(ActionFragment, usize, Option<Arc<str>>)>,
}

impl Remade {
    /// After `Site::prefill`: every feed fragment left to make, with what the last build
    /// had in its place (`last_pm(i, kind)`, `last_action(k, kind)`).
    pub(super) fn after_prefill(
        site: &Site,
        last_pm: &dyn Fn(usize, PmFragment) -> Option<Arc<str>>,
        last_action: &dyn Fn(usize, ActionFragment) -> Option<Arc<str>>,
    ) -> Remade {
        let mut r = Remade { pm: Vec::new(), actions: Vec::new() };
        for i in 0..site.kb.postmortems.len() {
            for kind in feeds::PM_KINDS {
                if site.pm_fragment_made(kind, i).is_none() {
                    r.pm.push((kind, i, last_pm(i, kind)));
                }
            }
        }
        for k in 0..site.actions.len() {
            for kind in feeds::ACTION_KINDS {
                if site.action_fragment_made(kind, k).is_none() {
                    r.actions.push((kind, k, last_action(k, kind)));
                }
            }
        }
        r
    }

    /// After `feeds::fragments`: whether each was made as it was last time, or not made
    /// because no file uses it.
    pub(super) fn unchanged(&self, site: &Site) -> bool {
        let same = |now: Option<&Arc<str>>, last: &Option<Arc<str>>| now.is_none_or(|n| last.as_deref() == Some(&**n));
        self.pm.iter().all(|(kind, i, last)| same(site.pm_fragment_made(*kind, *i), last))
            && self.actions.iter().all(|(kind, k, last)| same(site.action_fragment_made(*kind, *k), last))
    }
}

/// The rule above, checked wherever tests run: the files made again from `made` are the
/// ones carried over, or a file read something `Remade` does not account for.
#[cfg(debug_assertions)]
pub(super) fn assert_same(site: &Site, made: feeds::Feeds, last: &[crate::output::OutputFile]) {
    let fresh: std::sync::Mutex<Vec<crate::output::OutputFile>> = Default::default();
    feeds::files(site, made, &|f| fresh.lock().unwrap_or_else(|e| e.into_inner()).push(f));
    let mut fresh = fresh.into_inner().unwrap_or_else(|e| e.into_inner());
    fresh.sort_by(|a, b| a.path.cmp(&b.path));
    let mut last = last.to_vec();
    last.sort_by(|a, b| a.path.cmp(&b.path));
    assert!(fresh == last, "feed files carried over differ from those made again");
}
