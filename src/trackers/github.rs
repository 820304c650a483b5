//! GitHub: `GET /repos/{owner}/{repo}/issues/{number}`, one ticket per request, made
//! conditional with the ETag of the last answer so an unchanged ticket costs no rate limit
//! (<https://docs.github.com/en/rest/issues/issues#get-an-issue> and
//! <https://docs.github.com/en/rest/using-the-rest-api/best-practices-for-using-the-rest-api#use-conditional-requests-if-appropriate>).

use super::client::{Conn, Outcome, Request, day, refused};
use crate::tickets::snapshot::{State, TicketState};
use serde::Deserialize;

#[derive(Deserialize)]
struct User {
    login: String,
}

#[derive(Deserialize)]
struct Milestone {
    due_on: Option<String>,
}

#[derive(Deserialize)]
struct Issue {
    state: String,
    state_reason: Option<String>,
    closed_at: Option<String>,
    assignee: Option<User>,
    milestone: Option<Milestone>,
}

pub(super) fn fetch(c: &Conn, path: &str, number: u64, etag: Option<&str>) -> Outcome {
    let tz = c.tz;
    let mut headers =
        vec![("Accept", "application/vnd.github+json".to_string()), ("X-GitHub-Api-Version", "2022-11-28".to_string())];
    headers.extend(c.auth.iter().cloned());
    if let Some(e) = etag {
        headers.push(("If-None-Match", e.to_string()));
    }
    let url = format!("{}/repos/{}/issues/{number}", c.api, crate::routes::encode_path(path));
    let resp = match c.client.send(&Request { post: false, url, headers, body: None }) {
        Ok(r) => r,
        Err(why) => return Outcome::Failed(why),
    };
    match resp.status {
        304 => Outcome::Unchanged,
        200 => match serde_json::from_str::<Issue>(&resp.body) {
            Ok(i) => {
                let state = if i.state == "closed" { State::Closed } else { State::Open };
                let status = match (&state, i.state_reason.as_deref()) {
                    (State::Closed, Some(r)) if !r.is_empty() => format!("closed as {}", r.replace('_', " ")),
                    _ => i.state.clone(),
                };
                Outcome::Fetched {
                    state: TicketState {
                        state,
                        status,
                        closed: i.closed_at.as_deref().and_then(|t| day(t, tz)),
                        assignee: i.assignee.map(|u| u.login),
                        due: i.milestone.and_then(|m| m.due_on).as_deref().and_then(|t| day(t, tz)),
                    },
                    etag: resp.etag,
                }
            }
            Err(e) => Outcome::Failed(format!("GitHub's answer is not an issue as documented: {e}")),
        },
        s => Outcome::Failed(refused(s, &resp.body, c.token_env)),
    }
}
