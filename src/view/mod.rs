//! Read-only helpers the review UI needs beyond the core API: safe views of untrusted content.
//!
//! * [`sanitize`]: untrusted HTML cleaned so nothing in it can run or load;
//! * [`viewer`]: an item's original bytes, sanitized body and PDF page images, by item id;
//! * [`render`]: PDF pages rasterized to PNG;
//! * [`progress`]: the progress and stop flag of the long request in flight.
//!
//! Nothing here routes requests (that is [`crate::api`]'s job): this module does not import
//! the API.

pub mod progress;
pub mod render;
pub mod sanitize;
pub mod viewer;

pub use progress::{ProgressSlot, ProgressState, WorkProgress};
pub use render::render_pdf_page;
pub use sanitize::{sanitize_html, SafeHtml};
pub use viewer::{ItemBody, Viewer, ViewerHandle};
