//! The error every method answers with as it crosses a transport: a stable [`ErrorCode`] (with
//! its HTTP status) and a message that says what to do.

use crate::error::{Error, ErrorCode};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error as it crosses a transport.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq, TS)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { code, message: message.into() }
    }

    /// The HTTP status this error is answered with.
    pub fn http_status(&self) -> u16 {
        self.code.http_status()
    }
}

impl From<Error> for ApiError {
    fn from(e: Error) -> Self {
        ApiError { code: e.code(), message: e.to_string() }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({})", self.message, self.code)
    }
}

impl std::error::Error for ApiError {}
