//! The output folder's bookkeeping: which files pmsite wrote, with their hashes and the
//! stamp each had right after writing. It lives in the folder, so it is read as hostile
//! input: every line is checked, a line that is not understood is ignored (its file is
//! then never deleted), and paths are percent-encoded so that no file name can forge a
//! line.

use percent_encoding::{AsciiSet, CONTROLS, percent_decode_str, utf8_percent_encode};
use std::collections::HashMap;
use std::path::Path;

const HEADER: &str = "pmsite output manifest v2";
const V1_HEADER: &str = "pmsite output manifest v1";
/// The one word after the header that marks a journal: a build stopped while this was
/// the manifest may have left any of the recorded hashes at a path.
const JOURNAL: &str = "journal";
/// No real site comes near this; a larger file is not read.
const MAX_BYTES: u64 = 512 << 20;

/// Bytes that may not appear raw in a recorded path: line breaks could forge lines,
/// `%` is the escape itself, space separates fields.
const ENCODE: &AsciiSet = &CONTROLS.add(b' ').add(b'%');

/// What identifies a file's current version without reading it: ctime changes on
/// every write or rename and cannot be set by hand, so a matching stamp means the
/// bytes are the ones recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Stamp {
    len: u64,
    ino: u64,
    ctime: i64,
    ctime_ns: i64,
}

impl Stamp {
    #[cfg(unix)]
    pub(super) fn of(m: &std::fs::Metadata) -> Stamp {
        use std::os::unix::fs::MetadataExt;
        Stamp { len: m.len(), ino: m.ino(), ctime: m.ctime(), ctime_ns: m.ctime_nsec() }
    }

    /// Elsewhere there is no ctime: a stamp never matches and files are compared by bytes.
    #[cfg(not(unix))]
    pub(super) fn of(m: &std::fs::Metadata) -> Stamp {
        Stamp { len: m.len(), ino: 0, ctime: -1, ctime_ns: -1 }
    }

    fn to_text(self) -> String {
        format!("{}.{}.{}.{}", self.len, self.ino, self.ctime, self.ctime_ns)
    }

    fn parse(s: &str) -> Option<Option<Stamp>> {
        if s == "-" {
            return Some(None);
        }
        let mut it = s.split('.');
        let stamp = Stamp {
            len: it.next()?.parse().ok()?,
            ino: it.next()?.parse().ok()?,
            ctime: it.next()?.parse().ok()?,
            ctime_ns: it.next()?.parse().ok()?,
        };
        it.next().is_none().then_some(Some(stamp))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// xxh3 of every content pmsite may have left at the path; one, unless a journal.
    pub(super) hashes: Vec<u64>,
    pub(super) stamp: Option<Stamp>,
}

impl Entry {
    pub(super) fn new(hash: u64, stamp: Option<Stamp>) -> Entry {
        Entry { hashes: vec![hash], stamp }
    }
}

#[derive(Debug, Clone, Default)]
pub(super) struct Manifest {
    pub(super) entries: HashMap<String, Entry>,
    /// Lines that were not understood and were left out.
    pub(super) ignored_lines: usize,
    /// Written whole by a build that finished, in this version: nothing to rewrite.
    pub(super) clean: bool,
    journal: bool,
}

impl Manifest {
    pub(super) fn of(entries: impl Iterator<Item = (String, Entry)>) -> Manifest {
        Manifest { entries: entries.collect(), ignored_lines: 0, clean: true, journal: false }
    }

    pub(super) fn dirty(entries: HashMap<String, Entry>) -> Manifest {
        Manifest { entries, ignored_lines: 0, clean: false, journal: true }
    }

    /// None when there is no manifest, or the file there is not one pmsite wrote.
    pub(super) fn read(path: &Path) -> Option<Manifest> {
        let meta = std::fs::symlink_metadata(path).ok()?;
        if !meta.is_file() || meta.len() > MAX_BYTES {
            return None;
        }
        let bytes = std::fs::read(path).ok()?;
        Manifest::parse(&String::from_utf8_lossy(&bytes))
    }

    fn parse(text: &str) -> Option<Manifest> {
        let mut lines = text.split('\n');
        let header = lines.next()?;
        let v1 = header.starts_with(V1_HEADER);
        if !v1 && !header.starts_with(HEADER) {
            return None;
        }
        let journal = !v1 && header[HEADER.len()..].trim_start().starts_with(JOURNAL);
        let mut m = Manifest { journal, ..Manifest::default() };
        for line in lines.filter(|l| !l.is_empty()) {
            let parsed = if v1 { parse_v1(line) } else { parse_v2(line) };
            match parsed {
                Some((path, entry)) if super::is_safe(&path) && !m.entries.contains_key(&path) => {
                    m.entries.insert(path, entry);
                }
                _ => m.ignored_lines += 1,
            }
        }
        m.clean = !v1 && !journal && m.ignored_lines == 0;
        Some(m)
    }

