//! What a long request (an ingest or a production) has done so far, and its stop flag, shared
//! between the transport thread that runs it and the requests that poll or cancel it beside the
//! session.

use crate::ingest::IngestProgress;
use crate::produce::ProduceProgress;
use serde::Serialize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use ts_rs::TS;

/// What a long request (an ingest or a production) has done so far, for a progress panel that
/// polls.
#[derive(Debug, Clone, Default, Serialize, TS)]
pub struct ProgressState {
    /// Whether a long request is running now.
    pub running: bool,
    pub method: Option<String>,
    pub progress: Option<WorkProgress>,
}

/// The progress one long request reports, by what it is. Tagged by `kind` with the fields
/// beside it, so an ingest's progress reads as it did before productions had one
/// (`progress.files_done`), and a panel tells the two apart by `kind`, never by guessing.
#[derive(Debug, Clone, Serialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WorkProgress {
    Ingest(IngestProgress),
    Produce(ProduceProgress),
}

/// A shared progress slot: the transport's request thread writes it, a poll reads it.
///
/// It also holds the stop flag of the long request in flight, so that a `cancel_ingest`
/// request can reach a running ingest or production without the session lock it holds. Every
/// long request gets a fresh flag, so a cancel that arrives late never stops the next one.
#[derive(Debug, Clone, Default)]
pub struct ProgressSlot(Arc<Mutex<Slot>>);

#[derive(Debug, Default)]
struct Slot {
    state: ProgressState,
    cancel: Option<Arc<AtomicBool>>,
}

impl ProgressSlot {
    pub fn snapshot(&self) -> ProgressState {
        self.lock().state.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Records the progress the long request in flight reported.
    pub fn report(&self, progress: WorkProgress) {
        self.lock().state.progress = Some(progress);
    }

    /// Marks a long request as started and hands out its stop flag.
    pub fn begin(&self, method: String) -> Arc<AtomicBool> {
        let flag = Arc::new(AtomicBool::new(false));
        let mut slot = self.lock();
        slot.state = ProgressState { running: true, method: Some(method), progress: None };
        slot.cancel = Some(flag.clone());
        flag
    }

    /// Marks the long request in flight as ended; a cancel from now on reaches nothing.
    pub fn end(&self) {
        let mut slot = self.lock();
        slot.state.running = false;
        slot.cancel = None;
    }

    /// Asks the long request in flight to stop. True when one was running; false when there
    /// was nothing to cancel (it had already finished, or had not yet started).
    pub fn request_cancel(&self) -> bool {
        match &self.lock().cancel {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_reaches_only_the_long_request_in_flight() {
        let slot = ProgressSlot::default();
        // Nothing running: nothing to cancel, and no flag is left set for the next ingest.
        assert!(!slot.request_cancel());
        let flag = slot.begin("ingest".into());
        assert!(!flag.load(Ordering::Relaxed));
        assert!(slot.snapshot().running);
        assert!(slot.request_cancel());
        assert!(flag.load(Ordering::Relaxed));
        slot.end();
        assert!(!slot.request_cancel());
        assert!(!slot.begin("ingest".into()).load(Ordering::Relaxed), "a new request starts un-cancelled");
    }
}
