//! Guesses from words: a timeline event's kind, a severity, an action item's owner and
//! status. Each guess is a small table of words so a reader can see (and extend) what
//! is recognised; `pmsite import` reports what it guessed so people can correct it.

use super::text::has_word;
use crate::model::{ActionStatus, EventKind};

/// Words that say what an event was, strongest kind first: an event that mentions a
/// rollback and that service was restored is a recovery.
const KIND_WORDS: &[(EventKind, &[&str])] = &[
    (
        EventKind::Recovery,
        &[
            "resolved",
            "resolution",
            "recovered",
            "recovery",
            "back to normal",
            "restored",
            "fully operational",
            "verified operational",
            "operational again",
            "working again",
            "working as expected",
            "confirmed working",
            "is now fine",
            "all clear",
            "incident closed",
            "problem was solved",
            "issue was solved",
            "solved the issue",
            "permanently fixed",
            "healthy again",
            "works again",
            "fix works",
            "that it works",
            "verified working",
        ],
    ),
    (
        EventKind::Mitigation,
        &[
            "rolled back",
            "roll back",
            "rollback",
            "rolling back",
            "reverted",
            "revert",
            "mitigat*",
            "workaround",
            "work around",
            "restarted",
            "restart*",
            "rolls back",
            "reverts",
            "failover",
            "failed over",
            "downgraded",
            "hotfix",
            "fix applied",
            "fix deployed",
            "applied fix",
            "applied a fix",
            "manual fix",
            "deployed a fix",
            "patched",
            "drained",
        ],
    ),
    (
        EventKind::Diagnosis,
        &[
            "identified",
            "identifies",
            "finds",
            "identify the cause",
            "root cause",
            "found",
            "diagnos*",
            "determined",
            "pinpointed",
            "narrowed",
            "traced",
            "concluded",
            "discovered that",
            "realised",
            "realized",
            "figured out",
            "turned out",
            "cause was",
            "caused by",
        ],
    ),
    (
        EventKind::Detection,
        &[
            "alert*",
            "paged",
            "pager*",
            "noticed",
            "notices",
            "warning",
            "warned",
            "detect*",
            "reported",
            "reports",
            "report",
            "reporting",
            "notified",
            "became aware",
            "aware of",
            "escalated",
            "complain*",
            "discovery",
            "incident declared",
            "declared an incident",
        ],
    ),
];

/// Labels some teams put in front of events: `**Detection:** …`.
const LABELS: &[(&str, EventKind)] = &[
    ("signal", EventKind::Signal),
    ("trigger", EventKind::Signal),
    ("impact start", EventKind::Signal),
    ("start", EventKind::Signal),
    ("detection", EventKind::Detection),
    ("detected", EventKind::Detection),
    ("discovery", EventKind::Detection),
    ("alert", EventKind::Detection),
    ("diagnosis", EventKind::Diagnosis),
    ("root cause", EventKind::Diagnosis),
    ("cause", EventKind::Diagnosis),
    ("mitigation", EventKind::Mitigation),
    ("mitigated", EventKind::Mitigation),
    ("recovery", EventKind::Recovery),
    ("recovered", EventKind::Recovery),
    ("resolution", EventKind::Recovery),
    ("resolved", EventKind::Recovery),
];

/// An explicit kind label at the start of an event (`Detection: …`, `**Recovery:** …`,
/// `[Mitigation] …`): the kind and the text without the label.
pub(super) fn kind_label(text: &str) -> Option<(EventKind, String)> {
    let t = text.trim_start_matches(['*', '_', '[', ' ']);
    let end = t.find([':', ']'])?;
    let label = t[..end].trim_matches(['*', '_', ' ']).to_lowercase();
    let (_, kind) = LABELS.iter().find(|(l, _)| *l == label)?;
    let rest = t[end + 1..].trim_start_matches(['*', '_', ']', ':', ' ']).trim();
    Some((*kind, rest.to_string()))
}

/// The kind an event's words suggest, or `Note`. A word right after a negation
/// ("weren't working as expected", "not resolved") does not count.
pub(super) fn event_kind(text: &str) -> EventKind {
    let lower = text.to_lowercase();
    KIND_WORDS
        .iter()
        .find(|(_, words)| words.iter().any(|w| has_word(&lower, w) && !negated(&lower, w)))
        .map_or(EventKind::Note, |(k, _)| *k)
}

/// Whether every occurrence of `word` in `lower` follows a negation within two words.
fn negated(lower: &str, word: &str) -> bool {
    let stem = word.trim_end_matches('*');
    lower.match_indices(stem).all(|(at, _)| {
        let before: Vec<&str> = lower[..at].split_whitespace().rev().take(2).collect();
        before.iter().any(|w| matches!(*w, "not" | "no" | "never" | "nothing" | "without") || w.ends_with("n't"))
    })
}

