//! `pmsite import` on real public postmortems (tests/fixtures/import/dfds, MIT), and on
//! postmortems in the shapes of other public collections (okctl, taskcluster
//! retrospectives, COG-UK DIPI, icco/postmortems, Jekyll, Hugo, Docusaurus: see
//! tests/fixtures/import/README.md).

mod common;

use pmsite::import::{FileReport, Options, Outcome, Report, import, render_report};
use pmsite::model::EventKind;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import")
}

fn config() -> pmsite::config::SiteConfig {
    pmsite::config::parse(pmsite::scaffold::DEFAULT_SITE_TOML).0
}

/// A knowledge base with the default site.toml and nothing in content/.
fn empty_kb() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("site.toml"), pmsite::scaffold::DEFAULT_SITE_TOML).unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    dir
}

fn run(root: &Path, dry_run: bool) -> Report {
    let opts = Options { into: root.join("content"), dry_run };
    import(root, &config(), &[fixtures().join("dfds")], &opts)
}

fn file<'a>(report: &'a Report, name_starts: &str) -> &'a FileReport {
    report
        .files
        .iter()
        .find(|f| f.source.file_name().unwrap().to_string_lossy().starts_with(name_starts))
        .unwrap_or_else(|| panic!("{name_starts} not in the report"))
}

fn target(f: &FileReport) -> &Path {
    match &f.outcome {
        Outcome::Imported { target } => target,
        o => panic!("{} was not imported: {o:?}", f.source.display()),
    }
}

/// The written file, parsed back: it must be a valid postmortem.
fn parsed(f: &FileReport, root: &Path) -> pmsite::model::Postmortem {
    let text = f.text.as_deref().expect("converted text");
    let rel = target(f).strip_prefix(root).unwrap();
    let (pm, diags) = pmsite::frontmatter::parse(text, rel, &config());
    assert!(diags.is_empty(), "{}: {diags:?}", f.source.display());
    pm.unwrap()
}

fn at(pm: &pmsite::model::Postmortem, i: usize) -> (String, EventKind) {
    (pm.timeline[i].at.to_string(), pm.timeline[i].kind)
}

#[test]
fn fixtures_convert_with_titles_dates_events_and_action_items() {
    let kb = empty_kb();
    let root = kb.path();
    let report = run(root, true);

    let adfs = file(&report, "PM2021-004");
    assert_eq!(target(adfs), root.join("content/2021/2021-03-31-adfs-outage.md"));
    let pm = parsed(adfs, root);
    assert_eq!(pm.title, "ADFS Outage");
    assert_eq!(pm.date.to_string(), "2021-03-31");
    assert_eq!(pm.timeline.len(), 8);
    assert_eq!(at(&pm, 0), ("2021-03-31T12:06:00Z".into(), EventKind::Signal));
    assert_eq!(at(&pm, 1), ("2021-03-31T12:11:00Z".into(), EventKind::Detection));
    assert_eq!(at(&pm, 5), ("2021-03-31T13:02:00Z".into(), EventKind::Diagnosis));
    assert_eq!(at(&pm, 6), ("2021-03-31T13:18:00Z".into(), EventKind::Recovery));
    assert_eq!(pm.action_items.len(), 3);
    assert!(pm.summary.starts_with("On Wednesday 31st March"));
    assert!(pm.body.contains("## Contributing Factors"), "sections stay in the body");
    assert!(!pm.body.contains("# ADFS Outage"), "the title heading is lifted out");

    // "Date and Time in CET": local times with their offset; the date from the text.
    let ip = file(&report, "PM2019-009");
    let pm = parsed(ip, root);
    assert_eq!(pm.date.to_string(), "2019-11-29");
    assert_eq!(at(&pm, 0), ("2019-11-29T11:00:00Z".into(), EventKind::Signal));
    assert_eq!(pm.timeline[1].kind, EventKind::Detection, "{}", pm.timeline[1].text);
    assert!(pm.timeline[1].text.starts_with("Automated warning from AWS"));
    assert_eq!(pm.timeline.len(), 14, "the `2019-12-03 --:--` row is kept at midnight");
    assert_eq!(pm.action_items.len(), 4);
    assert_eq!(pm.action_items[0].title, "Make sure all deployed resources have a plan for monitoring / scaling");
    let text = ip.text.as_deref().unwrap();
    assert!(text.contains("  - at: 2019-11-29T12:00:00+01:00\n"), "{text}");

    // No extension, nested action items: only the top-level ones are items.
    let ami = file(&report, "PM2022-009");
    let pm = parsed(ami, root);
    assert_eq!(pm.title, "Bad AWS EKS AMI");
    assert_eq!(pm.action_items.len(), 7);
    assert!(pm.timeline.iter().any(|e| e.kind == EventKind::Mitigation));

    // Timeline dates with a typo: no events, the year from the file name, said so.
    let ads = file(&report, "PM2020-003");
    let pm = parsed(ads, root);
    assert_eq!(pm.date.to_string(), "2020-01-01");
    assert!(pm.timeline.is_empty());
    assert!(ads.unmapped.iter().any(|n| n.contains("20202-01-16 12:00")), "{:?}", ads.unmapped);
    assert!(ads.guessed.iter().any(|n| n.contains("2020")), "{:?}", ads.guessed);
    assert!(ads.text.as_deref().unwrap().contains("date: 2020-01-01   # pmsite import"));

    // Not postmortems.
    for (name, why) in [("PMyyyy-nnn", "template"), ("LICENSE", "licence")] {
        match &file(&report, name).outcome {
            Outcome::Skipped { reason } => assert!(reason.contains(why), "{name}: {reason}"),
            o => panic!("{name}: {o:?}"),
        }
    }
    assert_eq!(report.imported(), 5);
    let printed = render_report(&report);
    assert!(printed.contains("would write"));
    assert!(printed.contains("would import 5 of 7 files"), "{printed}");
    assert!(std::fs::read_dir(root.join("content")).unwrap().next().is_none(), "a dry run writes nothing");
}

