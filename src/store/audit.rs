//! The audit log: append-only, hash-chained, authenticated, anchored outside the database.
//!
//! Every state change calls [`append`] inside the transaction that makes the change, so the
//! log and the data can never disagree. Each entry's hash covers the previous entry's hash and
//! the entry itself (`sha256(prev_hash ‖ "\n" ‖ seq ‖ "\n" ‖ time ‖ "\n" ‖ actor ‖ "\n" ‖
//! action ‖ "\n" ‖ payload)`), so editing, deleting or reordering any entry breaks the chain
//! from that point on, which [`verify_chain`] reports. Each entry also carries an HMAC of its
//! hash under the matter's key, kept outside the matter ([`super::audit_key`]), so a chain
//! rewritten and re-hashed by someone without the key no longer authenticates; and the head
//! is written outside the database after each commit ([`super::audit_head`]), so a log cut
//! short no longer reaches it.
//!
//! Entries carry enough detail to replay the review state ([`super::replay`]): every payload
//! written now has `"audit_v": 2`; row-level changes to redactions and region redactions are
//! captured by temporary triggers ([`attach`]) and added to the entry as `"effects"`, whatever
//! code path made them; ingest entries list the fingerprints of the items they added
//! ([`Fingerprints`]).

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

pub use super::actor::{actor, set_actor};

/// The detail version of entries written now (payload field `audit_v`): entries without it
/// were written by an Exhibit that did not record enough to replay them.
pub const DETAIL_VERSION: i64 = 2;

/// Appends one entry. Call it on the transaction that makes the change; after the commit,
/// call [`publish_head`].
pub fn append(conn: &Connection, action: &str, payload: &serde_json::Value) -> Result<i64> {
    let (prev_seq, prev_hash): (i64, String) = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_string()));
    let seq = prev_seq + 1;
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let actor = actor();
    let mut payload = payload.clone();
    if let serde_json::Value::Object(map) = &mut payload {
        map.insert("audit_v".into(), DETAIL_VERSION.into());
        let effects = drain_effects(conn)?;
        if !effects.is_empty() {
            map.insert("effects".into(), serde_json::Value::Array(effects));
        }
    }
    // serde_json's Value keeps object keys sorted, so this text is canonical.
    let payload = serde_json::to_string(&payload)?;
    let hash = entry_hash(&prev_hash, seq, &time, &actor, action, &payload);
    let mac = super::audit_key::for_conn(conn, Some(seq))?.and_then(|k| k.key).map(|k| super::audit_key::entry_mac(&k, &hash));
    conn.execute(
        "INSERT INTO audit (seq, time, actor, action, payload, prev_hash, hash, mac) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![seq, time, actor, action, payload, prev_hash, hash, mac],
    )?;
    Ok(seq)
}

/// Records the head outside the database (see [`super::audit_head`]). Call after committing a
/// transaction that appended.
pub fn publish_head(conn: &Connection) {
    super::audit_head::publish(conn)
}

/// Row changes the triggers saw: `[table, "+", id, row]` for a row written (inserted or
/// updated), `[table, "-", id]` for a row deleted.
const EFFECTS_SQL: &str = r#"
CREATE TEMP TABLE IF NOT EXISTS audit_effects (n INTEGER PRIMARY KEY, fx TEXT NOT NULL);
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_redaction_ins AFTER INSERT ON main.redaction BEGIN
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction', '+', NEW.id,
    json_array(NEW.item_id, NEW.start, NEW.end, NEW.reason, NEW.source, NEW.treatment)));
END;
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_redaction_upd AFTER UPDATE ON main.redaction BEGIN
  INSERT INTO audit_effects (fx) SELECT json_array('redaction', '-', OLD.id) WHERE OLD.id != NEW.id;
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction', '+', NEW.id,
    json_array(NEW.item_id, NEW.start, NEW.end, NEW.reason, NEW.source, NEW.treatment)));
END;
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_redaction_del AFTER DELETE ON main.redaction BEGIN
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction', '-', OLD.id));
END;
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_region_ins AFTER INSERT ON main.redaction_region BEGIN
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction_region', '+', NEW.id,
    json_array(NEW.item_id, NEW.page, NEW.x0, NEW.y0, NEW.x1, NEW.y1, NEW.reason, NEW.source, NEW.treatment)));
END;
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_region_upd AFTER UPDATE ON main.redaction_region BEGIN
  INSERT INTO audit_effects (fx) SELECT json_array('redaction_region', '-', OLD.id) WHERE OLD.id != NEW.id;
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction_region', '+', NEW.id,
    json_array(NEW.item_id, NEW.page, NEW.x0, NEW.y0, NEW.x1, NEW.y1, NEW.reason, NEW.source, NEW.treatment)));
END;
CREATE TEMP TRIGGER IF NOT EXISTS audit_fx_region_del AFTER DELETE ON main.redaction_region BEGIN
  INSERT INTO audit_effects (fx) VALUES (json_array('redaction_region', '-', OLD.id));
END;
"#;

