//! One postmortem's text through everything `check` does to a file (front matter, lint,
//! link), for the property and fuzz tests that feed it hostile text.
#![allow(dead_code)]

use pmsite::config::SiteConfig;
use pmsite::diagnostics::Diagnostic;
use pmsite::lint::Linter;
use std::path::Path;

/// Every diagnostic `check` would give `text` as `content/2024/x.md`; `body` sees the
/// parsed postmortem's body when there is one.
pub(crate) fn diagnose(text: &str, config: &SiteConfig, linter: &Linter, body: impl FnOnce(&str)) -> Vec<Diagnostic> {
    let file = Path::new("content/2024/x.md");
    let (pm, mut diags) = pmsite::frontmatter::parse(text, file, config);
    let Some(pm) = pm else { return diags };
    diags.extend(linter.check(&pm, text));
    body(&pm.body);
    // The link stage resolves body links and `related` ids across files.
    let loaded = pmsite::load::Loaded {
        root: "/nonexistent-pmsite-root".into(),
        config: config.clone(),
        postmortems: vec![std::sync::Arc::new(pm)],
        home_text: None,
        assets: vec![],
        unusable: vec![],
        withheld: vec![],
        tickets: None,
        diagnostics: vec![],
        settings: 0,
    };
    let options = pmsite::kb::Options { today: "2026-01-01".parse().unwrap(), include_drafts: true };
    pmsite::kb::KnowledgeBase::link(loaded, &options, &mut diags);
    diags
}
