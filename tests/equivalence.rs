//! Random sequences of edits, and after every one the site must be byte for byte what a
//! fresh full build of the same sources makes: through serve's rebuild path (a live
//! session, with the follow-up that brings similar incidents, search and history up to
//! date), and through one-shot builds that restore `.pmsite/cache/` into one output folder.

mod common;

use pmsite::build::BuildOptions;
use pmsite::incremental::Session;
use pmsite::render::RenderOptions;
use proptest::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The folder of the second source every case has (`[[sources]]`), beside content/.
const SECOND_SOURCE: &str = "teams/platform";

/// The example knowledge base, plus a second source holding two more postmortems (the
/// front matter of two examples, with ids, dates and titles of their own), so that every
/// edit can land in either source.
fn example_site() -> tempfile::TempDir {
    let t = tempfile::tempdir().unwrap();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    common::corpus::copy_dir(&root.join("content"), &t.path().join("content"));
    // Three rows a page, so that the lists paginate and edits move rows between pages.
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    std::fs::write(t.path().join("site.toml"), format!("{toml}\n[pagination]\nper_page = 3\n")).unwrap();
    let toml = std::fs::read_to_string(t.path().join("site.toml")).unwrap();
    std::fs::write(t.path().join("site.toml"), format!("{toml}\n[[sources]]\npath = \"{SECOND_SOURCE}\"\n")).unwrap();
    for (k, example) in postmortems(t.path()).iter().take(2).enumerate() {
        let text = std::fs::read_to_string(example).unwrap();
        let end = text[4..].find("\n---\n").unwrap() + 4 + 5;
        let front = set_line(&text[..end], "title: ", &format!("title: Platform incident {k}"));
        let front = set_line(&front, "date: ", &format!("date: 2025-05-0{}", k + 1));
        let dir = t.path().join(SECOND_SOURCE).join("2025");
        std::fs::create_dir_all(&dir).unwrap();
        let body = format!("The platform team's incident {k}: connection pools and retries.\n");
        std::fs::write(dir.join(format!("2025-05-0{}-platform-{k}.md", k + 1)), format!("{front}{body}")).unwrap();
    }
    t
}

fn opts(output: &Path, cache: bool) -> BuildOptions {
    BuildOptions {
        output: output.to_path_buf(),
        base_url: None,
        // Without drafts, so that a draft edit hides a postmortem and the links to it.
        drafts: false,
        strict: false,
        today: "2026-01-01".parse().unwrap(),
        cache,
        edition: Default::default(),
    }
}

/// One edit, with numbers that pick the file and the new values.
#[derive(Debug, Clone)]
enum Edit {
    Title(usize, u8),
    Body(usize, u8),
    Services(usize, u8),
    Teams(usize, u8),
    Factor(usize, u8),
    Timeline(usize),
    ActionStatus(usize),
    Related(usize, usize),
    NewFile(u8),
    Delete(usize),
    Rename(usize, u8),
    Taxonomy(u8),
    /// An action item's owner: a new owner gets pages, an old one may lose them.
    Owner(usize, u8),
    /// Tags whose slugs collide (`db`, `DB`) or are empty.
    Tag(usize, u8),
    /// Toggles `status: draft`, which hides a postmortem from builds without drafts.
    Draft(usize),
    Template(u8),
    Static(u8),
}

fn edit_strategy() -> impl Strategy<Value = Edit> {
    let i = 0usize..64;
    let n = any::<u8>();
    prop_oneof![
        (i.clone(), n).prop_map(|(i, n)| Edit::Title(i, n)),
        (i.clone(), n).prop_map(|(i, n)| Edit::Body(i, n)),
        (i.clone(), n).prop_map(|(i, n)| Edit::Services(i, n)),
        (i.clone(), n).prop_map(|(i, n)| Edit::Teams(i, n)),
        (i.clone(), n).prop_map(|(i, n)| Edit::Factor(i, n)),
        i.clone().prop_map(Edit::Timeline),
        i.clone().prop_map(Edit::ActionStatus),
        (i.clone(), i.clone()).prop_map(|(i, j)| Edit::Related(i, j)),
        n.prop_map(Edit::NewFile),
        i.clone().prop_map(Edit::Delete),
        (i.clone(), n).prop_map(|(i, n)| Edit::Rename(i, n)),
        n.prop_map(Edit::Taxonomy),
        (i.clone(), n).prop_map(|(i, n)| Edit::Owner(i, n)),
        (i.clone(), n).prop_map(|(i, n)| Edit::Tag(i, n)),
        i.prop_map(Edit::Draft),
        n.prop_map(Edit::Template),
        n.prop_map(Edit::Static),
    ]
}

