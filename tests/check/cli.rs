//! The command line: exit codes, output formats, colour, order, and finding the root.

use crate::harness::*;

const F: &str = "content/2024/2024-03-12-pool-exhaustion.md";

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn stdout(out: &std::process::Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn root_arg(name: &str) -> String {
    fixture(name).to_str().unwrap().to_string()
}

#[test]
fn errors_exit_1() {
    let r = check_fixture("unknown-factor");
    assert_eq!(r.errors().len(), 1);
    assert_eq!(r.status, 1);
}

#[test]
fn warnings_alone_exit_0() {
    let r = check_fixture("action-no-owner");
    assert_eq!((r.errors().len(), r.warnings().len()), (0, 1));
    assert_eq!(r.status, 0);
}

#[test]
fn strict_makes_warnings_errors() {
    let r = check_dir(&fixture("action-no-owner"), &["--strict"]);
    assert_eq!(r.status, 1);
    assert_eq!(r.codes(), ["action-no-owner"]);
    assert_eq!(r.diags[0].level, "error");
    // And a clean site stays clean under --strict.
    assert_eq!(check_dir(&fixture("valid"), &["--strict"]).status, 0);
}

#[test]
fn no_site_toml_exits_2_and_says_what_to_do() {
    let empty = FixtureSite::empty();
    let out = run_bin(&["check", "--root", empty.root().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("has no site.toml"), "{err}");
    assert!(err.contains("pmsite init"), "{err}");

    // Without --root, from a folder with no site.toml above it.
    let out = run_bin_in(empty.root(), &["check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("no site.toml in"), "{err}");
    assert!(err.contains("--root") && err.contains("pmsite init"), "{err}");
}

#[test]
fn github_annotations() {
    let out = run_bin(&["check", "--format", "github", "--root", &root_arg("unknown-factor")]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stdout(&out),
        format!(
            "::error file={F},line=6,col=26,title=pmsite unknown-factor::[unknown-factor] unknown factor `retry-strom` \
             (help: did you mean `retry-storm`? Factors are defined in site.toml [factors.*])\n"
        )
    );
    let out = run_bin(&["check", "--format", "github", "--root", &root_arg("action-no-owner")]);
    assert!(
        stdout(&out).starts_with(&format!("::warning file={F},line=18,col=5,title=pmsite action-no-owner::")),
        "{}",
        stdout(&out)
    );
}

#[test]
fn gitlab_code_quality_report() {
    let out = run_bin(&["check", "--format", "gitlab", "--root", &root_arg("blame-language")]);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).unwrap();
    let issues = v.as_array().unwrap();
    assert_eq!(issues.len(), 3);
    let first = &issues[0];
    assert_eq!(first["check_name"], "blame-language");
    assert_eq!(first["severity"], "minor");
    assert_eq!(first["location"]["path"], F);
    assert_eq!(first["location"]["lines"]["begin"], 23);
    assert!(first["description"].as_str().unwrap().starts_with("blame language: \"Human Error\""));
    let fps: std::collections::HashSet<_> = issues.iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
    assert_eq!(fps.len(), 3, "fingerprints are unique");
    // Stable: the same input gives the same report.
    let again = run_bin(&["check", "--format", "gitlab", "--root", &root_arg("blame-language")]);
    assert_eq!(stdout(&again), stdout(&out));
}

#[test]
fn human_output_shows_the_line_and_carets_without_colour_when_piped() {
    let out = run_bin(&["check", "--root", &root_arg("unknown-factor")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty(), "human output goes to stderr");
    let err = stderr(&out);
    assert!(err.contains("error[unknown-factor]: unknown factor `retry-strom`"), "{err}");
    assert!(err.contains(&format!(" --> {F}:6:26\n")), "{err}");
    assert!(err.contains("6 | factors: [missing-alert, retry-strom]\n"), "{err}");
    // 25 spaces put the carets under column 26.
    assert!(err.contains(&format!("  | {}^^^^^^^^^^^\n", " ".repeat(25))), "{err}");
    assert!(err.contains("= help: did you mean `retry-storm`?"), "{err}");
    assert!(err.ends_with("checked 1 postmortem: 1 error, 0 warnings\n"), "{err}");
    assert!(!err.contains('\x1b'), "no ANSI codes when piped: {err:?}");
}

#[test]
fn colour_is_forced_by_clicolor_force_and_refused_by_no_color() {
    let root = root_arg("unknown-factor");
    let args = ["check", "--root", root.as_str()];
    let here = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let forced = command(here, &args).env("CLICOLOR_FORCE", "1").output().unwrap();
    assert!(stderr(&forced).contains("\x1b[1;31merror[unknown-factor]"), "{:?}", stderr(&forced));
    let refused = command(here, &args).env("CLICOLOR_FORCE", "1").env("NO_COLOR", "1").output().unwrap();
    assert!(!stderr(&refused).contains('\x1b'), "NO_COLOR wins");
    // Machine formats are never coloured.
    let json = command(here, &["check", "--format", "json", "--root", root.as_str()])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .unwrap();
    assert!(!stdout(&json).contains('\x1b'));
}

#[test]
fn diagnostics_are_sorted_by_file_then_line() {
    // Load-stage and link-stage diagnostics of several files, produced in parallel and in
    // two passes, come out in one order: file, then line, then column.
    let b = clean_with("factors: [retry-storm]\n", "factors: [retry-strom]\nrelated: [nope]\n")
        .replace("The pool ran out of connections.\n", "See [x](missing.md). It was human error.\n");
    let a = clean_with("severity: SEV2\n", "severity: SEV2\nstatus: final\n");
    let site = FixtureSite::new()
        .file("content/2024/b.md", &b)
        .file("content/2023/a.md", &a)
        .file("content/2024/c.md", "no front matter\n");
    let r = site.check();
    let got: Vec<_> = r.diags.iter().map(|d| (d.file.as_str(), d.line, d.column, d.code.as_str())).collect();
    assert_eq!(
        got,
        vec![
            ("content/2023/a.md", 5, 9, "unknown-status"),
            ("content/2024/b.md", 6, 11, "unknown-factor"),
            ("content/2024/b.md", 7, 11, "unknown-related"),
            ("content/2024/b.md", 24, 5, "broken-link"),
            ("content/2024/b.md", 24, 29, "blame-language"),
            ("content/2024/c.md", 1, 1, "front-matter-missing"),
        ]
    );
}

#[test]
fn root_flag_and_discovery_from_a_subfolder() {
    let site = FixtureSite::new().file(F, &clean_with("retry-storm", "retry-strom"));
    let expected = vec![(F.to_string(), 6, 11)];
    let places = |r: &Report| r.diags.iter().map(|d| (d.file.clone(), d.line, d.column)).collect::<Vec<_>>();
    // --root given explicitly.
    assert_eq!(places(&site.check()), expected);
    // No --root: the nearest parent with site.toml, from deep inside content/.
    let out = run_bin_in(&site.path("content/2024"), &["check", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let diags: Vec<Diag> = serde_json::from_slice(&out.stdout).unwrap();
    let r = Report { status: 1, diags };
    assert_eq!(places(&r), expected, "paths stay relative to the root");
    // A relative --root works from the folder it is relative to.
    let out = run_bin_in(site.root(), &["check", "--format", "json", "--root", "."]);
    let diags: Vec<Diag> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(diags.len(), 1);
    assert_eq!(diags[0].file, F);
}
