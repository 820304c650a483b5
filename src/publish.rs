//! Which files beside the pages the site publishes, and where: static/ as it is, and the
//! attachments under content/ that a published postmortem links to (a draft's stay
//! private). `check` answers here whether any of them would take the place of a page or
//! of each other, so that `build` never finds out only when it writes.

use crate::diagnostics::{Code, Diagnostic, display_path};
use crate::kb::KnowledgeBase;
use crate::render;
use crate::routes::Dim;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A file of static/ and where it goes in the site.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Relative to the knowledge base root (`static/robots.txt`).
    pub(crate) source: PathBuf,
    /// Relative to the output folder (`robots.txt`).
    pub output: String,
}

/// Every file under static/, sorted; published as it is.
pub fn static_files(root: &Path) -> Vec<StaticFile> {
    let dir = root.join("static");
    if !dir.is_dir() {
        return Vec::new();
    }
    walkdir::WalkDir::new(&dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| StaticFile {
            source: e.path().strip_prefix(root).unwrap_or(e.path()).to_path_buf(),
            output: e.path().strip_prefix(&dir).unwrap_or(e.path()).to_string_lossy().replace('\\', "/"),
        })
        .collect()
}

/// Every path the build writes that does not come from a file of the knowledge base.
pub struct Generated {
    /// Output path -> what it is, for messages.
    pub(crate) paths: BTreeMap<String, &'static str>,
}

/// The last `Generated` and the hash of what it was made from (`Generated::reusing`).
pub(crate) type LastGenerated = Option<(u64, std::sync::Arc<Generated>)>;

impl Generated {
    /// `new`, or the last one while everything `new` reads is the same: the front matter,
    /// order and visibility of every postmortem (`KnowledgeBase::front_key`), today, the
    /// ticket snapshot, the home page's text and the theme's files. Listing every page
    /// costs tens of milliseconds at 10,000 postmortems, and a save of a write-up
    /// changes none of them.
    pub(crate) fn reusing(kb: &KnowledgeBase, last: &mut LastGenerated) -> std::sync::Arc<Generated> {
        use std::hash::{Hash, Hasher};
        let mut h = crate::fingerprint::hasher();
        (kb.front_key, kb.today, kb.tickets.as_ref().map(|t| t.hash), &kb.home_text, &kb.root).hash(&mut h);
        render::theme::asset_names(&kb.root, &kb.config.theme).hash(&mut h);
        let key = h.finish();
        match last {
            Some((k, g)) if *k == key => g.clone(),
            _ => {
                let g = std::sync::Arc::new(Generated::new(kb));
                *last = Some((key, g.clone()));
                g
            }
        }
    }

    /// The paths of `kb`'s pages, feeds, sitemap parts, API files and theme assets; the
    /// search index's names are matched by `at`.
    pub fn new(kb: &KnowledgeBase) -> Generated {
        let slugs = kb.slugs();
        let mut paths = BTreeMap::new();
        let pages = render::pages(kb);
        // Every page but the 404 is in the sitemap; past the protocol's limit it has parts.
        let listed = pages.len().saturating_sub(1);
        if listed > crate::routes::SITEMAP_URLS {
            for n in 1..=listed.div_ceil(crate::routes::SITEMAP_URLS) {
                paths.insert(crate::routes::sitemap_part(n), "a part of the sitemap pmsite makes");
            }
        }
        for page in pages {
            paths.insert(render::page_path(kb, &slugs, &page), "a page pmsite makes");
        }
        for dim in [Dim::Services, Dim::Teams] {
            for (name, _) in kb.entries_of(dim) {
                paths.insert(format!("{}atom.xml", slugs.url(dim, &name)), "a feed pmsite makes");
            }
        }
        for fixed in [
            "atom.xml",
            "sitemap.xml",
            "robots.txt",
            "api/postmortems.json",
            "api/actions.json",
            "api/actions.csv",
            "search/meta.js",
        ] {
            paths.insert(fixed.to_string(), "a file pmsite makes");
        }
        for name in render::theme::asset_names(&kb.root, &kb.config.theme) {
            paths.insert(format!("assets/{name}"), "a file of the theme");
        }
        Generated { paths }
    }

