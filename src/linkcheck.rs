//! Links and images that would be dead on the site: to files that do not exist
//! (`missing-file`) and to headings that do not exist (`broken-anchor`). Links between
//! postmortem files that do not resolve are `broken-link` errors, found by `kb`.

use crate::diagnostics::{Code, Diagnostic};
use crate::kb::{self, KnowledgeBase};
use crate::links::Target;
use crate::publish::{Generated, StaticFile};
use rayon::prelude::*;
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

/// Every warning about links in every loaded postmortem, drafts included.
pub(crate) fn check(kb: &KnowledgeBase, statics: &[StaticFile], generated: &Generated) -> Vec<Diagnostic> {
    let by_path: HashMap<&Path, usize> =
        kb.postmortems.iter().enumerate().map(|(i, p)| (p.path.as_path(), i)).collect();
    let published: HashSet<String> = statics
        .iter()
        .map(|s| s.output.clone())
        .chain(kb.assets.iter().map(|a| crate::routes::attachment(&crate::sources::site_path(&kb.config.sources, a))))
        .collect();
    // Heading ids are read only from the files some link asks a heading of.
    let headings: Vec<OnceLock<HashSet<String>>> = kb.postmortems.iter().map(|_| OnceLock::new()).collect();
    let cx = Cx { kb, by_path, published, generated, headings: &headings };
    (0..kb.postmortems.len()).into_par_iter().flat_map_iter(|i| cx.file(i)).collect()
}

struct Cx<'a> {
    kb: &'a KnowledgeBase,
    by_path: HashMap<&'a Path, usize>,
    /// Output paths of static files and published attachments.
    published: HashSet<String>,
    generated: &'a Generated,
    headings: &'a [OnceLock<HashSet<String>>],
}

impl Cx<'_> {
    /// The heading ids of postmortem `i`, as its page has them.
    fn ids(&self, i: usize) -> &HashSet<String> {
        self.headings[i]
            .get_or_init(|| crate::markdown::heading_ids(&self.kb.postmortems[i].body).into_iter().collect())
    }

    fn file(&self, i: usize) -> Vec<Diagnostic> {
        let pm = &self.kb.postmortems[i];
        let mut out = Vec::new();
        for r in &pm.refs {
            let problem = match &r.target {
                Target::Fragment(f) => self.anchor(i, f, "this file"),
                Target::Relative { path, fragment } => self.relative(&pm.path, path, fragment.as_deref()),
                Target::Root { path } => self.root_absolute(path),
            };
            if let Some((code, message, suggestion)) = problem {
                out.push(
                    Diagnostic::warning(code, &pm.path, r.line, r.column, message)
                        .with_width(r.width)
                        .with_suggestion(suggestion),
                );
            }
        }
        out
    }

    fn anchor(&self, i: usize, fragment: &str, whose: &str) -> Option<Problem> {
        let id = kb::percent_decode(fragment);
        if self.ids(i).contains(&id) {
            return None;
        }
        Some((
            Code::BrokenAnchor,
            format!("link to `#{fragment}`, which is not a heading of {whose}"),
            "a heading's anchor is its text in lower case, spaces as `-`, punctuation dropped (`## What went well` is `#what-went-well`)".into(),
        ))
    }

    fn relative(&self, from: &Path, path: &str, fragment: Option<&str>) -> Option<Problem> {
        let missing = |why: String| {
            Some((
                Code::MissingFile,
                why,
                "links are relative to this file, e.g. ./graph.png or ../2023/report.pdf".into(),
            ))
        };
        let Some(target) = kb::resolve(from, path) else {
            return missing(format!("link to `{path}`, which is outside the knowledge base"));
        };
        if self.kb.withheld.contains(&target) {
            let (message, suggestion) = crate::edition::internal_mention(from, &target, "the link becomes plain text");
            return Some((Code::LinkToInternal, message, suggestion));
        }
        if let Some(&j) = self.by_path.get(target.as_path()) {
            return fragment.and_then(|f| {
                let whose = crate::diagnostics::display_path(&target);
                self.anchor(j, f, &whose)
            });
        }
        // Unresolved Markdown links are `broken-link` errors already.
        if path.ends_with(".md") {
            return None;
        }
        let on_disk = self.kb.root.join(&target);
        if !on_disk.is_file() {
            let what = if on_disk.is_dir() { "a folder, not a file" } else { "does not exist" };
            return missing(format!("link to `{path}`, which {what}"));
        }
        if crate::sources::source_of(&self.kb.config.sources, &target).is_none() {
            return missing(format!(
                "link to `{path}`, which is outside content/ and every other source, so the site does not publish it"
            ));
        }
        None
    }

    fn root_absolute(&self, raw: &str) -> Option<Problem> {
        let path = kb::percent_decode(raw);
        let page = |p: &str| {
            self.published.contains(p) || self.generated.at(p).is_some() || self.generated.paths.contains_key(p)
        };
        let folder = path.trim_end_matches('/');
        let found = path.is_empty()
            || page(&path)
            || page(&format!("{folder}/index.html"))
            || kb::resolve(Path::new("static/_"), raw)
                .is_some_and(|p| p.starts_with("static") && self.kb.root.join(p).is_file());
        if found {
            return None;
        }
        Some((
            Code::MissingFile,
            format!("link to `/{path}`, which is neither in static/ nor a page of the site"),
            "a link starting with `/` is resolved against static/ (static/assets/x.png is /assets/x.png); put the file there, or link relative to this file".into(),
        ))
    }
}

type Problem = (Code, String, String);
