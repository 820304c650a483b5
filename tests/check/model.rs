//! What loading keeps: unknown keys, drafts, and files that fail do not cascade.

use crate::harness::*;
use pmsite::check::{Checked, Options, check};

const F: &str = "content/2024/2024-03-12-pool-exhaustion.md";

fn checked(site: &FixtureSite, drafts: bool) -> Checked {
    check(site.root(), &Options { strict: false, drafts, today: "2026-01-01".parse().unwrap() })
}

#[test]
fn unknown_keys_land_in_extra_and_are_never_diagnostics() {
    let text = clean_with(
        "factors:",
        "jira_epic: OPS-12\nreviewers:\n  - name: Ana\n    approved: true\ncost_eur: 1200.5\nfactors:",
    );
    let site = FixtureSite::new().file(F, &text);
    assert_eq!(site.check().diags, vec![], "unknown keys are not diagnostics");
    let c = checked(&site, false);
    let pm = c.kb.get("2024-03-12-pool-exhaustion").unwrap();
    assert_eq!(pm.extra["jira_epic"], "OPS-12");
    assert_eq!(pm.extra["reviewers"][0]["approved"], true);
    assert_eq!(pm.extra["cost_eur"], 1200.5);
    assert!(!pm.extra.contains_key("title"), "known keys are not extra");
}

#[test]
fn drafts_are_checked_but_not_published() {
    let draft = clean_with("severity: SEV2\n", "severity: SEV2\nstatus: draft\n").replace("retry-storm", "retry-strom");
    let site = FixtureSite::new().file(F, &draft);
    let r = site.check();
    r.only("unknown-factor", F, 7, 11);
    assert_eq!(r.status, 1, "a draft's errors fail the check");

    let fixed = draft.replace("retry-strom", "retry-storm");
    let site = FixtureSite::new().file(F, &fixed);
    let hidden = checked(&site, false);
    assert_eq!(hidden.diagnostics, vec![]);
    assert_eq!(hidden.kb.postmortems.len(), 1, "loaded");
    assert_eq!(hidden.kb.visible, vec![false], "but not on the site");
    assert_eq!(checked(&site, true).kb.visible, vec![true], "unless --drafts");
}

#[test]
fn a_broken_file_is_not_also_an_unknown_related_id_or_a_broken_link() {
    let broken = clean_with("date: 2024-03-12", "date: someday");
    let referrer = clean_with("factors: [retry-storm]\n", "factors: [retry-storm]\nrelated: [2024-03-12-broken]\n")
        .replace("The pool ran out of connections.", "As in [the other one](2024-03-12-broken.md).");
    let site = FixtureSite::new()
        .file("content/2024/2024-03-12-broken.md", &broken)
        .file("content/2024/2024-03-13-referrer.md", &referrer);
    let r = site.check();
    assert_eq!(r.codes(), ["invalid-date"], "{:#?}", r.diags);
}

#[test]
fn a_deeply_nested_value_is_a_yaml_error_not_a_crash() {
    // `- - - - …` nests a block sequence per two characters; before the depth limit this
    // overflowed a rayon worker's stack and aborted the whole process.
    let deep = format!("{}x\n", "- ".repeat(10_000));
    let text = clean_with("factors:", &format!("notes:\n  {deep}factors:"));
    let r = FixtureSite::new().file(F, &text).check();
    // The root mapping is level 1 and the sequence at column 2k-1 is level k, so the 65th
    // level, refused, starts at column 129.
    let d = r.only("yaml-syntax", F, 7, 129);
    assert!(d.message.contains("nested more than 64 levels"), "{}", d.message);
}

#[test]
fn alias_bombs_are_refused() {
    let mut bomb = String::from("lol0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*l{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("lol{i}: &l{i} [{refs}]\n"));
    }
    let text = clean_with("factors:", &format!("{bomb}factors:"));
    let r = FixtureSite::new().file(F, &text).check();
    assert_eq!(r.codes(), ["yaml-too-large"]);
    assert!(r.diags[0].message.contains("aliases expand"), "{}", r.diags[0].message);
}

#[test]
fn a_duplicate_id_leaves_out_the_file_it_is_reported_on() {
    // The newer file (first in the model's newest-first order) sorts last by path: it is the
    // one reported, so it must be the one left out, whatever the dates say.
    let site = FixtureSite::new()
        .file("content/2023/pool-exhaustion.md", &clean_with("date: 2024-03-12", "date: 2023-11-02"))
        .file("content/2024/pool-exhaustion.md", CLEAN);
    let c = checked(&site, false);
    let d: Vec<_> = c.diagnostics.iter().map(|d| (d.code.as_str(), d.file.clone())).collect();
    assert_eq!(d, vec![("duplicate-id", "content/2024/pool-exhaustion.md".into())]);
    assert_eq!(c.kb.get("pool-exhaustion").unwrap().path, std::path::Path::new("content/2023/pool-exhaustion.md"));
    let shown: Vec<_> = c.kb.visible_ids().map(|i| c.kb.postmortems[i].path.clone()).collect();
    assert_eq!(shown, vec![std::path::PathBuf::from("content/2023/pool-exhaustion.md")]);
}
