//! Action items from task lists, tables and `Action items` sections.

use super::*;

pub(super) fn action_items(
    lines: &[&str],
    code: &[bool],
    in_table: &[bool],
    sections: &[Section],
    order: NumericOrder,
    (mapped, unmapped): (&mut Vec<String>, &mut Vec<String>),
) -> Vec<Item> {
    let scopes: Vec<Range<usize>> =
        sections.iter().filter(|s| s.kind == SectionKind::Actions).map(|s| s.range.clone()).collect();
    let mut items = Vec::new();
    if scopes.is_empty() {
        // No action section: task list items anywhere are action items.
        for li in text::list_items(lines, code, 0..lines.len()) {
            if let (Some(done), false) = (li.task, in_table[li.line]) {
                items.extend(item_from_text(&li.text, Some(done), order));
            }
        }
    }
    for scope in &scopes {
        for table in text::tables(lines, code, scope.clone()) {
            let owner = table.column(&["owner", "owners", "assignee", "who", "responsible", "assigned"], &[]);
            let used: Vec<usize> = owner.into_iter().collect();
            let due = table.column(&["due", "deadline", "eta", "target", "by"], &used);
            let used: Vec<usize> = used.into_iter().chain(due).collect();
            let status = table.column(&["status", "state", "done", "progress"], &used);
            let used: Vec<usize> = used.into_iter().chain(status).collect();
            let ticket = table.column(&["ticket", "issue", "jira", "link", "tracking", "bug", "pr"], &used);
            let used: Vec<usize> = used.into_iter().chain(ticket).collect();
            let title = table
                .column(
                    &["action*", "item", "task", "description", "what", "title", "follow*", "todo", "remediation"],
                    &used,
                )
                .or_else(|| (0..table.header.len()).find(|c| !used.contains(c)));
            let Some(title_col) = title else { continue };
            for (_, row) in &table.rows {
                let cell = |c: Option<usize>| c.and_then(|c| row.get(c)).map(|s| plain(s)).filter(|s| !s.is_empty());
                let Some(mut item) = cell(Some(title_col)).and_then(|t| item_from_text(&t, None, order)) else {
                    continue;
                };
                if let Some(o) = cell(owner).filter(|o| !matches!(o.to_lowercase().as_str(), "tbd" | "n/a" | "-" | "?"))
                {
                    item.owner = Some(o.trim_start_matches('@').to_string());
                }
                if let Some(d) = cell(due).and_then(|d| when::date_at(d.trim(), order).map(|(d, _, _)| d)) {
                    item.due = Some(d);
                }
                if let Some(s) = cell(status).and_then(|s| guess::status_cell(&s)) {
                    item.status = s;
                }
                if let Some(t) = cell(ticket) {
                    item.ticket = Some(t);
                }
                items.push(item);
            }
        }
        let list: Vec<text::ListItem> =
            text::list_items(lines, code, scope.clone()).into_iter().filter(|li| !in_table[li.line]).collect();
        // Top-level items only: nested ones are details of their parent.
        let Some(base) = list.iter().map(|li| li.indent).min() else {
            continue;
        };
        for li in list.iter().filter(|li| li.indent <= base + 1) {
            items.extend(item_from_text(&li.text, li.task, order));
        }
    }
    if items.is_empty() {
        if !scopes.is_empty() {
            unmapped.push("action items: the Action items section has no list or table items".into());
        }
    } else {
        let owned = items.iter().filter(|i| i.owner.is_some()).count();
        let due = items.iter().filter(|i| i.due.is_some()).count();
        mapped.push(format!("{} ({owned} with an owner, {due} with a due date)", plural(items.len(), "action item")));
        if owned < items.len() || due < items.len() {
            unmapped.push(format!(
                "action items: {} without an owner, {} without a due date (`pmsite check` lists them)",
                items.len() - owned,
                items.len() - due
            ));
        }
    }
    items
}

/// An action item from a list item or table cell, or `None` for an empty or
/// placeholder entry.
pub(super) fn item_from_text(raw: &str, task: Option<bool>, order: NumericOrder) -> Option<Item> {
    let (status, t) = guess::status_in(raw);
    let (owner, t) = guess::owner_in(&t);
    let ticket = guess::ticket_in(&t);
    let due = due_in(&t, order);
    // `**Do the thing**: why it matters` -> the bold part is the title.
    let bold_title = t.strip_prefix("**").and_then(|rest| {
        let end = rest.find("**")?;
        let title = rest[..end].trim().trim_end_matches(':').trim();
        (title.split_whitespace().count() >= 2).then(|| title.to_string())
    });
    let title = plain(&bold_title.unwrap_or(t)).trim_end_matches(':').trim().to_string();
    let lower = title.to_lowercase();
    if title.is_empty() || matches!(lower.as_str(), "tbd" | "n/a" | "none" | "-" | "..." | "…" | "todo") {
        return None;
    }
    let title = if title.chars().count() > 200 { text::shorten(&title, 160) } else { title };
    let status = status.unwrap_or(match task {
        Some(true) => ActionStatus::Done,
        _ => ActionStatus::Open,
    });
    Some(Item { title, owner, due, status, ticket })
}

/// A due date written in an action item: `due 2024-04-01`, `(due: March 4, 2024)`,
/// `by 2024-04-01`.
pub(super) fn due_in(text: &str, order: NumericOrder) -> Option<Date> {
    // `f.start` is an offset in `text`; only ASCII lowercasing keeps it valid in `lower`.
    let lower = text.to_ascii_lowercase();
    when::find_dates(text, order).into_iter().find_map(|f| {
        let before = lower[..f.start].trim_end().trim_end_matches([':', '(']).trim_end();
        (before.ends_with("due") || before.ends_with(" by") || before.ends_with("deadline")).then_some(f.date)
    })
}