#[test]
fn imported_fixtures_pass_check_and_are_never_overwritten() {
    let kb = empty_kb();
    let root = kb.path();
    let report = run(root, false);
    assert_eq!(report.imported(), 5);
    assert_eq!(report.failed(), 0);

    // The link from PM2019-010 to PM2019-009 follows it to its new name.
    let deletion = std::fs::read_to_string(target(file(&report, "PM2019-010"))).unwrap();
    assert!(
        deletion.contains("[PM2019-009]: 2019-11-29-kubernetes-network-infrastructure-ip-starvation.md"),
        "{deletion}"
    );

    let opts = pmsite::check::Options { strict: false, drafts: true, today: "2026-01-01".parse().unwrap() };
    let checked = pmsite::check::check(root, &opts);
    let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(checked.kb.postmortems.len(), 5);
    assert!(checked.warnings() > 0, "missing owners and services are left for check to flag");

    // Again: everything is already there, nothing changes.
    let adfs = target(file(&report, "PM2021-004")).to_path_buf();
    std::fs::write(&adfs, "edited by hand\n").unwrap();
    let again = run(root, false);
    assert_eq!(again.imported(), 0);
    assert!(matches!(file(&again, "PM2021-004").outcome, Outcome::Exists { .. }));
    assert_eq!(std::fs::read_to_string(&adfs).unwrap(), "edited by hand\n");
}

