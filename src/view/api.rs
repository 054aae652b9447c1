//! Requests the review UI adds to the core API (`{"method": ..., "params": ...}` like
//! [`crate::api::Request`]). Kept apart so the core enum can grow in parallel without conflicts.

use super::Viewer;
use crate::api::ApiError;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use ts_rs::TS;

#[derive(Debug, Clone, Deserialize, Serialize, TS)]
#[serde(tag = "method", content = "params", rename_all = "snake_case")]
pub enum ViewRequest {
    /// The sanitized HTML body (if any) and page count of an item.
    ItemBody { id: String },
    /// What the long request in flight has done so far. Answered beside the session by
    /// [`super::ProgressSlot::answer_beside`], since the request it reports on holds the session.
    IngestProgress,
    /// Asks the running ingest to stop (it keeps what it committed). Answered beside the session
    /// like `ingest_progress`.
    CancelIngest,
}

/// `cancel_ingest`: whether there was an ingest to stop.
#[derive(Debug, Clone, Serialize, TS)]
pub struct CancelAnswer {
    pub cancelling: bool,
}

pub fn handle(viewer: &Viewer, req: ViewRequest) -> Result<Value, ApiError> {
    match req {
        ViewRequest::ItemBody { id } => {
            let body = viewer.body(&id)?;
            Ok(serde_json::to_value(body).map_err(crate::Error::from)?)
        }
        // Transports answer these from their ProgressSlot before they reach the router.
        ViewRequest::IngestProgress | ViewRequest::CancelIngest => Err(ApiError {
            code: "internal".into(),
            message: "progress and cancel are answered by the transport beside the session; this transport did not".into(),
        }),
    }
}
