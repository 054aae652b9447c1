//! The exposure report written as PDF, HTML and CSV (issue 16, item 4): on a matter made here
//! with planted privileged, confidential and redacted strings, `pdftotext` finds the report's
//! headings, every request's name and its figures as printed; no planted string reaches the
//! PDF (text or bytes), the HTML or the CSV; the HTML runs no script and loads nothing; the CSV
//! parses back to the report's numbers. Page 1 and a chart page are rendered to PNG with
//! pdftoppm (kept in `EXHIBIT_KEEP_REPORT=dir`, to look at).

use crate::common::*;
use exhibit::assess::exposure::{AssessOptions, ExposureInputs, ExposureReport, Range};
use exhibit::report::{self, ReportFile};
use exhibit::review::Target;
use exhibit::Matter;
use std::fs;
use std::path::Path;
use std::process::Command;

/// In a privileged email's subject and body.
const PRIVILEGED: &str = "Zanzibar settlement posture";
/// In a confidential email's subject and body.
const CONFIDENTIAL: &str = "Okapi margin schedule";
/// Redacted by hand in a hot email's body; its subject says "Quetzal" too.
const REDACTED: &str = "Quetzal-4471";
/// A hot, non-sensitive email's subject: the report may print it (and must, to show titles are
/// withheld only where they should be).
const OPEN_TITLE: &str = "Shipment delay timeline";

fn email(n: u32, month: u32, from: &str, subject: &str, body: &str, attachment: Option<(&str, &str)>) -> String {
    let mut m = format!(
        "From: {from}\r\nTo: Lee Analyst <lee@acme.example>\r\nSubject: {subject}\r\nDate: Mon, {n} {mon} 2025 10:00:00 +0000\r\nMessage-ID: <x{n}@acme.example>\r\nMIME-Version: 1.0\r\n",
        mon = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize]
    );
    match attachment {
        None => m.push_str(&format!("Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n")),
        Some((name, content)) => m.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"BB\"\r\n\r\n--BB\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n--BB\r\nContent-Type: text/plain; name=\"{name}\"\r\nContent-Disposition: attachment; filename=\"{name}\"\r\n\r\n{content}\r\n--BB--\r\n"
        )),
    }
    m
}

fn tag(m: &mut Matter, tag: &str, query: &str) {
    let hits = m.search(query, 50, 0, Default::default()).unwrap();
    assert!(hits.total > 0, "{query} finds the planted item");
    let ids = hits.hits.iter().map(|h| h.id.to_string()).collect();
    m.tag_add(tag, &Target::Items(ids), Default::default()).unwrap();
}

/// Seven emails over four months, one with an attachment; tagged privileged, confidential,
/// trade secret and hot; one redacted by hand.
fn matter(tmp: &Path) -> Matter {
    let src = tmp.join("src");
    fs::create_dir_all(&src).unwrap();
    let sales = "Pat Seller <pat@acme.example>";
    let mails = [
        email(3, 1, sales, "Widget pricing for the spring", "Widget list prices go up in spring.", None),
        email(
            5,
            2,
            "Robin Counsel <robin@lawfirm.example>",
            &format!("Re: {PRIVILEGED}"),
            &format!("Our {PRIVILEGED} on the widget dispute, privileged and confidential."),
            None,
        ),
        email(
            7,
            2,
            sales,
            &format!("{CONFIDENTIAL} attached"),
            &format!("The {CONFIDENTIAL} for widget resellers."),
            Some(("margins.txt", "widget margins by region")),
        ),
        email(9, 3, sales, "Widget formula", "The widget coating formula, version 3.", None),
        email(11, 3, sales, &format!("Budget {REDACTED}"), &format!("Budget line {REDACTED} covers the shipment delay."), None),
        email(13, 4, sales, OPEN_TITLE, "The shipment delay began when the widget supplier stopped.", None),
        email(15, 4, "Robin Counsel <robin@lawfirm.example>", "Call tomorrow", "Can we talk about the shipment tomorrow?", None),
    ];
    for (i, m) in mails.iter().enumerate() {
        fs::write(src.join(format!("m{i}.eml")), m).unwrap();
    }
    let mut m = Matter::create(tmp.join("m"), "Acme v. Widgetco").unwrap();
    ingest(&mut m, &src, "Seller, Pat");
    tag(&mut m, "Privileged – attorney-client", "Zanzibar");
    tag(&mut m, "Confidential", "Okapi");
    tag(&mut m, "Trade secret", "formula");
    tag(&mut m, "Hot", "Zanzibar OR Quetzal OR subject:\"shipment delay timeline\"");
    let q = m.search(&format!("\"{REDACTED}\""), 5, 0, Default::default()).unwrap();
    assert_eq!(q.total, 1);
    let id = q.hits[0].id.to_string();
    let text = m.item(&id).unwrap().text;
    for (b, _) in text.match_indices(REDACTED).collect::<Vec<_>>().into_iter().rev() {
        let start = text[..b].chars().count();
        m.redact_add(&id, start, start + REDACTED.chars().count(), "PII", exhibit::redact::Treatment::Redact).unwrap();
    }
    m
}

