use super::*;

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn writes_and_swaps() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("a/b/index.html", "1"), OutputFile::new("index.html", "2")]).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("a/b/index.html")).unwrap(), "1");
    let stats = write_atomic(&out, &[OutputFile::new("x.html", "3"), OutputFile::new("index.html", "2")]).unwrap();
    assert_eq!(stats, WriteStats { written: 1, unchanged: 1, removed: 1, kept: 0 });
    assert!(!out.join("a/b/index.html").exists(), "old files are gone after a build");
    assert!(!out.join("a").exists(), "emptied folders are removed");
    assert!(out.join("x.html").exists());
    std::fs::remove_file(out.join("x.html")).unwrap();
    let stats = write_atomic(&out, &[OutputFile::new("x.html", "3"), OutputFile::new("index.html", "2")]).unwrap();
    assert_eq!(stats.written, 1, "a file deleted by hand is written again");
    let leftovers: Vec<_> = std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
    assert_eq!(files(&out), [MARKER, "index.html", "x.html"], "no staging folder is left inside");
}

#[test]
fn a_file_changed_on_disk_is_rewritten_even_when_the_manifest_says_it_is_current() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("p.html", "old")]).unwrap();
    // What a build killed between its renames and its manifest leaves: new bytes on
    // disk, the old hash in the manifest. Same length, so a size check cannot tell.
    std::fs::write(out.join("p.html"), "new").unwrap();
    let stats = write_atomic(&out, &[OutputFile::new("p.html", "old")]).unwrap();
    assert_eq!(stats.written, 1);
    assert_eq!(std::fs::read_to_string(out.join("p.html")).unwrap(), "old");
}

#[test]
fn a_staging_dropped_without_commit_leaves_no_trace() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let staging = Staging::begin(&out).unwrap();
    staging.put(&OutputFile::new("a/b/index.html", "1")).unwrap();
    drop(staging);
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(t.path()).unwrap().count(), 0, "the temporary folder is gone");

    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    let staging = Staging::begin(&out).unwrap();
    staging.put(&OutputFile::new("index.html", "2")).unwrap();
    staging.put(&OutputFile::new("new/index.html", "3")).unwrap();
    drop(staging);
    assert_eq!(files(&out), [MARKER, "index.html"]);
    assert_eq!(std::fs::read_to_string(out.join("index.html")).unwrap(), "1");
    assert!(!out.join("new").exists(), "a folder made only for a staged file is removed");
}

#[test]
fn leftovers_of_a_killed_build_are_cleared() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    std::fs::create_dir_all(t.path().join(".public.pmsite-tmp-123/x")).unwrap();
    std::fs::write(t.path().join(".public.pmsite-tmp-123/x/index.html"), "half").unwrap();
    // Someone else's folder that only looks alike is not pmsite's to remove.
    std::fs::create_dir(t.path().join(".public.pmsite-tmp-mine")).unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    std::fs::create_dir_all(out.join(STAGING)).unwrap();
    std::fs::write(out.join(STAGING).join("0"), "staged").unwrap();
    std::fs::write(out.join(MARKER_TMP), "half a manifest").unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    let mut beside: Vec<String> =
        std::fs::read_dir(t.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    beside.sort();
    assert_eq!(beside, [".public.pmsite-tmp-mine", "public"]);
    assert_eq!(files(&out), [MARKER, "index.html"]);
}

#[test]
fn a_folder_holding_only_leftovers_counts_as_empty() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    std::fs::create_dir_all(out.join(STAGING)).unwrap();
    std::fs::write(out.join(STAGING).join("0"), "x").unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    assert_eq!(files(&out), [MARKER, "index.html"]);
}

#[test]
fn two_files_with_one_path_are_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let err = write_atomic(&out, &[OutputFile::new("a.html", "1"), OutputFile::new("a.html", "2")]).unwrap_err();
    assert!(matches!(err, OutputError::Duplicate(ref p) if p == "a.html"), "{err}");
    assert!(!out.exists());
    assert!(write_atomic(&out, &[OutputFile::new("a", "1"), OutputFile::new("a/b.html", "2")]).is_err());
    assert!(!out.exists());
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    let err = write_atomic(&out, &[OutputFile::new("a", "1"), OutputFile::new("a/b.html", "2")]).unwrap_err();
    assert!(matches!(err, OutputError::Duplicate(_)), "a file and a folder of one name: {err}");
    assert_eq!(files(&out), [MARKER, "index.html"]);
}

