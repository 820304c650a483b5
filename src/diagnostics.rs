//! Diagnostics: every problem pmsite finds in a knowledge base, with its place.
//!
//! Loading never stops at the first problem: each stage pushes `Diagnostic`s into a
//! list and keeps going, so a writer sees everything at once (Zola stops at the first
//! error; its users complain). Codes are stable strings so CI scripts and editors can
//! match on them; `docs/diagnostics.md` lists them.

use crate::terminal::{self, SourceView};
use serde::Serialize;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Whether a diagnostic fails the build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    /// Fails `check` and `build`.
    Error,
    /// Reported; fails only under `--strict`.
    Warning,
}

impl Level {
    /// The lower-case name output shows (`error`, `warning`).
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
        }
    }
}

/// Stable diagnostic codes. The string form is part of the public contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Code {
    // Files and front matter.
    /// The file is not valid UTF-8.
    NotUtf8,
    /// The file does not start with a `---` line.
    FrontMatterMissing,
    /// The opening `---` has no closing line.
    FrontMatterUnclosed,
    /// The front matter is not valid YAML.
    YamlSyntax,
    /// A required field is absent or empty.
    FieldMissing,
    /// A field has the wrong shape (text for a list, a mapping for text, ...).
    FieldType,
    /// A date field is not a real `YYYY-MM-DD` date.
    InvalidDate,
    /// A timeline event's `at` is not an RFC 3339 time.
    InvalidTimestamp,
    /// `severity` is none of site.toml's `severities` (nor an alias of one).
    UnknownSeverity,
    /// A contributing factor id site.toml does not define.
    UnknownFactor,
    /// `status` is not `draft`, `review` or `published`.
    UnknownStatus,
    /// A timeline event's `kind` is not one pmsite knows.
    UnknownEventKind,
    /// An action item's `status` is not one pmsite knows.
    UnknownActionStatus,
    /// An action item's `type` is not one pmsite knows.
    UnknownActionType,
    /// Two postmortem files have the same name, so the same id.
    DuplicateId,
    /// An entry of `related` is no postmortem's id.
    UnknownRelated,
    /// A body link to a `.md` file that does not exist.
    BrokenLink,
    /// A file name that cannot be written to the site or recorded safely.
    UnsafeFileName,
    /// A front matter key given twice.
    DuplicateKey,
    /// YAML whose aliases expand past the size limit.
    YamlTooLarge,
    /// A file whose output path is also a page pmsite makes, or another file's.
    OutputCollision,
    /// A `visibility`, `internal_fields` or internal body part that cannot be followed.
    Visibility,
    // site.toml
    /// site.toml is not valid TOML, or a key has the wrong type.
    ConfigSyntax,
    /// A site.toml value that is well-formed but unusable.
    ConfigValue,
    /// site.toml cannot be read.
    ConfigMissing,
    // Warnings.
    /// An action item of a published postmortem has no `owner`.
    ActionNoOwner,
    /// An action item of a published postmortem has no `due` date.
    ActionNoDue,
    /// An action item of a published postmortem has no `outcome`.
    ActionNoOutcome,
    /// An action item's title has one of `lint.vague_action_phrases`.
    VagueAction,
    /// Text of the postmortem has one of `lint.blame_phrases`.
    BlameLanguage,
    /// The timeline has no `signal`, `detection` or `recovery` event (one per kind
    /// missing).
    TimelineMissingKind,
    /// Timeline events are not in time order in the file.
    TimelineUnordered,
    /// A link or image to a file that does not exist.
    MissingFile,
    /// A link to a heading that does not exist.
    BrokenAnchor,
    /// A link whose scheme could run code (`javascript:`); it is not made a link.
    UnsafeLink,
    /// In the public edition: a public postmortem links to (or names in `related`) an
    /// internal one, which that edition leaves out.
    LinkToInternal,
    // Trackers.
    /// An action item's `ticket` that no `[[trackers]]` entry owns.
    UnownedTicket,
    /// A ticket snapshot older than `tickets_max_age_days`.
    StaleTickets,
    /// A ticket snapshot that is not one pmsite can read.
    TicketsInvalid,
    // The service catalog.
    /// A `[services.<id>]` owner that no postmortem names as a team.
    UnknownTeam,
    // Build.
    /// A theme template failed to parse or render (`build` and `serve` only).
    Template,
    /// A file or folder could not be read or written.
    Io,
}