const INPUTS: &str = r#"
[review]
first_pass_docs_per_hour = [40, 60]
privilege_docs_per_hour = 20
hourly_rate = [70, 90]
privilege_hourly_rate = 400
cost_per_page = 0.15
currency = "USD"

[tags]
privileged = ["Privileged – attorney-client"]
confidential = ["Confidential"]
trade_secret = ["Trade secret"]
hot = ["Hot"]

[[request]]
name = "RFP 1 – widget pricing"
query = "widget"

[[request]]
name = "RFP 2 – shipment"
query = "shipment OR budget"

[[evidence]]
name = "Delay 延误"
query = "delay"

[privilege]
domains = ["lawfirm.example"]
"#;

/// A number as a reader expects it printed (written here, not by the report's code): thousands
/// separated by commas, two decimals unless whole.
fn printed(v: f64) -> String {
    let cents = (v * 100.0).round() as u64;
    let whole = (cents / 100).to_string();
    let mut s = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            s.push(',');
        }
        s.push(c);
    }
    if !cents.is_multiple_of(100) {
        s.push_str(&format!(".{:02}", cents % 100));
    }
    s
}

fn printed_range(r: Range) -> String {
    if r.low == r.high {
        printed(r.high)
    } else {
        format!("{} – {}", printed(r.low), printed(r.high))
    }
}