#[test]
fn refuses_foreign_folders_and_bad_paths() {
    let t = tempfile::tempdir().unwrap();
    std::fs::write(t.path().join("precious.txt"), "x").unwrap();
    assert!(matches!(write_atomic(t.path(), &[OutputFile::new("a.html", "")]), Err(OutputError::NotOurs(_))));
    let out = t.path().join("out");
    for bad in ["../evil", "/abs", "a/../../b", "a\\b", "new\nline", "tab\t", "esc\u{1b}", ".pmsite-output", "a//b", ""]
    {
        assert!(matches!(write_atomic(&out, &[OutputFile::new(bad, "")]), Err(OutputError::BadPath(_))), "{bad:?}");
    }
    assert!(!out.exists());
    assert_eq!(std::fs::read_to_string(t.path().join("precious.txt")).unwrap(), "x");
}

#[test]
fn a_forged_manifest_cannot_delete_outside_the_folder() {
    let t = tempfile::tempdir().unwrap();
    let victim = t.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("keep.txt"), "precious").unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    let h = format!("{:016x}", hash(b"precious"));
    let mut m = std::fs::read_to_string(out.join(MARKER)).unwrap();
    for p in ["../victim/keep.txt", "%2E%2E/victim/keep.txt", "link/keep.txt"] {
        m.push_str(&format!("{h} - {p}\n"));
    }
    // Old-format lines too, with a raw path.
    m.push_str(&format!("{h} 8 ../victim/keep.txt\n"));
    std::fs::write(out.join(MARKER), m).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(&victim, out.join("link")).unwrap();
    let staging = Staging::begin(&out).unwrap();
    assert_eq!(staging.notes().len(), 1, "the ignored lines are mentioned");
    staging.put(&OutputFile::new("index.html", "2")).unwrap();
    staging.commit().unwrap();
    assert_eq!(std::fs::read_to_string(victim.join("keep.txt")).unwrap(), "precious");
    let m = std::fs::read_to_string(out.join(MARKER)).unwrap();
    assert!(!m.contains("victim"), "the forged lines are dropped from the new manifest:\n{m}");
}

#[cfg(unix)]
#[test]
fn never_writes_through_a_symlink_inside_the_folder() {
    let t = tempfile::tempdir().unwrap();
    let elsewhere = t.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    std::os::unix::fs::symlink(&elsewhere, out.join("incidents")).unwrap();
    let err = write_atomic(&out, &[OutputFile::new("index.html", "1"), OutputFile::new("incidents/a/index.html", "x")])
        .unwrap_err();
    assert!(matches!(err, OutputError::InTheWay(_)), "{err}");
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0);
    // A symlink at a file's own path is not replaced either.
    std::fs::remove_file(out.join("incidents")).unwrap();
    std::os::unix::fs::symlink(elsewhere.join("f"), out.join("x.html")).unwrap();
    let err = write_atomic(&out, &[OutputFile::new("x.html", "x")]).unwrap_err();
    assert!(matches!(err, OutputError::InTheWay(_)), "{err}");
    assert!(!elsewhere.join("f").exists());
}

#[cfg(unix)]
#[test]
fn a_symlinked_output_folder_stays_a_symlink_and_keeps_files_pmsite_did_not_write() {
    let t = tempfile::tempdir().unwrap();
    let root = t.path().join("webroot");
    std::fs::create_dir(&root).unwrap();
    let out = t.path().join("public");
    std::os::unix::fs::symlink(&root, &out).unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "1"), OutputFile::new("a/index.html", "2")]).unwrap();
    std::fs::write(root.join("CNAME"), "kb.example.com").unwrap();
    std::fs::write(root.join("a/notes.txt"), "mine").unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "3")]).unwrap();
    assert!(std::fs::symlink_metadata(&out).unwrap().file_type().is_symlink());
    assert_eq!(std::fs::read_to_string(root.join("index.html")).unwrap(), "3");
    assert_eq!(std::fs::read_to_string(root.join("CNAME")).unwrap(), "kb.example.com");
    assert_eq!(std::fs::read_to_string(root.join("a/notes.txt")).unwrap(), "mine");
    assert!(!root.join("a/index.html").exists());
}

#[test]
fn a_file_someone_else_put_at_a_page_path_is_not_replaced() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
    std::fs::write(out.join("CNAME"), "mine").unwrap();
    let err =
        write_atomic(&out, &[OutputFile::new("index.html", "1"), OutputFile::new("CNAME", "site's")]).unwrap_err();
    assert!(matches!(err, OutputError::Foreign(_)), "{err}");
    assert_eq!(std::fs::read_to_string(out.join("CNAME")).unwrap(), "mine");
    // The same bytes are simply adopted.
    write_atomic(&out, &[OutputFile::new("index.html", "1"), OutputFile::new("CNAME", "mine")]).unwrap();
}

#[test]
fn a_file_pmsite_wrote_and_someone_changed_is_kept_when_no_longer_made() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("a.html", "1"), OutputFile::new("b.html", "2")]).unwrap();
    std::fs::write(out.join("b.html"), "edited by hand").unwrap();
    let stats = write_atomic(&out, &[OutputFile::new("a.html", "1")]).unwrap();
    assert_eq!((stats.removed, stats.kept), (0, 1));
    assert_eq!(std::fs::read_to_string(out.join("b.html")).unwrap(), "edited by hand");
}

