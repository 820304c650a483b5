//! Querying the tantivy index: the query language, filters, ranked hits with snippets.
//!
//! A query is tantivy's syntax over the text fields: words (all required),
//! `"phrases in quotes"`, `field:value` for the facet-like fields (`service:`,
//! `team:`, `factor:`, `tag:`, `severity:`, `year:`) and the text fields
//! (`title:`, `summary:`, `body:`, `timeline:`, `actions:`), `-word` to exclude.
//! Title words weigh three times and summary words twice as much as the rest.

use super::SearchError;
use super::analysis::Field as TextField;
use super::index::{self, Fields};
use jiff::civil::Date;
use serde::Serialize;
use std::ops::Bound;
use std::path::Path;
use tantivy::collector::TopDocs;
use tantivy::query::{AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DateTime, Order, ReloadPolicy, TantivyDocument, Term};

/// Narrowing that is not part of the query text. Values of one kind are
/// alternatives (`--service a --service b`: either); kinds combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filters {
    /// Service names, compared without regard to case; empty for any service.
    pub services: Vec<String>,
    /// Factor ids (`retry-storm`), compared without regard to case; empty for any factor.
    pub factors: Vec<String>,
    /// Team names, compared without regard to case; empty for any team.
    pub teams: Vec<String>,
    /// Severity levels as site.toml names them, compared without regard to case; empty for any.
    pub severities: Vec<String>,
    /// Incidents on or after this day.
    pub since: Option<Date>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    /// The postmortem's id (its file name without `.md`).
    pub id: String,
    pub(crate) title: String,
    pub(crate) severity: String,
    pub(crate) date: Date,
    pub(crate) services: Vec<String>,
    /// BM25 relevance; 0 when the query was empty and results are newest first.
    pub score: f32,
    /// From the first of summary, body, timeline and action items where a query word
    /// occurs; else the start of the summary.
    pub snippet: Snippet,
}

/// A short excerpt with the matched words marked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Snippet {
    pub(crate) text: String,
    /// Byte ranges of `text` (UTF-8) holding matched words, in order.
    pub(crate) highlights: Vec<[usize; 2]>,
}

impl Snippet {
    /// The text with each matched word between `open` and `close`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + self.highlights.len() * (open.len() + close.len()));
        let mut at = 0;
        for &[s, e] in &self.highlights {
            out.push_str(&self.text[at..s]);
            out.push_str(open);
            out.push_str(&self.text[s..e]);
            out.push_str(close);
            at = e;
        }
        out.push_str(&self.text[at..]);
        out
    }

    fn from_tantivy(s: &tantivy::snippet::Snippet) -> Snippet {
        Snippet {
            text: s.fragment().to_string(),
            highlights: s.highlighted().iter().map(|r| [r.start, r.end]).collect(),
        }
    }

    /// The start of `text`, cut at a word boundary.
    fn lead(text: &str, max_chars: usize) -> Snippet {
        if text.chars().count() <= max_chars {
            return Snippet { text: text.to_string(), highlights: vec![] };
        }
        let cut = text.char_indices().nth(max_chars).map_or(text.len(), |(i, _)| i);
        let cut = text[..cut].rfind(' ').unwrap_or(cut);
        Snippet { text: format!("{}…", text[..cut].trim_end()), highlights: vec![] }
    }
}

const SNIPPET_CHARS: usize = 160;

