//! Files other programs read: Atom feeds (site-wide, per service, per team),
//! sitemap.xml, robots.txt and `/api/postmortems.json`.

use super::{ActionFragment, Dim, Page, PmFragment, Site};
use crate::actions::{self, ActionRow};
use crate::model::Status;
use crate::output::OutputFile;
use crate::routes;
use rayon::prelude::*;
use std::fmt::Write as _;

/// Entries per feed: enough for any reader's backlog, small enough to poll.
const FEED_LEN: usize = 50;

/// The per-postmortem and per-action fragments the files below are made of: what they
/// read besides the front matter, the options and the site's structure.
pub(crate) const PM_KINDS: [PmFragment; 2] = [PmFragment::Atom, PmFragment::Api];
/// See `PM_KINDS`.
pub(crate) const ACTION_KINDS: [ActionFragment; 2] = [ActionFragment::Json, ActionFragment::Csv];

/// The Atom feeds to make: (feed path, title, the page it is the feed of, entries).
pub(crate) struct Feeds(Vec<(String, String, String, Vec<usize>)>);

/// Makes every fragment of the kinds `PM_KINDS` and `ACTION_KINDS` name that the files
/// will use, on every core: `files` then only concatenates them (and serve's next
/// rebuild reuses them). An Atom entry only for the postmortems some feed lists.
pub(crate) fn fragments(site: &Site) -> Feeds {
    let kb = site.kb;
    let feeds = feeds(site);
    let mut in_a_feed = vec![false; kb.postmortems.len()];
    feeds.iter().flat_map(|f| f.3.iter().take(FEED_LEN)).for_each(|&i| in_a_feed[i] = true);
    // The site-wide feed's entries are every published postmortem: the API file's too.
    feeds[0].3.par_iter().for_each(|&i| {
        if in_a_feed[i] {
            let _ = site.pm_fragment(PmFragment::Atom, i, || Ok(atom_entry(site, i)));
        }
        let _ = site.pm_fragment(PmFragment::Api, i, || Ok(api_item(site, i)));
    });
    (0..site.actions.len()).into_par_iter().for_each(|k| {
        let _ = site.action_fragment(ActionFragment::Json, k, || Ok(action_json(site, k)));
        let _ = site.action_fragment(ActionFragment::Csv, k, || Ok(actions::csv_line(&site.actions[k])));
    });
    Feeds(feeds)
}

/// (feed path, title, the page it is the feed of, entries) of every Atom feed.
fn feeds(site: &Site) -> Vec<(String, String, String, Vec<usize>)> {
    let kb = site.kb;
    let published: Vec<usize> = kb.visible_ids().filter(|&i| kb.postmortems[i].status == Status::Published).collect();
    let mut feeds = Vec::new();
    feeds.push((routes::ATOM.into(), kb.config.title.clone(), routes::HOME.into(), published));
    for dim in [Dim::Services, Dim::Teams] {
        for (name, ids) in kb.entries_of(dim) {
            let ids: Vec<usize> =
                ids.iter().copied().filter(|&i| kb.postmortems[i].status == Status::Published).collect();
            let slug = site.slugs.get(dim, &name);
            let title = format!("{}: {} {name}", kb.config.title, dim.singular().to_lowercase());
            feeds.push((routes::term_feed(dim, &slug), title, routes::term(dim, &slug), ids));
        }
    }
    feeds
}

/// Makes every such file from the fragments (`fragments` first) and hands each to
/// `emit` as soon as it is made: the API files are made one after another, so that at
/// 100,000 postmortems only one of them (up to a quarter of a gigabyte) is in memory at
/// a time when `emit` writes them out.
pub(crate) fn files(site: &Site, Feeds(feeds): Feeds, emit: &(dyn Fn(OutputFile) + Sync)) {
    let kb = site.kb;
    feeds
        .par_iter()
        .for_each(|(path, title, alt, ids)| emit(OutputFile::new(path.clone(), atom(site, title, path, alt, ids))));
    sitemap(site).into_iter().for_each(|(path, text)| emit(OutputFile::new(path, text)));
    emit(OutputFile::new(
        routes::ROBOTS,
        format!("User-agent: *\nAllow: /\nSitemap: {}\n", routes::absolute(&kb.config.base_url, routes::SITEMAP)),
    ));
    emit(OutputFile::new(routes::API_POSTMORTEMS, api(site, &feeds[0].3)));
    emit(OutputFile::new(routes::API_ACTIONS_JSON, actions_json(site)));
    emit(OutputFile::new(routes::API_ACTIONS_CSV, actions_csv(site)));
}

