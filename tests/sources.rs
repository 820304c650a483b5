//! `[[sources]]`: one site from several team repositories, each a real git repository
//! made with the git CLI (commits with set dates), built with the `pmsite` binary.

mod common;

use common::git::Repo;
use std::path::Path;
use std::process::Command;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
}

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn pm(title: &str, date: &str, extra: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\nseverity: SEV2\n{extra}---\n\nWhat happened to {title}.\n")
}

const SITE: &str = "title = \"Org\"\nrepo_url = \"https://git.example/sre/site\"\n\n[[sources]]\npath = \"teams/payments\"\nrepo_url = \"https://git.example/payments/postmortems\"\nteams = [\"payments\"]\nservices = [\"checkout-api\"]\n";

/// The publishing repository with content/, and the payments team's repository checked
/// out inside it at teams/payments (ignored by the publishing repository), with its
/// postmortems under docs/pm in that repository.
fn two_repositories(tmp: &Path) -> (Repo, Repo) {
    let site = Repo::new(&tmp.join("site"));
    site.write("site.toml", &SITE.replace("teams/payments\"", "teams/payments/docs/pm\""));
    site.write(".gitignore", "/teams/\n/public/\n/.pmsite/\n");
    site.write("content/2024/2024-02-01-dns.md", &pm("DNS outage", "2024-02-01", "services: [dns]\nteams: [sre]\n"));
    site.commit_all("dns", "2024-02-02T09:00:00Z");
    site.write(
        "content/2024/2024-02-01-dns.md",
        &pm("DNS outage", "2024-02-01", "services: [dns]\nteams: [sre]\nsummary: resolvers\n"),
    );
    site.commit_all("dns summary", "2024-02-03T09:00:00Z");

    let team = Repo::new(&tmp.join("site/teams/payments"));
    team.write("README.txt", "payments postmortems\n");
    team.write("docs/pm/2024/2024-03-01-card-declines.md", &pm("Card declines", "2024-03-01", ""));
    team.commit_all("card declines", "2024-03-05T12:00:00Z");
    team.write("docs/pm/2024/2024-03-01-card-declines.md", &pm("Card declines", "2024-03-01", "summary: x\n"));
    team.commit_all("summary", "2024-03-07T12:00:00Z");
    team.write("docs/pm/2024/2024-03-01-card-declines.md", &pm("Card declines", "2024-03-01", "summary: y\n"));
    team.commit_all("summary again", "2024-03-09T12:00:00Z");
    (site, team)
}

fn build(root: &Path, extra: &[&str]) -> std::process::Output {
    bin().args(["build", "--today", "2024-06-01", "--root"]).arg(root).args(extra).output().unwrap()
}

fn page(root: &Path, id: &str) -> String {
    std::fs::read_to_string(root.join(format!("public/incidents/{id}/index.html"))).unwrap()
}

#[test]
fn two_repositories_build_into_one_site_with_their_own_edit_links_and_history() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, _team) = two_repositories(tmp.path());
    let o = build(&site.dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));

    let card = page(&site.dir, "2024-03-01-card-declines");
    assert!(
        card.contains(
            "href=\"https://git.example/payments/postmortems/-/edit/main/docs/pm/2024/2024-03-01-card-declines.md\""
        ),
        "the edit link points into the team's repository, at the file's path there: {card}"
    );
    assert!(card.contains(
        "href=\"https://git.example/payments/postmortems/-/commits/main/docs/pm/2024/2024-03-01-card-declines.md\""
    ));
    assert!(
        card.contains("First published 2024-03-05 · last updated 2024-03-09") && card.contains("3 revisions"),
        "history from the team's repository: {card}"
    );
    assert!(
        card.contains("checkout-api") && card.contains("payments"),
        "the source's defaults fill teams and services"
    );

    let dns = page(&site.dir, "2024-02-01-dns");
    assert!(dns.contains("href=\"https://git.example/sre/site/-/edit/main/content/2024/2024-02-01-dns.md\""), "{dns}");
    assert!(dns.contains("First published 2024-02-02 · last updated 2024-02-03") && dns.contains("2 revisions"));

    let home = std::fs::read_to_string(site.dir.join("public/index.html")).unwrap();
    assert!(home.contains("Card declines") && home.contains("DNS outage"), "one site lists both");
    let team_page = std::fs::read_to_string(site.dir.join("public/teams/payments/index.html")).unwrap();
    assert!(team_page.contains("Card declines"));
}