/// Gives every source file one modification time long past (the same each call, so an
/// edit changes only its file's length and change time).
fn age(root: &Path) {
    let then = std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_750_000_000);
    let skip = |e: &walkdir::DirEntry| {
        let name = e.file_name().to_string_lossy();
        e.depth() > 0 && (name == "public" || name == ".pmsite" || name == ".git")
    };
    for e in walkdir::WalkDir::new(root).into_iter().filter_entry(|e| !skip(e)).flatten() {
        if e.file_type().is_file() {
            std::fs::File::options().write(true).open(e.path()).unwrap().set_modified(then).unwrap();
        }
    }
}

fn postmortems(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .chain(walkdir::WalkDir::new(root.join(SECOND_SOURCE)))
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .map(|e| e.into_path())
        .collect();
    v.sort();
    v
}

/// Replaces the first line starting with `prefix` (after its indentation) with `line`.
fn set_line(text: &str, prefix: &str, line: &str) -> String {
    let mut done = false;
    text.lines()
        .map(|l| {
            if !done && l.starts_with(prefix) {
                done = true;
                line.to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

/// Applies `edit`; returns the files it wrote or removed (what serve's watcher reports).
fn apply(root: &Path, edit: &Edit, step: usize) -> Vec<PathBuf> {
    let files = postmortems(root);
    let pick = |i: usize| files[i % files.len()].clone();
    let rewrite = |path: &Path, f: &dyn Fn(&str) -> String| {
        let text = std::fs::read_to_string(path).unwrap();
        std::fs::write(path, f(&text)).unwrap();
        vec![path.to_path_buf()]
    };
    match edit {
        Edit::Title(i, n) => rewrite(&pick(*i), &|t| set_line(t, "title: ", &format!("title: Edited title {n}"))),
        Edit::Body(i, n) => {
            rewrite(&pick(*i), &|t| format!("{t}\nA new paragraph {n} about connection pools and retries.\n"))
        }
        Edit::Services(i, n) => {
            rewrite(&pick(*i), &|t| set_line(t, "services: ", &format!("services: [svc-{}, checkout-api]", n % 3)))
        }
        Edit::Teams(i, n) => rewrite(&pick(*i), &|t| set_line(t, "teams: ", &format!("teams: [team-{}]", n % 2))),
        Edit::Factor(i, n) => {
            let ids = ["retry-storm", "missing-alert", "unclear-runbook", "poor-visibility"];
            rewrite(&pick(*i), &|t| set_line(t, "  - id: ", &format!("  - id: {}", ids[*n as usize % ids.len()])))
        }
        Edit::Timeline(i) => rewrite(&pick(*i), &|t| t.replacen("kind: detection", "kind: note", 1)),
        Edit::ActionStatus(i) => rewrite(&pick(*i), &|t| {
            if t.contains("    status: open") {
                t.replacen("    status: open", "    status: done\n    completed: 2025-12-01", 1)
            } else {
                t.replacen("    status: done", "    status: open", 1)
            }
        }),
        Edit::Related(i, j) => {
            let other = pick(*j).file_stem().unwrap().to_string_lossy().into_owned();
            rewrite(&pick(*i), &|t| {
                let t: String = t.lines().filter(|l| !l.starts_with("related:")).collect::<Vec<_>>().join("\n");
                t.replacen("\ndate: ", &format!("\nrelated: [{other}]\ndate: "), 1)
            })
        }
        Edit::NewFile(n) => {
            let path = root.join(format!("content/2025/2025-07-{:02}-new-incident-{step}.md", n % 28 + 1));
            let text = std::fs::read_to_string(pick(*n as usize)).unwrap();
            let text = set_line(&text, "title: ", &format!("title: A new incident {n}"));
            std::fs::write(&path, set_line(&text, "date: ", &format!("date: 2025-07-{:02}", n % 28 + 1))).unwrap();
            vec![path]
        }
        Edit::Delete(i) if files.len() > 4 => {
            let path = pick(*i);
            std::fs::remove_file(&path).unwrap();
            vec![path]
        }
        Edit::Delete(_) => Vec::new(),
        Edit::Rename(i, n) => {
            let from = pick(*i);
            let to = from.with_file_name(format!("{}-renamed-{n}.md", from.file_stem().unwrap().to_string_lossy()));
            std::fs::rename(&from, &to).unwrap();
            vec![from, to]
        }
        Edit::Taxonomy(n) => {
            let path = root.join("site.toml");
            let mut text = std::fs::read_to_string(&path).unwrap();
            text.push_str(&format!(
                "\n[factors.added-{step}-{n}]\ntitle = \"Added factor {n}\"\ncategory = \"design\"\n"
            ));
            std::fs::write(&path, text).unwrap();
            vec![path]
        }
        Edit::Owner(i, n) => {
            rewrite(&pick(*i), &|t| set_line(t, "    owner: ", &format!("    owner: owner-{}", n % 3)))
        }
        Edit::Tag(i, n) => {
            let tags = ["db", "DB", "d b", "🔥", "database"];
            rewrite(&pick(*i), &|t| {
                let t: String = t.lines().filter(|l| !l.starts_with("tags:")).collect::<Vec<_>>().join("\n");
                let tag = tags[*n as usize % tags.len()];
                t.replacen("\ndate: ", &format!("\ntags: [\"{tag}\"]\ndate: "), 1)
            })
        }
        Edit::Draft(i) => rewrite(&pick(*i), &|t| {
            if t.contains("\nstatus: draft") {
                t.replacen("\nstatus: draft", "\nstatus: published", 1)
            } else if t.lines().any(|l| l.starts_with("status: ")) {
                set_line(t, "status: ", "status: draft")
            } else {
                t.replacen("\ndate: ", "\nstatus: draft\ndate: ", 1)
            }
        }),
        Edit::Template(n) => {
            let dir = root.join("themes/default/templates");
            std::fs::create_dir_all(&dir).unwrap();
            let base = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/row.html");
            let text = std::fs::read_to_string(base).unwrap();
            let path = dir.join("row.html");
            std::fs::write(&path, format!("<!-- override {n} -->{text}")).unwrap();
            vec![path]
        }
        Edit::Static(n) => {
            let path = root.join(format!("static/note-{}.txt", n % 3));
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, format!("note {n} at step {step}\n")).unwrap();
            vec![path]
        }
    }
}

/// The site as a fresh, full build makes it (nothing cached, nothing written).
fn fresh(root: &Path, live: bool) -> BTreeMap<String, Vec<u8>> {
    let mut s = Session::new(root, opts(Path::new("public"), false), RenderOptions { live_reload: live });
    s.keep = false;
    files(&s.rebuild(&|_| {}))
}

fn files(r: &pmsite::build::Rendered) -> BTreeMap<String, Vec<u8>> {
    r.files.iter().map(|f| (f.path.clone(), f.bytes.to_vec())).collect()
}

fn on_disk(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.file_name() != ".pmsite-output")
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect()
}

fn differences(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut out: Vec<String> =
        a.keys().filter(|k| !b.contains_key(*k)).map(|k| format!("only in the first: {k}")).collect();
    out.extend(b.keys().filter(|k| !a.contains_key(*k)).map(|k| format!("only in the second: {k}")));
    out.extend(a.iter().filter(|(k, v)| b.get(*k).is_some_and(|w| w != *v)).map(|(k, _)| format!("differs: {k}")));
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 6, max_shrink_iters: 20, ..ProptestConfig::default() })]

    #[test]
    fn serve_rebuilds_equal_a_full_build_after_every_edit(edits in prop::collection::vec(edit_strategy(), 1..5)) {
        let site = example_site();
        let root = site.path();
        let mut session = Session::new(root, opts(Path::new("public"), false), RenderOptions { live_reload: true });
        let first = files(&session.rebuild(&|_| {}));
        prop_assert!(differences(&first, &fresh(root, true)).is_empty());
        session.settle();
        for (step, edit) in edits.iter().enumerate() {
            let changed = apply(root, edit, step);
            session.expect_only(&changed);
            let mut served = files(&session.rebuild(&|_| {}));
            session.settle();
            // What serve does as soon as no save is waiting.
            if session.deferred {
                served = files(&session.catch_up(&|_| {}));
                session.settle();
            }
            prop_assert!(!session.deferred, "a follow-up leaves nothing carried over");
            let want = fresh(root, true);
            let diff = differences(&served, &want);
            prop_assert!(diff.is_empty(), "after {:?} (step {}): {:?}", edit, step, diff);
        }
    }

    #[test]
    fn cached_builds_equal_a_full_build_after_every_edit(edits in prop::collection::vec(edit_strategy(), 1..5)) {
        let site = example_site();
        let root = site.path();
        let out = root.join("public");
        // Old stamps, as in a real checkout: files written in the last two seconds are
        // read and parsed again whatever the cache holds, which would leave the stored
        // parses untested.
        age(root);
        let first = pmsite::build::build(root, &opts(&out, true), &|_| {});
        prop_assert!(first.ok);
        for (step, edit) in edits.iter().enumerate() {
            apply(root, edit, step);
            age(root);
            let cached = pmsite::build::build(root, &opts(&out, true), &|_| {});
            let clean_dir = tempfile::tempdir().unwrap();
            let clean = pmsite::build::build(root, &opts(&clean_dir.path().join("public"), false), &|_| {});
            prop_assert_eq!(cached.ok, clean.ok, "after {:?}", edit);
            prop_assert_eq!(cached.diagnostics, clean.diagnostics, "after {:?}", edit);
            if clean.ok {
                let diff = differences(&on_disk(&out), &on_disk(&clean_dir.path().join("public")));
                prop_assert!(diff.is_empty(), "after {:?} (step {}): {:?}", edit, step, diff);
            }
        }
    }
}

