//! The ingest lock: `MATTER/ingest.lock`, held (an OS file lock) by whichever process is
//! ingesting into the matter.
//!
//! A batch row says `running` from its start to its end; if the process dies in between the
//! row would say so forever. The lock tells the two cases apart: the operating system releases
//! it when its holder dies, so a `running` batch whose lock is free was interrupted, and is
//! marked so by the next open (see `Store::open`) or ingest. It also keeps two
//! ingests from writing into one matter at once.

use crate::error::{Error, Result};
use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

const LOCK_FILE: &str = "ingest.lock";
/// How long [`IngestLock::acquire`] waits for a lock that looks held before saying it is.
const PATIENCE: std::time::Duration = std::time::Duration::from_secs(2);

/// Held while an ingest runs; released on drop (and by the OS if the process dies).
#[derive(Debug)]
pub struct IngestLock {
    _file: File,
}

impl IngestLock {
    /// Takes the lock, or says that another ingest holds it.
    ///
    /// A lock that is busy is asked again for up to [`PATIENCE`]: a process this one has just
    /// started (an extraction worker, a CLI run) shares the lock's open file until it has
    /// replaced itself with its program, so a lock released a moment ago can still look held.
    pub fn acquire(matter_dir: &Path) -> Result<IngestLock> {
        let until = std::time::Instant::now() + PATIENCE;
        loop {
            match Self::try_acquire(matter_dir)? {
                Some(lock) => return Ok(lock),
                None if std::time::Instant::now() < until => std::thread::sleep(std::time::Duration::from_millis(25)),
                None => break,
            }
        }
        Err(Error::Busy(format!(
            "another ingest is running in the matter at {}: wait for it to finish (or cancel it), then ingest again",
            matter_dir.display()
        )))
    }

    /// Takes the lock if no one holds it.
    pub fn try_acquire(matter_dir: &Path) -> Result<Option<IngestLock>> {
        let path = matter_dir.join(LOCK_FILE);
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::Write { path: path.clone(), source: e })?;
        match file.try_lock() {
            Ok(()) => Ok(Some(IngestLock { _file: file })),
            Err(TryLockError::WouldBlock) => Ok(None),
            Err(TryLockError::Error(e)) => Err(Error::Write { path, source: e }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_holder_at_a_time_and_released_on_drop() {
        let tmp = tempfile::tempdir().unwrap();
        let held = IngestLock::acquire(tmp.path()).unwrap();
        assert!(IngestLock::try_acquire(tmp.path()).unwrap().is_none());
        let err = IngestLock::acquire(tmp.path()).unwrap_err();
        assert!(err.to_string().contains("another ingest is running"), "{err}");
        drop(held);
        assert!(IngestLock::try_acquire(tmp.path()).unwrap().is_some());
    }
}
