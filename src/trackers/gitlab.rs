//! GitLab: `GET /projects/:id/issues?iids[]=…`, up to 100 issues of one project per
//! request (<https://docs.gitlab.com/api/issues/#list-project-issues>).

use super::client::{Conn, Outcome, Request, day, refused};
use crate::tickets::snapshot::{State, TicketState};
use serde::Deserialize;
use std::collections::HashMap;

pub(super) const BATCH: usize = 100;

#[derive(Deserialize)]
struct User {
    username: String,
}

#[derive(Deserialize)]
struct Issue {
    iid: u64,
    state: String,
    closed_at: Option<String>,
    assignee: Option<User>,
    due_date: Option<String>,
}

/// Outcomes for `iids` of the project at `path`, in the same order.
pub(super) fn fetch(c: &Conn, path: &str, iids: &[u64]) -> Vec<Outcome> {
    let tz = c.tz;
    let all = |o: Outcome| iids.iter().map(|_| o.clone()).collect();
    let mut url = format!(
        "{}/projects/{}/issues?per_page={BATCH}",
        c.api,
        // The project's path, URL-encoded whole, is its id.
        crate::routes::segment(path)
    );
    for iid in iids {
        // `iids[]`, with the brackets encoded as a URL query must carry them.
        url.push_str(&format!("&iids%5B%5D={iid}"));
    }
    let resp = match c.client.send(&Request { post: false, url, headers: c.auth.to_vec(), body: None }) {
        Ok(r) => r,
        Err(why) => return all(Outcome::Failed(why)),
    };
    if resp.status != 200 {
        return all(Outcome::Failed(refused(resp.status, &resp.body, c.token_env)));
    }
    let issues: Vec<Issue> = match serde_json::from_str(&resp.body) {
        Ok(v) => v,
        Err(e) => return all(Outcome::Failed(format!("GitLab's answer is not a list of issues as documented: {e}"))),
    };
    let by_iid: HashMap<u64, Issue> = issues.into_iter().map(|i| (i.iid, i)).collect();
    iids.iter()
        .map(|iid| match by_iid.get(iid) {
            Some(i) => Outcome::Fetched {
                state: TicketState {
                    state: if i.state == "closed" { State::Closed } else { State::Open },
                    status: i.state.clone(),
                    closed: i.closed_at.as_deref().and_then(|t| day(t, tz)),
                    assignee: i.assignee.as_ref().map(|u| u.username.clone()),
                    due: i.due_date.as_deref().and_then(|t| day(t, tz)),
                },
                etag: None,
            },
            None => Outcome::Failed("not found: the project has no such issue, or the token cannot see it".into()),
        })
        .collect()
}
