//! The domain model: what one postmortem says, typed.
//!
//! These structs are built once by `load` and never mutated afterwards; every later
//! stage borrows them. Positions (`line`) are kept on the parts that diagnostics and
//! pages point back to.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Draft,
    Review,
    Published,
}

impl Status {
    pub const ALL: [&'static str; 3] = ["draft", "review", "published"];
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Status::Draft),
            "review" => Some(Status::Review),
            "published" => Some(Status::Published),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::Review => "review",
            Status::Published => "published",
        }
    }
}

/// Which editions show a postmortem (`crate::edition`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Visibility {
    Public,
    #[default]
    Internal,
}

impl Visibility {
    pub const ALL: [&'static str; 2] = ["public", "internal"];
    pub fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    Signal,
    Detection,
    Diagnosis,
    Mitigation,
    Recovery,
    Note,
}

impl EventKind {
    pub const ALL: [&'static str; 6] = ["signal", "detection", "diagnosis", "mitigation", "recovery", "note"];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "signal" => EventKind::Signal,
            "detection" => EventKind::Detection,
            "diagnosis" => EventKind::Diagnosis,
            "mitigation" => EventKind::Mitigation,
            "recovery" => EventKind::Recovery,
            "note" => EventKind::Note,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    pub at: Timestamp,
    pub kind: EventKind,
    pub text: String,
    /// Line in the source file, for diagnostics.
    #[serde(skip)]
    pub line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionStatus {
    Open,
    InProgress,
    Done,
    WontDo,
}

impl ActionStatus {
    pub const ALL: [&'static str; 4] = ["open", "in-progress", "done", "wont-do"];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ActionStatus::Open,
            "in-progress" => ActionStatus::InProgress,
            "done" => ActionStatus::Done,
            "wont-do" => ActionStatus::WontDo,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
    /// Done and won't-do items no longer need anyone's attention.
    pub fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::WontDo)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ActionType {
    Detect,
    Mitigate,
    Repair,
    Prevent,
    Process,
    Design,
}

impl ActionType {
    pub const ALL: [&'static str; 6] = ["detect", "mitigate", "repair", "prevent", "process", "design"];
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "detect" => ActionType::Detect,
            "mitigate" => ActionType::Mitigate,
            "repair" => ActionType::Repair,
            "prevent" => ActionType::Prevent,
            "process" => ActionType::Process,
            "design" => ActionType::Design,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItem {
    pub title: String,
    pub owner: Option<String>,
    pub due: Option<Date>,
    pub status: ActionStatus,
    #[serde(rename = "type")]
    pub kind: Option<ActionType>,
    pub outcome: Option<String>,
    pub ticket: Option<String>,
    pub completed: Option<Date>,
    #[serde(skip)]
    pub line: usize,
    /// Line, column and width of the `ticket` value, for diagnostics about it.
    #[serde(skip)]
    pub ticket_at: (usize, usize, usize),
}

impl ActionItem {
    /// Overdue: still open and due before `today`.
    pub fn is_overdue(&self, today: Date) -> bool {
        !self.status.is_closed() && self.due.is_some_and(|d| d < today)
    }
}

/// A reference from a postmortem to a factor of the site taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactorRef {
    pub id: String,
    pub note: Option<String>,
}

/// A factor of the shared taxonomy (site.toml `[factors.<id>]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Factor {
    pub id: String,
    pub title: String,
    pub category: String,
    pub description: String,
}

/// A relative link in a body to another Markdown file, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyLink {
    pub target: String,
    pub line: usize,
    pub column: usize,
    /// Characters the link takes on its line, for underlining.
    pub width: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Postmortem {
    /// The file stem, unique across the knowledge base.
    pub id: String,
    /// Path relative to the knowledge base root (`content/2024/x.md`).
    pub path: PathBuf,
    pub title: String,
    pub date: Date,
    pub severity: String,
    pub status: Status,
    pub services: Vec<String>,
    pub teams: Vec<String>,
    pub authors: Vec<String>,
    pub tags: Vec<String>,
    pub summary: String,
    pub impact: String,
    pub factors: Vec<FactorRef>,
    /// Sorted by time (stable, so equal times keep file order).
    pub timeline: Vec<TimelineEvent>,
    pub action_items: Vec<ActionItem>,
    pub related: Vec<String>,
    /// `public` or `internal`: the front matter's, else site.toml `default_visibility`.
    pub visibility: Visibility,
    /// Front matter fields the public edition leaves out (`internal_fields`).
    #[serde(skip)]
    pub internal_fields: Vec<String>,
    /// Unknown front matter keys, passed to templates as `page.extra`.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Shared, so keeping parses between builds costs no copy of the text.
    #[serde(skip)]
    pub body: std::sync::Arc<str>,
    /// 1-based line in the file where the body starts.
    #[serde(skip)]
    pub body_line: usize,
    #[serde(skip)]
    pub links: Vec<BodyLink>,
    /// Every link and image into the site (attachments, headings, static files).
    #[serde(skip)]
    pub refs: Vec<crate::links::LocalRef>,
    #[serde(skip)]
    pub lines: FieldLines,
    /// Hash of the file's text: what incremental rebuilds compare.
    #[serde(skip)]
    pub source_hash: u64,
    /// Hash of the front matter alone: every page but the postmortem's own reads only
    /// that, so an edit to the body re-renders one page.
    #[serde(skip)]
    pub front_hash: u64,
}

/// Where fields sit in the file, for diagnostics that point at them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldLines {
    pub title: usize,
    pub summary: usize,
    pub impact: usize,
    pub timeline: usize,
    /// The first event written earlier than the one before it, if any.
    pub timeline_unordered: Option<usize>,
    /// (line, column, width) of each `related` entry, parallel to `Postmortem::related`,
    /// so an unknown id is underlined where it is written.
    pub related: Vec<(usize, usize, usize)>,
    /// Some timeline events could not be read (each has its own error), so a kind that
    /// seems missing may be in the file.
    pub timeline_incomplete: bool,
}

impl Postmortem {
    pub fn is_published(&self) -> bool {
        self.status == Status::Published
    }
}
