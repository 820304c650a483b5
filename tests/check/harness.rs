//! Builds fixture sites and runs the `pmsite` binary on them.

use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_pmsite");

/// The site.toml of a fixture unless a test gives its own.
pub(crate) const SITE_TOML: &str = r#"title = "Fixture"
severities = ["SEV1", "SEV2", "SEV3"]

[factors.retry-storm]
title = "Retry storm"

[factors.missing-alert]
title = "Missing alert"
"#;

/// A postmortem with no problem at all; tests change one thing in it.
pub(crate) const CLEAN: &str = "---
title: Checkout pool exhaustion
date: 2024-03-12
severity: SEV2
services: [checkout-api]
factors: [retry-storm]
timeline:
  - at: 2024-03-12T14:02:00Z
    kind: signal
    text: p99 latency on checkout-api rises above 2 s
  - at: 2024-03-12T14:19:00Z
    kind: detection
    text: Pool saturation page fires
  - at: 2024-03-12T14:49:00Z
    kind: recovery
    text: Error rate back under SLO
action_items:
  - title: Page when pool saturation exceeds 80% for 2 minutes
    owner: payments-oncall
    due: 2024-04-01
    outcome: A load test at 90% saturation pages within 3 minutes
---
The pool ran out of connections.
";

/// `CLEAN` with the first `old` replaced by `new`; panics if `old` is not there, so a
/// fixture cannot silently stop testing what it says.
pub(crate) fn clean_with(old: &str, new: &str) -> String {
    assert!(CLEAN.contains(old), "`{old}` is not in CLEAN");
    CLEAN.replacen(old, new, 1)
}

/// A knowledge base in a temporary folder, removed when dropped.
pub(crate) struct FixtureSite {
    dir: tempfile::TempDir,
}

impl FixtureSite {
    /// A site with `SITE_TOML` and no postmortems.
    pub(crate) fn new() -> Self {
        Self::empty().site_toml(SITE_TOML)
    }

    /// A folder with nothing in it, not even site.toml.
    pub(crate) fn empty() -> Self {
        FixtureSite { dir: tempfile::tempdir().expect("temp dir") }
    }

    pub(crate) fn site_toml(self, text: &str) -> Self {
        self.file("site.toml", text)
    }

    pub(crate) fn file(self, rel: &str, text: &str) -> Self {
        self.bytes(rel, text.as_bytes())
    }

    pub(crate) fn bytes(self, rel: &str, bytes: &[u8]) -> Self {
        let path = self.dir.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
        self
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// `pmsite check --format json --root <site>`.
    pub(crate) fn check(&self) -> Report {
        check_dir(self.root(), &[])
    }
}

/// Runs the binary with a clean colour environment, from the crate folder.
pub(crate) fn run_bin(args: &[&str]) -> Output {
    run_bin_in(Path::new(env!("CARGO_MANIFEST_DIR")), args)
}

pub(crate) fn run_bin_in(dir: &Path, args: &[&str]) -> Output {
    command(dir, args).output().expect("run pmsite")
}

/// The command `run_bin_in` runs, for tests that set more environment.
pub(crate) fn command(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(BIN);
    c.args(args).current_dir(dir).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
    c
}

/// One diagnostic as `--format json` prints it.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
pub(crate) struct Diag {
    pub level: String,
    pub code: String,
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub suggestion: Option<String>,
}

/// What `pmsite check --format json` said.
#[derive(Debug)]
pub(crate) struct Report {
    pub status: i32,
    pub diags: Vec<Diag>,
}

impl Report {
    pub(crate) fn codes(&self) -> Vec<&str> {
        self.diags.iter().map(|d| d.code.as_str()).collect()
    }

    pub(crate) fn errors(&self) -> Vec<&Diag> {
        self.diags.iter().filter(|d| d.level == "error").collect()
    }

    pub(crate) fn warnings(&self) -> Vec<&Diag> {
        self.diags.iter().filter(|d| d.level == "warning").collect()
    }

    /// The only diagnostic, which must have this code, file, line and column.
    pub(crate) fn only(&self, code: &str, file: &str, line: usize, column: usize) -> &Diag {
        assert_eq!(self.diags.len(), 1, "expected exactly one diagnostic: {:#?}", self.diags);
        self.at(code, file, line, column)
    }

    /// The diagnostic with this code at this place; panics listing all when there is none.
    pub(crate) fn at(&self, code: &str, file: &str, line: usize, column: usize) -> &Diag {
        self.diags
            .iter()
            .find(|d| d.code == code && d.file == file && d.line == line && d.column == column)
            .unwrap_or_else(|| panic!("no {code} at {file}:{line}:{column} in {:#?}", self.diags))
    }
}

pub(crate) fn check_dir(root: &Path, extra: &[&str]) -> Report {
    let root = root.to_str().expect("UTF-8 temp path");
    let mut args = vec!["check", "--format", "json", "--root", root];
    args.extend_from_slice(extra);
    let out = run_bin(&args);
    let stdout = String::from_utf8(out.stdout).expect("UTF-8 output");
    let diags = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    Report { status: out.status.code().expect("exit code"), diags }
}

/// A fixture site kept in the repository: `tests/fixtures/invalid/<name>`, or
/// `tests/fixtures/valid` for the clean site they all start from.
pub(crate) fn fixture(name: &str) -> PathBuf {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let p = match name {
        "valid" => fixtures.join(name),
        _ => fixtures.join("invalid").join(name),
    };
    assert!(p.join("site.toml").is_file(), "no fixture site {}", p.display());
    p
}

/// `pmsite check --format json` on a fixture under tests/fixtures/invalid/.
pub(crate) fn check_fixture(name: &str) -> Report {
    check_dir(&fixture(name), &[])
}

/// The shared corpora, when this checkout sits beside them. Absent, a test says it
/// skips, except under CI (`CI=true`), where it must not pass without running.
pub(crate) fn shared() -> Option<PathBuf> {
    crate::common::corpus::shared("")
}

/// The source line a diagnostic points at, from its column on (columns count characters).
pub(crate) fn text_at(root: &Path, d: &Diag) -> String {
    let text = std::fs::read_to_string(root.join(&d.file)).expect("read the file a diagnostic names");
    let line = text.lines().nth(d.line - 1).expect("the line exists");
    line.chars().skip(d.column - 1).collect()
}
