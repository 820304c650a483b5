//! What `pmsite build` remembers between runs, in `.pmsite/cache/`: the digest of every
//! input of the last successful build (so a build with nothing changed only checks the
//! output folder), and what the incremental session reuses (rendered bodies, fragments,
//! page fingerprints; see `incremental`).
//!
//! The file is only ever a hint. It starts with a magic string, pmsite's version and a
//! checksum of the rest; a file that is truncated, corrupt, foreign or from another
//! version is ignored with one note and the build does all its work. Nothing in it is
//! trusted about the output folder either: a page is kept only when the folder's
//! manifest shows the file untouched since pmsite wrote exactly the bytes recorded here.

use crate::diagnostics::{Code, Diagnostic, Level};
use crate::markdown::RenderedBody;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;

mod parsed;
mod parts;

/// One postmortem's or action item's fragments, by kind (`None` where none was made).
pub type Frags = Vec<Option<Arc<str>>>;
pub use parts::read_parts;

/// One file's parse as a build made it, with the content hash it was made from.
#[derive(Debug, Clone)]
pub struct ParsedFile {
    /// Relative to the root, `/`-separated (as in `InputFile::path`).
    pub path: String,
    /// The content hash `hash_inputs` gave the bytes that were parsed.
    pub hash: u64,
    /// The parse itself, as `load` made it.
    pub result: crate::load::FileParse,
}

impl Inputs {
    fn by_path(&self) -> std::collections::HashMap<&str, &InputFile> {
        self.files.iter().map(|f| (f.path.as_str(), f)).collect()
    }
}

/// The stored parses still true of the files as `inputs` found them, as the parse cache
/// takes them: only a file whose stamp `hash_inputs` kept (not one written in the last
/// moments) and whose content hash is the one parsed.
pub fn reusable_parses(
    inputs: &Inputs,
    parsed: Vec<ParsedFile>,
) -> Vec<(PathBuf, u64, std::time::SystemTime, crate::load::FileParse)> {
    let current = inputs.by_path();
    parsed
        .into_iter()
        .filter_map(|p| {
            let f = current.get(p.path.as_str())?;
            let (len, mtime, _, _) = f.stamp;
            let modified = modified_at(mtime)?;
            (f.hash == p.hash && f.stamp != (0, 0, 0, 0)).then(|| (PathBuf::from(&p.path), len, modified, p.result))
        })
        .collect()
}

/// The parses of this build worth keeping: those of files read with the stamp
/// `hash_inputs` saw, so that the bytes parsed are the bytes hashed.
pub fn parses_to_keep<'a>(
    inputs: &Inputs,
    parses: impl Iterator<Item = (&'a PathBuf, u64, Option<std::time::SystemTime>, &'a crate::load::FileParse)>,
) -> Vec<ParsedFile> {
    let current = inputs.by_path();
    parses
        .filter_map(|(path, len, modified, result)| {
            let path = path.to_string_lossy().replace('\\', "/");
            let f = current.get(path.as_str())?;
            let seen = f.stamp != (0, 0, 0, 0) && f.stamp.0 == len && modified_at(f.stamp.1) == modified;
            seen.then(|| ParsedFile { path, hash: f.hash, result: result.clone() })
        })
        .collect()
}

fn modified_at(mtime_ns: i64) -> Option<std::time::SystemTime> {
    let ns = u64::try_from(mtime_ns).ok()?;
    Some(std::time::UNIX_EPOCH + std::time::Duration::from_nanos(ns))
}

/// `State::parsed_with` for a build with this site.toml text and edition.
pub fn parsed_with(config_text: Option<&str>, edition: crate::edition::Edition) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(format!("{edition:?}").as_bytes());
    h.update(&[config_text.is_some() as u8]);
    h.update(config_text.unwrap_or("").as_bytes());
    h.digest()
}

/// The cache folder, relative to the knowledge base root.
pub const DIR: &str = ".pmsite/cache";
const FILE: &str = "build.bin";
const MAGIC: &[u8; 12] = b"pmsite-cache";
/// Bumped whenever `Stored` changes shape, so an old file is ignored rather than misread.
const FORMAT: u32 = 3;

/// One build's memory.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stored {
    /// What the build read, to tell the next build what changed.
    pub inputs: Inputs,
    /// What the build reported, to report again when nothing changed.
    pub report: Report,
    /// What the incremental session reuses.
    pub state: State,
}

