//! Integration tests of `pmsite check`, `pmsite init` and `pmsite new`.
//!
//! One test binary with a module per feature (ripgrep's layout), so the binary under
//! test is built once. Fixture sites are either folders under `tests/fixtures/invalid/`
//! (one per diagnostic code, runnable by hand with `pmsite check --root …`) or built in
//! a temporary folder with `harness::FixtureSite`.

mod common;

#[path = "check/harness.rs"]
mod harness;

#[path = "check/cli.rs"]
mod cli;
#[path = "check/codes.rs"]
mod codes;
#[path = "check/corpus.rs"]
mod corpus;
#[path = "check/files.rs"]
mod files;
#[path = "check/model.rs"]
mod model;
#[path = "check/no_panic.rs"]
mod no_panic;
#[path = "check/scaffold.rs"]
mod scaffold;
#[path = "check/snapshot.rs"]
mod snapshot;
