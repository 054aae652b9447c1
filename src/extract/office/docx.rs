//! Word .docx: body, tables, text boxes, headers and footers, notes, comments and tracked changes.

use super::common::*;
use crate::extract::{html, Extracted, Problem};
use std::collections::BTreeMap;

/// Text of WordprocessingML (document, header, footnotes, comments parts).
#[derive(Default)]
struct WordText {
    out: String,
    /// Paragraphs being built; more than one when a text box sits inside a paragraph.
    paras: Vec<String>,
    tables: Vec<Table>,
    deleted: Vec<String>,
    del_para: String,
    in_t: bool,
    in_del_text: bool,
    in_tabs: usize,
    move_from: usize,
    /// Inside `mc:Fallback` (a second copy of content already read from `mc:Choice`).
    fallback: usize,
}

impl WordText {
    fn push(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.push_str(s);
        } else {
            self.out.push_str(s);
        }
    }

    fn emit_para(&mut self, p: String) {
        emit_paragraph(&mut self.tables, &mut self.out, p);
    }

    fn event(&mut self, ev: Ev) {
        match ev {
            Ev::Start(e) => {
                let name = local(e);
                if self.fallback > 0 {
                    if name == b"Fallback" {
                        self.fallback += 1;
                    }
                    return;
                }
                match name.as_slice() {
                    b"Fallback" => self.fallback += 1,
                    b"p" => self.paras.push(String::new()),
                    b"t" => self.in_t = true,
                    b"delText" => self.in_del_text = true,
                    b"moveFrom" => self.move_from += 1,
                    b"tabs" => self.in_tabs += 1,
                    b"tab" | b"ptab" if self.in_tabs == 0 => self.push("\t"),
                    b"br" | b"cr" => self.push("\n"),
                    b"noBreakHyphen" => self.push("-"),
                    b"tbl" => self.tables.push(Table::default()),
                    b"tc" => {
                        if let Some(t) = self.tables.last_mut() {
                            t.cell.clear();
                        }
                    }
                    _ => {}
                }
            }
            Ev::End(name) => {
                if self.fallback > 0 {
                    if name == b"Fallback" {
                        self.fallback -= 1;
                    }
                    return;
                }
                match name {
                    b"p" => {
                        if let Some(p) = self.paras.pop() {
                            self.emit_para(p);
                        }
                        if !self.del_para.trim().is_empty() {
                            let d = std::mem::take(&mut self.del_para);
                            self.deleted.push(d.trim().to_string());
                        }
                        self.del_para.clear();
                    }
                    b"t" => self.in_t = false,
                    b"delText" => self.in_del_text = false,
                    b"moveFrom" => self.move_from = self.move_from.saturating_sub(1),
                    b"tabs" => self.in_tabs = self.in_tabs.saturating_sub(1),
                    b"tc" => {
                        if let Some(t) = self.tables.last_mut() {
                            let c = std::mem::take(&mut t.cell);
                            t.row.push(c);
                        }
                    }
                    b"tr" => {
                        if let Some(t) = self.tables.last_mut() {
                            let r = std::mem::take(&mut t.row);
                            t.lines.push(r.join("\t"));
                        }
                    }
                    b"tbl" => {
                        if let Some(mut t) = self.tables.pop() {
                            if !t.row.is_empty() {
                                let r = std::mem::take(&mut t.row);
                                t.lines.push(r.join("\t"));
                            }
                            let text = t.lines.join("\n");
                            if let Some(outer) = self.tables.last_mut() {
                                let flat = text.replace(['\n', '\t'], " ");
                                let flat = flat.trim();
                                if !flat.is_empty() {
                                    if !outer.cell.is_empty() {
                                        outer.cell.push(' ');
                                    }
                                    outer.cell.push_str(flat);
                                }
                            } else {
                                self.out.push_str(&text);
                                self.out.push('\n');
                            }
                        }
                    }
                    _ => {}
                }
            }
            Ev::Text(s) => {
                if self.fallback > 0 {
                    return;
                }
                if self.in_del_text || (self.in_t && self.move_from > 0) {
                    self.del_para.push_str(s);
                } else if self.in_t {
                    self.push(s);
                }
            }
        }
    }

    /// Text so far (closing anything left open by a truncated part).
    fn take(&mut self) -> String {
        while let Some(p) = self.paras.pop() {
            self.emit_para(p);
        }
        while !self.tables.is_empty() {
            self.event(Ev::End(b"tbl"));
        }
        std::mem::take(&mut self.out)
    }
}

