//! Model calls in the matter: AI-model API logs imported as `model_call` items, analyzed for
//! distillation, and turned into evidence.
//!
//! A log file is kept as an original (a `model_log` item); each call in it becomes an item of
//! its own whose text is the prompt and the completion (searchable, taggable, redactable), with
//! account, key, user, ip, model and token fields queryable (`account:`, `model:`, `date:`).
//! The call's record as logged is kept verbatim in `model_call.call_json` (compressed: see
//! [`crate::store::call_record`]); its SHA-256 is the item's hash, so `verify` can prove it unchanged. Logs are
//! streamed, never loaded whole.

mod analysis;
mod import;
mod known_roots;
mod prepare;
#[cfg(test)]
mod tests;

pub(crate) use analysis::group_column;
pub use analysis::{report_csv, GroupCall};
pub use import::{detect, may_be_log, pair_batches, LogImport};
