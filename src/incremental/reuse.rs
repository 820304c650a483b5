//! What one build leaves for the next: in memory for `serve` (`Previous`, made from a
//! build's `Pending` after the browser was told to reload), and on disk for one-shot
//! builds (`crate::cache::State`).

use crate::history::FileHistory;
use crate::markdown::RenderedBody;
use crate::output::OutputFile;
use crate::render::{ACTION_FRAGMENTS, Fragments, Kept, PM_FRAGMENTS};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

/// A map by postmortem id or output path: tens of thousands of lookups on every save.
pub(super) type ById<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// A page the previous build made: its bytes (serve), or only their hash when they are
/// in the output folder (a build restored from `.pmsite/cache/`).
#[derive(Clone)]
pub(super) enum PageFile {
    Bytes(OutputFile),
    OnDisk(u64),
}

/// What the previous successful build left to reuse.
pub(super) struct Previous {
    pub(super) global: u64,
    /// Every visible postmortem's list fields (`membership_hash`): positions such as
    /// `patterns_shown` are only valid while it is the same.
    pub(super) membership: u64,
    /// The knowledge base's `front_key` that `membership` was computed under (None when
    /// restored from disk).
    pub(super) front_key: Option<u64>,
    /// `fingerprint::referrers_key` under that `front_key`.
    pub(super) referrers: u64,
    /// Postmortem id -> text hash.
    pub(super) hashes: ById<u64>,
    pub(super) bodies: ById<std::sync::Arc<RenderedBody>>,
    /// Postmortem id -> its fragments (`PmFragment` order).
    pub(super) pm_frags: ById<[Option<Arc<str>>; PM_FRAGMENTS]>,
    /// Postmortem id -> hash of the ids that refer to it (its API object lists them).
    pub(super) refs: ById<u64>,
    /// Postmortem id -> per action item (by position), its fragments (`ActionFragment` order).
    pub(super) action_frags: ById<Vec<[Option<Arc<str>>; ACTION_FRAGMENTS]>>,
    /// Output path -> (fingerprint, file).
    pub(super) pages: ById<(u64, PageFile)>,
    /// Similar incidents (by id) and the browser search index, kept by serve for edits
    /// that leave the structure alone (see `search_results`).
    pub(super) similar: Arc<Vec<Vec<crate::search::Similar>>>,
    /// The ids of the postmortems `similar` is index-aligned with.
    pub(super) similar_ids: Arc<Vec<String>>,
    pub(super) search_files: Vec<OutputFile>,
    /// The feed and API files serve made (`remade`); empty after a one-shot build.
    pub(super) feeds: Vec<OutputFile>,
    /// The actions' order and lists, valid under `front_key` (None when restored).
    pub(super) action_index: Option<Arc<crate::render::ActionIndex>>,
    pub(super) history: Arc<HashMap<PathBuf, FileHistory>>,
    /// Postmortems `/patterns/` showed (positions; valid while the structure is the same).
    pub(super) patterns_shown: Option<Vec<usize>>,
}

impl Previous {
    /// What a later process may reuse, for `.pmsite/cache/` (pages by hash, not bytes).
    pub(super) fn into_state(self, others: Vec<(String, u64)>) -> crate::cache::State {
        let mut pages: Vec<(String, u64, u64)> = self
            .pages
            .into_iter()
            .map(|(path, (fp, f))| match f {
                PageFile::OnDisk(h) => (path, fp, h),
                PageFile::Bytes(f) => {
                    let h = crate::output::hash(&f.bytes);
                    (path, fp, h)
                }
            })
            .collect();
        pages.sort_unstable();
        crate::cache::State {
            structure: self.global,
            membership: self.membership,
            hashes: self.hashes.into_iter().collect(),
            bodies: self.bodies.into_iter().collect(),
            pm_frags: self.pm_frags.into_iter().map(|(id, f)| (id, f.into())).collect(),
            refs: self.refs.into_iter().collect(),
            action_frags: self
                .action_frags
                .into_iter()
                .map(|(id, items)| (id, items.into_iter().map(Vec::from).collect()))
                .collect(),
            parts: Vec::new(),
            parsed: Vec::new(),
            parsed_with: 0,
            pages,
            others,
            patterns_shown: self.patterns_shown,
            file_times: {
                let mut v: Vec<String> = self
                    .history
                    .iter()
                    .filter(|(_, h)| h.source == crate::history::HistorySource::FileTimes)
                    .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
                    .collect();
                v.sort_unstable();
                v
            },
        }
    }

    /// Whether `kb` has the same postmortems in the same places with the same front
    /// matter as this build: what follows from those alone (the membership, the action
    /// order, the similar lists' positions) is then this build's.
    pub(super) fn same_front(&self, kb: &crate::kb::KnowledgeBase) -> bool {
        self.front_key == Some(kb.front_key)
    }

    /// The last similar lists, for this build's postmortems: shared while every
    /// postmortem is where it was, else carried over by id.
    pub(super) fn similar_in(&self, kb: &crate::kb::KnowledgeBase) -> Arc<Vec<Vec<crate::search::Similar>>> {
        if self.same_front(kb) {
            return self.similar.clone();
        }
        let last: HashMap<&str, usize, foldhash::fast::RandomState> =
            self.similar_ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
        let lists = kb
            .postmortems
            .iter()
            .map(|pm| {
                let mut list = last.get(pm.id.as_str()).map(|&i| self.similar[i].clone()).unwrap_or_default();
                list.retain_mut(|s| match kb.by_id.get(&s.id) {
                    Some(&j) => {
                        s.index = j;
                        true
                    }
                    None => false,
                });
                list
            })
            .collect();
        Arc::new(lists)
    }

