//! Model API logs: import every common log format into [`ModelCall`]s, and find distillation
//! campaigns in them (see docs/model-log-format.md and the design note on model logs).
//!
//! Pure library code: no database, no index. The matter layer turns calls into `model_call`
//! items; `analyze` works on [`CallSummary`]s so a million calls fit in memory.

pub mod analyze;
pub mod call;
pub mod detect;
pub mod formats;
pub mod generate;
pub mod util;

pub use analyze::{analyze, overlap, AnalyzeOptions, CallSummary, GroupBy, Overlap, Report};
pub use call::{LineError, Message, ModelCall, Params};
pub use detect::{import_path, sniff, Detection};
pub use formats::{import_batch, import_stream, CsvMapping, Format};