fn action_json(site: &Site, k: usize) -> String {
    serde_json::to_string(&site.actions[k]).unwrap_or_default()
}

fn atom(site: &Site, title: &str, self_path: &str, alt_path: &str, ids: &[usize]) -> String {
    let kb = site.kb;
    let base = &kb.config.base_url;
    // The newest incident date, not the build time, so identical input gives identical bytes.
    let updated = ids.first().map_or_else(|| "1970-01-01".to_string(), |&i| kb.postmortems[i].date.to_string());
    let mut s = String::with_capacity(1024 + ids.len().min(FEED_LEN) * 600);
    let self_url = xml(&routes::absolute(base, self_path));
    let _ = write!(
        s,
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n<title>{}</title>\n<id>{self_url}</id>\n<link rel=\"self\" href=\"{self_url}\"/>\n<link rel=\"alternate\" type=\"text/html\" href=\"{}\"/>\n<updated>{updated}T00:00:00Z</updated>\n",
        xml(title),
        xml(&routes::absolute(base, alt_path)),
    );
    for &i in ids.iter().take(FEED_LEN) {
        let entry = site.pm_fragment(PmFragment::Atom, i, || Ok(atom_entry(site, i))).unwrap_or_default();
        s.push_str(entry);
    }
    s.push_str("</feed>\n");
    s
}

fn atom_entry(site: &Site, i: usize) -> String {
    let kb = site.kb;
    let base = &kb.config.base_url;
    let pm = &kb.postmortems[i];
    let url = xml(&routes::absolute(base, &routes::incident(&pm.id)));
    let mut s = String::with_capacity(600);
    // With git history, an entry is updated when its file last changed; otherwise on its date.
    let (published, updated) = match site.history.get(i).cloned().flatten() {
        Some(h) if h.source == crate::history::HistorySource::Git => {
            (h.first_commit.to_string(), h.last_commit.to_string())
        }
        _ => (format!("{}T00:00:00Z", pm.date), format!("{}T00:00:00Z", pm.date)),
    };
    let _ = write!(
        s,
        "<entry>\n<title>[{}] {}</title>\n<id>{url}</id>\n<link href=\"{url}\"/>\n<published>{published}</published>\n<updated>{updated}</updated>\n",
        xml(&pm.severity),
        xml(&pm.title),
    );
    for a in &pm.authors {
        let _ = writeln!(s, "<author><name>{}</name></author>", xml(a));
    }
    if pm.authors.is_empty() {
        let _ = writeln!(s, "<author><name>{}</name></author>", xml(&kb.config.title));
    }
    for svc in &pm.services {
        let _ = writeln!(s, "<category term=\"{}\"/>", xml(svc));
    }
    let _ = write!(s, "<summary>{}</summary>\n</entry>\n", xml(&pm.summary));
    s
}

fn sitemap(site: &Site) -> Vec<(String, String)> {
    let base = &site.kb.config.base_url;
    let mut urls: Vec<String> = site
        .pages()
        .iter()
        .filter(|p| !matches!(p, Page::NotFound))
        .map(|p| routes::absolute(base, &site.path(p)))
        .collect();
    urls.sort();
    sitemap_files(base, &urls, routes::SITEMAP_URLS)
}

/// `sitemap.xml`, and when `urls` are more than `limit`, the parts it indexes.
fn sitemap_files(base: &str, urls: &[String], limit: usize) -> Vec<(String, String)> {
    let urlset = |urls: &[String]| {
        let mut s = String::from(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
        );
        for u in urls {
            let _ = writeln!(s, "<url><loc>{}</loc></url>", xml(u));
        }
        s.push_str("</urlset>\n");
        s
    };
    if urls.len() <= limit {
        return vec![(routes::SITEMAP.to_string(), urlset(urls))];
    }
    let mut index = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    let mut files = Vec::new();
    for (n, chunk) in urls.chunks(limit.max(1)).enumerate() {
        let path = routes::sitemap_part(n + 1);
        let _ = writeln!(index, "<sitemap><loc>{}</loc></sitemap>", xml(&routes::absolute(base, &path)));
        files.push((path, urlset(chunk)));
    }
    index.push_str("</sitemapindex>\n");
    files.insert(0, (routes::SITEMAP.to_string(), index));
    files
}

