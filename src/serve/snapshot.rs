//! The built site held in memory: what the server answers from.
//!
//! A snapshot is immutable once made; a rebuild makes a new one and the server swaps
//! it in whole, so a browser never sees half of one build and half of another.
//! Lookups go through a map of output paths only, so no request can reach a file that
//! the build did not produce (path traversal has nothing to traverse).

use crate::output::OutputFile;
use axum::body::Bytes;
use std::collections::{BTreeSet, HashMap};

/// One served file.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) bytes: Bytes,
    pub(crate) content_type: &'static str,
    pub(crate) hash: u64,
}

/// Output path (`incidents/x/index.html`, no leading slash) -> file.
#[derive(Debug, Default)]
pub(crate) struct SiteSnapshot {
    pub(crate) files: HashMap<String, Entry>,
}

/// What changed between two snapshots, as output paths, sorted.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Changes {
    pub(crate) paths: BTreeSet<String>,
}

impl Changes {
    pub(crate) fn is_empty(&self) -> bool {
        self.paths.is_empty()
    }
    /// True when every change is a stylesheet: the page can swap it without reloading.
    pub(crate) fn css_only(&self) -> bool {
        !self.paths.is_empty() && self.paths.iter().all(|p| p.ends_with(".css"))
    }
}

impl SiteSnapshot {
    #[cfg(test)]
    pub(crate) fn new(files: Vec<OutputFile>) -> SiteSnapshot {
        SiteSnapshot::default().next(files)
    }

    /// The snapshot of a new build. A file the build reused from the previous one shares
    /// its bytes, so its hash is taken over rather than computed again (at 10,000
    /// postmortems that is half a gigabyte not re-read on every save).
    pub(crate) fn next(&self, files: Vec<OutputFile>) -> SiteSnapshot {
        use rayon::prelude::*;
        let files = files
            .into_par_iter()
            .map(|f| {
                let reused = self
                    .files
                    .get(&f.path)
                    .filter(|old| old.bytes.as_ptr() == f.bytes.as_ptr() && old.bytes.len() == f.bytes.len());
                let entry = Entry {
                    content_type: content_type(&f.path),
                    hash: reused.map_or_else(|| xxhash_rust::xxh3::xxh3_64(&f.bytes), |old| old.hash),
                    bytes: Bytes::from_owner(SharedBytes(f.bytes)),
                };
                (f.path, entry)
            })
            .collect();
        SiteSnapshot { files }
    }

    /// Paths added, removed or whose bytes differ (by hash) from `self` to `next`.
    pub(crate) fn diff(&self, next: &SiteSnapshot) -> Changes {
        let mut paths = BTreeSet::new();
        for (p, e) in &next.files {
            if self.files.get(p).is_none_or(|old| old.hash != e.hash) {
                paths.insert(p.clone());
            }
        }
        paths.extend(self.files.keys().filter(|p| !next.files.contains_key(*p)).cloned());
        Changes { paths }
    }

    pub(crate) fn get(&self, path: &str) -> Option<&Entry> {
        self.files.get(path)
    }
}

/// What a request path resolves to.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// Serve this output path.
    File(String),
    /// A folder asked for without its trailing slash: redirect, so relative links work.
    Redirect(String),
    NotFound,
}

/// Turns a raw request path (still percent-encoded) into an output path, if the site has one.
///
/// Decoding happens once, then `.` and `..` segments are resolved without ever
/// climbing above the site root; the result is only ever used as a map key.
pub(crate) fn resolve(snapshot: &SiteSnapshot, raw_path: &str) -> Resolved {
    let Some(decoded) = percent_encoding::percent_decode_str(raw_path).decode_utf8().ok() else {
        return Resolved::NotFound;
    };
    if decoded.contains('\0') || decoded.contains('\\') {
        return Resolved::NotFound;
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in decoded.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            s => segments.push(s),
        }
    }
    let joined = segments.join("/");
    let wants_dir = decoded.ends_with('/') || joined.is_empty();
    if wants_dir {
        let index = if joined.is_empty() { "index.html".to_string() } else { format!("{joined}/index.html") };
        return if snapshot.files.contains_key(&index) { Resolved::File(index) } else { Resolved::NotFound };
    }
    if snapshot.files.contains_key(&joined) {
        return Resolved::File(joined);
    }
    if snapshot.files.contains_key(&format!("{joined}/index.html")) {
        // A Location header is ASCII: the name goes back percent-encoded.
        return Resolved::Redirect(format!("/{}/", crate::routes::encode_path(&joined)));
    }
    Resolved::NotFound
}

