//! Link stage: the `KnowledgeBase`, built once from what `load` read, with every
//! cross-index and derived figure precomputed. Later stages only borrow it.
//!
//! Checks that need the whole tree (duplicate ids, `related` ids, links between
//! files) live here too, because they are answered by the same indexes.

use crate::config::SiteConfig;
use crate::diagnostics::{self, Code, Diagnostic};
use crate::figures::Figures;
use crate::load::Loaded;
use crate::model::{Postmortem, Status};
use crate::routes::{Dim, Slugs};
use jiff::civil::Date;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Postmortem positions in `KnowledgeBase::postmortems`, newest first.
pub(crate) type Ids = Vec<usize>;

use crate::recurrences::Recurrences;

/// The visible postmortems naming each value of a dimension, newest first; a value
/// that only hidden postmortems (drafts without `--drafts`) name is absent.
#[derive(Debug, Clone, Default)]
pub struct Indexes {
    /// By service name.
    pub services: BTreeMap<String, Ids>,
    /// By team name.
    pub teams: BTreeMap<String, Ids>,
    /// By factor id.
    pub factors: BTreeMap<String, Ids>,
    /// By severity level as written in the front matter.
    pub severities: BTreeMap<String, Ids>,
    pub(crate) years: BTreeMap<i16, Ids>,
    pub(crate) tags: BTreeMap<String, Ids>,
    pub(crate) authors: BTreeMap<String, Ids>,
    pub(crate) owners: BTreeMap<String, Ids>,
}

/// Every postmortem of the site with its cross-indexes and derived figures: what
/// checks, pages, feeds and search read.
#[derive(Debug, Clone)]
pub struct KnowledgeBase {
    pub(crate) root: PathBuf,
    /// The site's settings from site.toml (all defaults when it cannot be read).
    pub config: SiteConfig,
    /// Every loaded postmortem, newest first (date descending, then id).
    /// Shared with the parse cache (`load::ParseCache`): linking changes few of them.
    pub postmortems: Vec<Arc<Postmortem>>,
    /// Whether each postmortem is on the site (drafts only with `--drafts`).
    pub visible: Vec<bool>,
    /// Position in `postmortems` of each id; of two files with one id, the one whose
    /// path sorts first.
    pub by_id: HashMap<String, usize>,
    pub(crate) figures: Arc<Vec<Figures>>,
    /// Visible postmortems whose `related` or body links name this one.
    pub(crate) referenced_by: Vec<Ids>,
    /// Shared, so that a rebuild whose services, factors and dates did not change reuses them.
    pub recurrences: Arc<Recurrences>,
    /// Over visible postmortems only, so every listed page exists.
    pub indexes: Arc<Indexes>,
    /// The URL slug of every value of every dimension.
    pub(crate) slugs: Arc<Slugs>,
    /// A hash of the settings and of every postmortem's place, id, path, visibility and
    /// front matter: what is derived from those alone may be reused while it is the same.
    pub(crate) front_key: u64,
    pub(crate) home_text: Option<String>,
    /// Attachments under content/ that a visible postmortem links to: the ones published.
    pub assets: Vec<PathBuf>,
    /// Postmortem files this edition leaves out: a link to one is shown as plain text.
    pub(crate) withheld: std::collections::HashSet<PathBuf>,
    /// What the trackers said at the last `pmsite sync`; None without a snapshot.
    pub tickets: Option<Arc<crate::tickets::Tickets>>,
    pub(crate) today: Date,
}

/// What linking needs besides the files.
pub struct Options {
    /// The day overdue action items, ages and recent recurrences are measured from.
    pub today: Date,
    /// Drafts are visible, listed and linked like published postmortems (`--drafts`).
    pub include_drafts: bool,
}

/// What the last link derived, with the hash of what it was derived from. Recurrences:
/// every (service, factor) pair meets every earlier one, so at 10,000 postmortems they
/// cost more than the rest of linking, and a save that changes a title or a body leaves
/// them as they were. The rest (`FrontDerived`) follows from front matter alone, which a
/// save of the write-up leaves as it was.
#[derive(Default)]
pub(crate) struct LinkCache {
    recurrences: Option<(u64, Arc<Recurrences>)>,
    front: Option<(u64, FrontDerived)>,
}

