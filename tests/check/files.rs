//! Files beside the pages: names the output cannot hold (`unsafe-file-name`), files
//! that would take another's place (`output-collision`), and links to files and
//! headings that do not exist (`missing-file`, `broken-anchor`). Whatever makes `build`
//! fail, `check` reports first, and `build` then leaves the output folder as it was.

use crate::harness::*;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

const F: &str = "content/2024/2024-03-12-pool-exhaustion.md";

/// The clean site with `body` appended to the postmortem's body.
fn with_body(body: &str) -> FixtureSite {
    FixtureSite::new().file(F, &format!("{CLEAN}{body}"))
}

/// Writes a file whose name is any bytes, in `dir` under the site root.
fn raw_file(site: &FixtureSite, dir: &str, name: &[u8]) {
    let dir = site.path(dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(name)), "x").unwrap();
}

/// The `unsafe-file-name` errors of a site, as (file, message).
fn unsafe_names(site: &FixtureSite) -> Vec<(String, String)> {
    let r = site.check();
    assert_eq!(r.status, 1, "{:#?}", r.diags);
    r.diags.iter().filter(|d| d.code == "unsafe-file-name").map(|d| (d.file.clone(), d.message.clone())).collect()
}

fn one_unsafe_name(dir: &str, name: &[u8], why: &str) {
    let site = FixtureSite::new().file(F, CLEAN);
    raw_file(&site, dir, name);
    let got = unsafe_names(&site);
    assert_eq!(got.len(), 1, "{got:#?}");
    let want = format!("{dir}/{}", String::from_utf8_lossy(name));
    assert_eq!(got[0].0, want);
    assert!(got[0].1.contains(why), "{}", got[0].1);
}

mod unsafe_file_name {
    use super::*;

    #[test]
    fn a_newline_in_a_static_file_name() {
        one_unsafe_name("static", b"evil\n..", "line break");
    }

    #[test]
    fn a_newline_in_an_attachment_name() {
        one_unsafe_name("content/2024", b"graph\n.png", "line break");
    }

    #[test]
    fn a_newline_in_a_postmortem_file_name() {
        // Its id would be a folder of the site with a newline in its name.
        let site = FixtureSite::new().file("content/2024/pool\nexhaustion.md", CLEAN);
        let got = unsafe_names(&site);
        assert_eq!(got.iter().map(|g| g.0.as_str()).collect::<Vec<_>>(), ["content/2024/pool\nexhaustion.md"]);
    }

    #[test]
    fn control_characters_c0_del_and_c1() {
        one_unsafe_name("static", b"bell\x07.txt", "control character");
        one_unsafe_name("static", b"tab\there.txt", "control character");
        one_unsafe_name("static", b"del\x7f.txt", "control character");
        one_unsafe_name("static", "csi\u{9b}2J.txt".as_bytes(), "control character");
    }

    #[test]
    fn a_backslash() {
        one_unsafe_name("static", b"dir\\file.txt", "backslash");
    }

    #[test]
    fn pmsites_own_bookkeeping_names() {
        one_unsafe_name("static", b".pmsite-output", "reserved");
    }

    #[test]
    fn a_name_too_long_for_a_file_system() {
        // 224 bytes: a file this system holds, but a staged copy or a `-2` would not fit.
        one_unsafe_name("static", format!("{}.txt", "a".repeat(220)).as_bytes(), "longer than 200 bytes");
        one_unsafe_name("content/2024", format!("{}.md", "b".repeat(210)).as_bytes(), "longer than 200 bytes");
    }

    #[test]
    fn a_newline_in_a_theme_file_name() {
        one_unsafe_name("themes/default/static", b"x\n.css", "line break");
    }

    #[test]
    fn a_name_that_is_not_utf8() {
        one_unsafe_name("static", b"caf\xe9.txt", "not valid UTF-8");
    }

    #[test]
    fn front_matter_values_that_become_folders() {
        let long = "x".repeat(201);
        let text = clean_with("services: [checkout-api]\n", &format!("services: [checkout-api, {long}]\n"))
            .replace("owner: payments-oncall", &format!("owner: {long}"));
        let r = FixtureSite::new().file(F, &text).check();
        let got: Vec<_> = r
            .diags
            .iter()
            .filter(|d| d.code == "unsafe-file-name")
            .map(|d| (d.file.as_str(), d.line, d.column))
            .collect();
        assert_eq!(got, [(F, 5, 26), (F, 19, 12)], "{:#?}", r.diags);
        // Slugs are what become folders: a long name of short words that slugs short is fine.
        let ok = clean_with(
            "services: [checkout-api]\n",
            "services: [checkout-api]\ntags: [\"a !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!! b\"]\n",
        );
        assert_eq!(FixtureSite::new().file(F, &ok).check().diags, vec![]);
    }
}

mod output_collision {
    use super::*;

    fn collisions(site: &FixtureSite) -> Vec<(String, String)> {
        let r = site.check();
        r.diags.iter().filter(|d| d.code == "output-collision").map(|d| (d.file.clone(), d.message.clone())).collect()
    }

