//! The shared real-incident corpus, copied into a temporary folder for a test.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// A writable copy of `../shared/corpus/real` with its two known broken links (to an
/// original dfds file name the corpus renamed) pointed at the dfds repository, so a
/// build has no errors. None when `../shared` is not beside the project.
pub fn real_corpus() -> Option<tempfile::TempDir> {
    let real = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real");
    if !real.exists() {
        eprintln!("skipped: ../shared/corpus/real is not here");
        return None;
    }
    let t = tempfile::tempdir().unwrap();
    copy_dir(&real, t.path());
    let f = t.path().join("content/dfds/2019/2019-12-04-dfds-hellman-kubernetes-cluster-node-deletion.md");
    let text = std::fs::read_to_string(&f).unwrap();
    let broken = "PM2019-009%20-%20Kubernetes%20network%20infrastructure%20IP%20starvation.md";
    std::fs::write(&f, text.replace(broken, "https://github.com/dfds/postmortems")).unwrap();
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