/// What linking derives from the order, ids, visibility and front matter of the
/// postmortems alone (`front_key`).
#[derive(Clone)]
struct FrontDerived {
    indexes: Arc<Indexes>,
    figures: Arc<Vec<Figures>>,
    slugs: Arc<Slugs>,
    recurrences: Arc<Recurrences>,
}

impl KnowledgeBase {
    /// The postmortems listing `name` in this dimension, looked up without listing all values.
    pub(crate) fn ids_of(&self, dim: Dim, name: &str) -> Option<&Vec<usize>> {
        let ix = &self.indexes;
        match dim {
            Dim::Services => ix.services.get(name),
            Dim::Teams => ix.teams.get(name),
            Dim::Tags => ix.tags.get(name),
            Dim::Authors => ix.authors.get(name),
            Dim::Owners => ix.owners.get(name),
            Dim::Severities => ix.severities.get(name),
            Dim::Years => name.parse().ok().and_then(|y: i16| ix.years.get(&y)),
        }
    }

    /// The values of this dimension and their postmortems, in display order.
    pub(crate) fn entries_of(&self, dim: Dim) -> Vec<(String, &Vec<usize>)> {
        entries_of(&self.indexes, &self.config, dim)
    }

    /// 1 for the most severe level (0 for one site.toml does not list); used for CSS
    /// classes (`sev-1`) and sorting.
    pub(crate) fn severity_rank(&self, s: &str) -> usize {
        self.config.severities.iter().position(|x| x == s).map_or(0, |p| p + 1)
    }

    /// URL slugs of every dimension value.
    pub(crate) fn slugs(&self) -> Arc<Slugs> {
        self.slugs.clone()
    }
}

impl KnowledgeBase {
    /// Builds the model and runs the whole-tree checks, appending to `diags`.
    pub fn link(loaded: Loaded, opts: &Options, diags: &mut Vec<Diagnostic>) -> KnowledgeBase {
        Self::link_cached(loaded, opts, diags, &mut LinkCache::default())
    }