#[test]
fn an_id_in_two_sources_fails_check_naming_both_files() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = two_repositories(tmp.path());
    team.write("docs/pm/2024/2024-02-01-dns.md", &pm("Payments DNS", "2024-02-01", ""));
    let o = bin().args(["check", "--format", "json", "--root"]).arg(&site.dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let dups: Vec<&serde_json::Value> = v.as_array().unwrap().iter().filter(|d| d["code"] == "duplicate-id").collect();
    assert_eq!(dups.len(), 1, "{v:#}");
    let msg = dups[0]["message"].as_str().unwrap();
    assert!(
        msg.contains("content/2024/2024-02-01-dns.md") && msg.contains("teams/payments/docs/pm/2024/2024-02-01-dns.md"),
        "{msg}"
    );
    assert_eq!((dups[0]["line"].as_u64(), dups[0]["column"].as_u64()), (Some(1), Some(1)));
    assert!(!build(&site.dir, &[]).status.success(), "and the build fails");
}

#[test]
fn check_changed_compares_each_source_with_its_own_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = two_repositories(tmp.path());
    team.git(&["checkout", "-q", "-b", "work"], "2024-04-01T00:00:00Z");
    // A problem in the team's repository, changed on its branch, and one in the
    // publishing repository that is committed on main (so not changed).
    team.write(
        "docs/pm/2024/2024-03-01-card-declines.md",
        &pm("Card declines", "2024-03-01", "severity2: x\nfactors: [nope]\n"),
    );
    site.write("content/2024/2024-02-01-dns.md", &pm("DNS outage", "2024-02-01", "services: [dns]\nfactors: [nah]\n"));
    site.commit_all("bad factor", "2024-04-02T00:00:00Z");
    let o = bin().args(["check", "--changed", "--format", "json", "--root"]).arg(&site.dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> =
        v.as_array().unwrap().iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["teams/payments/docs/pm/2024/2024-03-01-card-declines.md"].into(), "{v:#} {stderr}");
    assert!(stderr.contains("teams/payments/docs/pm against main"), "{stderr}");
}

