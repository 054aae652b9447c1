//! The request/response surface every transport speaks.
//!
//! Every method is declared once, in [`methods`]; the rest is derived from that list. The
//! desktop shell's one `rpc` command and the HTTP server's `POST /api/rpc` both decode a
//! [`Request`] ([`Request::from_json`]), hand it to the [`router::Router`], and encode the JSON
//! answer or an [`ApiError`] (`{code, message}`). Nothing here knows which transport it is
//! behind. Rust callers (the CLI) call the typed [`SessionMethods`] on a [`Session`] directly,
//! and so get the very answer a transport sends.

use crate::error::Error;
pub use crate::error::ErrorCode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod answers;
pub mod bindings;
pub mod methods;
pub mod params;
pub mod paths;
pub mod responses;
pub mod router;
pub mod session;

pub use methods::{BesideMethods, Flag, Method, Place, Request, SessionMethods, ViewerMethods};
pub use router::Router;
pub use session::{Session, Work};

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

/// Why a redacted view answers no hit offsets (the same whatever the query, so the refusal
/// itself confirms nothing).
pub const REDACTED_NO_HITS: &str =
    "hit offsets are not given in the redacted view (they could confirm a redacted value): search the redacted set with `search --redacted`, or look at the unredacted item";
