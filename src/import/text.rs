//! The Markdown shapes postmortems use, read line by line: headings, GFM tables,
//! list items, `Key: value` lines, and inline markup reduced to plain text.
//!
//! A line reader instead of a CommonMark event stream, because the importer needs the
//! raw cells of a table (in any column order, with or without outer pipes, sometimes
//! missing the trailing one) and the exact lines things came from; a full parser would
//! give it rendered fragments.

/// Which lines are inside fenced code blocks or HTML comments (never read as
/// structure: templates keep their example timelines in `<!-- … -->`).
pub(super) fn code_mask(lines: &[&str]) -> Vec<bool> {
    let mut mask = Vec::with_capacity(lines.len());
    let mut fence: Option<(char, usize)> = None;
    let mut comment = false;
    for line in lines {
        let t = line.trim_start();
        if fence.is_none() && (comment || t.starts_with("<!--")) {
            let after_open = if comment { t } else { &t[4..] };
            comment = !after_open.contains("-->");
            mask.push(true);
            continue;
        }
        let marker = t.chars().next().filter(|c| *c == '`' || *c == '~');
        let run = marker.map_or(0, |c| t.chars().take_while(|x| *x == c).count());
        match fence {
            Some((c, n)) => {
                mask.push(true);
                if marker == Some(c) && run >= n && t[run..].trim().is_empty() {
                    fence = None;
                }
            }
            None if run >= 3 => {
                mask.push(true);
                fence = Some((marker.unwrap_or('`'), run));
            }
            None => mask.push(false),
        }
    }
    mask
}

/// An ATX heading: (level, text without the `#`s).
pub(super) fn atx_heading(line: &str) -> Option<(usize, &str)> {
    let t = line.trim_start();
    if line.len() - t.len() > 3 {
        return None;
    }
    let level = t.chars().take_while(|c| *c == '#').count();
    if level == 0 || level > 6 {
        return None;
    }
    let rest = &t[level..];
    if !rest.is_empty() && !rest.starts_with([' ', '\t']) {
        return None;
    }
    Some((level, rest.trim().trim_end_matches('#').trim()))
}

/// A setext underline (`===` or `---` under a paragraph line): its level.
pub(super) fn setext_level(line: &str) -> Option<usize> {
    let t = line.trim();
    if t.len() >= 2 && t.chars().all(|c| c == '=') {
        Some(1)
    } else if t.len() >= 2 && t.chars().all(|c| c == '-') {
        Some(2)
    } else {
        None
    }
}

/// A heading in the document.
#[derive(Debug, Clone)]
pub(super) struct Heading {
    pub(crate) line: usize,
    /// Lines the heading takes (2 for setext).
    pub(crate) lines: usize,
    pub(crate) level: usize,
    pub(crate) text: String,
}

pub(super) fn headings(lines: &[&str], code: &[bool]) -> Vec<Heading> {
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if code[i] {
            continue;
        }
        if let Some((level, text)) = atx_heading(line) {
            out.push(Heading { line: i, lines: 1, level, text: plain(text) });
        } else if i + 1 < lines.len()
            && !code[i + 1]
            && !line.trim().is_empty()
            && !is_table_line(line)
            && list_marker(line).is_none()
            && let Some(level) = setext_level(lines[i + 1])
            && (i == 0 || lines[i - 1].trim().is_empty())
        {
            out.push(Heading { line: i, lines: 2, level, text: plain(line) });
        }
    }
    out
}

fn is_table_line(line: &str) -> bool {
    line.trim_start().starts_with('|')
}

/// A GFM delimiter row: `| :--- | ---: |` or `--- | ---`.
pub(super) fn is_delimiter_row(line: &str) -> bool {
    let t = line.trim();
    t.contains('-')
        && t.contains('|')
        && t.chars().all(|c| matches!(c, '|' | '-' | ':' | ' ' | '\t'))
        && split_row(t).iter().all(|c| !c.is_empty() && c.chars().all(|c| matches!(c, '-' | ':')))
}

/// The cells of a table row, trimmed; outer pipes optional, `\|` kept as a pipe.
pub(super) fn split_row(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") { &t[..t.len() - 1] } else { t };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = t.chars().peekable();
    let mut in_code = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '`' => {
                in_code = !in_code;
                cell.push(c);
            }
            '|' if !in_code => cells.push(std::mem::take(&mut cell)),
            _ => cell.push(c),
        }
    }
    cells.push(cell);
    cells.into_iter().map(|c| c.trim().to_string()).collect()
}