#[test]
fn a_cached_build_with_nothing_changed_renders_nothing_and_a_change_renders_its_pages() {
    let site = example_site();
    let root = site.path();
    let out = root.join("public");
    let first = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(first.ok && first.written > 100, "{} written", first.written);
    assert!(out.join("incidents/2025-05-01-platform-0/index.html").is_file(), "the second source is built");
    assert!(root.join(pmsite::cache::DIR).join("build.bin").is_file());
    let again = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert_eq!(again.written, 0);
    assert_eq!(again.diagnostics, first.diagnostics, "the cached report is the same report");
    assert_eq!((again.pages, again.files), (first.pages, first.files));

    let file = postmortems(root)[0].clone();
    apply(root, &Edit::Body(0, 1), 0);
    let edited = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(edited.ok);
    // The incident page, and files that show every body (feeds, API, search shards).
    assert!(edited.written >= 1 && edited.written < 15, "{} files written after a body edit", edited.written);
    let id = file.file_stem().unwrap().to_string_lossy().into_owned();
    let page = std::fs::read_to_string(out.join(format!("incidents/{id}/index.html"))).unwrap();
    assert!(
        page.contains("A new paragraph 1 about connection pools"),
        "{} written; {:?}",
        edited.written,
        edited.notes
    );

    // A new postmortem redoes its own page, its neighbours' and its lists', not the site.
    apply(root, &Edit::NewFile(3), 1);
    let added = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(added.ok);
    assert!(added.pages > first.pages, "the new postmortem has its page");
    assert!(
        added.written * 2 < added.files,
        "{} of {} files written after adding one postmortem",
        added.written,
        added.files
    );
}

