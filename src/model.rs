//! The domain model: what one postmortem says, typed.
//!
//! These structs are built once by `load` and never mutated afterwards; every later
//! stage borrows them. Positions (`line`) are kept on the parts that diagnostics and
//! pages point back to.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::Serialize;
use std::path::PathBuf;

/// How far a write-up has come (`status:`, default `published`); only published
/// postmortems go into feeds and the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Being written: off the site unless `--drafts` (and in `pmsite serve`).
    Draft,
    /// Written and awaiting review: on the site, and listed on `/in-review/`.
    Review,
    /// Reviewed and final.
    Published,
}

impl Status {
    pub(crate) const ALL: [&'static str; 3] = ["draft", "review", "published"];
    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "draft" => Some(Status::Draft),
            "review" => Some(Status::Review),
            "published" => Some(Status::Published),
            _ => None,
        }
    }
    pub(crate) fn as_str(self) -> &'static str {
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
    /// Both editions show it (the public one without its `internal_fields`).
    Public,
    /// Only the internal edition shows it; what a file without `visibility` gets unless
    /// site.toml `default_visibility` says otherwise.
    #[default]
    Internal,
}

impl Visibility {
    pub(crate) const ALL: [&'static str; 2] = ["public", "internal"];
    pub(crate) fn parse(s: &str) -> Option<Visibility> {
        match s {
            "public" => Some(Visibility::Public),
            "internal" => Some(Visibility::Internal),
            _ => None,
        }
    }
}

/// The phase of an incident a timeline event marks; the response figures (time to
/// detect, diagnose, mitigate, recover) are measured between kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EventKind {
    /// A symptom, before anyone knew: the first one starts time to detect and to recover.
    Signal,
    /// A person or an alert noticed.
    Detection,
    /// The cause was identified.
    Diagnosis,
    /// The impact was reduced or stopped.
    Mitigation,
    /// Service was back to normal: the last one ends time to recover.
    Recovery,
    /// Context that marks no phase.
    Note,
}

impl EventKind {
    pub(crate) const ALL: [&'static str; 6] = ["signal", "detection", "diagnosis", "mitigation", "recovery", "note"];
    pub(crate) fn parse(s: &str) -> Option<Self> {
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
    /// The name front matter writes (`signal`).
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

/// One entry of a postmortem's `timeline`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineEvent {
    /// When it happened; a time written without an offset is read in site.toml `timezone`.
    pub at: Timestamp,
    /// The phase it marks.
    pub kind: EventKind,
    /// What happened, as written.
    pub text: String,
    /// Line in the source file, for diagnostics.
    #[serde(skip)]
    pub(crate) line: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
/// Where an action item stands (`status:`, default `open`).
pub enum ActionStatus {
    /// Not started; overdue once its `due` day has passed.
    Open,
    /// Being worked on; overdue once its `due` day has passed.
    InProgress,
    /// Finished.
    Done,
    /// Decided against: closed like done, never overdue.
    WontDo,
}

impl ActionStatus {
    pub(crate) const ALL: [&'static str; 4] = ["open", "in-progress", "done", "wont-do"];
    pub(crate) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "open" => ActionStatus::Open,
            "in-progress" => ActionStatus::InProgress,
            "done" => ActionStatus::Done,
            "wont-do" => ActionStatus::WontDo,
            _ => return None,
        })
    }
    /// The name front matter writes (`in-progress`).
    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
    /// Done and won't-do items no longer need anyone's attention.
    pub(crate) fn is_closed(self) -> bool {
        matches!(self, ActionStatus::Done | ActionStatus::WontDo)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ActionType {
    Detect,
    Mitigate,
    Repair,
    Prevent,
    Process,
    Design,
}

impl ActionType {
    pub(crate) const ALL: [&'static str; 6] = ["detect", "mitigate", "repair", "prevent", "process", "design"];
    pub(crate) fn parse(s: &str) -> Option<Self> {
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
    pub(crate) fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }
}

/// A follow-up a postmortem commits to (an entry of `action_items`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItem {
    /// What will be done.
    pub title: String,
    /// Who does it, a person or a rotation as written; expected on published postmortems.
    pub owner: Option<String>,
    pub(crate) due: Option<Date>,
    pub(crate) status: ActionStatus,
    #[serde(rename = "type")]
    pub(crate) kind: Option<ActionType>,
    /// The measurable result that will show it worked.
    pub outcome: Option<String>,
    pub(crate) ticket: Option<String>,
    pub(crate) completed: Option<Date>,
    #[serde(skip)]
    pub(crate) line: usize,
    /// Line, column and width of the `ticket` value, for diagnostics about it.
    #[serde(skip)]
    pub(crate) ticket_at: (usize, usize, usize),
}

/// A reference from a postmortem to a factor of the site taxonomy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FactorRef {
    /// The factor's key in site.toml `[factors.<id>]` (`retry-storm`).
    pub id: String,
    pub(crate) note: Option<String>,
}

/// A factor of the shared taxonomy (site.toml `[factors.<id>]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Factor {
    pub(crate) id: String,
    pub(crate) title: String,
    pub(crate) category: String,
    pub(crate) description: String,
}

/// A relative link in a body to another Markdown file, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BodyLink {
    pub(crate) target: String,
    pub(crate) line: usize,
    pub(crate) column: usize,
    /// Characters the link takes on its line, for underlining.
    pub(crate) width: usize,
}