/// The normalised form used to compare severities: lowercase letters and digits.
fn norm(s: &str) -> String {
    s.chars().filter(char::is_ascii_alphanumeric).flat_map(|c| c.to_lowercase()).collect()
}

/// A site severity for a written value (`2`, `SEV-1`, `Sev 1`, `P1`, `critical`), if
/// one matches: the same name, or the same number, or the n-th level when the site's
/// names carry no numbers.
pub(super) fn severity(value: &str, severities: &[String]) -> Option<String> {
    let v = norm(value);
    if v.is_empty() {
        return None;
    }
    if let Some(s) = severities.iter().find(|s| norm(s) == v) {
        return Some(s.clone());
    }
    let number: String = v.chars().filter(char::is_ascii_digit).collect();
    let n: usize = number.parse().ok()?;
    // SEV1 in a site with SEV0..SEV4, or 1 in a site with P1..P4.
    if let Some(s) = severities
        .iter()
        .find(|s| s.chars().filter(char::is_ascii_digit).collect::<String>().parse::<usize>().ok() == Some(n))
    {
        return Some(s.clone());
    }
    if severities.iter().all(|s| !s.chars().any(|c| c.is_ascii_digit())) && !severities.is_empty() {
        let i = n.saturating_sub(1).min(severities.len() - 1);
        return Some(severities[i].clone());
    }
    None
}

