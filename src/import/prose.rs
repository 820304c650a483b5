//! Timelines written as prose: each sentence that starts with a time ("At 3:12 PM UTC
//! on March 3rd, the on-call engineer was paged.", "On February 28, 2017, at 9:37 AM
//! PST, an incident began", "By 12:26 PM PST, reads were served again") becomes an
//! event, its kind guessed from its words like any other.

use super::events::RawEvent;
use super::*;

/// Words that put a time at the start of a sentence.
const LEADS: &[&str] = &[
    "at ",
    "around ",
    "by ",
    "on ",
    "shortly after ",
    "shortly before ",
    "just after ",
    "just before ",
    "soon after ",
    "starting at ",
    "beginning at ",
    "as of ",
    "from ",
    "until ",
    "approximately at ",
    "at approximately ",
    "at around ",
    "at about ",
];

/// `t` after a leading `At`/`By`/`On …` that a time or date follows; `t` otherwise.
pub(super) fn strip_lead(t: &str) -> &str {
    for lead in LEADS {
        if t.len() > lead.len()
            && t.is_char_boundary(lead.len())
            && t[..lead.len()].eq_ignore_ascii_case(lead)
            && when::when_at(&t[lead.len()..], NumericOrder::DayFirst).is_some()
        {
            return t[lead.len()..].trim_start();
        }
    }
    t
}

/// Abbreviations whose full stop does not end a sentence.
const ABBREVIATIONS: &[&str] = &["a.m", "p.m", "e.g", "i.e", "etc", "approx", "ca", "vs", "no", "mr", "ms", "dr", "st"];

/// A paragraph's sentences: (byte offset of the start, text).
fn split_sentences(p: &str) -> Vec<(usize, &str)> {
    let b = p.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in p.char_indices() {
        if !matches!(c, '.' | '!' | '?') || b.get(i + 1).is_none_or(|n| *n != b' ') {
            continue;
        }
        let next = p[i + 1..].trim_start().chars().next();
        if !next.is_some_and(|n| n.is_uppercase() || n.is_ascii_digit()) {
            continue;
        }
        let word: String = p[..i].rsplit([' ', '(']).next().unwrap_or("").to_lowercase();
        if c == '.' && (word.chars().count() == 1 || ABBREVIATIONS.contains(&word.as_str())) {
            continue;
        }
        out.push((start, p[start..=i].trim()));
        start = i + 1 + (p[i + 1..].len() - p[i + 1..].trim_start().len());
    }
    if start < p.len() {
        out.push((start, p[start..].trim()));
    }
    out.retain(|(_, s)| !s.is_empty());
    out
}

/// One sentence as an event: a lead word, a time (with a date before or after it),
/// and what happened.
fn sentence_event(s: &str, order: NumericOrder) -> Option<(When, String)> {
    let rest = strip_lead(s);
    if rest.len() == s.len() {
        return None;
    }
    let (mut w, n) = when::when_at(rest, order)?;
    w.time?;
    let mut rest = &rest[n..];
    // "… UTC on March 3rd, …", "… UTC, 2021-03-03, …"
    let after = rest.trim_start_matches([' ', ',']);
    let on = after.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("on ")).then(|| after[3..].trim_start());
    if !w.has_date()
        && let Some(d) = on.or(Some(after))
    {
        if let Some((date, n, _)) = when::date_at(d, order) {
            w.date = Some(date);
            rest = &d[n..];
        } else if let Some((m, day, n)) = when::month_day_at(d) {
            w.month_day = Some((m, day));
            rest = &d[n..];
        }
    }
    let text = plain(rest.trim_start_matches([' ', ',', ':', '-', '–', '—']).trim());
    if !text.chars().any(char::is_alphanumeric) {
        return None;
    }
    let mut chars = text.chars();
    let first = chars.next()?;
    Some((w, first.to_uppercase().chain(chars).collect()))
}