    pub(super) fn to_text(&self) -> String {
        let mut paths: Vec<&String> = self.entries.keys().collect();
        paths.sort_unstable();
        let mut s = String::with_capacity(64 + paths.len() * 96);
        s.push_str(HEADER);
        if self.journal {
            s.push(' ');
            s.push_str(JOURNAL);
        }
        s.push_str(": the files `pmsite build` wrote here; do not edit\n");
        for p in paths {
            let e = &self.entries[p];
            let hashes: Vec<String> = e.hashes.iter().map(|h| format!("{h:016x}")).collect();
            let stamp = e.stamp.map_or_else(|| "-".to_string(), Stamp::to_text);
            s.push_str(&format!("{} {stamp} {}\n", hashes.join(","), utf8_percent_encode(p, ENCODE)));
        }
        s
    }
}

fn parse_hash(h: &str) -> Option<u64> {
    (h.len() == 16).then(|| u64::from_str_radix(h, 16).ok()).flatten()
}

fn parse_v2(line: &str) -> Option<(String, Entry)> {
    let mut parts = line.split(' ');
    let (hashes, stamp, path) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let hashes: Vec<u64> = hashes.split(',').map(parse_hash).collect::<Option<_>>()?;
    let path = percent_decode_str(path).decode_utf8().ok()?.into_owned();
    Some((path, Entry { hashes, stamp: Stamp::parse(stamp)? }))
}

/// The first version wrote paths raw; kept readable so that upgrading pmsite does not
/// make a folder "not ours". Its paths are checked like any other.
fn parse_v1(line: &str) -> Option<(String, Entry)> {
    let mut parts = line.splitn(3, ' ');
    let (h, size, path) = (parts.next()?, parts.next()?, parts.next()?);
    size.parse::<u64>().ok()?;
    Some((path.to_string(), Entry::new(parse_hash(h)?, None)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(h: u64) -> Entry {
        Entry::new(h, None)
    }

    #[test]
    fn round_trips_hostile_names() {
        let names = ["a b/index.html", "100%.html", "x\ny", "tab\there", "ünï/çødé.html", "a%0A../b"];
        let m = Manifest::of(names.iter().map(|n| (n.to_string(), entry(7))));
        let text = m.to_text();
        assert_eq!(text.lines().count(), names.len() + 1, "one line per file, whatever its name:\n{text}");
        let back = Manifest::parse(&text).unwrap();
        // A control character can never be an output path, so that line is refused on read.
        for n in names {
            assert_eq!(back.entries.contains_key(n), super::super::is_safe(n), "{n}");
        }
    }

    #[test]
    fn lines_that_leave_the_folder_are_ignored() {
        let text = format!(
            "{HEADER}: x\n{h} - ok.html\n{h} - ../outside\n{h} - /etc/passwd\n{h} - a/../../b\n{h} - %2E%2E/x\n{h} - a%5Cb\nnonsense\n{h} - .pmsite-output\n",
            h = "00000000000000ff"
        );
        let m = Manifest::parse(&text).unwrap();
        assert_eq!(m.entries.keys().collect::<Vec<_>>(), ["ok.html"]);
        assert_eq!(m.ignored_lines, 7);
        assert!(!m.clean, "a manifest with foreign lines is rewritten");
    }

    #[test]
    fn a_foreign_file_is_not_a_manifest() {
        assert!(Manifest::parse("hello\n").is_none());
        assert!(Manifest::parse("").is_none());
    }

    #[test]
    fn version_one_is_read_and_checked() {
        let m = Manifest::parse(&format!("{V1_HEADER}: x\n00000000000000ff 3 a b.html\n00000000000000ff 3 ../x\n"))
            .unwrap();
        assert_eq!(m.entries.keys().collect::<Vec<_>>(), ["a b.html"]);
        assert!(!m.clean);
    }

    #[test]
    fn journals_keep_every_hash() {
        let mut e = entry(1);
        e.hashes.push(2);
        let j = Manifest::dirty([("p.html".to_string(), e.clone())].into_iter().collect());
        let back = Manifest::parse(&j.to_text()).unwrap();
        assert_eq!(back.entries["p.html"], e);
        assert!(!back.clean);
    }
}
