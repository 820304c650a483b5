//! Text from a knowledge base made fit for a terminal.
//!
//! Titles, owners, messages and source lines are written by anyone who can open a pull
//! request. Printed raw, an escape sequence in a title can recolour, retitle or clear a
//! reviewer's terminal, and a right-to-left override can make a line read differently
//! from what it says. Human and table output pass such text through `safe`; JSON and CSV
//! stay data (JSON escapes controls itself).

use std::borrow::Cow;

/// Control characters (C0, DEL, C1) and the invisible bidirectional controls.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `s` with every unsafe character written as a visible escape (`\u{1b}`, `\n`), so a
/// reader sees that it is there and what it is.
pub fn safe(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_visible(&mut out, c);
    }
    Cow::Owned(out)
}

/// `safe` for a report of many lines: its own line breaks stay, every other unsafe
/// character (from the files it quotes) becomes an escape.
pub fn safe_lines(s: &str) -> String {
    s.split('\n').map(safe).collect::<Vec<_>>().join("\n")
}

/// `safe`, cut to at most `max` characters of `s` with an ellipsis: one message may
/// quote a whole line of a file, and that line may be a megabyte.
pub(crate) fn safe_short(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => safe(s),
        Some((cut, _)) => Cow::Owned(format!("{}…", safe(&s[..cut]))),
    }
}

fn push_visible(out: &mut String, c: char) {
    if is_unsafe(c) {
        out.extend(c.escape_debug());
    } else {
        out.push(c);
    }
}

/// Characters of a long line shown before the column a diagnostic points at.
const BEFORE: usize = 40;
/// Characters of a line shown in all; a longer line is shown as a window of this many.
const SHOWN: usize = 120;

/// Part of one source line, safe to print, with where its caret goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Excerpt {
    pub(crate) text: String,
    /// Characters of `text` before the caret.
    pub(crate) caret_at: usize,
    /// Carets to print (at least 1).
    pub(crate) carets: usize,
}

/// A file's text with its line starts, for showing many diagnostics in one pass. Every
/// lookup used to scan from the top of the file and every column from the start of its
/// line, so 64,000 warnings in a 1.8 MB file cost minutes: lines are indexed once, and a
/// cursor remembers how far into the current line the last excerpt began (diagnostics
/// come sorted by line and column, so it only moves forward).
pub(crate) struct SourceView<'a> {
    text: &'a str,
    starts: Vec<usize>,
    /// (line, characters, bytes) into that line where the last window began.
    cursor: (usize, usize, usize),
}

