//! Git history and `check --changed` on real repositories made with the git CLI.

mod common;

use common::git::Repo;
use pmsite::history::{HistorySource, changed_files, filter_to_changed, history};
use std::path::{Path, PathBuf};
use std::process::Command;

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().unwrap()
}

fn postmortem(title: &str, extra: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2024-01-01\nseverity: SEV3\nservices: [api]\n{extra}---\n\nSome text about {title}.\nA second line.\nA third line.\nA fourth line.\n"
    )
}

/// History with the knowledge base in a subfolder: dates, revisions, an exact rename, a
/// rename with an edit, a merge, and a commit outside the knowledge base.
fn build_history(dir: &Path) -> Repo {
    let r = Repo::new(dir);
    r.write("kb/content/2024/a.md", &postmortem("A", ""));
    r.write("kb/content/2024/b.md", &postmortem("B", ""));
    r.write("src/main.txt", "code\n");
    r.commit_all("first", "2024-01-01T10:00:00Z");
    r.write("kb/content/2024/a.md", &postmortem("A", "tags: [x]\n"));
    r.commit_all("edit a", "2024-01-05T10:00:00Z");
    r.write("src/main.txt", "more code\n");
    r.commit_all("code only", "2024-01-10T10:00:00Z");
    r.git(&["mv", "kb/content/2024/b.md", "kb/content/2024/b-renamed.md"], "2024-02-01T10:00:00Z");
    r.commit_all("rename b", "2024-02-01T10:00:00Z");
    r.write("kb/content/2024/b-renamed.md", &postmortem("B", "tags: [y]\n"));
    r.commit_all("edit b", "2024-02-03T10:00:00Z");
    // Rename and edit in one commit: followed by content similarity.
    std::fs::remove_file(dir.join("kb/content/2024/a.md")).unwrap();
    r.write("kb/content/2023/a2.md", &postmortem("A", "tags: [x, z]\n"));
    r.commit_all("move and edit a", "2024-03-01T10:00:00Z");
    // A branch that edits b, merged with a merge commit.
    r.git(&["checkout", "-q", "-b", "feature"], "2024-03-02T10:00:00Z");
    r.write("kb/content/2024/b-renamed.md", &postmortem("B", "tags: [y, w]\n"));
    r.commit_all("edit b on a branch", "2024-03-02T10:00:00Z");
    r.git(&["checkout", "-q", "main"], "2024-03-03T10:00:00Z");
    r.write("src/main.txt", "even more code\n");
    r.commit_all("code on main", "2024-03-03T10:00:00Z");
    r.git(&["merge", "-q", "--no-ff", "-m", "merge", "feature"], "2024-03-05T10:00:00Z");
    r
}

#[test]
fn dates_revisions_renames_and_merges() {
    let tmp = tempfile::tempdir().unwrap();
    let repo_dir = tmp.path().join("repo");
    build_history(&repo_dir);
    let kb = repo_dir.join("kb");
    std::fs::write(kb.join("content/2024/new.md"), postmortem("New", "")).unwrap();
    let files: Vec<PathBuf> =
        ["content/2023/a2.md", "content/2024/b-renamed.md", "content/2024/new.md"].iter().map(PathBuf::from).collect();
    let report = history(&kb, &files);
    assert_eq!(report.fallback, None);

    let a = &report.files[Path::new("content/2023/a2.md")];
    assert_eq!(a.source, HistorySource::Git);
    assert_eq!(a.first_commit, ts("2024-01-01T10:00:00Z"));
    assert_eq!(a.last_commit, ts("2024-03-01T10:00:00Z"));
    assert_eq!(a.revisions, 3, "added, edited, moved with an edit");

    let b = &report.files[Path::new("content/2024/b-renamed.md")];
    assert_eq!(b.first_commit, ts("2024-01-01T10:00:00Z"));
    assert_eq!(b.last_commit, ts("2024-03-02T10:00:00Z"));
    assert_eq!(b.revisions, 4, "added, renamed, edited, edited on a branch; the merge is not counted");

    let new = &report.files[Path::new("content/2024/new.md")];
    assert_eq!(new.source, HistorySource::FileTimes, "never committed");
}

