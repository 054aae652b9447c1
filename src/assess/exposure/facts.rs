//! What an assessment needs to know of every item, read from SQLite once per assessment, so a
//! request's figures are set operations in memory (a what-if on a 100,000-item matter must
//! answer while the user types).

use super::inputs::SensitivityTags;
use crate::error::Result;
use crate::extract::pages::estimated_pages;
use crate::index::search::IdSet;
use crate::store::Store;
use std::collections::HashMap;

/// Flags of an item.
pub(crate) const PRIVILEGED: u8 = 1;
pub(crate) const CONFIDENTIAL: u8 = 2;
pub(crate) const TRADE_SECRET: u8 = 4;
pub(crate) const HOT: u8 = 8;
/// Carries a text or region redaction, a stored rule hides a value in it (any field), or it
/// carries a needs-redaction tag.
pub(crate) const NEEDS_REDACTION: u8 = 16;
/// Tagged as reviewed.
pub(crate) const REVIEWED: u8 = 32;
/// What the report must not quote: privileged, confidential, trade secret, redacted.
pub(crate) const SENSITIVE: u8 = PRIVILEGED | CONFIDENTIAL | TRADE_SECRET | NEEDS_REDACTION;
/// A reviewer has coded it: reviewed, or given a sensitivity tag.
pub(crate) const CODED: u8 = REVIEWED | PRIVILEGED | CONFIDENTIAL | TRADE_SECRET;

/// One item's facts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Fact {
    pub family: u64,
    pub pages: u64,
    pub pages_estimated: bool,
    pub bytes: u64,
    /// `YYYYMMDD` as a number, 0 when undated.
    pub date: u32,
    pub flags: u8,
    /// Indexes into [`Facts::custodians`] of the places its family root was found.
    pub custodians: Vec<u16>,
    /// How many places its family root was found (≥ 1).
    pub found: u32,
    pub kind: String,
    pub status: String,
    pub sender_domain: Option<String>,
}

/// Every item's facts, by item id.
pub(crate) struct Facts {
    pub by_id: Vec<Option<Fact>>,
    pub families: HashMap<u64, Vec<u64>>,
    pub custodians: Vec<String>,
}

/// `2001-05-14…` as 20010514.
fn day_number(date: &str) -> u32 {
    let digits: String = date.chars().take(10).filter(|c| c.is_ascii_digit()).collect();
    if digits.len() == 8 {
        digits.parse().unwrap_or(0)
    } else {
        0
    }
}

/// 20010514 as `2001-05-14`.
pub(crate) fn day_text(n: u32) -> Option<String> {
    (n > 0).then(|| format!("{:04}-{:02}-{:02}", n / 10000, n / 100 % 100, n % 100))
}

/// The domain of the address in `Name <user@domain>` or `user@domain`, lowercased.
fn domain_of(author: &str) -> Option<String> {
    let addr = match (author.rfind('<'), author.rfind('>')) {
        (Some(a), Some(b)) if b > a => &author[a + 1..b],
        _ => author,
    };
    let at = addr.rfind('@')?;
    let d = addr[at + 1..].trim().trim_end_matches('.').to_lowercase();
    (!d.is_empty() && d.contains('.')).then_some(d)
}