/// Searches the index in `dir` (see [`super::index_dir`]); at most `limit` hits,
/// best first. An empty query lists the filtered incidents, newest first.
pub fn search(dir: &Path, query: &str, filters: &Filters, limit: usize) -> Result<Vec<Hit>, SearchError> {
    let (index, f) = index::open(dir)?;
    let reader =
        index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(SearchError::index(dir))?;
    let searcher = reader.searcher();

    let blank = query.trim().is_empty();
    let text_query: Box<dyn Query> = if blank { Box::new(AllQuery) } else { parse(&index, &f, query)? };
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, text_query.box_clone())];
    for (field, values) in [
        (f.service, &filters.services),
        (f.factor, &filters.factors),
        (f.team, &filters.teams),
        (f.severity, &filters.severities),
    ] {
        if let Some(q) = any_of(field, values) {
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0))));
        }
    }
    if let Some(secs) = filters.since.and_then(index::date_seconds) {
        let from = Term::from_field_date(f.date, DateTime::from_timestamp_secs(secs));
        let range = RangeQuery::new(Bound::Included(from), Bound::Unbounded);
        clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(range), 0.0))));
    }
    let full = BooleanQuery::new(clauses);

    let found: Vec<(f32, tantivy::DocAddress)> = if blank {
        let by_date = TopDocs::with_limit(limit.max(1)).order_by_fast_field::<DateTime>("date", Order::Desc);
        searcher
            .search(&full, &by_date)
            .map_err(SearchError::index(dir))?
            .into_iter()
            .map(|(_, addr)| (0.0, addr))
            .collect()
    } else {
        searcher.search(&full, &TopDocs::with_limit(limit.max(1)).order_by_score()).map_err(SearchError::index(dir))?
    };

    // Snippets come from the first field, in reading order, where a query word occurs.
    let snippet_fields = [TextField::Summary, TextField::Body, TextField::Timeline, TextField::Actions];
    let generators: Vec<(Field, Option<SnippetGenerator>)> = snippet_fields
        .iter()
        .map(|&tf| {
            let field = f.text(tf);
            let generator = (!blank)
                .then(|| SnippetGenerator::create(&searcher, &*text_query, field).ok())
                .flatten()
                .map(|mut g| {
                    g.set_max_num_chars(SNIPPET_CHARS);
                    g
                });
            (field, generator)
        })
        .collect();

    let mut hits = Vec::with_capacity(found.len());
    for (score, addr) in found.into_iter().take(limit) {
        let doc: TantivyDocument = searcher.doc(addr).map_err(SearchError::index(dir))?;
        let first = |field: Field| doc.get_first(field).and_then(|v| v.as_str()).unwrap_or("").to_string();
        let snippet = generators
            .iter()
            .filter_map(|(_, g)| g.as_ref())
            .map(|g| g.snippet_from_doc(&doc))
            .find(|s| !s.highlighted().is_empty())
            .map(|s| Snippet::from_tantivy(&s))
            .unwrap_or_else(|| Snippet::lead(&first(generators[0].0), SNIPPET_CHARS));
        let date = doc
            .get_first(f.date)
            .and_then(|v| v.as_datetime())
            .and_then(|d| index::date_from_seconds(d.into_timestamp_secs()))
            .unwrap_or_default();
        hits.push(Hit {
            id: first(f.id),
            title: first(f.text(TextField::Title)),
            severity: first(f.severity),
            date,
            services: doc.get_all(f.service).filter_map(|v| v.as_str()).map(String::from).collect(),
            score,
            snippet,
        });
    }
    Ok(hits)
}

/// The query parser pmsite uses: all words required, title and summary boosted.
pub(crate) fn parser(index: &tantivy::Index, f: &Fields) -> QueryParser {
    let mut parser = QueryParser::for_index(index, f.text.to_vec());
    parser.set_conjunction_by_default();
    for tf in TextField::ALL {
        if tf.boost() != 1.0 {
            parser.set_field_boost(f.text(tf), tf.boost());
        }
    }
    parser
}

fn parse(index: &tantivy::Index, f: &Fields, query: &str) -> Result<Box<dyn Query>, SearchError> {
    use tantivy::query::QueryParserError as E;
    parser(index, f).parse_query(query).map_err(|e| {
        let fields = || {
            let text: Vec<&str> = TextField::ALL
                .iter()
                .filter(|&&t| t != TextField::Keywords)
                .map(|t| t.name())
                .collect();
            format!("{}, {}", Fields::KEYWORD_FIELDS.join(", "), text.join(", "))
        };
        let message = match &e {
            E::FieldDoesNotExist(name) => format!("there is no field `{name}`; fields are {}", fields()),
            E::SyntaxError(_) => {
                "put phrases in double quotes (\"pool exhaustion\"), name a field as field:value (service:checkout-api), and close every quote and parenthesis".to_string()
            }
            E::FieldNotIndexed(name) => format!("the field `{name}` cannot be searched; fields are {}", fields()),
            E::ExpectedInt(_) | E::ExpectedFloat(_) | E::DateFormatError(_) => {
                format!("{e}; dates are written 2024-03-12T00:00:00Z")
            }
            other => other.to_string(),
        };
        SearchError::Query {
            query: query.to_string(),
            message,
        }
    })
}

/// Matches documents having any of `values` in a keyword field.
fn any_of(field: Field, values: &[String]) -> Option<Box<dyn Query>> {
    let mut terms: Vec<Box<dyn Query>> = values
        .iter()
        .map(|v| {
            Box::new(TermQuery::new(Term::from_field_text(field, &v.to_lowercase()), IndexRecordOption::Basic))
                as Box<dyn Query>
        })
        .collect();
    match terms.len() {
        0 => None,
        1 => terms.pop(),
        _ => Some(Box::new(BooleanQuery::new(terms.into_iter().map(|q| (Occur::Should, q)).collect()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_highlights_in_order() {
        let s = Snippet { text: "pool exhaustion in the pool".into(), highlights: vec![[0, 4], [23, 27]] };
        assert_eq!(s.marked("[", "]"), "[pool] exhaustion in the [pool]");
    }

    #[test]
    fn lead_cuts_at_a_word() {
        let s = Snippet::lead("one two three four", 9);
        assert_eq!(s.text, "one two…");
    }
}
