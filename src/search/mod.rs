//! Search: one analysis of the postmortems feeding three consumers.
//!
//! Engineers start most visits with a search ("connection pool", a service name), and
//! the published site is often opened with no server at all. So the same text is
//! indexed three ways, all through the one analyzer in [`analysis`]:
//!
//! - a tantivy index on disk (`<root>/.pmsite/search-index/`, see `INDEX_DIR`) for
//!   `pmsite search`, with phrase and field queries ([`build_index`], [`search`]);
//! - a sharded static index for the in-browser client ([`browser_index`]), whose
//!   format is documented in `docs/search-index.md` and which reproduces tantivy's
//!   BM25 scores exactly (same tokens, same field lengths, same formula);
//! - the factor, service and team pages a query names ([`named_in`]), offered
//!   above the results by both;
//! - "similar incidents" for each page ([`similar`]): TF-IDF cosine over the same
//!   terms plus shared services and factors.
//!
//! The render stage already parses each body once; it hands the plain text of every
//! body to these functions (index-aligned with `kb.postmortems`). [`plain_text`] is
//! the reference extraction, used by `pmsite search` when it has to rebuild.

pub mod analysis;
pub(crate) mod browser;
mod encode;
mod fingerprint;
mod index;
mod pages;
mod query;
mod similar;

pub use analysis::{Analysis, Field};
pub use browser::{browser_index, browser_index_in};
pub(crate) use fingerprint::source_fingerprint;
pub use index::{INDEX_VERSION, SearchIndex, build_index, index_dir, read_pages};
pub(crate) use index::{is_fresh, read_documents};
pub(crate) use pages::pages;
pub use pages::{PageLink, named_in};
// Outside this module only search_command's tests build a `PageLink`.
#[cfg(test)]
pub(crate) use pages::PageKind;
pub use query::{Filters, Hit, Snippet, search};
pub use similar::{Similar, similar, similar_in};

use std::path::PathBuf;

/// Everything that can go wrong while indexing or searching. Never a panic.
#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    /// A file or folder of the sources or the index could not be used.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done, as a verb phrase for the message: `read`, `create`, `remove`.
        action: &'static str,
        /// The file or folder it was done to.
        path: PathBuf,
        /// The operating system's error, or why a file the index keeps could not be parsed.
        source: std::io::Error,
    },
    /// There is no index to search yet.
    #[error("no search index in {}; build the site or run `pmsite search`, which builds it", dir.display())]
    Missing {
        /// Where the index was looked for.
        dir: PathBuf,
    },
    /// tantivy could not open, write or read the index, or it was written by another
    /// pmsite version.
    #[error("search index in {}: {source}", dir.display())]
    Index {
        /// The index folder.
        dir: PathBuf,
        /// tantivy's own error.
        source: tantivy::TantivyError,
    },
    /// The query text does not parse.
    #[error("cannot understand the query `{query}`: {message}")]
    Query {
        /// The query as typed.
        query: String,
        /// What is wrong and how to write it instead, for the person who typed it.
        message: String,
    },
}

impl SearchError {
    fn index(dir: &std::path::Path) -> impl FnOnce(tantivy::TantivyError) -> SearchError + '_ {
        move |source| SearchError::Index { dir: dir.to_path_buf(), source }
    }
}

/// The words of a Markdown body, for indexing and snippets: text and inline code,
/// with block boundaries turned into spaces so words never run together.
pub fn plain_text(markdown: &str) -> String {
    use pulldown_cmark::{Event, Parser, TagEnd};
    let mut out = String::with_capacity(markdown.len());
    let space = |out: &mut String| {
        if !out.is_empty() && !out.ends_with(' ') {
            out.push(' ');
        }
    };
    for event in Parser::new_ext(markdown, crate::markdown::options()) {
        match event {
            Event::Text(t) | Event::Code(t) => {
                // Code blocks arrive as text with newlines; keep one line of prose.
                for (i, line) in t.split('\n').enumerate() {
                    if i > 0 {
                        space(&mut out);
                    }
                    out.push_str(line);
                }
            }
            Event::SoftBreak | Event::HardBreak | Event::Rule => space(&mut out),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::TableCell
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::FootnoteDefinition,
            ) => space(&mut out),
            _ => {}
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_keeps_words_apart_across_blocks() {
        let md = "# Summary\n\nThe **pool** was `exhausted`.\n\n- first\n- second\n\n```\nlet x;\nlet y;\n```\n";
        assert_eq!(plain_text(md), "Summary The pool was exhausted. first second let x; let y;");
    }
}

#[cfg(test)]
mod search_tests;
