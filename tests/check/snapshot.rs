//! The human output of one file with many problems, reviewed as a whole: the shape of
//! rustc-style diagnostics (header, `-->` place, source line, carets, help) is the part
//! a writer reads, so a change to it shows in review as a snapshot diff.

use crate::harness::*;

const FILE: &str = "---
title: Checkout pool exhaustion
date: 2024-03-12
severity: SEV2
services: [checkout-api]
factors: [missing-alert, retry-strom]
summary: The on-call was careless.
timeline:
  - at: 2024-03-12T14:19:00Z
    kind: detection
    text: Pool saturation page fires
  - at: 2024-03-12T14:02:00Z
    kind: signal
    text: p99 latency on checkout-api rises above 2 s
action_items:
  - title: Improve monitoring
    owner: payments-oncall
  - title: Page when pool saturation exceeds 80% for 2 minutes
    owner: payments-oncall
    due: 2024-04-01
    outcome: A load test at 90% saturation pages within 3 minutes
related: [2023-11-02-payments-db-failvoer]
---
## What happened

The pool — sized for last year's traffic — ran out; calling it human error hides that.
See [the runbook](../runbooks/pool.md).
";

#[test]
fn human_output_of_a_file_with_many_problems() {
    let site = FixtureSite::new().file("content/2024/2024-03-12-pool-exhaustion.md", FILE);
    let out = run_bin(&["check", "--root", site.root().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    insta::assert_snapshot!(String::from_utf8(out.stderr).unwrap());
}