/// The content type for an output path, by extension.
pub(crate) fn content_type(path: &str) -> &'static str {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "xml" => "application/xml; charset=utf-8",
        "atom" => "application/atom+xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "txt" | "md" => "text/plain; charset=utf-8",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

/// A file's shared bytes as `Bytes` can own them (an `Arc<Vec<u8>>` is not `AsRef<[u8]>`).
struct SharedBytes(std::sync::Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteSnapshot {
        SiteSnapshot::new(vec![
            OutputFile::new("index.html", "home"),
            OutputFile::new("incidents/a/index.html", "a"),
            OutputFile::new("assets/style.css", "body{}"),
        ])
    }

    #[test]
    fn resolves_folders_files_and_redirects() {
        let s = site();
        assert_eq!(resolve(&s, "/"), Resolved::File("index.html".into()));
        assert_eq!(resolve(&s, "/incidents/a/"), Resolved::File("incidents/a/index.html".into()));
        assert_eq!(resolve(&s, "/incidents/a"), Resolved::Redirect("/incidents/a/".into()));
        assert_eq!(resolve(&s, "/assets/style.css"), Resolved::File("assets/style.css".into()));
        assert_eq!(resolve(&s, "/nope"), Resolved::NotFound);
    }

    #[test]
    fn names_that_need_encoding_resolve_and_redirect_encoded() {
        let s = SiteSnapshot::new(vec![OutputFile::new("incidents/a #1 ü/index.html", "a")]);
        let url = format!("/{}", crate::routes::incident_url("a #1 ü"));
        assert_eq!(resolve(&s, &url), Resolved::File("incidents/a #1 ü/index.html".into()));
        // A Location header must be ASCII, and `#` must not start a fragment.
        assert_eq!(resolve(&s, url.trim_end_matches('/')), Resolved::Redirect("/incidents/a%20%231%20%C3%BC/".into()));
    }

    #[test]
    fn traversal_stays_inside_the_site() {
        let s = site();
        assert_eq!(resolve(&s, "/../site.toml"), Resolved::NotFound);
        assert_eq!(resolve(&s, "/%2e%2e/%2e%2e/etc/passwd"), Resolved::NotFound);
        assert_eq!(resolve(&s, "/..%2f..%2fassets/style.css"), Resolved::File("assets/style.css".into()));
        assert_eq!(resolve(&s, "/a%5c..%5csite.toml"), Resolved::NotFound);
        assert_eq!(resolve(&s, "/%ff"), Resolved::NotFound);
    }

    #[test]
    fn diff_names_added_changed_and_removed() {
        let a = site();
        let b = SiteSnapshot::new(vec![
            OutputFile::new("index.html", "home"),
            OutputFile::new("incidents/b/index.html", "b"),
            OutputFile::new("assets/style.css", "body{color:red}"),
        ]);
        let c = a.diff(&b);
        let got: Vec<&str> = c.paths.iter().map(String::as_str).collect();
        assert_eq!(got, ["assets/style.css", "incidents/a/index.html", "incidents/b/index.html"]);
        assert!(!c.css_only());
        let d = SiteSnapshot::new(vec![
            OutputFile::new("index.html", "home"),
            OutputFile::new("incidents/a/index.html", "a"),
            OutputFile::new("assets/style.css", "x"),
        ]);
        assert!(a.diff(&d).css_only());
        assert!(a.diff(&site()).is_empty());
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("a/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("atom.xml"), "application/xml; charset=utf-8");
        assert_eq!(content_type("x.PNG"), "image/png");
        assert_eq!(content_type("noext"), "application/octet-stream");
    }
}
