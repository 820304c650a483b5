//! Runs over files and folders: what to import, where it goes, links between the
//! imported files, and the report.

use super::*;

pub(super) struct Candidate {
    pub(super) path: PathBuf,
    pub(super) explicit: bool,
}

/// Source files: explicit files as given, folders walked (hidden entries skipped).
pub(super) fn expand(paths: &[PathBuf], reports: &mut Vec<FileReport>) -> Vec<Candidate> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let walker = walkdir::WalkDir::new(p)
                .sort_by_file_name()
                .into_iter()
                .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
            for entry in walker {
                match entry {
                    Ok(e) if e.file_type().is_file() => out.push(Candidate { path: e.into_path(), explicit: false }),
                    Ok(_) => {}
                    Err(e) => reports.push(FileReport::new(
                        e.path().unwrap_or(p),
                        Outcome::Failed { reason: format!("cannot read: {e}") },
                    )),
                }
            }
        } else {
            out.push(Candidate { path: p.clone(), explicit: true });
        }
    }
    out
}

/// Existing postmortems under `dirs`: ids (file stems) to their paths, and the source
/// names earlier imports recorded in `imported_from`.
pub(super) fn existing(dirs: &[&Path]) -> (HashMap<String, PathBuf>, HashMap<String, PathBuf>) {
    let mut ids = HashMap::new();
    let mut imported = HashMap::new();
    for dir in dirs {
        for e in walkdir::WalkDir::new(dir).into_iter().flatten() {
            let p = e.path();
            if !e.file_type().is_file() || p.extension().is_none_or(|x| x != "md") {
                continue;
            }
            if let Some(stem) = p.file_stem().and_then(|s| s.to_str()) {
                ids.entry(stem.to_string()).or_insert_with(|| p.to_path_buf());
            }
            if let Ok(text) = std::fs::read_to_string(p)
                && let Ok(split) = crate::frontmatter::split(&text, p)
            {
                for line in split.yaml.lines() {
                    if let Some(v) = line.strip_prefix("imported_from:") {
                        let v = v.trim();
                        let name =
                            serde_json::from_str::<String>(v).unwrap_or_else(|_| v.trim_matches('\'').to_string());
                        imported.insert(name, p.to_path_buf());
                    }
                }
            }
        }
    }
    (ids, imported)
}

pub(super) fn file_date(path: &Path) -> Option<Date> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    let ts = jiff::Timestamp::try_from(modified).ok()?;
    Some(ts.to_zoned_datetime(jiff::tz::TimeZone::UTC).date())
}

