//! PDF text extraction. (Stub: being written.)

use super::{Extracted, Problem};

pub fn extract(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "PDF extraction is not built yet"))
}
