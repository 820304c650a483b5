//! Scratch git repositories made with the git CLI, with fixed identities and dates, for
//! the tests of git history, `check --changed` and sources.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// A scratch repository with deterministic identities and dates.
pub(crate) struct Repo {
    pub dir: PathBuf,
}

impl Repo {
    pub(crate) fn new(dir: &Path) -> Repo {
        std::fs::create_dir_all(dir).unwrap();
        let r = Repo { dir: dir.to_path_buf() };
        r.git(&["init", "-q", "-b", "main"], "2024-01-01T00:00:00Z");
        r
    }

    pub(crate) fn git(&self, args: &[&str], date: &str) -> String {
        let out = Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(&self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .output()
            .expect("git runs");
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn write(&self, rel: &str, text: &str) {
        let p = self.dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    pub(crate) fn commit_all(&self, msg: &str, date: &str) {
        self.git(&["add", "-A"], date);
        self.git(&["commit", "-q", "-m", msg], date);
    }
}