/// Prepares a matter connection to record row-level effects for [`append`]: temporary
/// triggers on the redaction tables (this connection only; a change made by any code path
/// lands in the next entry of its transaction, and a change never audited shows in `verify`).
pub fn attach(conn: &Connection) -> Result<()> {
    conn.execute_batch(EFFECTS_SQL)?;
    Ok(())
}

fn drain_effects(conn: &Connection) -> Result<Vec<serde_json::Value>> {
    let mut stmt = match conn.prepare_cached("SELECT fx FROM temp.audit_effects ORDER BY n") {
        Ok(s) => s,
        // A connection without the triggers (an in-memory test database) records none.
        Err(_) => return Ok(vec![]),
    };
    let rows: Vec<String> = stmt.query_map([], |r| r.get(0))?.collect::<std::result::Result<_, _>>()?;
    if rows.is_empty() {
        return Ok(vec![]);
    }
    conn.execute("DELETE FROM temp.audit_effects", [])?;
    rows.iter().map(|r| Ok(serde_json::from_str(r)?)).collect()
}

/// The fingerprints of items an ingest entry added, in id order: for each, the first 16 hex
/// digits of its original's SHA-256 (the pointer to its original) and of its extracted text's
/// SHA-256 (an absent and an empty text hash alike). 64 bits each: finding another original or
/// another text with the same fingerprint is out of reach, and the entry is small enough for a
/// million-call import (32 characters an item).
#[derive(Debug, Default)]
pub struct Fingerprints {
    ids: Vec<i64>,
    fp: String,
}

impl Fingerprints {
    pub fn push(&mut self, id: i64, sha256: &str, text_fp: &str) {
        self.ids.push(id);
        self.fp.push_str(&pointer_fp(sha256));
        self.fp.push_str(text_fp);
    }

    /// Fingerprints of items already written in this transaction, read back from it.
    pub fn read(conn: &Connection, ids: &[i64]) -> Result<Fingerprints> {
        let mut ids = ids.to_vec();
        ids.sort_unstable();
        let mut out = Fingerprints::default();
        let mut texts = super::texts::Texts::new(conn)?;
        let mut sha = conn.prepare_cached("SELECT sha256 FROM item WHERE id = ?1")?;
        for id in ids {
            let s: String = sha.query_row([id], |r| r.get(0))?;
            let t = texts.get(id)?;
            out.push(id, &s, &text_fp(t.as_deref()));
        }
        Ok(out)
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "ids": id_ranges(&self.ids), "fp": self.fp })
    }
}

/// The pointer half of an item's fingerprint.
pub fn pointer_fp(sha256: &str) -> String {
    sha256.get(..16).unwrap_or(sha256).to_ascii_lowercase()
}

/// The text half of an item's fingerprint.
pub fn text_fp(text: Option<&str>) -> String {
    hex::encode(&Sha256::digest(text.unwrap_or("").as_bytes())[..8])
}

fn entry_hash(prev: &str, seq: i64, time: &str, actor: &str, action: &str, payload: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), time, actor, action] {
        h.update(part.as_bytes());
        h.update(b"\n");
    }
    h.update(payload.as_bytes());
    hex::encode(h.finalize())
}

/// One audit entry as stored.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(rename = "AuditEntry")]
pub struct Entry {
    pub seq: i64,
    pub time: String,
    pub actor: String,
    pub action: String,
    pub payload: serde_json::Value,
    pub hash: String,
}

/// A break in the chain.
#[derive(Debug, Clone, Serialize)]
pub struct ChainProblem {
    pub seq: i64,
    pub detail: String,
}

