//! OpenDocument text: body, tables, notes, annotations, tracked deletions and page headers/footers.

use super::common::*;
use crate::extract::{html, Extracted, Meta, Problem};

pub fn extract_odt(bytes: &[u8], _name: &str) -> Result<Extracted, Problem> {
    let what = "OpenDocument text";
    let mut zip = open_package(bytes, what)?;
    let mut ex = Extracted { extractor: "odt".into(), ..Default::default() };
    let mut cut = false;
    if let Ok(Some(manifest)) = read_part(&mut zip, "META-INF/manifest.xml", &mut cut) {
        if manifest.windows(15).any(|w| w == b"encryption-data") {
            return Err(encrypted());
        }
    }
    let content = match read_part(&mut zip, "content.xml", &mut cut) {
        Ok(Some(c)) => c,
        Ok(None) => return Err(damaged(what, "the package has no content.xml")),
        Err(e) => return Err(damaged(what, format!("content.xml cannot be read ({e})"))),
    };
    let mut odt = OdfText::default();
    let mut errors: Vec<String> = walk(&content, |ev| odt.event(ev)).err().into_iter().collect();
    let body = odt.take();
    // Headers and footers live in the master pages in styles.xml.
    let mut hf = OdfText { only_header_footer: true, ..Default::default() };
    if let Ok(Some(styles)) = read_part(&mut zip, "styles.xml", &mut cut) {
        errors.extend(walk(&styles, |ev| hf.event(ev)).err());
    }
    let hf_text = html::tidy(&hf.take());
    let mut text = html::tidy(&body);
    let mut hf_lines: Vec<String> = Vec::new();
    for l in hf_text.lines().filter(|l| !l.trim().is_empty()) {
        if !hf_lines.iter().any(|x| x == l) {
            hf_lines.push(l.to_string());
        }
    }
    for (label, lines) in [
        ("Headers and footers", hf_lines),
        ("Notes", odt.notes),
        ("Comments", odt.comments),
        ("Deleted text (tracked changes)", odt.deleted),
    ] {
        if !lines.is_empty() {
            text.push_str(&format!("\n\n[{label}]\n"));
            text.push_str(&lines.join("\n"));
        }
    }
    if let Ok(Some(m)) = read_part(&mut zip, "meta.xml", &mut cut) {
        odf_meta(&m, &mut ex.meta);
    }
    finish(&mut ex, text, cut, errors, what);
    Ok(ex)
}

/// Text of ODF content.xml / styles.xml.
#[derive(Default)]
struct OdfText {
    /// Only text inside `style:header` / `style:footer` (for styles.xml).
    only_header_footer: bool,
    hf_depth: usize,
    out: String,
    paras: Vec<String>,
    tables: Vec<Table>,
    /// Where finished paragraphs go: 0 body, else the innermost diversion.
    divert: Vec<Divert>,
    notes: Vec<String>,
    comments: Vec<String>,
    deleted: Vec<String>,
    /// Text of elements that are not content (note citations, annotation creator/date).
    field: Option<(Vec<u8>, String)>,
    skip: usize,
}

enum Divert {
    Note(String),
    Comment { author: String, date: String, text: String },
    Deletion(String),
}

impl OdfText {
    fn push(&mut self, s: &str) {
        if let Some(p) = self.paras.last_mut() {
            p.push_str(s);
        }
    }

    fn emit_para(&mut self, p: String) {
        if let Some(d) = self.divert.last_mut() {
            let buf = match d {
                Divert::Note(t) | Divert::Deletion(t) => t,
                Divert::Comment { text, .. } => text,
            };
            let p = p.trim();
            if !p.is_empty() {
                if !buf.is_empty() {
                    buf.push(' ');
                }
                buf.push_str(p);
            }
            return;
        }
        emit_paragraph(&mut self.tables, &mut self.out, p);
    }

