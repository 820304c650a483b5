//! Jira Cloud: `POST /rest/api/3/search/jql` with `key in (…)`, 100 keys per request
//! (<https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-post>).

use super::client::{Conn, Outcome, Request, day, refused};
use crate::tickets::snapshot::{State, TicketState};
use serde::Deserialize;
use std::collections::HashMap;

pub(super) const BATCH: usize = 100;
/// Pages of one batch followed at most; 100 keys fit in one page, so more means a loop.
const MAX_PAGES: usize = 10;

#[derive(Deserialize)]
struct Category {
    key: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Status {
    name: String,
    status_category: Category,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct User {
    display_name: String,
}

#[derive(Deserialize)]
struct Fields {
    status: Status,
    resolutiondate: Option<String>,
    assignee: Option<User>,
    duedate: Option<String>,
}

#[derive(Deserialize)]
struct Issue {
    key: String,
    fields: Fields,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Page {
    issues: Vec<Issue>,
    next_page_token: Option<String>,
}

/// Keys a 400 answer says do not exist: "An issue with key 'PAY-9' does not exist for field 'key'."
fn missing_keys(body: &str, asked: &[&str]) -> Vec<String> {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(body) else { return Vec::new() };
    let messages = v.get("errorMessages").and_then(|m| m.as_array()).cloned().unwrap_or_default();
    messages
        .iter()
        .filter_map(|m| m.as_str())
        .filter(|m| m.contains("does not exist"))
        .filter_map(|m| m.split('\'').nth(1))
        .filter(|k| asked.contains(k))
        .map(String::from)
        .collect()
}

/// Outcomes for `keys`, in the same order.
pub(super) fn fetch(c: &Conn, keys: &[&str]) -> Vec<Outcome> {
    let tz = c.tz;
    let mut found: HashMap<String, TicketState> = HashMap::new();
    let mut failed: HashMap<String, String> = HashMap::new();
    let mut ask: Vec<&str> = keys.to_vec();
    // Each round drops the keys Jira said do not exist, so it ends within `keys.len()` rounds.
    'rounds: while !ask.is_empty() {
        let jql = format!("key in ({})", ask.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", "));
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut body = serde_json::json!({
                "jql": jql,
                "fields": ["status", "resolutiondate", "assignee", "duedate"],
                "maxResults": BATCH,
            });
            if let Some(t) = &token {
                body["nextPageToken"] = serde_json::json!(t);
            }
            let mut headers = vec![("Accept", "application/json".to_string())];
            headers.extend(c.auth.iter().cloned());
            let req = Request {
                post: true,
                url: format!("{}/rest/api/3/search/jql", c.api),
                headers,
                body: Some(body.to_string()),
            };
            let resp = match c.client.send(&req) {
                Ok(r) => r,
                Err(why) => {
                    ask.iter().for_each(|k| {
                        failed.insert(k.to_string(), why.clone());
                    });
                    break 'rounds;
                }
            };
            if resp.status == 400 {
                let missing = missing_keys(&resp.body, &ask);
                if !missing.is_empty() {
                    for k in &missing {
                        failed.insert(k.clone(), "not found: no such issue, or the account cannot see it".into());
                    }
                    ask.retain(|k| !missing.iter().any(|m| m == k));
                    continue 'rounds;
                }
            }
            if resp.status != 200 {
                let why = refused(resp.status, &resp.body, c.token_env);
                ask.iter().for_each(|k| {
                    failed.insert(k.to_string(), why.clone());
                });
                break 'rounds;
            }
            let page: Page = match serde_json::from_str(&resp.body) {
                Ok(p) => p,
                Err(e) => {
                    let why = format!("Jira's answer is not a search result as documented: {e}");
                    ask.iter().for_each(|k| {
                        failed.insert(k.to_string(), why.clone());
                    });
                    break 'rounds;
                }
            };
            for i in page.issues {
                let f = i.fields;
                let closed = f.status.status_category.key == "done";
                found.insert(
                    i.key,
                    TicketState {
                        state: if closed { State::Closed } else { State::Open },
                        status: f.status.name,
                        closed: f.resolutiondate.as_deref().and_then(|t| day(t, tz)),
                        assignee: f.assignee.map(|u| u.display_name),
                        due: f.duedate.as_deref().and_then(|t| day(t, tz)),
                    },
                );
            }
            match page.next_page_token {
                Some(t) => token = Some(t),
                None => break,
            }
        }
        break;
    }
    keys.iter()
        .map(|k| match (found.remove(*k), failed.remove(*k)) {
            (Some(state), _) => Outcome::Fetched { state, etag: None },
            (None, Some(why)) => Outcome::Failed(why),
            (None, None) => Outcome::Failed("not found: no such issue, or the account cannot see it".into()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn missing_keys_come_from_jiras_error_messages() {
        let body = r#"{"errorMessages":["An issue with key 'PAY-9' does not exist for field 'key'.","An issue with key 'ZZ-1' does not exist for field 'key'."],"errors":{}}"#;
        assert_eq!(super::missing_keys(body, &["PAY-1", "PAY-9"]), ["PAY-9"]);
        assert!(super::missing_keys("not json", &["PAY-1"]).is_empty());
    }
}
