//! The tracker's side of an action item, as templates see it (`a.tracker`).

use super::value::obj;
use crate::actions::Tracked;

/// The tracker column of a row: its state, the link, and the drift in words. Only
/// `http(s)` links are made links: the snapshot is a file anyone can edit.
pub(super) fn view(t: &Tracked) -> tera::Value {
    let v = t.tracker.as_ref();
    let safe_url = v.map(|v| v.url).filter(|u| crate::safe_url::http_url_problem(u).is_none());
    obj! {
        "known" => v.is_some(),
        "ticket" => v.map(|v| v.ticket),
        "state" => v.map(|v| v.state),
        "status" => v.map(|v| v.status),
        "closed" => v.and_then(|v| v.closed).map(|d| d.to_string()),
        "assignee" => v.and_then(|v| v.assignee),
        "due" => v.and_then(|v| v.due).map(|d| d.to_string()),
        "url" => safe_url,
        "seen" => v.and_then(|v| v.seen).map(|s| s.strftime("%Y-%m-%d").to_string()),
        "drift" => t.drift.map(|d| d.as_str()),
        "drift_text" => t.drift.map(|d| d.describe()),
        "source" => t.status_source.as_str(),
    }
}