    fn event(&mut self, ev: Ev) {
        match ev {
            Ev::Start(e) => {
                let name = local(e);
                if self.skip > 0 {
                    self.skip += 1;
                    return;
                }
                if let Some((_, _)) = &self.field {
                    return;
                }
                if self.only_header_footer {
                    if matches!(
                        name.as_slice(),
                        b"header" | b"footer" | b"header-left" | b"footer-left" | b"header-first" | b"footer-first"
                    ) {
                        self.hf_depth += 1;
                    }
                    if self.hf_depth == 0 {
                        return;
                    }
                }
                match name.as_slice() {
                    b"p" | b"h" => self.paras.push(String::new()),
                    b"s" => {
                        let n = attr(e, b"c").and_then(|c| c.parse::<usize>().ok()).unwrap_or(1).min(1000);
                        self.push(&" ".repeat(n));
                    }
                    b"tab" => self.push("\t"),
                    b"line-break" => self.push("\n"),
                    b"soft-page-break" => {}
                    b"table" => self.tables.push(Table::default()),
                    b"table-cell" | b"covered-table-cell" => {
                        if let Some(t) = self.tables.last_mut() {
                            t.cell.clear();
                        }
                    }
                    b"note-citation" => self.field = Some((name, String::new())),
                    b"creator" | b"date" if matches!(self.divert.last(), Some(Divert::Comment { .. })) => {
                        self.field = Some((name, String::new()))
                    }
                    b"note-body" => self.divert.push(Divert::Note(String::new())),
                    b"annotation" => self.divert.push(Divert::Comment { author: String::new(), date: String::new(), text: String::new() }),
                    b"deletion" => self.divert.push(Divert::Deletion(String::new())),
                    // Not text: change metadata, sequence and variable declarations, forms.
                    b"change-info"
                    | b"sequence-decls"
                    | b"variable-decls"
                    | b"user-field-decls"
                    | b"forms"
                    | b"annotation-end"
                    | b"tracked-changes-info" => self.skip = 1,
                    _ => {}
                }
            }
            Ev::End(name) => {
                if self.skip > 0 {
                    self.skip -= 1;
                    return;
                }
                if let Some((n, v)) = &self.field {
                    if name == n.as_slice() {
                        let v = v.trim().to_string();
                        let n = n.clone();
                        self.field = None;
                        if let Some(Divert::Comment { author, date, .. }) = self.divert.last_mut() {
                            match n.as_slice() {
                                b"creator" => *author = v,
                                b"date" => *date = v,
                                _ => {}
                            }
                        }
                    }
                    return;
                }
                if self.only_header_footer {
                    if self.hf_depth == 0 {
                        return;
                    }
                    if matches!(name, b"header" | b"footer" | b"header-left" | b"footer-left" | b"header-first" | b"footer-first") {
                        self.hf_depth -= 1;
                    }
                }
                match name {
                    b"p" | b"h" => {
                        if let Some(p) = self.paras.pop() {
                            self.emit_para(p);
                        }
                    }
                    b"table-cell" | b"covered-table-cell" => {
                        if let Some(t) = self.tables.last_mut() {
                            let c = std::mem::take(&mut t.cell);
                            t.row.push(c);
                        }
                    }
                    b"table-row" => {
                        if let Some(t) = self.tables.last_mut() {
                            let r = std::mem::take(&mut t.row);
                            t.lines.push(r.join("\t").trim_end_matches('\t').to_string());
                        }
                    }
                    b"table" => {
                        if let Some(t) = self.tables.pop() {
                            let text = t.lines.join("\n");
                            if let Some(outer) = self.tables.last_mut() {
                                let flat = text.replace(['\n', '\t'], " ");
                                if !outer.cell.is_empty() {
                                    outer.cell.push(' ');
                                }
                                outer.cell.push_str(flat.trim());
                            } else if let Some(p) = self.paras.last_mut() {
                                p.push_str(&text);
                            } else {
                                self.out.push_str(&text);
                                self.out.push('\n');
                            }
                        }
                    }
                    b"note-body" | b"annotation" | b"deletion" => match self.divert.pop() {
                        Some(Divert::Note(t)) if !t.is_empty() => self.notes.push(t),
                        Some(Divert::Deletion(t)) if !t.is_empty() => self.deleted.push(t),
                        Some(Divert::Comment { author, date, text }) if !text.is_empty() => {
                            let mut head = String::from("Comment");
                            if !author.is_empty() {
                                head.push_str(&format!(" by {author}"));
                            }
                            if !date.is_empty() {
                                head.push_str(&format!(" ({})", to_utc(&date).unwrap_or(date)));
                            }
                            self.comments.push(format!("{head}: {text}"));
                        }
                        _ => {}
                    },
                    _ => {}
                }
            }
            Ev::Text(s) => {
                if self.skip > 0 {
                    return;
                }
                if let Some((_, v)) = &mut self.field {
                    v.push_str(s);
                    return;
                }
                if self.only_header_footer && self.hf_depth == 0 {
                    return;
                }
                // ODF collapses white space inside paragraphs like HTML (text:s is a space).
                let mut t = String::with_capacity(s.len());
                let mut space = false;
                for c in s.chars() {
                    if matches!(c, ' ' | '\n' | '\r' | '\t') {
                        space = true;
                    } else {
                        if space {
                            t.push(' ');
                            space = false;
                        }
                        t.push(c);
                    }
                }
                if space {
                    t.push(' ');
                }
                self.push(&t);
            }
        }
    }