    /// The reverse of `into_state`: what the incremental session reuses, from disk.
    pub(super) fn restored(s: crate::cache::State) -> Previous {
        fn arcs<const N: usize>(v: Vec<Option<Arc<str>>>) -> [Option<Arc<str>>; N] {
            let mut v = v.into_iter();
            std::array::from_fn(|_| v.next().flatten())
        }
        Previous {
            global: s.structure,
            membership: s.membership,
            front_key: None,
            referrers: 0,
            hashes: s.hashes.into_iter().collect(),
            bodies: s.bodies.into_iter().collect(),
            pm_frags: s.pm_frags.into_iter().map(|(id, f)| (id, arcs(f))).collect(),
            refs: s.refs.into_iter().collect(),
            action_frags: s
                .action_frags
                .into_iter()
                .map(|(id, items)| (id, items.into_iter().map(arcs).collect()))
                .collect(),
            pages: s.pages.into_iter().map(|(path, fp, h)| (path, (fp, PageFile::OnDisk(h)))).collect(),
            similar: Arc::default(),
            similar_ids: Arc::default(),
            search_files: Vec::new(),
            feeds: Vec::new(),
            action_index: None,
            history: Arc::default(),
            patterns_shown: s.patterns_shown,
        }
    }
}

/// What a build leaves for the next, index-aligned with its postmortems; `settle` turns
/// it into a `Previous`.
pub(super) struct Pending {
    pub(super) global: u64,
    pub(super) membership: u64,
    pub(super) front_key: u64,
    pub(super) referrers: u64,
    pub(super) ids: Vec<String>,
    pub(super) visible: Vec<bool>,
    pub(super) content: Vec<u64>,
    pub(super) refs: Vec<u64>,
    pub(super) similar: Arc<Vec<Vec<crate::search::Similar>>>,
    pub(super) bodies: Vec<Arc<RenderedBody>>,
    pub(super) fragments: Fragments,
    /// The actions' order (`Site::actions`) and lists.
    pub(super) action_index: Arc<crate::render::ActionIndex>,
    /// Output path, fingerprint and file of every page kept.
    pub(super) pages: Vec<(String, u64, PageFile)>,
    pub(super) search_files: Vec<OutputFile>,
    pub(super) feeds: Vec<OutputFile>,
    pub(super) history: Arc<HashMap<PathBuf, FileHistory>>,
    pub(super) patterns_shown: Option<Vec<usize>>,
}

impl Pending {
    /// Indexes this build's work by id. `last` is the build before it, whose fragments
    /// this one showed where they were (`Kept::Last`): they are moved over, not copied.
    pub(super) fn settle(self, last: Option<Previous>) -> Previous {
        let Pending {
            global,
            membership,
            front_key,
            referrers,
            ids,
            visible,
            content,
            refs,
            similar,
            bodies,
            fragments,
            action_index,
            pages,
            ..
        } = self;
        let Fragments { pm: mut pm_frags, actions: mut action_frags } = fragments;
        let (mut last_pm, mut last_actions) = match last {
            Some(l) => (l.pm_frags, l.action_frags),
            None => Default::default(),
        };
        let mut next = Previous {
            global,
            membership,
            front_key: Some(front_key),
            referrers,
            hashes: ids.iter().cloned().zip(content).collect(),
            bodies: ById::default(),
            pm_frags: ById::default(),
            refs: ById::default(),
            action_frags: ById::default(),
            pages: pages.into_iter().map(|(path, fp, f)| (path, (fp, f))).collect(),
            similar,
            similar_ids: Arc::default(),
            search_files: self.search_files,
            feeds: self.feeds,
            action_index: None,
            history: self.history,
            patterns_shown: self.patterns_shown,
        };
        for (i, body) in bodies.into_iter().enumerate() {
            if visible[i] {
                let id = ids[i].clone();
                next.refs.insert(id.clone(), refs[i]);
                next.bodies.insert(id.clone(), body);
                let mut was = last_pm.remove(&id);
                let frags = std::array::from_fn(|kind| {
                    kept(&mut pm_frags[kind][i], || was.as_mut().and_then(|w| w[kind].take()))
                });
                next.pm_frags.insert(id, frags);
            }
        }
        for (k, &(pm, item)) in action_index.order().iter().enumerate() {
            let mut was = last_actions.get_mut(&ids[pm]).and_then(|v| v.get_mut(item));
            let frags: [Option<Arc<str>>; ACTION_FRAGMENTS] = std::array::from_fn(|kind| {
                kept(&mut action_frags[kind][k], || was.as_mut().and_then(|w| w[kind].take()))
            });
            let items = next.action_frags.entry(ids[pm].clone()).or_default();
            if items.len() <= item {
                items.resize_with(item + 1, Default::default);
            }
            items[item] = frags;
        }
        next.action_index = Some(action_index);
        next.similar_ids = Arc::new(ids);
        next
    }
}

/// A fragment for the next build: made by this one, or the last one's that it showed.
fn kept(k: &mut Kept, last: impl FnOnce() -> Option<Arc<str>>) -> Option<Arc<str>> {
    match std::mem::replace(k, Kept::Empty) {
        Kept::Empty => None,
        Kept::Last => last(),
        Kept::Made(a) => Some(a),
    }
}