fn pdftotext(pdf: &Path, layout: bool) -> String {
    let mut c = Command::new("pdftotext");
    if layout {
        c.arg("-layout");
    }
    let out = c.arg("-q").arg(pdf).arg("-").output().expect("pdftotext runs (poppler-utils)");
    assert!(out.status.success(), "pdftotext reads the report");
    String::from_utf8(out.stdout).unwrap()
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn assess(tmp: &Path) -> (Matter, ExposureReport) {
    let mut m = matter(tmp);
    let inputs = ExposureInputs::from_toml(INPUTS, "inputs.toml").unwrap();
    let r = m.assess_exposure(&inputs, &AssessOptions { full: true, save_searches: true, sample_tag: None }).unwrap();
    (m, r)
}

#[test]
fn the_report_renders_as_pdf_html_and_csv_without_privileged_or_redacted_text() {
    let tmp = tempfile::tempdir().unwrap();
    let (_m, r) = assess(tmp.path());
    // The matter is what the test planted: otherwise every "absent" below proves nothing.
    assert_eq!(r.requests.len(), 2);
    assert!(r.overall.privileged >= 1 && r.overall.confidential >= 1 && r.overall.needs_redaction >= 1, "{:#?}", r.overall);
    assert!(r.hot_documents.iter().any(|c| c.title.as_deref() == Some(OPEN_TITLE)), "{:#?}", r.hot_documents);

    let out = tmp.path().join("out");
    fs::create_dir_all(&out).unwrap();
    let (pdf, html, csv) = (out.join("report.pdf"), out.join("report.html"), out.join("report.csv"));
    assert_eq!(report::write(&r, &pdf).unwrap(), ReportFile::Pdf);
    assert_eq!(report::write(&r, &html).unwrap(), ReportFile::Html);
    assert_eq!(report::write(&r, &csv).unwrap(), ReportFile::Csv);

    // PDF: real text, headings, every request with its figures as printed.
    let text = pdftotext(&pdf, false);
    let flat = squeeze(&text);
    for heading in [
        "Exposure assessment",
        "Summary",
        "What discovery would expose",
        "What the evidence shows",
        "Requests for production",
        "Exposure by sensitivity",
        "Review and production cost",
        "Volumes by request",
        "Evidence",
        "Hot documents by month",
        "Matter overview",
        "Items by month",
        "Custodians",
        "Method and assumptions",
        "Prepared with Exhibit — not legal advice",
    ] {
        assert!(flat.contains(heading), "pdftotext finds {heading:?}:\n{text}");
    }
    let pages = text.matches('\u{c}').count();
    assert!(flat.contains(&format!("Page 1 of {pages}")) && flat.contains(&format!("Page {pages} of {pages}")), "page numbers");
    let rows: Vec<String> = pdftotext(&pdf, true).lines().map(squeeze).collect();
    for q in r.requests.iter().map(|q| (&q.name, &q.exposure)).chain([(&"Overall".to_string(), &r.overall)]) {
        let (name, e) = q;
        assert!(flat.contains(name.as_str()), "pdftotext finds the request {name:?}");
        let volumes = format!("{name} {} {} {}", printed(e.documents as f64), printed(e.families as f64), printed(e.pages as f64));
        assert!(rows.iter().any(|l| l.starts_with(&volumes)), "a row reads {volumes:?}:\n{}", rows.join("\n"));
        let sensitivity = format!(
            "{name} {} {} {} {} {} {}",
            e.privileged, e.potentially_privileged, e.confidential, e.trade_secret, e.needs_redaction, e.hot
        );
        assert!(rows.iter().any(|l| l.starts_with(&sensitivity)), "a row reads {sensitivity:?}");
        let cost = printed_range(e.review_cost);
        assert!(rows.iter().any(|l| l.starts_with(name.as_str()) && l.ends_with(&cost)), "{name}'s cost {cost:?} is printed");
        assert!(e.review_cost.high > e.review_cost.low, "rates are ranges, so the cost is one");
    }
    for q in &r.requests {
        assert!(flat.contains(&q.searches.privileged.search), "the figure names its saved search {:?}", q.searches.privileged.search);
    }
    assert!(flat.contains(OPEN_TITLE), "a hot title that is none of the sensitive kinds is printed");
    // The CJK fallback draws what DejaVu lacks, and every face is embedded as a subset: the
    // whole faces took 2.9 MB deflated.
    assert!(flat.contains("Delay 延误"), "pdftotext reads the evidence name in Chinese");
    let size = fs::metadata(&pdf).unwrap().len();
    assert!(size < 200_000, "the report is {size} bytes: its fonts are not subset");

    // Nothing planted anywhere: pdftotext, raw PDF bytes, HTML, CSV.
    let pdf_bytes = String::from_utf8_lossy(&fs::read(&pdf).unwrap()).to_lowercase();
    let html_text = fs::read_to_string(&html).unwrap();
    let csv_text = fs::read_to_string(&csv).unwrap();
    for secret in [PRIVILEGED, "Zanzibar", CONFIDENTIAL, "Okapi", REDACTED, "Quetzal"] {
        let s = secret.to_lowercase();
        for (what, body) in [
            ("PDF text", text.to_lowercase()),
            ("PDF bytes", pdf_bytes.clone()),
            ("HTML", html_text.to_lowercase()),
            ("CSV", csv_text.to_lowercase()),
        ] {
            assert!(!body.contains(&s), "{secret:?} appears in the {what}");
        }
    }
    assert!(html_text.contains("[title withheld"), "withheld titles say so");

    // HTML: self-contained, charts inline, the same figures.
    assert!(!html_text.to_lowercase().contains("<script"), "no script");
    assert!(!html_text.contains("http://") && !html_text.contains("https://"), "no remote resource");
    assert!(html_text.contains("default-src 'none'"));
    assert!(html_text.matches("<svg ").count() >= 5, "volumes, sensitivity, cost, hot timeline, months");
    for q in &r.requests {
        assert!(html_text.contains(&q.name.replace('&', "&amp;")));
        assert!(html_text.contains(&q.searches.documents.search.replace('"', "&quot;")), "HTML names {:?}", q.searches.documents.search);
    }

    // CSV: parses back to the report's numbers, one row per figure, each naming its search.
    let mut rd = csv::Reader::from_path(&csv).unwrap();
    assert_eq!(rd.headers().unwrap().iter().collect::<Vec<_>>(), ["section", "name", "figure", "value", "search", "query"]);
    let recs: Vec<csv::StringRecord> = rd.records().map(|x| x.unwrap()).collect();
    let get = |section: &str, name: &str, figure: &str| {
        recs.iter()
            .find(|x| &x[0] == section && &x[1] == name && &x[2] == figure)
            .unwrap_or_else(|| panic!("CSV row {section}/{name}/{figure}"))
            .clone()
    };
    for q in &r.requests {
        let d = get("request", &q.name, "documents");
        assert_eq!(d[3].parse::<u64>().unwrap(), q.exposure.documents);
        assert_eq!((&d[4], &d[5]), (q.searches.documents.search.as_str(), q.searches.documents.query.as_str()));
        assert_eq!(get("request", &q.name, "privileged")[3].parse::<u64>().unwrap(), q.exposure.privileged);
        assert_eq!(get("request", &q.name, "review_cost_high")[3].parse::<f64>().unwrap(), q.exposure.review_cost.high);
    }
    assert_eq!(get("overall", "Overall", "families")[3].parse::<u64>().unwrap(), r.overall.families);
    assert_eq!(get("overview", "Matter", "items")[3].parse::<u64>().unwrap(), r.overview.items);

    // Pictures: page 1 and the page with the charts, to look at.
    let keep = std::env::var_os("EXHIBIT_KEEP_REPORT").map(std::path::PathBuf::from).unwrap_or_else(|| out.clone());
    fs::create_dir_all(&keep).unwrap();
    let chart_page = text.split('\u{c}').position(|p| p.contains("Volumes by request")).unwrap() + 1;
    for (page, name) in [(1, "page1"), (chart_page, "charts")] {
        let prefix = keep.join(format!("exposure-{name}"));
        let st = Command::new("pdftoppm")
            .args(["-r", "110", "-png", "-singlefile", "-f", &page.to_string(), "-l", &page.to_string()])
            .arg(&pdf)
            .arg(&prefix)
            .status()
            .expect("pdftoppm runs");
        assert!(st.success());
        let png = prefix.with_extension("png");
        assert!(fs::metadata(&png).unwrap().len() > 10_000, "{} is a real picture", png.display());
    }
    if std::env::var_os("EXHIBIT_KEEP_REPORT").is_some() {
        for f in [&pdf, &html, &csv] {
            fs::copy(f, keep.join(f.file_name().unwrap())).unwrap();
        }
    }
}