impl Code {
    /// Every code, in documentation order.
    pub const ALL: [Code; 42] = [
        Code::NotUtf8,
        Code::FrontMatterMissing,
        Code::FrontMatterUnclosed,
        Code::YamlSyntax,
        Code::FieldMissing,
        Code::FieldType,
        Code::InvalidDate,
        Code::InvalidTimestamp,
        Code::UnknownSeverity,
        Code::UnknownFactor,
        Code::UnknownStatus,
        Code::UnknownEventKind,
        Code::UnknownActionStatus,
        Code::UnknownActionType,
        Code::DuplicateId,
        Code::UnknownRelated,
        Code::BrokenLink,
        Code::UnsafeFileName,
        Code::DuplicateKey,
        Code::YamlTooLarge,
        Code::OutputCollision,
        Code::Visibility,
        Code::ConfigSyntax,
        Code::ConfigValue,
        Code::ConfigMissing,
        Code::ActionNoOwner,
        Code::ActionNoDue,
        Code::ActionNoOutcome,
        Code::VagueAction,
        Code::BlameLanguage,
        Code::TimelineMissingKind,
        Code::TimelineUnordered,
        Code::MissingFile,
        Code::BrokenAnchor,
        Code::UnsafeLink,
        Code::LinkToInternal,
        Code::UnownedTicket,
        Code::StaleTickets,
        Code::TicketsInvalid,
        Code::UnknownTeam,
        Code::Template,
        Code::Io,
    ];

    /// The stable kebab-case name (`yaml-syntax`) that output and `docs/diagnostics.md`
    /// use.
    pub fn as_str(self) -> &'static str {
        match self {
            Code::NotUtf8 => "not-utf8",
            Code::FrontMatterMissing => "front-matter-missing",
            Code::FrontMatterUnclosed => "front-matter-unclosed",
            Code::YamlSyntax => "yaml-syntax",
            Code::FieldMissing => "field-missing",
            Code::FieldType => "field-type",
            Code::InvalidDate => "invalid-date",
            Code::InvalidTimestamp => "invalid-timestamp",
            Code::UnknownSeverity => "unknown-severity",
            Code::UnknownFactor => "unknown-factor",
            Code::UnknownStatus => "unknown-status",
            Code::UnknownEventKind => "unknown-event-kind",
            Code::UnknownActionStatus => "unknown-action-status",
            Code::UnknownActionType => "unknown-action-type",
            Code::DuplicateId => "duplicate-id",
            Code::UnknownRelated => "unknown-related",
            Code::BrokenLink => "broken-link",
            Code::UnsafeFileName => "unsafe-file-name",
            Code::DuplicateKey => "duplicate-key",
            Code::YamlTooLarge => "yaml-too-large",
            Code::OutputCollision => "output-collision",
            Code::Visibility => "visibility",
            Code::ConfigSyntax => "config-syntax",
            Code::ConfigValue => "config-value",
            Code::ConfigMissing => "config-missing",
            Code::ActionNoOwner => "action-no-owner",
            Code::ActionNoDue => "action-no-due",
            Code::ActionNoOutcome => "action-no-outcome",
            Code::VagueAction => "vague-action",
            Code::BlameLanguage => "blame-language",
            Code::TimelineMissingKind => "timeline-missing-kind",
            Code::TimelineUnordered => "timeline-unordered",
            Code::MissingFile => "missing-file",
            Code::BrokenAnchor => "broken-anchor",
            Code::UnsafeLink => "unsafe-link",
            Code::LinkToInternal => "link-to-internal",
            Code::UnownedTicket => "unowned-ticket",
            Code::StaleTickets => "stale-tickets",
            Code::TicketsInvalid => "tickets-invalid",
            Code::UnknownTeam => "unknown-team",
            Code::Template => "template",
            Code::Io => "io",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One problem, at one place. `line` and `column` are 1-based; 0 means "the whole file".
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Whether it fails the build.
    pub(crate) level: Level,
    /// What kind of problem it is; stable across versions.
    pub code: Code,
    /// Path relative to the knowledge base root, with `/` separators.
    #[serde(serialize_with = "serialize_path")]
    pub file: PathBuf,
    /// 1-based line in `file`; 0 for the whole file.
    pub line: usize,
    /// 1-based column in characters; 0 for the whole file.
    pub column: usize,
    /// How many characters to underline from `column` (at least 1 when shown).
    #[serde(skip)]
    pub(crate) width: usize,
    /// What is wrong, for a person; may quote the offending value.
    pub message: String,
    /// How to fix it, when there is one thing to suggest.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) suggestion: Option<String>,
}

/// Paths are written as text even when a file name is not UTF-8 (lossily): serde's own
/// `PathBuf` impl fails on those, and the whole JSON report came out as `[]`.
fn serialize_path<S: serde::Serializer>(p: &Path, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&display_path(p))
}

