//! CSV that a spreadsheet opens as data: RFC 4180 quoting, and OWASP's advice against
//! formula injection. The one writer behind `api/actions.csv` and `pmsite actions
//! --format csv`; docs/api.md states the rule a reader undoes.

/// Characters that make a spreadsheet read a cell as a formula (or, for tab and
/// carriage return, shift it so the next character does).
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a value gets one extra leading `'`: it starts with a formula character after
/// any leading `'`s. Counting those `'`s makes the rule reversible: a value that already
/// begins `'=` is written `''=`, and a plain `'note` is left alone.
fn neutralised(value: &str) -> bool {
    value.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// One cell, quoted when it holds a separator (`,` or, for locales that use it, `;`), a
/// quote, a tab or a line break, or was neutralised.
pub(crate) fn push_cell(out: &mut String, value: &str) {
    let guard = neutralised(value);
    if guard || value.contains([',', ';', '"', '\t', '\n', '\r']) {
        out.push('"');
        if guard {
            out.push('\'');
        }
        out.push_str(&value.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(value);
    }
}

/// A record of cells with its CRLF line end.
pub(crate) fn record<S: AsRef<str>>(cells: &[S]) -> String {
    let mut line = String::new();
    for (i, c) in cells.iter().enumerate() {
        if i > 0 {
            line.push(',');
        }
        push_cell(&mut line, c.as_ref());
    }
    line.push_str("\r\n");
    line
}

/// The value a cell stands for, once a CSV reader has unquoted it: the reader's half
/// of the rule.
pub fn value_of(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if neutralised(rest) => rest,
        _ => cell,
    }
}

/// Records as RFC 4180 reads them (cells unquoted, still neutralised: `value_of` undoes
/// that), for tests and scripts that check what was written.
pub fn read(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// An RFC 4180 reader, as a spreadsheet or `csv` module has.

    #[test]
    fn formula_cells_are_neutralised_and_quoted() {
        let line = record(&["=1+1", "+x", "-2", "@SUM(A1)", "\tx", "\rx", "plain", "'=q", "'note", "a;b"]);
        assert_eq!(line, "\"'=1+1\",\"'+x\",\"'-2\",\"'@SUM(A1)\",\"'\tx\",\"'\rx\",plain,\"''=q\",'note,\"a;b\"\r\n");
    }

    proptest! {
        #[test]
        fn every_value_round_trips_and_no_cell_starts_a_formula(
            values in proptest::collection::vec("(['=+@\\t\\r\"',;-]|\\PC){0,8}", 1..6)
        ) {
            let rows = read(&record(&values));
            prop_assert_eq!(rows.len(), 1);
            let back: Vec<&str> = rows[0].iter().map(|c| value_of(c)).collect();
            prop_assert_eq!(&back, &values);
            for cell in &rows[0] {
                prop_assert!(!cell.starts_with(FORMULA_START), "{:?}", cell);
            }
        }
    }
}
