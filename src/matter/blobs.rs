//! The content-addressed store of originals.
//!
//! A blob's file name is the SHA-256 of its bytes (`blobs/ab/abcd…`: one level of 256
//! folders keeps a million originals at ~4,000 per folder, and creating a folder per blob,
//! as a second level would early on, costs more than the blob itself on ext4). Blobs are written to
//! a temporary file, synced, and renamed into place, so a crash never leaves a half-written
//! blob under a real name; they are made read-only and never written again. Several processes
//! (the ingest workers) may store the same blob at once: the rename makes that harmless.

use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct BlobStore {
    root: PathBuf,
}

impl BlobStore {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BlobStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the blob with this hash lives (whether or not it exists).
    pub fn path(&self, sha256: &str) -> PathBuf {
        self.root.join(&sha256[0..2]).join(sha256)
    }

    pub fn contains(&self, sha256: &str) -> bool {
        self.path(sha256).exists()
    }

    /// Stores `bytes` and returns their SHA-256 (hex).
    ///
    /// The temporary file is written in the blob's own fan-out folder and renamed within it:
    /// a rename inside one directory locks only that directory, so parallel workers do not
    /// serialize on a shared temp folder (they did, measurably, on ext4).
    pub fn put(&self, bytes: &[u8]) -> Result<String> {
        let sha = sha256_hex(bytes);
        let dest = self.path(&sha);
        if dest.exists() {
            return Ok(sha);
        }
        let dir = dest.parent().expect("blob paths have a parent");
        let werr = |p: &Path, e| Error::Write { path: p.to_path_buf(), source: e };
        if !dir.is_dir() {
            fs::create_dir_all(dir).map_err(|e| werr(dir, e))?;
        }
        let tmp = dir.join(format!(".{}.exhibit-tmp", unique_suffix()));
        let mut f = File::create(&tmp).map_err(|e| werr(&tmp, e))?;
        f.write_all(bytes).map_err(|e| werr(&tmp, e))?;
        self.commit_tmp(f, &tmp, &sha)?;
        Ok(sha)
    }

    /// Stores a file by streaming it (for originals too large to hold in memory); returns its
    /// SHA-256 and size.
    pub fn put_file(&self, src: &Path) -> Result<(String, u64)> {
        let tmp = self.tmp_path();
        fs::create_dir_all(tmp.parent().unwrap()).map_err(|e| Error::Write { path: tmp.clone(), source: e })?;
        let read_err = |e| Error::Read { path: src.to_path_buf(), source: e };
        let mut input = File::open(src).map_err(read_err)?;
        let mut out = File::create(&tmp).map_err(|e| Error::Write { path: tmp.clone(), source: e })?;
        let mut h = Sha256::new();
        let mut buf = vec![0u8; 1 << 20];
        let mut size = 0u64;
        loop {
            let n = input.read(&mut buf).map_err(read_err)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
            out.write_all(&buf[..n]).map_err(|e| Error::Write { path: tmp.clone(), source: e })?;
            size += n as u64;
        }
        let sha = hex::encode(h.finalize());
        self.commit_tmp(out, &tmp, &sha)?;
        Ok((sha, size))
    }

    pub fn read(&self, sha256: &str) -> Result<Vec<u8>> {
        let p = self.path(sha256);
        fs::read(&p).map_err(|e| Error::Read { path: p, source: e })
    }

    /// Re-hashes a stored blob: `Ok(true)` when its bytes still match its name.
    pub fn check(&self, sha256: &str) -> Result<bool> {
        let p = self.path(sha256);
        let mut f = File::open(&p).map_err(|e| Error::Read { path: p.clone(), source: e })?;
        let mut h = Sha256::new();
        std::io::copy(&mut f, &mut h).map_err(|e| Error::Read { path: p, source: e })?;
        Ok(hex::encode(h.finalize()) == sha256)
    }

    fn tmp_path(&self) -> PathBuf {
        self.root.join("tmp").join(format!("{}.exhibit-tmp", unique_suffix()))
    }

    /// Flushes every blob written so far to disk. Writers do not sync blob by blob (that
    /// costs a disk flush per file); the single database writer calls this once before each
    /// transaction that references new blobs, so a committed row never names a blob that a
    /// power cut could lose.
    pub fn sync(&self) -> Result<()> {
        let f = File::open(&self.root).map_err(|e| Error::Write { path: self.root.clone(), source: e })?;
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            // SAFETY: syncfs only reads the descriptor, which stays open for the call.
            if unsafe { libc::syncfs(f.as_raw_fd()) } != 0 {
                return Err(Error::Write { path: self.root.clone(), source: std::io::Error::last_os_error() });
            }
        }
        #[cfg(not(target_os = "linux"))]
        f.sync_all().map_err(|e| Error::Write { path: self.root.clone(), source: e })?;
        Ok(())
    }

    fn commit_tmp(&self, f: File, tmp: &Path, sha: &str) -> Result<()> {
        let werr = |p: &Path, e| Error::Write { path: p.to_path_buf(), source: e };
        drop(f);
        let dest = self.path(sha);
        if dest.exists() {
            let _ = fs::remove_file(tmp);
            return Ok(());
        }
        let dir = dest.parent().expect("blob paths have a parent");
        if !dir.is_dir() {
            fs::create_dir_all(dir).map_err(|e| werr(&dest, e))?;
        }
        let mut perm = fs::metadata(tmp).map_err(|e| werr(tmp, e))?.permissions();
        perm.set_readonly(true);
        fs::set_permissions(tmp, perm).map_err(|e| werr(tmp, e))?;
        fs::rename(tmp, &dest).map_err(|e| werr(&dest, e))?;
        Ok(())
    }
}

/// A name no other writer (thread or process) uses at the same time.
fn unique_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    format!("{}-{nanos}-{n}", std::process::id())
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn put_is_content_addressed_idempotent_and_readonly() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path());
        let a = store.put(b"hello").unwrap();
        assert_eq!(a, "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assert_eq!(store.put(b"hello").unwrap(), a);
        assert!(store.check(&a).unwrap());
        assert!(fs::metadata(store.path(&a)).unwrap().permissions().readonly());
        let src = dir.path().join("f");
        fs::write(&src, b"hello").unwrap();
        assert_eq!(store.put_file(&src).unwrap(), (a, 5));
    }
}
