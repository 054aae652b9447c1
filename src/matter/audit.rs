//! The audit log: append-only and hash-chained.
//!
//! Every state change calls [`append`] inside the transaction that makes the change, so the
//! log and the data can never disagree. Each entry's hash covers the previous entry's hash and
//! the entry itself (`sha256(prev_hash ‖ "\n" ‖ seq ‖ "\n" ‖ time ‖ "\n" ‖ actor ‖ "\n" ‖
//! action ‖ "\n" ‖ payload)`), so editing, deleting or reordering any entry breaks the chain
//! from that point on, which [`verify_chain`] reports.

use crate::error::Result;
use rusqlite::{params, Connection, OptionalExtension};
use serde::Serialize;
use sha2::{Digest, Sha256};
use ts_rs::TS;

/// The hash that precedes the first entry.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who is acting: `EXHIBIT_USER`, else the login name.
pub fn actor() -> String {
    std::env::var("EXHIBIT_USER")
        .or_else(|_| std::env::var("USER"))
        .unwrap_or_else(|_| "unknown".into())
}

/// Appends one entry. Call it on the transaction that makes the change.
pub fn append(conn: &Connection, action: &str, payload: &serde_json::Value) -> Result<i64> {
    let (prev_seq, prev_hash): (i64, String) = conn
        .query_row("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?
        .unwrap_or((0, GENESIS.to_string()));
    let seq = prev_seq + 1;
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true);
    let actor = actor();
    // serde_json's Value keeps object keys sorted, so this text is canonical.
    let payload = serde_json::to_string(payload)?;
    let hash = entry_hash(&prev_hash, seq, &time, &actor, action, &payload);
    conn.execute(
        "INSERT INTO audit (seq, time, actor, action, payload, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![seq, time, actor, action, payload, prev_hash, hash],
    )?;
    Ok(seq)
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
            payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::String(payload)),
            hash: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let mut c = Connection::open_in_memory().unwrap();
        crate::matter::schema::migrate(&mut c).unwrap();
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
