//! `pmsite sync`: asks every configured tracker for the tickets action items name, a few
//! requests at once, and writes the snapshot. A ticket that fails keeps its last known
//! state and says why; the others are refreshed all the same.

use super::client::{Client, Conn, Headers, Limits, Outcome};
use crate::kb::KnowledgeBase;
use crate::tickets::config::{Kind, Tracker};
use crate::tickets::refs::TicketRef;
use crate::tickets::snapshot::{self, Entry, Failure, Snapshot};
use base64::Engine as _;
use jiff::tz::TimeZone;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

pub use super::client::Limits as SyncLimits;

/// What one `pmsite sync` run did.
#[derive(Debug, Default)]
pub struct Report {
    /// Tickets asked about.
    pub asked: usize,
    /// Tickets whose state the tracker sent and the snapshot now holds.
    pub fetched: usize,
    /// Answered "not modified" (GitHub's conditional requests).
    pub unchanged: usize,
    /// (ticket, why), sorted by ticket.
    pub failed: Vec<(String, String)>,
    /// Tickets no tracker owns (`pmsite check` names them).
    pub unowned: usize,
    /// The snapshot written, relative to the root.
    pub path: String,
}

enum Job {
    Github { tracker: usize, key: String, path: String, number: u64, etag: Option<String> },
    Gitlab { tracker: usize, path: String, tickets: Vec<(String, u64)> },
    Jira { tracker: usize, keys: Vec<String> },
}

/// Credentials of one tracker, as request headers, and the secrets to keep out of output.
fn credentials(t: &Tracker, env: &dyn Fn(&str) -> Option<String>) -> Result<(Headers, Vec<String>), String> {
    let Some(token_env) = &t.token_env else { return Ok((Vec::new(), Vec::new())) };
    let token = env(token_env).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
        format!(
            "the environment variable {token_env} (token_env of the {} tracker {}) is not set",
            t.kind.as_str(),
            t.url
        )
    })?;
    let token = token.trim().to_string();
    Ok(match (t.kind, &t.email_env) {
        (Kind::Github, _) => (vec![("Authorization", format!("Bearer {token}"))], vec![token]),
        (Kind::Gitlab, _) => (vec![("PRIVATE-TOKEN", token.clone())], vec![token]),
        (Kind::Jira, Some(email_env)) => {
            let email = env(email_env).filter(|v| !v.trim().is_empty()).ok_or_else(|| {
                format!("the environment variable {email_env} (email_env of the jira tracker {}) is not set", t.url)
            })?;
            let pair = format!("{}:{token}", email.trim());
            let basic = base64::engine::general_purpose::STANDARD.encode(&pair);
            (vec![("Authorization", format!("Basic {basic}"))], vec![token, basic, pair])
        }
        // Jira Data Center takes a personal access token as a bearer token.
        (Kind::Jira, None) => (vec![("Authorization", format!("Bearer {token}"))], vec![token]),
    })
}

/// Every ticket the knowledge base names that a tracker owns, by key.
pub(crate) fn named_tickets(kb: &KnowledgeBase) -> (BTreeMap<String, (usize, TicketRef)>, usize) {
    let trackers = &kb.config.tickets.trackers;
    let mut out = BTreeMap::new();
    let mut unowned = std::collections::BTreeSet::new();
    for pm in &kb.postmortems {
        for t in pm.action_items.iter().filter_map(|a| a.ticket.as_deref()) {
            match crate::tickets::refs::resolve(t, trackers) {
                Some((i, r)) => {
                    out.insert(r.key(), (i, r));
                }
                None => {
                    unowned.insert(t.to_string());
                }
            }
        }
    }
    (out, unowned.len())
}

fn jobs(named: &BTreeMap<String, (usize, TicketRef)>, trackers: &[Tracker], previous: Option<&Snapshot>) -> Vec<Job> {
    let mut jobs = Vec::new();
    let mut gitlab: BTreeMap<(usize, String), Vec<(String, u64)>> = BTreeMap::new();
    let mut jira: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (key, (i, r)) in named {
        match (r, trackers[*i].kind) {
            (TicketRef::Repo { path, number }, Kind::Github) => {
                // Only a state the snapshot still holds can be confirmed by a 304.
                let etag = previous
                    .and_then(|p| p.tickets.get(key))
                    .filter(|e| e.last_known.is_some() && e.tracker == trackers[*i].url)
                    .and_then(|e| e.etag.clone());
                jobs.push(Job::Github { tracker: *i, key: key.clone(), path: path.clone(), number: *number, etag });
            }
            (TicketRef::Repo { path, number }, _) => {
                gitlab.entry((*i, path.clone())).or_default().push((key.clone(), *number))
            }
            (TicketRef::Jira { key }, _) => jira.entry(*i).or_default().push(key.clone()),
        }
    }
    for ((tracker, path), tickets) in gitlab {
        for chunk in tickets.chunks(super::gitlab::BATCH) {
            jobs.push(Job::Gitlab { tracker, path: path.clone(), tickets: chunk.to_vec() });
        }
    }
    for (tracker, keys) in jira {
        for chunk in keys.chunks(super::jira::BATCH) {
            jobs.push(Job::Jira { tracker, keys: chunk.to_vec() });
        }
    }
    jobs
}