impl Diagnostic {
    /// A diagnostic at `file:line:column`, one character wide and without a suggestion.
    pub(crate) fn new(
        level: Level,
        code: Code,
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Diagnostic { level, code, file: file.into(), line, column, width: 1, message: message.into(), suggestion: None }
    }
    /// `new` at the error level.
    pub(crate) fn error(
        code: Code,
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Level::Error, code, file, line, column, message)
    }
    /// `new` at the warning level.
    pub(crate) fn warning(
        code: Code,
        file: impl Into<PathBuf>,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Self::new(Level::Warning, code, file, line, column, message)
    }
    pub(crate) fn with_suggestion(mut self, s: impl Into<String>) -> Self {
        self.suggestion = Some(s.into());
        self
    }
    pub(crate) fn with_width(mut self, width: usize) -> Self {
        self.width = width.max(1);
        self
    }
    /// Whether it fails the build.
    pub fn is_error(&self) -> bool {
        self.level == Level::Error
    }
    /// `path:line:col: level[code]: message`, the one-line form of the format contract.
    pub(crate) fn one_line(&self) -> String {
        format!(
            "{}:{}:{}: {}[{}]: {}",
            display_path(&self.file),
            self.line,
            self.column,
            self.level.as_str(),
            self.code.as_str(),
            self.message
        )
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.one_line())?;
        if let Some(s) = &self.suggestion {
            write!(f, " (help: {s})")?;
        }
        Ok(())
    }
}

/// Sort by file, line, column, then code, so output is stable across parallel runs.
pub fn sort(diags: &mut Vec<Diagnostic>) {
    use rayon::slice::ParallelSliceMut;
    // Tens of thousands of warnings in a large knowledge base, on every serve rebuild,
    // and comparing paths splits them into components every time: so the few thousand
    // files are put in order once, and the warnings by their file's place in it.
    let mut files: Vec<&Path> = diags.iter().map(|d| d.file.as_path()).collect();
    files.sort_unstable_by_key(|p| p.as_os_str());
    files.dedup_by_key(|p| p.as_os_str());
    files.sort();
    let mut rank: std::collections::HashMap<&std::ffi::OsStr, u32, foldhash::fast::RandomState> = Default::default();
    let mut place = 0;
    for (n, f) in files.iter().enumerate() {
        // Paths equal as paths (`a//b`, `a/b`) share a place, as they compare equal.
        if n > 0 && files[n - 1] != *f {
            place += 1;
        }
        rank.insert(f.as_os_str(), place);
    }
    let ranks: Vec<u32> = diags.iter().map(|d| rank[d.file.as_os_str()]).collect();
    drop(rank);
    let mut ranked: Vec<(u32, Diagnostic)> = ranks.into_iter().zip(std::mem::take(diags)).collect();
    // Stable, like the sort it replaces: equal keys keep their order.
    ranked.par_sort_by(|(ra, a), (rb, b)| {
        (ra, a.line, a.column, a.code, &a.message).cmp(&(rb, b.line, b.column, b.code, &b.message))
    });
    diags.extend(ranked.into_iter().map(|(_, d)| d));
}

