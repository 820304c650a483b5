//! pmsite: a knowledge base of postmortems, built into a cross-linked static site.
//!
//! The pipeline reads top to bottom: `load` (parse files in parallel) -> `lint` and
//! whole-tree checks -> `kb` (link: cross-indexes, derived figures) -> `render`
//! (parallel) -> `output` (atomic write). Each stage borrows what the previous one
//! produced; data flows one way.

#![warn(missing_docs)]

pub mod actions;
pub mod build;
pub mod cache;
pub(crate) mod catalog;
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
pub(crate) mod lines;
pub(crate) mod linkcheck;
pub mod links;
pub mod lint;
pub mod load;
pub mod markdown;
pub mod model;
pub(crate) mod names;
pub mod output;
pub mod patterns;
pub mod publish;
pub mod recurrences;
pub mod render;
pub mod repositories;
pub mod routes;
pub(crate) mod safe_url;
pub mod scaffold;
pub mod search;
pub mod search_command;
pub mod serve;
pub mod sources;
pub mod svg;
pub mod terminal;
pub mod tickets;
pub(crate) mod timing;
pub mod trackers;
pub(crate) mod walk;
pub(crate) mod words;
pub mod yaml;
