//! HTML to text. (Stub: being written.)

use super::{Extracted, Problem};

pub fn extract(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "HTML extraction is not built yet"))
}

/// Visible text of an HTML fragment or document: no script, style or hidden content; links
/// and images never fetched. Used for HTML email bodies too.
pub fn html_to_text(html: &str) -> String {
    html.to_string()
}