/// How many of `diags` are errors.
pub fn count_errors(diags: &[Diagnostic]) -> usize {
    diags.iter().filter(|d| d.is_error()).count()
}

/// Under `--strict` warnings fail the build, so they become errors before reporting.
pub(crate) fn promote_warnings(diags: &mut [Diagnostic]) {
    for d in diags {
        d.level = Level::Error;
    }
}

pub(crate) fn display_path(p: &Path) -> String {
    // Only on Windows is `\\` a separator; elsewhere it is part of a name, and a message
    // that turned it into `/` would name another file.
    if cfg!(windows) { p.to_string_lossy().replace('\\', "/") } else { p.to_string_lossy().into_owned() }
}

/// Output styles for `pmsite check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `level[code]: message`, then `--> path:line:col` and the source line underlined,
    /// as rustc prints.
    Human,
    /// A JSON array of the diagnostics, as serialized.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`), shown as annotations.
    Github,
    /// GitLab CI Code Quality report (`artifacts: reports: codequality:`).
    Gitlab,
}

/// Renders diagnostics. `source` gives the text of a file (for the underlined line).
pub fn render(
    diags: &[Diagnostic],
    format: Format,
    color: bool,
    source: &(dyn Fn(&Path) -> Option<String> + Sync),
) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(diags).unwrap_or_else(|_| "[]".into());
            s.push('\n');
            s
        }
        Format::Github => diags.iter().map(github_line).collect(),
        Format::Gitlab => gitlab_report(diags),
        Format::Human => {
            // A large knowledge base can have tens of thousands of warnings, each showing
            // its source line: render a file's diagnostics per task, reading it once.
            use rayon::prelude::*;
            let by_file: Vec<&[Diagnostic]> = diags.chunk_by(|a, b| a.file == b.file).collect();
            by_file
                .par_iter()
                .map(|group| {
                    let text = source(&group[0].file);
                    let mut view = text.as_deref().map(SourceView::new);
                    let mut out = String::new();
                    group.iter().for_each(|d| human(&mut out, d, view.as_mut(), color));
                    out
                })
                .collect::<Vec<String>>()
                .concat()
        }
    }
}

fn github_line(d: &Diagnostic) -> String {
    let level = match d.level {
        Level::Error => "error",
        Level::Warning => "warning",
    };
    let mut msg = format!("[{}] {}", d.code.as_str(), d.message);
    if let Some(s) = &d.suggestion {
        msg.push_str(&format!(" (help: {s})"));
    }
    // A CI log is a terminal too: control characters from the knowledge base become
    // visible escapes. Then GitHub's workflow-command escaping: %, CR and LF in the
    // message; also , and : in properties.
    let msg = crate::terminal::safe(&msg).replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    let file =
        crate::terminal::safe(&display_path(&d.file)).replace('%', "%25").replace(',', "%2C").replace(':', "%3A");
    format!(
        "::{level} file={file},line={},col={},title=pmsite {}::{msg}\n",
        d.line.max(1),
        d.column.max(1),
        d.code.as_str()
    )
}

/// One issue of GitLab's Code Quality report, the subset of Code Climate's format GitLab reads.
#[derive(Serialize)]
struct CodeQualityIssue {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: CodeQualityLocation,
}

#[derive(Serialize)]
struct CodeQualityLocation {
    path: String,
    lines: CodeQualityLines,
}

#[derive(Serialize)]
struct CodeQualityLines {
    begin: usize,
}