#[test]
fn cli_imports_explicit_files_and_reports_per_file() {
    let kb = empty_kb();
    let out = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .arg("import")
        .arg("--root")
        .arg(kb.path())
        .arg(fixtures().join("dfds/PM2022-009 - Bad AWS EKS AMI causing Kubernetes issues"))
        .arg(fixtures().join("dfds/PM2021-004 - ADFS outage.md"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("mapped: title \"ADFS Outage\" (first heading)"), "{stdout}");
    assert!(stdout.contains("guessed: severity SEV4"), "{stdout}");
    assert!(stdout.contains("not mapped: services"), "{stdout}");
    assert!(stdout.contains("imported 2 of 2 files"), "{stdout}");
    assert!(kb.path().join("content/2021/2021-03-31-adfs-outage.md").is_file());
}

/// Every file of the shared import corpus imports, and the result passes check.
#[test]
fn shared_corpus_imports_and_checks_clean() {
    let Some(corpus) = common::corpus::shared("corpus/import") else { return };
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("kb");
    let pmsite = |args: &[&str]| Command::new(env!("CARGO_BIN_EXE_pmsite")).args(args).output().unwrap();
    let init = pmsite(&["init", root.to_str().unwrap()]);
    assert!(init.status.success());
    let out = pmsite(&["import", "--root", root.to_str().unwrap(), corpus.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(!stdout.contains("failed:"), "{stdout}");
    eprintln!("{}", stdout.lines().rev().find(|l| l.starts_with("imported")).unwrap_or(""));

    let check = pmsite(&["check", "--root", root.to_str().unwrap(), "--format", "json", "--today", "2026-01-01"]);
    let diags: serde_json::Value = serde_json::from_slice(&check.stdout).unwrap();
    let errors: Vec<_> = diags.as_array().unwrap().iter().filter(|d| d["level"] == "error").collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(check.status.success());
    // And the imported knowledge base builds into a site.
    let build = pmsite(&["build", "--root", root.to_str().unwrap(), "--today", "2026-01-01"]);
    assert!(build.status.success(), "{}", String::from_utf8_lossy(&build.stderr));
    assert!(root.join("public/incidents").read_dir().unwrap().count() >= 39);
}

/// site.toml of the knowledge base the styled fixtures are imported into: the default,
/// with the vocabularies those teams use mapped onto its levels.
const ALIASES: &str = "\n[severity_aliases]\nCritical = \"SEV1\"\nP1 = \"SEV1\"\nMajor = \"SEV2\"\nHigh = \"SEV2\"\n";

fn aliased_kb() -> (tempfile::TempDir, pmsite::config::SiteConfig) {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!("{}{ALIASES}", pmsite::scaffold::DEFAULT_SITE_TOML);
    std::fs::write(dir.path().join("site.toml"), &toml).unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    let (config, diags) = pmsite::config::parse(&toml);
    assert!(diags.is_empty(), "{diags:?}");
    (dir, config)
}

const STYLED: &[&str] = &["okctl-style", "taskcluster-style", "cog-uk-style", "front-matter"];

fn styled(root: &Path, config: &pmsite::config::SiteConfig, dry_run: bool) -> Report {
    let opts = Options { into: root.join("content"), dry_run };
    let paths: Vec<PathBuf> = STYLED.iter().map(|d| fixtures().join(d)).collect();
    import(root, config, &paths, &opts)
}

/// One imported file, parsed back with the aliased site.toml.
fn styled_pm(
    report: &Report,
    name: &str,
    root: &Path,
    config: &pmsite::config::SiteConfig,
) -> pmsite::model::Postmortem {
    let f = file(report, name);
    let rel = target(f).strip_prefix(root).unwrap().to_path_buf();
    let (pm, diags) = pmsite::frontmatter::parse(f.text.as_deref().unwrap(), &rel, config);
    assert!(diags.is_empty(), "{name}: {diags:?}");
    pm.unwrap()
}

fn kinds(pm: &pmsite::model::Postmortem) -> Vec<&'static str> {
    pm.timeline.iter().map(|e| e.kind.as_str()).collect()
}

/// (events, first `at`, last `at`) as written in the file.
fn span(f: &FileReport) -> (usize, String, String) {
    let text = f.text.as_deref().unwrap();
    let ats: Vec<&str> = text.lines().filter_map(|l| l.strip_prefix("  - at: ")).collect();
    (ats.len(), ats.first().unwrap_or(&"").to_string(), ats.last().unwrap_or(&"").to_string())
}

#[test]
fn timeline_styles_of_public_collections_are_recovered_per_file() {
    let (kb, config) = aliased_kb();
    let root = kb.path();
    let report = styled(root, &config, true);
    let pm = |name: &str| styled_pm(&report, name, root, &config);

    // okctl: a date line, then `* 14:02` bullets; the template's example timeline in an
    // HTML comment is not read (neither its events nor its dates).
    let f = file(&report, "0011-");
    assert_eq!(span(f), (7, "2022-08-15T09:12:00".into(), "2022-08-16T08:30:00".into()));
    let p = pm("0011-");
    assert_eq!((p.title.as_str(), p.date.to_string().as_str()), ("Dashboards empty after upgrade", "2022-08-15"));
    assert_eq!(kinds(&p), ["signal", "detection", "note", "diagnosis", "note", "note", "note"]);
    // okctl: `### <date>` headings over `| time | description |` tables with a `--:--` row.
    let f = file(&report, "0012-");
    assert_eq!(span(f), (5, "2022-09-01T03:35:00".into(), "2022-09-02T15:53:00".into()));
    assert_eq!(kinds(&pm("0012-")), ["signal", "detection", "diagnosis", "mitigation", "recovery"]);

    // taskcluster: `* <date> <time> UTC ::::: event`, a `.. confusion ..` line between.
    let f = file(&report, "2019-05-02-queue");
    assert_eq!(span(f), (5, "2019-05-02T14:02:00Z".into(), "2019-05-02T15:05:00Z".into()));
    let p = pm("2019-05-02-queue");
    assert_eq!(p.title, "Queue database saturation", "\"Retrospective:\" and the trailing date dropped");
    assert_eq!(kinds(&p), ["signal", "detection", "diagnosis", "mitigation", "recovery"]);
    let owners: Vec<_> = p.action_items.iter().map(|i| (i.owner.as_deref(), i.title.as_str())).collect();
    assert_eq!(
        owners,
        [
            (Some("dustin"), "load-test claim queries before index migrations"),
            (Some("bstack"), "alert on claim latency per worker pool")
        ],
        "`[name] item` names the owner"
    );
    let f = file(&report, "2020-02-11-worker");
    assert_eq!(span(f), (5, "2020-02-11T09:15:00Z".into(), "2020-02-11T12:10:00Z".into()));
    let p = pm("2020-02-11-worker");
    assert_eq!(p.title, "Worker images deleted by cleanup");
    assert_eq!(
        (p.timeline[2].at.to_string().as_str(), p.timeline[2].kind),
        ("2020-02-11T10:20:41Z", EventKind::Diagnosis)
    );

    // COG-UK DIPI: a header table of facts, `### <date>` lines over `` * `10:34` - `` bullets.
    let f = file(&report, "20220601_");
    assert_eq!(span(f), (6, "2022-06-01T19:48:00".into(), "2022-06-03T12:01:00".into()));
    assert!(f.guessed.iter().any(|n| n.contains("approximate")), "{:?}", f.guessed);
    let p = pm("20220601_");
    assert_eq!(p.title, "Ingest listener failure");
    assert_eq!(
        (p.severity.as_str(), p.services.clone(), p.teams.clone()),
        ("SEV2", vec!["ingest".to_string(), "listener".into()], vec!["sw".to_string(), "nl".into()])
    );
    assert!(
        f.mapped.iter().any(|n| n.contains("severity SEV2 (from \"severity: Major\", site.toml [severity_aliases])")),
        "{:?}",
        f.mapped
    );
    // Several incidents in one file: each keeps its events, on its own days.
    let f = file(&report, "20220701_");
    assert_eq!(span(f), (5, "2022-07-01T23:27:00".into(), "2022-07-04T06:40:00".into()));
    assert!(
        f.mapped.iter().any(|n| n.starts_with("2 incidents in one file")
            && n.contains("2022-07-04 Disk full on the build host (2 events)")),
        "{:?}",
        f.mapped
    );
    let p = pm("20220701_");
    assert_eq!(p.severity, "SEV1", "`Severity: Critical` through [severity_aliases]");
    assert_eq!(p.timeline[2].at.to_string(), "2022-07-02T01:54:00Z", "after midnight: the next day");
    assert!(p.timeline[0].text.starts_with("Metadata validation outage: "));
    assert!(p.timeline[4].text.starts_with("Disk full on the build host: "));
    assert_eq!(kinds(&p), ["detection", "diagnosis", "mitigation", "note", "recovery"]);

    // Prose: "At 3:12 PM UTC on March 3rd, …" sentences, and "On <date>, at <time> PDT, …".
    let f = file(&report, "dns-resolver");
    assert_eq!(span(f), (4, "2023-03-03T15:12:00Z".into(), "2023-03-03T15:45:00Z".into()));
    assert_eq!(kinds(&pm("dns-resolver")), ["detection", "diagnosis", "mitigation", "recovery"]);
    let f = file(&report, "2023-01-10-login");
    assert_eq!(span(f), (5, "2023-01-10T07:58:00Z".into(), "2023-01-10T08:23:00Z".into()));
    assert_eq!(kinds(&pm("2023-01-10-login")), ["signal", "detection", "diagnosis", "mitigation", "recovery"]);
    let f = file(&report, "5f1c2a9e-");
    assert_eq!(span(f), (4, "2019-07-09T09:37:00-07:00".into(), "2019-07-09T13:54:00-07:00".into()));
    assert!(
        f.mapped.iter().any(|n| n.contains("front matter `end_time`): the timeline has an event then already")),
        "{:?}",
        f.mapped
    );

    // Month-name dates with 12-hour times in a table.
    let f = file(&report, "2021-06-01-cdn");
    assert_eq!(span(f), (5, "2021-06-01T20:05:00Z".into(), "2021-06-01T21:10:00Z".into()));
    assert_eq!(kinds(&pm("2021-06-01-cdn")), ["signal", "detection", "diagnosis", "mitigation", "recovery"]);
}

#[test]
fn foreign_front_matter_gives_titles_dates_tags_and_extra_fields() {
    let (kb, config) = aliased_kb();
    let root = kb.path();
    let report = styled(root, &config, true);
    let pm = |name: &str| styled_pm(&report, name, root, &config);

    // icco/postmortems: start_time, categories + keywords, product, company, url.
    let p = pm("5f1c2a9e-");
    assert_eq!(p.title, "Example Cloud object storage outage of July 2019");
    assert_eq!(p.date.to_string(), "2019-07-09", "from start_time");
    assert_eq!(p.tags, ["automation", "cloud", "config-change", "object-storage", "capacity", "operator-error"]);
    assert_eq!(p.services, ["example-object-storage"], "from product");
    assert!(p.summary.starts_with("A command meant to remove"));
    assert_eq!(p.extra["company"], "Example Cloud");
    assert_eq!(p.extra["url"], "https://status.example.com/incidents/2019-07-09");
    let f = file(&report, "5f1c2a9e-");
    assert!(
        f.unmapped.iter().any(|n| n.contains("`uuid`, `url`, `company`, `source_fetched_at`") && n.contains("extra")),
        "{:?}",
        f.unmapped
    );

    // Jekyll: date with a time and offset, space-separated categories, author, a status
    // the format cannot take (renamed), a severity alias.
    let p = pm("2021-06-01-cdn");
    assert_eq!(
        (p.title.as_str(), p.date.to_string().as_str()),
        ("CDN served stale pages after a cache key change", "2021-06-01")
    );
    assert_eq!(p.tags, ["postmortem", "cdn", "caching", "deploy"]);
    assert_eq!(p.authors, ["Jo Doe"]);
    assert_eq!(p.severity, "SEV2");
    assert_eq!((p.extra["layout"].as_str(), p.extra["source_status"].as_str()), (Some("post"), Some("resolved")));
    assert!(!p.body.contains("# CDN served"), "the heading that repeats the title is lifted out");

    // Hugo TOML: a TOML datetime, tags and categories, draft = false, priority P1.
    let p = pm("dns-resolver");
    assert_eq!(
        (p.title.as_str(), p.date.to_string().as_str()),
        ("DNS resolvers overloaded by a retry loop", "2023-03-03")
    );
    assert_eq!(p.tags, ["networking", "dns", "retries"]);
    assert_eq!((p.severity.as_str(), p.status), ("SEV1", pmsite::model::Status::Published));
    assert_eq!(p.extra["params"]["incident_commander"], "Ana Khan");
    assert!(file(&report, "dns-resolver").mapped.iter().any(|n| n == "TOML front matter read"));

    // Docusaurus: authors as mappings and names, description as the summary.
    let p = pm("2023-01-10-login");
    assert_eq!(p.authors, ["Ana Khan", "jo"]);
    assert_eq!(p.summary, "Nobody could log in for 25 minutes after a database failover.");
    assert_eq!((p.severity.as_str(), p.extra["slug"].as_str()), ("SEV1", Some("login-outage")));

    // A file already in the format is skipped, and says why.
    match &file(&report, "already-pmsite").outcome {
        Outcome::Skipped { reason } => assert!(reason.contains("already in pmsite's format"), "{reason}"),
        o => panic!("{o:?}"),
    }
    assert_eq!(report.imported(), 10);
    assert_eq!(report.failed(), 0);
}

#[test]
fn imported_styled_fixtures_and_severity_aliases_pass_check() {
    let (kb, config) = aliased_kb();
    let root = kb.path();
    let report = styled(root, &config, false);
    assert_eq!((report.imported(), report.failed()), (10, 0));
    // A postmortem written with an alias: check accepts it and reads it as its level.
    std::fs::write(
        root.join("content/2024-05-01-aliased.md"),
        "---\ntitle: Aliased\ndate: 2024-05-01\nseverity: Critical\nservices: [a]\n---\nBody\n",
    )
    .unwrap();
    let opts = pmsite::check::Options { strict: false, drafts: true, today: "2026-01-01".parse().unwrap() };
    let checked = pmsite::check::check(root, &opts);
    let errors: Vec<_> = checked.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(checked.kb.postmortems.len(), 11);
    let aliased = checked.kb.postmortems.iter().find(|p| p.id == "2024-05-01-aliased").unwrap();
    assert_eq!(aliased.severity, "SEV1", "indexes and badges see the level");

    // `pmsite new --severity <alias>` writes the level.
    let out = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["new", "Aliased again", "--service", "a", "--severity", "major", "--date", "2024-06-01", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let written = std::fs::read_to_string(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    assert!(written.contains("severity: SEV2"), "{written}");
    let out = Command::new(env!("CARGO_BIN_EXE_pmsite"))
        .args(["new", "Unknown", "--service", "a", "--severity", "Minor", "--root"])
        .arg(root)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown severity `Minor`"));

    // An alias naming no level is a site.toml error at its line and column.
    let toml = format!("{}{ALIASES}Low = \"SEV9\"\n", pmsite::scaffold::DEFAULT_SITE_TOML);
    std::fs::write(root.join("site.toml"), &toml).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_pmsite")).args(["check", "--root"]).arg(root).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    let line = toml.lines().count();
    let place = format!("site.toml:{line}:7");
    assert!(stdout.contains(&place) || stderr.contains(&place), "{place}\n{stdout}{stderr}");
    assert!(format!("{stdout}{stderr}").contains("`SEV9`, which is not a severity"), "{stdout}{stderr}");
}

#[test]
fn unreadable_foreign_front_matter_is_skipped_with_its_reason() {
    let (kb, config) = aliased_kb();
    let src = tempfile::tempdir().unwrap();
    for (name, text) in [
        ("unclosed.md", "---\ntitle: x\n\n# Body\n"),
        ("bad-yaml.md", "---\ntitle: [x\n---\n# Body\n"),
        ("bad-toml.md", "+++\ntitle = \n+++\n# Body\n"),
        ("list.md", "---\n- a\n---\n# Body\n"),
        ("empty.md", "---\n---\n"),
    ] {
        std::fs::write(src.path().join(name), text).unwrap();
    }
    let opts = Options { into: kb.path().join("content"), dry_run: true };
    let report = import(kb.path(), &config, &[src.path().to_path_buf()], &opts);
    for (name, why) in [
        ("unclosed", "never closed"),
        ("bad-yaml", "YAML front matter cannot be read"),
        ("bad-toml", "TOML front matter cannot be read"),
        ("list", "not fields"),
        ("empty", "empty"),
    ] {
        match &file(&report, name).outcome {
            Outcome::Skipped { reason } => assert!(reason.contains(why), "{name}: {reason}"),
            o => panic!("{name}: {o:?}"),
        }
    }
}

/// A postmortem in the shape importers see most: a title, a date, a timeline and a list
/// of action items, with `line` as one of the items.
fn with_action_item(line: &str) -> String {
    format!(
        "# DNS outage\n\nDate: 2024-03-12\n\n## Timeline\n\n- 14:02 UTC alerts fire\n- 14:49 UTC resolved\n\n## Action items\n\n{line}\n"
    )
}

#[test]
fn letters_that_change_length_when_lowercased_do_not_panic() {
    // Each panicked: byte offsets found in a lowercased copy were used on the original.
    let config = config();
    let date: jiff::civil::Date = "2024-01-01".parse().unwrap();
    for (line, title, status) in [
        ("- [ ] Fix İstanbul DNS (done)", "Fix İstanbul DNS", "done"),
        ("- [ ] Fix İstanbul DNS (owner: ayşe)", "Fix İstanbul DNS", "open"),
        ("- [ ] İİİİ renew certificates due 2024-04-01", "İİİİ renew certificates due 2024-04-01", "open"),
    ] {
        let c = pmsite::import::convert(&with_action_item(line), "dns.md", &config, date).unwrap();
        let item = &c.action_items[0];
        assert_eq!((item.title.as_str(), item.status.as_str()), (title, status), "{line}");
        // The converted file must be a valid postmortem.
        let (pm, diags) = pmsite::frontmatter::parse(&c.render(&config), Path::new("content/2024/x.md"), &config);
        assert!(pm.is_some() && diags.is_empty(), "{line}: {diags:?}");
    }
    let c = pmsite::import::convert(
        &with_action_item("- İİİİ renew certificates (due: 2024-04-01)"),
        "d.md",
        &config,
        date,
    )
    .unwrap();
    assert_eq!(c.action_items[0].due, Some("2024-04-01".parse().unwrap()));
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Characters that have broken text handling somewhere: case changes that change
    /// length (İ, ß, ŉ, Kelvin sign), combining marks, right-to-left text, NUL and other
    /// controls, line and paragraph separators, a BOM, and the importer's own markers.
    fn hostile_char() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => prop::sample::select(vec![
                "İ", "ı", "ß", "ẞ", "ŉ", "\u{212a}", "ǅ", "ﬁ", "e\u{301}", "\u{301}", "\u{202e}", "שלום", "مرحبا",
                "\u{0}", "\u{1b}[31m", "\u{7}", "\r", "\t", "\u{85}", "\u{2028}", "\u{feff}", "事故", "✅", "✔",
            ]).prop_map(String::from),
            3 => prop::sample::select(vec![
                "(done)", "(owner: ", ")", " owner: ", "@", "due ", "by ", "SEV-1", "P1 incident", "- [ ] ", "- [x] ",
                "## ", "# ", "| ", " |", "|---|", "**", "`", "\n", "\n\n", ": ", "2024-03-12", "14:02 UTC", "Times in CET",
                "March 4, 2024", "12/03/2024", "Detection:", "[Recovery]", "---\n", "+++\n", "title: ", "date = ",
                "At 3:12 PM UTC on March 3rd, ", "Mar 3, 9:05 PM", " ::::: ", "### 2024-03-12 - ", "Detected: ",
                "<!--", "-->", "`23:50`", "01:54", "~", "On ", "By ", ". ",
            ]).prop_map(String::from),
            4 => "[a-zA-Z ]{1,8}",
            1 => any::<char>().prop_map(String::from),
        ]
    }

    fn hostile_text() -> impl Strategy<Value = String> {
        prop::collection::vec(hostile_char(), 0..60).prop_map(|parts| parts.concat())
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: std::env::var("PROPTEST_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(500),
            ..ProptestConfig::default()
        })]

        #[test]
        fn any_action_item_line(line in hostile_text()) {
            let date: jiff::civil::Date = "2024-01-01".parse().unwrap();
            let _ = pmsite::import::convert(&with_action_item(&format!("- [ ] {line}")), "x.md", &config(), date);
        }

        #[test]
        fn any_document(text in hostile_text(), name in "\\PC{0,12}") {
            let config = config();
            let date: jiff::civil::Date = "2024-01-01".parse().unwrap();
            if let Ok(c) = pmsite::import::convert(&text, &format!("{name}.md"), &config, date) {
                // What import writes must read back without a panic, too.
                let _ = pmsite::frontmatter::parse(&c.render(&config), Path::new("content/2024/x.md"), &config);
            }
        }
    }
}
