//! Freshness: a hash of everything the search index is built from.
//!
//! It is computed from the source files, not from the parsed model, so `pmsite
//! search` can tell whether the index is current without loading the knowledge
//! base; only a stale index costs a load.

use super::SearchError;
use super::encode::StableHasher;
use std::path::Path;

/// Bumped whenever the schema, the analyzer or the field contents change, so an
/// index written by an older pmsite is rebuilt.
const SCHEMA_VERSION: &str = "pmsite-search-1";

/// Hash of site.toml, every postmortem file (path and bytes), the pmsite version
/// and whether drafts are in the index.
pub(crate) fn source_fingerprint(root: &Path, drafts: bool) -> Result<String, SearchError> {
    let mut h = StableHasher::default();
    h.write_field(SCHEMA_VERSION.as_bytes());
    h.write_field(env!("CARGO_PKG_VERSION").as_bytes());
    h.write_field(&[u8::from(drafts)]);
    let config = root.join(crate::config::FILE);
    h.write_field(&read(&config)?);
    let (files, _assets, _diags) = crate::load::discover(root);
    for rel in files {
        h.write_field(rel.to_string_lossy().as_bytes());
        h.write_field(&read(&root.join(&rel))?);
    }
    Ok(h.hex())
}

fn read(path: &Path) -> Result<Vec<u8>, SearchError> {
    std::fs::read(path).map_err(|source| SearchError::Io { action: "read", path: path.to_path_buf(), source })
}
