//! The shared corpora (`../shared`): 1,060 real incidents and a generated knowledge base.
//! Skipped, with a note, when this checkout does not sit beside them.

use crate::harness::*;

#[test]
fn real_corpus_has_only_its_two_known_broken_links() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let r = check_dir(&shared.join("corpus/real"), &[]);
    // The dfds postmortem links to a file by its original name, which the corpus does not
    // have: the only genuine errors. Anything else here is a regression.
    let file = "content/dfds/2019/2019-12-04-dfds-hellman-kubernetes-cluster-node-deletion.md";
    let errors: Vec<_> = r.errors().iter().map(|d| (d.code.as_str(), d.file.as_str(), d.line)).collect();
    assert_eq!(errors, vec![("broken-link", file, 67), ("broken-link", file, 75)], "{:#?}", r.errors());
    for d in r.errors() {
        assert!(
            d.message.contains("PM2019-009%20-%20Kubernetes%20network%20infrastructure%20IP%20starvation.md"),
            "{}",
            d.message
        );
    }
    assert_eq!(r.status, 1);
    assert!(!r.warnings().is_empty(), "real writing has warnings");
}

#[test]
fn generated_corpus_of_1000_checks_without_errors() {
    let Some(shared) = shared() else {
        eprintln!("skipped: ../shared is absent");
        return;
    };
    let out = FixtureSite::empty();
    let kb = out.path("kb");
    let status = std::process::Command::new("python3")
        .arg(shared.join("tools/gen-corpus"))
        .arg(&kb)
        .args(["--count", "1000", "--seed", "3"])
        .status()
        .expect("python3 runs gen-corpus");
    assert!(status.success());
    let r = check_dir(&kb, &[]);
    assert_eq!(r.errors(), Vec::<&Diag>::new());
    assert_eq!(r.status, 0);
    let checked = pmsite::check::check(
        &kb,
        &pmsite::check::Options { strict: false, drafts: true, today: "2026-01-01".parse().unwrap() },
    );
    assert_eq!(checked.kb.postmortems.len(), 1000, "every file was loaded");
}
