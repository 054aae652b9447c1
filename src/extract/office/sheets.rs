//! Spreadsheets (.xlsx/.xls/.xlsb/.ods) through calamine, one sheet after another, hidden sheets named.

use super::common::*;
use super::odt::odf_meta;
use crate::extract::{Extracted, Problem};
use std::io::Cursor;

/// Streams one sheet's cells into `out` (a macro, not a function: xlsx and xlsb readers are
/// different types whose cells borrow the reader).
macro_rules! cells_into {
    ($wb:expr, $sheet:expr, $out:expr) => {
        match $wb.worksheet_cells_reader(&$sheet.name) {
            Ok(mut r) => loop {
                match r.next_cell() {
                    Ok(Some(c)) => {
                        if !$out.cell(c.get_position(), c.get_value()) {
                            break Ok(());
                        }
                    }
                    Ok(None) => break Ok(()),
                    Err(e) => break Err(e.to_string()),
                }
            },
            Err(e) => Err(e.to_string()),
        }
    };
}

pub fn extract_spreadsheet(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    use calamine::{Ods, Reader, Xls, Xlsb, Xlsx};
    let what = "spreadsheet";
    if is_encrypted_ole(bytes) {
        return Err(encrypted());
    }
    let mut ex = Extracted { extractor: "calamine".into(), ..Default::default() };
    let mut out = Sheets::default();
    let cur = Cursor::new(bytes);
    let is_zip = bytes.starts_with(b"PK");
    let has = |n: &[u8]| bytes.windows(n.len()).any(|w| w == n);
    if bytes.starts_with(&OLE_MAGIC) {
        let mut wb = Xls::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsError::Password)))?;
        read_ranges(&mut wb, &mut out);
    } else if is_zip && has(b"xl/workbook.bin") {
        let mut wb = Xlsb::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsbError::Password)))?;
        let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
        for s in &meta {
            if out.full() {
                break;
            }
            out.begin(s);
            let res = cells_into!(wb, s, out);
            out.end(&s.name, res);
        }
    } else if is_zip && has(b"xl/workbook.xml") {
        let mut wb = Xlsx::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::XlsxError::Password)))?;
        let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
        for s in &meta {
            if out.full() {
                break;
            }
            out.begin(s);
            let res = if s.typ == calamine::SheetType::ChartSheet { Ok(()) } else { cells_into!(wb, s, out) };
            out.end(&s.name, res);
        }
    } else if is_zip {
        let mut wb = Ods::new(cur).map_err(|e| book_error(&e.to_string(), matches!(e, calamine::OdsError::Password)))?;
        read_ranges(&mut wb, &mut out);
    } else {
        return Err(damaged(what, "not an Excel or OpenDocument spreadsheet file"));
    }

    // Package properties (xlsx/xlsb: docProps; ods: meta.xml) and xlsx cell comments.
    if is_zip {
        if let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) {
            let comments = xlsx_comments(&mut zip);
            if !comments.is_empty() && !out.full() {
                out.text.push_str("\n[Cell comments]\n");
                out.text.push_str(&comments.join("\n"));
            }
            if zip.file_names().any(|n| n == "meta.xml") {
                let mut cut = false;
                if let Ok(Some(m)) = read_part(&mut zip, "meta.xml", &mut cut) {
                    odf_meta(&m, &mut ex.meta);
                }
            } else {
                ooxml_meta(&mut zip, &mut ex.meta);
            }
        }
    }
    ex.meta.extra.insert("sheets".into(), serde_json::to_string(&out.names).unwrap_or_default());
    if !out.hidden.is_empty() {
        ex.meta.extra.insert("hidden_sheets".into(), serde_json::to_string(&out.hidden).unwrap_or_default());
    }
    if out.names.is_empty() && !out.errors.is_empty() {
        return Err(damaged(what, &out.errors[0]));
    }
    if out.full() {
        ex.warning = Some(truncated_warning());
    } else if let Some(e) = out.errors.first() {
        ex.warning = Some(Problem::extract("office_partial", format!("some sheets could not be read: {e}")));
    }
    ex.text = Some(out.text.trim_end().to_string());
    Ok(ex)
}

