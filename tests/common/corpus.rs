//! The shared real-incident corpus, copied into a temporary folder for a test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A writable copy of `../shared/corpus/real`. None when `../shared` is not beside the
/// project, after saying so; under CI (`CI=true`) that fails the test instead.
pub fn real_corpus() -> Option<tempfile::TempDir> {
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if !real.exists() {
        assert!(std::env::var("CI").as_deref() != Ok("true"), "../shared/corpus/real is absent, and CI=true needs it");
        eprintln!("skipped: ../shared/corpus/real is not here");
        return None;
    }
    let t = tempfile::tempdir().unwrap();
    copy_dir(&real, t.path());
    Some(t)
}

/// Copies a tree; copies are writable whatever the source's permissions.
pub fn copy_dir(from: &Path, to: &Path) {
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
