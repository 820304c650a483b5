//! The `pmsite` binary: parses arguments and calls the library. Nothing else.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use pmsite::diagnostics::Format;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

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
        /// Output format: human (rustc-style), json, or github (Actions annotations)
        #[arg(long, value_enum, default_value = "human")]
        format: CheckFormat,
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

fn run() -> Result<ExitCode> {
    let cli = Cli::parse();
    match cli.command {
        Command::Check { common, format } => {
            let root = find_root(common.root.as_deref())?;
            let opts = pmsite::check::Options {
                strict: common.strict,
                drafts: true,
                today: today(&common, &root),
            };
            let checked = pmsite::check::check(&root, &opts);
            let format = match format {
                CheckFormat::Human => Format::Human,
                CheckFormat::Json => Format::Json,
                CheckFormat::Github => Format::Github,
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
            Ok(if checked.errors() > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            })
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
        Command::New {
            title,
            services,
            teams,
            severity,
            date,
            root,
        } => {
            let root = find_root(root.as_deref())?;
            let (config, diags) = pmsite::load::load_config(&root);
            if let Some(d) = diags.iter().find(|d| d.is_error()) {
                bail!("{d}");
            }
            if let Some(s) = &severity {
                if !config.severities.contains(s) {
                    bail!("unknown severity `{s}`; use one of {}", config.severities.join(", "));
                }
            }
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
        Command::Search {
            query,
            services,
            factors,
            teams,
            severities,
            since,
            limit,
            format,
            root,
        } => {
            let filters = pmsite::search::Filters {
                services,
                factors,
                teams,
                severities,
                since,
            };
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
    let ensured = pmsite::search::ensure_index(&root, pmsite::check::today(&config.timezone))?;
    if let Some(b) = &ensured.built {
        eprintln!(
            "{} the search index: {} postmortems in {:.1} s ({})",
            if b.was_stale { "updated" } else { "built" },
            ensured.index.documents,
            b.took.as_secs_f64(),
            ensured.index.dir.display()
        );
        if b.errors > 0 {
            eprintln!(
                "note: {} errors in the knowledge base; run `pmsite check` to see them",
                b.errors
            );
        }
    }
    let query = query.join(" ");
    let hits = pmsite::search::search(&ensured.index.dir, &query, &filters, limit)?;
    match format {
        SearchFormat::Json => {
            let out = serde_json::json!({ "query": query, "hits": hits });
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        SearchFormat::Table => {
            let color = pmsite::diagnostics::color_enabled(std::io::stdout().is_terminal());
            print!("{}", pmsite::search::render_table(&hits, color));
            if hits.is_empty() {
                eprintln!("no postmortem matches `{query}`");
            }
        }
    }
    Ok(if hits.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
