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
        let len = input.metadata().map_err(read_err)?.len();
        let (sha, size, out) = match direct::copy(&mut input, len, src, &tmp)? {
            Some(copied) => copied,
            None => copy_buffered(&mut input, src, &tmp)?,
        };
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

/// Copies `input` into a new file at `tmp` through the page cache, hashing it on the way.
fn copy_buffered(input: &mut File, src: &Path, tmp: &Path) -> Result<(String, u64, File)> {
    let mut out = File::create(tmp).map_err(|e| Error::Write { path: tmp.to_path_buf(), source: e })?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut size = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(|e| Error::Read { path: src.to_path_buf(), source: e })?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| Error::Write { path: tmp.to_path_buf(), source: e })?;
        size += n as u64;
    }
    Ok((hex::encode(h.finalize()), size, out))
}

/// Large originals (multi-gigabyte model logs, mailboxes) are copied with direct I/O: the
/// copy goes from our buffer to the disk without passing through the page cache. Buffered, the
/// kernel's copy into freshly allocated cache pages was most of the time a 2 GB log took to
/// store (about 4 of 6 seconds), and it evicted what the import was about to read. Hashing
/// runs on this thread while a second one writes.
#[cfg(target_os = "linux")]
mod direct {
    use super::{Error, Result, Sha256};
    use sha2::Digest;
    use std::fs::File;
    use std::io::{Read, Seek, Write};
    use std::os::unix::fs::OpenOptionsExt;
    use std::path::Path;

    /// Files from this size on are copied with direct I/O (tests take it for any file).
    const MIN: u64 = if cfg!(test) { 1 } else { 64 << 20 };
    /// Direct I/O needs buffers, lengths and offsets aligned to the device's blocks; 4 KiB
    /// covers every block size in use.
    const ALIGN: usize = 4096;
    pub(super) const CHUNK: usize = 4 << 20;

    /// A buffer aligned for direct I/O.
    struct Aligned {
        ptr: std::ptr::NonNull<u8>,
    }

    // SAFETY: the buffer is owned memory, moved between threads whole, never shared.
    unsafe impl Send for Aligned {}

    impl Aligned {
        fn layout() -> std::alloc::Layout {
            std::alloc::Layout::from_size_align(CHUNK, ALIGN).expect("valid layout")
        }

        fn new() -> Aligned {
            // SAFETY: the layout has a non-zero size; zeroed, so every byte is initialized.
            let ptr = unsafe { std::alloc::alloc_zeroed(Self::layout()) };
            Aligned { ptr: std::ptr::NonNull::new(ptr).unwrap_or_else(|| std::alloc::handle_alloc_error(Self::layout())) }
        }

        fn bytes(&mut self) -> &mut [u8] {
            // SAFETY: `ptr` points to CHUNK initialized bytes that this value owns.
            unsafe { std::slice::from_raw_parts_mut(self.ptr.as_ptr(), CHUNK) }
        }
    }

    impl Drop for Aligned {
        fn drop(&mut self) {
            // SAFETY: allocated in `new` with this layout.
            unsafe { std::alloc::dealloc(self.ptr.as_ptr(), Self::layout()) }
        }
    }

    /// Copies `input` (`len` bytes) into a new file at `tmp` with direct I/O, hashing it on the
    /// way: the hash, the size and the file to commit. `None`, with `input` still at its start
    /// and nothing at `tmp`, when the file is small or the file system does not take direct
    /// I/O (tmpfs refuses the open; some file systems accept it and refuse the writes): then
    /// the caller copies through the cache.
    pub(super) fn copy(input: &mut File, len: u64, src: &Path, tmp: &Path) -> Result<Option<(String, u64, File)>> {
        if len < MIN {
            return Ok(None);
        }
        let Ok(out) = std::fs::OpenOptions::new().write(true).create_new(true).custom_flags(libc::O_DIRECT).open(tmp) else {
            return Ok(None);
        };
        match copy_to(input, out, src, tmp) {
            Err(Error::Write { source, .. }) if source.kind() == std::io::ErrorKind::InvalidInput => {
                let _ = std::fs::remove_file(tmp);
                input.seek(std::io::SeekFrom::Start(0)).map_err(|e| Error::Read { path: src.to_path_buf(), source: e })?;
                Ok(None)
            }
            copied => copied.map(Some),
        }
    }