#[test]
fn a_corrupt_truncated_or_foreign_cache_is_noted_once_and_the_build_is_complete() {
    let site = example_site();
    let root = site.path();
    let out = root.join("public");
    assert!(pmsite::build::build(root, &opts(&out, true), &|_| {}).ok);
    let cache = root.join(pmsite::cache::DIR).join("build.bin");
    let good = std::fs::read(&cache).unwrap();
    let mut flipped = good.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0xff;
    let want = {
        let clean = tempfile::tempdir().unwrap();
        assert!(pmsite::build::build(root, &opts(&clean.path().join("public"), false), &|_| {}).ok);
        on_disk(&clean.path().join("public"))
    };
    for (what, bytes) in [
        ("truncated", good[..good.len() / 3].to_vec()),
        ("corrupt", flipped),
        ("foreign", b"{\"not\": \"a cache\"}".to_vec()),
        ("empty", Vec::new()),
    ] {
        std::fs::write(&cache, &bytes).unwrap();
        // Pages edited by hand in the folder must not survive either.
        std::fs::write(out.join("index.html"), "tampered").unwrap();
        let r = pmsite::build::build(root, &opts(&out, true), &|_| {});
        assert!(r.ok, "{what}");
        let notes: Vec<&String> = r.notes.iter().filter(|n| n.contains("build.bin")).collect();
        assert_eq!(notes.len(), 1, "{what}: one note, got {:?}", r.notes);
        assert!(differences(&on_disk(&out), &want).is_empty(), "{what}: {:?}", differences(&on_disk(&out), &want));
    }
}

