//! The ticket snapshot: what `pmsite sync` last heard from the trackers, the only thing
//! `pmsite build` knows about them. A JSON file, written sorted so that a committed one
//! changes by the lines of the tickets that changed.

use crate::diagnostics::{Code, Diagnostic};
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::Path;

pub(crate) const VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum State {
    Open,
    Closed,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Open => "open",
            State::Closed => "closed",
        }
    }
}

/// A ticket as the tracker last answered for it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct TicketState {
    pub(crate) state: State,
    /// The tracker's own word for it ("In Progress", "closed as not planned").
    pub(crate) status: String,
    pub(crate) closed: Option<Date>,
    pub(crate) assignee: Option<String>,
    pub(crate) due: Option<Date>,
}

/// Why the last sync could not refresh a ticket.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Failure {
    pub(crate) at: Timestamp,
    pub(crate) reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub(crate) struct Entry {
    /// The tracker's web address (site.toml `url`).
    pub(crate) tracker: String,
    /// The ticket's page.
    pub(crate) url: String,
    /// The last known state; None when the tracker never answered for it.
    #[serde(default)]
    pub(crate) last_known: Option<TicketState>,
    /// When `last_known` was last confirmed.
    #[serde(default)]
    pub(crate) seen: Option<Timestamp>,
    /// GitHub's ETag for a conditional re-sync.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) failure: Option<Failure>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Snapshot {
    pub(crate) version: u32,
    pub(crate) synced_at: Option<Timestamp>,
    /// By ticket key (`PAY-101`, `acme/ops#12`).
    pub(crate) tickets: BTreeMap<String, Entry>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot { version: VERSION, synced_at: None, tickets: BTreeMap::new() }
    }
}

/// A snapshot read for a build, with the hash of its bytes (a build input).
#[derive(Debug, Clone)]
pub struct Tickets {
    pub(crate) snapshot: Snapshot,
    pub(crate) hash: u64,
    /// Relative to the knowledge base root, as site.toml names it.
    pub(crate) path: String,
}

impl Snapshot {
    pub(crate) fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default() + "\n"
    }
}

/// Reads the snapshot at `rel`: None when there is none (no sync has run), an error
/// naming the place when it cannot be understood.
pub(crate) fn read(root: &Path, rel: &str) -> Result<Option<Tickets>, Diagnostic> {
    let bytes = match std::fs::read(root.join(rel)) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Diagnostic::error(Code::Io, rel, 0, 0, format!("cannot read the ticket snapshot: {e}"))),
    };
    let help = "run `pmsite sync` to write it again, or restore it from git";
    let snapshot: Snapshot = serde_json::from_slice(&bytes).map_err(|e| {
        let (line, column) = (e.line().max(1), e.column().max(1));
        let column = match e.classify() {
            serde_json::error::Category::Data => value_start(&bytes, line, column),
            _ => column,
        };
        Diagnostic::error(Code::TicketsInvalid, rel, line, column, format!("the ticket snapshot cannot be read: {e}"))
            .with_suggestion(help)
    })?;
    if snapshot.version != VERSION {
        return Err(Diagnostic::error(
            Code::TicketsInvalid,
            rel,
            1,
            1,
            format!("the ticket snapshot is version {}; this pmsite reads version {VERSION}", snapshot.version),
        )
        .with_suggestion(help));
    }
    let mut h = crate::fingerprint::hasher();
    bytes.hash(&mut h);
    Ok(Some(Tickets { snapshot, hash: h.finish(), path: rel.to_string() }))
}

/// serde_json places a wrong value at its last character; a reader wants its first: the
/// opening quote, when the place is inside a string.
fn value_start(bytes: &[u8], line: usize, column: usize) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let Some(l) = text.lines().nth(line - 1) else { return column };
    let before: Vec<char> = l.chars().take(column.saturating_sub(1)).collect();
    let mut quotes = Vec::new();
    let mut escaped = false;
    for (i, c) in before.iter().enumerate() {
        match c {
            '\\' if !escaped => escaped = true,
            '"' if !escaped => quotes.push(i),
            _ => escaped = false,
        }
    }
    match quotes.len() % 2 {
        1 => quotes.last().map_or(column, |q| q + 1),
        _ => column,
    }
}

/// Writes the snapshot whole or not at all: a killed sync leaves the previous one.
pub(crate) fn write(root: &Path, rel: &str, snapshot: &Snapshot) -> std::io::Result<()> {
    let path = root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("json.pmsite-tmp");
    std::fs::write(&tmp, snapshot.to_json())?;
    std::fs::rename(&tmp, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrong_value_is_placed_at_its_first_character() {
        let dir = tempfile::tempdir().unwrap();
        let text = "{\"version\": 1, \"synced_at\": null, \"tickets\": {\"A-1\": {\"tracker\": \"t\", \"url\": \"u\", \"last_known\": {\"state\": \"shi\\\"pped\"}}}}";
        std::fs::write(dir.path().join("t.json"), text).unwrap();
        let d = read(dir.path(), "t.json").unwrap_err();
        assert_eq!((d.code, d.line), (Code::TicketsInvalid, 1));
        assert_eq!(&text[d.column - 1..d.column + 3], "\"shi", "{d:?}");
        std::fs::write(dir.path().join("t.json"), "{\"version\": 2, \"synced_at\": null, \"tickets\": {}}").unwrap();
        assert!(read(dir.path(), "t.json").unwrap_err().message.contains("version 2"));
        assert!(read(dir.path(), "none.json").unwrap().is_none(), "no snapshot is not an error");
    }
}