#[test]
fn shallow_clone_falls_back_to_file_times() {
    let tmp = tempfile::tempdir().unwrap();
    let repo_dir = tmp.path().join("repo");
    build_history(&repo_dir);
    let clone = tmp.path().join("clone");
    let url = format!("file://{}", repo_dir.display());
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url])
        .arg(&clone)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let files = vec![PathBuf::from("content/2023/a2.md")];
    let report = history(&clone.join("kb"), &files);
    let why = report.fallback.expect("a shallow clone is reported");
    assert!(why.contains("shallow"), "{why}");
    assert_eq!(report.files[&files[0]].source, HistorySource::FileTimes);
}

#[test]
fn no_commits_yet_falls_back() {
    let tmp = tempfile::tempdir().unwrap();
    let r = Repo::new(&tmp.path().join("repo"));
    r.write("content/x.md", "x");
    let report = history(&r.dir, &[PathBuf::from("content/x.md")]);
    assert!(report.fallback.is_some());
    assert_eq!(report.files[Path::new("content/x.md")].source, HistorySource::FileTimes);
}

/// A knowledge base on `main`, then a branch that edits one postmortem, deletes another
/// that a third one names in `related`, and leaves one change uncommitted.
fn changed_kb(dir: &Path) -> Repo {
    let r = Repo::new(dir);
    r.write("site.toml", pmsite::scaffold::DEFAULT_SITE_TOML);
    r.write("content/2024/2024-01-01-edited.md", &postmortem("Edited", ""));
    r.write("content/2024/2024-01-02-target.md", &postmortem("Target", ""));
    r.write("content/2024/2024-01-03-referrer.md", &postmortem("Referrer", "related: [2024-01-02-target]\n"));
    // An old problem elsewhere that the branch does not touch.
    r.write("content/2024/2024-01-04-old-problem.md", &postmortem("Old", "").replace("SEV3", "SEV9"));
    r.write("content/2024/2024-01-05-uncommitted.md", &postmortem("Uncommitted", ""));
    r.commit_all("knowledge base", "2024-01-10T10:00:00Z");
    r.git(&["checkout", "-q", "-b", "feature"], "2024-01-11T10:00:00Z");
    r.write("content/2024/2024-01-01-edited.md", &postmortem("Edited", "").replace("SEV3", "SEV7"));
    std::fs::remove_file(dir.join("content/2024/2024-01-02-target.md")).unwrap();
    r.commit_all("edit and delete", "2024-01-11T10:00:00Z");
    r.write("content/2024/2024-01-05-uncommitted.md", &postmortem("Uncommitted", "status: nonsense\n"));
    r.write("content/2024/2024-01-06-brand-new.md", &postmortem("Brand new", ""));
    r
}

#[test]
fn changed_files_against_a_base_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let r = changed_kb(&tmp.path().join("repo"));
    let changed = changed_files(&r.dir, "main").unwrap();
    let names: Vec<String> = changed.iter().map(|p| p.display().to_string()).collect();
    assert_eq!(
        names,
        [
            "content/2024/2024-01-01-edited.md",
            "content/2024/2024-01-02-target.md",
            "content/2024/2024-01-05-uncommitted.md",
            "content/2024/2024-01-06-brand-new.md",
        ]
    );
    assert!(matches!(changed_files(&r.dir, "no-such-branch"), Err(pmsite::history::HistoryError::UnknownBase { .. })));

    let opts = pmsite::check::Options { strict: false, drafts: true, today: "2026-01-01".parse().unwrap() };
    let checked = pmsite::check::check(&r.dir, &opts);
    let kept = filter_to_changed(checked.diagnostics.clone(), &changed);
    let has = |diags: &[pmsite::diagnostics::Diagnostic], file: &str| diags.iter().any(|d| d.file == Path::new(file));
    assert!(has(&checked.diagnostics, "content/2024/2024-01-04-old-problem.md"));
    assert!(!has(&kept, "content/2024/2024-01-04-old-problem.md"));
    assert!(has(&kept, "content/2024/2024-01-01-edited.md"));
    assert!(has(&kept, "content/2024/2024-01-05-uncommitted.md"));
    assert!(kept.iter().any(|d| d.file == Path::new("content/2024/2024-01-03-referrer.md")
        && d.code == pmsite::diagnostics::Code::UnknownRelated));
}

