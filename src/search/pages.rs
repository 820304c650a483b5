//! Pages a query names: when its words spell out a factor, service or team, that
//! page is offered above the results ("Pages: factor Retry storm · service
//! checkout-api"), since someone typing a service's name usually wants the service.
//!
//! A page is named when the terms of its id or of its title (the analyzer's terms,
//! so stemmed and without stop words) occur together and in order among the
//! query's terms. search.js applies the same rule to the list in `meta.js`.

use super::analysis::terms_of;
use crate::kb::KnowledgeBase;
use crate::routes::{self, Dim};
use serde::{Deserialize, Serialize};

/// Offered at most, so a one-word query that many names share stays readable.
pub(super) const MAX_NAMED: usize = 6;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PageKind {
    Factor,
    Service,
    Team,
}

impl PageKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            PageKind::Factor => "factor",
            PageKind::Service => "service",
            PageKind::Team => "team",
        }
    }
}

/// A page a query can name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageLink {
    pub(crate) kind: PageKind,
    /// The id postmortems use: `checkout-api`, `retry-storm`.
    pub(crate) name: String,
    /// The page's title: a factor's title from site.toml, else the name.
    pub(crate) title: String,
    /// Root-relative, from [`routes`].
    pub(crate) url: String,
}

/// Every factor, service and team page the site has, factors first, each kind by name.
pub(crate) fn pages(kb: &KnowledgeBase) -> Vec<PageLink> {
    let slugs = kb.slugs();
    let mut out: Vec<PageLink> = kb
        .indexes
        .factors
        .keys()
        .map(|id| PageLink {
            kind: PageKind::Factor,
            name: id.clone(),
            title: kb.config.factors.get(id).map_or_else(|| id.clone(), |f| f.title.clone()),
            url: routes::factor_url(id),
        })
        .collect();
    for (dim, kind) in [(Dim::Services, PageKind::Service), (Dim::Teams, PageKind::Team)] {
        out.extend(kb.entries_of(dim).into_iter().map(|(name, _)| PageLink {
            kind,
            url: slugs.url(dim, &name),
            title: name.clone(),
            name,
        }));
    }
    out.sort_by(|a, b| (a.kind, &a.name).cmp(&(b.kind, &b.name)));
    out
}

/// The terms of a query's words, in order: `-word` exclusions left out, a
/// `field:value` counted by its value (`service:checkout-api` names the service).
pub(crate) fn query_terms(query: &str) -> Vec<String> {
    let words: Vec<&str> = query
        .split_whitespace()
        .filter(|w| !w.starts_with('-'))
        .map(|w| w.split_once(':').map_or(w, |(_, value)| value))
        .collect();
    terms_of(&words.join(" "))
}

/// The entries of `pages` that `query` names, at most `MAX_NAMED`, in their order
/// (from the index or the site: factors, then services, then teams, each by name).
pub fn named_in<'a>(pages: &'a [PageLink], query: &str) -> Vec<&'a PageLink> {
    let words = query_terms(query);
    if words.is_empty() {
        return Vec::new();
    }
    pages
        .iter()
        .filter(|p| spells(&words, &terms_of(&p.name)) || spells(&words, &terms_of(&p.title)))
        .take(MAX_NAMED)
        .collect()
}

/// Whether `name` occurs in `words` as a run.
fn spells(words: &[String], name: &[String]) -> bool {
    !name.is_empty() && words.windows(name.len()).any(|w| w == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(kind: PageKind, name: &str, title: &str) -> PageLink {
        PageLink { kind, name: name.into(), title: title.into(), url: format!("x/{name}/") }
    }

    fn named(query: &str) -> Vec<String> {
        let pages = [
            page(PageKind::Factor, "retry-storm", "Retry storm"),
            page(PageKind::Factor, "expired-cert", "Expired certificate"),
            page(PageKind::Service, "checkout-api", "checkout-api"),
            page(PageKind::Service, "api", "api"),
            page(PageKind::Team, "Payments", "Payments"),
        ];
        named_in(&pages, query).into_iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn a_name_is_named_by_its_words_in_order_whatever_the_case_or_form() {
        assert_eq!(named("Checkout-API latency"), ["checkout-api", "api"]);
        assert_eq!(named("retry storms"), ["retry-storm"]);
        assert_eq!(named("expired certificates"), ["expired-cert"]);
        assert_eq!(named("payment"), ["Payments"]);
        assert!(named("storm retry").is_empty(), "words out of order");
        assert!(named("checkout").is_empty(), "part of a name");
    }

    #[test]
    fn exclusions_do_not_name_and_field_values_do() {
        assert!(named("-payments pool").is_empty());
        assert_eq!(named("service:checkout-api"), ["checkout-api", "api"]);
        assert!(named("").is_empty());
    }
}
