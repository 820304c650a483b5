//! Tickets as postmortems write them (`PAY-101`, `acme/ops#123`, a full issue URL), and
//! which configured tracker answers for each.

use super::config::{Kind, Tracker, is_project_key};

/// A ticket in a tracker's own terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum TicketRef {
    /// A Jira issue key, `PAY-101`.
    Jira { key: String },
    /// An issue of a GitHub repository or GitLab project: `acme/ops#123`.
    Repo { path: String, number: u64 },
}

impl TicketRef {
    /// The snapshot's key: the short form, whatever way the postmortem wrote it.
    pub(crate) fn key(&self) -> String {
        match self {
            TicketRef::Jira { key } => key.clone(),
            TicketRef::Repo { path, number } => format!("{path}#{number}"),
        }
    }

    /// The ticket's page on the tracker's web site.
    pub(crate) fn web_url(&self, tracker: &Tracker) -> String {
        let enc = |s: &str| crate::routes::encode_path(s);
        match (self, tracker.kind) {
            (TicketRef::Jira { key }, _) => format!("{}/browse/{}", tracker.url, enc(key)),
            (TicketRef::Repo { path, number }, Kind::Gitlab) => {
                format!("{}/{}/-/issues/{number}", tracker.url, enc(path))
            }
            (TicketRef::Repo { path, number }, _) => format!("{}/{}/issues/{number}", tracker.url, enc(path)),
        }
    }
}

/// `PAY-101` as (project, number).
fn jira_key(s: &str) -> Option<(&str, u64)> {
    let (project, n) = s.rsplit_once('-')?;
    let n: u64 = n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit()))?;
    is_project_key(project).then_some((project, n))
}

/// `acme/ops#123` as (path, number).
fn repo_ref(s: &str) -> Option<(&str, u64)> {
    let (path, n) = s.rsplit_once('#')?;
    let n: u64 = n.parse().ok().filter(|_| n.bytes().all(|b| b.is_ascii_digit()))?;
    (path.contains('/') && !path.contains(char::is_whitespace)).then_some((path, n))
}

fn owns(tracker: &Tracker, r: &TicketRef) -> bool {
    match (r, tracker.kind) {
        (TicketRef::Jira { key }, Kind::Jira) => {
            jira_key(key).is_some_and(|(project, _)| tracker.owns.iter().any(|o| o == project))
        }
        // GitHub paths are case-insensitive; GitLab's are not.
        (TicketRef::Repo { path, .. }, Kind::Github) => tracker.owns.iter().any(|o| o.eq_ignore_ascii_case(path)),
        (TicketRef::Repo { path, .. }, Kind::Gitlab) => tracker.owns.iter().any(|o| o == path),
        _ => false,
    }
}

/// The ticket a tracker's web address names: `…/acme/ops/issues/12`, `…/g/p/-/issues/12`,
/// `…/browse/PAY-1`.
fn from_url(tracker: &Tracker, url: &str) -> Option<TicketRef> {
    let rest = url.strip_prefix(&tracker.url)?.strip_prefix('/')?;
    let rest = rest.split(['?', '#']).next().unwrap_or("").trim_end_matches('/');
    let rest = percent_encoding::percent_decode_str(rest).decode_utf8_lossy();
    match tracker.kind {
        Kind::Jira => {
            let key = rest.strip_prefix("browse/")?;
            jira_key(key).map(|_| TicketRef::Jira { key: key.to_string() })
        }
        Kind::Github => {
            let parts: Vec<&str> = rest.split('/').collect();
            match parts.as_slice() {
                [owner, repo, "issues" | "pull", n] => {
                    Some(TicketRef::Repo { path: format!("{owner}/{repo}"), number: n.parse().ok()? })
                }
                _ => None,
            }
        }
        Kind::Gitlab => {
            let (path, tail) = rest.split_once("/-/")?;
            let n = tail.strip_prefix("issues/").or_else(|| tail.strip_prefix("work_items/"))?;
            Some(TicketRef::Repo { path: path.to_string(), number: n.parse().ok()? })
        }
    }
}

/// The tracker (its position in `trackers`) that answers for `ticket`, and the ticket in
/// its terms; None when no tracker owns it. The first tracker that owns it wins.
pub(crate) fn resolve(ticket: &str, trackers: &[Tracker]) -> Option<(usize, TicketRef)> {
    let ticket = ticket.trim();
    if ticket.starts_with("https://") || ticket.starts_with("http://") {
        return trackers
            .iter()
            .enumerate()
            .find_map(|(i, t)| from_url(t, ticket).filter(|r| owns(t, r)).map(|r| (i, r)));
    }
    let r = if let Some((path, number)) = repo_ref(ticket) {
        TicketRef::Repo { path: path.to_string(), number }
    } else if jira_key(ticket).is_some() {
        TicketRef::Jira { key: ticket.to_string() }
    } else {
        return None;
    };
    let i = trackers.iter().position(|t| owns(t, &r))?;
    // The snapshot keys GitHub repositories as site.toml spells them.
    let r = match (r, trackers[i].kind) {
        (TicketRef::Repo { path, number }, Kind::Github) => TicketRef::Repo {
            path: trackers[i].owns.iter().find(|o| o.eq_ignore_ascii_case(&path)).cloned().unwrap_or(path),
            number,
        },
        (r, _) => r,
    };
    Some((i, r))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(kind: Kind, url: &str, owns: &[&str]) -> Tracker {
        Tracker {
            kind,
            url: url.into(),
            api: url.into(),
            token_env: None,
            email_env: None,
            owns: owns.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn every_written_form_resolves_to_one_key() {
        let trackers = [
            t(Kind::Github, "https://github.com", &["acme/ops"]),
            t(Kind::Gitlab, "https://gitlab.acme.example", &["acme/platform/api"]),
            t(Kind::Jira, "https://acme.atlassian.net", &["PAY"]),
        ];
        let key = |s: &str| resolve(s, &trackers).map(|(i, r)| (i, r.key()));
        assert_eq!(key("acme/ops#12"), Some((0, "acme/ops#12".into())));
        assert_eq!(key("Acme/Ops#12"), Some((0, "acme/ops#12".into())));
        assert_eq!(key("https://github.com/acme/ops/issues/12"), Some((0, "acme/ops#12".into())));
        assert_eq!(key("https://github.com/acme/ops/pull/12#issuecomment-1"), Some((0, "acme/ops#12".into())));
        assert_eq!(key("acme/platform/api#7"), Some((1, "acme/platform/api#7".into())));
        assert_eq!(
            key("https://gitlab.acme.example/acme/platform/api/-/issues/7"),
            Some((1, "acme/platform/api#7".into()))
        );
        assert_eq!(key("PAY-101"), Some((2, "PAY-101".into())));
        assert_eq!(key("https://acme.atlassian.net/browse/PAY-101"), Some((2, "PAY-101".into())));
        for unowned in
            ["PLAT-1", "other/repo#1", "TBD", "https://github.com/other/x/issues/1", "pay-101", "PAY-", "#12"]
        {
            assert_eq!(key(unowned), None, "{unowned}");
        }
        assert_eq!(
            resolve("PAY-101", &trackers).unwrap().1.web_url(&trackers[2]),
            "https://acme.atlassian.net/browse/PAY-101"
        );
        assert_eq!(
            resolve("acme/platform/api#7", &trackers).unwrap().1.web_url(&trackers[1]),
            "https://gitlab.acme.example/acme/platform/api/-/issues/7"
        );
    }
}