#[test]
fn a_file_can_become_a_folder_and_back() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    write_atomic(&out, &[OutputFile::new("x", "file")]).unwrap();
    write_atomic(&out, &[OutputFile::new("x/index.html", "page")]).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("x/index.html")).unwrap(), "page");
    write_atomic(&out, &[OutputFile::new("x", "file")]).unwrap();
    assert_eq!(std::fs::read_to_string(out.join("x")).unwrap(), "file");
}

#[test]
fn an_unchanged_build_touches_nothing() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let site = [OutputFile::new("index.html", "1"), OutputFile::new("a/index.html", "2")];
    write_atomic(&out, &site).unwrap();
    write_atomic(&out, &site).unwrap();
    let before = std::fs::read_to_string(out.join(MARKER)).unwrap();
    let m = std::fs::symlink_metadata(out.join(MARKER)).unwrap();
    let stats = write_atomic(&out, &site).unwrap();
    assert_eq!(stats, WriteStats { written: 0, unchanged: 2, removed: 0, kept: 0 });
    assert_eq!(std::fs::read_to_string(out.join(MARKER)).unwrap(), before);
    assert_eq!(Stamp::of(&std::fs::symlink_metadata(out.join(MARKER)).unwrap()), Stamp::of(&m), "not rewritten");
}

#[test]
fn a_second_build_into_the_same_folder_stops_while_the_first_runs() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    let first = Staging::begin(&out).unwrap();
    let err = Staging::begin(&out).err().expect("the folder is taken");
    assert!(matches!(err, OutputError::Busy(_)), "{err}");
    assert!(err.to_string().contains("another pmsite build"), "{err}");
    first.put(&OutputFile::new("index.html", "1")).unwrap();
    first.commit().unwrap();
    write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap();
}

#[test]
fn an_output_path_that_is_a_file_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    std::fs::write(&out, "a file").unwrap();
    let err = write_atomic(&out, &[OutputFile::new("index.html", "1")]).unwrap_err();
    assert!(matches!(err, OutputError::NotAFolder(_)), "{err}");
    assert_eq!(std::fs::read_to_string(&out).unwrap(), "a file");
}

#[test]
fn keep_trusts_only_a_file_untouched_since_pmsite_wrote_those_bytes() {
    let t = tempfile::tempdir().unwrap();
    let out = t.path().join("public");
    // A fresh folder has nothing to keep.
    let s = Staging::begin(&out).unwrap();
    assert!(!s.keep("a.html", hash(b"A")).unwrap());
    drop(s);
    write_atomic(&out, &[OutputFile::new("a.html", "A"), OutputFile::new("b.html", "B")]).unwrap();

    let s = Staging::begin(&out).unwrap();
    assert!(s.keep("a.html", hash(b"A")).unwrap(), "untouched and the same bytes");
    assert!(!s.keep("a.html", hash(b"other")).unwrap(), "a different page would be written");
    assert!(!s.keep("new.html", hash(b"N")).unwrap(), "not written before");
    s.put(&OutputFile::new("b.html", "B")).unwrap();
    let stats = s.commit().unwrap();
    assert_eq!((stats.written, stats.removed), (0, 0), "kept files are part of the site: {stats:?}");
    assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "A");

    // New stamps, same bytes (a folder restored by a CI cache): read, found equal, kept.
    std::fs::write(out.join("a.html"), "A").unwrap();
    let s = Staging::begin(&out).unwrap();
    assert!(s.keep("a.html", hash(b"A")).unwrap(), "same bytes under a new stamp");
    s.put(&OutputFile::new("b.html", "B")).unwrap();
    assert_eq!(s.commit().unwrap().written, 0);

    // Same length, different bytes: read, found different.
    std::fs::write(out.join("a.html"), "Z").unwrap();
    let s = Staging::begin(&out).unwrap();
    assert!(!s.keep("a.html", hash(b"A")).unwrap(), "changed by someone since");
    s.put(&OutputFile::new("a.html", "A")).unwrap();
    s.put(&OutputFile::new("b.html", "B")).unwrap();
    assert_eq!(s.commit().unwrap().written, 1);
    assert_eq!(std::fs::read_to_string(out.join("a.html")).unwrap(), "A");

    // A file not kept and not put is removed, as with any page no longer made.
    let s = Staging::begin(&out).unwrap();
    assert!(s.keep("a.html", hash(b"A")).unwrap());
    assert_eq!(s.commit().unwrap().removed, 1);
    assert!(!out.join("b.html").exists());
    assert!(!s_is_refused_for_bad_paths(&out));
}

fn s_is_refused_for_bad_paths(out: &Path) -> bool {
    let s = Staging::begin(out).unwrap();
    s.keep("../escape.html", 1).is_ok_and(|k| k)
}