    /// What pmsite writes at `path`, if anything. The search index's file names hold
    /// hashes of their content, so a whole family of names is taken.
    pub fn at(&self, path: &str) -> Option<&'static str> {
        if let Some(what) = self.paths.get(path) {
            return Some(what);
        }
        let search = path.strip_prefix("search/")?;
        let taken = (search.starts_with("shard-") || search.starts_with("facets-")) && !search.contains('/')
            || search.starts_with("docs-");
        taken.then_some("a file of the search index")
    }

    /// Whether `path` is a folder of generated files.
    fn is_folder(&self, path: &str) -> bool {
        let prefix = format!("{path}/");
        self.paths.range(prefix.clone()..).next().is_some_and(|(p, _)| p.starts_with(&prefix))
            || path.strip_prefix("search/").is_some_and(|s| s.starts_with("docs-") && !s.contains('/'))
            || path == "search"
    }
}

/// A file of the knowledge base that the site publishes.
struct Source {
    file: PathBuf,
    output: String,
}

/// Unsafe names in static/, and files (static or attachments) whose output path is also a
/// generated file's, another file's, or a folder's that the other needs.
pub(crate) fn check(kb: &KnowledgeBase, statics: &[StaticFile], generated: &Generated) -> Vec<Diagnostic> {
    let mut diags = Vec::new();
    for s in statics {
        diags.extend(crate::load::unsafe_name(&s.source));
    }
    // A theme's own files are published under assets/, so their names must be safe too.
    let theme_static = kb.root.join("themes").join(&kb.config.theme).join("static");
    for e in walkdir::WalkDir::new(&theme_static).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        diags.extend(crate::load::unsafe_name(e.path().strip_prefix(&kb.root).unwrap_or(e.path())));
    }
    let sources: Vec<Source> = kb
        .assets
        .iter()
        .map(|a| Source {
            file: a.clone(),
            output: crate::routes::attachment(&crate::sources::site_path(&kb.config.sources, a)),
        })
        .chain(statics.iter().map(|s| Source { file: s.source.clone(), output: s.output.clone() }))
        .collect();
    let mut files: BTreeMap<&str, &Path> = BTreeMap::new();
    for s in &sources {
        if let Some(what) = generated.at(&s.output) {
            diags.push(collision(&s.file, format!("`{}`, {what}", s.output)));
        } else if generated.is_folder(&s.output) {
            diags.push(collision(&s.file, format!("`{}`, a folder of pages pmsite makes", s.output)));
        } else if let Some(first) = files.get(s.output.as_str()) {
            diags.push(collision(&s.file, format!("`{}`, where {} goes too", s.output, display_path(first))));
        } else {
            files.insert(&s.output, &s.file);
        }
    }
    // A file where another one needs a folder: `static/files` against `content/x.png`.
    for s in &sources {
        let mut at = s.output.as_str();
        while let Some((parent, _)) = at.rsplit_once('/') {
            if let Some(what) = generated.at(parent) {
                diags.push(collision(&s.file, format!("`{parent}`, {what}, as if it were a folder")));
            } else if let Some(other) = files.get(parent) {
                diags.push(collision(other, format!("`{parent}`, a folder that {} needs", display_path(&s.file))));
            }
            at = parent;
        }
    }
    diags
}

fn collision(file: &Path, taken: String) -> Diagnostic {
    Diagnostic::error(
        Code::OutputCollision,
        file,
        0,
        0,
        format!("{} would be published as {taken}", display_path(file)),
    )
    .with_suggestion("rename or move the file; `pmsite build` cannot write both")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_published_under_files() {
        assert_eq!(crate::routes::attachment(Path::new("content/2024/graph.png")), "files/2024/graph.png");
    }

    #[test]
    fn the_search_index_takes_a_family_of_names() {
        let g = Generated { paths: BTreeMap::from([("search/index.html".to_string(), "a page")]) };
        for taken in ["search/index.html", "search/shard-a-1f2e.js", "search/facets-9.js", "search/docs-77/3.js"] {
            assert!(g.at(taken).is_some(), "{taken}");
        }
        for free in ["search/help.html", "searches/shard-x.js", "search/x/shard-1.js"] {
            assert_eq!(g.at(free), None, "{free}");
        }
        assert!(g.is_folder("search") && g.is_folder("search/docs-77") && !g.is_folder("search/help"));
    }
}
