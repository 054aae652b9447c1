//! Office documents: Word (.docx), spreadsheets (.xlsx/.xls/.xlsb/.ods), OpenDocument text, RTF.
//!
//! Everything a reviewer could be asked about is text here, not just the body: headers and
//! footers, footnotes and endnotes, comments, and text deleted under track changes (each after
//! the body under a bracketed label such as `[Comments]`). Metadata (title, author, created and
//! modified dates, last modified by, company, ...) comes from the package properties.

mod common;
mod docx;
mod odt;
mod rtf;
mod sheets;

pub use docx::extract_docx;
pub use odt::extract_odt;
pub use rtf::extract_rtf;
pub use sheets::extract_spreadsheet;

#[cfg(test)]
use common::*;
#[cfg(test)]
use std::io::Cursor;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    pub(super) fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, body) in files {
            // ODF wants its mimetype first and uncompressed (type detection reads it there).
            let opts = if *name == "mimetype" { opts.compression_method(zip::CompressionMethod::Stored) } else { opts };
            w.start_file(*name, opts).unwrap();
            w.write_all(body.as_bytes()).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    pub(super) const W: &str = r#"xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006""#;

    #[test]
    fn office_problems_in_plain_words() {
        let mut ole = OLE_MAGIC.to_vec();
        ole.extend(vec![0u8; 512]);
        ole.extend("EncryptedPackage".encode_utf16().flat_map(|u| u.to_le_bytes()));
        assert_eq!(extract_docx(&ole, "x.docx").unwrap_err().code, "office_encrypted");
        assert_eq!(extract_spreadsheet(&ole, "x.xlsx").unwrap_err().code, "office_encrypted");
        assert_eq!(extract_docx(b"PK\x03\x04garbage", "x.docx").unwrap_err().code, "office_damaged");
        let no_doc = zip_of(&[("word/other.xml", "<x/>")]);
        assert_eq!(extract_docx(&no_doc, "x.docx").unwrap_err().code, "office_damaged");
        assert_eq!(extract_spreadsheet(b"PK\x03\x04xl/workbook.xml", "x.xlsx").unwrap_err().code, "office_damaged");
        // Truncated XML: the text before the damage is kept, with a warning.
        let cut =
            zip_of(&[("word/document.xml", &format!("<w:document {W}><w:body><w:p><w:r><w:t>kept</w:t></w:r></w:p><w:p><w:r><w:t>al"))]);
        let ex = extract_docx(&cut, "x.docx").unwrap();
        assert!(ex.text.unwrap().starts_with("kept"));
    }
}
