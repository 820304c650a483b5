//! The theme: Tera templates and static assets, built in and overridable.
//!
//! The default theme is embedded in the binary so a knowledge base needs nothing but
//! its content. A knowledge base overrides any single template or asset by putting a
//! file of the same name in `themes/<name>/templates/` or `themes/<name>/static/`.

use crate::diagnostics::{Code, Diagnostic};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tera::Tera;

macro_rules! embed {
    ($($name:literal),* $(,)?) => { &[$(($name, include_str!(concat!("../../themes/default/", $name)))),*] };
}

/// The built-in templates (name relative to `templates/`) and static files.
const TEMPLATES: &[(&str, &str)] = embed![
    "templates/base.html",
    "templates/components.html",
    "templates/home.html",
    "templates/incident.html",
    "templates/terms.html",
    "templates/term.html",
    "templates/factors.html",
    "templates/search.html",
    "templates/404.html",
    "templates/actions.html",
    "templates/patterns.html",
    "templates/metrics.html",
    "templates/row.html",
    "templates/action_row.html",
    "templates/seen.html",
    "templates/tracker_cell.html",
    "templates/in_review.html",
    "templates/guide.html",
];

const STATIC: &[(&str, &str)] = embed![
    "static/style.css",
    "static/svg.css",
    "static/search.css",
    "static/site.js",
    "static/actions.js",
    "static/search.js",
    "static/favicon.svg"
];

/// The built-in templates and assets with the knowledge base's overrides, templates
/// compiled.
pub struct Theme {
    pub(crate) tera: Tera,
    /// Output path (under the site root) -> bytes.
    pub(crate) assets: BTreeMap<String, Vec<u8>>,
    /// Where each template came from, for error messages.
    pub(crate) sources: BTreeMap<String, PathBuf>,
    /// Hash of every template and asset: a theme edit changes every page.
    pub(crate) fingerprint: u64,
}

/// A Tera error as a diagnostic at the template's file, line and column when Tera knows
/// them. `sources` maps template names to the files they came from; `fallback` is the
/// file to blame when the error does not name one.
fn template_error(sources: &BTreeMap<String, PathBuf>, fallback: &Path, e: &tera::Error) -> Diagnostic {
    let report = match e.kind() {
        tera::ErrorKind::SyntaxError(r) | tera::ErrorKind::RenderingError(r) => Some(r),
        _ => None,
    };
    let (file, line, col) = match report {
        Some(r) => (
            sources.get(r.filename()).map_or(fallback, |p| p.as_path()),
            r.span().start_line,
            // Tera counts columns from 0, diagnostics from 1.
            r.span().start_col + 1,
        ),
        None => (fallback, 0, 0),
    };
    let mut msg = report.map_or_else(|| e.to_string(), |r| r.message().to_string());
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        source = s.source();
    }
    Diagnostic::error(Code::Template, file, line, col, format!("template error: {}", msg.replace('\n', " ")))
        .with_suggestion("fix the template, or delete the override to use the built-in one")
}

/// The names of the theme's files under `assets/`, without reading them: what `check`
/// compares static/ with. The same walk as `Theme::load`'s, so both name the same files.
pub(crate) fn asset_names(root: &Path, name: &str) -> std::collections::BTreeSet<String> {
    let mut names: std::collections::BTreeSet<String> =
        STATIC.iter().map(|(p, _)| p.trim_start_matches("static/").to_string()).collect();
    names.insert("syntax.css".into());
    let dir = root.join("themes").join(name).join("static");
    for entry in walkdir::WalkDir::new(&dir).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        names.insert(entry.path().strip_prefix(&dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/"));
    }
    names
}

impl Theme {
    /// Loads the built-in theme, then the knowledge base's overrides from `root/themes/<name>/`.
    pub fn load(root: &Path, name: &str) -> Result<Theme, Vec<Diagnostic>> {
        let mut sources = BTreeMap::new();
        let mut templates: BTreeMap<String, String> = BTreeMap::new();
        for (path, text) in TEMPLATES {
            let name = path.trim_start_matches("templates/").to_string();
            sources.insert(name.clone(), PathBuf::from("themes/default").join(path));
            templates.insert(name, text.to_string());
        }
        let mut assets: BTreeMap<String, Vec<u8>> =
            STATIC.iter().map(|(p, t)| (p.trim_start_matches("static/").to_string(), t.as_bytes().to_vec())).collect();
        let mut diags = Vec::new();
        let theme_dir = root.join("themes").join(name);
        if theme_dir.is_dir() {
            for (sub, is_template) in [("templates", true), ("static", false)] {
                let dir = theme_dir.join(sub);
                for entry in walkdir::WalkDir::new(&dir).sort_by_file_name().into_iter().flatten() {
                    if !entry.file_type().is_file() {
                        continue;
                    }
                    let rel =
                        entry.path().strip_prefix(&dir).unwrap_or(entry.path()).to_string_lossy().replace('\\', "/");
                    let shown = entry.path().strip_prefix(root).unwrap_or(entry.path()).to_path_buf();
                    match std::fs::read(entry.path()) {
                        Ok(bytes) if is_template => match String::from_utf8(bytes) {
                            Ok(t) => {
                                sources.insert(rel.clone(), shown);
                                templates.insert(rel, t);
                            }
                            Err(_) => {
                                diags.push(Diagnostic::error(Code::NotUtf8, shown, 0, 0, "template is not valid UTF-8"))
                            }
                        },
                        Ok(bytes) => {
                            assets.insert(rel, bytes);
                        }
                        Err(e) => diags.push(Diagnostic::error(Code::Io, shown, 0, 0, format!("cannot read: {e}"))),
                    }
                }
            }
        }
        let mut tera = Tera::default();
        tera.autoescape_on([".html", ".xml"]);
        // One escaper for templates and for the HTML pmsite writes itself.
        tera.set_escape_fn(crate::markdown::escape_to);
        if let Err(e) = tera.add_raw_templates(templates.iter().map(|(n, t)| (n.as_str(), t.as_str()))) {
            // Errors that name no template (a missing parent, a cycle) name it in their text.
            let text = e.to_string();
            let fallback = sources
                .iter()
                .find(|(name, _)| text.contains(&format!("'{name}'")))
                .map_or_else(|| PathBuf::from("themes"), |(_, p)| p.clone());
            diags.push(template_error(&sources, &fallback, &e));
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        assets.insert("syntax.css".into(), crate::markdown::syntax_css().into_bytes());
        let mut h = xxhash_rust::xxh3::Xxh3::new();
        for (name, text) in &templates {
            h.update(name.as_bytes());
            h.update(text.as_bytes());
        }
        for (name, bytes) in &assets {
            h.update(name.as_bytes());
            h.update(bytes);
        }
        Ok(Theme { tera, assets, sources, fingerprint: h.digest() })
    }

    pub(crate) fn render(&self, template: &str, ctx: &tera::Context) -> Result<String, Diagnostic> {
        self.tera.render(template, ctx).map_err(|e| {
            let file = self.sources.get(template).cloned().unwrap_or_else(|| PathBuf::from(template));
            template_error(&self.sources, &file, &e)
        })
    }
}