/// A table: its header cells and body rows (with their line numbers).
#[derive(Debug, Clone)]
pub(super) struct Table {
    pub(crate) header_line: usize,
    pub(crate) header: Vec<String>,
    pub(crate) rows: Vec<(usize, Vec<String>)>,
}

impl Table {
    /// The first column whose header contains one of `words` (lowercase), not in `not`.
    pub(super) fn column(&self, words: &[&str], not: &[usize]) -> Option<usize> {
        self.header.iter().enumerate().position(|(i, h)| {
            let h = h.to_lowercase();
            !not.contains(&i) && words.iter().any(|w| has_word(&h, w))
        })
    }
}

/// Tables whose header row is in `range`.
pub(super) fn tables(lines: &[&str], code: &[bool], range: std::ops::Range<usize>) -> Vec<Table> {
    let mut out = Vec::new();
    let mut i = range.start;
    while i + 1 < range.end {
        if !code[i] && lines[i].contains('|') && !code[i + 1] && is_delimiter_row(lines[i + 1]) {
            let header = split_row(lines[i]);
            let mut rows = Vec::new();
            let mut j = i + 2;
            while j < range.end && !code[j] && lines[j].contains('|') && !lines[j].trim().is_empty() {
                rows.push((j, split_row(lines[j])));
                j += 1;
            }
            out.push(Table { header_line: i, header, rows });
            i = j;
        } else {
            i += 1;
        }
    }
    out
}

/// Lines that belong to a table (header, delimiter, rows) in `range`.
pub(super) fn table_lines(lines: &[&str], code: &[bool], range: std::ops::Range<usize>) -> Vec<bool> {
    let mut mask = vec![false; lines.len()];
    for t in tables(lines, code, range) {
        mask[t.header_line] = true;
        mask[t.header_line + 1] = true;
        for (l, _) in &t.rows {
            mask[*l] = true;
        }
    }
    mask
}

/// A list marker at the start of `line`: (indent, bytes up to the item text).
pub(super) fn list_marker(line: &str) -> Option<(usize, usize)> {
    let t = line.trim_start();
    let indent = line.len() - t.len();
    let b = t.as_bytes();
    let n = if matches!(b.first(), Some(b'-' | b'*' | b'+')) {
        1
    } else {
        let d = b.iter().take_while(|c| c.is_ascii_digit()).count();
        if d == 0 || d > 3 || !matches!(b.get(d), Some(b'.' | b')')) {
            return None;
        }
        d + 1
    };
    match b.get(n) {
        Some(b' ' | b'\t') => Some((indent, indent + n + 1)),
        None => Some((indent, indent + n)),
        _ => None,
    }
}

/// One list item (its first line).
#[derive(Debug, Clone)]
pub(super) struct ListItem {
    pub(crate) line: usize,
    pub(crate) indent: usize,
    /// The text after the marker (and after a task box).
    pub(crate) text: String,
    /// `Some(done)` for a task list item `- [ ]` / `- [x]`.
    pub(crate) task: Option<bool>,
}

pub(super) fn list_items(lines: &[&str], code: &[bool], range: std::ops::Range<usize>) -> Vec<ListItem> {
    let mut out = Vec::new();
    for i in range {
        if code[i] {
            continue;
        }
        let Some((indent, start)) = list_marker(lines[i]) else {
            continue;
        };
        let mut text = lines[i][start..].trim();
        let mut task = None;
        for (box_, done) in [("[ ]", false), ("[x]", true), ("[X]", true)] {
            if let Some(rest) = text.strip_prefix(box_) {
                task = Some(done);
                text = rest.trim();
            }
        }
        out.push(ListItem { line: i, indent, text: text.to_string(), task });
    }
    out
}

pub(super) use crate::words::has_word;

