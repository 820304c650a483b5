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
    let cases = [
        ("../outside", "leads out of the knowledge base"),
        ("/etc", "is not a path relative"),
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