/// A `SEV-1` / `SEV1` / `Sev 1` mention anywhere in `text`: the written form.
pub(super) fn severity_mention(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let b = lower.as_bytes();
    for (at, _) in lower.match_indices("sev") {
        if at > 0 && b[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let mut i = at + 3;
        if lower[i..].starts_with("erity") {
            continue; // "severity" belongs to a `Severity:` line, read separately
        }
        if matches!(b.get(i), Some(b'-' | b' ' | b'_')) {
            i += 1;
        }
        if b.get(i).is_some_and(u8::is_ascii_digit) && !b.get(i + 1).is_some_and(u8::is_ascii_alphanumeric) {
            return Some(text[at..=i].to_string());
        }
    }
    // "P1 incident", "P2 outage": a priority used as a severity.
    for (at, _) in lower.match_indices('p') {
        let word_start = at == 0 || !b[at - 1].is_ascii_alphanumeric();
        if word_start
            && b.get(at + 1).is_some_and(|c| (b'0'..=b'4').contains(c))
            && !b.get(at + 2).is_some_and(u8::is_ascii_alphanumeric)
            && ["incident", "outage", "issue"].iter().any(|w| lower[at + 2..].trim_start().starts_with(w))
        {
            return Some(text[at..at + 2].to_string());
        }
    }
    None
}

/// An owner named in an action item (`@ana`, `(owner: ana)`, `Owner: ana`,
/// `[ana]` at the end): the owner and the text without it.
pub(super) fn owner_in(text: &str) -> (Option<String>, String) {
    // `[dustin] finish the patch`, `[garndt?] …` (taskcluster retrospectives): one name in
    // brackets at the start, not a link (`[text](url)`), a task box or a ticket (`[PAY-12]`).
    if let Some(rest) = text.strip_prefix('[')
        && let Some(close) = rest.find(']')
        && rest[close + 1..].starts_with(' ')
    {
        let name = rest[..close].trim_end_matches('?');
        let is_name = !name.is_empty()
            && name.len() <= 32
            && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && !name.eq_ignore_ascii_case("x")
            && !name.chars().any(|c| c.is_ascii_digit());
        if is_name {
            return (Some(name.to_string()), tidy(&rest[close + 1..]));
        }
    }
    // ASCII lowercasing keeps every byte offset, so places found in `lower` are places in
    // `text`; Unicode lowercasing changes lengths ("İ" two bytes, "i̇" three) and panicked.
    let lower = text.to_ascii_lowercase();
    for key in ["(owner:", "(owner ", "(assignee:", "(assigned to", "(owned by"] {
        if let Some(at) = lower.find(key)
            && let Some(close) = text[at..].find(')')
        {
            let owner = text[at + key.len()..at + close].trim().trim_start_matches(':').trim();
            if !owner.is_empty() {
                let rest = format!("{} {}", &text[..at], &text[at + close + 1..]);
                return (Some(owner.to_string()), tidy(&rest));
            }
        }
    }
    for key in [" owner:", " assignee:", " owner -", " - owner:"] {
        if let Some(at) = lower.rfind(key) {
            let owner = text[at + key.len()..].trim().trim_end_matches(['.', ')']).trim();
            if !owner.is_empty() && owner.split_whitespace().count() <= 3 {
                return (Some(owner.to_string()), tidy(&text[..at]));
            }
        }
    }
    // @name (not an email address, not "@ https://…")
    let b = text.as_bytes();
    for (at, _) in text.match_indices('@') {
        if at > 0 && b[at - 1].is_ascii_alphanumeric() {
            continue;
        }
        let name: String =
            text[at + 1..].chars().take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
        let name = name.trim_end_matches('.');
        if !name.is_empty() {
            let rest = format!("{}{}", &text[..at], &text[at + 1 + name.len()..]);
            return (Some(name.to_string()), tidy(&rest));
        }
    }
    (None, text.to_string())
}

/// A status written in an action item (`(done)`, `✅`, `[in progress]`, `DONE:`):
/// the status and the text without it.
pub(super) fn status_in(text: &str) -> (Option<ActionStatus>, String) {
    // ASCII lowercasing, as in `owner_in`: offsets in `lower` must be offsets in `text`.
    let lower = text.to_ascii_lowercase();
    const MARKS: &[(&str, ActionStatus)] = &[
        ("(done)", ActionStatus::Done),
        ("[done]", ActionStatus::Done),
        ("(completed)", ActionStatus::Done),
        ("(complete)", ActionStatus::Done),
        ("(fixed)", ActionStatus::Done),
        ("✅", ActionStatus::Done),
        ("✔", ActionStatus::Done),
        ("done:", ActionStatus::Done),
        ("(in progress)", ActionStatus::InProgress),
        ("[in progress]", ActionStatus::InProgress),
        ("(ongoing)", ActionStatus::InProgress),
        ("(wip)", ActionStatus::InProgress),
        ("(won't do)", ActionStatus::WontDo),
        ("(wont do)", ActionStatus::WontDo),
        ("(won't fix)", ActionStatus::WontDo),
    ];
    for (mark, status) in MARKS {
        if let Some(at) = lower.find(mark) {
            let rest = format!("{} {}", &text[..at], &text[at + mark.len()..]);
            return (Some(*status), tidy(&rest));
        }
    }
    (None, text.to_string())
}

/// A status from a table cell.
pub(super) fn status_cell(cell: &str) -> Option<ActionStatus> {
    let c = norm(cell);
    Some(match c.as_str() {
        "done" | "closed" | "complete" | "completed" | "fixed" | "resolved" | "yes" | "x" => ActionStatus::Done,
        "inprogress" | "ongoing" | "started" | "wip" | "doing" => ActionStatus::InProgress,
        "wontdo" | "wontfix" | "cancelled" | "canceled" | "dropped" => ActionStatus::WontDo,
        "open" | "todo" | "notstarted" | "new" | "no" | "planned" => ActionStatus::Open,
        _ => {
            if cell.contains('✅') || cell.contains('✔') {
                ActionStatus::Done
            } else {
                return None;
            }
        }
    })
}

/// A ticket reference in an action item: a `[ABC-123]`/`(ABC-123)` key or a link to an
/// issue tracker.
pub(super) fn ticket_in(text: &str) -> Option<String> {
    for word in text.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',')) {
        let w = word.trim_matches(['.', ':', ';']);
        if let Some((project, number)) = w.split_once('-')
            && project.len() >= 2
            && project.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
            && project.starts_with(|c: char| c.is_ascii_uppercase())
            && !number.is_empty()
            && number.chars().all(|c| c.is_ascii_digit())
            && !matches!(project, "SEV" | "PM" | "CVE" | "UTC" | "RFC" | "ISO")
        {
            return Some(w.to_string());
        }
        if (w.starts_with("https://") || w.starts_with("http://"))
            && ["/issues/", "/browse/", "/pull/", "/tickets/", "/-/issues/", "/work_items/"]
                .iter()
                .any(|p| w.contains(p))
        {
            return Some(w.to_string());
        }
    }
    None
}