fn gitlab_report(diags: &[Diagnostic]) -> String {
    let mut seen = std::collections::HashSet::new();
    // The next occurrence to try per first fingerprint: counting up from 1 for each
    // repeat made 5,000 equal warnings on one line take 25 s.
    let mut next: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let issues: Vec<CodeQualityIssue> = diags
        .iter()
        .map(|d| {
            let first = fingerprint(d, 0);
            // GitLab treats equal fingerprints as one issue; the same phrase twice on a line is two.
            let occurrence = next.entry(first.clone()).or_insert(0);
            let mut fingerprint = if *occurrence == 0 { first } else { self::fingerprint(d, *occurrence) };
            while !seen.insert(fingerprint.clone()) {
                *occurrence += 1;
                fingerprint = self::fingerprint(d, *occurrence);
            }
            *occurrence += 1;
            let mut description = d.message.clone();
            if let Some(s) = &d.suggestion {
                description.push_str(&format!(" (help: {s})"));
            }
            CodeQualityIssue {
                description,
                check_name: d.code.as_str(),
                fingerprint,
                // GitLab's scale is info, minor, major, critical, blocker.
                severity: match d.level {
                    Level::Error => "major",
                    Level::Warning => "minor",
                },
                location: CodeQualityLocation {
                    path: display_path(&d.file),
                    lines: CodeQualityLines { begin: d.line.max(1) },
                },
            }
        })
        .collect();
    let mut s = serde_json::to_string_pretty(&issues).unwrap_or_else(|_| "[]".into());
    s.push('\n');
    s
}

/// A fingerprint that stays the same across runs, machines and pmsite versions (so GitLab
/// can tell new issues from old ones): 128-bit FNV-1a of file, code, line and message.
/// `std`'s hashers are not promised to be stable, so they are not used.
pub(crate) fn fingerprint(d: &Diagnostic, occurrence: usize) -> String {
    const OFFSET: u128 = 0x6c62272e07bb014262b821756295c58d;
    const PRIME: u128 = 0x0000000001000000000000000000013b;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes.iter().chain([0u8].iter()) {
            h ^= u128::from(b);
            h = h.wrapping_mul(PRIME);
        }
    };
    feed(display_path(&d.file).as_bytes());
    feed(d.code.as_str().as_bytes());
    feed(d.line.to_string().as_bytes());
    feed(d.message.as_bytes());
    if occurrence > 0 {
        feed(occurrence.to_string().as_bytes());
    }
    format!("{h:032x}")
}

struct Style {
    on: bool,
}
impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on { format!("\x1b[{code}m{s}\x1b[0m") } else { s.to_string() }
    }
}

/// Longest message shown in human output; `--format json` has the whole of it.
const MESSAGE_CHARS: usize = 500;

fn human(out: &mut String, d: &Diagnostic, source: Option<&mut SourceView>, color: bool) {
    let st = Style { on: color };
    let (lvl_color, caret_color) = match d.level {
        Level::Error => ("1;31", "1;31"),
        Level::Warning => ("1;33", "1;33"),
    };
    let _ = writeln!(
        out,
        "{}{} {}",
        st.paint(lvl_color, &format!("{}[{}]", d.level.as_str(), d.code.as_str())),
        st.paint("1", ":"),
        st.paint("1", &terminal::safe_short(&d.message, MESSAGE_CHARS))
    );
    let gutter = d.line.to_string().len().max(1);
    let pad = " ".repeat(gutter);
    let path = display_path(&d.file);
    let _ = writeln!(out, "{pad}{} {}:{}:{}", st.paint("1;34", "-->"), terminal::safe(&path), d.line, d.column);
    if let Some(view) = source.filter(|_| d.line > 0)
        && let Some(shown) = view.excerpt(d.line, d.column, d.width)
    {
        let _ = writeln!(out, "{pad} {}", st.paint("1;34", "|"));
        let _ = writeln!(out, "{} {} {}", st.paint("1;34", &d.line.to_string()), st.paint("1;34", "|"), shown.text);
        let _ = writeln!(
            out,
            "{pad} {} {}{}",
            st.paint("1;34", "|"),
            " ".repeat(shown.caret_at),
            st.paint(caret_color, &"^".repeat(shown.carets))
        );
    }
    if let Some(s) = &d.suggestion {
        let s = terminal::safe_short(s, MESSAGE_CHARS);
        let _ = writeln!(out, "{pad} {} {}: {s}", st.paint("1;34", "="), st.paint("1", "help"));
    }
    out.push('\n');
}

