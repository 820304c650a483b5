//! Pagination of lists that grow with the corpus: which rows a page shows, and the
//! `paginator` templates get to link its pages.

use super::value::obj;
use crate::routes;
use std::ops::Range;

/// Page `current` (from 1) of a list of `rows` rows, `per_page` to a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Paging {
    pub(crate) current: u32,
    pub(crate) total: u32,
    pub(crate) per_page: usize,
    pub(crate) rows: usize,
}

/// Pages linked by number on either side of the current one; the first and last are
/// always linked too, so any page is at most a few clicks away.
const WINDOW: u32 = 2;

impl Paging {
    /// How many pages `rows` rows take: an empty list still has its one page.
    pub(crate) fn count(rows: usize, per_page: usize) -> u32 {
        let per_page = per_page.max(1);
        u32::try_from(rows.div_ceil(per_page).max(1)).unwrap_or(u32::MAX)
    }

    pub(crate) fn new(current: u32, rows: usize, per_page: usize) -> Paging {
        let per_page = per_page.max(1);
        let total = Paging::count(rows, per_page);
        Paging { current: current.clamp(1, total), total, per_page, rows }
    }

    /// The rows this page shows, as a range of the whole list.
    pub(crate) fn range(&self) -> Range<usize> {
        let start = (self.current as usize - 1).saturating_mul(self.per_page).min(self.rows);
        start..(start.saturating_add(self.per_page)).min(self.rows)
    }

    pub(crate) fn slice<'a, T>(&self, items: &'a [T]) -> &'a [T] {
        &items[self.range()]
    }

    /// The `paginator` of docs/templates.md. URLs are root-relative, like every URL a
    /// view gives templates; `first` is the output path of the list's first page.
    pub(crate) fn view(&self, first: &str) -> tera::Value {
        let url = |n: u32| routes::url(&routes::list_page(first, n));
        let mut pages = Vec::new();
        let mut last_linked = 0;
        for n in 1..=self.total {
            let near = n.abs_diff(self.current) <= WINDOW;
            if n == 1 || n == self.total || near {
                if n > last_linked + 1 {
                    pages.push(obj! { "gap" => true });
                }
                pages.push(obj! { "number" => n, "url" => url(n), "current" => n == self.current, "gap" => false });
                last_linked = n;
            }
        }
        let range = self.range();
        obj! {
            "current" => self.current,
            "total" => self.total,
            "per_page" => self.per_page,
            "rows" => self.rows,
            "first_row" => range.start + 1,
            "last_row" => range.end,
            "first" => url(1),
            "previous" => (self.current > 1).then(|| url(self.current - 1)),
            "next" => (self.current < self.total).then(|| url(self.current + 1)),
            "pages" => pages,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(v: tera::Value) -> serde_json::Value {
        serde_json::to_value(v).unwrap()
    }

    #[test]
    fn pages_cover_every_row_once() {
        for rows in [0usize, 1, 99, 100, 101, 250, 1000] {
            let total = Paging::count(rows, 100);
            let mut seen = 0;
            for n in 1..=total {
                let p = Paging::new(n, rows, 100);
                assert_eq!(p.range().start, seen, "{rows} rows, page {n}");
                assert!(p.range().len() <= 100);
                assert!(rows == 0 || !p.range().is_empty(), "no empty page after the first: {rows}, {n}");
                seen = p.range().end;
            }
            assert_eq!(seen, rows);
        }
        assert_eq!(Paging::count(0, 100), 1, "an empty list has its page");
        assert_eq!(Paging::new(9, 150, 100).current, 2, "out of range is clamped");
    }

    #[test]
    fn paginator_links_neighbours_ends_and_gaps() {
        let v = json(Paging::new(6, 1000, 100).view("severities/sev3/index.html"));
        assert_eq!(v["previous"], "severities/sev3/page/5/");
        assert_eq!(v["next"], "severities/sev3/page/7/");
        assert_eq!(v["first"], "severities/sev3/");
        let shown: Vec<String> = v["pages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| if p["gap"] == true { "…".into() } else { p["number"].to_string() })
            .collect();
        assert_eq!(shown, ["1", "…", "4", "5", "6", "7", "8", "…", "10"]);
        assert_eq!((v["first_row"].as_u64(), v["last_row"].as_u64()), (Some(501), Some(600)));
        let one = json(Paging::new(1, 3, 100).view("actions/index.html"));
        assert_eq!((one["total"].as_u64(), one["previous"].is_null(), one["next"].is_null()), (Some(1), true, true));
    }
}
