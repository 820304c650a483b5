//! Byte offsets to the 1-based line and column a diagnostic names. Its own module so that
//! every stage can place a problem without importing the stages that also do.

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// `line_col` for many offsets of one text, in any order, in linear time when they come
/// in increasing order (matches from a scan): each call continues from the last one
/// instead of counting from the top, which made 16,000 warnings in one file take minutes.
pub(crate) struct LineCols<'a> {
    text: &'a str,
    /// (offset, line, column) of the last answer.
    at: (usize, usize, usize),
}

impl<'a> LineCols<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        LineCols { text, at: (0, 1, 1) }
    }

    pub(crate) fn line_col(&mut self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let (from, mut line, mut col) = self.at;
        if offset < from || !self.text.is_char_boundary(offset) {
            return line_col(self.text, offset);
        }
        let gap = &self.text[from..offset];
        match gap.rfind('\n') {
            Some(last) => {
                line += memchr::memchr_iter(b'\n', gap.as_bytes()).count();
                col = gap[last + 1..].chars().count() + 1;
            }
            None => col += gap.chars().count(),
        }
        self.at = (offset, line, col);
        (line, col)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
    }

    #[test]
    fn line_cols_agree_with_line_col_in_any_order() {
        let text = "ab\ncé d\n\nxyz é\r\nq";
        let offsets: Vec<usize> =
            (0..=text.len() + 2).filter(|&o| o > text.len() || text.is_char_boundary(o)).collect();
        let mut forward = LineCols::new(text);
        for &o in &offsets {
            assert_eq!(forward.line_col(o), line_col(text, o), "offset {o}");
        }
        let mut backward = LineCols::new(text);
        for &o in offsets.iter().rev() {
            assert_eq!(backward.line_col(o), line_col(text, o), "offset {o}");
        }
    }
}
