//! Template values built directly as Tera values. The pages and fragments rendered
//! thousands of times a build (incident pages, list rows, action rows) skip building JSON
//! and converting it: strings are copied once, and lists and rows shared between pages are
//! reference-counted, so putting a row on a page does not copy it.

/// A Tera map from `"key" => value` pairs; a value is anything `tera::Value` converts from.
macro_rules! obj {
    ($($k:literal => $v:expr),* $(,)?) => {{
        let mut m = tera::Map::default();
        $( m.insert(tera::value::Key::Str($k), tera::Value::from($v)); )*
        tera::Value::from(m)
    }};
}
pub(crate) use obj;

/// Strings as a Tera list.
pub(super) fn strings(items: &[String]) -> tera::Value {
    tera::Value::from(items.iter().map(String::as_str).collect::<Vec<_>>())
}

/// Any serialisable value (free-form `extra` tables); for small, rarely used values.
pub(super) fn serialised<T: serde::Serialize + ?Sized>(v: &T) -> tera::Value {
    tera::Value::from_serializable(v)
}

/// Names with their pages' URLs, as `[{name, url}]`.
pub(super) fn named(slugs: &crate::routes::Slugs, dim: crate::routes::Dim, names: &[String]) -> tera::Value {
    names.iter().map(|n| obj! { "name" => n.as_str(), "url" => slugs.url(dim, n) }).collect::<Vec<_>>().into()
}

/// An incident's duration, as its lists show it: the time to recover.
pub(super) fn duration(f: &crate::figures::Figures) -> String {
    crate::figures::human(f.recover)
}

/// Rows of `ids`: shared with every other page that lists them, not copied.
pub(super) fn rows_of(rows: &super::Rows, ids: &[usize]) -> tera::Value {
    ids.iter().map(|&i| rows[i].clone()).collect::<Vec<_>>().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_object_renders_its_fields() {
        let v = obj! { "title" => "a <b>", "count" => 3usize, "none" => Option::<&str>::None, "list" => strings(&["x".into(), "y".into()]) };
        let mut ctx = tera::Context::new();
        ctx.insert_value("v", v);
        let out =
            tera::Tera::one_off("{{ v.title }}|{{ v.count }}|{{ v.none }}|{{ v.list | join(sep=',') }}", &ctx, true);
        assert_eq!(out.unwrap(), "a &lt;b&gt;|3||x,y");
    }
}
