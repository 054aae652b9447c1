//! The exposure report as a sequence of blocks (headings, paragraphs, tables, charts), built
//! once from the figures and written by the HTML and PDF writers, so both say the same thing in
//! the same order. Everything printed comes from [`ExposureReport`]: figures, query text,
//! saved-search names, control numbers and the titles the assessment did not withhold — never
//! text read from an item.

use super::chart::{number, Chart, Color, RangeBar, Series, SENSITIVITY};
use crate::assess::exposure::{Exposure, ExposureReport, FigureSearches, Range};
use crate::assess::section::{Block as SectionBlock, Section};

/// One side of the decision on the cover: a title and label–value lines.
#[derive(Debug, Clone, PartialEq)]
pub struct Side {
    pub title: String,
    pub lines: Vec<(String, String)>,
}

/// A piece of the report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// The cover's title, with the matter and date under it.
    Title {
        text: String,
        subtitle: String,
    },
    /// Level 1 starts a part of the report (a new page in the PDF); level 2 a subsection.
    Heading {
        text: String,
        level: u8,
    },
    Paragraph(String),
    /// Small print: which saved search reproduces a figure, a caveat.
    Note(String),
    List(Vec<String>),
    /// The decision's two sides, beside each other.
    Sides(Side, Side),
    /// `numeric` columns are right-aligned.
    Table {
        columns: Vec<String>,
        numeric: Vec<bool>,
        rows: Vec<Vec<String>>,
    },
    Chart(Chart),
    /// A section built elsewhere (the model-log analysis): the HTML writer reuses its own HTML.
    Section(Section),
}

/// The footer every PDF page and the HTML end carry.
pub const FOOTER: &str = "Prepared with Exhibit — not legal advice";

/// How many rows a breakdown (custodians, file types, domains, languages) shows; the CSV has all.
const TOP: usize = 15;

/// A count with thousands separators.
pub fn int(v: u64) -> String {
    number(v as f64)
}

/// A range as printed: "a – b", or one figure when the ends are equal.
pub fn range(r: Range) -> String {
    if r.low == r.high {
        number(r.high)
    } else {
        format!("{} – {}", number(r.low), number(r.high))
    }
}

/// A money range as printed: "USD a – b".
pub fn money(r: Range, currency: &str) -> String {
    format!("{currency} {}", range(r))
}

