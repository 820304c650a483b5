//! The tantivy index on disk: its schema, how it is (re)built, and when it is fresh.
//!
//! It lives in `<root>/.pmsite/search-index/`, beside the sources it indexes, so
//! `pmsite search` finds it without knowing where the site was built to. A stamp
//! file in that folder holds the [`source_fingerprint`] it was built from; a build
//! whose fingerprint matches skips indexing, any other rebuilds from scratch into a
//! temporary folder and swaps it in, so a reader never sees half an index.

use super::analysis::{self, ANALYZER, Field as TextField, KEYWORD_ANALYZER};
use super::pages::PageLink;
use super::{SearchError, source_fingerprint};
use crate::kb::KnowledgeBase;
use crate::model::Status;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use tantivy::schema::{
    DateOptions, DateTimePrecision, Field, INDEXED, IndexRecordOption, Schema, TextFieldIndexing, TextOptions,
};
use tantivy::{DateTime, Index, IndexWriter, TantivyDocument};

/// Where the index lives, relative to the knowledge base root.
pub(crate) const INDEX_DIR: &str = ".pmsite/search-index";
const STAMP: &str = "pmsite-stamp.json";
/// The factor, service and team pages, for suggestions without loading the sources.
const PAGES: &str = "pmsite-pages.json";
/// What the index holds and how its text was analysed; bumped whenever either
/// changes so an index written by an older pmsite is rebuilt, never queried with
/// terms it does not hold. 2: English stemming, page names for suggestions.
pub const INDEX_VERSION: u32 = 2;

/// `<root>/.pmsite/search-index`.
pub fn index_dir(root: &Path) -> PathBuf {
    root.join(INDEX_DIR)
}

/// An index on disk, current for the knowledge base it was built or checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchIndex {
    /// The folder holding the index.
    pub dir: PathBuf,
    pub(crate) fingerprint: String,
    /// How many postmortems it holds: the visible ones when it was built.
    pub documents: usize,
    /// False when the existing index was already current and left alone.
    pub rebuilt: bool,
}

#[derive(Serialize, Deserialize)]
struct Stamp {
    /// Absent (0) in stamps written before versions were recorded.
    #[serde(default)]
    version: u32,
    fingerprint: String,
    documents: usize,
}

/// The schema's fields, by role.
pub(crate) struct Fields {
    pub(crate) schema: Schema,
    pub(crate) id: Field,
    /// In [`TextField::ALL`] order.
    pub(crate) text: [Field; analysis::FIELDS],
    pub(crate) service: Field,
    pub(crate) team: Field,
    pub(crate) factor: Field,
    pub(crate) tag: Field,
    pub(crate) severity: Field,
    pub(crate) year: Field,
    pub(crate) date: Field,
}

impl Fields {
    pub(super) fn text(&self, f: TextField) -> Field {
        self.text[f as usize]
    }

    /// The facet-like fields a query can name (`service:checkout-api`).
    pub(super) const KEYWORD_FIELDS: [&'static str; 6] = ["service", "team", "factor", "tag", "severity", "year"];
}

pub(crate) fn fields() -> Fields {
    let mut b = Schema::builder();
    let id = b.add_text_field("id", tantivy::schema::STRING | tantivy::schema::STORED);
    let text = TextField::ALL.map(|f| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let mut opts = TextOptions::default().set_indexing_options(indexing);
        // Stored for results and snippets; keywords are shown from their own fields.
        if f != TextField::Keywords {
            opts = opts.set_stored();
        }
        b.add_text_field(f.name(), opts)
    });
    let keyword = || {
        TextOptions::default()
            .set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(KEYWORD_ANALYZER)
                    .set_index_option(IndexRecordOption::Basic)
                    .set_fieldnorms(false),
            )
            .set_stored()
    };
    let service = b.add_text_field("service", keyword());
    let team = b.add_text_field("team", keyword());
    let factor = b.add_text_field("factor", keyword());
    let tag = b.add_text_field("tag", keyword());
    let severity = b.add_text_field("severity", keyword());
    let year = b.add_text_field("year", keyword());
    let date = b.add_date_field(
        "date",
        DateOptions::from(INDEXED).set_stored().set_fast().set_precision(DateTimePrecision::Seconds),
    );
    Fields { schema: b.build(), id, text, service, team, factor, tag, severity, year, date }
}

