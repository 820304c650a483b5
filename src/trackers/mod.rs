//! Action items as the trackers see them. `pmsite sync` asks GitHub, GitLab and Jira for
//! the tickets postmortems name and writes a snapshot; builds read only the snapshot, so
//! they stay reproducible and offline. docs/trackers.md describes it.

pub mod config;
pub mod lint;
pub mod reconcile;
pub mod refs;
pub mod snapshot;
pub mod sync;

mod client;
mod github;
mod gitlab;
mod jira;

pub use reconcile::{Drift, Reconciled, Source, reconcile};
pub use snapshot::Tickets;
