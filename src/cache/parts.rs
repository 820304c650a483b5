//! The heavy half of the cache (rendered bodies and fragments, 90% of its bytes) in
//! `PARTS` files, each holding the postmortems whose id hashes to it. A build that
//! changed one postmortem encodes and writes one part, not the whole cache: at 10,000
//! postmortems writing all of it took half a second of every cached build.
//!
//! Each part carries a key made from what decides its contents (the build's global hash
//! and each member's id, content and references hashes, and which of its pieces exist);
//! the index names the key it expects, so a part left by a build killed before its
//! index was written, or one from another build, is never read as this one's.

use super::parsed::Parsed;
use super::{Frags, ParsedFile, State, decode_value, encode_value, write_atomically};
use crate::markdown::RenderedBody;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::hash::Hasher;
use std::path::Path;
use std::sync::Arc;

/// Enough that one edit rewrites under 2% of the cache, few enough that a build does not
/// spend its time creating files.
pub(super) const PARTS: usize = 64;

fn part_of(id: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(id.as_bytes()) % PARTS as u64) as usize
}

fn file_name(part: usize) -> String {
    format!("part-{part:02}.bin")
}

/// A part as written: borrowed from the state, so writing copies no text.
#[derive(Serialize)]
struct PartRef<'a> {
    key: u64,
    bodies: Vec<&'a (String, Arc<RenderedBody>)>,
    pm_frags: Vec<&'a (String, Frags)>,
    action_frags: Vec<&'a (String, Vec<Frags>)>,
    /// Converted only when the part is written (`encoded`).
    #[serde(skip)]
    files: Vec<&'a ParsedFile>,
    parsed: Vec<Parsed>,
}

impl PartRef<'_> {
    fn encoded(&mut self) -> Vec<u8> {
        self.parsed = self.files.iter().map(|f| Parsed::of(f.path.clone(), f.hash, &f.result)).collect();
        let bytes = encode_value(&*self);
        self.parsed = Vec::new();
        bytes
    }
}

/// A part as read (the same encoding as `PartRef`).
#[derive(Deserialize)]
struct Part {
    key: u64,
    bodies: Vec<(String, Arc<RenderedBody>)>,
    pm_frags: Vec<(String, Frags)>,
    action_frags: Vec<(String, Vec<Frags>)>,
    parsed: Vec<Parsed>,
}

/// The state's bodies and fragments grouped into parts, each sorted by id and keyed.
fn split(state: &State) -> Vec<PartRef<'_>> {
    let mut parts: Vec<PartRef> = (0..PARTS)
        .map(|_| PartRef {
            key: 0,
            bodies: Vec::new(),
            pm_frags: Vec::new(),
            action_frags: Vec::new(),
            files: Vec::new(),
            parsed: Vec::new(),
        })
        .collect();
    for b in &state.bodies {
        parts[part_of(&b.0)].bodies.push(b);
    }
    for f in &state.pm_frags {
        parts[part_of(&f.0)].pm_frags.push(f);
    }
    for f in &state.action_frags {
        parts[part_of(&f.0)].action_frags.push(f);
    }
    for f in &state.parsed {
        parts[part_of(&f.path)].files.push(f);
    }
    let hashes: HashMap<&str, u64> = state.hashes.iter().map(|(id, h)| (id.as_str(), *h)).collect();
    let refs: HashMap<&str, u64> = state.refs.iter().map(|(id, h)| (id.as_str(), *h)).collect();
    for p in &mut parts {
        p.bodies.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        p.pm_frags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        p.action_frags.sort_unstable_by(|a, b| a.0.cmp(&b.0));
        p.files.sort_unstable_by(|a, b| a.path.cmp(&b.path));
        p.key = key(state, p, &hashes, &refs);
    }
    parts
}

