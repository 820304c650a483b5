//! Which names may become a file or folder in the output: the one rule `check` applies to
//! content/ and static/ paths and to front matter values that become URL segments, and
//! that writing applies again as a last line of defence. Pure, with no dependencies, so
//! every caller answers alike.

/// Longest segment accepted, in bytes. File systems allow 255; the margin leaves room
/// for the suffixes pmsite adds (`-2` for a slug taken twice, a staging suffix).
pub(crate) const MAX_SEGMENT_BYTES: usize = 200;

/// Prefix of pmsite's own bookkeeping files in the output folder.
pub(crate) const RESERVED_PREFIX: &str = ".pmsite-";

/// Why one path segment (a file or folder name) cannot be written or recorded safely;
/// None when it can.
pub(crate) fn segment_problem(seg: &str) -> Option<&'static str> {
    if seg.is_empty() {
        return Some("an empty name");
    }
    if seg == "." || seg == ".." {
        return Some("`.` and `..` name no file of their own");
    }
    if seg.len() > MAX_SEGMENT_BYTES {
        return Some("longer than 200 bytes, too long for a file name");
    }
    if seg.contains('\n') || seg.contains('\r') {
        return Some("a line break in the name");
    }
    // C0, DEL and C1: a manifest records one name a line, and terminals act on them.
    if seg.chars().any(char::is_control) {
        return Some("a control character in the name");
    }
    if seg.contains('\\') {
        return Some("a backslash in the name (a folder separator on Windows)");
    }
    if seg.contains('/') {
        return Some("a `/` in the name");
    }
    if seg.starts_with(RESERVED_PREFIX) {
        return Some("names starting with `.pmsite-` are reserved for pmsite's bookkeeping");
    }
    None
}

/// Why a `/`-separated relative path cannot be written or recorded safely; None when
/// every segment can.
pub(crate) fn path_problem(rel: &str) -> Option<&'static str> {
    if rel.is_empty() {
        return Some("an empty path");
    }
    if rel.starts_with('/') {
        return Some("an absolute path");
    }
    rel.split('/').find_map(segment_problem)
}

/// A URL- and file-safe slug: lowercase ASCII words joined by dashes.
pub(crate) fn slugify(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars().flat_map(char::to_lowercase) {
        let c = fold_accent(c);
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

fn fold_accent(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => 'a',
        'ç' => 'c',
        'è' | 'é' | 'ê' | 'ë' => 'e',
        'ì' | 'í' | 'î' | 'ï' => 'i',
        'ñ' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => 'o',
        'ù' | 'ú' | 'û' | 'ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_names_are_fine() {
        for ok in ["index.html", "graph.png", "2024-03-12-pool-exhaustion", "café", "a b", "#x?%", ".well-known"] {
            assert_eq!(segment_problem(ok), None, "{ok}");
        }
        assert_eq!(path_problem("files/2024/graph.png"), None);
        assert_eq!(segment_problem(&"a".repeat(200)), None);
    }

    #[test]
    fn every_kind_of_bad_segment_has_a_reason() {
        let long = "é".repeat(101); // 202 bytes, 101 characters: bytes are what count
        for bad in [
            "",
            ".",
            "..",
            long.as_str(),
            "a\nb",
            "a\rb",
            "a\0b",
            "tab\there",
            "del\u{7f}",
            "c1\u{85}",
            "c1\u{9b}",
            "a\\b",
            "a/b",
            ".pmsite-output",
        ] {
            assert!(segment_problem(bad).is_some(), "{bad:?}");
        }
    }

    #[test]
    fn paths_are_checked_segment_by_segment() {
        assert!(path_problem("").is_some());
        assert!(path_problem("/etc/passwd").is_some());
        assert!(path_problem("a//b").is_some());
        assert!(path_problem("a/./b").is_some());
        assert!(path_problem("a/../b").is_some());
        assert!(path_problem("a/").is_some());
        assert!(path_problem("static/x\ny.txt").unwrap().contains("line break"));
        assert!(path_problem(".pmsite-new/x").is_some());
        assert_eq!(path_problem("a/.pmsite/b"), None, "only the prefix with a dash is reserved");
    }
}
