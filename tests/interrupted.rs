//! Fault injection: builds of a generated knowledge base of 1,000 postmortems killed at
//! random moments (SIGKILL), and crashed at each step of the write (`PMSITE_FAULT`,
//! which aborts the process like `kill -9`), each followed by one good build. That
//! build must leave exactly what a clean build of the same sources makes, byte for byte
//! apart from pmsite's manifest, with no staging or temporary folder in or beside the
//! output. The run's seed is printed; `PMSITE_TEST_SEED=N` repeats a run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TODAY: &str = "2026-06-30";

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_pmsite"))
}

fn build_cmd(root: &Path, out: &Path) -> Command {
    let mut c = bin();
    c.args(["build", "--today", TODAY, "--root"]).arg(root).arg("--output").arg(out);
    c.stdout(Stdio::null()).stderr(Stdio::piped());
    c
}

fn good_build(root: &Path, out: &Path) {
    let o = build_cmd(root, out).output().unwrap();
    assert!(o.status.success(), "build of {} failed:\n{}", root.display(), String::from_utf8_lossy(&o.stderr));
}

/// Every file (path -> bytes) and every folder, the manifest left out.
fn snapshot(dir: &Path) -> BTreeMap<String, Option<Vec<u8>>> {
    walkdir::WalkDir::new(dir)
        .min_depth(1)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_name() != ".pmsite-output")
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
            (rel, e.file_type().is_file().then(|| std::fs::read(e.path()).unwrap()))
        })
        .collect()
}

fn assert_same(got: &BTreeMap<String, Option<Vec<u8>>>, want: &BTreeMap<String, Option<Vec<u8>>>, what: &str) {
    let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).take(5).collect();
    let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).take(5).collect();
    let differ: Vec<&String> =
        want.iter().filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v)).map(|(k, _)| k).take(5).collect();
    assert!(
        extra.is_empty() && missing.is_empty() && differ.is_empty(),
        "{what}: not what a clean build makes\n  extra: {extra:?}\n  missing: {missing:?}\n  different: {differ:?}"
    );
}

/// A small xorshift: the test needs reproducible choices, not good randomness.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn generate(dir: &Path) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/tools/gen-corpus");
    let o = Command::new("python3")
        .arg(script)
        .arg(dir)
        .args(["--count", "1000", "--seed", "11", "--today", TODAY])
        .output()
        .expect("python3 runs tests/tools/gen-corpus");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The second state of the sources: retitled postmortems (every index page changes),
/// deleted ones (their pages must go), new ones and a static file.
fn edited_copy(a: &Path, b: &Path) {
    common::corpus::copy_dir(a, b);
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(b.join("content"))
        .into_iter()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "md") && e.file_name() != "_index.md")
        .map(|e| e.into_path())
        .collect();
    files.sort();
    for (i, f) in files.iter().step_by(97).enumerate() {
        let text = std::fs::read_to_string(f).unwrap();
        let retitled = text.replacen("title: ", &format!("title: Retitled {i} "), 1);
        std::fs::write(f, retitled).unwrap();
    }
    // Deleted: postmortems no other one names (a dangling `related` is an error).
    let texts: Vec<String> = files.iter().map(|f| std::fs::read_to_string(f).unwrap()).collect();
    let unnamed = |f: &PathBuf| {
        let id = f.file_stem().unwrap().to_string_lossy();
        texts.iter().filter(|t| t.contains(id.as_ref())).count() == 0
    };
    for f in files.iter().skip(5).filter(|f| unnamed(f)).step_by(150).take(4) {
        std::fs::remove_file(f).unwrap();
    }
    for (i, f) in files.iter().skip(7).step_by(331).enumerate() {
        let text = std::fs::read_to_string(f).unwrap();
        let name = f.file_name().unwrap().to_string_lossy().replace(".md", &format!("-again-{i}.md"));
        std::fs::write(f.with_file_name(name), text.replacen("title: ", "title: Again ", 1)).unwrap();
    }
    std::fs::create_dir_all(b.join("static/extra")).unwrap();
    std::fs::write(b.join("static/extra/notice.txt"), "maintenance on Sunday\n").unwrap();
}

fn leftovers(parent: &Path, out: &Path) -> Vec<String> {
    let mut left: Vec<String> = std::fs::read_dir(parent)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("pmsite"))
        .collect();
    if out.exists() {
        left.extend(
            std::fs::read_dir(out)
                .unwrap()
                .flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".pmsite") && n != ".pmsite-output"),
        );
    }
    left
}

#[test]
fn killed_builds_are_healed_by_the_next_build() {
    let t = tempfile::tempdir().unwrap();
    let roots = [t.path().join("a"), t.path().join("b")];
    generate(&roots[0]);
    edited_copy(&roots[0], &roots[1]);
    let started = Instant::now();
    let refs: Vec<_> = roots
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let out = t.path().join(format!("clean-{i}"));
            good_build(r, &out);
            snapshot(&out)
        })
        .collect();
    // How long a whole build takes here: random kills are spread over it.
    let full = started.elapsed() / 2;
    assert_ne!(refs[0], refs[1]);

    let seed = std::env::var("PMSITE_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1
    });
    eprintln!("interrupted builds: seed {seed} (PMSITE_TEST_SEED={seed} repeats this run); a build takes {full:?}");
    let mut rng = Rng(seed);

    // Crashes at each step of the write, then kills at random moments.
    let faults =
        ["stage:1", "stage:40", "journal:1", "delete:1", "delete:3", "rename:1", "rename:15", "rename:120", "swap:1"];
    let kills = 8;
    let parent = t.path().join("site");
    std::fs::create_dir(&parent).unwrap();
    let out = parent.join("public");
    good_build(&roots[0], &out);
    let mut current = 0usize;
    for round in 0..faults.len() + kills {
        // Mostly a change of sources, so the killed build has files to replace; always
        // for a crash at a step, so that the step is reached.
        let fault = faults.get(round).copied();
        let target = if fault.is_none() && rng.below(4) == 0 { current } else { 1 - current };
        let fresh = match fault {
            Some(f) => f == "swap:1",
            None => rng.below(6) == 0,
        };
        if fresh {
            // A first build, into no folder: the temporary folder beside it is what is left.
            std::fs::remove_dir_all(&out).unwrap();
        }
        let mut cmd = build_cmd(&roots[target], &out);
        let what = match fault {
            Some(f) => {
                cmd.env("PMSITE_FAULT", f);
                let o = cmd.output().unwrap();
                assert!(!o.status.success(), "PMSITE_FAULT={f} did not stop the build");
                format!("crash at {f}")
            }
            None => {
                let delay = Duration::from_millis(rng.below(full.as_millis() as u64 * 11 / 10 + 1));
                let mut child = cmd.spawn().unwrap();
                std::thread::sleep(delay);
                let _ = child.kill();
                let status = child.wait().unwrap();
                format!("kill after {delay:?} ({status})")
            }
        };
        // Then one good build, of the sources the killed one had or of the others.
        let healed = if rng.below(2) == 0 { target } else { 1 - target };
        good_build(&roots[healed], &out);
        let context = format!("round {round} (seed {seed}): {what} building {target}, then a build of {healed}");
        assert_same(&snapshot(&out), &refs[healed], &context);
        assert_eq!(leftovers(&parent, &out), Vec::<String>::new(), "{context}: leftovers");
        current = healed;
    }
}