/// Every input file's content hash, with the stamp it had when hashed (so an untouched
/// file is not read again), and the digest of all of them with the build's options.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Inputs {
    /// All files' hashes and the build's options in one value: equal means nothing changed.
    pub digest: u64,
    /// Sorted by path.
    pub files: Vec<InputFile>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
/// One input file as the last build saw it.
pub struct InputFile {
    /// Relative to the root, `/`-separated.
    pub path: String,
    /// (length, mtime ns, ctime ns, inode); all 0 when not to be trusted (see `hash_inputs`).
    pub stamp: (u64, i64, i64, u64),
    /// xxh3 of the file's bytes; 0 when it could not be read.
    pub hash: u64,
}

/// What the build reported, to report again when nothing changed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Report {
    /// Visible postmortems built.
    pub postmortems: usize,
    /// HTML pages in the site.
    pub pages: usize,
    /// Every file in the site, pages included.
    pub files: usize,
    /// The one-line remarks the build printed.
    pub notes: Vec<String>,
    /// Every diagnostic, in the order printed.
    pub diagnostics: Vec<StoredDiagnostic>,
}

/// A `Diagnostic` with every field (the JSON report leaves out the underline width).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredDiagnostic {
    error: bool,
    code: String,
    file: String,
    line: usize,
    column: usize,
    width: usize,
    message: String,
    suggestion: Option<String>,
}

impl StoredDiagnostic {
    /// The stored form of `d`.
    pub fn of(d: &Diagnostic) -> StoredDiagnostic {
        StoredDiagnostic {
            error: d.level == Level::Error,
            code: d.code.as_str().to_string(),
            file: d.file.to_string_lossy().into_owned(),
            line: d.line,
            column: d.column,
            width: d.width,
            message: d.message.clone(),
            suggestion: d.suggestion.clone(),
        }
    }

    /// None for a code this version does not know (the whole cache is then ignored).
    pub fn to_diagnostic(&self) -> Option<Diagnostic> {
        let code = *Code::ALL.iter().find(|c| c.as_str() == self.code)?;
        let level = if self.error { Level::Error } else { Level::Warning };
        let mut d =
            Diagnostic::new(level, code, PathBuf::from(&self.file), self.line, self.column, self.message.clone());
        d.width = self.width;
        d.suggestion = self.suggestion.clone();
        Some(d)
    }
}

/// What the incremental session reuses: keyed by postmortem id and output path, and
/// valid only for a build with the same global hash (see `incremental`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The global hash: site.toml, theme, options, tickets, slug exceptions.
    pub structure: u64,
    /// Every visible postmortem's list fields.
    pub membership: u64,
    /// Postmortem id -> content hash.
    pub hashes: Vec<(String, u64)>,
    /// Shared with the build that made them, so storing them copies no text. These
    /// three are stored in parts (`parts`), not in the index file.
    #[serde(skip)]
    pub bodies: Vec<(String, Arc<RenderedBody>)>,
    #[serde(skip)]
    /// Postmortem id -> its fragments (`PmFragment` order).
    pub pm_frags: Vec<(String, Frags)>,
    /// Postmortem id -> hash of the ids that refer to it (its API object lists them).
    pub refs: Vec<(String, u64)>,
    #[serde(skip)]
    /// Postmortem id -> per action item (by position), its fragments.
    pub action_frags: Vec<(String, Vec<Frags>)>,
    /// The key of each part file as the index expects it (`parts::key`); 0 for none.
    pub parts: Vec<u64>,
    /// Every file's parse, stored in the parts too.
    #[serde(skip)]
    pub parsed: Vec<ParsedFile>,
    /// What the parses were made with (site.toml's text and the edition); they are
    /// used only by a build with the same.
    pub parsed_with: u64,
    /// Output path, page fingerprint, hash of the bytes written.
    pub pages: Vec<(String, u64, u64)>,
    /// Every other file of the site (feeds, search index, assets) and its hash.
    pub others: Vec<(String, u64)>,
    /// The postmortems `/patterns/` showed, by position, while the membership is the same.
    pub patterns_shown: Option<Vec<usize>>,
    /// Postmortems whose dates came from file times, not commits: their stamps are
    /// inputs too (see `digest_with_file_times`).
    pub file_times: Vec<String>,
}