fn run(
    job: &Job,
    trackers: &[Tracker],
    clients: &[Result<(Client, Headers), String>],
    tz: &TimeZone,
) -> Vec<(String, Outcome)> {
    let tracker = match job {
        Job::Github { tracker, .. } | Job::Gitlab { tracker, .. } | Job::Jira { tracker, .. } => *tracker,
    };
    let keys: Vec<String> = match job {
        Job::Github { key, .. } => vec![key.clone()],
        Job::Gitlab { tickets, .. } => tickets.iter().map(|(k, _)| k.clone()).collect(),
        Job::Jira { keys, .. } => keys.clone(),
    };
    let (client, auth) = match &clients[tracker] {
        Ok((c, a)) => (c, a.as_slice()),
        Err(why) => return keys.into_iter().map(|k| (k, Outcome::Failed(why.clone()))).collect(),
    };
    let t = &trackers[tracker];
    let conn = Conn { client, api: &t.api, auth, tz, token_env: t.token_env.as_deref() };
    let outcomes = match job {
        Job::Github { path, number, etag, .. } => vec![super::github::fetch(&conn, path, *number, etag.as_deref())],
        Job::Gitlab { path, tickets, .. } => {
            let iids: Vec<u64> = tickets.iter().map(|(_, n)| *n).collect();
            super::gitlab::fetch(&conn, path, &iids)
        }
        Job::Jira { keys, .. } => {
            let keys: Vec<&str> = keys.iter().map(String::as_str).collect();
            super::jira::fetch(&conn, &keys)
        }
    };
    // Whatever a tracker answered, a secret echoed back in it is not kept.
    keys.into_iter()
        .zip(outcomes)
        .map(|(k, o)| match o {
            Outcome::Failed(why) => (k, Outcome::Failed(client.redact(&why))),
            o => (k, o),
        })
        .collect()
}

/// Syncs every ticket the knowledge base names and writes the snapshot, even when some
/// tickets failed. Err only when there is nothing to sync with or the file cannot be written.
pub fn sync(kb: &KnowledgeBase, limits: &Limits, env: &dyn Fn(&str) -> Option<String>) -> Result<Report, String> {
    let settings = &kb.config.tickets;
    let trackers = &settings.trackers;
    if trackers.is_empty() {
        return Err(
            "site.toml has no [[trackers]], so there is nothing to sync; docs/trackers.md shows how to add one".into(),
        );
    }
    let (named, unowned) = named_tickets(kb);
    let previous = kb.tickets.as_ref().map(|t| &t.snapshot);
    let clients: Vec<Result<(Client, Headers), String>> = trackers
        .iter()
        .map(|t| credentials(t, env).map(|(auth, secrets)| (Client::new(limits, secrets), auth)))
        .collect();
    let jobs = jobs(&named, trackers, previous);
    let next = AtomicUsize::new(0);
    let results: Mutex<BTreeMap<String, Outcome>> = Mutex::new(BTreeMap::new());
    let tz = &kb.config.timezone;
    std::thread::scope(|s| {
        for _ in 0..limits.concurrency.clamp(1, 16).min(jobs.len().max(1)) {
            s.spawn(|| {
                while let Some(job) = jobs.get(next.fetch_add(1, Ordering::Relaxed)) {
                    let done = run(job, trackers, &clients, tz);
                    results.lock().unwrap_or_else(|e| e.into_inner()).extend(done);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    let now =
        jiff::Timestamp::from_second(jiff::Timestamp::now().as_second()).unwrap_or_else(|_| jiff::Timestamp::now());
    let mut report = Report { asked: named.len(), unowned, path: settings.snapshot.clone(), ..Default::default() };
    let mut snapshot = Snapshot { synced_at: Some(now), ..Default::default() };
    for (key, (i, r)) in &named {
        let t = &trackers[*i];
        let before = previous.and_then(|p| p.tickets.get(key)).filter(|e| e.tracker == t.url);
        let mut entry = before.cloned().unwrap_or_else(|| Entry {
            tracker: t.url.clone(),
            url: r.web_url(t),
            last_known: None,
            seen: None,
            etag: None,
            failure: None,
        });
        entry.url = r.web_url(t);
        match results.get(key) {
            Some(Outcome::Fetched { state, etag }) => {
                report.fetched += 1;
                entry.last_known = Some(state.clone());
                entry.seen = Some(now);
                entry.etag = etag.clone();
                entry.failure = None;
            }
            Some(Outcome::Unchanged) if entry.last_known.is_some() => {
                report.unchanged += 1;
                entry.seen = Some(now);
                entry.failure = None;
            }
            other => {
                let why = match other {
                    Some(Outcome::Failed(why)) => why.clone(),
                    _ => "the tracker said the ticket did not change, but the snapshot has no state for it".into(),
                };
                report.failed.push((key.clone(), why.clone()));
                entry.failure = Some(Failure { at: now, reason: why });
            }
        }
        snapshot.tickets.insert(key.clone(), entry);
    }
    snapshot::write(&kb.root, &settings.snapshot, &snapshot)
        .map_err(|e| format!("cannot write the ticket snapshot {}: {e}", settings.snapshot))?;
    Ok(report)
}