impl Facts {
    /// `to_redact`: the items a production would redact something in
    /// ([`crate::Matter::items_to_redact`]).
    pub fn load(store: &Store, tags: &SensitivityTags, to_redact: &IdSet) -> Result<Facts> {
        let db = &store.db;
        let max_id: i64 = db.query_row("SELECT COALESCE(MAX(id), 0) FROM item", [], |r| r.get(0))?;
        let mut by_id: Vec<Option<Fact>> = vec![None; max_id as usize + 1];
        let mut families: HashMap<u64, Vec<u64>> = HashMap::new();
        // Text length in bytes (octet_length does not read the text itself), for page estimates.
        let mut text_bytes: HashMap<i64, u64> = HashMap::new();
        {
            let mut stmt = db.prepare("SELECT item_id, octet_length(text) FROM item_text")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, Option<i64>>(1)?)))? {
                let (id, n) = row?;
                text_bytes.insert(id, n.unwrap_or(0).max(0) as u64);
            }
        }
        {
            let mut stmt =
                db.prepare("SELECT id, family_id, kind, mime, page_count, size, COALESCE(date, modified), status, author FROM item")?;
            let rows = stmt.query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, Option<String>>(8)?,
                ))
            })?;
            for row in rows {
                let (id, family, kind, mime, page_count, size, date, status, author) = row?;
                // The same rule as a production's page estimate: a PDF's own pages, else text length.
                let (pages, pages_estimated) = match page_count {
                    Some(n) if n > 0 && mime == "application/pdf" => (n as u64, false),
                    _ => (estimated_pages(text_bytes.get(&id).copied().unwrap_or(0), 0), true),
                };
                let sender_domain = if kind == "email" { author.as_deref().and_then(domain_of) } else { None };
                by_id[id as usize] = Some(Fact {
                    family: family as u64,
                    pages,
                    pages_estimated,
                    bytes: size.max(0) as u64,
                    date: date.as_deref().map(day_number).unwrap_or(0),
                    flags: 0,
                    custodians: Vec::new(),
                    found: 1,
                    kind,
                    status,
                    sender_domain,
                });
                families.entry(family as u64).or_default().push(id as u64);
            }
        }
        // Custodians and places found, per family root, then given to every family member.
        let mut custodians: Vec<String> = Vec::new();
        let mut custodian_index: HashMap<String, u16> = HashMap::new();
        let mut root_places: HashMap<u64, (Vec<u16>, u32)> = HashMap::new();
        {
            let mut stmt = db.prepare("SELECT item_id, custodian FROM item_location")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
                let (id, custodian) = row?;
                let next = custodians.len() as u16;
                let ci = *custodian_index.entry(custodian.clone()).or_insert_with(|| {
                    custodians.push(custodian);
                    next
                });
                let e = root_places.entry(id as u64).or_default();
                if !e.0.contains(&ci) {
                    e.0.push(ci);
                }
                e.1 += 1;
            }
        }
        for (root, members) in &families {
            if let Some((cs, n)) = root_places.get(root) {
                for m in members {
                    if let Some(f) = by_id[*m as usize].as_mut() {
                        f.custodians = cs.clone();
                        f.found = (*n).max(1);
                    }
                }
            }
        }
        // Tags, as flags.
        let mut tag_flags: Vec<(&Vec<String>, u8)> = vec![
            (&tags.privileged, PRIVILEGED),
            (&tags.confidential, CONFIDENTIAL),
            (&tags.trade_secret, TRADE_SECRET),
            (&tags.hot, HOT),
            (&tags.needs_redaction, NEEDS_REDACTION),
            (&tags.reviewed, REVIEWED),
        ];
        tag_flags.retain(|(names, _)| !names.is_empty());
        {
            let mut stmt = db.prepare("SELECT it.item_id, t.name FROM item_tag it JOIN tag t ON t.id = it.tag_id")?;
            for row in stmt.query_map([], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))? {
                let (id, name) = row?;
                let mut bits = 0;
                for (names, bit) in &tag_flags {
                    if names.iter().any(|n| n.trim().eq_ignore_ascii_case(name.trim())) {
                        bits |= bit;
                    }
                }
                if let Some(Some(f)) = by_id.get_mut(id as usize) {
                    f.flags |= bits;
                }
            }
        }
        for id in to_redact.iter() {
            if let Some(Some(f)) = by_id.get_mut(id as usize) {
                f.flags |= NEEDS_REDACTION;
            }
        }
        Ok(Facts { by_id, families, custodians })
    }

    pub fn get(&self, id: u64) -> Option<&Fact> {
        self.by_id.get(id as usize).and_then(|f| f.as_ref())
    }

    /// The items plus every member of their families.
    pub fn with_families(&self, ids: &IdSet) -> IdSet {
        let mut out = IdSet::default();
        let mut seen_families = IdSet::default();
        for id in ids.iter() {
            if let Some(f) = self.get(id) {
                if !seen_families.contains(f.family) {
                    seen_families.insert(f.family);
                    for m in self.families.get(&f.family).into_iter().flatten() {
                        out.insert(*m);
                    }
                }
            }
        }
        out
    }

    /// Every item id.
    pub fn all(&self) -> IdSet {
        self.by_id.iter().enumerate().filter(|(_, f)| f.is_some()).map(|(i, _)| i as u64).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn domains_and_days() {
        assert_eq!(domain_of("Sally Beck <sally.beck@Enron.com>").as_deref(), Some("enron.com"));
        assert_eq!(domain_of("sally.beck@enron.com").as_deref(), Some("enron.com"));
        assert_eq!(domain_of("Sally Beck"), None);
        assert_eq!(day_number("2001-05-14T10:00:00Z"), 20010514);
        assert_eq!(day_text(20010514).as_deref(), Some("2001-05-14"));
        assert_eq!(day_number("unknown"), 0);
    }
}
