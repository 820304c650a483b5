//! What needs attention, for the top of the home page: overdue action items, postmortems
//! waiting for their review, and incidents that recurred lately. Each count is a link
//! to the list behind it.

use super::Site;
use super::value::obj;
use crate::kb::KnowledgeBase;
use crate::model::Status;
use crate::routes;

/// Recurrences this many days old or newer count as recent.
pub(super) const RECENT_DAYS: i32 = 90;
/// Recent recurrences listed on the home page itself.
pub(super) const RECURRENCES_LISTED: usize = 10;

/// Postmortems in review, newest first.
pub(super) fn in_review(kb: &KnowledgeBase) -> Vec<usize> {
    kb.visible_ids().filter(|&i| kb.postmortems[i].status == Status::Review).collect()
}

/// Visible postmortems dated within `RECENT_DAYS` of the build that recur an earlier
/// incident, newest first.
pub(super) fn recent_recurrences(site: &Site) -> Vec<usize> {
    let kb = site.kb;
    let since = kb.today.saturating_sub(jiff::Span::new().days(RECENT_DAYS));
    kb.visible_ids()
        .filter(|&i| kb.postmortems[i].date >= since && kb.postmortems[i].date <= kb.today)
        .filter(|&i| kb.recurrences.nearest(i).iter().any(|r| kb.visible[r.earlier]))
        .collect()
}

/// The `attention` variable of `home.html`.
pub(super) fn view(site: &Site, rows: &super::Rows) -> tera::Value {
    let kb = site.kb;
    let overdue = site.actions.iter().filter(|r| r.overdue).count();
    let review = in_review(kb);
    let recurred = recent_recurrences(site);
    let listed: Vec<tera::Value> = recurred
        .iter()
        .take(RECURRENCES_LISTED)
        .map(|&i| {
            // The nearest earlier incident it recurs, which is listed first.
            let earlier = kb.recurrences.nearest(i).iter().find(|r| kb.visible[r.earlier]).expect("filtered on it");
            obj! {
                "incident" => rows[i].clone(),
                "earlier" => rows[earlier.earlier].clone(),
                "services" => super::value::strings(&earlier.services),
                "factors" => earlier.factors.iter().map(|f| kb.config.factors.get(f).map_or(f.as_str(), |d| d.title.as_str())).collect::<Vec<_>>(),
            }
        })
        .collect();
    obj! {
        "overdue" => overdue,
        "overdue_url" => routes::actions_filtered_url(&[("overdue", "1")]),
        "in_review" => review.len(),
        "in_review_url" => routes::IN_REVIEW_URL,
        "recurrences" => recurred.len(),
        "recurrences_days" => RECENT_DAYS,
        "recurrences_listed" => listed,
        "any" => overdue + review.len() + recurred.len() > 0,
    }
}
