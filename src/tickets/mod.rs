//! Tickets of action items and what their trackers last said about them: the
//! `[[trackers]]` settings, the ways a ticket is written, the snapshot `pmsite sync`
//! writes, and the file's view reconciled with the tracker's. Builds read only this;
//! talking to the trackers is `crate::trackers`. docs/trackers.md describes it.

pub mod config;
pub(crate) mod link;
pub(crate) mod reconcile;
pub(crate) mod refs;
pub mod snapshot;

pub(crate) use reconcile::{Drift, Reconciled, Source, reconcile};
pub use snapshot::Tickets;
