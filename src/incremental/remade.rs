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
