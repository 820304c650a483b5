//! pmsite: a knowledge base of postmortems, built into a cross-linked static site.
//!
//! The pipeline reads top to bottom: `load` (parse files in parallel) -> `lint` and
//! whole-tree checks -> `kb` (link: cross-indexes, derived figures) -> `render`
//! (parallel) -> `output` (atomic write). Each stage borrows what the previous one
//! produced; data flows one way.

pub mod actions;
pub mod build;
pub mod cache;
pub mod catalog;
pub mod check;
pub mod config;
mod contrast;
pub mod csv;
pub mod diagnostics;
pub mod edition;
pub mod figures;
mod fingerprint;
pub mod frontmatter;
pub mod history;
pub mod import;
pub mod incremental;
pub mod kb;
pub mod lines;
pub mod linkcheck;
pub mod links;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod model;
pub mod names;
pub mod output;
pub mod patterns;
pub mod publish;
pub mod render;
pub mod repositories;
pub mod routes;
pub mod safe_url;
pub mod scaffold;
pub mod search;
pub mod search_command;
pub mod serve;
pub mod sources;
pub mod svg;
pub mod terminal;
pub mod tickets;
pub mod timing;
pub mod trackers;
pub mod walk;
pub mod words;
pub mod yaml;
