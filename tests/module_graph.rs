//! The pipeline reads top to bottom: no module of `src/` may import one that imports it
//! back, directly or through others. Checked from the source text, so a new cycle fails
//! here with the lines that close it rather than in a review.
//!
//! Two graphs are checked: the crate's top-level modules (`build` -> `render` -> `kb`),
//! and, under each parent, its child modules (`render::views` and `render::pages_actions`).
//! A child using its parent's items (`super::Site`) is how Rust modules are written and
//! is not counted.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// An import of module `to` by module `from`, at `file:line`.
#[derive(Debug, Clone)]
struct Edge {
    to: String,
    place: String,
}

/// `src/render/views.rs` -> ["render", "views"]; `src/search/mod.rs` -> ["search"].
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" && stem != "main" {
        parts.push(stem.to_string());
    }
    parts
}

/// The first path segments named after `prefix` (`crate::` or `super::`) in one line:
/// `crate::kb::X` gives `kb`, `crate::{kb, load::Y}` gives `kb` and `load`.
fn segments_after(line: &str, prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        // `supercrate::` or `my_crate::` are other names.
        let before = rest[..at].chars().next_back();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.push(std::mem::take(&mut item));
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.push(item);
        } else {
            out.push(rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect());
        }
    }
    out.into_iter()
        .map(|s| s.trim().split("::").next().unwrap_or("").trim().to_string())
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_alphanumeric() || c == '_'))
        .collect()
}

/// Module path -> the modules it imports (only those that exist as files).
fn graph(src: &Path) -> BTreeMap<Vec<String>, Vec<Edge>> {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(src)
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "rs"))
        // Test modules in their own files (`search_tests.rs`, `output/tests.rs`).
        .filter(|e| !e.path().file_stem().is_some_and(|s| s.to_string_lossy().ends_with("tests")))
        .map(|e| e.into_path())
        .collect();
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(src, f)).collect();
    let mut g: BTreeMap<Vec<String>, Vec<Edge>> = BTreeMap::new();
    for file in &files {
        let from = module_path(src, file);
        // Unit tests beside the code may reach anywhere: they are not part of the pipeline.
        let text = std::fs::read_to_string(file).unwrap();
        let text = text.split("#[cfg(test)]").next().unwrap_or("");
        let entry = g.entry(from.clone()).or_default();
        for (n, raw) in text.lines().enumerate() {
            let line = raw.split("//").next().unwrap_or("");
            let place = format!("{}:{}", file.display(), n + 1);
            for seg in segments_after(line, "crate::") {
                let to = vec![seg];
                if modules.contains(&to) {
                    entry.push(Edge { to: to.join("::"), place: place.clone() });
                }
            }
            // `super::x` names a sibling `x` (or an item of the parent).
            if let Some((_, parent)) = from.split_last() {
                for seg in segments_after(line, "super::") {
                    let mut to = parent.to_vec();
                    to.push(seg);
                    if modules.contains(&to) && to != from {
                        entry.push(Edge { to: to.join("::"), place: place.clone() });
                    }
                }
            }
        }
    }
    g
}

/// The cycles (strongly connected components of more than one node) of `g`.
fn cycles(g: &BTreeMap<String, Vec<Edge>>) -> Vec<Vec<String>> {
    struct Tarjan<'a> {
        g: &'a BTreeMap<String, Vec<Edge>>,
        index: BTreeMap<String, usize>,
        low: BTreeMap<String, usize>,
        stack: Vec<String>,
        on: BTreeSet<String>,
        found: Vec<Vec<String>>,
    }
    impl Tarjan<'_> {
        fn visit(&mut self, v: &str) {
            let n = self.index.len();
            self.index.insert(v.to_string(), n);
            self.low.insert(v.to_string(), n);
            self.stack.push(v.to_string());
            self.on.insert(v.to_string());
            let next: Vec<String> = self.g.get(v).into_iter().flatten().map(|e| e.to.clone()).collect();
            for w in next {
                if !self.index.contains_key(&w) {
                    self.visit(&w);
                    let l = self.low[&w].min(self.low[v]);
                    self.low.insert(v.to_string(), l);
                } else if self.on.contains(&w) {
                    let l = self.index[&w].min(self.low[v]);
                    self.low.insert(v.to_string(), l);
                }
            }
            if self.low[v] == self.index[v] {
                let mut comp = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on.remove(&w);
                    let done = w == v;
                    comp.push(w);
                    if done {
                        break;
                    }
                }
                if comp.len() > 1 {
                    comp.sort();
                    self.found.push(comp);
                }
            }
        }
    }
    let mut t = Tarjan {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            t.visit(v);
        }
    }
    t.found
}

/// The graphs to check: the top level, then each parent's children.
fn layers(g: &BTreeMap<Vec<String>, Vec<Edge>>) -> BTreeMap<String, BTreeMap<String, Vec<Edge>>> {
    let mut out: BTreeMap<String, BTreeMap<String, Vec<Edge>>> = BTreeMap::new();
    for (from, edges) in g {
        if from.is_empty() {
            continue;
        }
        let top = out.entry("crate".into()).or_default().entry(from[0].clone()).or_default();
        for e in edges {
            let to_top = e.to.split("::").next().unwrap().to_string();
            if to_top != from[0] {
                top.push(Edge { to: to_top, place: e.place.clone() });
            }
        }
        if from.len() >= 2 {
            let parent = from[..from.len() - 1].join("::");
            let layer = out.entry(parent.clone()).or_default().entry(from.join("::")).or_default();
            for e in edges {
                if e.to.starts_with(&format!("{parent}::")) && e.to.matches("::").count() == from.len() - 1 {
                    layer.push(e.clone());
                }
            }
        }
    }
    out
}

fn report(layer: &BTreeMap<String, Vec<Edge>>, comp: &[String]) -> String {
    let members: BTreeSet<&String> = comp.iter().collect();
    let mut out = format!("cycle among {}:\n", comp.join(", "));
    for from in comp {
        let mut seen = BTreeSet::new();
        for e in layer.get(from).into_iter().flatten() {
            if members.contains(&e.to) && seen.insert(&e.to) {
                out.push_str(&format!("  {from} -> {} at {}\n", e.to, e.place));
            }
        }
    }
    out
}

#[test]
fn src_has_no_module_cycle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let g = graph(&src);
    assert!(g.len() > 20, "found only {} modules under {}", g.len(), src.display());
    let mut problems = Vec::new();
    for (name, layer) in layers(&g) {
        for comp in cycles(&layer) {
            problems.push(format!("[{name}] {}", report(&layer, &comp)));
        }
    }
    assert!(
        problems.is_empty(),
        "modules import each other in a circle; move the shared piece down a layer:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_checker_sees_imports_and_cycles() {
    assert_eq!(segments_after("use crate::{kb, load::X, self};", "crate::"), ["kb", "load", "self"]);
    assert_eq!(segments_after("let x = crate::render::Dim::Teams;", "crate::"), ["render"]);
    assert_eq!(segments_after("my_crate::x", "crate::"), Vec::<String>::new());
    let e = |to: &str| Edge { to: to.into(), place: "x:1".into() };
    let g: BTreeMap<String, Vec<Edge>> =
        [("a".to_string(), vec![e("b")]), ("b".to_string(), vec![e("c")]), ("c".to_string(), vec![e("a")])]
            .into_iter()
            .collect();
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".to_string(), "c".to_string()]]);
    let acyclic: BTreeMap<String, Vec<Edge>> =
        [("a".to_string(), vec![e("b")]), ("b".to_string(), vec![])].into_iter().collect();
    assert!(cycles(&acyclic).is_empty());
}