pub(super) fn normalize(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

/// Imports `paths` (files and folders) into `opts.into`. Never overwrites a file; a
/// postmortem whose id exists anywhere under `root/content` or `opts.into` is reported
/// as already there.
pub fn import(root: &Path, config: &SiteConfig, paths: &[PathBuf], opts: &Options) -> Report {
    let mut reports: Vec<FileReport> = Vec::new();
    let candidates = expand(paths, &mut reports);
    let content = root.join("content");
    let (existing_ids, previously_imported) = existing(&[content.as_path(), opts.into.as_path()]);
    let today = crate::check::today(&config.timezone);

    struct Pending {
        report: usize,
        converted: Converted,
        source: PathBuf,
    }
    let mut pending = Vec::new();
    let mut batch_ids: HashSet<String> = HashSet::new();
    // Where each source ends up (written now or before), for rewriting links between them.
    let mut by_source: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut by_name: HashMap<String, PathBuf> = previously_imported;

    for cand in candidates {
        let name = cand.path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let skip = |reason: String| FileReport::new(&cand.path, Outcome::Skipped { reason });
        if !cand.explicit
            && let Some(why) = not_a_postmortem(&name)
        {
            reports.push(skip(why.into()));
            continue;
        }
        let bytes = match std::fs::read(&cand.path) {
            Ok(b) => b,
            Err(e) => {
                reports.push(FileReport::new(&cand.path, Outcome::Failed { reason: format!("cannot read: {e}") }));
                continue;
            }
        };
        let Ok(text) = String::from_utf8(bytes) else {
            reports.push(skip("not UTF-8 text".into()));
            continue;
        };
        if !cand.explicit && !looks_like_markdown(&name, &text) {
            reports.push(skip("does not look like Markdown".into()));
            continue;
        }
        let fallback = file_date(&cand.path).unwrap_or(today);
        let converted = match convert(&text, &name, config, fallback) {
            Ok(c) => c,
            Err(reason) => {
                reports.push(skip(reason));
                continue;
            }
        };
        let mut report = FileReport::new(&cand.path, Outcome::Skipped { reason: String::new() });
        report.title = Some(converted.title.clone());
        report.date = Some(converted.date);
        report.events = converted.timeline.iter().map(|e| e.kind).collect();
        report.action_items = converted.action_items.len();
        report.mapped = converted.mapped.clone();
        report.guessed = converted.guessed.clone();
        report.unmapped = converted.unmapped.clone();

        let id = converted.id();
        if let Some(path) = existing_ids.get(&id) {
            report.outcome = Outcome::Exists { existing: path.clone() };
            by_source.insert(normalize(&cand.path), path.clone());
            by_name.entry(name).or_insert_with(|| path.clone());
            reports.push(report);
            continue;
        }
        // Two sources with the same date and title in one run: number the later ones.
        let mut unique = id.clone();
        let mut n = 2;
        while batch_ids.contains(&unique) || existing_ids.contains_key(&unique) {
            unique = format!("{id}-{n}");
            n += 1;
        }
        if unique != id {
            report.guessed.push(format!("id {unique}: another file in this import has the same date and title"));
        }
        batch_ids.insert(unique.clone());
        let target = opts.into.join(converted.date.year().to_string()).join(format!("{unique}.md"));
        by_source.insert(normalize(&cand.path), target.clone());
        by_name.insert(name, target.clone());
        report.outcome = Outcome::Imported { target };
        reports.push(report);
        pending.push(Pending { report: reports.len() - 1, converted, source: cand.path.clone() });
    }

    for p in pending {
        let Outcome::Imported { target } = reports[p.report].outcome.clone() else {
            continue;
        };
        let mut converted = p.converted;
        let (body, unresolved) = rewrite_links(&converted.body, &p.source, &target, &by_source, &by_name);
        converted.body = body;
        for u in unresolved {
            reports[p.report]
                .unmapped
                .push(format!("link to `{u}`: not part of this import, so `pmsite check` will report it"));
        }
        let text = converted.render(config);
        reports[p.report].text = Some(text.clone());
        if !opts.dry_run
            && let Err(outcome) = write_new(&target, &text)
        {
            reports[p.report].outcome = outcome;
        }
    }
    reports.sort_by(|a, b| a.source.cmp(&b.source));
    Report { files: reports, dry_run: opts.dry_run }
}

pub(super) fn write_new(path: &Path, text: &str) -> Result<(), Outcome> {
    let failed = |e: std::io::Error| Outcome::Failed { reason: format!("cannot write {}: {e}", path.display()) };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failed)?;
    }
    let mut f = std::fs::OpenOptions::new().write(true).create_new(true).open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::AlreadyExists {
            Outcome::Exists { existing: path.to_path_buf() }
        } else {
            failed(e)
        }
    })?;
    std::io::Write::write_all(&mut f, text.as_bytes()).map_err(failed)
}

/// `to` relative to the folder `from_dir` (both built from the same base).
pub(super) fn relative(from_dir: &Path, to: &Path) -> PathBuf {
    let from: Vec<Component> = from_dir.components().collect();
    let to_c: Vec<Component> = to.components().collect();
    let common = from.iter().zip(&to_c).take_while(|(a, b)| a == b).count();
    let mut out = PathBuf::new();
    for _ in common..from.len() {
        out.push("..");
    }
    for c in &to_c[common..] {
        out.push(c);
    }
    out
}