/// Parses one WordprocessingML part. `items` splits it into footnotes / comments: for each
/// element of that local name, its text and attributes (`id`, `type`, `author`, `date`).
/// One footnote / endnote / comment: its attributes and text.
type Item = (BTreeMap<String, String>, String);

fn word_part(xml: &[u8], items: Option<&[u8]>, deleted: &mut Vec<String>) -> (String, Vec<Item>, Option<String>) {
    let mut w = WordText::default();
    let mut list = Vec::new();
    let mut cur: Option<BTreeMap<String, String>> = None;
    let err = walk(xml, |ev| {
        if let Some(item) = items {
            match &ev {
                Ev::Start(e) if local(e) == item && w.fallback == 0 => {
                    w.take();
                    let mut a = BTreeMap::new();
                    for k in ["id", "type", "author", "date", "initials"] {
                        if let Some(v) = attr(e, k.as_bytes()) {
                            a.insert(k.to_string(), v);
                        }
                    }
                    cur = Some(a);
                    return;
                }
                Ev::End(n) if *n == item && w.fallback == 0 => {
                    let text = w.take();
                    if let Some(a) = cur.take() {
                        list.push((a, text));
                    }
                    return;
                }
                _ => {}
            }
        }
        w.event(ev);
    })
    .err();
    let text = w.take();
    deleted.append(&mut w.deleted);
    (text, list, err)
}