/// Every published postmortem's front matter plus derived figures (docs/api.md).
fn api(site: &Site, ids: &[usize]) -> String {
    let items: Vec<&str> = ids
        .iter()
        .map(|&i| site.pm_fragment(PmFragment::Api, i, || Ok(api_item(site, i))).unwrap_or_default())
        .collect();
    let title = serde_json::to_string(&site.kb.config.title).unwrap_or_default();
    joined(&format!("{{\n\"version\": 1,\n\"site\": {title},\n\"postmortems\": [\n"), &items, ",\n", "\n]\n}\n")
}

fn api_item(site: &Site, i: usize) -> String {
    super::api::postmortem(site, i)
}

/// `/api/actions.json`: the same shape as `pmsite actions --format json`, from cached items.
fn actions_json(site: &Site) -> String {
    let rows: Vec<&ActionRow> = site.actions.iter().collect();
    let health = serde_json::to_string(&actions::health_in(site.kb, &rows)).unwrap_or_default();
    let items: Vec<&str> = (0..site.actions.len())
        .map(|k| site.action_fragment(ActionFragment::Json, k, || Ok(action_json(site, k))).unwrap_or_default())
        .collect();
    let head =
        format!("{{\"version\": 1, \"today\": \"{}\", \"health\": {health}, \"action_items\": [\n", site.kb.today);
    joined(&head, &items, ",\n", "\n]}\n")
}

fn actions_csv(site: &Site) -> String {
    let lines: Vec<&str> = (0..site.actions.len())
        .map(|k| {
            site.action_fragment(ActionFragment::Csv, k, || Ok(actions::csv_line(&site.actions[k]))).unwrap_or_default()
        })
        .collect();
    joined(&actions::csv_header(site.kb.tickets.is_some()), &lines, "", "")
}

/// `head`, the parts with `sep` between them, and `tail`, in a string sized once: at
/// 100,000 postmortems an API file is a quarter of a gigabyte, and growing it by
/// doubling held up to twice that.
fn joined(head: &str, parts: &[&str], sep: &str, tail: &str) -> String {
    let len = head.len() + tail.len() + parts.iter().map(|p| p.len() + sep.len()).sum::<usize>();
    let mut out = String::with_capacity(len);
    out.push_str(head);
    for (n, p) in parts.iter().enumerate() {
        if n > 0 {
            out.push_str(sep);
        }
        out.push_str(p);
    }
    out.push_str(tail);
    out
}

/// Text and attribute values for XML 1.0: the five markup characters as entities, and
/// characters XML cannot carry (C0 controls other than tab, newline and carriage return;
/// U+FFFE and U+FFFF) as U+FFFD, so a feed parses whatever a front matter value holds.
/// Tab, newline and carriage return are character references, which survive a parser's
/// line-end and attribute normalisation.
fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{sitemap_files, xml};

    #[test]
    fn a_sitemap_past_the_protocol_limit_becomes_an_index_of_parts() {
        let urls: Vec<String> = (0..5).map(|i| format!("https://pm.example/incidents/{i}/")).collect();
        let one = sitemap_files("https://pm.example/", &urls, 5);
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].1.matches("<url>").count(), 5);
        let parts = sitemap_files("https://pm.example/", &urls, 2);
        let paths: Vec<&str> = parts.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(paths, ["sitemap.xml", "sitemap-1.xml", "sitemap-2.xml", "sitemap-3.xml"]);
        assert!(parts[0].1.contains("<sitemapindex"));
        assert!(parts[0].1.contains("<loc>https://pm.example/sitemap-3.xml</loc>"));
        let listed: usize = parts[1..].iter().map(|(_, t)| t.matches("<url>").count()).sum();
        assert_eq!(listed, 5, "every URL once");
    }

    #[test]
    fn anything_escaped_parses_back_to_itself_less_what_xml_cannot_carry() {
        let hostile = "<a href=\"x\">&amp;]]> 'q'\u{1}\u{1b}\r\n\t\u{fffe}\u{ffff}🔥 עברית\u{7f}";
        let doc = format!("<r a=\"{}\">{}</r>", xml(hostile), xml(hostile));
        let parsed = roxmltree::Document::parse(&doc).expect("well-formed");
        let expected = hostile.replace(['\u{1}', '\u{1b}', '\u{fffe}', '\u{ffff}'], "\u{fffd}");
        assert_eq!(parsed.root_element().text(), Some(expected.as_str()));
        assert_eq!(parsed.root_element().attribute("a"), Some(expected.as_str()));
    }
}