    /// `link`, reusing what `cache` holds when its inputs did not change.
    pub(crate) fn link_cached(
        loaded: Loaded,
        opts: &Options,
        diags: &mut Vec<Diagnostic>,
        cache: &mut LinkCache,
    ) -> KnowledgeBase {
        let Loaded {
            root,
            config,
            mut postmortems,
            home_text,
            assets,
            unusable,
            withheld,
            tickets,
            diagnostics,
            settings,
        } = loaded;
        // Files this edition leaves out are named like files with errors: not unknown.
        let unusable_ids: std::collections::HashSet<String> = unusable
            .iter()
            .chain(&withheld)
            .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
            .collect();
        diags.extend(diagnostics);
        // `related` ids of postmortems this edition leaves out go before anything lists them.
        if !withheld.is_empty() {
            let gone: HashMap<&str, &PathBuf> =
                withheld.iter().filter_map(|p| Some((p.file_stem()?.to_str()?, p))).collect();
            for pm in &mut postmortems {
                if pm.related.iter().any(|r| gone.contains_key(r.as_str())) {
                    for (k, r) in pm.related.iter().enumerate() {
                        let Some(target) = gone.get(r.as_str()) else { continue };
                        let (line, column, width) = pm.lines.related.get(k).copied().unwrap_or((1, 1, 1));
                        let (message, suggestion) =
                            crate::edition::internal_mention(&pm.path, target, "it is left out of `related`");
                        diags.push(
                            Diagnostic::warning(Code::LinkToInternal, &pm.path, line, column, message)
                                .with_width(width)
                                .with_suggestion(suggestion),
                        );
                    }
                    let pm = Arc::make_mut(pm);
                    let places = std::mem::take(&mut pm.lines.related);
                    let kept: Vec<(String, (usize, usize, usize))> = std::mem::take(&mut pm.related)
                        .into_iter()
                        .zip(places.into_iter().chain(std::iter::repeat((1, 1, 1))))
                        .filter(|(r, _)| !gone.contains_key(r.as_str()))
                        .collect();
                    (pm.related, pm.lines.related) = kept.into_iter().unzip();
                }
            }
        }
        let t = std::time::Instant::now();
        // Newest first, then by id, ties in file order. Sorted by keys read once each:
        // comparing through ten thousand `Arc`s missed the cache on every comparison.
        let order: Vec<usize> = {
            let mut keys: Vec<(std::cmp::Reverse<Date>, &str, usize)> =
                postmortems.iter().enumerate().map(|(i, p)| (std::cmp::Reverse(p.date), p.id.as_str(), i)).collect();
            keys.sort_unstable();
            keys.into_iter().map(|(_, _, i)| i).collect()
        };
        let mut slots: Vec<Option<Arc<Postmortem>>> = std::mem::take(&mut postmortems).into_iter().map(Some).collect();
        postmortems = order.iter().filter_map(|&i| slots[i].take()).collect();

        let mut by_id: HashMap<String, usize> = HashMap::with_capacity(postmortems.len());
        let mut dropped = vec![false; postmortems.len()];
        for (i, pm) in postmortems.iter().enumerate() {
            if let Some(&first) = by_id.get(&pm.id) {
                // The file whose path sorts first keeps the id; the other is reported and left
                // out, so the diagnostic names the file that is missing from the site.
                let (a, b) = order_paths(&postmortems[first].path, &pm.path);
                let (kept, left_out) = if a == pm.path.as_path() { (i, first) } else { (first, i) };
                by_id.insert(pm.id.clone(), kept);
                dropped[left_out] = true;
                diags.push(
                    Diagnostic::error(
                        Code::DuplicateId,
                        b,
                        1,
                        1,
                        format!(
                            "id `{}` is used by two files: {} and {}",
                            pm.id,
                            diagnostics::display_path(a),
                            diagnostics::display_path(b)
                        ),
                    )
                    .with_suggestion(
                        "ids are file names without .md and must be unique across content/ and every other source; rename one file",
                    ),
                );
            } else {
                by_id.insert(pm.id.clone(), i);
            }
        }
        crate::timing::stage_timing("    link: ids", t);
        let t = std::time::Instant::now();
        let path_to_id: HashMap<&Path, usize> =
            postmortems.iter().enumerate().map(|(i, p)| (p.path.as_path(), i)).collect();

        let visible: Vec<bool> = postmortems
            .iter()
            .zip(&dropped)
            .map(|(p, &d)| !d && (opts.include_drafts || p.status != Status::Draft))
            .collect();

        // Where each body link goes, on every core: resolving and looking up tens of
        // thousands of paths (and asking the disk about those that are not postmortems)
        // was half of linking, which serve does on every save.
        let hits: Vec<Vec<LinkHit>> = {
            use rayon::prelude::*;
            postmortems
                .par_iter()
                .map(|pm| {
                    pm.links
                        .iter()
                        .map(|link| {
                            let target = resolve(&pm.path, &link.target);
                            match target.as_deref().and_then(|t| path_to_id.get(t)) {
                                Some(&j) => LinkHit::Postmortem(j),
                                None if target.as_ref().is_some_and(|t| root.join(t).is_file()) => LinkHit::OtherFile,
                                None => LinkHit::Missing,
                            }
                        })
                        .collect()
                })
                .collect()
        };
        let mut referenced_by: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); postmortems.len()];
        for (i, pm) in postmortems.iter().enumerate() {
            for (k, rel) in pm.related.iter().enumerate() {
                match by_id.get(rel) {
                    Some(&j) if j != i => {
                        if visible[i] {
                            referenced_by[j].insert(i);
                        }
                    }
                    Some(_) => {}
                    // The file exists but has errors of its own; naming it is not a second one.
                    None if unusable_ids.contains(rel) => {}
                    None => {
                        let suggestion = crate::frontmatter::nearest(rel, by_id.keys().map(String::as_str));
                        // A postmortem built by hand (not from a file) may have no places.
                        let (line, column, width) = pm.lines.related.get(k).copied().unwrap_or((1, 1, 1));
                        diags.push(
                            Diagnostic::error(
                                Code::UnknownRelated,
                                &pm.path,
                                line,
                                column,
                                format!("`related` names `{rel}`, which is not a postmortem id"),
                            )
                            .with_width(width)
                            .with_suggestion(match suggestion {
                                Some(s) => format!("did you mean `{s}`? An id is a file name without .md"),
                                None => "use the file name of another postmortem, without .md".into(),
                            }),
                        );
                    }
                }
            }
            for (link, hit) in pm.links.iter().zip(&hits[i]) {
                match *hit {
                    LinkHit::Postmortem(j) => {
                        if visible[i] && j != i {
                            referenced_by[j].insert(i);
                        }
                    }
                    LinkHit::OtherFile => {}
                    LinkHit::Missing => diags.push(
                        Diagnostic::error(
                            Code::BrokenLink,
                            &pm.path,
                            link.line,
                            link.column,
                            format!("link to `{}`, which does not exist", link.target),
                        )
                        .with_width(link.width)
                        .with_suggestion("links are relative to this file, e.g. ../2023/2023-11-02-foo.md"),
                    ),
                }
            }
        }
        crate::timing::stage_timing("    link: references", t);
        let t = std::time::Instant::now();
        let referenced_by =
            referenced_by.into_iter().map(|s| s.into_iter().filter(|&i| visible[i]).collect()).collect();

        // A draft's attachments, and files nothing links to, stay off the site.
        let assets = linked_assets(&postmortems, &visible, assets);
        crate::timing::stage_timing("    link: assets", t);
        let t = std::time::Instant::now();
        let front = front_key(settings, &postmortems, &visible);
        let derived = match &cache.front {
            Some((k, d)) if *k == front => d.clone(),
            _ => {
                let figures = Arc::new(postmortems.iter().map(|p| Figures::from_timeline(&p.timeline)).collect());
                crate::timing::stage_timing("    link: figures", t);
                let t = std::time::Instant::now();
                let indexes = Arc::new(build_indexes(&postmortems, &visible));
                crate::timing::stage_timing("    link: indexes", t);
                let t = std::time::Instant::now();
                let slugs = Arc::new(Slugs::new(|dim| {
                    entries_of(&indexes, &config, dim).into_iter().map(|(n, _)| n).collect()
                }));
                let key = recurrence_key(&postmortems, &visible);
                let recurrences = match &cache.recurrences {
                    Some((k, r)) if *k == key => r.clone(),
                    _ => Arc::new(Recurrences::new(&postmortems, &visible)),
                };
                cache.recurrences = Some((key, recurrences.clone()));
                crate::timing::stage_timing("    link: recurrences", t);
                FrontDerived { indexes, figures, slugs, recurrences }
            }
        };
        cache.front = Some((front, derived.clone()));
        crate::timing::stage_timing("    link: from front matter", t);
        let FrontDerived { indexes, figures, slugs, recurrences } = derived;
        KnowledgeBase {
            root,
            config,
            postmortems,
            visible,
            by_id,
            figures,
            referenced_by,
            recurrences,
            indexes,
            slugs,
            front_key: front,
            home_text,
            assets,
            withheld: withheld.into_iter().collect(),
            tickets,
            today: opts.today,
        }
    }

    /// Visible postmortems, newest first.
    pub fn visible_ids(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.postmortems.len()).filter(|&i| self.visible[i])
    }

    /// The postmortem with this id, visible or not.
    pub fn get(&self, id: &str) -> Option<&Postmortem> {
        self.by_id.get(id).map(|&i| &*self.postmortems[i])
    }
}