    fn take(&mut self) -> String {
        while let Some(p) = self.paras.pop() {
            self.emit_para(p);
        }
        self.divert.clear();
        while !self.tables.is_empty() {
            self.event(Ev::End(b"table"));
        }
        std::mem::take(&mut self.out)
    }
}

/// ODF meta.xml into `meta`.
pub(super) fn odf_meta(xml: &[u8], meta: &mut Meta) {
    let p = read_props(xml);
    for (k, v) in p {
        match k.as_str() {
            "title" => meta.title = Some(v),
            "initial-creator" => meta.author = Some(v),
            // In ODF dc:creator is whoever saved last.
            "creator" => _ = meta.extra.insert("last_modified_by".into(), v),
            "creation-date" => set_date(meta, "date", &v),
            "date" => set_date(meta, "modified", &v),
            "print-date" => set_date(meta, "last_printed", &v),
            "generator" => _ = meta.extra.insert("application".into(), v),
            "editing-cycles" => _ = meta.extra.insert("revision".into(), v),
            "editing-duration" => _ = meta.extra.insert("editing_duration".into(), v),
            "subject" | "description" | "language" => _ = meta.extra.insert(k, v),
            "keyword" => _ = meta.extra.insert("keywords".into(), v),
            _ => {}
        }
    }
    if meta.author.is_none() {
        meta.author = meta.extra.get("last_modified_by").cloned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::office::tests::zip_of;

    #[test]
    fn odt_text_tables_notes_and_meta() {
        let content = r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<office:body><office:text><text:sequence-decls><text:sequence-decl text:name="Table"/></text:sequence-decls>
<text:tracked-changes><text:changed-region text:id="c1"><text:deletion><office:change-info><dc:creator>Bob</dc:creator><dc:date>2020-01-01T00:00:00</dc:date></office:change-info><text:p>gone words</text:p></text:deletion></text:changed-region></text:tracked-changes>
<text:h text:outline-level="1">Title   here</text:h>
<text:p>One<text:s text:c="2"/>two<text:tab/>three<text:line-break/>four<text:note text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Note text.</text:p></text:note-body></text:note> end.</text:p>
<text:list><text:list-item><text:p>item <text:span>one</text:span></text:p></text:list-item></text:list>
<table:table><table:table-row><table:table-cell><text:p>c1</text:p></table:table-cell><table:table-cell><text:p>c2</text:p></table:table-cell></table:table-row></table:table>
<text:p>Has<office:annotation><dc:creator>Ann</dc:creator><dc:date>2020-02-02T10:00:00</dc:date><text:p>A remark.</text:p></office:annotation> comment</text:p>
</office:text></office:body></office:document-content>"#;
        let meta = r#"<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><office:meta><dc:title>Plan</dc:title><meta:initial-creator>Ann</meta:initial-creator><dc:creator>Bob</dc:creator><meta:creation-date>2009-07-14T11:05:18.78</meta:creation-date><dc:date>2009-07-15T08:00:00Z</dc:date></office:meta></office:document-meta>"#;
        let styles = r#"<office:document-styles xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:styles><style:style style:name="x"><text:p>not me</text:p></style:style></office:styles><office:master-styles><style:master-page><style:footer><text:p>Page footer</text:p></style:footer></style:master-page></office:master-styles></office:document-styles>"#;
        let bytes = zip_of(&[
            ("mimetype", "application/vnd.oasis.opendocument.text"),
            ("content.xml", content),
            ("styles.xml", styles),
            ("meta.xml", meta),
        ]);
        assert_eq!(crate::extract::detect::detect(&bytes, "x.odt").0, crate::extract::detect::Kind::Odt);
        let ex = extract_odt(&bytes, "x.odt").unwrap();
        let text = ex.text.unwrap();
        assert_eq!(
            text,
            "Title here\nOne  two\tthree\nfour end.\nitem one\nc1\tc2\nHas comment\n\n[Headers and footers]\nPage footer\n\n[Notes]\nNote text.\n\n[Comments]\nComment by Ann (2020-02-02T10:00:00Z): A remark.\n\n[Deleted text (tracked changes)]\ngone words"
        );
        assert_eq!(ex.meta.title.as_deref(), Some("Plan"));
        assert_eq!(ex.meta.author.as_deref(), Some("Ann"));
        assert_eq!(ex.meta.date.as_deref(), Some("2009-07-14T11:05:18Z"));
        assert_eq!(ex.meta.modified.as_deref(), Some("2009-07-15T08:00:00Z"));
        let enc = zip_of(&[("content.xml", "xx"), ("META-INF/manifest.xml", "<manifest:encryption-data/>")]);
        assert_eq!(extract_odt(&enc, "x.odt").unwrap_err().code, "office_encrypted");
    }
}
