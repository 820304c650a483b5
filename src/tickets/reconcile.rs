//! The file's view of an action item and the tracker's, side by side: which one a report
//! judges by, and where they disagree.

use super::snapshot::{Entry, State, TicketState, Tickets};
use crate::model::{ActionItem, ActionStatus};
use jiff::civil::Date;
use serde::Serialize;

/// How the file and the tracker disagree, the most important first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Drift {
    /// Open or in progress in the postmortem, closed in the tracker.
    OpenHereClosedThere,
    /// Done or won't-do in the postmortem, still open in the tracker.
    DoneHereOpenThere,
    OwnerDiffers,
    DueDiffers,
}

impl Drift {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Drift::OpenHereClosedThere => "open_here_closed_there",
            Drift::DoneHereOpenThere => "done_here_open_there",
            Drift::OwnerDiffers => "owner_differs",
            Drift::DueDiffers => "due_differs",
        }
    }
    /// For a reader of the site.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Drift::OpenHereClosedThere => "open here, closed in the tracker",
            Drift::DoneHereOpenThere => "closed here, open in the tracker",
            Drift::OwnerDiffers => "the tracker has another assignee",
            Drift::DueDiffers => "the tracker has another due date",
        }
    }
}

/// Which view a judgement (overdue, done, days to complete) was made from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Source {
    File,
    Tracker,
}

impl Source {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Source::File => "file",
            Source::Tracker => "tracker",
        }
    }
}

/// An action item as reports judge it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Reconciled<'a> {
    pub(crate) status: ActionStatus,
    pub(crate) completed: Option<Date>,
    pub(crate) due: Option<Date>,
    pub(crate) source: Source,
    /// The ticket's key and the snapshot's entry, when the tracker answered for it.
    pub(crate) tracker: Option<(&'a str, &'a Entry, &'a TicketState)>,
    pub(crate) drift: Option<Drift>,
}

impl Reconciled<'_> {
    pub(crate) fn is_overdue(&self, today: Date) -> bool {
        !self.status.is_closed() && self.due.is_some_and(|d| d < today)
    }
}

fn same_person(owner: &str, assignee: &str) -> bool {
    owner.trim().eq_ignore_ascii_case(assignee.trim())
}

/// The tracker decides open or closed when it knows the ticket (it is where the work is
/// followed); the file decides otherwise, and for the finer status (in progress, won't do).
pub(crate) fn reconcile<'a>(
    item: &ActionItem,
    tickets: Option<&'a Tickets>,
    trackers: &[super::config::Tracker],
) -> Reconciled<'a> {
    let file = Reconciled {
        status: item.status,
        completed: item.completed,
        due: item.due,
        source: Source::File,
        tracker: None,
        drift: None,
    };
    let Some(tickets) = tickets else { return file };
    let Some(ticket) = item.ticket.as_deref() else { return file };
    let Some((_, r)) = super::refs::resolve(ticket, trackers) else { return file };
    let key = r.key();
    let Some((key, entry, state)) = tickets
        .snapshot
        .tickets
        .get_key_value(&key)
        .and_then(|(k, e)| e.last_known.as_ref().map(|s| (k.as_str(), e, s)))
    else {
        return file;
    };
    let (status, completed, state_drift) = match (state.state, item.status.is_closed()) {
        (State::Closed, true) => (item.status, item.completed.or(state.closed), None),
        (State::Closed, false) => (ActionStatus::Done, state.closed, Some(Drift::OpenHereClosedThere)),
        (State::Open, true) => (ActionStatus::Open, None, Some(Drift::DoneHereOpenThere)),
        (State::Open, false) => (item.status, None, None),
    };
    let owner_drift = match (&item.owner, &state.assignee) {
        (Some(o), Some(a)) if !same_person(o, a) => Some(Drift::OwnerDiffers),
        _ => None,
    };
    let due_drift = match (item.due, state.due) {
        (Some(a), Some(b)) if a != b => Some(Drift::DueDiffers),
        _ => None,
    };
    Reconciled {
        status,
        completed,
        due: item.due.or(state.due),
        source: Source::Tracker,
        tracker: Some((key, entry, state)),
        drift: state_drift.or(owner_drift).or(due_drift),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tickets::config::{Kind, Tracker};
    use crate::tickets::snapshot::Snapshot;

    fn setup(state: State, assignee: Option<&str>, due: Option<&str>) -> (Tickets, Vec<Tracker>) {
        let config = vec![Tracker {
            kind: Kind::Jira,
            url: "https://j.example".into(),
            api: "https://j.example".into(),
            token_env: None,
            email_env: None,
            owns: vec!["PAY".into()],
        }];
        let mut snapshot = Snapshot::default();
        snapshot.tickets.insert(
            "PAY-1".into(),
            Entry {
                tracker: "https://j.example".into(),
                url: "https://j.example/browse/PAY-1".into(),
                last_known: Some(TicketState {
                    state,
                    status: "x".into(),
                    closed: (state == State::Closed).then(|| "2024-02-03".parse().unwrap()),
                    assignee: assignee.map(String::from),
                    due: due.map(|d| d.parse().unwrap()),
                }),
                seen: None,
                etag: None,
                failure: None,
            },
        );
        (Tickets { snapshot, hash: 0, path: "t.json".into() }, config)
    }

    fn item(status: ActionStatus, ticket: &str) -> ActionItem {
        ActionItem {
            title: "t".into(),
            owner: Some("Ana".into()),
            due: Some("2024-01-10".parse().unwrap()),
            status,
            kind: None,
            outcome: None,
            ticket: Some(ticket.into()),
            completed: None,
            line: 1,
            ticket_at: (1, 1, 1),
        }
    }

    #[test]
    fn the_tracker_decides_open_or_closed() {
        let today: Date = "2024-06-01".parse().unwrap();
        let (t, c) = setup(State::Closed, Some("ana"), None);
        let r = reconcile(&item(ActionStatus::Open, "PAY-1"), Some(&t), &c);
        assert_eq!(
            (r.status, r.source, r.drift),
            (ActionStatus::Done, Source::Tracker, Some(Drift::OpenHereClosedThere))
        );
        assert_eq!(r.completed, Some("2024-02-03".parse().unwrap()));
        assert!(!r.is_overdue(today), "closed in the tracker is not overdue");
        let (t, c) = setup(State::Open, Some("Bo"), Some("2024-03-01"));
        let r = reconcile(&item(ActionStatus::Done, "PAY-1"), Some(&t), &c);
        assert_eq!((r.status, r.drift), (ActionStatus::Open, Some(Drift::DoneHereOpenThere)));
        assert!(r.is_overdue(today), "done here but open there, past its due date");
        let r = reconcile(&item(ActionStatus::InProgress, "PAY-1"), Some(&t), &c);
        assert_eq!((r.status, r.drift), (ActionStatus::InProgress, Some(Drift::OwnerDiffers)));
        let (t, c) = setup(State::Open, None, Some("2024-03-01"));
        assert_eq!(reconcile(&item(ActionStatus::Open, "PAY-1"), Some(&t), &c).drift, Some(Drift::DueDiffers));
        let r = reconcile(&item(ActionStatus::Open, "PAY-2"), Some(&t), &c);
        assert_eq!((r.source, r.tracker.is_none()), (Source::File, true), "a ticket the snapshot lacks");
        let r = reconcile(&item(ActionStatus::Open, "PAY-1"), None, &c);
        assert_eq!(r.source, Source::File);
    }
}