#[test]
fn bad_source_paths_are_errors_at_their_place_in_site_toml() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kb");
    let outside = tmp.path().join("outside");
    write(&outside, "2024/secret.md", &pm("Secret", "2024-01-01", "services: [x]\n"));
    write(&root, "content/2024/a.md", &pm("A", "2024-01-01", "services: [x]\n"));
    write(&root, "teams/file.md", "not a folder");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&outside, root.join("teams/link")).unwrap();
    // A path leading out of the knowledge base on purpose (`../outside`) is a sibling
    // source: see unsafe_sibling_and_absolute_sources_are_refused_at_their_place.
    let cases = [
        ("teams/missing", "does not exist"),
        ("teams/file.md", "is a file, not a folder"),
        #[cfg(unix)]
        ("teams/link", "leads outside the knowledge base"),
    ];
    for (path, problem) in cases {
        write(&root, "site.toml", &format!("title = \"t\"\n\n[[sources]]\npath = \"{path}\"\n"));
        let o = bin().args(["check", "--format", "json", "--root"]).arg(&root).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{path}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let errors: Vec<&serde_json::Value> = v.as_array().unwrap().iter().filter(|d| d["level"] == "error").collect();
        assert_eq!(errors.len(), 1, "{path}: {v:#}");
        let d = errors[0];
        assert_eq!(
            (d["file"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
            (Some("site.toml"), Some(4), Some(8))
        );
        assert!(d["message"].as_str().unwrap().contains(problem), "{path}: {d}");
        let out = tmp.path().join("out");
        let b = bin().args(["build", "--root"]).arg(&root).arg("--output").arg(&out).output().unwrap();
        assert_eq!(b.status.code(), Some(1), "{path}");
        assert!(!out.exists(), "{path}: nothing is written");
    }
    assert!(!outside.join("public").exists() && std::fs::read_dir(&outside).unwrap().count() == 1);
}

#[test]
fn a_submodule_source_has_its_own_history_and_edit_links() {
    let tmp = tempfile::tempdir().unwrap();
    let team = Repo::new(&tmp.path().join("search-team"));
    team.write("2024/2024-05-01-index-lag.md", &pm("Index lag", "2024-05-01", "services: [search]\n"));
    team.commit_all("index lag", "2024-05-02T08:00:00Z");
    team.write("2024/2024-05-01-index-lag.md", &pm("Index lag", "2024-05-01", "services: [search]\nsummary: s\n"));
    team.commit_all("summary", "2024-05-04T08:00:00Z");

    let site = Repo::new(&tmp.path().join("site"));
    site.write(
        "site.toml",
        "title = \"Org\"\nrepo_url = \"https://git.example/sre/site\"\n[[sources]]\npath = \"teams/search\"\nrepo_url = \"https://git.example/search/pm\"\n",
    );
    site.write("content/2024/2024-04-01-a.md", &pm("A", "2024-04-01", "services: [web]\n"));
    let url = team.dir.to_string_lossy().into_owned();
    site.git(
        &["-c", "protocol.file.allow=always", "submodule", "add", "-q", &url, "teams/search"],
        "2024-05-10T00:00:00Z",
    );
    site.commit_all("add the search team's postmortems", "2024-05-10T00:00:00Z");
    let o = build(&site.dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let html = page(&site.dir, "2024-05-01-index-lag");
    assert!(html.contains("href=\"https://git.example/search/pm/-/edit/main/2024/2024-05-01-index-lag.md\""), "{html}");
    assert!(
        html.contains("First published 2024-05-02 · last updated 2024-05-04") && html.contains("2 revisions"),
        "the submodule's own commits, not the commit that added it: {html}"
    );
}

#[test]
fn check_changed_counts_every_file_of_a_source_repository_without_a_base() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = two_repositories(tmp.path());
    team.git(&["branch", "-m", "main", "trunk"], "2024-04-01T00:00:00Z");
    let o = bin().args(["check", "--changed", "--format", "json", "--root"]).arg(&site.dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("teams/payments/docs/pm: no base branch there, so all its files count as changed"),
        "{stderr}"
    );
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> =
        v.as_array().unwrap().iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["teams/payments/docs/pm/2024/2024-03-01-card-declines.md"].into(), "{v:#}");
}

/// The CI layout: the site and a team's repository checked out side by side, the team's
/// on a branch that is not `main`, with its postmortems and an attachment at the top.
fn side_by_side(tmp: &Path) -> (Repo, Repo) {
    let team = Repo::new(&tmp.join("team-payments"));
    team.git(&["checkout", "-q", "-b", "trunk"], "2024-01-01T00:00:00Z");
    let card = |extra| format!("{}\n![graph](declines.png)\n", pm("Card declines", "2024-03-01", extra));
    team.write("2024/2024-03-01-card-declines.md", &card(""));
    team.write("2024/declines.png", "png");
    team.commit_all("card declines", "2024-03-05T12:00:00Z");
    team.write("2024/2024-03-01-card-declines.md", &card("summary: x\n"));
    team.commit_all("summary", "2024-03-07T12:00:00Z");

    let site = Repo::new(&tmp.join("site"));
    site.write(
        "site.toml",
        "title = \"Org\"\nrepo_url = \"https://github.com/org/site\"\n\n[[sources]]\npath = \"../team-payments\"\nrepo_url = \"https://github.com/org/team-payments\"\nteams = [\"payments\"]\nservices = [\"checkout-api\"]\n",
    );
    site.write(".gitignore", "/public/\n/.pmsite/\n");
    site.write("content/2024/2024-02-01-dns.md", &pm("DNS outage", "2024-02-01", "services: [dns]\n"));
    site.commit_all("dns", "2024-02-02T09:00:00Z");
    (site, team)
}

