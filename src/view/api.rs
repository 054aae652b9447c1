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
}

pub fn handle(viewer: &Viewer, req: ViewRequest) -> Result<Value, ApiError> {
    match req {
        ViewRequest::ItemBody { id } => {
            let body = viewer.body(&id)?;
            Ok(serde_json::to_value(body).map_err(crate::Error::from)?)
        }
    }
}
