//! The shared corpora (`../shared`): 1,060 real incidents and a generated knowledge base.
//! Skipped, with a note, when this checkout does not sit beside them.

use crate::harness::*;

#[test]
fn real_corpus_has_no_errors_and_its_three_dead_links_are_found() {
    let Some(shared) = shared() else { return };
    let r = check_dir(&shared.join("corpus/real"), &[]);
    // The two broken dfds links the conversion left are fixed in the corpus.
    assert_eq!(r.errors(), Vec::<&Diag>::new());
    assert_eq!(r.status, 0);
    assert!(!r.warnings().is_empty(), "real writing has warnings");
    // Two chia images under /assets/images/ that the corpus does not have, and a link to
    // a page of posthog.com's own site (`/community/profiles/…`), dead on this one.
    let chia = "content/chia/2021/2021-10-30-chia-network-dust-storm.md";
    let posthog = "content/posthog/2025/2025-11-24-posthog-shai-hulud-attack.md";
    let missing: Vec<_> =
        r.diags.iter().filter(|d| d.code == "missing-file").map(|d| (d.file.as_str(), d.line, d.column)).collect();
    assert_eq!(missing, vec![(chia, 145, 1), (chia, 177, 1), (posthog, 169, 126)], "{:#?}", r.diags);
    assert!(r.diags.iter().all(|d| d.code != "broken-anchor"), "its one anchor link resolves");
}

#[test]
fn generated_corpus_of_1000_checks_without_errors() {
    // The project's copy of the generator: this test needs nothing from ../shared.
    let out = FixtureSite::empty();
    let kb = out.path("kb");
    let status = std::process::Command::new("python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/tools/gen-corpus"))
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