/// Why a cache file was not used, for the one note a build prints.
fn unusable(path: &Path, why: &str) -> String {
    format!("{}: {why}; building without it", crate::diagnostics::display_path(path))
}

/// The cache index's path under `root`.
pub fn path(root: &Path) -> PathBuf {
    root.join(DIR).join(FILE)
}

/// The stored cache, or None (with a note when a file was there but unusable).
pub fn read(root: &Path) -> (Option<Stored>, Option<String>) {
    let path = path(root);
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
        Err(e) => return (None, Some(unusable(&path, &format!("cannot be read ({e})")))),
    };
    match decode(&bytes) {
        Ok(s) => (Some(s), None),
        Err(why) => (None, Some(unusable(&path, why))),
    }
}

fn header() -> Vec<u8> {
    let mut h = MAGIC.to_vec();
    h.extend(FORMAT.to_le_bytes());
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    h.push(version.len() as u8);
    h.extend(version);
    h
}

fn decode(bytes: &[u8]) -> Result<Stored, &'static str> {
    let stored: Stored = decode_value(bytes)?;
    if stored.report.diagnostics.iter().any(|d| d.to_diagnostic().is_none()) {
        return Err("names diagnostics this version does not know");
    }
    Ok(stored)
}

/// A value from one of the cache's files: header, checksum, then the compressed value.
fn decode_value<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, &'static str> {
    let header = header();
    if !bytes.starts_with(MAGIC) {
        return Err("is not a pmsite cache");
    }
    if !bytes.starts_with(&header) {
        return Err("was written by another version of pmsite");
    }
    let rest = &bytes[header.len()..];
    if rest.len() < 8 {
        return Err("is truncated");
    }
    let (sum, payload) = rest.split_at(8);
    if u64::from_le_bytes(sum.try_into().unwrap_or_default()) != xxhash_rust::xxh3::xxh3_64(payload) {
        return Err("is truncated or corrupt (its checksum does not match)");
    }
    // Decoded as it is decompressed: the whole uncompressed payload (ten times the file,
    // 300 MB at 10,000 postmortems) is never in memory beside what is decoded from it.
    let reader = std::io::BufReader::with_capacity(1 << 16, lz4_flex::frame::FrameDecoder::new(payload));
    bincode::deserialize_from(reader).map_err(|_| "is corrupt (cannot be decoded)")
}

fn encode(stored: &Stored) -> Vec<u8> {
    encode_value(stored)
}

/// The reverse of `decode_value`; empty if the value cannot be encoded.
fn encode_value<T: Serialize>(value: &T) -> Vec<u8> {
    // Compressed as it is encoded, for the same reason `decode_value` decodes as it reads.
    let mut out = header();
    let start = out.len();
    out.extend([0; 8]);
    let mut frame = lz4_flex::frame::FrameEncoder::new(out);
    let written = bincode::serialize_into(&mut frame, value).is_ok();
    let mut out = frame.finish().unwrap_or_default();
    if !written || out.len() < start + 8 {
        return Vec::new();
    }
    let sum = xxhash_rust::xxh3::xxh3_64(&out[start + 8..]);
    out[start..start + 8].copy_from_slice(&sum.to_le_bytes());
    out
}

