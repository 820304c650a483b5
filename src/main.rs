//! The `pmsite` binary: parses arguments and calls the library. Nothing else.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pmsite::diagnostics::Format;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

// A build allocates millions of short-lived strings and JSON values on every core; glibc's
// allocator spent a fifth of a 10,000-postmortem build in malloc and free (see BENCHMARKS.md).
#[cfg(not(feature = "system-allocator"))]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "pmsite",
    version,
    about = "Turn a repository of postmortems into a cross-linked static knowledge base"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Args, Clone)]
struct Common {
    /// Knowledge base folder (default: the current folder, or the nearest parent holding site.toml)
    #[arg(long, global = true)]
    root: Option<PathBuf>,
    /// Treat warnings as errors
    #[arg(long, global = true)]
    strict: bool,
    /// Include postmortems with `status: draft`
    #[arg(long, global = true)]
    drafts: bool,
    /// The date overdue action items are judged against (YYYY-MM-DD; default: today)
    #[arg(long, global = true, value_parser = parse_date)]
    today: Option<jiff::civil::Date>,
}

#[derive(Clone, Copy, ValueEnum)]
enum CheckFormat {
    Human,
    Json,
    Github,
    Gitlab,
}

#[derive(Clone, Copy, ValueEnum)]
enum ActionsFormat {
    Table,
    Json,
    Csv,
}

#[derive(Clone, Copy, ValueEnum)]
enum SearchFormat {
    Table,
    Json,
}