#[test]
fn a_corrupt_or_missing_part_of_the_cache_is_noted_once_and_its_pages_are_rendered_again() {
    let site = example_site();
    let root = site.path();
    let out = root.join("public");
    assert!(pmsite::build::build(root, &opts(&out, true), &|_| {}).ok);
    let dir = root.join(pmsite::cache::DIR);
    let mut parts: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().starts_with("part-"))
        .collect();
    parts.sort();
    assert!(parts.len() > 8, "the cache is written in parts: {parts:?}");
    // Every part holding something: one corrupted, one deleted.
    let mut bytes = std::fs::read(&parts[1]).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x20;
    std::fs::write(&parts[1], bytes).unwrap();
    std::fs::remove_file(&parts[2]).unwrap();
    // Something must change, or the build has no reason to read the parts.
    apply(root, &Edit::Body(0, 1), 0);
    let r = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(r.ok);
    let notes: Vec<&String> = r.notes.iter().filter(|n| n.contains("part-")).collect();
    assert_eq!(notes.len(), 1, "one note, got {:?}", r.notes);
    assert!(notes[0].contains("and 1 other part"), "{}", notes[0]);
    let clean = tempfile::tempdir().unwrap();
    assert!(pmsite::build::build(root, &opts(&clean.path().join("public"), false), &|_| {}).ok);
    let diff = differences(&on_disk(&out), &on_disk(&clean.path().join("public")));
    assert!(diff.is_empty(), "{diff:?}");
    // Both parts were written again: the next change reads a whole cache, with no note.
    assert!(parts[2].is_file());
    apply(root, &Edit::Body(1, 2), 1);
    let r = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(r.ok && !r.notes.iter().any(|n| n.contains("part-")), "{:?}", r.notes);
}