/// What decides a part's contents. The session reuses a body or fragment only for a
/// postmortem whose content (and, for its API object, references) hash is unchanged
/// under the same global hash, so equal keys mean equal parts.
/// A file's parse depends only on its bytes and what it was parsed with.
fn key(state: &State, p: &PartRef, hashes: &HashMap<&str, u64>, refs: &HashMap<&str, u64>) -> u64 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    h.write_u64(state.structure);
    h.write_u64(state.parsed_with);
    for f in &p.files {
        h.write_u8(4);
        h.write(f.path.as_bytes());
        h.write_u8(0);
        h.write_u64(f.hash);
    }
    let mut member = |kind: u8, id: &str, present: &mut dyn Iterator<Item = bool>| {
        h.write_u8(kind);
        h.write(id.as_bytes());
        h.write_u8(0);
        h.write_u64(hashes.get(id).copied().unwrap_or(0));
        h.write_u64(refs.get(id).copied().unwrap_or(0));
        for (i, is) in present.enumerate() {
            h.write_u8(if is { i as u8 | 0x80 } else { i as u8 });
        }
    };
    for (id, _) in &p.bodies {
        member(1, id, &mut std::iter::empty());
    }
    for (id, f) in &p.pm_frags {
        member(2, id, &mut f.iter().map(Option::is_some));
    }
    for (id, items) in &p.action_frags {
        member(3, id, &mut items.iter().flat_map(|f| f.iter().map(Option::is_some).chain([false, true])));
    }
    // Never 0, which the index uses for "no part".
    h.digest().max(1)
}

/// Writes the parts whose key differs from `previous` (or whose file is gone) and returns
/// every part's key, for the index.
pub(super) fn write(dir: &Path, state: &State, previous: Option<&[u64]>) -> std::io::Result<Vec<u64>> {
    let mut parts = split(state);
    parts
        .par_iter_mut()
        .enumerate()
        .map(|(i, p)| {
            let name = file_name(i);
            let same = previous.and_then(|v| v.get(i)) == Some(&p.key);
            if !(same && dir.join(&name).is_file()) {
                write_atomically(dir, &name, &p.encoded())?;
            }
            Ok(p.key)
        })
        .collect()
}

