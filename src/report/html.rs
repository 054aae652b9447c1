//! The exposure report as one self-contained HTML file: styles inline, charts as inline SVG, a
//! Content-Security-Policy that forbids scripts and every remote load (`default-src 'none'`), so
//! it can be mailed and opened anywhere without fetching or running anything.

use super::chart::esc;
use super::layout::{blocks, Block, FOOTER};
use crate::assess::exposure::ExposureReport;
use std::fmt::Write as _;

const STYLE: &str = "\
body{font:14px/1.5 'DejaVu Sans',system-ui,sans-serif;max-width:960px;margin:2.5em auto;padding:0 1.5em;color:#1d2633}\
h1{font-size:30px;margin:0 0 .2em}.subtitle{color:#5b6778;margin:0 0 2em}\
h2{font-size:21px;border-bottom:2px solid #1d2633;padding-bottom:.25em;margin-top:2.2em}h3{font-size:16px;margin:1.6em 0 .5em}\
table{border-collapse:collapse;margin:.4em 0 .6em;font-size:13px;width:100%}\
th,td{border-bottom:1px solid #d5dbe3;padding:5px 8px;text-align:left;vertical-align:top}\
th{background:#eef2f7;border-bottom:1px solid #9aa6b5;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}\
tr:last-child td{border-bottom:1px solid #9aa6b5}.note{font-size:12px;color:#5b6778;margin:.2em 0 1em}\
.sides{display:flex;gap:1.5em;margin:1em 0}.side{flex:1;border:1px solid #d5dbe3;border-top:4px solid #2f5d8c;padding:.6em 1em}\
.side.evidence{border-top-color:#b3261e}.side h3{margin:.2em 0 .6em}.side table{font-size:13px}\
figure{margin:1em 0}figure figcaption{font-weight:600;margin-bottom:.4em}figure svg{width:100%;max-width:780px;height:auto}\
section .assessment{padding:8px 12px;background:#f5f7fa;border-left:4px solid #6b7c93}\
footer{margin-top:3em;border-top:1px solid #d5dbe3;padding-top:.6em;font-size:12px;color:#5b6778}";

/// The report as a standalone HTML document.
pub fn render(report: &ExposureReport) -> String {
    let mut body = String::new();
    for b in blocks(report) {
        block(&mut body, &b);
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Exposure assessment — {}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n{body}<footer>{}</footer>\n</body>\n</html>\n",
        esc(&report.matter),
        esc(FOOTER)
    )
}

fn block(out: &mut String, b: &Block) {
    match b {
        Block::Title { text, subtitle } => {
            let _ = writeln!(out, "<h1>{}</h1>\n<p class=\"subtitle\">{}</p>", esc(text), esc(subtitle));
        }
        Block::Heading { text, level } => {
            let h = if *level <= 1 { "h2" } else { "h3" };
            let _ = writeln!(out, "<{h}>{}</{h}>", esc(text));
        }
        Block::Paragraph(t) => {
            let _ = writeln!(out, "<p>{}</p>", esc(t));
        }
        Block::Note(t) => {
            let _ = writeln!(out, "<p class=\"note\">{}</p>", esc(t));
        }
        Block::List(items) => {
            out.push_str("<ul>\n");
            for i in items {
                let _ = writeln!(out, "<li>{}</li>", esc(i));
            }
            out.push_str("</ul>\n");
        }
        Block::Sides(a, b) => {
            out.push_str("<div class=\"sides\">\n");
            for (side, class) in [(a, "exposure"), (b, "evidence")] {
                let _ = write!(out, "<div class=\"side {class}\"><h3>{}</h3><table>", esc(&side.title));
                for (label, value) in &side.lines {
                    let _ = write!(out, "<tr><td>{}</td><td class=\"n\">{}</td></tr>", esc(label), esc(value));
                }
                out.push_str("</table></div>\n");
            }
            out.push_str("</div>\n");
        }
        Block::Table { columns, numeric, rows } => {
            let class = |i: usize| if numeric.get(i).copied().unwrap_or(false) { " class=\"n\"" } else { "" };
            out.push_str("<table>\n<thead><tr>");
            for (i, c) in columns.iter().enumerate() {
                let _ = write!(out, "<th{}>{}</th>", class(i), esc(c));
            }
            out.push_str("</tr></thead>\n<tbody>\n");
            for r in rows {
                out.push_str("<tr>");
                for (i, c) in r.iter().enumerate() {
                    let _ = write!(out, "<td{}>{}</td>", class(i), esc(c));
                }
                out.push_str("</tr>\n");
            }
            out.push_str("</tbody>\n</table>\n");
        }
        Block::Chart(c) => {
            let _ = writeln!(out, "<figure>\n<figcaption>{}</figcaption>\n{}\n</figure>", esc(&c.title), c.to_svg());
        }
        Block::Section(s) => out.push_str(&s.html_body()),
    }
}
