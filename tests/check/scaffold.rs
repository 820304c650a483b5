//! `pmsite init` and `pmsite new` produce knowledge bases and postmortems that check.

use crate::harness::*;

#[test]
fn init_then_check_is_clean() {
    let tmp = FixtureSite::empty();
    let dir = tmp.path("kb");
    let out = run_bin(&["init", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let said = String::from_utf8(out.stdout).unwrap();
    assert!(said.contains("pmsite new"), "init says what to do next: {said}");
    for f in ["site.toml", "content/_index.md", ".gitignore"] {
        assert!(dir.join(f).is_file(), "{f}");
    }
    let r = check_dir(&dir, &["--strict"]);
    assert_eq!(r.diags, vec![], "0 errors, 0 warnings");
    assert_eq!(r.status, 0);
    // init never overwrites a knowledge base.
    let again = run_bin(&["init", dir.to_str().unwrap()]);
    assert_eq!(again.status.code(), Some(2));
}

#[test]
fn new_writes_a_postmortem_that_checks_and_never_overwrites() {
    let tmp = FixtureSite::empty();
    let dir = tmp.path("kb");
    assert!(run_bin(&["init", dir.to_str().unwrap()]).status.success());
    let root = dir.to_str().unwrap();
    let args =
        ["new", "Checkout latency after deploy", "--service", "checkout-api", "--date", "2024-05-06", "--root", root];
    let out = run_bin(&args);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let path = dir.join("content/2024/2024-05-06-checkout-latency-after-deploy.md");
    assert_eq!(String::from_utf8(out.stdout).unwrap().trim(), path.to_str().unwrap());
    let written = std::fs::read_to_string(&path).unwrap();
    assert!(written.contains("title: \"Checkout latency after deploy\""), "{written}");
    assert!(written.contains("services: [\"checkout-api\"]"), "{written}");
    assert!(written.contains("date: 2024-05-06"), "{written}");

    // Writing over a writer's work would lose it: the second call fails and changes nothing.
    std::fs::write(&path, format!("{written}\nNotes the writer added.\n")).unwrap();
    let edited = std::fs::read_to_string(&path).unwrap();
    let again = run_bin(&args);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    // The fresh draft has only warnings (an empty timeline), so check passes.
    let r = check_dir(&dir, &[]);
    assert_eq!(r.errors(), Vec::<&Diag>::new());
    assert!(!r.warnings().is_empty());
    assert!(r.warnings().iter().all(|d| d.code == "timeline-missing-kind"), "{:#?}", r.diags);
    assert_eq!(r.status, 0);
}

#[test]
fn new_refuses_an_unknown_severity() {
    let tmp = FixtureSite::empty();
    let dir = tmp.path("kb");
    assert!(run_bin(&["init", dir.to_str().unwrap()]).status.success());
    let out = run_bin(&["new", "Disk full", "--severity", "P1", "--root", dir.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("SEV1, SEV2, SEV3, SEV4"), "{err}");
}