#[test]
fn a_cached_build_takes_an_unchanged_file_s_parse_from_the_cache_and_parses_a_changed_one() {
    let site = example_site();
    let root = site.path();
    let out = root.join("public");
    age(root);
    assert!(pmsite::build::build(root, &opts(&out, true), &|_| {}).ok);
    let files = postmortems(root);
    let rel = |p: &Path| p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
    let page_of = |p: &Path| {
        let id = p.file_stem().unwrap().to_string_lossy().into_owned();
        out.join(format!("incidents/{id}/index.html"))
    };
    // Two postmortems with pages (drafts have none).
    let shown: Vec<usize> = (0..files.len()).filter(|&i| page_of(&files[i]).is_file()).collect();
    let (kept, edited) = (rel(&files[shown[0]]), rel(&files[shown[1]]));
    // Forge the stored parse of an unchanged file: if the next build shows the forged
    // title, it did not read or parse that file.
    let (stored, note) = pmsite::cache::read(root);
    assert_eq!(note, None);
    let mut stored = stored.unwrap();
    assert_eq!(pmsite::cache::read_parts(root, &mut stored.state), None);
    let n = stored.state.parsed.len();
    assert!(n >= files.len(), "every postmortem's parse is stored: {n} of {}", files.len());
    let forge = |stored: &mut pmsite::cache::Stored, path: &str, title: &str| {
        let entry = stored.state.parsed.iter_mut().find(|p| p.path == path).unwrap();
        let mut pm = (**entry.result.0.as_ref().unwrap()).clone();
        pm.title = title.into();
        // New hashes too, or the page would be kept as it is: a page's inputs are hashes.
        pm.source_hash ^= 1;
        pm.front_hash ^= 1;
        entry.result.0 = Some(std::sync::Arc::new(pm));
    };
    forge(&mut stored, &kept, "Forged title of an unchanged file");
    forge(&mut stored, &edited, "Forged title of an edited file");
    pmsite::cache::write(root, stored, None).unwrap();
    apply(root, &Edit::Body(shown[1], 7), 0);
    let r = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(r.ok, "{:?}", r.diagnostics);
    let page = |p: &str| std::fs::read_to_string(page_of(Path::new(p))).unwrap();
    assert!(page(&kept).contains("Forged title of an unchanged file"), "the stored parse was used");
    assert!(!page(&edited).contains("Forged title of an edited file"), "the edited file was parsed again");
    assert!(page(&edited).contains("A new paragraph 7"));
}

#[test]
fn a_new_tracker_snapshot_reaches_a_cached_build() {
    let site = example_site();
    let root = site.path();
    let out = root.join("public");
    let toml = std::fs::read_to_string(root.join("site.toml")).unwrap();
    let jira = "\n[[trackers]]\nkind = \"jira\"\nurl = \"https://acme.atlassian.net\"\nowns = [\"PAY\"]\n";
    std::fs::write(root.join("site.toml"), format!("{toml}{jira}")).unwrap();
    let snapshot = |state: &str| {
        format!(
            "{{\"version\": 1, \"synced_at\": \"2025-12-31T06:00:00Z\", \"tickets\": {{\"PAY-2044\": {{\"tracker\": \"https://acme.atlassian.net\", \"url\": \"https://acme.atlassian.net/browse/PAY-2044\", \"last_known\": {{\"state\": \"{state}\", \"status\": \"{state}\", \"closed\": null, \"assignee\": null, \"due\": null}}, \"seen\": \"2025-12-31T06:00:00Z\"}}}}}}\n"
        )
    };
    let snap = root.join(pmsite::tickets::config::DEFAULT_SNAPSHOT);
    std::fs::create_dir_all(snap.parent().unwrap()).unwrap();
    std::fs::write(&snap, snapshot("open")).unwrap();
    assert!(pmsite::build::build(root, &opts(&out, true), &|_| {}).ok);
    // Only the snapshot changes, as after `pmsite sync`.
    std::fs::write(&snap, snapshot("closed")).unwrap();
    let r = pmsite::build::build(root, &opts(&out, true), &|_| {});
    assert!(r.ok && r.written > 0, "{} written", r.written);
    let clean = tempfile::tempdir().unwrap();
    assert!(pmsite::build::build(root, &opts(&clean.path().join("public"), false), &|_| {}).ok);
    let diff = differences(&on_disk(&out), &on_disk(&clean.path().join("public")));
    assert!(diff.is_empty(), "{diff:?}");
    let page = std::fs::read_to_string(out.join("incidents/2023-06-02-checkout-api-retry-storm/index.html")).unwrap();
    assert!(page.contains("tracker-closed"));
}