/// Notes attached to cells (xl/comments*.xml), as `Sheet-part A1 (author): text`.
fn xlsx_comments(zip: &mut Zip) -> Vec<String> {
    let mut parts: Vec<String> =
        zip.file_names().filter(|n| n.starts_with("xl/comments") && n.ends_with(".xml")).map(str::to_string).collect();
    parts.sort_by_key(|n| (part_number(n), n.clone()));
    let mut lines = Vec::new();
    for part in parts {
        let mut cut = false;
        let Ok(Some(xml)) = read_part(zip, &part, &mut cut) else { continue };
        let mut authors: Vec<String> = Vec::new();
        let mut in_author = false;
        let mut cur: Option<(String, Option<usize>, String)> = None;
        let _ = walk(&xml, |ev| match ev {
            Ev::Start(e) => match local(e).as_slice() {
                b"author" => {
                    in_author = true;
                    authors.push(String::new());
                }
                b"comment" => {
                    let r = attr(e, b"ref").unwrap_or_default();
                    let a = attr(e, b"authorId").and_then(|a| a.parse().ok());
                    cur = Some((r, a, String::new()));
                }
                _ => {}
            },
            Ev::End(n) => match n {
                b"author" => in_author = false,
                b"comment" => {
                    if let Some((r, a, t)) = cur.take() {
                        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
                        if !t.is_empty() {
                            let who = a.and_then(|a| authors.get(a)).filter(|s| !s.is_empty());
                            lines.push(match who {
                                Some(w) => format!("{r} ({w}): {t}"),
                                None => format!("{r}: {t}"),
                            });
                        }
                    }
                }
                _ => {}
            },
            Ev::Text(t) => {
                if in_author {
                    if let Some(a) = authors.last_mut() {
                        a.push_str(t);
                    }
                } else if let Some((_, _, buf)) = &mut cur {
                    buf.push_str(t);
                }
            }
        });
    }
    lines
}

fn book_error(msg: &str, password: bool) -> Problem {
    if password || msg.to_ascii_lowercase().contains("password") || msg.contains("EncryptedPackage") {
        encrypted()
    } else {
        damaged("spreadsheet", msg)
    }
}

/// Readers that only offer whole ranges (xls, ods): every sheet's used range.
fn read_ranges<R, RS>(wb: &mut R, out: &mut Sheets)
where
    R: calamine::Reader<RS>,
    RS: std::io::Read + std::io::Seek,
    R::Error: std::fmt::Display,
{
    let meta: Vec<calamine::Sheet> = wb.sheets_metadata().to_vec();
    for s in &meta {
        if out.full() {
            break;
        }
        out.begin(s);
        let res = match wb.worksheet_range(&s.name) {
            Ok(range) => {
                let (r0, c0) = range.start().unwrap_or((0, 0));
                'rows: for (i, row) in range.rows().enumerate() {
                    for (j, v) in row.iter().enumerate() {
                        if matches!(v, calamine::Data::Empty) {
                            continue;
                        }
                        let dr = data_ref(v);
                        if !out.cell((r0 + i as u32, c0 + j as u32), &dr) {
                            break 'rows;
                        }
                    }
                }
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        };
        out.end(&s.name, res);
    }
}

fn data_ref(v: &calamine::Data) -> calamine::DataRef<'_> {
    use calamine::{Data, DataRef};
    match v {
        Data::Int(i) => DataRef::Int(*i),
        Data::Float(f) => DataRef::Float(*f),
        Data::String(s) => DataRef::SharedString(s),
        Data::Bool(b) => DataRef::Bool(*b),
        Data::DateTime(d) => DataRef::DateTime(*d),
        Data::DateTimeIso(s) => DataRef::DateTimeIso(s.clone()),
        Data::DurationIso(s) => DataRef::DurationIso(s.clone()),
        Data::Error(e) => DataRef::Error(e.clone()),
        Data::Empty => DataRef::Empty,
    }
}

/// Builds the text of a workbook cell by cell: one "Sheet: NAME" line per sheet, then one
/// line per non-empty row, cells tab-separated in column order.
#[derive(Default)]
struct Sheets {
    text: String,
    names: Vec<String>,
    hidden: Vec<String>,
    errors: Vec<String>,
    row: Option<u32>,
    cells: Vec<(u32, String)>,
}

impl Sheets {
    fn full(&self) -> bool {
        self.text.len() > MAX_TEXT_BYTES
    }

    fn begin(&mut self, s: &calamine::Sheet) {
        self.names.push(s.name.clone());
        if s.visible != calamine::SheetVisible::Visible {
            self.hidden.push(s.name.clone());
        }
        if !self.text.is_empty() {
            self.text.push('\n');
        }
        self.text.push_str("Sheet: ");
        self.text.push_str(&s.name);
        if s.visible != calamine::SheetVisible::Visible {
            self.text.push_str(" (hidden)");
        }
        self.text.push('\n');
        self.row = None;
        self.cells.clear();
    }

    /// Adds one cell; false once the text cap is reached.
    fn cell(&mut self, (r, c): (u32, u32), v: &calamine::DataRef) -> bool {
        if self.row != Some(r) {
            self.flush_row();
            self.row = Some(r);
        }
        let s = format_cell(v);
        if !s.is_empty() {
            self.cells.push((c, s));
        }
        !self.full()
    }

    fn flush_row(&mut self) {
        if self.cells.is_empty() {
            return;
        }
        self.cells.sort_by_key(|(c, _)| *c);
        let first = self.cells[0].0;
        let mut prev = first;
        for (i, (c, s)) in self.cells.iter().enumerate() {
            if i > 0 {
                // Keep empty cells between values as tabs, but not thousands of them.
                let gap = (c - prev).clamp(1, 16);
                for _ in 0..gap {
                    self.text.push('\t');
                }
            }
            // A line break inside a cell would split the row.
            for ch in s.chars() {
                self.text.push(match ch {
                    '\n' | '\r' | '\t' => ' ',
                    ch => ch,
                });
            }
            prev = *c;
        }
        self.text.push('\n');
        self.cells.clear();
    }

