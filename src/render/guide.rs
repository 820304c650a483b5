//! The home page's text and the guide: `content/_index.md` up to its first `##` heading
//! introduces the knowledge base on the home page; the rest (how to add a postmortem,
//! how we write them) is its own page, so home can open with what needs attention.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag};

/// `_index.md` split before its first level-2 heading: the introduction, and the guide
/// when there is one. Headings inside code blocks are not headings, so the split comes
/// from the Markdown parser, not from looking for `## `.
pub(super) fn split(text: &str) -> (&str, Option<&str>) {
    let first_h2 = Parser::new_ext(text, crate::markdown::options()).into_offset_iter().find_map(|(ev, range)| {
        matches!(ev, Event::Start(Tag::Heading { level: HeadingLevel::H2, .. })).then_some(range.start)
    });
    match first_h2 {
        Some(at) => (&text[..at], Some(&text[at..])),
        None => (text, None),
    }
}

/// The introduction's own title, when it opens with a level-1 heading, and the rest:
/// the home page then shows that heading as its title instead of the site's.
pub(super) fn title(intro: &str) -> (Option<&str>, &str) {
    let mut events = Parser::new_ext(intro, crate::markdown::options()).into_offset_iter();
    match events.next() {
        Some((Event::Start(Tag::Heading { level: HeadingLevel::H1, .. }), range)) => {
            (Some(&intro[..range.end]), &intro[range.end..])
        }
        _ => (None, intro),
    }
}

#[cfg(test)]
mod tests {
    use super::{split, title};

    #[test]
    fn an_introduction_that_opens_with_a_title_keeps_it_apart() {
        assert_eq!(title("# Acme\n\nWelcome.\n"), (Some("# Acme\n"), "\nWelcome.\n"));
        assert_eq!(title("Welcome.\n\n# Later\n"), (None, "Welcome.\n\n# Later\n"));
        assert_eq!(title("## Not a title\n"), (None, "## Not a title\n"));
    }

    #[test]
    fn the_guide_starts_at_the_first_level_two_heading() {
        let (intro, guide) = split("# Acme\n\nWelcome.\n\n## Adding one\n\nRun it.\n\n## Style\n\nBlameless.\n");
        assert_eq!(intro, "# Acme\n\nWelcome.\n\n");
        assert_eq!(guide, Some("## Adding one\n\nRun it.\n\n## Style\n\nBlameless.\n"));
    }

    #[test]
    fn a_heading_in_code_or_a_setext_heading() {
        let (intro, guide) = split("Intro.\n\n```md\n## not a heading\n```\n");
        assert!(guide.is_none(), "{intro}");
        let (intro, guide) = split("Intro.\n\nHow we write\n------------\n\nText.\n");
        assert_eq!(intro, "Intro.\n\n");
        assert_eq!(guide, Some("How we write\n------------\n\nText.\n"));
    }

    #[test]
    fn no_guide_without_a_section() {
        assert_eq!(split("Just an introduction.\n"), ("Just an introduction.\n", None));
        assert_eq!(split(""), ("", None));
    }
}
