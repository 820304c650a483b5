//! Load stage: find the knowledge base, read site.toml and every postmortem in
//! parallel, and return what could be understood plus every diagnostic.

use crate::config::{self, SiteConfig};
use crate::diagnostics::{Code, Diagnostic};
use crate::edition::{self, Edition};
use crate::frontmatter;
use crate::lint::Linter;
use crate::model::{Postmortem, Visibility};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// Everything read from disk, before cross-linking.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The knowledge base root (the folder of site.toml).
    pub root: PathBuf,
    /// site.toml as read (defaults where it is missing or unreadable).
    pub config: SiteConfig,
    /// Shared with `serve`'s parse cache, so a save does not copy every unchanged one.
    pub postmortems: Vec<std::sync::Arc<Postmortem>>,
    /// `content/_index.md`, if present.
    pub home_text: Option<String>,
    /// Non-Markdown files under content/, relative to the root (images beside postmortems).
    pub assets: Vec<PathBuf>,
    /// Postmortem files that could not be loaded (each has an error), so that links and
    /// `related` ids naming them are not reported a second time as unknown.
    pub unusable: Vec<PathBuf>,
    /// Postmortems this edition leaves out (`internal` ones in the public edition): the
    /// files exist, so links and `related` ids naming them are not errors, but nothing of
    /// them goes further than this list.
    pub withheld: Vec<PathBuf>,
    /// The ticket snapshot (`pmsite sync`), when there is one.
    pub tickets: Option<std::sync::Arc<crate::tickets::Tickets>>,
    /// Every problem found while reading, in no particular order.
    pub diagnostics: Vec<Diagnostic>,
    /// A hash of what every file was parsed under (site.toml's text and the edition):
    /// what linking may reuse from the last link is keyed by it.
    pub settings: u64,
}

/// The folder holding site.toml: `start` or its nearest ancestor.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(start).ok()?;
    start.ancestors().find(|p| p.join(config::FILE).is_file()).map(Path::to_path_buf)
}

/// Reads `root/site.toml`; a missing file is an error diagnostic and defaults.
pub fn load_config(root: &Path) -> (SiteConfig, Vec<Diagnostic>) {
    match std::fs::read_to_string(root.join(config::FILE)) {
        Ok(text) => {
            let (mut cfg, mut diags) = config::parse(&text);
            cfg.sources = crate::repositories::check_on_disk(root, std::mem::take(&mut cfg.sources), &mut diags);
            (cfg, diags)
        }
        Err(e) => (
            SiteConfig::default(),
            vec![
                Diagnostic::error(Code::ConfigMissing, config::FILE, 0, 0, format!("cannot read site.toml: {e}"))
                    .with_suggestion(
                        "run pmsite in a knowledge base folder, pass --root, or create one with `pmsite init`",
                    ),
            ],
        ),
    }
}

/// Lists the postmortem files and assets under content/, sorted for stable output.
pub fn discover(root: &Path) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<Diagnostic>) {
    discover_sources(root, &[crate::sources::Source::content()])
}

/// Lists the postmortem files and assets of every source, sorted for stable output.
pub fn discover_sources(
    root: &Path,
    sources: &[crate::sources::Source],
) -> (Vec<PathBuf>, Vec<PathBuf>, Vec<Diagnostic>) {
    let mut md = Vec::new();
    let mut assets = Vec::new();
    let mut diags = Vec::new();
    for s in sources {
        walk_source(root, s, &mut md, &mut assets, &mut diags);
    }
    (md, assets, diags)
}

fn walk_source(
    root: &Path,
    source: &crate::sources::Source,
    md: &mut Vec<PathBuf>,
    assets: &mut Vec<PathBuf>,
    diags: &mut Vec<Diagnostic>,
) {
    let content = root.join(&source.path);
    // A folder outside the knowledge base is not under the site's `.gitignore` files, so
    // its rules start at itself. (`Path::starts_with` would count `root/../team` as inside.)
    let base = if source.is_outside() { content.as_path() } else { root };
    let walked = crate::walk::files(base, &content);
    for path in walked.files {
        let rel = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        // Outside the knowledge base only the part under the source's folder is
        // published (`Source::site_path`), so only that part must be safe.
        let published = source.site_path(&rel);
        diags.extend(unsafe_name(&published).map(|d| Diagnostic { file: rel.clone(), ..d }));
        if path.extension().is_some_and(|x| x == "md") {
            if rel != Path::new("content/_index.md") {
                md.push(rel);
            }
        } else {
            assets.push(rel);
        }
    }
    for (path, why) in walked.problems {
        let path = path.strip_prefix(root).unwrap_or(&path).to_path_buf();
        diags.push(Diagnostic::error(Code::Io, path, 0, 0, format!("cannot read: {why}")));
    }
}

