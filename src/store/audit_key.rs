//! The matter's audit key: every audit entry carries an HMAC-SHA256 of its hash under a key
//! kept *outside* the matter folder, so someone holding only the folder cannot rewrite the log
//! and recompute it into a chain that still verifies.
//!
//! The key lives in the user's configuration directory (`$EXHIBIT_KEY_DIR`, else
//! `$XDG_CONFIG_HOME/exhibit/audit-keys`, else `~/.config/exhibit/audit-keys`), in
//! `<matter id>.key` (mode 0600, directory 0700), as JSON: the key and the first entry it
//! authenticates. It is made on the first audited change of a matter whose log carries no
//! authenticated entry yet (a new matter, or one made before entries were authenticated).
//! A matter opened on a machine without its key keeps working; its new entries carry no MAC
//! and `verify` says so. The key dir also holds a copy of the head (see [`super::audit_head`]).

use crate::error::{Error, Result};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// Where audit keys live (see the module doc), or `None` when no directory can be named.
pub fn key_dir() -> Option<PathBuf> {
    let var = |k: &str| std::env::var_os(k).filter(|v| !v.is_empty()).map(PathBuf::from);
    if let Some(d) = var("EXHIBIT_KEY_DIR") {
        return Some(d);
    }
    let base = var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config"))).or_else(|| var("APPDATA"))?;
    Some(base.join("exhibit").join("audit-keys"))
}

/// A matter's key as loaded (or the reason it is not available).
#[derive(Clone, Debug)]
pub struct KeyState {
    pub matter_id: String,
    /// The key file's path (whether or not it exists).
    pub path: Option<PathBuf>,
    pub key: Option<[u8; 32]>,
    /// The first entry the key authenticates: every entry from it on must carry a valid MAC.
    pub from_entry: i64,
    /// Why there is no key, in words for the user.
    pub missing: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct KeyFile {
    matter_id: String,
    key: String,
    from_entry: i64,
}

/// The matter's id (`meta.matter_id`, set by migration 10).
pub fn matter_id(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row("SELECT value FROM meta WHERE key = 'matter_id'", [], |r| r.get(0)).optional()?)
}

fn registry() -> &'static Mutex<HashMap<String, KeyState>> {
    static KEYS: OnceLock<Mutex<HashMap<String, KeyState>>> = OnceLock::new();
    KEYS.get_or_init(Default::default)
}

/// The key for `conn`'s matter, loading it (or making it, when `next_seq` is given and the log
/// has no authenticated entry yet) on first use in this process. `None` for an in-memory
/// database or a matter without an id.
pub(crate) fn for_conn(conn: &Connection, next_seq: Option<i64>) -> Result<Option<KeyState>> {
    let Some(db) = conn.path().filter(|p| !p.is_empty()).map(str::to_string) else { return Ok(None) };
    if let Some(k) = registry().lock().expect("key registry").get(&db) {
        if k.key.is_some() || next_seq.is_none() {
            return Ok(Some(k.clone()));
        }
    }
    let Some(id) = matter_id(conn)? else { return Ok(None) };
    let state = load(conn, &id, next_seq)?;
    registry().lock().expect("key registry").insert(db, state.clone());
    Ok(Some(state))
}

fn load(conn: &Connection, id: &str, next_seq: Option<i64>) -> Result<KeyState> {
    let mut state = KeyState { matter_id: id.to_string(), path: None, key: None, from_entry: i64::MAX, missing: None };
    let Some(dir) = key_dir() else {
        state.missing = Some("no configuration directory is known (set EXHIBIT_KEY_DIR or HOME)".into());
        return Ok(state);
    };
    let path = dir.join(format!("{id}.key"));
    state.path = Some(path.clone());
    match read_key(&path) {
        Ok(Some((key, from))) => {
            state.key = Some(key);
            state.from_entry = from;
            return Ok(state);
        }
        Ok(None) => {}
        Err(why) => {
            state.missing = Some(why);
            return Ok(state);
        }
    }
    let authenticated: i64 = conn.query_row("SELECT COUNT(*) FROM audit WHERE mac IS NOT NULL", [], |r| r.get(0))?;
    match next_seq {
        Some(next) if authenticated == 0 => match create(&dir, &path, id, next) {
            Ok(key) => {
                state.key = Some(key);
                state.from_entry = next;
            }
            Err(e) => state.missing = Some(format!("the key could not be made ({e})")),
        },
        _ if authenticated > 0 => {
            state.missing = Some(format!(
                "this machine does not hold the matter's audit key ({}); copy it from the machine the matter was made on",
                path.display()
            ))
        }
        _ => state.missing = Some("no entry has been authenticated yet".into()),
    }
    Ok(state)
}

fn read_key(path: &Path) -> std::result::Result<Option<([u8; 32], i64)>, String> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("the audit key {} cannot be read ({e})", path.display())),
    };
    let bad = || format!("the audit key {} is damaged", path.display());
    let f: KeyFile = serde_json::from_str(&text).map_err(|_| bad())?;
    let bytes = hex::decode(f.key.trim()).map_err(|_| bad())?;
    let key: [u8; 32] = bytes.try_into().map_err(|_| bad())?;
    Ok(Some((key, f.from_entry)))
}

fn create(dir: &Path, path: &Path, id: &str, from_entry: i64) -> Result<[u8; 32]> {
    let werr = |e| Error::Write { path: path.to_path_buf(), source: e };
    std::fs::create_dir_all(dir).map_err(|e| Error::Write { path: dir.to_path_buf(), source: e })?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
    }
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| Error::Io(std::io::Error::other(format!("no randomness for the audit key: {e}"))))?;
    let body = serde_json::to_string(&KeyFile { matter_id: id.into(), key: hex::encode(key), from_entry })?;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(mut f) => {
            use std::io::Write;
            f.write_all(body.as_bytes()).map_err(werr)?;
            f.sync_all().map_err(werr)?;
            Ok(key)
        }
        // Another process made it first: use theirs.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => match read_key(path) {
            Ok(Some((k, _))) => Ok(k),
            _ => Err(werr(e)),
        },
        Err(e) => Err(werr(e)),
    }
}

/// HMAC-SHA256 (RFC 2104).
pub fn hmac_sha256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let (mut ipad, mut opad) = ([0x36u8; 64], [0x5cu8; 64]);
    for i in 0..64 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(msg).finalize();
    Sha256::new().chain_update(opad).chain_update(inner).finalize().into()
}

/// An entry's MAC: over its hash, which covers the entry and, through the chain, all before it.
pub fn entry_mac(key: &[u8; 32], hash: &str) -> String {
    let mut msg = b"exhibit audit entry v1\n".to_vec();
    msg.extend_from_slice(hash.as_bytes());
    hex::encode(hmac_sha256(key, &msg))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2.
        assert_eq!(
            hex::encode(hmac_sha256(b"Jefe", b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Test case 6: a key longer than the block.
        assert_eq!(
            hex::encode(hmac_sha256(&[0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }
}
