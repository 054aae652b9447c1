//! The request/response surface every transport speaks.
//!
//! Every method is declared once, in [`methods`]; the rest is derived from that list. The
//! desktop shell's one `rpc` command and the HTTP server's `POST /api/rpc` both decode a
//! [`Request`] ([`Request::from_json`]), hand it to the [`router::Router`], and encode the JSON
//! answer or an [`ApiError`] (`{code, message}`). Nothing here knows which transport it is
//! behind. Rust callers (the CLI) call the typed [`SessionMethods`] on a [`Session`] directly,
//! and so get the very answer a transport sends.

pub use crate::error::ErrorCode;

pub mod answers;
pub mod bindings;
mod error;
pub mod methods;
mod named_paths;
pub mod params;
pub mod paths;
pub mod responses;
pub mod router;
pub mod session;

pub use answers::REDACTED_NO_HITS;
pub use error::ApiError;
pub use methods::{BesideMethods, Flag, Method, Place, Request, SessionMethods, ViewerMethods};
pub use router::Router;
pub use session::{Session, Work};