fn register_analyzers(index: &Index) {
    index.tokenizers().register(ANALYZER, analysis::analyzer());
    index.tokenizers().register(KEYWORD_ANALYZER, analysis::keyword_analyzer());
}

/// Opens the index in `dir` with pmsite's analyzers registered.
pub(crate) fn open(dir: &Path) -> Result<(Index, Fields), SearchError> {
    if !dir.join("meta.json").is_file() {
        return Err(SearchError::Missing { dir: dir.to_path_buf() });
    }
    let index = Index::open_in_dir(dir).map_err(SearchError::index(dir))?;
    register_analyzers(&index);
    let fields = fields();
    if index.schema() != fields.schema {
        return Err(SearchError::Index {
            dir: dir.to_path_buf(),
            source: tantivy::TantivyError::SchemaError("written by another pmsite version; rebuild it".into()),
        });
    }
    Ok((index, fields))
}

/// Whether drafts are among the indexed postmortems; part of the fingerprint so
/// that `pmsite search` (published view) does not reuse a `--drafts` index.
fn drafts_included(kb: &KnowledgeBase) -> bool {
    kb.visible_ids().any(|i| kb.postmortems[i].status == Status::Draft)
}

/// Whether `dir` holds an index built from sources with this fingerprint.
pub(crate) fn is_fresh(dir: &Path, fingerprint: &str) -> bool {
    read_stamp(dir).is_some_and(|s| s.fingerprint == fingerprint) && dir.join("meta.json").is_file()
}

/// How many postmortems the index in `dir` holds, from its stamp.
pub(crate) fn read_documents(dir: &Path) -> Option<usize> {
    read_stamp(dir).map(|s| s.documents)
}

/// The stamp of an index this pmsite can read; another version's counts as none.
fn read_stamp(dir: &Path) -> Option<Stamp> {
    let text = std::fs::read_to_string(dir.join(STAMP)).ok()?;
    serde_json::from_str::<Stamp>(&text).ok().filter(|s| s.version == INDEX_VERSION)
}

/// Builds the index of the visible postmortems in `dir` (the build passes
/// [`index_dir`]), unless the index there is already current. `texts[i]` is the
/// plain text of `kb.postmortems[i]`'s body.
pub fn build_index(kb: &KnowledgeBase, texts: &[String], dir: &Path) -> Result<SearchIndex, SearchError> {
    let fingerprint = source_fingerprint(&kb.root, drafts_included(kb))?;
    if let Some(stamp) = read_stamp(dir).filter(|s| s.fingerprint == fingerprint)
        && open(dir).is_ok()
    {
        return Ok(SearchIndex { dir: dir.to_path_buf(), fingerprint, documents: stamp.documents, rebuilt: false });
    }
    let documents = rebuild(kb, texts, dir, &fingerprint)?;
    Ok(SearchIndex { dir: dir.to_path_buf(), fingerprint, documents, rebuilt: true })
}

/// The factor, service and team pages of the index in `dir` (see [`super::named_in`]).
pub fn read_pages(dir: &Path) -> Result<Vec<PageLink>, SearchError> {
    let path = dir.join(PAGES);
    let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
    serde_json::from_str(&text).map_err(|e| SearchError::Io {
        action: "read",
        path: path.clone(),
        source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
    })
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SearchError + 'a {
    move |source| SearchError::Io { action, path: path.to_path_buf(), source }
}