    fn end(&mut self, name: &str, res: Result<(), String>) {
        self.flush_row();
        if let Err(e) = res {
            self.errors.push(format!("sheet \"{name}\": {e}"));
        }
    }
}

fn format_cell(v: &calamine::DataRef) -> String {
    use calamine::DataRef;
    match v {
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => format_float(*f),
        DataRef::String(s) => s.trim().to_string(),
        DataRef::SharedString(s) => s.trim().to_string(),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.into(),
        DataRef::DateTime(d) => {
            if d.is_duration() {
                let secs = (d.as_f64() * 86400.0).round() as i64;
                format!("{}:{:02}:{:02}", secs / 3600, (secs / 60) % 60, secs % 60)
            } else {
                let (y, mo, da, h, mi, s, _) = d.to_ymd_hms_milli();
                let f = d.as_f64();
                if (0.0..1.0).contains(&f) {
                    format!("{h:02}:{mi:02}:{s:02}")
                } else if h == 0 && mi == 0 && s == 0 {
                    format!("{y:04}-{mo:02}-{da:02}")
                } else {
                    format!("{y:04}-{mo:02}-{da:02} {h:02}:{mi:02}:{s:02}")
                }
            }
        }
        DataRef::DateTimeIso(s) => s.replacen('T', " ", 1),
        DataRef::DurationIso(s) => iso_duration(s).unwrap_or_else(|| s.clone()),
        DataRef::Error(e) => e.to_string(),
        DataRef::Empty => String::new(),
    }
}

/// `PT10H10M10S` as `10:10:10` (ODS time cells).
fn iso_duration(s: &str) -> Option<String> {
    let rest = s.strip_prefix("PT")?;
    let (mut h, mut m, mut sec) = (0f64, 0f64, 0f64);
    let mut num = String::new();
    for c in rest.chars() {
        match c {
            '0'..='9' | '.' => num.push(c),
            'H' => h = std::mem::take(&mut num).parse().ok()?,
            'M' => m = std::mem::take(&mut num).parse().ok()?,
            'S' => sec = std::mem::take(&mut num).parse().ok()?,
            _ => return None,
        }
    }
    Some(format!("{}:{:02}:{:02}", h as u64, m as u64, sec.round() as u64))
}

/// A float as Excel's "General" format shows it: at most 15 significant digits, no noise.
fn format_float(f: f64) -> String {
    if !f.is_finite() {
        return f.to_string();
    }
    if f == f.trunc() && f.abs() < 1e15 {
        return format!("{}", f as i64);
    }
    let s = format!("{:.*e}", 14, f);
    let v: f64 = s.parse().unwrap_or(f);
    let out = format!("{v}");
    if out.len() > 20 {
        format!("{v:e}")
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::office::tests::zip_of;

    #[test]
    fn xlsx_built_by_hand() {
        let bytes = zip_of(&[
            (
                "[Content_Types].xml",
                r#"<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
            ),
            (
                "_rels/.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Budget" sheetId="1" r:id="rId1"/><sheet name="Secret" sheetId="2" state="hidden" r:id="rId2"/></sheets></workbook>"#,
            ),
            (
                "xl/_rels/workbook.xml.rels",
                r#"<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet2.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
            ),
            (
                "xl/styles.xml",
                r#"<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Item</t></is></c><c r="B1" t="inlineStr"><is><t>Cost</t></is></c><c r="C1" t="inlineStr"><is><t>Due</t></is></c></row><row r="3"><c r="A3" t="inlineStr"><is><t>Bribe</t></is></c><c r="B3"><v>0.30000000000000004</v></c><c r="C3" s="1"><v>36892</v></c></row></sheetData></worksheet>"#,
            ),
            (
                "xl/worksheets/sheet2.xml",
                r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1"><v>42</v></c><c r="D1" t="b"><v>1</v></c></row></sheetData></worksheet>"#,
            ),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "b.xlsx").0, crate::extract::detect::Kind::Spreadsheet);
        let ex = extract_spreadsheet(&bytes, "b.xlsx").unwrap();
        assert_eq!(
            ex.text.as_deref(),
            Some("Sheet: Budget\nItem\tCost\tDue\nBribe\t0.3\t2001-01-01\n\nSheet: Secret (hidden)\n42\t\t\tTRUE")
        );
        assert_eq!(ex.meta.extra.get("sheets").map(String::as_str), Some(r#"["Budget","Secret"]"#));
        assert_eq!(ex.meta.extra.get("hidden_sheets").map(String::as_str), Some(r#"["Secret"]"#));
    }

    #[test]
    fn floats_read_like_excel() {
        assert_eq!(format_float(3.0), "3");
        assert_eq!(format_float(0.1 + 0.2), "0.3");
        assert_eq!(format_float(1234.5678), "1234.5678");
        assert_eq!(format_float(-2.5), "-2.5");
    }
}