/// The values of a dimension and their postmortems, in display order.
fn entries_of<'a>(ix: &'a Indexes, config: &SiteConfig, dim: Dim) -> Vec<(String, &'a Vec<usize>)> {
    match dim {
        Dim::Services => ix.services.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Dim::Teams => ix.teams.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Dim::Tags => ix.tags.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Dim::Authors => ix.authors.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Dim::Owners => ix.owners.iter().map(|(k, v)| (k.clone(), v)).collect(),
        Dim::Years => ix.years.iter().rev().map(|(k, v)| (k.to_string(), v)).collect(),
        // Most severe first, as site.toml lists them.
        Dim::Severities => {
            config.severities.iter().filter_map(|s| ix.severities.get(s).map(|v| (s.clone(), v))).collect()
        }
    }
}

fn order_paths<'a>(a: &'a Path, b: &'a Path) -> (&'a Path, &'a Path) {
    if a <= b { (a, b) } else { (b, a) }
}

/// The attachments among `assets` that a visible postmortem links to or shows.
fn linked_assets(postmortems: &[Arc<Postmortem>], visible: &[bool], assets: Vec<PathBuf>) -> Vec<PathBuf> {
    let linked: std::collections::HashSet<PathBuf> = postmortems
        .iter()
        .zip(visible)
        .filter(|(_, v)| **v)
        .flat_map(|(pm, _)| {
            pm.refs.iter().filter_map(|r| match &r.target {
                crate::links::Target::Relative { path, .. } => resolve(&pm.path, path),
                _ => None,
            })
        })
        .collect();
    assets.into_iter().filter(|a| linked.contains(a)).collect()
}