/// An error when the file at `rel` (relative to the root) has a name the site cannot hold.
pub fn unsafe_name(rel: &Path) -> Option<Diagnostic> {
    let why = match rel.to_str() {
        Some(s) => crate::names::path_problem(&s.replace(std::path::MAIN_SEPARATOR, "/"))?,
        None => "the name is not valid UTF-8",
    };
    Some(
        Diagnostic::error(Code::UnsafeFileName, rel, 0, 0, format!("this file's name cannot be published: {why}"))
            .with_suggestion("rename the file: letters, digits, `-`, `_` and `.` are always safe"),
    )
}

/// Reads and parses one file: the postmortem (if usable) and its diagnostics.
pub fn load_file(
    root: &Path,
    rel: &Path,
    config: &SiteConfig,
    linter: &Linter,
) -> (Option<Postmortem>, Vec<Diagnostic>) {
    load_file_in(root, rel, config, linter, Edition::Internal)
}

/// `load_file` for one edition: in the public edition a public postmortem comes without
/// its internal parts and fields (an internal one whole: `load_cached_in` leaves it out).
pub fn load_file_in(
    root: &Path,
    rel: &Path,
    config: &SiteConfig,
    linter: &Linter,
    edition: Edition,
) -> (Option<Postmortem>, Vec<Diagnostic>) {
    let bytes = match std::fs::read(root.join(rel)) {
        Ok(b) => b,
        Err(e) => {
            return (None, vec![Diagnostic::error(Code::Io, rel, 0, 0, format!("cannot read the file: {e}"))]);
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = String::from_utf8_lossy(valid);
            let (line, col) = crate::lines::line_col(&text, text.len());
            return (
                None,
                vec![
                    Diagnostic::error(Code::NotUtf8, rel, line, col, "the file is not valid UTF-8")
                        .with_suggestion("save the file as UTF-8 (most editors have an \"encoding\" menu)"),
                ],
            );
        }
    };
    let defaults = crate::sources::source_of(&config.sources, rel).map(|s| &s.defaults);
    let body_start = frontmatter::split(&text, rel).map_or(text.len(), |s| text.len() - s.body.len());
    let (shown, mut diags) = edition::blocks(&text, body_start, rel, edition);
    let (mut pm, more) = frontmatter::parse_with(&shown, rel, config, defaults);
    diags.extend(more);
    if let Some(pm) = &mut pm {
        diags.extend(linter.check(pm, &text));
        if edition == Edition::Public {
            edition::redact_fields(pm);
            pm.source_hash = edition::salted(pm.source_hash, edition);
            pm.front_hash = edition::salted(pm.front_hash, edition);
        }
    }
    (pm, diags)
}

/// Parsed files kept between builds by `serve`: a file whose size and modification time
/// are unchanged is neither read nor parsed again. Any change to site.toml empties it,
/// since the taxonomy and lint phrases shape every file's result.
#[derive(Default)]
pub struct ParseCache {
    config_text: Option<String>,
    /// The edition the files were parsed for.
    edition: Edition,
    files: HashMap<PathBuf, CachedFile>,
    /// The last walk of content/ (markdown files, then other files), when it had no errors.
    walked: Option<(Vec<PathBuf>, Vec<PathBuf>)>,
    /// Set by `expect_only`: the only files a watcher saw change since the last load.
    only: Option<std::collections::HashSet<PathBuf>>,
}

impl ParseCache {
    /// Tells the next load that these files (relative to the root) are all that changed,
    /// as a file watcher reports. When they are postmortems the last load read, the next
    /// load neither walks content/ nor looks at any other file: at 10,000 postmortems that
    /// is most of a rebuild's loading. Anything else (a new, deleted or renamed file,
    /// site.toml) and the next load walks and checks every file as usual.
    pub fn expect_only(&mut self, changed: &[PathBuf]) {
        self.only = Some(changed.iter().cloned().collect());
    }
}

/// What loading one file gives: the postmortem (None when unusable) and its diagnostics.
pub type FileParse = (Option<std::sync::Arc<Postmortem>>, Vec<Diagnostic>);

struct CachedFile {
    len: u64,
    modified: Option<SystemTime>,
    result: FileParse,
}

impl ParseCache {
    /// Fills the cache with parses an earlier process made (`crate::cache`), each for a
    /// file that still has the given length and modification time; `config_text` and
    /// `edition` are what they were parsed with, so a different site.toml discards them.
    pub fn seed(
        &mut self,
        config_text: Option<String>,
        edition: Edition,
        files: Vec<(PathBuf, u64, SystemTime, FileParse)>,
    ) {
        self.config_text = config_text;
        self.edition = edition;
        self.files = files
            .into_iter()
            .map(|(path, len, modified, result)| (path, CachedFile { len, modified: Some(modified), result }))
            .collect();
    }

    /// Every file's last parse, by path relative to the root, with the length and
    /// modification time the file had when it was read.
    pub fn parses(&self) -> impl Iterator<Item = (&PathBuf, u64, Option<SystemTime>, &FileParse)> {
        self.files.iter().map(|(p, f)| (p, f.len, f.modified, &f.result))
    }
}

