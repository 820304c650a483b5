//! Where a full build's time goes, for BENCHMARKS.md: the whole render, and within it
//! the SVG figures (timelines and charts) and the action item and pattern pages, so
//! their share of the build can be stated.
//!
//! Usage: cargo run --release --example build_breakdown -- KB_DIR

use pmsite::render::{Page, RenderOptions, Site, Theme};
use rayon::prelude::*;
use std::path::PathBuf;
use std::time::Instant;

fn main() {
    let root = PathBuf::from(std::env::args().nth(1).expect("usage: build_breakdown KB_DIR"));
    let today = "2026-01-01".parse().unwrap();
    let t = Instant::now();
    let checked = pmsite::check::check(&root, &pmsite::check::Options { strict: false, drafts: false, today });
    let check_ms = t.elapsed().as_secs_f64() * 1000.0;
    let kb = &checked.kb;
    let theme = Theme::load(&root, &kb.config.theme).expect("theme");
    let t = Instant::now();
    let site = Site::new(kb, &theme, RenderOptions::default());
    let bodies_ms = t.elapsed().as_secs_f64() * 1000.0;
    let pages = site.pages();

    let t = Instant::now();
    pages.par_iter().for_each(|p| {
        site.render(p).expect("renders");
    });
    let all_ms = t.elapsed().as_secs_f64() * 1000.0;

    // The SVG work on its own: every incident's timeline, and the charts of every page
    // that carries them, called exactly as the pages call them.
    let t = Instant::now();
    let tz = &kb.config.timezone;
    let svg_bytes: usize = kb
        .visible_ids()
        .collect::<Vec<_>>()
        .par_iter()
        .map(|&i| pmsite::svg::timeline::render(&kb.postmortems[i].timeline, tz, &kb.config.timezone_name, "ev-").len())
        .sum();
    let timeline_ms = t.elapsed().as_secs_f64() * 1000.0;

    // The chart blocks of the metrics page and of every service, team, severity and factor page.
    let t = Instant::now();
    let mut groups: Vec<Vec<usize>> = vec![kb.visible_ids().collect()];
    groups.extend(kb.indexes.services.values().cloned());
    groups.extend(kb.indexes.teams.values().cloned());
    groups.extend(kb.indexes.severities.values().cloned());
    groups.extend(kb.indexes.factors.values().cloned());
    let chart_bytes: usize = groups
        .par_iter()
        .enumerate()
        .map(|(n, ids)| pmsite::render::metrics::blocks(&site, ids, "../../", n == 0).to_string().len())
        .sum();
    let charts_ms = t.elapsed().as_secs_f64() * 1000.0;

    let t = Instant::now();
    let action_pages: Vec<&Page> = pages
        .iter()
        .filter(|p| matches!(p, Page::Actions(_) | Page::ActionsOwner(..) | Page::ActionsTeam(..) | Page::Patterns))
        .collect();
    action_pages.par_iter().for_each(|p| {
        site.render(p).expect("renders");
    });
    let actions_ms = t.elapsed().as_secs_f64() * 1000.0;

    let n = kb.visible_ids().count();
    println!("postmortems            {n}");
    println!("pages                  {}", pages.len());
    println!("check (load+lint+link) {check_ms:>8.1} ms");
    println!("markdown bodies        {bodies_ms:>8.1} ms");
    println!("render all pages       {all_ms:>8.1} ms");
    println!("  timeline SVGs        {timeline_ms:>8.1} ms ({} KB)", svg_bytes / 1024);
    println!("  chart SVGs           {charts_ms:>8.1} ms ({} KB, {} pages)", chart_bytes / 1024, groups.len());
    println!("  action+pattern pages {actions_ms:>8.1} ms ({} pages)", action_pages.len());
}