    fn copy_to(input: &mut File, out: File, src: &Path, tmp: &Path) -> Result<(String, u64, File)> {
        let read_err = |e| Error::Read { path: src.to_path_buf(), source: e };
        let write_err = |e| Error::Write { path: tmp.to_path_buf(), source: e };
        let (full_tx, full_rx) = std::sync::mpsc::sync_channel::<(Aligned, usize)>(2);
        let (empty_tx, empty_rx) = std::sync::mpsc::sync_channel::<Aligned>(3);
        for _ in 0..3 {
            empty_tx.send(Aligned::new()).expect("the receiver is here");
        }
        std::thread::scope(|s| {
            let writer = s.spawn(move || -> std::io::Result<File> {
                let mut out = out;
                let mut size = 0u64;
                for (mut buf, n) in full_rx {
                    // Only the last chunk may be short: it is written padded to a whole block
                    // and the file cut back to its size.
                    let padded = n.next_multiple_of(ALIGN);
                    buf.bytes()[n..padded].fill(0);
                    out.write_all(&buf.bytes()[..padded])?;
                    size += n as u64;
                    if empty_tx.send(buf).is_err() {
                        break;
                    }
                }
                out.set_len(size)?;
                Ok(out)
            });
            let mut h = Sha256::new();
            let mut size = 0u64;
            let read = (|| -> Result<()> {
                for mut buf in empty_rx.iter() {
                    let bytes = buf.bytes();
                    let mut n = 0;
                    while n < CHUNK {
                        match input.read(&mut bytes[n..]) {
                            Ok(0) => break,
                            Ok(k) => n += k,
                            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                            Err(e) => return Err(read_err(e)),
                        }
                    }
                    h.update(&bytes[..n]);
                    size += n as u64;
                    // A send fails only when the writer stopped on an error, reported below.
                    if n == 0 || full_tx.send((buf, n)).is_err() || n < CHUNK {
                        break;
                    }
                }
                Ok(())
            })();
            drop(full_tx);
            let out = writer.join().map_err(|_| Error::Internal("the blob writer thread panicked".into()))?.map_err(write_err)?;
            read?;
            Ok((hex::encode(h.finalize()), size, out))
        })
    }
}

#[cfg(not(target_os = "linux"))]
mod direct {
    /// Direct I/O is only used on Linux; elsewhere every copy goes through the cache.
    pub(super) fn copy(
        _: &mut std::fs::File,
        _: u64,
        _: &std::path::Path,
        _: &std::path::Path,
    ) -> super::Result<Option<(String, u64, std::fs::File)>> {
        Ok(None)
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

    /// Streamed files (copied with direct I/O where the file system takes it) are stored
    /// whole, whatever their size against the blocks and chunks the copy works in.
    #[test]
    fn put_file_stores_every_size_whole() {
        let dir = tempfile::tempdir().unwrap();
        let store = BlobStore::new(dir.path().join("blobs"));
        #[cfg(target_os = "linux")]
        let chunk = direct::CHUNK;
        #[cfg(not(target_os = "linux"))]
        let chunk = 1 << 20;
        for len in [0, 1, 4095, 4096, 4097, chunk - 1, chunk, 2 * chunk + 12_345] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 31 % 251) as u8).collect();
            let src = dir.path().join(format!("f{len}"));
            fs::write(&src, &bytes).unwrap();
            let (sha, size) = store.put_file(&src).unwrap();
            assert_eq!((sha.as_str(), size), (sha256_hex(&bytes).as_str(), len as u64), "{len} bytes");
            assert_eq!(store.read(&sha).unwrap(), bytes, "{len} bytes");
        }
        assert_eq!(fs::read_dir(dir.path().join("blobs/tmp")).unwrap().count(), 0, "no temporary file is left");
    }
}