/// Whether to colour output: a terminal (or `CLICOLOR_FORCE` set, for CI logs that render
/// colour), and never when `NO_COLOR` is set (<https://no-color.org>, which wins).
pub fn color_enabled(stream_is_terminal: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let force = std::env::var_os("CLICOLOR_FORCE").is_some_and(|v| !v.is_empty() && v != "0");
    !no_color && (stream_is_terminal || force)
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn sort_orders_as_comparing_whole_paths_would(
            items in proptest::collection::vec(("[ab/]{0,4}", 0usize..3, 0usize..2, "[xy]{0,2}"), 0..40)
        ) {
            let mut diags: Vec<Diagnostic> = items
                .iter()
                .enumerate()
                .map(|(n, (file, line, col, msg))| {
                    Diagnostic::warning(Code::UnknownFactor, file.as_str(), *line, *col, msg.as_str()).with_width(n)
                })
                .collect();
            let mut expected = diags.clone();
            expected.sort_by(|a, b| {
                (&a.file, a.line, a.column, a.code, &a.message).cmp(&(&b.file, b.line, b.column, b.code, &b.message))
            });
            sort(&mut diags);
            // `width` tells equal diagnostics apart: the sort must be stable too.
            proptest::prop_assert_eq!(diags, expected);
        }
    }

    fn d() -> Diagnostic {
        Diagnostic::error(Code::UnknownFactor, "content/a.md", 3, 5, "unknown factor `retry-strom`")
            .with_suggestion("did you mean `retry-storm`?")
            .with_width(11)
    }

    #[test]
    fn human_output_underlines_the_span() {
        let out = render(&[d()], Format::Human, false, &|_| Some("---\ntitle: x\nfactors: [retry-strom]\n".into()));
        assert!(out.contains("error[unknown-factor]: unknown factor `retry-strom`"), "{out}");
        assert!(out.contains("--> content/a.md:3:5"));
        assert!(out.contains("3 | factors: [retry-strom]"));
        // Caret starts under column 5 ("factors" starts at 1): 4 spaces after "  | ".
        assert!(out.contains("  |     ^^^^^^^^^^^"), "{out}");
        assert!(out.contains("= help: did you mean `retry-storm`?"));
        assert!(!out.contains('\x1b'));
    }

    #[test]
    fn a_long_line_with_many_warnings_prints_kilobytes() {
        // 50,000 warnings on one 1 MB line: each printed the whole line (50 GB; the
        // allocation failed and pmsite aborted).
        let line = "It was human error. ".repeat(50_000);
        let diags: Vec<Diagnostic> = (0..50_000)
            .map(|i| {
                Diagnostic::warning(
                    Code::BlameLanguage,
                    "content/a.md",
                    2,
                    i * 20 + 8,
                    "blame language: \"human error\"",
                )
                .with_width(11)
            })
            .collect();
        let source = format!("---\n{line}\n");
        let out = render(&diags, Format::Human, false, &|_| Some(source.clone()));
        assert!(out.len() < 50_000 * 400, "{} bytes", out.len());
        let first: Vec<&str> = out.lines().take(5).collect();
        assert!(first[3].starts_with("2 | It was human error."), "{first:#?}");
        assert!(first[4].starts_with("  |        ^^^^^^^^^^^"), "{first:#?}");
    }

    #[test]
    fn knowledge_base_text_cannot_reach_the_terminal_raw() {
        let mut x = d();
        x.message = "unknown factor `\u{1b}]0;pwned\u{7}`".into();
        x.suggestion = Some("try \u{1b}[2J".into());
        x.file = PathBuf::from("content/\u{1b}[31m.md");
        let out = render(&[x], Format::Human, false, &|_| Some("---\n\u{1b}[8m\ntitle:\u{202e} x\n".into()));
        assert!(!out.chars().any(|c| c != '\n' && terminal::is_unsafe(c)), "{out:?}");
        assert!(out.contains("unknown factor `\\u{1b}]0;pwned\\u{7}`"), "{out}");
        assert!(out.contains("3 | title:\\u{202e} x"), "{out}");
        assert!(out.contains("content/\\u{1b}[31m.md:3:5"), "{out}");
    }

    #[test]
    fn colour_only_when_asked() {
        let out = render(&[d()], Format::Human, true, &|_| None);
        assert!(out.contains("\x1b[1;31m"));
    }

    #[test]
    fn github_format_escapes() {
        let mut x = d();
        x.message = "50% bad\nnext \u{1b}[31mred".into();
        let out = render(&[x], Format::Github, false, &|_| None);
        // One line per diagnostic: no line break or escape sequence from the file survives.
        assert!(
            out.starts_with(
                "::error file=content/a.md,line=3,col=5,title=pmsite unknown-factor::[unknown-factor] 50%25 bad\\nnext \\u{1b}[31mred"
            ),
            "{out}"
        );
        assert_eq!(out.lines().count(), 1);
    }

    #[test]
    fn gitlab_code_quality() {
        let mut w = d();
        w.level = Level::Warning;
        w.line = 0;
        let out = render(&[d(), w.clone(), w], Format::Gitlab, false, &|_| None);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["check_name"], "unknown-factor");
        assert_eq!(v[0]["severity"], "major");
        assert_eq!(v[1]["severity"], "minor");
        assert_eq!(v[0]["location"]["path"], "content/a.md");
        assert_eq!(v[0]["location"]["lines"]["begin"], 3);
        assert_eq!(v[1]["location"]["lines"]["begin"], 1, "GitLab lines start at 1");
        assert!(v[0]["description"].as_str().unwrap().contains("did you mean"));
        let fp: Vec<&str> = (0..3).map(|i| v[i]["fingerprint"].as_str().unwrap()).collect();
        assert_eq!(fp[0].len(), 32);
        assert!(fp[0] != fp[1] && fp[1] != fp[2], "{fp:?}");
    }

    #[test]
    fn many_equal_warnings_get_distinct_fingerprints_in_linear_time() {
        let w = Diagnostic::warning(Code::BlameLanguage, "content/a.md", 2, 8, "blame language: \"human error\"");
        let many = vec![w.clone(); 20_000];
        let started = std::time::Instant::now();
        let out = render(&many, Format::Gitlab, false, &|_| None);
        // Quadratic probing took 25 s for 5,000 in a debug build.
        assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let fps: std::collections::HashSet<&str> =
            v.as_array().unwrap().iter().map(|i| i["fingerprint"].as_str().unwrap()).collect();
        assert_eq!(fps.len(), 20_000);
        // The same fingerprints as before: first plain, then with occurrence 1, 2, ….
        assert_eq!(v[0]["fingerprint"], fingerprint(&w, 0));
        assert_eq!(v[2]["fingerprint"], fingerprint(&w, 2));
    }

    #[test]
    fn fingerprints_are_stable() {
        // Pinned: a change here makes GitLab see every issue in every project as new.
        // Computed independently (FNV-1a 128 of "content/a.md\0unknown-factor\03\0unknown factor `retry-strom`\0").
        assert_eq!(fingerprint(&d(), 0), "26cd3593f43a26dc8e96042e369d618f");
        let mut moved = d();
        moved.column = 9;
        assert_eq!(fingerprint(&d(), 0), fingerprint(&moved, 0), "the column is not part of it");
        moved.line = 4;
        assert_ne!(fingerprint(&d(), 0), fingerprint(&moved, 0));
    }

    #[test]
    fn all_lists_every_code_once_in_order() {
        // Fieldless enum: discriminants are 0, 1, …, so a missing or repeated code shows here.
        for (i, c) in Code::ALL.iter().enumerate() {
            assert_eq!(*c as usize, i, "{c:?}");
        }
        assert_eq!(Code::Io as usize, Code::ALL.len() - 1, "Io is the last variant");
    }

    #[cfg(unix)]
    #[test]
    fn json_survives_a_file_name_that_is_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let mut x = d();
        x.file = PathBuf::from(std::ffi::OsStr::from_bytes(b"content/\xff.md"));
        let out = render(&[x], Format::Json, false, &|_| None);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["file"], "content/\u{fffd}.md");
    }

    #[test]
    fn json_parses() {
        let out = render(&[d()], Format::Json, false, &|_| None);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v[0]["code"], "unknown-factor");
        assert_eq!(v[0]["line"], 3);
        assert_eq!(v[0]["level"], "error");
    }
}