/// Events from the prose paragraphs of `lines[range]` (not tables, lists, headings,
/// code, or the lines in `skip`).
pub(super) fn sentences(
    lines: &[&str],
    code: &[bool],
    in_table: &[bool],
    range: Range<usize>,
    order: NumericOrder,
    skip: &[usize],
) -> Vec<RawEvent> {
    let mut out = Vec::new();
    let mut para: Vec<(usize, &str)> = Vec::new();
    let flush = |para: &mut Vec<(usize, &str)>, out: &mut Vec<RawEvent>| {
        if para.is_empty() {
            return;
        }
        let mut joined = String::new();
        let mut starts = Vec::new();
        for (i, l) in para.iter() {
            if !joined.is_empty() {
                joined.push(' ');
            }
            starts.push((joined.len(), *i));
            joined.push_str(l.trim());
        }
        for (at, s) in split_sentences(&joined) {
            let line = starts.iter().rev().find(|(o, _)| *o <= at).map_or(para[0].0, |(_, i)| *i);
            if let Some((when, text)) = sentence_event(s, order) {
                out.push(RawEvent { line, when, text, zone: None });
            }
        }
        para.clear();
    };
    for i in range {
        let l = lines[i];
        let prose = !code[i]
            && !in_table[i]
            && !skip.contains(&i)
            && !l.trim().is_empty()
            && text::atx_heading(l).is_none()
            && text::list_marker(l).is_none()
            && text::setext_level(l).is_none();
        if prose {
            para.push((i, l.trim_start_matches([' ', '>'])));
        } else {
            flush(&mut para, &mut out);
        }
    }
    flush(&mut para, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    type Found = (usize, String, Option<(i8, i8, i8)>, Option<String>);

    fn events(text: &str) -> Vec<Found> {
        let lines: Vec<&str> = text.lines().collect();
        let code = text::code_mask(&lines);
        let in_table = vec![false; lines.len()];
        sentences(&lines, &code, &in_table, 0..lines.len(), NumericOrder::DayFirst, &[])
            .into_iter()
            .map(|e| {
                let d = e.when.resolved_date(jiff::civil::date(2021, 1, 1)).map(|d| d.to_string());
                (e.line, e.text, e.when.time, d)
            })
            .collect()
    }

    #[test]
    fn sentences_that_start_with_a_time() {
        let got = events(
            "At 3:12 PM UTC on March 3rd, the on-call engineer was paged. Nothing else\nhappened. By 3:40 p.m. UTC the rollback was done.\n\nOn February 28, 2017, at 9:37 AM PST, an incident began.\n\n- At 14:00 a list item is not prose\n\nThe team met at 16:00 to talk.\nAround 17:05 a fix was deployed!",
        );
        assert_eq!(got.len(), 4, "{got:#?}");
        assert_eq!(got[0], (0, "The on-call engineer was paged.".into(), Some((15, 12, 0)), Some("2021-03-03".into())));
        assert_eq!((got[1].0, got[1].1.as_str(), got[1].2), (1, "The rollback was done.", Some((15, 40, 0))));
        assert_eq!(got[2].3.as_deref(), Some("2017-02-28"));
        assert_eq!(got[2].1, "An incident began.");
        assert_eq!((got[3].0, got[3].1.as_str()), (8, "A fix was deployed!"));
    }

    #[test]
    fn what_is_not_an_event() {
        assert!(events("At last, it worked. On Monday we met. By then 14:00 had passed.").is_empty());
        assert!(events("On 2021-03-03, the cache was cleared.").is_empty(), "a date without a time");
        assert!(events("At 14:02.").is_empty(), "no text after the time");
        assert_eq!(strip_lead("At 14:02 x"), "14:02 x");
        assert_eq!(strip_lead("At last"), "At last");
        assert_eq!(strip_lead("at "), "at ");
        assert_eq!(
            split_sentences("One two. Three four? five. Six"),
            vec![(0, "One two."), (9, "Three four? five."), (27, "Six")]
        );
        assert_eq!(
            split_sentences("At 9 a.m. PST it broke. E.g. this"),
            vec![(0, "At 9 a.m. PST it broke."), (24, "E.g. this")]
        );
    }
}
