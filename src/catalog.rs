//! site.toml `[services.<id>]`: what a service catalog knows about a service (its owner
//! team, tier, runbook, dashboard, repository), shown on the service's page.
//!
//! The table is optional and every key in it is too; a misspelt key is a `config-syntax`
//! error as in the other fixed-shape tables, and a bad value a `config-value` error at
//! its place in site.toml.

use crate::diagnostics::{Code, Diagnostic};
use crate::lines::line_col;
use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// `crate::config::FILE`, which this module cannot name: config reads the catalog.
const SITE_TOML: &str = "site.toml";

/// A place in site.toml, for warnings raised after parsing (`unknown_owners`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub(crate) struct Place {
    pub(crate) line: usize,
    pub(crate) column: usize,
    pub(crate) width: usize,
}

/// One `[services.<id>]` table, checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub(crate) struct Service {
    /// A team id, as postmortems write it in `teams`.
    pub(crate) owner: Option<String>,
    #[serde(skip)]
    pub(crate) owner_at: Place,
    /// The service's tier as the catalog writes it (`1`, `critical`); never empty.
    pub(crate) tier: Option<String>,
    /// An http(s) address of the service's runbook.
    pub(crate) runbook: Option<String>,
    /// An http(s) address of the service's dashboard.
    pub(crate) dashboard: Option<String>,
    /// An http(s) address of the service's source repository.
    pub(crate) repository: Option<String>,
    /// Free text shown on the service page; None when blank.
    pub(crate) description: Option<String>,
}

/// Services by the id postmortems name them with in `services`.
pub(crate) type Catalog = BTreeMap<String, Service>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawService {
    owner: Option<Spanned<String>>,
    tier: Option<Spanned<String>>,
    runbook: Option<Spanned<String>>,
    dashboard: Option<Spanned<String>>,
    repository: Option<Spanned<String>>,
    description: Option<String>,
}

/// Checks every `[services.<id>]` table; a bad value is left out of the catalog (the
/// page shows the rest) and reported at its line and column.
pub(crate) fn parse(raw: BTreeMap<String, RawService>, text: &str, diags: &mut Vec<Diagnostic>) -> Catalog {
    let mut problem = |span: std::ops::Range<usize>, msg: String, help: &str| {
        let (line, col) = line_col(text, span.start);
        diags.push(
            Diagnostic::error(Code::ConfigValue, SITE_TOML, line, col, msg)
                .with_width(span.len())
                .with_suggestion(help.to_string()),
        );
    };
    let mut catalog = Catalog::new();
    for (id, r) in raw {
        let mut named = |key: &str, v: Option<Spanned<String>>, help: &str| -> Option<(String, Place)> {
            let v = v?;
            let span = v.span();
            if v.get_ref().trim().is_empty() {
                problem(span, format!("services.{id}.{key} is empty"), help);
                return None;
            }
            let (line, column) = line_col(text, span.start);
            Some((v.into_inner(), Place { line, column, width: span.len() }))
        };
        let owner = named("owner", r.owner, "name the owning team as postmortems do in `teams`, or leave owner out");
        let tier = named("tier", r.tier, "write the tier, such as \"1\" or \"critical\", or leave tier out");
        let mut url = |key: &str, v: Option<Spanned<String>>| -> Option<String> {
            let v = v?;
            match crate::safe_url::http_url_problem(v.get_ref()) {
                None => Some(v.into_inner()),
                Some(why) => {
                    problem(
                        v.span(),
                        format!("services.{id}.{key} `{}` {why}", v.get_ref().escape_debug()),
                        "use an http(s) address, such as \"https://runbooks.example.internal/checkout-api\"",
                    );
                    None
                }
            }
        };
        let service = Service {
            runbook: url("runbook", r.runbook),
            dashboard: url("dashboard", r.dashboard),
            repository: url("repository", r.repository),
            owner_at: owner.as_ref().map(|o| o.1).unwrap_or_default(),
            owner: owner.map(|o| o.0),
            tier: tier.map(|t| t.0),
            description: r.description.filter(|d| !d.trim().is_empty()),
        };
        catalog.insert(id, service);
    }
    catalog
}

/// `unknown-team` warnings: catalog owners that no postmortem names as a team, so they
/// have no team page to link to (likely a misspelling).
pub(crate) fn unknown_owners(catalog: &Catalog, is_team: &dyn Fn(&str) -> bool) -> Vec<Diagnostic> {
    catalog
        .iter()
        .filter_map(|(id, s)| {
            let owner = s.owner.as_deref().filter(|o| !is_team(o))?;
            let at = s.owner_at;
            Some(
                Diagnostic::warning(
                    Code::UnknownTeam,
                    SITE_TOML,
                    at.line,
                    at.column,
                    format!("services.{id}.owner `{}` is a team no postmortem names", owner.escape_debug()),
                )
                .with_width(at.width)
                .with_suggestion(
                    "use a team id from a postmortem's `teams` list; the service page links to its team page",
                ),
            )
        })
        .collect()
}
