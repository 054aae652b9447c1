//! The `exhibit` command line: a thin transport over the library (contract: cli.md).
//!
//! Exit status: 0 success, 1 the operation failed (message on stderr), 2 bad usage (clap).
//! `--json` prints exactly one JSON document on stdout; progress goes to stderr, and only
//! when stderr is a terminal.

use clap::{Parser, Subcommand, ValueEnum};
use exhibit::index::Sort;
use exhibit::ingest::IngestOptions;
use exhibit::redact::{RuleSpec, Treatment};
use exhibit::review::{Propagate, Target};
use exhibit::{Error, Matter};
use serde::Serialize;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

mod serve;

#[derive(Parser)]
#[command(name = "exhibit", version, about = "Local-first evidence and discovery review")]
struct Cli {
    /// The matter folder (or set EXHIBIT_MATTER).
    #[arg(long, global = true, env = "EXHIBIT_MATTER", value_name = "DIR")]
    matter: Option<PathBuf>,
    /// Print one JSON document on stdout instead of text.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create an empty matter.
    Init {
        dir: PathBuf,
        #[arg(long)]
        name: Option<String>,
    },
    /// Ingest files, folders, archives and mailboxes.
    Ingest {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Whose documents these are.
        #[arg(long, default_value = "Unassigned")]
        custodian: String,
        /// Extraction worker processes (default: one per core).
        #[arg(long)]
        workers: Option<usize>,
        /// Seconds one file may take to extract before it is set aside as an error.
        #[arg(long, default_value_t = 30)]
        timeout: u64,
    },
    /// What the matter holds.
    Status,
    /// Ingest errors, with reasons.
    Errors,
    /// Search the matter.
    Search {
        #[arg(required = true)]
        query: Vec<String>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[arg(long, value_enum, default_value_t = SortArg::Relevance)]
        sort: SortArg,
        /// Also count the results by kind, custodian, tag, month, extension and sender domain.
        #[arg(long)]
        facets: bool,
        /// Search the redacted set: nothing answered depends on a redacted value (no facets).
        #[arg(long, conflicts_with = "facets")]
        redacted: bool,
    },
    /// AI-model API logs: distillation analysis.
    Logs {
        #[command(subcommand)]
        action: LogsAction,
    },
    /// Facet counts over a query's results (default: the whole matter).
    Facets { query: Vec<String> },
    /// Search-term report: one query per line of FILE.
    Str {
        file: PathBuf,
        /// Also write the report as CSV here.
        #[arg(long, value_name = "CSV")]
        csv: Option<PathBuf>,
    },
    /// Code items: add, remove or list tags.
    Tag {
        #[command(subcommand)]
        action: TagAction,
    },
    /// Notes on items.
    Note {
        #[command(subcommand)]
        action: NoteAction,
    },
    /// Saved searches.
    Saved {
        #[command(subcommand)]
        action: SavedAction,
    },
    /// Redactions: manual spans, pattern rules, listing and removal.
    Redact {
        #[command(subcommand)]
        action: RedactAction,
    },
    /// One item: metadata, text, family, tags.
    Show {
        /// Item id or control number.
        id: String,
        /// Show the redacted view.
        #[arg(long)]
        redacted: bool,
        /// Also give the character offsets of this query's hits in the text.
        #[arg(long, value_name = "QUERY")]
        hits: Option<String>,
    },
    /// Check the audit chain, every original and the index (exit 1 on any problem).
    Verify {
        /// Re-verify a production bundle on disk instead.
        #[arg(long, value_name = "DIR")]
        production: Option<PathBuf>,
        /// An audit head taken earlier (printed by `verify`, in a report or a production
        /// manifest): the log must still hold that entry, unchanged.
        #[arg(long, value_name = "HASH")]
        anchor: Option<String>,
    },
    /// Rebuild the search index from the database.
    Reindex,
    /// The audit log, newest first.
    Audit {
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Internal: an extraction worker (started by `ingest`).
    #[command(name = "__worker", hide = true)]
    Worker { blob_dir: PathBuf },
    /// Serve the review UI and API on 127.0.0.1 (prints the URL with its access token).
    Serve {
        /// Port to listen on (0: any free port).
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// The built UI folder (default: ui/dist of this source tree, or EXHIBIT_UI_DIR).
        #[arg(long, value_name = "DIR")]
        ui: Option<PathBuf>,
        /// A folder under which the browser may create and open matters and ingest files
        /// (repeatable). Without it, only the --matter folder can be used, and nothing ingested.
        #[arg(long, value_name = "DIR")]
        allow: Vec<PathBuf>,
        /// Milliseconds a client may take to send a request's headers before it is disconnected.
        #[arg(long, value_name = "MS", default_value_t = 10_000, hide = true)]
        header_timeout_ms: u64,
    },
}

#[derive(clap::Args)]
struct Coding {
    tag: String,
    /// Items (ids or control numbers).
    items: Vec<String>,
    /// Every item matching this query instead.
    #[arg(long, conflicts_with = "items")]
    query: Option<String>,
    /// Spread to the whole family of each item.
    #[arg(long)]
    family: bool,
    /// Spread to items with the same SHA-256.
    #[arg(long)]
    duplicates: bool,
}

#[derive(Subcommand)]
enum TagAction {
    /// Apply a tag (a new name creates a user tag).
    Add(Coding),
    /// Remove a tag (also how a bulk coding is undone).
    Remove(Coding),
    /// Every tag with its count.
    List,
}

#[derive(Subcommand)]
enum NoteAction {
    Add { item: String, text: Vec<String> },
    List { item: String },
}

#[derive(Subcommand)]
enum SavedAction {
    Add { name: String, query: Vec<String> },
    List,
    Remove { name: String },
}

#[derive(Subcommand)]
enum RedactAction {
    /// Redact characters START:END of an item's extracted text.
    Add {
        id: String,
        #[arg(long, value_name = "START:END")]
        span: String,
        #[arg(long)]
        reason: String,
        /// Replace with a stable pseudonym instead of a black box.
        #[arg(long)]
        pseudonymize: bool,
    },
    /// Black out a rectangle of a PDF page, and redact the words inside it.
    Box {
        id: String,
        /// 1-based page number.
        #[arg(long)]
        page: u32,
        /// Corners in points from the top-left of the page as displayed: X0,Y0,X1,Y1.
        #[arg(long, value_name = "X0,Y0,X1,Y1")]
        rect: String,
        #[arg(long)]
        reason: String,
        /// Pseudonymize the words inside instead of blacking them out (the box stays black).
        #[arg(long)]
        pseudonymize: bool,
    },
    /// Remove a box redaction and the text redactions it made.
    RemoveBox { region: i64 },
    /// Pattern rules over a set of items (default: all).
    Rule {
        #[command(subcommand)]
        action: RuleAction,
    },
    /// Redactions, of one item or all.
    List {
        id: Option<String>,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Remove a redaction (and its copies on identical content).
    Remove { redaction: i64 },
    /// Items containing text redacted on ID where it is not redacted.
    Offers { id: String },
    /// Add a reason code of your own.
    Reason { code: String, label: Vec<String> },
    /// The built-in recognizers.
    Builtins,
}

#[derive(Subcommand)]
enum RuleAction {
    Add {
        /// A built-in recognizer or group (see `exhibit redact builtins`).
        #[arg(long, group = "pattern")]
        builtin: Vec<String>,
        /// A regular expression.
        #[arg(long, group = "pattern")]
        regex: Option<String>,
        /// A file of terms, one per line.
        #[arg(long, group = "pattern", value_name = "FILE")]
        terms: Option<PathBuf>,
        /// Match terms only as whole words.
        #[arg(long)]
        whole_word: bool,
        /// Match terms with case.
        #[arg(long)]
        case_sensitive: bool,
        #[arg(long)]
        reason: String,
        /// Only items matching this query.
        #[arg(long)]
        query: Option<String>,
        #[arg(long)]
        pseudonymize: bool,
        /// Count and show examples; write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Subcommand)]
enum LogsAction {
    /// Every distillation signal per account, clusters of coordinated accounts, and (with
    /// --suspect-outputs) overlap between a suspect model's answers and the logged completions.
    Analyze {
        #[arg(long, value_enum, default_value_t = GroupArg::Account)]
        group_by: GroupArg,
        /// JSONL of {"prompt", "output"} from the suspect model.
        #[arg(long, value_name = "FILE")]
        suspect_outputs: Option<PathBuf>,
        /// Tag the calls of every flagged account with this tag (evidence).
        #[arg(long, value_name = "TAG")]
        tag: Option<String>,
        /// Also write the signals as CSV.
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
        /// Also write the exposure report's model-log section: Markdown, or HTML / JSON when
        /// FILE ends in .html / .json.
        #[arg(long, value_name = "FILE")]
        section: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum GroupArg {
    Account,
    Key,
    User,
    Ip,
}

#[derive(Clone, Copy, ValueEnum)]
enum SortArg {
    Relevance,
    Date,
}

fn main() -> ExitCode {
    // Behave like other Unix tools when the reader goes away (`exhibit search x | head`).
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("exhibit: {e}");
            // A query that cannot be read is bad usage (cli.md: exit 2), like a bad flag.
            ExitCode::from(if e.code() == "bad_query" { 2 } else { 1 })
        }
    }
}

fn open(cli_matter: &Option<PathBuf>) -> Result<Matter, Error> {
    match cli_matter {
        Some(dir) => Matter::open(dir),
        None => Err(Error::NoMatter(PathBuf::from("(none given: use --matter DIR or set EXHIBIT_MATTER)"))),
    }
}

fn emit<T: Serialize>(json: bool, value: &T, human: impl FnOnce(&T)) -> Result<(), Error> {
    if json {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        human(value);
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode, Error> {
    let json = cli.json;
    match cli.command {
        Command::Worker { blob_dir } => {
            exhibit::ingest::worker::serve(&blob_dir)?;
        }
        Command::Init { dir, name } => {
            let name = name.unwrap_or_else(|| dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
            Matter::create(&dir, &name)?;
            let out = serde_json::json!({ "matter": dir.display().to_string(), "name": name });
            emit(json, &out, |_| println!("created matter '{name}' in {}", dir.display()))?;
        }
        Command::Ingest { paths, custodian, workers, timeout } => {
            let mut m = open(&cli.matter)?;
            let mut opts = IngestOptions { custodian, timeout: Duration::from_secs(timeout), ..Default::default() };
            if let Some(w) = workers {
                opts.workers = w;
            }
            let cancel = opts.cancel.clone();
            let _ = ctrlc_flag(cancel);
            let bar = progress_bar();
            let summary = m.ingest(&paths, &opts, &mut |p| {
                if let Some(bar) = &bar {
                    bar.set_length(p.bytes_total);
                    bar.set_position(p.bytes_done);
                    bar.set_message(format!(
                        "{}/{} files · {} items · {} dup · {} errors",
                        p.files_done, p.files_total, p.items_added, p.duplicates, p.errors
                    ));
                }
            })?;
            if let Some(bar) = bar {
                bar.finish_and_clear();
            }
            emit(json, &summary, |s| {
                let secs = s.elapsed_ms as f64 / 1000.0;
                println!(
                    "batch {}: {} files seen ({} already ingested), {} items added, {} duplicates, {} errors; matter holds {} items ({:.1} s)",
                    s.batch, s.files_seen, s.files_skipped, s.items_added, s.duplicates, s.errors, s.items_total, secs
                );
                if s.errors > 0 {
                    println!("see the reasons with `exhibit errors`");
                }
                if s.cancelled {
                    println!("cancelled: run the same command again to finish");
                }
                for b in &s.resumed_batches {
                    println!("completed batch {b}, which an ended process had left unfinished");
                }
            })?;
            // Everything is committed and searchable; the index may still be merging the
            // segments this import wrote. Exiting would abandon those merges, and a matter fed
            // by many short runs would pile segments up, so the command sees them through.
            if !summary.cancelled {
                m.wait_for_index_merges()?;
            }
        }
        Command::Status => {
            let m = open(&cli.matter)?;
            let s = m.status()?;
            emit(json, &s, |s| {
                println!("matter '{}' ({}): {} items, {} errors", s.name, s.matter, s.items, s.errors);
                for (k, n) in &s.by_kind {
                    println!("  {k:<12} {n}");
                }
                for (c, n) in &s.custodians {
                    println!("  custodian {c}: {n}");
                }
            })?;
        }
        Command::Errors => {
            let m = open(&cli.matter)?;
            let errors = m.errors()?;
            emit(json, &serde_json::json!({ "errors": errors }), |_| {
                for e in &errors {
                    println!("{}\t{}\t{}: {}", e.path, e.stage, e.code, e.reason);
                }
                if errors.is_empty() {
                    println!("no ingest errors");
                }
            })?;
        }
        Command::Search { query, limit, offset, sort, facets, redacted } => {
            let m = open(&cli.matter)?;
            let sort = match sort {
                SortArg::Relevance => Sort::Relevance,
                SortArg::Date => Sort::Date,
            };
            let query = query.join(" ");
            let r = if redacted { m.search_redacted(&query, limit, offset, sort)? } else { m.search(&query, limit, offset, sort)? };
            let mut out = serde_json::to_value(&r)?;
            if facets {
                out["facets"] = serde_json::to_value(m.facets(&query)?)?;
            }
            emit(json, &out, |_| {
                println!("{} items match", r.total);
                for h in &r.hits {
                    println!(
                        "{}  {:<11} {}  {}",
                        h.control,
                        h.kind,
                        h.date.as_deref().unwrap_or("          ").get(..10).unwrap_or(""),
                        h.title.as_deref().unwrap_or("(untitled)")
                    );
                    println!(
                        "    {}",
                        h.segments.iter().map(|s| if s.hit { format!("[{}]", s.text) } else { s.text.clone() }).collect::<String>()
                    );
                }
            })?;
        }
        Command::Show { id, redacted, hits } => {
            let m = open(&cli.matter)?;
            let mut out = if redacted {
                if hits.is_some() {
                    return Err(Error::Invalid(exhibit::api::REDACTED_NO_HITS.into()));
                }
                // The one redacted view (src/redact/view.rs), the same the API and the UI show.
                m.redacted_item(&id)?.answer
            } else {
                let item = m.item(&id)?;
                let mut out = serde_json::to_value(&item)?;
                if let Some(call) = m.call_record(item.id)? {
                    out["model_call"] = serde_json::to_value(&call)?;
                }
                if let Some(q) = &hits {
                    out["hits"] = serde_json::to_value(m.hit_offsets(&id, q)?)?;
                }
                out
            };
            out["redacted"] = serde_json::Value::Bool(redacted);
            let boxes = m.redaction_boxes(&id)?;
            if !boxes.is_empty() {
                out["redaction_boxes"] = serde_json::to_value(boxes)?;
            }
            // Printed from the same (possibly redacted) document as --json, never from `item`.
            emit(json, &out, |o| {
                let get = |path: &[&str]| -> String {
                    let mut v = o;
                    for p in path {
                        v = &v[*p];
                    }
                    match v {
                        serde_json::Value::String(s) => s.clone(),
                        serde_json::Value::Array(a) => a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", "),
                        serde_json::Value::Null => String::new(),
                        other => other.to_string(),
                    }
                };
                println!("{} · {} · {}", get(&["control"]), get(&["kind"]), get(&["metadata", "name"]));
                for (label, path) in [
                    ("title", &["title"][..]),
                    ("from", &["metadata", "from"][..]),
                    ("to", &["metadata", "to"][..]),
                    ("date", &["metadata", "date"][..]),
                    ("tags", &["tags"][..]),
                ] {
                    let v = get(path);
                    if !v.is_empty() {
                        println!("{label}: {v}");
                    }
                }
                println!("custodians: {}", get(&["custodians"]).replace(", ", "; "));
                println!(
                    "family: {} ({} members)",
                    get(&["family", "root", "control"]),
                    o["family"]["members"].as_array().map_or(0, |a| a.len())
                );
                if let Some(h) = o.get("hits") {
                    println!("hits at {h}");
                }
                println!("\n{}", get(&["text"]));
            })?;
        }
        Command::Redact { action } => {
            let mut m = open(&cli.matter)?;
            let treat = |p: bool| if p { Treatment::Pseudonymize } else { Treatment::Redact };
            match action {
                RedactAction::Add { id, span, reason, pseudonymize } => {
                    let (s, e) = span
                        .split_once(':')
                        .and_then(|(a, b)| Some((a.trim().parse::<usize>().ok()?, b.trim().parse::<usize>().ok()?)))
                        .ok_or_else(|| Error::Invalid(format!("--span takes START:END character offsets, e.g. 120:135 (got '{span}')")))?;
                    let rid = m.redact_add(&id, s, e, &reason, treat(pseudonymize))?;
                    emit(json, &serde_json::json!({ "redaction": rid }), |_| println!("redaction {rid} added"))?;
                }
                RedactAction::Box { id, page, rect, reason, pseudonymize } => {
                    let v: Vec<f64> = rect.split(',').filter_map(|x| x.trim().parse().ok()).collect();
                    let r: [f64; 4] = v.try_into().map_err(|_| {
                        Error::Invalid(format!(
                            "--rect takes four numbers X0,Y0,X1,Y1 in points from the page's top-left, e.g. 72,100,300,130 (got '{rect}')"
                        ))
                    })?;
                    let added = m.redact_box(&id, page, r, &reason, treat(pseudonymize))?;
                    emit(json, &added, |a| println!("region {} added, {} word span(s) redacted", a.region, a.spans.len()))?;
                }
                RedactAction::RemoveBox { region } => {
                    let n = m.redact_box_remove(region)?;
                    emit(json, &serde_json::json!({ "removed": n }), |_| println!("removed region {region} ({n} redaction(s) with it)"))?;
                }
                RedactAction::Rule {
                    action: RuleAction::Add { builtin, regex, terms, whole_word, case_sensitive, reason, query, pseudonymize, dry_run },
                } => {
                    let spec = if let Some(re) = regex {
                        RuleSpec::Regex { pattern: re }
                    } else if let Some(f) = terms {
                        let text = std::fs::read_to_string(&f).map_err(|e| Error::Read { path: f.clone(), source: e })?;
                        RuleSpec::Terms {
                            terms: text.lines().map(str::to_string).filter(|l| !l.trim().is_empty()).collect(),
                            whole_word,
                            case_sensitive,
                        }
                    } else if !builtin.is_empty() {
                        RuleSpec::Builtin { names: builtin }
                    } else {
                        return Err(Error::Invalid("give --builtin NAME, --regex RE or --terms FILE".into()));
                    };
                    let run = m.redact_rule(spec, &reason, treat(pseudonymize), query.as_deref(), dry_run)?;
                    emit(json, &run, |r| {
                        let verb = if r.dry_run { "would redact" } else { "redacted" };
                        println!("{verb} {} matches in {} items", r.matches, r.items);
                        for (k, n) in &r.by_recognizer {
                            println!("  {k}: {n}");
                        }
                        for (c, k, t) in &r.examples {
                            println!("  e.g. {c} [{k}] {t}");
                        }
                    })?;
                }
                RedactAction::List { id, reason } => {
                    let list = m.redactions(id.as_deref(), reason.as_deref())?;
                    emit(json, &serde_json::json!({ "redactions": list }), |_| {
                        for r in &list {
                            println!("{:>6}  {}  {}:{}  {}  {}", r.id, r.control, r.start, r.end, r.reason, r.source);
                        }
                    })?;
                }
                RedactAction::Remove { redaction } => {
                    let n = m.redact_remove(redaction)?;
                    emit(json, &serde_json::json!({ "removed": n }), |_| println!("removed {n} redaction(s)"))?;
                }
                RedactAction::Offers { id } => {
                    let offers = m.redaction_offers(&id)?;
                    let list: Vec<_> =
                        offers.iter().map(|(c, t, r)| serde_json::json!({ "item": c, "text": t, "from_redaction": r })).collect();
                    emit(json, &serde_json::json!({ "offers": list }), |_| {
                        for (c, t, _) in &offers {
                            println!("{c}: {t}");
                        }
                    })?;
                }
                RedactAction::Reason { code, label } => {
                    m.add_reason(&code, &label.join(" "))?;
                    emit(json, &serde_json::json!({ "reason": code.to_uppercase() }), |_| {
                        println!("reason {} added", code.to_uppercase())
                    })?;
                }
                RedactAction::Builtins => {
                    let list: Vec<_> = exhibit::redact::recognizers::all()
                        .into_iter()
                        .map(|r| serde_json::json!({ "name": r.name, "group": r.group, "description": r.description }))
                        .collect();
                    emit(json, &serde_json::json!({ "builtins": list, "groups": exhibit::redact::recognizers::group_names() }), |_| {
                        for r in exhibit::redact::recognizers::all() {
                            println!("{:<16} {:<8} {}", r.name, r.group.as_str(), r.description);
                        }
                    })?;
                }
            }
        }
        Command::Logs { action: LogsAction::Analyze { group_by, suspect_outputs, tag, csv, section } } => {
            use exhibit::modellogs::GroupBy;
            let mut m = open(&cli.matter)?;
            let g = match group_by {
                GroupArg::Account => GroupBy::Account,
                GroupArg::Key => GroupBy::Key,
                GroupArg::User => GroupBy::User,
                GroupArg::Ip => GroupBy::Ip,
            };
            let report = m.analyze_calls(g, suspect_outputs.as_deref())?;
            let mut out = report.to_json();
            if let Some(t) = &tag {
                out["tagged"] = serde_json::json!({ "tag": t, "changed": m.tag_flagged_calls(&report, t)? });
            }
            if let Some(path) = &csv {
                std::fs::write(path, exhibit::calls::report_csv(&report)).map_err(|e| Error::Write { path: path.clone(), source: e })?;
            }
            if let Some(path) = &section {
                let text = m.model_log_section(&report)?.render(exhibit::assess::ReportFormat::for_path(path));
                std::fs::write(path, text).map_err(|e| Error::Write { path: path.clone(), source: e })?;
            }
            emit(json, &out, |_| {
                println!("{} calls in {} groups, {} flagged", report.calls, report.accounts.len(), report.flagged().count());
                if let Some(a) = report.accounts.iter().find(|a| a.unattributed) {
                    println!("{} calls name no value to group by; they are reported as \"{}\"", a.calls, a.account);
                }
                for c in &report.coverage {
                    println!("    by {:?}: {} calls grouped, {} left out", c.group_by, c.with_value, c.without_value);
                }
                for a in report.flagged() {
                    println!("FLAGGED {} ({} calls, score {:.2})", a.account, a.calls, a.score);
                    for s in a.signals.iter().filter(|s| s.strength > 0.0) {
                        println!("    {}: {}", s.name, s.detail);
                    }
                }
                for c in &report.clusters {
                    println!("cluster of {} accounts: {}", c.accounts.len(), c.reason);
                }
                if let Some(o) = &report.overlap {
                    println!(
                        "overlap: {:.1}% (95% CI {:.1}–{:.1}%), null {:.1}%",
                        o.rate * 100.0,
                        o.ci_low * 100.0,
                        o.ci_high * 100.0,
                        o.null_rate * 100.0
                    );
                }
            })?;
        }
        Command::Facets { query } => {
            let m = open(&cli.matter)?;
            let f = m.facets(&query.join(" "))?;
            emit(json, &f, |f| {
                println!("{} items", f.total);
                for (name, list) in [
                    ("kind", &f.kind),
                    ("custodian", &f.custodian),
                    ("tag", &f.tag),
                    ("month", &f.month),
                    ("ext", &f.ext),
                    ("sender domain", &f.sender_domain),
                ] {
                    let top: Vec<String> = list.iter().take(12).map(|(k, n)| format!("{k} ({n})")).collect();
                    println!("{name}: {}", top.join(", "));
                }
            })?;
        }
        Command::Str { file, csv } => {
            let m = open(&cli.matter)?;
            let text = std::fs::read_to_string(&file).map_err(|e| Error::Read { path: file.clone(), source: e })?;
            let lines: Vec<String> = text.lines().map(str::to_string).collect();
            let r = m.terms_report(&lines)?;
            if let Some(path) = &csv {
                std::fs::write(path, r.to_csv()).map_err(|e| Error::Write { path: path.clone(), source: e })?;
            }
            emit(json, &r, |r| {
                println!("Counted by the rule '{}': {}.", r.term_rule, r.term_rule_text);
                println!("{:<40} {:>8} {:>8} {:>10}", "term", "hits", "unique", "+families");
                let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
                for row in &r.rows {
                    match &row.error {
                        None => println!("{:<40} {:>8} {:>8} {:>10}", row.term, n(row.hits), n(row.unique_hits), n(row.hits_with_families)),
                        Some(e) => println!("{:<40} NOT COUNTED: {e}", row.term),
                    }
                }
                println!("{:<40} {:>8} {:>8} {:>10}", "TOTAL (any term)", r.total_hits, "", r.total_with_families);
            })?;
            if r.term_errors > 0 {
                // The report is printed (and written) with the bad rows marked; the exit status
                // tells a script that it is not complete.
                eprintln!(
                    "exhibit: {} term(s) could not be searched and have no counts: correct them and run the report again",
                    r.term_errors
                );
                return Ok(ExitCode::from(1));
            }
        }
        Command::Tag { action } => {
            let mut m = open(&cli.matter)?;
            match action {
                TagAction::List => {
                    let tags = m.tags()?;
                    emit(json, &serde_json::json!({ "tags": tags }), |_| {
                        for t in &tags {
                            println!("{:>8}  {}", t.count, t.name);
                        }
                    })?;
                }
                TagAction::Add(c) | TagAction::Remove(c) if c.items.is_empty() && c.query.is_none() => {
                    let _ = c;
                    return Err(Error::Invalid("name the items to code, or give --query".into()));
                }
                TagAction::Add(c) => {
                    let (target, prop) = coding_target(&c);
                    let r = m.tag_add(&c.tag, &target, prop)?;
                    emit(json, &r, |r| println!("tagged {} items '{}' ({} already had it)", r.changed, r.tag, r.items - r.changed))?;
                }
                TagAction::Remove(c) => {
                    let (target, prop) = coding_target(&c);
                    let r = m.tag_remove(&c.tag, &target, prop)?;
                    emit(json, &r, |r| println!("removed '{}' from {} items", r.tag, r.changed))?;
                }
            }
        }
        Command::Note { action } => {
            let mut m = open(&cli.matter)?;
            match action {
                NoteAction::Add { item, text } => {
                    let n = m.note_add(&item, &text.join(" "))?;
                    emit(json, &n, |n| println!("note {} added to item {}", n.id, n.item))?;
                }
                NoteAction::List { item } => {
                    let notes = m.notes(&item)?;
                    emit(json, &serde_json::json!({ "notes": notes }), |_| {
                        for n in &notes {
                            println!("{}  {}  {}", n.time, n.actor, n.text);
                        }
                    })?;
                }
            }
        }
        Command::Saved { action } => {
            let mut m = open(&cli.matter)?;
            match action {
                SavedAction::Add { name, query } => {
                    let s = m.save_search(&name, &query.join(" "))?;
                    emit(json, &s, |s| println!("saved '{}': {}", s.name, s.query))?;
                }
                SavedAction::List => {
                    let list = m.saved_searches()?;
                    emit(json, &serde_json::json!({ "saved_searches": list }), |_| {
                        for s in &list {
                            println!("{:<24} {}", s.name, s.query);
                        }
                    })?;
                }
                SavedAction::Remove { name } => {
                    m.delete_saved_search(&name)?;
                    emit(json, &serde_json::json!({ "removed": name }), |_| println!("removed saved search '{name}'"))?;
                }
            }
        }
        Command::Verify { production, anchor } => {
            if production.is_some() {
                eprintln!("exhibit: verifying a production bundle needs the production feature, which is not built yet");
                return Ok(ExitCode::from(1));
            }
            let m = open(&cli.matter)?;
            let r = m.verify_with(&exhibit::verify::VerifyOptions { anchor })?;
            emit(json, &r, |r| {
                for p in &r.problems {
                    println!("PROBLEM {}: {}", p.code, p.detail);
                }
                for n in &r.notes {
                    println!("note: {n}");
                }
                if let Some(h) = &r.head {
                    println!("audit head: entry {} {}", h.seq, h.hash);
                }
                println!(
                    "{}: {} audit entries, {} originals, {} items checked",
                    if r.ok { "ok" } else { "FAILED" },
                    r.audit_entries,
                    r.blobs_checked,
                    r.items_checked
                );
            })?;
            if !r.ok {
                return Ok(ExitCode::from(1));
            }
        }
        Command::Reindex => {
            let mut m = open(&cli.matter)?;
            let n = m.reindex()?;
            emit(json, &serde_json::json!({ "indexed": n }), |_| println!("re-indexed {n} items"))?;
        }
        Command::Audit { limit } => {
            let m = open(&cli.matter)?;
            let entries = m.audit_log(limit)?;
            emit(json, &serde_json::json!({ "entries": entries }), |_| {
                for e in &entries {
                    println!("{:>6}  {}  {:<10} {}", e.seq, e.time, e.actor, e.action);
                }
            })?;
        }
        Command::Serve { port, ui, allow, header_timeout_ms } => serve::run(serve::Options {
            matter: cli.matter.clone(),
            port,
            ui_dir: ui,
            allow,
            header_timeout: Duration::from_millis(header_timeout_ms),
        })?,
    }
    Ok(ExitCode::SUCCESS)
}

fn coding_target(c: &Coding) -> (Target, Propagate) {
    let target = match &c.query {
        Some(q) => Target::Query(q.clone()),
        None => Target::Items(c.items.clone()),
    };
    (target, Propagate { families: c.family, duplicates: c.duplicates })
}

/// A byte-based progress bar on stderr, only when stderr is a terminal.
fn progress_bar() -> Option<indicatif::ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:30} {bytes}/{total_bytes} {bytes_per_sec} ETA {eta} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    Some(bar)
}

/// Ctrl-C asks the ingest to stop after the files in flight; what finished is kept.
fn ctrlc_flag(flag: std::sync::Arc<std::sync::atomic::AtomicBool>) -> std::io::Result<()> {
    static FLAG: std::sync::OnceLock<std::sync::Arc<std::sync::atomic::AtomicBool>> = std::sync::OnceLock::new();
    let _ = FLAG.set(flag);
    extern "C" fn on_sigint(_: libc::c_int) {
        if let Some(f) = FLAG.get() {
            f.store(true, std::sync::atomic::Ordering::Relaxed);
        }
    }
    // SAFETY: the handler only stores to an atomic.
    unsafe {
        libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t);
    }
    Ok(())
}