fn tree(dir: &Path) -> Vec<String> {
    let mut files: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| e.file_name() != ".git")
        .flatten()
        .map(|e| e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned())
        .collect();
    files.sort();
    files
}

#[test]
fn a_sibling_checkout_builds_with_edit_links_on_its_checked_out_branch() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = side_by_side(tmp.path());
    let before = tree(&team.dir);
    let o = build(&site.dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let card = page(&site.dir, "2024-03-01-card-declines");
    assert!(
        card.contains("href=\"https://github.com/org/team-payments/edit/trunk/2024/2024-03-01-card-declines.md\""),
        "GitHub's shape, on the branch checked out there: {card}"
    );
    assert!(
        card.contains("href=\"https://github.com/org/team-payments/commits/trunk/2024/2024-03-01-card-declines.md\"")
    );
    assert!(
        card.contains("First published 2024-03-05 · last updated 2024-03-07") && card.contains("2 revisions"),
        "history from the sibling repository: {card}"
    );
    assert!(card.contains("checkout-api"), "the source's defaults");
    assert!(card.contains("../../files/team-payments/2024/declines.png"), "{card}");
    assert!(site.dir.join("public/files/team-payments/2024/declines.png").is_file());
    let dns = page(&site.dir, "2024-02-01-dns");
    assert!(dns.contains("href=\"https://github.com/org/site/edit/main/content/2024/2024-02-01-dns.md\""), "{dns}");
    assert_eq!(tree(&team.dir), before, "nothing is written into a source");

    // A cached rebuild sees a commit on another branch of the source: links follow it.
    team.git(&["checkout", "-q", "-b", "release/2024"], "2024-04-01T00:00:00Z");
    let o = build(&site.dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let card = page(&site.dir, "2024-03-01-card-declines");
    assert!(card.contains("/edit/release/2024/2024/2024-03-01-card-declines.md\""), "{card}");

    // A configured branch wins over the checked-out one; repo_kind picks the shape.
    let toml = std::fs::read_to_string(site.dir.join("site.toml")).unwrap();
    site.write("site.toml", &toml.replace("teams = [", "branch = \"stable\"\nrepo_kind = \"gitea\"\nteams = ["));
    let o = build(&site.dir, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let card = page(&site.dir, "2024-03-01-card-declines");
    assert!(
        card.contains("https://github.com/org/team-payments/_edit/stable/2024/2024-03-01-card-declines.md"),
        "{card}"
    );
    assert!(
        card.contains("https://github.com/org/team-payments/commits/branch/stable/2024/2024-03-01-card-declines.md")
    );
}

#[test]
fn check_changed_works_for_a_sibling_checkout() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = side_by_side(tmp.path());
    team.git(&["branch", "main"], "2024-04-01T00:00:00Z");
    team.write("2024/2024-04-01-new.md", &pm("New", "2024-04-01", "factors: [nope]\n"));
    let o = bin().args(["check", "--changed", "--format", "json", "--root"]).arg(&site.dir).output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files: std::collections::BTreeSet<&str> =
        v.as_array().unwrap().iter().map(|d| d["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["../team-payments/2024/2024-04-01-new.md"].into(), "{v:#} {stderr}");
    assert!(stderr.contains("../team-payments against main"), "{stderr}");
}

#[test]
fn unsafe_sibling_and_absolute_sources_are_refused_at_their_place() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = side_by_side(tmp.path());
    let root = &site.dir;
    write(tmp.path(), "a-file", "x");
    write(root, ".pmsite/x/keep", "x");
    #[cfg(unix)]
    std::os::unix::fs::symlink(&team.dir, tmp.path().join("pay-link")).unwrap();
    let abs_team = team.dir.to_string_lossy().into_owned();
    let abs_missing = tmp.path().join("nowhere").to_string_lossy().into_owned();
    let mut cases: Vec<(String, &str)> = vec![
        ("../team-missing".into(), "does not exist"),
        ("../a-file".into(), "is a file, not a folder"),
        (abs_missing, "does not exist"),
        ("team/../../x".into(), "`..` after a folder name"),
        ("../site/.pmsite/x".into(), "is inside the knowledge base"),
        ("..".into(), "names no folder"),
        ("../team-payments/2024".into(), "overlaps"),
        (abs_team, "overlaps `../team-payments/` once symlinks are resolved"),
    ];
    #[cfg(unix)]
    {
        cases.push(("../pay-link".into(), "overlaps `../team-payments/` once symlinks are resolved"));
        std::os::unix::fs::symlink(tmp.path().join("loop"), tmp.path().join("loop")).unwrap();
        cases.push(("../loop".into(), "cannot be read"));
    }
    for (path, problem) in cases {
        // The sibling source first, then the one under test on line 7.
        write(
            root,
            "site.toml",
            &format!(
                "title = \"t\"\n[[sources]]\npath = \"../team-payments\"\nservices = [\"x\"]\n[[sources]]\n# the one under test\npath = \"{path}\"\n"
            ),
        );
        let o = bin().args(["check", "--format", "json", "--root"]).arg(root).output().unwrap();
        assert_eq!(o.status.code(), Some(1), "{path}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let errors: Vec<&serde_json::Value> = v.as_array().unwrap().iter().filter(|d| d["level"] == "error").collect();
        assert_eq!(errors.len(), 1, "{path}: {v:#}");
        let d = errors[0];
        assert_eq!(
            (d["file"].as_str(), d["code"].as_str(), d["line"].as_u64(), d["column"].as_u64()),
            (Some("site.toml"), Some("config-value"), Some(7), Some(8)),
            "{path}: {d}"
        );
        assert!(d["message"].as_str().unwrap().contains(problem), "{path}: {d}");
        assert!(d["suggestion"].as_str().is_some_and(|s| !s.is_empty()), "{path}: says what to do");
    }
}

#[test]
fn a_build_neither_writes_into_a_source_nor_reads_its_own_output() {
    let tmp = tempfile::tempdir().unwrap();
    let (site, team) = side_by_side(tmp.path());
    let before = tree(&team.dir);
    let o =
        bin().args(["build", "--root"]).arg(&site.dir).args(["--output", "../team-payments/site"]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("is inside the source `../team-payments`"), "{stderr}");
    assert_eq!(tree(&team.dir), before, "nothing is written into the source");

    write(&site.dir, "public/team/2024/a.md", &pm("A", "2024-01-01", "services: [x]\n"));
    site.write("site.toml", "title = \"t\"\n[[sources]]\npath = \"public/team\"\n");
    let o = bin().args(["build", "--root"]).arg(&site.dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("site.toml:3:8") && stderr.contains("is inside the output folder `public`"), "{stderr}");
    let o = bin().args(["build", "--root"]).arg(&site.dir).args(["--output", "."]).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains("the output folder `.` holds the source `content`"), "{stderr}");
    assert!(site.dir.join("content/2024/2024-02-01-dns.md").is_file(), "nothing is replaced");

    // Symlinks inside a source are not followed: a loop back up it, or one into the
    // output folder, neither hangs the build nor feeds it its own output.
    #[cfg(unix)]
    {
        let (site, team) = side_by_side(&tmp.path().join("links"));
        std::os::unix::fs::symlink("..", team.dir.join("2024/again")).unwrap();
        std::os::unix::fs::symlink(site.dir.join("public"), team.dir.join("2024/site")).unwrap();
        for _ in 0..2 {
            let o = build(&site.dir, &["--no-cache"]);
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        }
        let published = tree(&site.dir.join("public/files"));
        assert_eq!(published, ["", "team-payments", "team-payments/2024", "team-payments/2024/declines.png"]);
    }
}
