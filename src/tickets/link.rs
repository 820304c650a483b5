//! Where a ticket links to: `ticket_url` in site.toml, a template such as
//! `"https://jira.acme.example/browse/{ticket}"`, and the `[[trackers]]` that claim tickets.

use super::config::Tracker;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

/// What a ticket id may keep unencoded inside the template: RFC 3986's unreserved set.
const TICKET: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// The placeholder `ticket_url` must hold.
pub(crate) const PLACEHOLDER: &str = "{ticket}";

/// A validated `ticket_url` template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TicketUrl(String);

impl TicketUrl {
    /// Checks a template: it must hold `{ticket}` and, with the ticket filled in, be an
    /// http(s) URL with a host. The error is the problem in words.
    pub(crate) fn parse(template: &str) -> Result<TicketUrl, String> {
        if !template.contains(PLACEHOLDER) {
            return Err(format!("has no {PLACEHOLDER} placeholder"));
        }
        // `{` and `}` may not appear in a URL: check the template with a ticket filled in.
        if let Some(problem) = crate::safe_url::http_url_problem(&template.replace(PLACEHOLDER, "PAY-1")) {
            return Err(problem.to_string());
        }
        Ok(TicketUrl(template.to_string()))
    }

    /// The template with `ticket` percent-encoded into every `{ticket}`.
    pub(crate) fn expand(&self, ticket: &str) -> String {
        self.0.replace(PLACEHOLDER, &utf8_percent_encode(ticket.trim(), TICKET).to_string())
    }
}

/// The link for a ticket as a postmortem wrote it, first match wins: a full http(s) URL
/// links to itself; a ticket a `[[trackers]]` entry claims links to that tracker's page
/// for it; any other ticket goes through `ticket_url`; None without one.
pub(crate) fn link(ticket: &str, trackers: &[Tracker], template: Option<&TicketUrl>) -> Option<String> {
    let t = ticket.trim();
    if t.is_empty() {
        return None;
    }
    if t.starts_with("https://") || t.starts_with("http://") {
        return crate::safe_url::http_url_problem(t).is_none().then(|| t.to_string());
    }
    if let Some((i, r)) = super::refs::resolve(t, trackers) {
        return Some(r.web_url(&trackers[i]));
    }
    template.map(|u| u.expand(t))
}

/// Whole days an open item is past its due date on `today`; None unless it is overdue.
pub(crate) fn days_overdue(overdue: bool, due: Option<jiff::civil::Date>, today: jiff::civil::Date) -> Option<i64> {
    let due = due.filter(|_| overdue)?;
    due.until(today).ok().map(|s| s.get_days() as i64).filter(|&d| d > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn a_template_needs_the_placeholder_and_an_http_scheme() {
        assert!(TicketUrl::parse("https://jira.acme.example/browse/{ticket}").is_ok());
        assert!(TicketUrl::parse("http://tracker.internal/t?id={ticket}").is_ok());
        assert_eq!(TicketUrl::parse("https://jira.acme.example/browse/").unwrap_err(), "has no {ticket} placeholder");
        assert!(TicketUrl::parse("javascript:alert('{ticket}')").unwrap_err().contains("http"));
        assert!(TicketUrl::parse("ftp://x.example/{ticket}").unwrap_err().contains("http"));
        assert!(TicketUrl::parse("https:///{ticket}").unwrap_err().contains("host"));
        assert!(TicketUrl::parse("https://x.example/{ticket} y").is_err());
        assert!(TicketUrl::parse("https://x.example/{tick}").is_err());
    }

    #[test]
    fn the_ticket_is_percent_encoded() {
        let u = TicketUrl::parse("https://jira.acme.example/browse/{ticket}").unwrap();
        assert_eq!(u.expand("PAY-101"), "https://jira.acme.example/browse/PAY-101");
        assert_eq!(u.expand("acme/ops#123"), "https://jira.acme.example/browse/acme%2Fops%23123");
        assert_eq!(u.expand("a b&c\"<"), "https://jira.acme.example/browse/a%20b%26c%22%3C");
        let q = TicketUrl::parse("https://t.example/q?id={ticket}&again={ticket}").unwrap();
        assert_eq!(q.expand(" X-1 "), "https://t.example/q?id=X-1&again=X-1");
    }

    #[test]
    fn urls_link_to_themselves_and_others_use_the_template() {
        let u = TicketUrl::parse("https://jira.acme.example/browse/{ticket}").unwrap();
        assert_eq!(link("PAY-7", &[], Some(&u)).as_deref(), Some("https://jira.acme.example/browse/PAY-7"));
        assert_eq!(link("PAY-7", &[], None), None);
        assert_eq!(link("https://x.example/1", &[], Some(&u)).as_deref(), Some("https://x.example/1"));
        assert_eq!(link("javascript:alert(1)", &[], None), None);
        assert_eq!(link("  ", &[], Some(&u)), None);
    }

    #[test]
    fn days_overdue_counts_from_today_for_overdue_items_only() {
        let today = date(2024, 3, 10);
        assert_eq!(days_overdue(true, Some(date(2024, 3, 1)), today), Some(9));
        assert_eq!(days_overdue(true, Some(date(2023, 3, 10)), today), Some(366));
        assert_eq!(days_overdue(false, Some(date(2024, 3, 1)), today), None);
        assert_eq!(days_overdue(true, None, today), None);
        assert_eq!(days_overdue(true, Some(today), today), None);
    }
}