    fn one_collision(static_file: &str, says: &str) {
        let site = with_body("").file(&format!("static/{static_file}"), "mine");
        let got = collisions(&site);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0].0, format!("static/{static_file}"));
        assert!(got[0].1.contains(says), "{}", got[0].1);
    }

    #[test]
    fn with_generated_pages_and_files() {
        one_collision("index.html", "`index.html`, a page pmsite makes");
        one_collision("incidents/2024-03-12-pool-exhaustion/index.html", "a page pmsite makes");
        one_collision("services/checkout-api/index.html", "a page pmsite makes");
        one_collision("services/checkout-api/atom.xml", "a feed pmsite makes");
        one_collision("sitemap.xml", "a file pmsite makes");
        one_collision("api/postmortems.json", "a file pmsite makes");
        one_collision("assets/style.css", "a file of the theme");
        one_collision("search/shard-a-0123abcd.js", "a file of the search index");
    }

    #[test]
    fn a_file_where_pages_need_a_folder() {
        one_collision("incidents", "a folder of pages pmsite makes");
        one_collision("index.html/x.txt", "as if it were a folder");
    }

    #[test]
    fn a_static_file_and_a_published_attachment() {
        let site = with_body("\n![graph](graph.png)\n")
            .file("content/2024/graph.png", "PNG")
            .file("static/files/2024/graph.png", "other");
        let got = collisions(&site);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0].0, "static/files/2024/graph.png");
        assert!(got[0].1.contains("where content/2024/graph.png goes too"), "{}", got[0].1);
        // A file where the attachment needs a folder.
        let site = with_body("\n![graph](graph.png)\n")
            .file("content/2024/graph.png", "PNG")
            .file("static/files/2024", "a file");
        let got = collisions(&site);
        assert_eq!(got.len(), 1, "{got:#?}");
        assert_eq!(got[0].0, "static/files/2024");
        assert!(got[0].1.contains("a folder that content/2024/graph.png needs"), "{}", got[0].1);
    }

    #[test]
    fn an_attachment_nothing_links_to_takes_no_place() {
        let site = with_body("").file("content/2024/graph.png", "PNG").file("static/files/2024/graph.png", "other");
        assert_eq!(site.check().diags, vec![]);
    }

    #[test]
    fn static_files_beside_generated_ones_are_fine() {
        let site = with_body("")
            .file("static/assets/logo.svg", "<svg/>")
            .file("static/incidents/README.txt", "x")
            .file("static/search/help.html", "x")
            .file("static/.well-known/security.txt", "x");
        assert_eq!(site.check().diags, vec![]);
    }
}

mod missing_file {
    use super::*;

    fn missing(site: &FixtureSite) -> Vec<(usize, usize, String)> {
        let r = site.check();
        assert!(r.diags.iter().all(|d| d.code == "missing-file" && d.level == "warning"), "{:#?}", r.diags);
        r.diags.iter().map(|d| (d.line, d.column, d.message.clone())).collect()
    }

    #[test]
    fn relative_links_and_images() {
        // CLEAN's body is line 23; the appended text starts on line 24.
        let site = with_body(
            "![there](./graph.png) ![not](./nope.png)\n[pdf](../2023/report.pdf) [gone](../2023/gone.pdf)\n[spaced](pool%20graph.png) [web](https://e.com/x.png) [mail](mailto:a@b.c)\n",
        )
        .file("content/2024/graph.png", "PNG")
        .file("content/2024/pool graph.png", "PNG")
        .file("content/2023/report.pdf", "PDF");
        let got = missing(&site);
        let places: Vec<_> = got.iter().map(|g| (g.0, g.1)).collect();
        assert_eq!(places, [(24, 23), (25, 27)], "{got:#?}");
        assert!(got[0].2.contains("`./nope.png`, which does not exist"), "{}", got[0].2);
    }

    #[test]
    fn root_absolute_links_resolve_against_static() {
        let site = with_body(
            "![logo](/assets/logo.png) ![gone](/assets/gone.png)\n[css](/assets/style.css) [page](/incidents/2024-03-12-pool-exhaustion/) [home](/) [feed](/atom.xml)\n",
        )
        .file("static/assets/logo.png", "PNG");
        let got = missing(&site);
        assert_eq!(got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(), [(24, 27)], "{got:#?}");
        assert!(got[0].2.contains("`/assets/gone.png`"), "{}", got[0].2);
    }

    #[test]
    fn files_the_site_does_not_publish() {
        let site = with_body("[toml](../../site.toml) [dir](../2024/) [escape](../../../etc/passwd)\n");
        let got = missing(&site);
        assert_eq!(got.len(), 3, "{got:#?}");
        assert!(got[0].2.contains("outside content/"), "{}", got[0].2);
        assert!(got[1].2.contains("a folder"), "{}", got[1].2);
        assert!(got[2].2.contains("outside the knowledge base"), "{}", got[2].2);
    }