/// Resolves a relative link from the file `from` into a root-relative path.
pub(crate) fn resolve(from: &Path, target: &str) -> Option<PathBuf> {
    let target = percent_decode(target);
    let mut out: Vec<Component> = from.parent().map(|p| p.components().collect()).unwrap_or_default();
    for c in Path::new(&target).components() {
        match c {
            Component::ParentDir => {
                out.pop()?;
            }
            Component::CurDir => {}
            Component::Normal(_) => out.push(c),
            _ => return None,
        }
    }
    Some(out.iter().collect())
}

/// Where a body link goes.
enum LinkHit {
    Postmortem(usize),
    /// A file that is not a postmortem (an attachment, a static file).
    OtherFile,
    Missing,
}

/// `%20` as a space; a `%` not followed by two hex digits stays as written, and bytes
/// that are not UTF-8 become U+FFFD.
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

fn build_indexes(pms: &[Arc<Postmortem>], visible: &[bool]) -> Indexes {
    // Keyed by borrowed names while filling, so a value costs one allocation, not one per
    // mention (serve relinks on every save).
    type Building<'a> = HashMap<&'a str, Ids>;
    fn add<'a>(map: &mut Building<'a>, key: &'a str, i: usize) {
        let list = map.entry(key).or_default();
        // A postmortem that names a value twice is listed once.
        if list.last() != Some(&i) {
            list.push(i);
        }
    }
    fn done(map: Building<'_>) -> BTreeMap<String, Ids> {
        map.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }
    let [mut services, mut teams, mut factors, mut severities, mut tags, mut authors, mut owners]: [Building<'_>; 7] =
        Default::default();
    let mut years: BTreeMap<i16, Ids> = BTreeMap::new();
    for (i, pm) in pms.iter().enumerate().filter(|(i, _)| visible[*i]) {
        pm.services.iter().for_each(|s| add(&mut services, s, i));
        pm.teams.iter().for_each(|s| add(&mut teams, s, i));
        pm.factors.iter().for_each(|f| add(&mut factors, &f.id, i));
        add(&mut severities, &pm.severity, i);
        years.entry(pm.date.year()).or_default().push(i);
        pm.tags.iter().for_each(|s| add(&mut tags, s, i));
        pm.authors.iter().for_each(|s| add(&mut authors, s, i));
        for item in &pm.action_items {
            if let Some(o) = &item.owner {
                add(&mut owners, o, i);
            }
        }
    }
    Indexes {
        services: done(services),
        teams: done(teams),
        factors: done(factors),
        severities: done(severities),
        years,
        tags: done(tags),
        authors: done(authors),
        owners: done(owners),
    }
}

/// What everything `FrontDerived` holds is a function of: the settings every file was
/// parsed under, and each postmortem's place, id, path, visibility and front matter text.
fn front_key(settings: u64, pms: &[Arc<Postmortem>], visible: &[bool]) -> u64 {
    let mut h = crate::fingerprint::hasher();
    settings.hash(&mut h);
    for (pm, v) in pms.iter().zip(visible) {
        (v, &pm.id, &pm.path, pm.front_hash).hash(&mut h);
    }
    h.finish()
}

/// Everything `recurrences` reads: the order, visibility, services and factors.
fn recurrence_key(pms: &[Arc<Postmortem>], visible: &[bool]) -> u64 {
    let mut h = crate::fingerprint::hasher();
    for (pm, v) in pms.iter().zip(visible) {
        (v, &pm.id, &pm.services).hash(&mut h);
        pm.factors.iter().for_each(|f| f.id.hash(&mut h));
    }
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_relative_links() {
        let from = Path::new("content/2024/a.md");
        assert_eq!(resolve(from, "../2023/b.md"), Some(PathBuf::from("content/2023/b.md")));
        assert_eq!(resolve(from, "./c%20d.md"), Some(PathBuf::from("content/2024/c d.md")));
        assert_eq!(resolve(from, "../../../../x.md"), None);
        // A `%` before a multi-byte character used to panic on a char boundary.
        assert_eq!(resolve(from, "%aé.md"), Some(PathBuf::from("content/2024/%aé.md")));
        assert_eq!(percent_decode("%e9%C3%A9%+1%"), "\u{fffd}é%+1%");
    }
}
