//! What `pmsite check` says about tickets: ones no tracker answers for, and a snapshot
//! too old to trust.

use crate::diagnostics::{Code, Diagnostic};
use crate::kb::KnowledgeBase;
use jiff::civil::Date;

pub(crate) fn check(kb: &KnowledgeBase) -> Vec<Diagnostic> {
    let settings = &kb.config.tickets;
    let mut out = Vec::new();
    if settings.trackers.is_empty() {
        // Without trackers a ticket is free text, as it always was.
        return out;
    }
    for pm in &kb.postmortems {
        for item in &pm.action_items {
            let Some(ticket) = item.ticket.as_deref() else { continue };
            if crate::tickets::refs::resolve(ticket, &settings.trackers).is_none() {
                let (line, column, width) = item.ticket_at;
                out.push(
                    Diagnostic::warning(
                        Code::UnownedTicket,
                        &pm.path,
                        line,
                        column,
                        format!("no tracker in site.toml owns the ticket `{}`", ticket.escape_debug()),
                    )
                    .with_width(width)
                    .with_suggestion(
                        "write it as PAY-101, owner/repo#123 or the issue's URL, and list its project in a [[trackers]] `owns`",
                    ),
                );
            }
        }
    }
    if let Some(t) = &kb.tickets {
        out.extend(stale(kb, t));
    }
    out
}

/// Days from `then` (in the site's timezone) to `today`.
fn age_days(kb: &KnowledgeBase, then: jiff::Timestamp) -> i64 {
    let day: Date = then.to_zoned_datetime(kb.config.timezone.clone()).date();
    day.until(kb.today).map(|s| s.get_days() as i64).unwrap_or(0)
}

fn stale(kb: &KnowledgeBase, t: &crate::tickets::Tickets) -> Option<Diagnostic> {
    let max = i64::from(kb.config.tickets.max_age_days);
    let text = std::fs::read_to_string(kb.root.join(&t.path)).unwrap_or_default();
    let place = |needle: &str| text.find(needle).map_or((1, 1), |at| crate::lines::line_col(&text, at));
    let help = format!(
        "run `pmsite sync` (a scheduled CI job can commit the snapshot; see docs/ci-recipes.md), or raise tickets_max_age_days (now {max})"
    );
    let warn = |(line, col): (usize, usize), msg: String| {
        Diagnostic::warning(Code::StaleTickets, &t.path, line, col, msg).with_suggestion(help.clone())
    };
    let synced_age = t.snapshot.synced_at.map(|s| age_days(kb, s));
    match synced_age {
        Some(age) if age <= max => {}
        Some(age) => {
            return Some(warn(
                place("\"synced_at\""),
                format!("the ticket snapshot is {age} days old (tickets_max_age_days is {max})"),
            ));
        }
        None => return Some(warn((1, 1), "the ticket snapshot was never synced".into())),
    }
    // A sync that ran but could not reach some tickets leaves their state as it was.
    let old: Vec<&str> = t
        .snapshot
        .tickets
        .iter()
        .filter(|(_, e)| e.seen.is_none_or(|s| age_days(kb, s) > max))
        .map(|(k, _)| k.as_str())
        .collect();
    let first = old.first()?;
    let shown: Vec<String> = old.iter().take(3).map(|k| format!("`{k}`")).collect();
    let more = if old.len() > 3 { format!(" and {} more", old.len() - 3) } else { String::new() };
    Some(warn(
        place(&format!("{:?}:", first)),
        format!(
            "{} ticket{} not seen in the tracker for over {max} days: {}{more}",
            old.len(),
            if old.len() == 1 { "" } else { "s" },
            shown.join(", ")
        ),
    ))
}
