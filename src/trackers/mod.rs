//! `pmsite sync` and `pmsite check`'s ticket warnings: asking GitHub, GitLab and Jira for
//! the tickets postmortems name (`crate::tickets` holds what they answered).

pub(crate) mod lint;
pub mod sync;

mod client;
mod github;
mod gitlab;
mod jira;