/// Reads the parts the index names into `state`, in parallel. A part that is missing,
/// unreadable or not the one the index expects is left out (its postmortems are rendered
/// again, and the next write replaces it); the note says so once.
pub fn read_parts(root: &Path, state: &mut State) -> Option<String> {
    let dir = root.join(super::DIR);
    if state.parts.len() != PARTS {
        state.parts = vec![0; PARTS];
    }
    type Read = (Part, Vec<ParsedFile>);
    let read: Vec<Result<Read, (String, &'static str)>> = state
        .parts
        .par_iter()
        .enumerate()
        .map(|(i, &want)| {
            let path = dir.join(file_name(i));
            let shown = crate::diagnostics::display_path(&path);
            let bytes = std::fs::read(&path).map_err(|_| (shown.clone(), "cannot be read"))?;
            let part: Part = decode_value(&bytes).map_err(|why| (shown.clone(), why))?;
            if part.key != want {
                return Err((shown, "is not the part the cache's index expects"));
            }
            let mut part = part;
            // A parse naming a diagnostic this version lacks is only not reused.
            let files = std::mem::take(&mut part.parsed)
                .into_iter()
                .filter_map(|f| {
                    let (path, hash) = (f.path.clone(), f.hash);
                    f.result().map(|result| ParsedFile { path, hash, result })
                })
                .collect();
            Ok((part, files))
        })
        .collect();
    let mut failed = Vec::new();
    for (i, r) in read.into_iter().enumerate() {
        match r {
            Ok((p, files)) => {
                state.bodies.extend(p.bodies);
                state.pm_frags.extend(p.pm_frags);
                state.action_frags.extend(p.action_frags);
                state.parsed.extend(files);
            }
            Err(why) => {
                state.parts[i] = 0;
                failed.push(why);
            }
        }
    }
    let (first, why) = failed.first()?;
    Some(format!(
        "{first}: {why}{}; the postmortems it held are rendered again",
        match failed.len() {
            1 => String::new(),
            n => format!(" (and {} other part{} of the cache)", n - 1, if n == 2 { "" } else { "s" }),
        }
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let mut s = State { structure: 5, ..State::default() };
        for n in 0..200 {
            let id = format!("pm-{n}");
            s.hashes.push((id.clone(), n));
            let body = RenderedBody { html: format!("<p>{n}</p>"), text: n.to_string(), headings: Vec::new() };
            s.bodies.push((id.clone(), Arc::new(body)));
            s.pm_frags.push((id.clone(), vec![Some(Arc::from(format!("row {n}"))), None]));
            s.action_frags.push((id, vec![vec![None, Some(Arc::from("item"))]]));
        }
        s
    }

    fn read_back(dir: &Path, keys: Vec<u64>) -> (State, Option<String>) {
        let mut back = State { parts: keys, ..State::default() };
        let note = read_parts(dir, &mut back);
        (back, note)
    }

    #[test]
    fn parts_round_trip_and_only_changed_ones_are_written_again() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(super::super::DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let s = state();
        let keys = write(&dir, &s, None).unwrap();
        let (mut back, note) = read_back(t.path(), keys.clone());
        assert_eq!(note, None);
        back.bodies.sort_by(|a, b| a.0.cmp(&b.0));
        let mut want = s.bodies.clone();
        want.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(back.bodies, want);
        assert_eq!(back.action_frags.len(), 200);

        // One postmortem changes: one part gets a new key, and only its file is written.
        let mut edited = s.clone();
        edited.hashes[7].1 = 1_000;
        let stamp = |p: usize| std::fs::metadata(dir.join(file_name(p))).unwrap().modified().unwrap();
        let before: Vec<_> = (0..PARTS).map(stamp).collect();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let new_keys = write(&dir, &edited, Some(&keys)).unwrap();
        let changed: Vec<usize> = (0..PARTS).filter(|&p| keys[p] != new_keys[p]).collect();
        assert_eq!(changed, [part_of("pm-7")]);
        let rewritten: Vec<usize> = (0..PARTS).filter(|&p| stamp(p) != before[p]).collect();
        assert_eq!(rewritten, changed);
    }

    #[test]
    fn a_missing_corrupt_or_stale_part_is_left_out_with_one_note() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join(super::super::DIR);
        std::fs::create_dir_all(&dir).unwrap();
        let s = state();
        let keys = write(&dir, &s, None).unwrap();
        let full = read_back(t.path(), keys.clone()).0.bodies.len();
        // A stale part: the index expects another key (a build killed between the two).
        let mut stale = keys.clone();
        stale[3] ^= 1;
        let (back, note) = read_back(t.path(), stale);
        assert!(note.unwrap().contains("part-03.bin: is not the part"));
        assert_eq!(back.parts[3], 0, "rewritten by the next build");
        assert!(back.bodies.len() < full && !back.bodies.is_empty());
        // A flipped bit in one part and another part gone.
        let p5 = dir.join(file_name(5));
        let mut bytes = std::fs::read(&p5).unwrap();
        let mid = bytes.len() / 2;
        bytes[mid] ^= 0x10;
        std::fs::write(&p5, bytes).unwrap();
        std::fs::remove_file(dir.join(file_name(9))).unwrap();
        let (_, note) = read_back(t.path(), keys.clone());
        let note = note.unwrap();
        assert!(note.contains("part-05.bin") && note.contains("and 1 other part of the cache"), "{note}");
        // The next write replaces exactly what was left out.
        let (back, _) = read_back(t.path(), keys.clone());
        let again = write(&dir, &s, Some(&back.parts)).unwrap();
        assert_eq!(again, keys);
        assert_eq!(read_back(t.path(), keys).1, None);
    }
}