    #[test]
    fn markdown_links_stay_broken_link_errors() {
        let r = with_body("[gone](../2023/gone.md)\n").check();
        assert_eq!(r.codes(), ["broken-link"]);
    }
}

mod broken_anchor {
    use super::*;

    const OTHER: &str = "content/2023/2023-11-02-payments-db-failover.md";

    fn anchors(site: &FixtureSite) -> Vec<(usize, usize, String)> {
        let r = site.check();
        assert!(r.diags.iter().all(|d| d.code == "broken-anchor" && d.level == "warning"), "{:#?}", r.diags);
        r.diags.iter().map(|d| (d.line, d.column, d.message.clone())).collect()
    }

    #[test]
    fn in_the_same_file() {
        // Ids as the page has them: duplicates numbered, `{#id}` kept, punctuation dropped.
        let site = with_body(
            "## Lessons\n## Lessons\n## Why? {#why}\n## What `x` did\n[a](#lessons-2) [b](#why) [c](#what-x-did) [d](#lessons-3) [e](#Lessons)\n",
        );
        let got = anchors(&site);
        assert_eq!(got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(), [(28, 44), (28, 60)], "{got:#?}");
        assert!(got[0].2.contains("`#lessons-3`, which is not a heading of this file"), "{}", got[0].2);
    }

    #[test]
    fn in_another_postmortem() {
        let other = clean_with("date: 2024-03-12", "date: 2023-11-02")
            .replace("2024-03-12T", "2023-11-02T")
            .replace("The pool ran out of connections.", "## Root cause\n\nThe primary failed.");
        let site = with_body("[ok](../2023/2023-11-02-payments-db-failover.md#root-cause) [bad](../2023/2023-11-02-payments-db-failover.md#nope)\n")
            .file(OTHER, &other);
        let got = anchors(&site);
        assert_eq!(got.iter().map(|g| (g.0, g.1)).collect::<Vec<_>>(), [(24, 61)], "{got:#?}");
        assert!(got[0].2.contains(&format!("`#nope`, which is not a heading of {OTHER}")), "{}", got[0].2);
    }

    #[test]
    fn percent_encoded_fragments() {
        let site = with_body("## Café\n[a](#caf%C3%A9)\n");
        assert_eq!(anchors(&site), vec![]);
    }
}

/// `build` to `out` from `root`: its exit code.
fn build(root: &Path, out: &Path) -> i32 {
    let o = command(root, &["build", "--today", "2026-01-01", "--root", root.to_str().unwrap(), "--output"])
        .arg(out)
        .output()
        .unwrap();
    o.status.code().unwrap()
}

/// Every file under `dir` with its bytes.
fn snapshot(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn whatever_check_refuses_build_refuses_without_touching_the_output() {
    type Spoil = fn(&FixtureSite);
    let cases: [(&str, &str, Spoil); 9] = [
        ("newline in static/", "unsafe-file-name", |s| raw_file(s, "static", b"a\nb.txt")),
        ("newline in content/", "unsafe-file-name", |s| raw_file(s, "content/2024", b"a\nb.png")),
        ("backslash", "unsafe-file-name", |s| raw_file(s, "static", b"a\\b.txt")),
        ("bookkeeping name", "unsafe-file-name", |s| raw_file(s, "static", b".pmsite-output")),
        ("long tag", "unsafe-file-name", |s| {
            let text = clean_with("factors:", &format!("tags: [{}]\nfactors:", "t".repeat(230)));
            std::fs::write(s.path(F), text).unwrap();
        }),
        ("static page", "output-collision", |s| std::fs::write(s.path("static/index.html"), "x").unwrap()),
        ("static theme file", "output-collision", |s| {
            std::fs::create_dir_all(s.path("static/assets")).unwrap();
            std::fs::write(s.path("static/assets/site.js"), "x").unwrap();
        }),
        ("static over attachment", "output-collision", |s| {
            std::fs::create_dir_all(s.path("static/files/2024")).unwrap();
            std::fs::write(s.path("static/files/2024/graph.png"), "x").unwrap();
        }),
        ("file for a folder", "output-collision", |s| std::fs::write(s.path("static/incidents"), "x").unwrap()),
    ];
    for (what, code, spoil) in cases {
        let site =
            with_body("\n![graph](graph.png)\n").file("content/2024/graph.png", "PNG").file("static/ok.txt", "x");
        let out = site.path("public");
        assert_eq!(build(site.root(), &out), 0, "{what}: the clean site builds");
        let before = snapshot(&out);
        spoil(&site);
        let r = site.check();
        assert_eq!(r.status, 1, "{what}: {:#?}", r.diags);
        assert!(r.errors().iter().any(|d| d.code == code), "{what}: {:#?}", r.diags);
        assert_eq!(build(site.root(), &out), 1, "{what}: build fails too");
        assert!(snapshot(&out) == before, "{what}: the output folder changed");
    }
}