impl<'a> SourceView<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        let starts = std::iter::once(0).chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1)).collect();
        SourceView { text, starts, cursor: (0, 0, 0) }
    }

    /// Line `n` (1-based) as `str::lines` gives it: without `\n` or `\r\n`.
    pub(crate) fn line(&self, n: usize) -> Option<&'a str> {
        let start = *self.starts.get(n.checked_sub(1)?)?;
        if start == self.text.len() && n > 1 || self.text.is_empty() {
            return None;
        }
        let end = self.starts.get(n).map_or(self.text.len(), |next| next - 1);
        let line = &self.text[start..end];
        Some(line.strip_suffix('\r').unwrap_or(line))
    }

    /// A window of line `n` around character column `col` (1-based), with `width`
    /// characters underlined. Tabs show as one space, unsafe characters as escapes.
    pub(crate) fn excerpt(&mut self, n: usize, col: usize, width: usize) -> Option<Excerpt> {
        let line = self.line(n)?;
        let col = col.max(1) - 1;
        // A line that fits is shown whole; `nth` looks at no more than SHOWN characters.
        let fits = line.len() <= SHOWN || line.chars().nth(SHOWN).is_none();
        let first = if fits || col <= BEFORE { 0 } else { col - BEFORE };
        let (cur_line, mut chars, mut byte) = self.cursor;
        if cur_line != n || chars > first {
            (chars, byte) = (0, 0);
        }
        let mut rest = line[byte..].chars();
        while chars < first {
            let Some(c) = rest.next() else { break };
            chars += 1;
            byte += c.len_utf8();
        }
        self.cursor = (n, chars, byte);

        let mut text = String::new();
        let mut shown = 0; // characters of `text`
        if chars > 0 {
            text.push('…');
            shown += 1;
        }
        let (mut caret_at, mut carets) = (None, 0);
        let mut piece = String::new();
        for (i, c) in line[byte..].chars().enumerate() {
            let at = chars + i;
            if i == SHOWN {
                text.push('…');
                break;
            }
            piece.clear();
            if c == '\t' {
                piece.push(' ')
            } else {
                push_visible(&mut piece, c)
            }
            let len = piece.chars().count();
            if at == col {
                caret_at = Some(shown);
            }
            if at >= col && at < col + width.max(1) {
                carets += len;
            }
            text.push_str(&piece);
            shown += len;
        }
        Some(Excerpt { caret_at: caret_at.unwrap_or(shown), carets: carets.max(1), text })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_become_visible_escapes() {
        assert_eq!(safe("plain ünïcödé"), Cow::Borrowed("plain ünïcödé"));
        assert_eq!(safe("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(safe("x\ny\u{7}\u{9b}"), "x\\ny\\u{7}\\u{9b}");
        assert_eq!(safe("\u{202e}evil"), "\\u{202e}evil");
        assert_eq!(safe_short("abcdef", 3), "abc…");
        assert_eq!(safe_short("ab\u{1b}", 3), "ab\\u{1b}");
        assert_eq!(safe_lines("one \u{1b}[2J\ntwo\n"), "one \\u{1b}[2J\ntwo\n");
    }

    #[test]
    fn lines_match_str_lines() {
        for text in ["", "a", "a\n", "a\r\nb", "a\n\nb\n", "\n", "x\ny\r\n"] {
            let v = SourceView::new(text);
            let want: Vec<&str> = text.lines().collect();
            let got: Vec<&str> = (1..=want.len() + 2).filter_map(|n| v.line(n)).collect();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(v.line(0), None);
        }
    }

    #[test]
    fn short_lines_are_shown_whole() {
        let mid = format!("{}x", " ".repeat(100));
        assert_eq!(SourceView::new(&mid).excerpt(1, 101, 1).unwrap().text, mid);
        let mut v = SourceView::new("---\nfactors: [retry-strom]\n");
        let e = v.excerpt(2, 11, 11).unwrap();
        assert_eq!(e, Excerpt { text: "factors: [retry-strom]".into(), caret_at: 10, carets: 11 });
        // Past the end of the line: one caret after it.
        let e = v.excerpt(1, 9, 1).unwrap();
        assert_eq!((e.caret_at, e.carets), (3, 1));
    }

    #[test]
    fn long_lines_are_shown_as_a_window_around_the_column() {
        let line = format!("{}human error{}", "a ".repeat(250_000), " b".repeat(250_000));
        let mut v = SourceView::new(&line);
        let e = v.excerpt(1, 500_001, 11).unwrap();
        assert!(e.text.chars().count() <= SHOWN + 2, "{}", e.text.len());
        assert!(e.text.starts_with('…') && e.text.ends_with('…'));
        let under: String = e.text.chars().skip(e.caret_at).take(e.carets).collect();
        assert_eq!(under, "human error");
    }

    #[test]
    fn escapes_move_the_caret_with_them() {
        let mut v = SourceView::new("a\u{1b}b\tc");
        let e = v.excerpt(1, 3, 3).unwrap();
        assert_eq!(e.text, "a\\u{1b}b c");
        assert_eq!((e.caret_at, e.carets), (7, 3));
    }

    #[test]
    fn many_excerpts_of_one_long_line_cost_linear_work() {
        // 50,000 excerpts of a 1 MB line: quadratic scanning would be 25 billion steps.
        let line = "It was human error. ".repeat(50_000);
        let mut v = SourceView::new(&line);
        let started = std::time::Instant::now();
        for i in 0..50_000 {
            let e = v.excerpt(1, i * 20 + 8, 11).unwrap();
            assert!(e.text.len() < 400);
        }
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
    }
}