/// Writes `bytes` to `dir/name` atomically (a temporary file renamed over the old one),
/// so a build killed while writing leaves the old file or none, never half of one.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    if bytes.is_empty() {
        return Err(std::io::Error::other("its contents could not be encoded"));
    }
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    crate::output::fault_point_cache();
    std::fs::rename(&tmp, dir.join(name)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

/// Writes the cache: first the parts whose postmortems changed since `previous` (the
/// parts the cache that was read had; `None` writes every part), then the index. A build
/// killed part-way leaves parts the old index does not name, which are ignored.
pub fn write(root: &Path, mut stored: Stored, previous: Option<&[u64]>) -> std::io::Result<()> {
    let dir = prepare_dir(root)?;
    stored.state.parts = parts::write(&dir, &stored.state, previous)?;
    // What the parts hold is `#[serde(skip)]` in `State`: the index encodes without it.
    write_atomically(&dir, FILE, &encode(&stored))
}

/// Writes only the index (`stored` as read, its parts untouched on disk).
pub fn write_index(root: &Path, stored: &Stored) -> std::io::Result<()> {
    let dir = prepare_dir(root)?;
    write_atomically(&dir, FILE, &encode(stored))
}

/// The cache folder, emptied of what a killed build left (never read, so only removed).
fn prepare_dir(root: &Path) -> std::io::Result<PathBuf> {
    let dir = root.join(DIR);
    std::fs::create_dir_all(&dir)?;
    for e in std::fs::read_dir(&dir)?.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(dir)
}

/// Hashes every input of a build: site.toml, the tracker snapshot, content/, static/ and
/// themes/ (all of them:
/// a file no build reads only costs a hash), reusing the last hash of a file whose stamp
/// is unchanged. The digest also covers `extra` (the options and git HEAD).
pub fn hash_inputs(root: &Path, previous: Option<&Inputs>, extra: u64) -> Inputs {
    use rayon::prelude::*;
    use std::collections::HashMap;
    let known: HashMap<&str, &InputFile> = previous.map(Inputs::by_path).unwrap_or_default();
    // The root's `.gitignore` decides which postmortems load (`crate::walk`).
    let mut paths: Vec<PathBuf> = vec![PathBuf::from(crate::config::FILE), PathBuf::from(".gitignore")];
    // The tracker snapshot (`pmsite sync` writes it): the default place and the one
    // site.toml names, read here without the rest of the config.
    paths.push(PathBuf::from(crate::tickets::config::DEFAULT_SNAPSHOT));
    let named = std::fs::read_to_string(root.join(crate::config::FILE))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("tickets").and_then(|v| v.as_str()).map(PathBuf::from));
    paths.extend(named);
    // Every `[[sources]]` folder is an input as much as content/ is; a commit in a source
    // repository of its own changes the history its pages show.
    let sources = crate::load::load_config(root).0.sources;
    let others: Vec<&crate::sources::Source> =
        sources.iter().filter(|s| s.path != Path::new(crate::sources::CONTENT)).collect();
    // The branch too: edit links name it when site.toml does not.
    let heads: Vec<Option<String>> = others
        .iter()
        .map(|s| {
            let dir = root.join(&s.path);
            let branch = crate::history::current_branch(&dir);
            crate::history::head(&dir).map(|h| format!("{h} {}", branch.as_deref().unwrap_or("-")))
        })
        .collect();
    let dirs = ["content", "static", "themes"].map(|d| (PathBuf::from(d), false));
    for (dir, source) in dirs.into_iter().chain(others.iter().map(|s| (s.path.clone(), true))) {
        // A source's `.git` (a checkout's whole object store) is not an input; its
        // `.gitignore` files are.
        let walk = walkdir::WalkDir::new(root.join(dir))
            .sort_by_file_name()
            .into_iter()
            .filter_entry(move |e| {
                let name = e.file_name().to_string_lossy();
                !source || e.depth() == 0 || name == ".gitignore" || !name.starts_with('.')
            })
            .flatten();
        paths.extend(
            walk.filter(|e| !e.file_type().is_dir())
                .map(|e| e.path().strip_prefix(root).unwrap_or(e.path()).to_path_buf()),
        );
    }
    let racy_after = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i64 - 2_000_000_000);
    let files: Vec<InputFile> = paths
        .par_iter()
        .map(|rel| {
            let path = rel.to_string_lossy().replace('\\', "/");
            let stamp = stamp(&root.join(rel));
            let hash = match known.get(path.as_str()) {
                Some(f) if stamp.is_some_and(|s| s == f.stamp) => f.hash,
                // Unreadable (or a symlink to nowhere): its error is the build's to report.
                _ => std::fs::read(root.join(rel)).map_or(0, |b| xxhash_rust::xxh3::xxh3_64(&b)),
            };
            // A file written in the last moments may be written again within the same
            // clock tick, leaving its stamp as it was (git's "racy clean" case): such a
            // stamp is not kept, so the next build reads the file again.
            let stamp = stamp.filter(|s| s.1 < racy_after).unwrap_or_default();
            InputFile { path, stamp, hash }
        })
        .collect();
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&extra.to_le_bytes());
    for head in &heads {
        h.update(head.as_deref().unwrap_or("-").as_bytes());
        h.update(&[0]);
    }
    for f in &files {
        h.update(f.path.as_bytes());
        h.update(&[0]);
        h.update(&f.hash.to_le_bytes());
    }
    Inputs { digest: h.digest(), files }
}