/// Writes a fresh index into a sibling folder, then swaps it in.
fn rebuild(kb: &KnowledgeBase, texts: &[String], dir: &Path, fingerprint: &str) -> Result<usize, SearchError> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = parent.join(format!("{name}.tmp-{}", std::process::id()));
    if tmp.exists() {
        std::fs::remove_dir_all(&tmp).map_err(io("remove", &tmp))?;
    }
    std::fs::create_dir_all(&tmp).map_err(io("create", &tmp))?;
    let documents = match write_index(kb, texts, &tmp) {
        Ok(n) => n,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let stamp =
        serde_json::to_string(&Stamp { version: INDEX_VERSION, fingerprint: fingerprint.to_string(), documents })
            .expect("a stamp always serialises");
    let pages_path = tmp.join(PAGES);
    let pages = serde_json::to_vec(&super::pages::pages(kb)).expect("page links always serialise");
    std::fs::write(&pages_path, pages).map_err(io("write", &pages_path))?;
    let stamp_path = tmp.join(STAMP);
    std::fs::write(&stamp_path, stamp).map_err(io("write", &stamp_path))?;
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(io("remove", dir))?;
    }
    std::fs::rename(&tmp, dir).map_err(io("move the new index to", dir))?;
    Ok(documents)
}

fn write_index(kb: &KnowledgeBase, texts: &[String], dir: &Path) -> Result<usize, SearchError> {
    let f = fields();
    let index = Index::create_in_dir(dir, f.schema.clone()).map_err(SearchError::index(dir))?;
    register_analyzers(&index);
    // Indexing threads beyond the cores only add memory; 64 MB each keeps a
    // 10,000-postmortem build to a segment or two per thread.
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(4);
    let mut writer: IndexWriter =
        index.writer_with_num_threads(threads, threads * 64_000_000).map_err(SearchError::index(dir))?;
    let mut documents = 0;
    for i in kb.visible_ids() {
        let pm = &kb.postmortems[i];
        let body = texts.get(i).map(String::as_str).unwrap_or("");
        let mut doc = TantivyDocument::default();
        doc.add_text(f.id, &pm.id);
        for (field, values) in f.text.iter().zip(analysis::field_values(kb, pm, body)) {
            for v in values {
                doc.add_text(*field, &v);
            }
        }
        pm.services.iter().for_each(|s| doc.add_text(f.service, s));
        pm.teams.iter().for_each(|s| doc.add_text(f.team, s));
        pm.factors.iter().for_each(|s| doc.add_text(f.factor, &s.id));
        pm.tags.iter().for_each(|s| doc.add_text(f.tag, s));
        doc.add_text(f.severity, &pm.severity);
        doc.add_text(f.year, pm.date.year().to_string());
        if let Some(secs) = date_seconds(pm.date) {
            doc.add_date(f.date, DateTime::from_timestamp_secs(secs));
        }
        writer.add_document(doc).map_err(SearchError::index(dir))?;
        documents += 1;
    }
    writer.commit().map_err(SearchError::index(dir))?;
    writer.wait_merging_threads().map_err(SearchError::index(dir))?;
    Ok(documents)
}

/// Midnight UTC of the incident's day, as tantivy stores dates.
/// Seconds since the epoch, clamped to what tantivy's nanosecond dates can hold
/// (1678 to 2261): the real corpus has incidents from 1628, which would overflow.
pub(crate) fn date_seconds(date: jiff::civil::Date) -> Option<i64> {
    const LIMIT: i64 = i64::MAX / 1_000_000_000;
    date.to_zoned_datetime(TimeZone::UTC).ok().map(|z| z.timestamp().as_second().clamp(-LIMIT, LIMIT))
}

#[cfg(test)]
#[test]
fn dates_before_1678_do_not_overflow() {
    let secs = date_seconds("1628-05-01".parse().unwrap()).unwrap();
    let _ = DateTime::from_timestamp_secs(secs);
}

pub(crate) fn date_from_seconds(secs: i64) -> Option<jiff::civil::Date> {
    jiff::Timestamp::from_second(secs).ok().map(|t| t.to_zoned_datetime(TimeZone::UTC).date())
}