/// Walks the whole chain and reports every entry whose stored hash, link or sequence is wrong.
pub fn verify_chain(conn: &Connection) -> Result<Vec<ChainProblem>> {
    let mut stmt = conn.prepare("SELECT seq, time, actor, action, payload, prev_hash, hash FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    let mut problems = Vec::new();
    let mut expected_prev = GENESIS.to_string();
    let mut expected_seq = 1i64;
    while let Some(r) = rows.next()? {
        let seq: i64 = r.get(0)?;
        let (time, actor, action, payload, prev, hash): (String, String, String, String, String, String) =
            (r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
        if seq != expected_seq {
            problems.push(ChainProblem { seq, detail: format!("entry {expected_seq} is missing (next found is {seq})") });
        }
        if prev != expected_prev {
            problems.push(ChainProblem { seq, detail: format!("entry {seq} does not link to the entry before it") });
        }
        if entry_hash(&prev, seq, &time, &actor, &action, &payload) != hash {
            problems.push(ChainProblem { seq, detail: format!("entry {seq} ({action}) was altered after it was written") });
        }
        expected_prev = hash;
        expected_seq = seq + 1;
    }
    Ok(problems)
}

/// Checks every entry's MAC under the matter's key: problems for entries from the key's first
/// entry on that do not authenticate (grouped into runs), notes for what cannot be checked.
pub fn verify_auth(conn: &Connection) -> Result<(Vec<ChainProblem>, Vec<String>)> {
    let (mut problems, mut notes) = (Vec::new(), Vec::new());
    let Some(state) = super::audit_key::for_conn(conn, None)? else { return Ok((problems, notes)) };
    let Some(key) = state.key else {
        notes.push(format!("entries were not authenticated: {}", state.missing.unwrap_or_default()));
        return Ok((problems, notes));
    };
    let mut stmt = conn.prepare("SELECT seq, hash, mac FROM audit ORDER BY seq")?;
    let mut rows = stmt.query([])?;
    // Runs of consecutive bad entries: (first, last, no MAC at all).
    let mut runs: Vec<(i64, i64, bool)> = Vec::new();
    let mut before = 0u64;
    while let Some(r) = rows.next()? {
        let (seq, hash, mac): (i64, String, Option<String>) = (r.get(0)?, r.get(1)?, r.get(2)?);
        if seq < state.from_entry {
            before += 1;
            continue;
        }
        let bad = match &mac {
            None => Some(true),
            Some(m) if *m != super::audit_key::entry_mac(&key, &hash) => Some(false),
            _ => None,
        };
        if let Some(unsigned) = bad {
            match runs.last_mut() {
                Some(run) if run.1 + 1 == seq && run.2 == unsigned => run.1 = seq,
                _ => runs.push((seq, seq, unsigned)),
            }
        }
    }
    for (a, b, unsigned) in runs {
        let which = if a == b { format!("entry {a}") } else { format!("entries {a}–{b}") };
        let detail = if unsigned {
            format!(
                "{which} carry no authentication: written where this matter's audit key was not available, or added by someone without it"
            )
        } else {
            format!("{which} are not authenticated by this matter's audit key: rewritten (or added) by someone without the key")
        };
        problems.push(ChainProblem { seq: a, detail });
    }
    if before > 0 {
        notes.push(format!("{before} entries before entry {} were written before entries were authenticated", state.from_entry));
    }
    Ok((problems, notes))
}

/// Replay detail a reader does not read is shortened for the audit view (the whole entry stays
/// in the log, and its hash names it): fingerprints become a count, long effect lists too.
fn for_display(mut payload: serde_json::Value) -> serde_json::Value {
    if let Some(fp) = payload.get_mut("items_fp") {
        let n = fp["fp"].as_str().map(|s| s.len() / 32).unwrap_or(0);
        *fp = serde_json::json!({ "ids": fp["ids"].clone(), "fingerprints": n });
    }
    if let Some(fx) = payload.get_mut("effects") {
        if fx.as_array().is_some_and(|a| a.len() > 20) {
            *fx = serde_json::json!({ "rows_changed": fx.as_array().map(Vec::len) });
        }
    }
    payload
}

/// The most recent entries, newest first.
pub fn recent(conn: &Connection, limit: usize) -> Result<Vec<Entry>> {
    let mut stmt = conn.prepare("SELECT seq, time, actor, action, payload, hash FROM audit ORDER BY seq DESC LIMIT ?1")?;
    let rows = stmt.query_map([limit as i64], |r| {
        let payload: String = r.get(4)?;
        Ok(Entry {
            seq: r.get(0)?,
            time: r.get(1)?,
            actor: r.get(2)?,
            action: r.get(3)?,
            payload: serde_json::from_str(&payload).map(for_display).unwrap_or(serde_json::Value::String(payload)),
            hash: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Compact text for a set of ids in the audit log: "1-500,502,610-612".
pub fn id_ranges(ids: &[i64]) -> String {
    let parts: Vec<String> =
        id_runs(ids).into_iter().map(|(start, end)| if start == end { start.to_string() } else { format!("{start}-{end}") }).collect();
    parts.join(",")
}

/// Sorted ids as runs of consecutive ids: [1, 2, 3, 5] → [(1, 3), (5, 5)].
pub fn id_runs(ids: &[i64]) -> Vec<(i64, i64)> {
    let mut runs: Vec<(i64, i64)> = Vec::new();
    for &id in ids {
        match runs.last_mut() {
            Some((_, end)) if id == *end + 1 => *end = id,
            _ => runs.push((id, id)),
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::store::schema::migrate(&mut c).unwrap();
        c
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let c = db();
        for i in 0..5 {
            append(&c, "test.step", &serde_json::json!({ "i": i })).unwrap();
        }
        assert!(verify_chain(&c).unwrap().is_empty());
        c.execute("UPDATE audit SET payload = '{\"i\":99}' WHERE seq = 3", []).unwrap();
        let p = verify_chain(&c).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].seq, 3);
    }

    #[test]
    fn deleted_entry_is_reported() {
        let c = db();
        for i in 0..4 {
            append(&c, "test.step", &serde_json::json!({ "i": i })).unwrap();
        }
        c.execute("DELETE FROM audit WHERE seq = 2", []).unwrap();
        let p = verify_chain(&c).unwrap();
        assert!(p.iter().any(|p| p.seq == 3 && p.detail.contains("missing")), "{p:?}");
    }
}
