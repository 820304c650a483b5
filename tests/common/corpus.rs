//! The shared real-incident corpus, copied into a temporary folder for a test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// `../shared/<rel>` when it is there. None, after saying so, when it is not; under CI
/// (`CI=true`) that fails the test instead, since CI always has it beside the checkout.
pub(crate) fn shared(rel: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared").join(rel);
    if !path.exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "../shared/{rel} is absent, and CI=true needs it");
        eprintln!("skipped: ../shared/{rel} is not here");
        return None;
    }
    Some(path)
}

/// A writable copy of `../shared/corpus/real`. None when `../shared` is not beside the
/// project, after saying so; under CI (`CI=true`) that fails the test instead.
pub(crate) fn real_corpus() -> Option<tempfile::TempDir> {
    let real = shared("corpus/real")?;
    let t = tempfile::tempdir().unwrap();
    copy_dir(&real, t.path());
    Some(t)
}

/// Copies a tree; copies are writable whatever the source's permissions.
pub(crate) fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::write(&dest, std::fs::read(e.path()).unwrap()).unwrap();
        }
    }
}