/// Loads the whole knowledge base at `root`.
pub fn load(root: &Path) -> Loaded {
    load_cached(root, &mut ParseCache::default())
}

/// Loads the knowledge base, reusing what `cache` holds for files that did not change.
pub fn load_cached(root: &Path, cache: &mut ParseCache) -> Loaded {
    load_cached_in(root, cache, Edition::Internal)
}

/// `load_cached` for one edition (`crate::edition`).
pub fn load_cached_in(root: &Path, cache: &mut ParseCache, edition: Edition) -> Loaded {
    let t = std::time::Instant::now();
    let (config, mut diagnostics) = load_config(root);
    let config_text = std::fs::read_to_string(root.join(config::FILE)).ok();
    let settings = {
        use std::hash::{Hash, Hasher};
        let mut h = crate::fingerprint::hasher();
        (&config_text, edition).hash(&mut h);
        h.finish()
    };
    if cache.config_text != config_text || cache.edition != edition {
        cache.files.clear();
        cache.config_text = config_text;
        cache.edition = edition;
    }
    let only = cache
        .only
        .take()
        .filter(|only| !only.is_empty() && only.iter().all(|p| cache.files.contains_key(p) && root.join(p).is_file()));
    let (files, assets) = match (&only, &cache.walked) {
        (Some(_), Some((files, assets))) => (files.clone(), assets.clone()),
        _ => {
            let (files, assets, walk_diags) = discover_sources(root, &config.sources);
            cache.walked = walk_diags.is_empty().then(|| (files.clone(), assets.clone()));
            diagnostics.extend(walk_diags);
            (files, assets)
        }
    };
    crate::timing::stage_timing("    load: config, walk", t);
    let t = std::time::Instant::now();
    // Only a file that is parsed needs it, and a save parses one.
    let linter = std::sync::OnceLock::new();
    let stamp = |rel: &Path| {
        std::fs::metadata(root.join(rel)).map(|m| (m.len(), m.modified().ok())).unwrap_or((u64::MAX, None))
    };
    let results: Vec<_> = files
        .par_iter()
        .map(|rel| {
            if let (Some(only), Some(c)) = (&only, cache.files.get(rel))
                && !only.contains(rel)
            {
                return (c.result.clone(), None);
            }
            let (len, modified) = stamp(rel);
            match cache.files.get(rel) {
                Some(c) if c.len == len && c.modified == modified && modified.is_some() => (c.result.clone(), None),
                _ => {
                    let (pm, diags) =
                        load_file_in(root, rel, &config, linter.get_or_init(|| Linter::new(&config)), edition);
                    let result = (pm.map(std::sync::Arc::new), diags);
                    (result.clone(), Some(CachedFile { len, modified, result }))
                }
            }
        })
        .collect();
    // After a walk, forget the files that are gone. With `only` the list is the last
    // walk's, which the cache already matches.
    if only.is_none() {
        let keep: std::collections::HashSet<&PathBuf> = files.iter().collect();
        cache.files.retain(|p, _| keep.contains(p));
    }
    let results: Vec<_> = files
        .iter()
        .zip(results)
        .map(|(rel, (result, fresh))| {
            if let Some(f) = fresh {
                cache.files.insert(rel.clone(), f);
            }
            result
        })
        .collect();
    // Without a readable site.toml the factors and severities are unknown, so every
    // reference to them would be reported; the site.toml error says what to fix first.
    let config_unreadable = diagnostics.iter().any(|d| matches!(d.code, Code::ConfigSyntax | Code::ConfigMissing));
    let mut postmortems = Vec::with_capacity(results.len());
    let mut unusable = Vec::new();
    let mut withheld = Vec::new();
    for (rel, (pm, diags)) in files.into_iter().zip(results) {
        diagnostics.extend(
            diags
                .into_iter()
                .filter(|d| !(config_unreadable && matches!(d.code, Code::UnknownFactor | Code::UnknownSeverity))),
        );
        match pm {
            Some(pm) if edition == Edition::Public && pm.visibility == Visibility::Internal => withheld.push(rel),
            Some(pm) => postmortems.push(pm),
            None => unusable.push(rel),
        }
    }
    crate::timing::stage_timing("    load: files", t);
    let t = std::time::Instant::now();
    let home = Path::new("content/_index.md");
    let home_text = std::fs::read_to_string(root.join(home)).ok().map(|text| {
        let (shown, diags) = edition::blocks(&text, 0, home, edition);
        diagnostics.extend(diags);
        shown.into_owned()
    });
    let tickets = match crate::tickets::snapshot::read(root, &config.tickets.snapshot) {
        Ok(t) => t.map(std::sync::Arc::new),
        Err(d) => {
            diagnostics.push(d);
            None
        }
    };
    crate::timing::stage_timing("    load: home, tickets", t);
    Loaded {
        root: root.to_path_buf(),
        config,
        postmortems,
        home_text,
        assets,
        unusable,
        withheld,
        tickets,
        diagnostics,
        settings,
    }
}