#[test]
fn check_changed_reports_only_what_the_branch_touched() {
    let tmp = tempfile::tempdir().unwrap();
    let r = changed_kb(&tmp.path().join("repo"));
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_pmsite"))
            .args(["check", "--format", "json", "--today", "2026-01-01"])
            .args(args)
            .current_dir(&r.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        let diags: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json output");
        let errors: Vec<(String, String)> = diags
            .as_array()
            .unwrap()
            .iter()
            .filter(|d| d["level"] == "error")
            .map(|d| (d["file"].as_str().unwrap().to_string(), d["code"].as_str().unwrap().to_string()))
            .collect();
        (out.status.success(), errors, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (ok, all, _) = run(&[]);
    assert!(!ok);
    assert!(all.contains(&("content/2024/2024-01-04-old-problem.md".into(), "unknown-severity".into())));

    // Without --base, main is found (there is no origin/main).
    for args in [&["--changed", "--base", "main"][..], &["--changed"][..]] {
        let (ok, errors, stderr) = run(args);
        assert!(!ok);
        assert!(stderr.contains("4 files changed against main"), "{stderr}");
        assert_eq!(
            errors,
            vec![
                ("content/2024/2024-01-01-edited.md".to_string(), "unknown-severity".to_string()),
                ("content/2024/2024-01-03-referrer.md".into(), "unknown-related".into()),
                ("content/2024/2024-01-05-uncommitted.md".into(), "unknown-status".into()),
            ]
        );
    }

    // A branch whose changes are clean passes even though old problems remain.
    r.write("content/2024/2024-01-01-edited.md", &postmortem("Edited", ""));
    r.write("content/2024/2024-01-02-target.md", &postmortem("Target", ""));
    r.write("content/2024/2024-01-05-uncommitted.md", &postmortem("Uncommitted", ""));
    let (ok, errors, stderr) = run(&["--changed"]);
    assert!(ok, "{errors:?} {stderr}");
}

#[test]
fn built_pages_and_feeds_show_the_history() {
    let tmp = tempfile::tempdir().unwrap();
    let r = build_history(tmp.path());
    r.write("kb/site.toml", "title = \"History\"\nbase_url = \"https://pm.example/\"\n");
    r.commit_all("site", "2024-03-06T10:00:00Z");
    let out = tmp.path().join("public");
    let o = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["build", "--today", "2024-03-10", "--root"])
        .arg(tmp.path().join("kb"))
        .arg("--output")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!String::from_utf8_lossy(&o.stderr).contains("note:"), "a full repository needs no fallback note");
    let page = std::fs::read_to_string(out.join("incidents/b-renamed/index.html")).unwrap();
    // b: added 01-01, renamed 02-01, edited 02-03, edited on a branch 03-02 (merged 03-05).
    assert!(
        page.contains("First published 2024-01-01 · last updated 2024-03-02 (8 days before this build) · 4 revisions"),
        "{}",
        &page[page.find("history").unwrap_or(0)..][..300]
    );
    let feed = std::fs::read_to_string(out.join("atom.xml")).unwrap();
    assert!(
        feed.contains("<published>2024-01-01T10:00:00Z</published>\n<updated>2024-03-02T10:00:00Z</updated>"),
        "{feed}"
    );

    // Without a repository: file dates, said once, and the build still succeeds.
    let plain = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(plain.path().join("content/2024")).unwrap();
    std::fs::write(plain.path().join("site.toml"), "title = \"Plain\"\n").unwrap();
    std::fs::write(plain.path().join("content/2024/c.md"), postmortem("C", "")).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_pmsite")).args(["build", "--root"]).arg(plain.path()).output().unwrap();
    assert!(o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(stderr.matches("note:").count(), 1, "{stderr}");
    let page = std::fs::read_to_string(plain.path().join("public/incidents/c/index.html")).unwrap();
    assert!(page.contains("(no git history)"));
}