/// `inputs.digest`, plus the stamps of the files whose history comes from file times
/// (they change a page without changing a byte of the file).
pub fn digest_with_file_times(inputs: &Inputs, file_times: &[String]) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.update(&inputs.digest.to_le_bytes());
    let wanted: std::collections::HashSet<&str> = file_times.iter().map(String::as_str).collect();
    for f in inputs.files.iter().filter(|f| wanted.contains(f.path.as_str())) {
        h.update(f.path.as_bytes());
        h.update(&[0]);
        h.update(&format!("{:?}", f.stamp).into_bytes());
    }
    h.digest()
}

/// (length, mtime, ctime, inode): what changes when a file is written or replaced.
fn stamp(path: &Path) -> Option<(u64, i64, i64, u64)> {
    let m = std::fs::symlink_metadata(path).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        Some((m.len(), m.mtime() * 1_000_000_000 + m.mtime_nsec(), m.ctime() * 1_000_000_000 + m.ctime_nsec(), m.ino()))
    }
    // Elsewhere a stamp never matches, and every file is read.
    #[cfg(not(unix))]
    {
        let _ = m;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Stored {
        let mut s = Stored::default();
        s.state.structure = 7;
        s.state.pages.push(("index.html".into(), 1, 2));
        s.report.diagnostics.push(StoredDiagnostic::of(
            &Diagnostic::warning(Code::ActionNoOwner, "content/a.md", 3, 5, "no owner").with_width(4),
        ));
        s
    }

    #[test]
    fn round_trips_with_every_diagnostic_field() {
        let back = decode(&encode(&sample())).unwrap();
        assert_eq!(back.state.pages, [("index.html".to_string(), 1, 2)]);
        let d = back.report.diagnostics[0].to_diagnostic().unwrap();
        assert_eq!((d.code, d.line, d.column, d.width), (Code::ActionNoOwner, 3, 5, 4));
    }

    #[test]
    fn a_truncated_corrupt_or_foreign_file_is_refused() {
        let good = encode(&sample());
        for cut in [0, 5, MAGIC.len(), header().len(), header().len() + 8, good.len() - 1] {
            assert!(decode(&good[..cut]).is_err(), "truncated at {cut}");
        }
        for at in [header().len() + 3, good.len() / 2, good.len() - 1] {
            let mut bad = good.clone();
            bad[at] ^= 0x40;
            assert!(decode(&bad).is_err(), "flipped a bit at {at}");
        }
        assert_eq!(decode(b"PK\x03\x04 a zip file").unwrap_err(), "is not a pmsite cache");
        let mut other = good.clone();
        other[MAGIC.len()] ^= 1;
        assert_eq!(decode(&other).unwrap_err(), "was written by another version of pmsite");
    }

    #[test]
    fn an_unchanged_file_is_not_read_again_and_a_changed_one_is() {
        let t = tempfile::tempdir().unwrap();
        std::fs::write(t.path().join("site.toml"), "title = \"x\"\n").unwrap();
        std::fs::create_dir_all(t.path().join("content")).unwrap();
        std::fs::write(t.path().join("content/a.md"), "A").unwrap();
        let an_hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        let age = |p: &str| {
            std::fs::File::options().write(true).open(t.path().join(p)).unwrap().set_modified(an_hour_ago).unwrap()
        };
        age("site.toml");
        // Just written: its stamp is not trusted yet (it could change within the tick).
        let fresh = hash_inputs(t.path(), None, 0);
        assert!(fresh.files.iter().any(|f| f.path == "content/a.md" && f.stamp == (0, 0, 0, 0)));
        age("content/a.md");
        let at = |i: &Inputs| i.files.iter().position(|f| f.path == "content/a.md").unwrap();
        let first = hash_inputs(t.path(), None, 0);
        assert!(first.files.iter().any(|f| f.path == crate::tickets::config::DEFAULT_SNAPSHOT));
        // A forged hash for an unchanged stamp is believed: proof the file was not read.
        let mut forged = first.clone();
        let k = at(&forged);
        forged.files[k].hash = 99;
        let again = hash_inputs(t.path(), Some(&forged), 0);
        assert_eq!(again.files[at(&again)].hash, 99);
        std::fs::write(t.path().join("content/a.md"), "B").unwrap();
        let second = hash_inputs(t.path(), Some(&forged), 0);
        assert_ne!(second.files[at(&second)].hash, 99);
        assert_ne!(second.digest, first.digest);
        assert_ne!(hash_inputs(t.path(), None, 1).digest, second.digest, "the options are part of it");
    }
}