/// One postmortem file as read: its front matter typed, its body kept as Markdown.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Postmortem {
    /// The file stem, unique across the knowledge base.
    pub id: String,
    /// Path relative to the knowledge base root (`content/2024/x.md`).
    pub path: PathBuf,
    /// The incident's headline.
    pub title: String,
    /// The day the incident began.
    pub date: Date,
    /// A level of site.toml `severities`; an alias is already read as the level it names.
    pub severity: String,
    /// How far the write-up has come.
    pub status: Status,
    /// The services affected, as written.
    pub services: Vec<String>,
    /// The teams involved, as written.
    pub teams: Vec<String>,
    /// Who wrote it.
    pub authors: Vec<String>,
    /// Free labels, each with its own page.
    pub tags: Vec<String>,
    /// One or two sentences index pages show.
    pub summary: String,
    /// Who or what was hurt, and how much, as written.
    pub impact: String,
    /// The contributing factors, in file order.
    pub factors: Vec<FactorRef>,
    /// Sorted by time (stable, so equal times keep file order).
    pub timeline: Vec<TimelineEvent>,
    /// The follow-ups, in file order.
    pub action_items: Vec<ActionItem>,
    pub(crate) related: Vec<String>,
    /// `public` or `internal`: the front matter's, else site.toml `default_visibility`.
    pub(crate) visibility: Visibility,
    /// Front matter fields the public edition leaves out (`internal_fields`).
    #[serde(skip)]
    pub(crate) internal_fields: Vec<String>,
    /// Unknown front matter keys, passed to templates as `page.extra`.
    pub extra: serde_json::Map<String, serde_json::Value>,
    /// Shared, so keeping parses between builds costs no copy of the text.
    #[serde(skip)]
    pub body: std::sync::Arc<str>,
    /// 1-based line in the file where the body starts.
    #[serde(skip)]
    pub(crate) body_line: usize,
    #[serde(skip)]
    pub(crate) links: Vec<BodyLink>,
    /// Every link and image into the site (attachments, headings, static files).
    #[serde(skip)]
    pub(crate) refs: Vec<crate::links::LocalRef>,
    #[serde(skip)]
    pub(crate) lines: FieldLines,
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
pub(crate) struct FieldLines {
    pub(crate) title: usize,
    pub(crate) summary: usize,
    pub(crate) impact: usize,
    pub(crate) timeline: usize,
    /// The first event written earlier than the one before it, if any.
    pub(crate) timeline_unordered: Option<usize>,
    /// (line, column, width) of each `related` entry, parallel to `Postmortem::related`,
    /// so an unknown id is underlined where it is written.
    pub(crate) related: Vec<(usize, usize, usize)>,
    /// Some timeline events could not be read (each has its own error), so a kind that
    /// seems missing may be in the file.
    pub(crate) timeline_incomplete: bool,
}

impl Postmortem {
    pub(crate) fn is_published(&self) -> bool {
        self.status == Status::Published
    }
}