/// Inline Markdown reduced to plain text: emphasis markers, links (kept as their text),
/// images, footnote references, HTML tags and common entities removed; whitespace
/// collapsed. Code spans keep their backticks (they mark names worth keeping).
pub(super) fn plain(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let chars: Vec<char> = s.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '`' => {
                // Copy a code span verbatim.
                let close = chars[i + 1..].iter().position(|&x| x == '`');
                match close {
                    Some(n) => {
                        out.extend(&chars[i..i + n + 2]);
                        i += n + 2;
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '*' | '_' if c == '*' || is_emphasis_underscore(&chars, i) => {
                i += 1;
            }
            '!' if chars.get(i + 1) == Some(&'[') => {
                // An image: drop it (alt text is rarely part of the sentence).
                if let Some(end) = link_end(&chars, i + 1) {
                    i = end;
                } else {
                    i += 1;
                }
            }
            '[' if chars.get(i + 1) == Some(&'^') => {
                // A footnote reference: [^1]
                match chars[i..].iter().position(|&x| x == ']') {
                    Some(n) => i += n + 1,
                    None => i += 1,
                }
            }
            '[' => {
                // [text](url) or [text][ref]: keep the text.
                let close = matching(&chars, i, '[', ']');
                match close {
                    Some(close) if matches!(chars.get(close + 1), Some('(') | Some('[')) => {
                        let inner: String = chars[i + 1..close].iter().collect();
                        out.push_str(&plain(&inner));
                        let (open, shut) = if chars[close + 1] == '(' { ('(', ')') } else { ('[', ']') };
                        i = matching(&chars, close + 1, open, shut).map_or(close + 1, |e| e + 1);
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '<' => {
                // <br>, <b>, </span>: a tag becomes a space; autolinks <https://…> keep their URL.
                let close = chars[i..].iter().position(|&x| x == '>');
                match close {
                    Some(n) if n > 1 && (chars[i + 1].is_ascii_alphabetic() || chars[i + 1] == '/') => {
                        let inner: String = chars[i + 1..i + n].iter().collect();
                        if inner.contains("://") || inner.starts_with("mailto:") {
                            out.push_str(&inner);
                        } else {
                            out.push(' ');
                        }
                        i += n + 1;
                    }
                    _ => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '&' => {
                let rest: String = chars[i..chars.len().min(i + 8)].iter().collect();
                let entity =
                    [("&amp;", '&'), ("&lt;", '<'), ("&gt;", '>'), ("&quot;", '"'), ("&#39;", '\''), ("&nbsp;", ' ')]
                        .into_iter()
                        .find(|(e, _)| rest.starts_with(e));
                match entity {
                    Some((e, ch)) => {
                        out.push(ch);
                        i += e.len();
                    }
                    None => {
                        out.push(c);
                        i += 1;
                    }
                }
            }
            '\\' if chars.get(i + 1).is_some_and(|x| x.is_ascii_punctuation()) => {
                out.push(chars[i + 1]);
                i += 2;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An underscore that opens or closes emphasis (not one inside a word like snake_case).
fn is_emphasis_underscore(chars: &[char], i: usize) -> bool {
    let before = i.checked_sub(1).map(|j| chars[j]);
    let after = chars.get(i + 1).copied();
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    !(word(before) && word(after))
}

fn matching(chars: &[char], open_at: usize, open: char, close: char) -> Option<usize> {
    let mut depth = 0;
    for (j, &c) in chars.iter().enumerate().skip(open_at) {
        if c == open {
            depth += 1;
        } else if c == close {
            depth -= 1;
            if depth == 0 {
                return Some(j);
            }
        }
    }
    None
}

/// The index after `[alt](url)` starting at `[`.
fn link_end(chars: &[char], open_at: usize) -> Option<usize> {
    let close = matching(chars, open_at, '[', ']')?;
    if chars.get(close + 1) == Some(&'(') {
        matching(chars, close + 1, '(', ')').map(|e| e + 1)
    } else {
        Some(close + 1)
    }
}

/// A `Key: value` line (`Severity: 2`, `- **Services**: a, b`, `**Owner:** x`):
/// (key in lowercase, value as plain text).
pub(super) fn key_value(line: &str) -> Option<(String, String)> {
    let t = match list_marker(line) {
        Some((_, start)) => &line[start..],
        None => line,
    };
    let t = t.trim();
    let colon = t.find(':')?;
    let key = plain(&t[..colon]);
    let mut value = t[colon + 1..].trim();
    // `**Key:** value` leaves the closing `**` after the colon.
    value = value.trim_start_matches(['*', '_']).trim();
    let key = key.trim().trim_matches(['*', '_']).trim().to_lowercase();
    if key.is_empty()
        || key.len() > 40
        || !key.starts_with(|c: char| c.is_alphabetic())
        || key.split_whitespace().count() > 4
    {
        return None;
    }
    Some((key, plain(value)))
}

/// The first paragraph of `lines[range]` that is prose (not a heading, table, list,
/// code, or `Key: value` line), as plain text.
pub(super) fn first_paragraph(lines: &[&str], code: &[bool], range: std::ops::Range<usize>) -> Option<String> {
    let mut para: Vec<&str> = Vec::new();
    for i in range {
        let l = lines[i];
        let prose = !code[i]
            && !l.trim().is_empty()
            && atx_heading(l).is_none()
            && !l.contains('|')
            && list_marker(l).is_none()
            && setext_level(l).is_none()
            && !l.trim_start().starts_with('>');
        if prose {
            if para.is_empty() && key_value(l).is_some_and(|(_, v)| v.is_empty()) {
                continue; // a label line like "**What happened?**:"
            }
            para.push(l);
        } else if !para.is_empty() {
            break;
        }
    }
    let text = plain(&para.join(" "));
    (!text.is_empty()).then_some(text)
}

/// At most about `max` characters, cut after a whole sentence when possible.
pub(super) fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut end = 0;
    for (i, _) in text.match_indices(". ") {
        if text[..i].chars().count() + 1 > max {
            break;
        }
        end = i + 1;
    }
    if end > 0 {
        return text[..end].to_string();
    }
    let cut: String = text.chars().take(max).collect();
    let cut = cut.rfind(' ').map_or(cut.as_str(), |i| &cut[..i]).to_string();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text() {
        assert_eq!(plain("**Detection:** We got [alerts](http://x) &amp; more[^1]"), "Detection: We got alerts & more");
        assert_eq!(plain("a<br>b `x_y` snake_case _em_"), "a b `x_y` snake_case em");
        assert_eq!(plain("see <https://example.com>"), "see https://example.com");
    }

    #[test]
    fn rows_and_tables() {
        assert_eq!(split_row("| a | b \\| c | `x|y` |"), vec!["a", "b | c", "`x|y`"]);
        assert_eq!(split_row("| a | b"), vec!["a", "b"]);
        assert!(is_delimiter_row("| :--- | ---: |"));
        assert!(is_delimiter_row("---|---"));
        assert!(!is_delimiter_row("---"));
        let lines = ["x", "| Time | Event |", "|---|---|", "| 1 | a |", "| 2 | b", "", "after"];
        let t = tables(&lines, &[false; 7], 0..7);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].rows.len(), 2);
        assert_eq!(t[0].column(&["event"], &[]), Some(1));
    }

    #[test]
    fn lists_and_keys() {
        let lines = ["- [ ] do it @ana", "  - sub", "1. first", "-", "not a list"];
        let items = list_items(&lines, &[false; 5], 0..5);
        assert_eq!(items.len(), 4);
        assert_eq!(items[0].task, Some(false));
        assert_eq!(items[0].text, "do it @ana");
        assert_eq!(items[1].indent, 2);
        assert_eq!(items[3].text, "");
        assert_eq!(key_value("- **Severity**: SEV-2"), Some(("severity".into(), "SEV-2".into())));
        assert_eq!(key_value("**Owner:** Ana"), Some(("owner".into(), "Ana".into())));
        assert_eq!(key_value("14:02 UTC: x"), None);
        assert!(has_word("we were alerted", "alert*"));
        assert!(!has_word("foundation", "found"));
    }

    #[test]
    fn headings_and_code() {
        let lines = ["Title", "=====", "", "```", "# not a heading", "```", "## Real #"];
        let code = code_mask(&lines);
        let h = headings(&lines, &code);
        assert_eq!(h.len(), 2);
        assert_eq!((h[0].level, h[0].text.as_str(), h[0].lines), (1, "Title", 2));
        assert_eq!(h[1].text, "Real");
    }

    #[test]
    fn shortening() {
        assert_eq!(shorten("One. Two. Three.", 10), "One. Two.");
        assert_eq!(shorten("short", 10), "short");
    }
}