/// Points relative links between imported files at their new paths. Returns the body
/// and the relative `.md` links that lead outside the import.
pub(super) fn rewrite_links(
    body: &str,
    source: &Path,
    target: &Path,
    by_source: &HashMap<PathBuf, PathBuf>,
    by_name: &HashMap<String, PathBuf>,
) -> (String, Vec<String>) {
    use pulldown_cmark::{Event, Parser, Tag};
    let mut dests: Vec<String> = Vec::new();
    for ev in Parser::new_ext(body, crate::markdown::options()) {
        if let Event::Start(Tag::Link { dest_url, .. }) = ev {
            let d = dest_url.to_string();
            let relative_link = !d.contains("://") && !d.starts_with(['#', '/']) && !d.starts_with("mailto:");
            if relative_link && !dests.contains(&d) {
                dests.push(d);
            }
        }
    }
    let mut body = body.to_string();
    let mut unresolved = Vec::new();
    let source_dir = source.parent().unwrap_or(Path::new("."));
    for dest in dests {
        let (path_part, fragment) = match dest.find(['#', '?']) {
            Some(i) => (&dest[..i], &dest[i..]),
            None => (dest.as_str(), ""),
        };
        let decoded = crate::kb::percent_decode(path_part);
        let found = by_source
            .get(&normalize(&source_dir.join(&decoded)))
            .or_else(|| Path::new(&decoded).file_name().and_then(|n| by_name.get(n.to_string_lossy().as_ref())));
        match found {
            Some(new_path) => {
                let rel = relative(target.parent().unwrap_or(Path::new("")), new_path);
                let new_dest = format!("{}{fragment}", rel.to_string_lossy().replace('\\', "/"));
                for (before, after) in [("(", ""), ("(<", ">"), ("]: ", ""), ("]:", ""), ("]: <", ">")] {
                    body = body.replace(&format!("{before}{dest}{after}"), &format!("{before}{new_dest}{after}"));
                }
            }
            None if crate::frontmatter::relative_md_target(&dest).is_some() => unresolved.push(dest),
            None => {}
        }
    }
    (body, unresolved)
}

/// The per-file report a person reads, then the totals.
pub fn render_report(report: &Report) -> String {
    let mut s = String::new();
    for f in &report.files {
        let _ = writeln!(s, "{}", f.source.display());
        match &f.outcome {
            Outcome::Imported { target } => {
                let verb = if report.dry_run { "would write" } else { "wrote" };
                let _ = writeln!(s, "  {verb} {}", target.display());
            }
            Outcome::Exists { existing } => {
                let _ = writeln!(s, "  skipped: {} already exists (pmsite never overwrites)", existing.display());
            }
            Outcome::Skipped { reason } => {
                let _ = writeln!(s, "  skipped: {reason}");
                continue;
            }
            Outcome::Failed { reason } => {
                let _ = writeln!(s, "  failed: {reason}");
                continue;
            }
        }
        for (label, notes) in [("mapped", &f.mapped), ("guessed", &f.guessed), ("not mapped", &f.unmapped)] {
            for n in notes {
                let _ = writeln!(s, "  {label}: {n}");
            }
        }
        if report.dry_run
            && matches!(f.outcome, Outcome::Imported { .. })
            && let Some(text) = &f.text
        {
            let front = text.split("\n---\n").next().unwrap_or("");
            for line in front.lines() {
                let _ = writeln!(s, "    | {line}");
            }
            let _ = writeln!(s, "    | ---");
        }
    }
    let count = |f: fn(&Outcome) -> bool| report.files.iter().filter(|r| f(&r.outcome)).count();
    let exists = count(|o| matches!(o, Outcome::Exists { .. }));
    let skipped = count(|o| matches!(o, Outcome::Skipped { .. }));
    let _ = writeln!(
        s,
        "\n{} {} of {} ({exists} already there, {skipped} skipped, {} failed): {}, {}",
        if report.dry_run { "would import" } else { "imported" },
        report.imported(),
        plural(report.files.len(), "file"),
        report.failed(),
        plural(report.events(), "timeline event"),
        plural(report.action_items(), "action item")
    );
    if report.imported() > 0 && !report.dry_run {
        let _ =
            writeln!(s, "Next: run `pmsite check` and fill in what it lists (services, owners, due dates, factors).");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths() {
        assert_eq!(relative(Path::new("c/2021"), Path::new("c/2019/a.md")), PathBuf::from("../2019/a.md"));
        assert_eq!(relative(Path::new("c/2021"), Path::new("c/2021/a.md")), PathBuf::from("a.md"));
        assert_eq!(crate::kb::percent_decode("a%20b%2"), "a b%2");
    }
}
