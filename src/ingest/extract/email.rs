//! Email: RFC 5322 messages, mboxes and Outlook .msg. (Stub: being written.)

use super::{Extracted, Problem};

pub fn extract(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "email extraction is not built yet"))
}

pub fn extract_mbox(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "mbox extraction is not built yet"))
}

pub fn extract_msg(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "Outlook .msg extraction is not built yet"))
}