#[derive(Subcommand)]
enum Command {
    /// Check every postmortem and print all problems, sorted by file and line
    Check {
        #[command(flatten)]
        common: Common,
        /// Output format: human (rustc-style), json, github (Actions annotations), or gitlab (Code Quality report)
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
        /// Report only problems in postmortems changed against --base (committed or not),
        /// and the errors those changes cause elsewhere (broken `related` ids and links)
        #[arg(long)]
        changed: bool,
        /// The branch --changed compares with (default: origin/main, else main)
        #[arg(long, requires = "changed")]
        base: Option<String>,
        /// Check what this edition publishes: internal (everything) or public (only
        /// `visibility: public` postmortems; links from them to internal ones are warned about)
        #[arg(long, default_value = "internal", value_parser = parse_edition)]
        edition: pmsite::edition::Edition,
    },
    /// Convert Markdown postmortems (files, or every Markdown file in folders) into the
    /// format: content/<year>/<date>-<slug>.md, never overwriting a file
    Import {
        /// Markdown files or folders to import
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Folder to write into (default: content/ of the knowledge base)
        #[arg(long)]
        into: Option<PathBuf>,
        /// Print what would be written, write nothing
        #[arg(long)]
        dry_run: bool,
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Build the static site into the output folder (replaced only when the build succeeds)
    Build {
        #[command(flatten)]
        common: Common,
        /// Output folder, relative to the knowledge base root
        #[arg(long, short, default_value = "public")]
        output: PathBuf,
        /// Override site.toml's base_url (e.g. for a preview deployment): an http(s) URL or a path from /
        #[arg(long, value_parser = parse_base_url)]
        base_url: Option<String>,
        /// Print every warning with its source (by default, past a few, a tally per code)
        #[arg(long, short)]
        verbose: bool,
        /// Neither read nor write the build cache in .pmsite/cache/ (render and compare everything)
        #[arg(long)]
        no_cache: bool,
        /// internal: every postmortem; public: only `visibility: public` ones, without their internal parts
        #[arg(long, default_value = "internal", value_parser = parse_edition)]
        edition: pmsite::edition::Edition,
    },
    /// List action items: a report for a weekly reminder job
    Actions {
        #[command(flatten)]
        common: Common,
        /// Only overdue items (not done or won't-do, due before --today)
        #[arg(long)]
        overdue: bool,
        /// Only items owned by OWNER
        #[arg(long)]
        owner: Option<String>,
        /// Only items of incidents involving TEAM
        #[arg(long)]
        team: Option<String>,
        /// Only items of incidents involving SERVICE
        #[arg(long)]
        service: Option<String>,
        /// Only items of incidents of this severity: a level or a [severity_aliases] name
        #[arg(long)]
        severity: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: ActionsFormat,
        /// Exit 1 when any listed item is overdue
        #[arg(long)]
        fail_on_overdue: bool,
        /// Exit 1 when any listed item's file and tracker disagree (see `pmsite sync`)
        #[arg(long)]
        fail_on_drift: bool,
    },
    /// Ask the trackers of site.toml [[trackers]] for every ticket action items name, and
    /// write the ticket snapshot that builds read (they never use the network)
    Sync {
        #[command(flatten)]
        common: Common,
        /// Seconds one request may take, connection to last byte
        #[arg(long, default_value_t = 30.0, value_parser = parse_seconds)]
        timeout: f64,
        /// Attempts after the first for timeouts, connection errors, 5xx answers and rate limits
        #[arg(long, default_value_t = 3)]
        retries: u32,
        /// Requests in flight at once
        #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=16))]
        concurrency: u16,
        /// Longest Retry-After or rate-limit reset to wait for, in seconds
        #[arg(long, default_value_t = 60.0, value_parser = parse_seconds)]
        max_wait: f64,
    },
    /// Preview the site with live reload: builds into memory, serves it, rebuilds on every save
    Serve {
        #[command(flatten)]
        common: Common,
        /// Port to listen on (the next free one is taken if it is in use)
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// Address to listen on; the default serves only this machine
        #[arg(long, default_value = "127.0.0.1")]
        bind: std::net::IpAddr,
        /// Open the site in the default browser
        #[arg(long)]
        open: bool,
        /// Hide postmortems with `status: draft` (shown by default when serving)
        #[arg(long)]
        no_drafts: bool,
        /// internal: every postmortem; public: only `visibility: public` ones, without their internal parts
        #[arg(long, default_value = "internal", value_parser = parse_edition)]
        edition: pmsite::edition::Edition,
    },
    /// Create a new knowledge base in DIR
    Init {
        /// Folder to create the knowledge base in (created if missing)
        #[arg(default_value = ".")]
        dir: PathBuf,
    },
    /// Start a new postmortem from the template: content/<year>/<date>-<slug>.md
    New {
        /// What happened, in a line ("Checkout latency after deploy")
        title: String,
        /// An affected service (repeatable)
        #[arg(long = "service", short = 's')]
        services: Vec<String>,
        /// An involved team (repeatable)
        #[arg(long = "team", short = 't')]
        teams: Vec<String>,
        /// Severity (default: the least severe in site.toml)
        #[arg(long)]
        severity: Option<String>,
        /// The day the incident began (default: today)
        #[arg(long, value_parser = parse_date)]
        date: Option<jiff::civil::Date>,
        #[arg(long)]
        root: Option<PathBuf>,
    },
    /// Search the postmortems; exits 1 when nothing matches
    ///
    /// Words are all required; "quoted words" are a phrase; field:value narrows by
    /// service, team, factor, tag, severity or year (service:checkout-api), and by
    /// text field (title:, summary:, body:, timeline:, actions:); -word excludes.
    /// The index lives in <root>/.pmsite/search-index/ and is rebuilt first when
    /// any postmortem or site.toml changed.
    Search {
        /// What to look for ("pool exhaustion", service:checkout-api "retry storm")
        #[arg(num_args = 0.., value_name = "QUERY")]
        query: Vec<String>,
        /// Only incidents affecting this service (repeatable: any of them)
        #[arg(long = "service", value_name = "SERVICE")]
        services: Vec<String>,
        /// Only incidents with this contributing factor (repeatable)
        #[arg(long = "factor", value_name = "FACTOR")]
        factors: Vec<String>,
        /// Only incidents involving this team (repeatable)
        #[arg(long = "team", value_name = "TEAM")]
        teams: Vec<String>,
        /// Only incidents of this severity (repeatable)
        #[arg(long = "severity", value_name = "SEVERITY")]
        severities: Vec<String>,
        /// Only incidents on or after this day (YYYY-MM-DD)
        #[arg(long, value_parser = parse_date)]
        since: Option<jiff::civil::Date>,
        /// Most results to show
        #[arg(long, default_value_t = 10)]
        limit: usize,
        /// Output format
        #[arg(long, value_enum, default_value = "table")]
        format: SearchFormat,
        #[arg(long)]
        root: Option<PathBuf>,
    },
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 { format!("1 {what}") } else { format!("{n} {what}s") }
}

fn parse_date(s: &str) -> Result<jiff::civil::Date, String> {
    s.parse().map_err(|_| format!("`{s}` is not a date; use YYYY-MM-DD"))
}

fn find_root(root: Option<&Path>) -> Result<PathBuf> {
    match root {
        Some(r) => {
            if !r.join("site.toml").is_file() {
                bail!(
                    "{} has no site.toml; pass the knowledge base folder, or create one with `pmsite init {}`",
                    r.display(),
                    r.display()
                );
            }
            Ok(r.to_path_buf())
        }
        None => {
            let cwd = std::env::current_dir().context("cannot read the current folder")?;
            pmsite::load::find_root(&cwd).with_context(|| {
                format!("no site.toml in {} or any parent; run pmsite inside a knowledge base, pass --root, or create one with `pmsite init`", cwd.display())
            })
        }
    }
}

fn today(common: &Common, root: &Path) -> jiff::civil::Date {
    common.today.unwrap_or_else(|| {
        let (config, _) = pmsite::load::load_config(root);
        pmsite::check::today(&config.timezone)
    })
}

/// A progress bar on a terminal; hidden when piped (CI logs stay clean).
fn progress_bar() -> indicatif::ProgressBar {
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message("rendering");
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { common, format, changed, base, edition } => {
            let root = find_root(common.root.as_deref())?;
            let opts = pmsite::check::Options { strict: common.strict, drafts: true, today: today(&common, &root) };
            let mut cache = pmsite::check::Cache::default();
            let mut checked = pmsite::check::check_cached_in(&root, &opts, edition, &mut cache);
            if changed {
                let base = match base {
                    Some(b) => b,
                    None => pmsite::history::default_base(&root)
                        .context("--changed needs a base branch: there is no origin/main or main; pass --base")?,
                };
                let sources = &checked.kb.config.sources;
                let changed = pmsite::repositories::changed_files(&root, sources, &base)?;
                let files = changed.files;
                let others: String = changed.bases.iter().map(|b| format!("; {b}")).collect();
                eprintln!("{} changed against {base}{others}", plural(files.len(), "file"));
                checked.diagnostics = pmsite::history::filter_to_changed(checked.diagnostics, &files);
            }
            let format = match format {
                CheckFormat::Human => Format::Human,
                CheckFormat::Json => Format::Json,
                CheckFormat::Github => Format::Github,
                CheckFormat::Gitlab => Format::Gitlab,
            };
            let color = pmsite::diagnostics::color_enabled(std::io::stderr().is_terminal());
            let out = pmsite::check::report(&root, &checked.diagnostics, format, color && format == Format::Human);
            match format {
                Format::Human => {
                    eprint!("{out}");
                    eprintln!("{}", pmsite::check::summary_line(&checked));
                }
                _ => print!("{out}"),
            }
            Ok(if checked.errors() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Build { common, output, base_url, verbose, no_cache, edition } => {
            let root = find_root(common.root.as_deref())?;
            let opts = pmsite::build::BuildOptions {
                output,
                base_url,
                drafts: common.drafts,
                strict: common.strict,
                today: today(&common, &root),
                cache: !no_cache,
                edition,
            };
            let bar = progress_bar();
            let report = pmsite::build::build(&root, &opts, &|n| bar.inc(n));
            bar.finish_and_clear();
            let color = pmsite::diagnostics::color_enabled(std::io::stderr().is_terminal());
            eprint!("{}", pmsite::check::build_report(&root, &report.diagnostics, verbose, color));
            for note in &report.notes {
                // Notes name files of the knowledge base: no raw control characters.
                eprintln!("note: {}", pmsite::terminal::safe(note));
            }
            eprintln!("{}", report.summary_line());
            Ok(if report.ok { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Actions {
            common,
            overdue,
            owner,
            team,
            service,
            severity,
            format,
            fail_on_overdue,
            fail_on_drift,
        } => {
            let root = find_root(common.root.as_deref())?;
            let opts = pmsite::check::Options { strict: false, drafts: common.drafts, today: today(&common, &root) };
            let checked = pmsite::check::check(&root, &opts);
            if checked.errors() > 0 {
                eprintln!(
                    "warning: {} error(s) in the knowledge base; files that could not be read are left out (run `pmsite check`)",
                    checked.errors()
                );
            }
            let severity = match severity {
                Some(s) => Some(checked.kb.config.severity_filter(&s).map_err(|e| anyhow::anyhow!("--severity: {e}"))?),
                None => None,
            };
            let filter = pmsite::actions::Filter { overdue, owner, team, service, severity, status: None };
            let format = match format {
                ActionsFormat::Table => pmsite::actions::ReportFormat::Table,
                ActionsFormat::Json => pmsite::actions::ReportFormat::Json,
                ActionsFormat::Csv => pmsite::actions::ReportFormat::Csv,
            };
            let report = pmsite::actions::report(&checked.kb, &filter, format);
            print!("{}", report.text);
            if fail_on_drift && checked.kb.tickets.is_none() {
                eprintln!(
                    "warning: --fail-on-drift: there is no ticket snapshot ({}), so no drift can be seen; run `pmsite sync`",
                    checked.kb.config.tickets.snapshot
                );
            }
            let failed = (fail_on_overdue && report.overdue > 0) || (fail_on_drift && report.drifted > 0);
            Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Sync { common, timeout, retries, concurrency, max_wait } => {
            let root = find_root(common.root.as_deref())?;
            let opts = pmsite::check::Options { strict: false, drafts: true, today: today(&common, &root) };
            let checked = pmsite::check::check(&root, &opts);
            // A snapshot that cannot be read would be replaced by one without its history.
            if let Some(d) = checked.diagnostics.iter().find(|d| {
                matches!(d.code, pmsite::diagnostics::Code::TicketsInvalid | pmsite::diagnostics::Code::ConfigSyntax)
                    || (d.is_error() && d.file.as_os_str() == pmsite::config::FILE)
            }) {
                bail!("{d}");
            }
            let limits = pmsite::trackers::sync::SyncLimits {
                timeout: std::time::Duration::from_secs_f64(timeout),
                retries,
                max_wait: std::time::Duration::from_secs_f64(max_wait),
                concurrency: usize::from(concurrency),
                ..Default::default()
            };
            let report = pmsite::trackers::sync::sync(&checked.kb, &limits, &|name| std::env::var(name).ok())
                .map_err(anyhow::Error::msg)?;
            for (ticket, why) in &report.failed {
                // Ticket names and the trackers' messages come from outside: no raw escapes.
                eprintln!("{}: {}", pmsite::terminal::safe(ticket), pmsite::terminal::safe(why));
            }
            if report.unowned > 0 {
                let n = report.unowned;
                let what = if n == 1 { "1 ticket is".to_string() } else { format!("{n} tickets are") };
                eprintln!("note: {what} owned by no tracker and not synced (`pmsite check` names them)");
            }
            eprintln!(
                "synced {}: {} updated, {} unchanged, {} failed; wrote {}",
                plural(report.asked, "ticket"),
                report.fetched,
                report.unchanged,
                report.failed.len(),
                report.path
            );
            Ok(if report.failed.is_empty() { ExitCode::SUCCESS } else { ExitCode::FAILURE })
        }
        Command::Serve { common, port, bind, open, no_drafts, edition } => {
            let root = find_root(common.root.as_deref())?;
            let mut opts = pmsite::serve::ServeOptions::new(&root, today(&common, &root));
            opts.port = port;
            opts.bind = bind;
            opts.drafts = !no_drafts;
            opts.edition = edition;
            opts.verbose = true;
            opts.color = pmsite::diagnostics::color_enabled(std::io::stderr().is_terminal());
            let server = pmsite::serve::start(opts)?;
            if let Some(wanted) = server.port_in_use {
                eprintln!("port {wanted} is in use; serving on port {} instead", server.addr.port());
            }
            let url = server.url();
            eprintln!("serving {} at {url} (watching for changes; Ctrl-C to stop)", root.display());
            if open && let Err(e) = pmsite::serve::open_browser(&url) {
                eprintln!("could not open a browser ({e}); open {url} yourself");
            }
            server.wait();
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { paths, into, dry_run, root } => {
            let root = find_root(root.as_deref())?;
            let (config, diags) = pmsite::load::load_config(&root);
            if let Some(d) = diags.iter().find(|d| d.is_error()) {
                bail!("{d}");
            }
            let opts = pmsite::import::Options { into: into.unwrap_or_else(|| root.join("content")), dry_run };
            let report = pmsite::import::import(&root, &config, &paths, &opts);
            // The report quotes the imported files: their text may hold escape sequences.
            print!("{}", pmsite::terminal::safe_lines(&pmsite::import::render_report(&report)));
            Ok(if report.failed() > 0 { ExitCode::FAILURE } else { ExitCode::SUCCESS })
        }
        Command::Init { dir } => {
            let today = pmsite::check::today(&jiff::tz::TimeZone::UTC);
            let files = pmsite::scaffold::init(&dir, today)?;
            for f in &files {
                println!("created {}", f.display());
            }
            println!(
                "\nNext:\n  cd {}\n  pmsite new \"What happened\" --service <service>   # start a postmortem\n  pmsite check                                   # find problems\n  pmsite serve                                   # preview with live reload",
                dir.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::New { title, services, teams, severity, date, root } => {
            let root = find_root(root.as_deref())?;
            let (config, diags) = pmsite::load::load_config(&root);
            if let Some(d) = diags.iter().find(|d| d.is_error()) {
                bail!("{d}");
            }
            // An alias from [severity_aliases] is written as the level it names.
            let severity = match severity {
                Some(s) => Some(config.severity_filter(&s).map_err(|e| anyhow::anyhow!("--severity: {e}"))?),
                None => None,
            };
            let date = date.unwrap_or_else(|| pmsite::check::today(&config.timezone));
            let req = pmsite::scaffold::NewPostmortem {
                title: &title,
                services: &services,
                teams: &teams,
                severity: severity.as_deref(),
                date,
            };
            let path = pmsite::scaffold::new_postmortem(&root, &config, &req)?;
            println!("{}", path.display());
            eprintln!(
                "Wrote a draft. Fill in the timeline and action items, set `status: review`, and run `pmsite check`."
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Search { query, services, factors, teams, severities, since, limit, format, root } => {
            let filters = pmsite::search::Filters { services, factors, teams, severities, since };
            run_search(&query, filters, limit, format, root.as_deref())
        }
    }
}

fn run_search(
    query: &[String],
    filters: pmsite::search::Filters,
    limit: usize,
    format: SearchFormat,
    root: Option<&Path>,
) -> Result<ExitCode> {
    let root = find_root(root)?;
    let (config, _) = pmsite::load::load_config(&root);
    // The index holds site levels; `--severity critical` means the level it is an alias of.
    let mut filters = filters;
    filters.severities = filters
        .severities
        .iter()
        .map(|s| config.severity_filter(s))
        .collect::<Result<_, String>>()
        .map_err(|e| anyhow::anyhow!("--severity: {e}"))?;
    let ensured = pmsite::search_command::ensure_index(&root, pmsite::check::today(&config.timezone))?;
    if let Some(b) = &ensured.built {
        eprintln!(
            "{} the search index: {} postmortems in {:.1} s ({})",
            if b.was_stale { "updated" } else { "built" },
            ensured.index.documents,
            b.took.as_secs_f64(),
            ensured.index.dir.display()
        );
        if b.errors > 0 {
            eprintln!("note: {} errors in the knowledge base; run `pmsite check` to see them", b.errors);
        }
    }
    let query = query.join(" ");
    let hits = pmsite::search::search(&ensured.index.dir, &query, &filters, limit)?;
    let all_pages = pmsite::search::read_pages(&ensured.index.dir)?;
    let pages = pmsite::search::named_in(&all_pages, &query);
    match format {
        SearchFormat::Json => {
            let out = serde_json::json!({ "query": query, "pages": pages, "hits": hits });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        SearchFormat::Table => {
            let color = pmsite::diagnostics::color_enabled(std::io::stdout().is_terminal());
            print!("{}", pmsite::search_command::render_pages(&pages));
            print!("{}", pmsite::search_command::render_table(&hits, color));
            if hits.is_empty() {
                eprintln!("no postmortem matches `{query}`");
            }
        }
    }
    Ok(if hits.is_empty() { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", pmsite::terminal::safe(&format!("{e:#}")));
            ExitCode::from(2)
        }
    }
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v > 0.0 && v <= 3600.0 => Ok(v),
        _ => Err(format!("`{s}` is not a number of seconds between 0 and 3600")),
    }
}

fn parse_edition(s: &str) -> Result<pmsite::edition::Edition, String> {
    pmsite::edition::Edition::parse(s)
        .ok_or_else(|| format!("`{}` is not an edition: use internal or public", s.escape_debug()))
}

fn parse_base_url(s: &str) -> Result<String, String> {
    pmsite::config::base_url(s).map_err(|problem| format!("`{}` {problem}", s.escape_debug()))
}