pub fn extract_docx(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let what = "Word document";
    let mut zip = open_package(bytes, what)?;
    let mut ex = Extracted { extractor: "docx".into(), ..Default::default() };
    let mut cut = false;
    let rels = read_part(&mut zip, "_rels/.rels", &mut cut).ok().flatten().unwrap_or_default();
    let main = rel_target(&rels, "/officeDocument")
        .filter(|p| zip.file_names().any(|n| n.eq_ignore_ascii_case(p)))
        .unwrap_or_else(|| "word/document.xml".into());
    let dir = main.rsplit_once('/').map(|(d, _)| format!("{d}/")).unwrap_or_default();
    let doc = match read_part(&mut zip, &main, &mut cut) {
        Ok(Some(d)) => d,
        Ok(None) => return Err(damaged(what, "the package has no main document part (word/document.xml)")),
        Err(e) if e.contains("encrypted") => return Err(encrypted()),
        Err(e) => return Err(damaged(what, format!("the main document part cannot be read ({e})"))),
    };
    let mut deleted = Vec::new();
    let (body, _, err) = word_part(&doc, None, &mut deleted);
    let mut errors: Vec<String> = err.into_iter().collect();
    let mut sections: Vec<(&str, Vec<String>)> = Vec::new();

    // Headers and footers, each distinct text once.
    let mut names: Vec<String> = zip
        .file_names()
        .filter(|n| {
            n.strip_prefix(dir.as_str())
                .is_some_and(|f| !f.contains('/') && (f.starts_with("header") || f.starts_with("footer")) && f.ends_with(".xml"))
        })
        .map(str::to_string)
        .collect();
    names.sort_by_key(|n| (n.contains("footer"), part_number(n), n.clone()));
    let mut hf: Vec<String> = Vec::new();
    for n in &names {
        if let Ok(Some(x)) = read_part(&mut zip, n, &mut cut) {
            let (t, _, err) = word_part(&x, None, &mut deleted);
            errors.extend(err);
            let t = html::tidy(&t);
            if !t.is_empty() && !hf.contains(&t) {
                hf.push(t);
            }
        }
    }
    sections.push(("Headers and footers", hf));

    for (part, item, label) in
        [("footnotes.xml", "footnote", "Footnotes"), ("endnotes.xml", "endnote", "Endnotes"), ("comments.xml", "comment", "Comments")]
    {
        let Ok(Some(x)) = read_part(&mut zip, &format!("{dir}{part}"), &mut cut) else { continue };
        let (_, items, err) = word_part(&x, Some(item.as_bytes()), &mut deleted);
        errors.extend(err);
        let mut lines = Vec::new();
        for (a, text) in items {
            if a.get("type").is_some_and(|t| t != "normal") {
                continue; // separators
            }
            let text = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
            if text.is_empty() {
                continue;
            }
            if item == "comment" {
                let mut head = String::from("Comment");
                if let Some(au) = a.get("author").filter(|s| !s.is_empty()) {
                    head.push_str(&format!(" by {au}"));
                }
                if let Some(d) = a.get("date").filter(|s| !s.is_empty()) {
                    head.push_str(&format!(" ({})", to_utc(d).unwrap_or_else(|| d.clone())));
                }
                lines.push(format!("{head}: {text}"));
            } else {
                lines.push(text);
            }
        }
        sections.push((label, lines));
    }
    sections.push(("Deleted text (tracked changes)", deleted));

    let mut text = html::tidy(&body);
    for (label, lines) in sections {
        if lines.is_empty() {
            continue;
        }
        text.push_str(&format!("\n\n[{label}]\n"));
        text.push_str(&lines.join("\n"));
    }
    ooxml_meta(&mut zip, &mut ex.meta);
    finish(&mut ex, text, cut, errors, what);
    Ok(ex)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::office::tests::{zip_of, W};

    #[test]
    fn docx_body_tables_notes_comments_and_changes() {
        let doc = format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body>
<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>Hello</w:t></w:r><w:r><w:tab/><w:t xml:space="preserve">world &amp; co</w:t></w:r></w:p>
<w:p><w:r><w:t>line one</w:t><w:br/><w:t>line two</w:t></w:r><w:ins w:author="Bob"><w:r><w:t xml:space="preserve"> inserted</w:t></w:r></w:ins><w:del w:author="Bob"><w:r><w:delText>secret deleted words</w:delText></w:r></w:del></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>a1</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b1</w:t></w:r></w:p><w:p><w:r><w:t>more</w:t></w:r></w:p></w:tc></w:tr>
<w:tr><w:tc><w:p><w:r><w:t>a2</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>b2</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:txbxContent><w:p><w:r><w:t>boxed</w:t></w:r></w:p></w:txbxContent></mc:Fallback></mc:AlternateContent><w:t>after box</w:t></w:r></w:p>
<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText>HYPERLINK "http://x"</w:instrText></w:r><w:r><w:t>link text</w:t></w:r></w:p>
</w:body></w:document>"#
        );
        let foot = format!(
            r#"<w:footnotes {W}><w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p><w:r><w:t>A footnote.</w:t></w:r></w:p></w:footnote></w:footnotes>"#
        );
        let comments = format!(
            r#"<w:comments {W}><w:comment w:id="0" w:author="Alice" w:date="2020-01-02T03:04:05Z"><w:p><w:r><w:t>Check this.</w:t></w:r></w:p></w:comment></w:comments>"#
        );
        let header = format!(r#"<w:hdr {W}><w:p><w:r><w:t>CONFIDENTIAL</w:t></w:r></w:p></w:hdr>"#);
        let core = r#"<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><dc:title>Merger memo</dc:title><dc:creator>Jane Roe</dc:creator><cp:lastModifiedBy>John Doe</cp:lastModifiedBy><dcterms:created xsi:type="dcterms:W3CDTF">2001-05-06T07:08:09+02:00</dcterms:created><dcterms:modified xsi:type="dcterms:W3CDTF">2001-05-07T00:00:00Z</dcterms:modified></cp:coreProperties>"#;
        let bytes = zip_of(&[
            ("[Content_Types].xml", "<Types/>"),
            ("word/document.xml", &doc),
            ("word/footnotes.xml", &foot),
            ("word/comments.xml", &comments),
            ("word/header1.xml", &header),
            ("word/header2.xml", &header),
            ("docProps/core.xml", core),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "m.docx").0, crate::extract::detect::Kind::Docx);
        let ex = extract_docx(&bytes, "m.docx").unwrap();
        let text = ex.text.unwrap();
        assert!(
            text.starts_with("Hello\tworld & co\nline one\nline two inserted\na1\tb1 more\na2\tb2\nboxed\nafter box\nlink text"),
            "{text}"
        );
        assert!(!text.contains("HYPERLINK"));
        assert_eq!(text.matches("boxed").count(), 1, "{text}");
        assert!(text.contains("[Headers and footers]\nCONFIDENTIAL\n\n[Footnotes]\nA footnote."), "{text}");
        assert!(text.contains("[Comments]\nComment by Alice (2020-01-02T03:04:05Z): Check this."), "{text}");
        assert!(text.ends_with("[Deleted text (tracked changes)]\nsecret deleted words"), "{text}");
        assert_eq!(text.matches("CONFIDENTIAL").count(), 1);
        assert_eq!(ex.meta.title.as_deref(), Some("Merger memo"));
        assert_eq!(ex.meta.author.as_deref(), Some("Jane Roe"));
        assert_eq!(ex.meta.date.as_deref(), Some("2001-05-06T05:08:09Z"));
        assert_eq!(ex.meta.modified.as_deref(), Some("2001-05-07T00:00:00Z"));
        assert_eq!(ex.meta.extra.get("last_modified_by").map(String::as_str), Some("John Doe"));
        assert_eq!(ex.extractor, "docx");
    }
}
