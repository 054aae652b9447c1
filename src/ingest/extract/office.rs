//! Office documents: Word (.docx), spreadsheets (.xlsx/.xls/.xlsb/.ods), OpenDocument text, RTF.
//! (Stub: being written.)

use super::{Extracted, Problem};

pub fn extract_docx(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "Word extraction is not built yet"))
}

pub fn extract_spreadsheet(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "spreadsheet extraction is not built yet"))
}

pub fn extract_odt(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "OpenDocument extraction is not built yet"))
}

pub fn extract_rtf(_bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    Err(Problem::extract("not_implemented", "RTF extraction is not built yet"))
}
