//! The matter at a glance, as early-case-assessment reports open: volumes before and after
//! deduplication, custodians, file types, sender domains, dates, exceptions and languages.

use super::facts::Facts;
use super::report::{Count, Overview};
use crate::error::Result;
use crate::matter::Matter;
use std::collections::HashMap;

/// Characters of each item's text the language is detected from.
const LANGUAGE_SAMPLE: i64 = 2000;
/// Text shorter than this is too little to name a language from.
const LANGUAGE_MIN: usize = 40;
/// Items whose language is detected at most: past this, every k-th item (by id) is read, so a
/// report on a million items takes seconds, not minutes (detection reads each item's text).
const LANGUAGE_ITEMS: i64 = 5000;
/// Sender domains listed (the rest are summed in an "other" row).
const DOMAINS_LISTED: usize = 25;

/// Counts by label, largest first (ties by label), the tail past `keep` summed as "other".
fn ranked(counts: HashMap<String, u64>, keep: usize) -> Vec<Count> {
    let mut v: Vec<Count> = counts.into_iter().map(|(label, count)| Count { label, count }).collect();
    v.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    if v.len() > keep {
        let other: u64 = v.drain(keep..).map(|c| c.count).sum();
        v.push(Count { label: "other".into(), count: other });
    }
    v
}

impl Matter {
    /// The overview; `languages` reads the opening of every item's text, so only the full
    /// report asks for it.
    pub(super) fn overview(&self, facts: &Facts, languages: bool) -> Result<Overview> {
        let mut o = Overview::default();
        let (mut custodians, mut types, mut domains) = (HashMap::new(), HashMap::new(), HashMap::new());
        let mut families = std::collections::HashSet::new();
        for f in facts.by_id.iter().flatten() {
            o.items += 1;
            o.bytes += f.bytes;
            o.items_found += f.found as u64;
            o.bytes_found += f.bytes * f.found as u64;
            families.insert(f.family);
            for c in &f.custodians {
                *custodians.entry(facts.custodians[*c as usize].clone()).or_default() += 1;
            }
            *types.entry(f.kind.clone()).or_default() += 1;
            if let Some(d) = &f.sender_domain {
                *domains.entry(d.clone()).or_default() += 1;
            }
            match f.status.as_str() {
                "error" => o.errors += 1,
                "no_text" => o.needs_ocr += 1,
                _ => {}
            }
            if f.date == 0 {
                o.undated += 1;
            }
        }
        o.families = families.len() as u64;
        o.custodians = ranked(custodians, usize::MAX);
        o.file_types = ranked(types, usize::MAX);
        o.sender_domains = ranked(domains, DOMAINS_LISTED);
        o.months = super::by_month(facts, (0..facts.by_id.len() as u64).filter(|id| facts.get(*id).is_some()));
        if languages {
            let mut langs: HashMap<String, u64> = HashMap::new();
            let with_text: i64 = self.store.db.query_row("SELECT COUNT(*) FROM item_text", [], |r| r.get(0))?;
            let every = (with_text + LANGUAGE_ITEMS - 1).div_euclid(LANGUAGE_ITEMS).max(1);
            let mut stmt = self.store.db.prepare("SELECT substr(text, 1, ?1) FROM item_text WHERE item_id % ?2 = 0")?;
            for text in stmt.query_map([LANGUAGE_SAMPLE, every], |r| r.get::<_, String>(0))? {
                let text = text?;
                o.languages_sampled += 1;
                let label = if text.trim().chars().count() < LANGUAGE_MIN {
                    "too little text".to_string()
                } else {
                    match whatlang::detect(&text) {
                        Some(info) if info.is_reliable() => info.lang().eng_name().to_string(),
                        _ => "undetermined".to_string(),
                    }
                };
                *langs.entry(label).or_default() += 1;
            }
            o.languages = ranked(langs, usize::MAX);
            o.languages_of = with_text as u64;
        }
        Ok(o)
    }
}