/// Whitespace collapsed, stray separators trimmed.
fn tidy(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .replace(" .", ".")
        .replace(" ,", ",")
        .trim_matches(|c: char| matches!(c, '-' | '–' | ',' | ';' | ':') || c.is_whitespace())
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_after_letters_that_lengthen_when_lowercased() {
        // "İ" is two bytes, its lowercase "i̇" three: offsets found in a lowercased copy
        // used to cut the original inside a character and panic.
        assert_eq!(status_in("Fix İstanbul DNS (done)"), (Some(ActionStatus::Done), "Fix İstanbul DNS".into()));
        assert_eq!(status_in("İİİİİİ (done) x").0, Some(ActionStatus::Done));
        assert_eq!(owner_in("Fix İstanbul DNS (owner: ayşe)"), (Some("ayşe".into()), "Fix İstanbul DNS".into()));
        assert_eq!(owner_in("İİİİ rotate keys owner: ops").0, Some("ops".into()));
        // Kelvin sign K lowercases to ASCII k: it must not be read as part of a mark.
        assert_eq!(status_in("\u{212a}(done)").0, Some(ActionStatus::Done));
    }

    #[test]
    fn kinds_from_words() {
        assert_eq!(event_kind("Reports of issues signing into the AWS web console"), EventKind::Detection);
        assert_eq!(event_kind("CloudWatch alert detects high count of 5XX"), EventKind::Detection);
        assert_eq!(event_kind("Identified that the issue was expired certificates"), EventKind::Diagnosis);
        assert_eq!(event_kind("Helm chart rollback, KIAM service restored"), EventKind::Recovery);
        assert_eq!(event_kind("CoreDNS deployment manually downgraded"), EventKind::Mitigation);
        assert_eq!(event_kind("Pods killed by the foundation team"), EventKind::Note);
        assert_eq!(event_kind("Sev 1 ticket marked as resolved"), EventKind::Recovery);
        assert_eq!(event_kind("End-users alerted us that logs weren't working as expected"), EventKind::Detection);
        assert_eq!(event_kind("User reporting back that the fix works"), EventKind::Recovery);
        let (k, rest) = kind_label("**Detection:** We received alerts").unwrap();
        assert_eq!((k, rest.as_str()), (EventKind::Detection, "We received alerts"));
        assert!(kind_label("Pipeline attempted rerun.").is_none());
    }

    #[test]
    fn severities() {
        let sev: Vec<String> = ["SEV1", "SEV2", "SEV3", "SEV4"].map(String::from).to_vec();
        assert_eq!(severity("2", &sev).as_deref(), Some("SEV2"));
        assert_eq!(severity("SEV-1", &sev).as_deref(), Some("SEV1"));
        assert_eq!(severity("Sev 3 (minor)", &sev).as_deref(), Some("SEV3"));
        assert_eq!(severity("P1", &sev).as_deref(), Some("SEV1"));
        assert_eq!(severity("high", &sev), None);
        let named: Vec<String> = ["critical", "major", "minor"].map(String::from).to_vec();
        assert_eq!(severity("Critical", &named).as_deref(), Some("critical"));
        assert_eq!(severity("SEV-2", &named).as_deref(), Some("major"));
        assert_eq!(severity_mention("manual flagging of Sev1 incident").as_deref(), Some("Sev1"));
        assert_eq!(severity_mention("Sev 1 ticket raised").as_deref(), Some("Sev 1"));
        assert_eq!(severity_mention("other severity 1 work"), None);
        assert_eq!(severity_mention("several"), None);
        assert_eq!(severity_mention("This was a P1 incident.").as_deref(), Some("P1"));
        assert_eq!(severity_mention("an m5.p1 instance"), None);
    }

    #[test]
    fn action_item_parts() {
        assert_eq!(owner_in("Add alerts @ana-b."), (Some("ana-b".into()), "Add alerts.".into()));
        assert_eq!(owner_in("Add alerts (owner: SRE team)"), (Some("SRE team".into()), "Add alerts".into()));
        assert_eq!(owner_in("Write a runbook. Owner: Jo"), (Some("Jo".into()), "Write a runbook.".into()));
        assert_eq!(owner_in("mail a@b.com").0, None);
        assert_eq!(owner_in("[dustin] finish this"), (Some("dustin".into()), "finish this".into()));
        assert_eq!(owner_in("[garndt?] AMI clarity").0, Some("garndt".into()));
        assert_eq!(owner_in("[PM2019-009](x.md) review").0, None, "a link");
        assert_eq!(owner_in("[two words] x").0, None);
        assert_eq!(owner_in("[PAY-12] describe the fix").0, None, "a ticket");
        assert_eq!(owner_in("[x] done").0, None);
        assert_eq!(status_in("Implement guards (done)"), (Some(ActionStatus::Done), "Implement guards".into()));
        assert_eq!(status_cell("In progress"), Some(ActionStatus::InProgress));
        assert_eq!(ticket_in("Fix it (PAY-1234)").as_deref(), Some("PAY-1234"));
        assert_eq!(ticket_in("see CVE-2021"), None);
        assert_eq!(
            ticket_in("see https://github.com/o/r/issues/4").as_deref(),
            Some("https://github.com/o/r/issues/4")
        );
    }
}