/// Bytes in the unit a reader expects.
pub fn bytes(b: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut v = b as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{} bytes", int(b))
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn dates(first: &Option<String>, last: &Option<String>) -> String {
    match (first, last) {
        (Some(a), Some(b)) if a == b => a.clone(),
        (Some(a), Some(b)) => format!("{a} to {b}"),
        _ => "undated".into(),
    }
}

fn search_note(label: &str, f: &crate::assess::exposure::Figure) -> String {
    format!("{label} — search: {}", f.search)
}

fn table(columns: &[&str], numeric_from: usize, rows: Vec<Vec<String>>) -> Block {
    Block::Table {
        columns: columns.iter().map(|c| c.to_string()).collect(),
        numeric: (0..columns.len()).map(|i| i >= numeric_from).collect(),
        rows,
    }
}

/// The report's blocks, in order.
pub fn blocks(r: &ExposureReport) -> Vec<Block> {
    let cur = r.inputs.review.currency.as_str();
    let mut out = Vec::new();
    cover(r, cur, &mut out);
    requests(r, cur, &mut out);
    evidence(r, &mut out);
    if let Some(s) = &r.model_logs {
        out.push(Block::Heading { text: "Model-log analysis".into(), level: 1 });
        out.push(Block::Section(s.clone()));
    }
    overview(r, &mut out);
    method(r, cur, &mut out);
    out
}

fn cover(r: &ExposureReport, cur: &str, out: &mut Vec<Block>) {
    let o = &r.overall;
    out.push(Block::Title { text: "Exposure assessment".into(), subtitle: format!("Matter: {} · generated {}", r.matter, r.generated) });
    let hot_total: u64 = r.hot_timeline.iter().map(|c| c.count).sum();
    out.push(Block::Heading { text: "Summary".into(), level: 2 });
    let n = |v: u64, one: &str, many: &str| format!("{} {}", int(v), if v == 1 { one } else { many });
    out.push(Block::Paragraph(format!(
        "The {} for production would reach {}, {} with their families ({}, {}, {}). \
         Among those family items, {} tagged privileged, {} flagged as potentially privileged, {} confidential, \
         {} and {} redaction. Reviewing and producing them is estimated at {} hours and {}.",
        n(r.requests.len() as u64, "anticipated request", "anticipated requests"),
        n(o.documents, "document", "documents"),
        int(o.families),
        n(o.pages, "page", "pages"),
        n(o.custodians, "custodian", "custodians"),
        dates(&o.date_first, &o.date_last),
        n(o.privileged, "is", "are"),
        n(o.potentially_privileged, "more is", "more are"),
        n(o.confidential, "is", "are"),
        n(o.trade_secret, "is a trade secret", "are trade secrets"),
        n(o.needs_redaction, "needs", "need"),
        range(o.review_hours),
        money(o.review_cost, cur),
    )));
    let mut evidence_par = format!(
        "On the other side of the decision, the matter holds {}; {} {}.",
        n(hot_total, "hot document", "hot documents"),
        if r.evidence.len() == 1 {
            "the evidence query finds".to_string()
        } else {
            format!("the {} evidence queries find", r.evidence.len())
        },
        n(r.evidence.iter().map(|e| e.documents).sum(), "document", "documents"),
    );
    if let Some(s) = &r.model_logs {
        evidence_par.push_str(&format!(" The model-log analysis rates its evidence {}: {}", s.rating.label().to_lowercase(), s.summary));
    }
    out.push(Block::Paragraph(evidence_par));
    let exposure = Side {
        title: "What discovery would expose".into(),
        lines: vec![
            ("Documents".into(), int(o.documents)),
            ("With families".into(), int(o.families)),
            ("Pages".into(), int(o.pages)),
            ("Privileged".into(), int(o.privileged)),
            ("Potentially privileged".into(), int(o.potentially_privileged)),
            ("Confidential".into(), int(o.confidential)),
            ("Trade secret".into(), int(o.trade_secret)),
            ("Needs redaction".into(), int(o.needs_redaction)),
            ("Review hours".into(), range(o.review_hours)),
            ("Review and production cost".into(), money(o.review_cost, cur)),
        ],
    };
    let mut lines = vec![("Hot documents in the matter".into(), int(hot_total)), ("Hot among requested families".into(), int(o.hot))];
    for e in &r.evidence {
        lines.push((format!("Evidence: {}", e.name), format!("{} documents, {} hot", int(e.documents), int(e.hot))));
    }
    if let Some(s) = &r.model_logs {
        lines.push(("Model-log evidence".into(), s.rating.label().into()));
    }
    out.push(Block::Sides(exposure, Side { title: "What the evidence shows".into(), lines }));
    out.push(Block::Note(format!(
        "Overall figures count every item once, however many requests reach it. Searches: {}; {}.",
        r.overall_searches.documents.search, r.overall_searches.families.search
    )));
    out.push(Block::Note(
        "This report states counts and estimates computed from the matter and the stated assumptions. It is not legal advice \
         and does not say whether to proceed."
            .into(),
    ));
}

fn figure_rows(e: &Exposure, s: &FigureSearches) -> Vec<Vec<String>> {
    let row = |name: &str, v: u64, f: Option<&crate::assess::exposure::Figure>| {
        vec![name.to_string(), int(v), f.map(|f| f.search.clone()).unwrap_or_else(|| "— (no privilege screen)".into())]
    };
    vec![
        row("Documents", e.documents, Some(&s.documents)),
        row("With families", e.families, Some(&s.families)),
        row("Privileged", e.privileged, Some(&s.privileged)),
        row("Potentially privileged", e.potentially_privileged, s.potentially_privileged.as_ref()),
        row("Confidential", e.confidential, Some(&s.confidential)),
        row("Trade secret", e.trade_secret, Some(&s.trade_secret)),
        row("Needs redaction", e.needs_redaction, Some(&s.needs_redaction)),
        row("Hot", e.hot, Some(&s.hot)),
    ]
}

fn requests(r: &ExposureReport, cur: &str, out: &mut Vec<Block>) {
    out.push(Block::Heading { text: "Requests for production".into(), level: 1 });
    out.push(Block::Paragraph(
        "Documents are the items a request's query matches; every other figure counts those items with their families, \
         because a production carries whole families. The overall line counts the union of all requests."
            .into(),
    ));
    let all =
        || r.requests.iter().map(|q| (q.name.clone(), &q.exposure, Some(q.adds_alone))).chain([("Overall".to_string(), &r.overall, None)]);
    out.push(Block::Heading { text: "Volumes".into(), level: 2 });
    out.push(table(
        &["Request", "Documents", "Families", "Pages", "Custodians", "Adds alone", "Dates"],
        1,
        all()
            .map(|(n, e, adds)| {
                vec![
                    n,
                    int(e.documents),
                    int(e.families),
                    if e.pages_estimated > 0 { format!("{} ({} est.)", int(e.pages), int(e.pages_estimated)) } else { int(e.pages) },
                    int(e.custodians),
                    adds.map(int).unwrap_or_else(|| "—".into()),
                    dates(&e.date_first, &e.date_last),
                ]
            })
            .collect(),
    ));
    out.push(Block::Note(
        "Pages: known page counts, else estimated from text length (how many items are estimates in brackets). \
         Adds alone: family items no other request reaches."
            .into(),
    ));
    out.push(Block::Heading { text: "Exposure by sensitivity".into(), level: 2 });
    out.push(table(
        &["Request", "Privileged", "Potentially privileged", "Confidential", "Trade secret", "Needs redaction", "Hot"],
        1,
        all()
            .map(|(n, e, _)| {
                vec![
                    n,
                    int(e.privileged),
                    int(e.potentially_privileged),
                    int(e.confidential),
                    int(e.trade_secret),
                    int(e.needs_redaction),
                    int(e.hot),
                ]
            })
            .collect(),
    ));
    out.push(Block::Heading { text: "Review and production cost".into(), level: 2 });
    out.push(table(
        &[
            "Request",
            "First-pass hours",
            "Privilege hours",
            "Review hours",
            format!("Production ({cur})").as_str(),
            format!("Total cost ({cur})").as_str(),
        ],
        1,
        all()
            .map(|(n, e, _)| {
                vec![
                    n,
                    range(e.first_pass_hours),
                    range(e.privilege_hours),
                    range(e.review_hours),
                    range(e.production_cost),
                    range(e.review_cost),
                ]
            })
            .collect(),
    ));

    let labels: Vec<String> = r.requests.iter().map(|q| q.name.clone()).collect();
    let col = |f: fn(&Exposure) -> u64| r.requests.iter().map(|q| f(&q.exposure) as f64).collect::<Vec<_>>();
    out.push(Block::Heading { text: "Charts".into(), level: 2 });
    out.push(Block::Chart(Chart::bars(
        "Volumes by request",
        &labels,
        &[
            Series { name: "Documents".into(), color: Color::BLUE, values: col(|e| e.documents) },
            Series { name: "With families".into(), color: Color::SKY, values: col(|e| e.families) },
        ],
    )));
    out.push(Block::Note("Each bar is reproduced by the request's saved searches “… — documents” and “… — families”.".into()));
    let fs: [fn(&Exposure) -> u64; 5] =
        [|e| e.privileged, |e| e.potentially_privileged, |e| e.confidential, |e| e.trade_secret, |e| e.needs_redaction];
    let series: Vec<Series> =
        SENSITIVITY.iter().zip(fs).map(|((name, color), f)| Series { name: name.to_string(), color: *color, values: col(f) }).collect();
    out.push(Block::Chart(Chart::stacked("Exposure by sensitivity (family items)", &labels, &series)));
    out.push(Block::Note("Segments: the request's saved searches “… — privileged”, “… — potentially privileged”, “… — confidential”, “… — trade secret”, “… — needs redaction”. An item in two categories counts in both.".into()));
    let bars: Vec<RangeBar> = r
        .requests
        .iter()
        .map(|q| RangeBar { label: q.name.clone(), low: q.exposure.review_cost.low, high: q.exposure.review_cost.high })
        .chain([RangeBar { label: "Overall".into(), low: r.overall.review_cost.low, high: r.overall.review_cost.high }])
        .collect();
    out.push(Block::Chart(Chart::ranges(&format!("Review and production cost ({cur}), low to high"), &bars, cur)));

    for q in &r.requests {
        out.push(Block::Heading { text: format!("Request: {}", q.name), level: 2 });
        out.push(Block::Paragraph(format!("Query: {}", q.query)));
        out.push(table(&["Figure", "Count", "Saved search"], 1, figure_rows(&q.exposure, &q.searches)));
        if let Some(Block::Table { numeric, .. }) = out.last_mut() {
            numeric[2] = false;
        }
        out.push(Block::Paragraph(format!(
            "Pages {}; review {} hours; cost {} (first pass {} h, privilege review {} h, production {}).",
            int(q.exposure.pages),
            range(q.exposure.review_hours),
            money(q.exposure.review_cost, cur),
            range(q.exposure.first_pass_hours),
            range(q.exposure.privilege_hours),
            money(q.exposure.production_cost, cur),
        )));
    }

    if !r.overlap.is_empty() {
        out.push(Block::Heading { text: "Overlap between requests".into(), level: 2 });
        out.push(table(
            &["Request", "Request", "Family items both reach"],
            2,
            r.overlap.iter().map(|o| vec![o.a.clone(), o.b.clone(), int(o.shared)]).collect(),
        ));
    }
    if let Some(s) = &r.privilege_screen {
        out.push(Block::Note(search_note("Privilege screen (items involving counsel, not yet tagged privileged)", s)));
    }
    if let Some(s) = &r.sample {
        out.push(Block::Heading { text: "Sample estimate".into(), level: 2 });
        out.push(Block::Paragraph(format!(
            "{} items were drawn at random from the untagged responsive items (tag “{}”); reviewers have coded {} of them. \
             The rates seen in the coded items are projected onto the {} responsive family items not yet coded, \
             with a 95% confidence interval (Wilson). The estimate rests on {} coded items.",
            int(s.drawn),
            s.tag,
            int(s.coded),
            int(s.remainder),
            int(s.coded)
        )));
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let row = |name: &str, p: &crate::assess::exposure::Proportion| {
            vec![
                name.to_string(),
                int(p.hits),
                pct(p.rate),
                format!("{} – {}", pct(p.low), pct(p.high)),
                int(p.projected),
                format!("{} – {}", int(p.projected_low), int(p.projected_high)),
            ]
        };
        out.push(table(
            &["Category", "In sample", "Rate", "95% interval", "Projected", "Projected range"],
            1,
            vec![row("Privileged", &s.privileged), row("Confidential", &s.confidential), row("Trade secret", &s.trade_secret)],
        ));
    }
}

fn evidence(r: &ExposureReport, out: &mut Vec<Block>) {
    out.push(Block::Heading { text: "Evidence".into(), level: 1 });
    if r.evidence.is_empty() {
        out.push(Block::Paragraph("The inputs name no evidence queries.".into()));
    } else {
        out.push(table(
            &["Evidence query", "Documents", "Families", "Hot", "Dates", "Saved search"],
            1,
            r.evidence
                .iter()
                .map(|e| {
                    vec![
                        e.name.clone(),
                        int(e.documents),
                        int(e.families),
                        int(e.hot),
                        dates(&e.date_first, &e.date_last),
                        e.search.search.clone(),
                    ]
                })
                .collect(),
        ));
        if let Some(Block::Table { numeric, .. }) = out.last_mut() {
            numeric[4] = false;
            numeric[5] = false;
        }
    }
    let periods: Vec<(String, u64)> = r.hot_timeline.iter().map(|c| (c.label.clone(), c.count)).collect();
    out.push(Block::Heading { text: "Timeline of hot documents".into(), level: 2 });
    out.push(Block::Chart(Chart::histogram("Hot documents by month", &periods, Color(0xb3, 0x26, 0x1e))));
    if !r.hot_documents.is_empty() {
        out.push(Block::Heading { text: "Hot documents".into(), level: 2 });
        out.push(table(
            &["Control number", "Date", "Kind", "Title"],
            9,
            r.hot_documents
                .iter()
                .map(|c| {
                    vec![
                        c.control.clone(),
                        c.date.clone().unwrap_or_else(|| "undated".into()),
                        c.kind.clone(),
                        c.title.clone().unwrap_or_else(|| "[title withheld: privileged, confidential or redacted]".into()),
                    ]
                })
                .collect(),
        ));
    }
}

fn counts(title: &str, what: &str, list: &[crate::assess::exposure::Count], out: &mut Vec<Block>) {
    if list.is_empty() {
        return;
    }
    out.push(Block::Heading { text: title.into(), level: 2 });
    let mut rows: Vec<Vec<String>> = list.iter().take(TOP).map(|c| vec![c.label.clone(), int(c.count)]).collect();
    if list.len() > TOP {
        let rest: u64 = list[TOP..].iter().map(|c| c.count).sum();
        rows.push(vec![format!("{} others", int((list.len() - TOP) as u64)), int(rest)]);
    }
    out.push(table(&[what, "Items"], 1, rows));
}

fn overview(r: &ExposureReport, out: &mut Vec<Block>) {
    let o = &r.overview;
    out.push(Block::Heading { text: "Matter overview".into(), level: 1 });
    out.push(table(
        &["", "Items", "Bytes"],
        1,
        vec![
            vec!["As found (every copy)".into(), int(o.items_found), bytes(o.bytes_found)],
            vec!["After deduplication".into(), int(o.items), bytes(o.bytes)],
        ],
    ));
    out.push(Block::Paragraph(format!(
        "{}; undated: {}; could not be read (errors): {}; need OCR: {}.",
        if o.families == 1 { "1 family".to_string() } else { format!("{} families", int(o.families)) },
        int(o.undated),
        int(o.errors),
        int(o.needs_ocr)
    )));
    out.push(Block::Chart(Chart::histogram(
        "Items by month",
        &o.months.iter().map(|c| (c.label.clone(), c.count)).collect::<Vec<_>>(),
        Color::BLUE,
    )));
    counts("Custodians", "Custodian", &o.custodians, out);
    counts("File types", "File type", &o.file_types, out);
    counts("Sender domains", "Domain", &o.sender_domains, out);
    counts("Languages", "Language", &o.languages, out);
    if o.languages_sampled < o.languages_of {
        out.push(Block::Note(format!(
            "Languages detected on {} of the {} items with text (one in {} by id), from the first 2,000 characters of each.",
            int(o.languages_sampled),
            int(o.languages_of),
            o.languages_of.div_ceil(o.languages_sampled.max(1))
        )));
    }
    if !r.terms.is_empty() {
        out.push(Block::Heading { text: "Search-term hits".into(), level: 2 });
        out.push(table(
            &["Term", "Query", "Documents", "Unique", "With families"],
            2,
            r.terms.iter().map(|t| vec![t.name.clone(), t.query.clone(), int(t.documents), int(t.unique), int(t.with_families)]).collect(),
        ));
        out.push(Block::Note("Unique: documents no other term hits. With families: the hits and their family members.".into()));
    }
}

fn method(r: &ExposureReport, cur: &str, out: &mut Vec<Block>) {
    let v = &r.inputs.review;
    out.push(Block::Heading { text: "Method and assumptions".into(), level: 1 });
    out.push(Block::List(r.method.clone()));
    out.push(Block::Heading { text: "Review rates".into(), level: 2 });
    out.push(table(
        &["Assumption", "Value"],
        9,
        vec![
            vec!["First-pass review, documents per hour".into(), range(v.first_pass_docs_per_hour)],
            vec!["Privilege review, documents per hour".into(), range(v.privilege_docs_per_hour)],
            vec!["First-pass hourly rate".into(), money(v.hourly_rate, cur)],
            vec!["Privilege review hourly rate".into(), money(v.privilege_hourly_rate, cur)],
            vec!["Production cost per page".into(), money(v.cost_per_page, cur)],
        ],
    ));
    let t = &r.inputs.tags;
    let tags = |l: &[String]| if l.is_empty() { "(none)".to_string() } else { l.join(", ") };
    out.push(Block::Heading { text: "Tags counted".into(), level: 2 });
    out.push(table(
        &["Category", "Tags"],
        9,
        vec![
            vec!["Privileged".into(), tags(&t.privileged)],
            vec!["Confidential".into(), tags(&t.confidential)],
            vec!["Trade secret".into(), tags(&t.trade_secret)],
            vec!["Hot".into(), tags(&t.hot)],
            vec!["Needs redaction".into(), tags(&t.needs_redaction)],
        ],
    ));
    out.push(Block::Note(format!("{FOOTER}. Every figure names the saved search in the matter that reproduces it.")));
}

/// A section's blocks as report blocks (for the PDF, which has no HTML to reuse).
pub fn section_blocks(s: &Section) -> Vec<Block> {
    let mut out = vec![
        Block::Heading { text: s.title.clone(), level: 2 },
        Block::Paragraph(format!("Assessment: {}. {}", s.rating.label(), s.summary)),
    ];
    for b in &s.blocks {
        out.push(match b {
            SectionBlock::Heading { text } => Block::Heading { text: text.clone(), level: 2 },
            SectionBlock::Paragraph { text } => Block::Paragraph(text.clone()),
            SectionBlock::List { items } => Block::List(items.clone()),
            SectionBlock::Table { columns, rows } => Block::Table {
                columns: columns.clone(),
                numeric: columns
                    .iter()
                    .enumerate()
                    .map(|(i, _)| i > 0 && rows.iter().all(|r| r.get(i).is_some_and(|c| is_number(c))))
                    .collect(),
                rows: rows.clone(),
            },
        });
    }
    out
}

fn is_number(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || matches!(c, ',' | '.' | '%' | '-' | ' ' | '–'))
}
