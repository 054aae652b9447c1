//! A report section as structured blocks, rendered to Markdown, standalone HTML or JSON.
//!
//! Sections are built once (by whoever knows the evidence) and rendered by format, so the
//! exposure report can put them together without re-deriving numbers, and every rendering
//! says the same thing. The HTML is self-contained: no script, no remote resource, and a CSP
//! that forbids both, because reports travel by email to people who open them anywhere.

use serde::{Deserialize, Serialize};
use std::path::Path;
use ts_rs::TS;

/// How strongly a section's evidence supports the claim it is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Strong,
    Moderate,
    Weak,
    None,
}

impl Rating {
    pub fn label(self) -> &'static str {
        match self {
            Rating::Strong => "Strong",
            Rating::Moderate => "Moderate",
            Rating::Weak => "Weak",
            Rating::None => "None found",
        }
    }
}

/// One block of a section.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Block {
    Heading { text: String },
    Paragraph { text: String },
    List { items: Vec<String> },
    Table { columns: Vec<String>, rows: Vec<Vec<String>> },
}

/// A titled part of a report with its own assessment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Section {
    /// Stable name (`model_logs`), for reports that assemble sections.
    pub id: String,
    pub title: String,
    pub rating: Rating,
    /// The assessment in one or two sentences a lawyer can quote.
    pub summary: String,
    pub blocks: Vec<Block>,
}

/// The formats a section can be written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReportFormat {
    #[default]
    Markdown,
    Html,
    Json,
}

impl ReportFormat {
    /// The format a file name asks for: `.html`/`.htm`, `.json`, else Markdown.
    pub fn for_path(path: &Path) -> ReportFormat {
        match path.extension().and_then(|e| e.to_str()).map(|e| e.to_ascii_lowercase()).as_deref() {
            Some("html" | "htm") => ReportFormat::Html,
            Some("json") => ReportFormat::Json,
            _ => ReportFormat::Markdown,
        }
    }
}

impl Section {
    pub fn render(&self, format: ReportFormat) -> String {
        match format {
            ReportFormat::Markdown => self.to_markdown(),
            ReportFormat::Html => self.to_html(),
            ReportFormat::Json => serde_json::to_string_pretty(self).unwrap_or_default(),
        }
    }

    pub fn to_markdown(&self) -> String {
        let mut out = format!("## {}\n\n**Assessment: {}.** {}\n\n", md_inline(&self.title), self.rating.label(), md_inline(&self.summary));
        for b in &self.blocks {
            match b {
                Block::Heading { text } => out.push_str(&format!("### {}\n\n", md_inline(text))),
                Block::Paragraph { text } => out.push_str(&format!("{}\n\n", md_inline(text))),
                Block::List { items } => {
                    for i in items {
                        out.push_str(&format!("- {}\n", md_inline(i)));
                    }
                    out.push('\n');
                }
                Block::Table { columns, rows } => {
                    let row = |cells: &[String]| format!("| {} |\n", cells.iter().map(|c| md_cell(c)).collect::<Vec<_>>().join(" | "));
                    out.push_str(&row(columns));
                    out.push_str(&format!("|{}\n", "---|".repeat(columns.len())));
                    for r in rows {
                        out.push_str(&row(r));
                    }
                    out.push('\n');
                }
            }
        }
        out
    }

    /// A standalone HTML document holding this section.
    pub fn to_html(&self) -> String {
        format!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
             <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
             <title>{}</title>\n<style>{}</style>\n</head>\n<body>\n{}</body>\n</html>\n",
            esc(&self.title),
            STYLE,
            self.html_body()
        )
    }

    /// The section as an HTML `<section>` element, for a report that holds several.
    pub fn html_body(&self) -> String {
        let mut body = format!(
            "<section id=\"{}\">\n<h2>{}</h2>\n<p class=\"assessment rating-{}\"><strong>Assessment: {}.</strong> {}</p>\n",
            esc(&self.id),
            esc(&self.title),
            serde_json::to_value(self.rating).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default(),
            esc(self.rating.label()),
            esc(&self.summary)
        );
        for b in &self.blocks {
            match b {
                Block::Heading { text } => body.push_str(&format!("<h3>{}</h3>\n", esc(text))),
                Block::Paragraph { text } => body.push_str(&format!("<p>{}</p>\n", esc(text))),
                Block::List { items } => {
                    body.push_str("<ul>\n");
                    for i in items {
                        body.push_str(&format!("<li>{}</li>\n", esc(i)));
                    }
                    body.push_str("</ul>\n");
                }
                Block::Table { columns, rows } => {
                    body.push_str("<table>\n<thead><tr>");
                    for c in columns {
                        body.push_str(&format!("<th>{}</th>", esc(c)));
                    }
                    body.push_str("</tr></thead>\n<tbody>\n");
                    for r in rows {
                        body.push_str("<tr>");
                        for c in r {
                            body.push_str(&format!("<td>{}</td>", esc(c)));
                        }
                        body.push_str("</tr>\n");
                    }
                    body.push_str("</tbody>\n</table>\n");
                }
            }
        }
        body.push_str("</section>\n");
        body
    }
}

const STYLE: &str = "body{font:14px/1.45 system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#1d2633}\
table{border-collapse:collapse;margin:.5em 0 1.2em;font-size:13px}th,td{border:1px solid #c9d1dc;padding:4px 8px;text-align:left;vertical-align:top}\
th{background:#eef2f7}.assessment{padding:8px 12px;background:#f5f7fa;border-left:4px solid #6b7c93}\
.rating-strong{border-color:#b3261e}.rating-moderate{border-color:#c77700}";

/// Text for HTML or XML: the five special characters escaped, control characters (which XML
/// forbids) blanked. The exposure report's HTML and SVG use it too.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text that Markdown must show as written: characters that would start markup are escaped.
fn md_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|') {
            out.push('\\');
        }
        out.push(if c == '\n' { ' ' } else { c });
    }
    out
}

fn md_cell(s: &str) -> String {
    md_inline(s).replace('\r', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn section() -> Section {
        Section {
            id: "t".into(),
            title: "Logs <b>".into(),
            rating: Rating::Moderate,
            summary: "2 of 9 accounts | flagged".into(),
            blocks: vec![
                Block::Paragraph { text: "<script>alert(1)</script> *not bold*".into() },
                Block::Table { columns: vec!["a".into(), "b".into()], rows: vec![vec!["x|y".into(), "1".into()]] },
            ],
        }
    }

    #[test]
    fn markdown_shows_text_as_written() {
        let md = section().to_markdown();
        assert!(md.starts_with("## Logs \\<b\\>\n\n**Assessment: Moderate.** 2 of 9 accounts \\| flagged"), "{md}");
        assert!(md.contains("\\*not bold\\*"));
        assert!(md.contains("| x\\|y | 1 |"), "a pipe in a cell does not split it: {md}");
    }

    #[test]
    fn html_escapes_everything_and_forbids_scripts_and_remote_loads() {
        let html = section().to_html();
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        assert!(html.contains("<td>x|y</td>"));
    }

    #[test]
    fn format_follows_the_file_name() {
        assert_eq!(ReportFormat::for_path(Path::new("r.HTML")), ReportFormat::Html);
        assert_eq!(ReportFormat::for_path(Path::new("r.json")), ReportFormat::Json);
        assert_eq!(ReportFormat::for_path(Path::new("r.md")), ReportFormat::Markdown);
    }
}
