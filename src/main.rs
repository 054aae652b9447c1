//! The `exhibit` command line: a thin transport over the library (contract: cli.md).
//!
//! Exit status: 0 success, 1 the operation failed (message on stderr), 2 bad usage (clap).
//! `--json` prints exactly one JSON document on stdout; progress goes to stderr, and only
//! when stderr is a terminal.

use clap::{Parser, Subcommand, ValueEnum};
use exhibit::index::Sort;
use exhibit::ingest::IngestOptions;
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
    },
    /// Facet counts over a query's results (default: the whole matter).
    Facets {
        query: Vec<String>,
    },
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
            ExitCode::from(1)
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
            })?;
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
        Command::Search { query, limit, offset, sort, facets } => {
            let m = open(&cli.matter)?;
            let sort = match sort {
                SortArg::Relevance => Sort::Relevance,
                SortArg::Date => Sort::Date,
            };
            let query = query.join(" ");
            let r = m.search(&query, limit, offset, sort)?;
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
                    println!("    {}", h.snippet.replace("<b>", "[").replace("</b>", "]").replace('\n', " "));
                }
            })?;
        }
        Command::Show { id, redacted: _, hits } => {
            let m = open(&cli.matter)?;
            let item = m.item(&id)?;
            let mut out = serde_json::to_value(&item)?;
            let offsets = match &hits {
                Some(q) => Some(m.hit_offsets(&id, q)?),
                None => None,
            };
            if let Some(o) = &offsets {
                out["hits"] = serde_json::to_value(o)?;
            }
            let i = &item;
            emit(json, &out, |_| {
                println!("{} · {} · {}", i.control, i.kind, i.metadata.name);
                if let Some(t) = &i.title {
                    println!("title: {t}");
                }
                if let Some(f) = &i.metadata.from {
                    println!("from: {f}");
                }
                if !i.metadata.to.is_empty() {
                    println!("to: {}", i.metadata.to.join(", "));
                }
                if let Some(d) = &i.metadata.date {
                    println!("date: {d}");
                }
                println!("custodians: {}", i.custodians.join("; "));
                println!("family: {} ({} members)", i.family.root.control, i.family.members.len());
                if !i.tags.is_empty() {
                    println!("tags: {}", i.tags.join(", "));
                }
                if let Some(o) = &offsets {
                    println!("{} hits at {:?}", o.len(), o);
                }
                println!("\n{}", i.text);
            })?;
        }
        Command::Facets { query } => {
            let m = open(&cli.matter)?;
            let f = m.facets(&query.join(" "))?;
            emit(json, &f, |f| {
                println!("{} items", f.total);
                for (name, list) in [("kind", &f.kind), ("custodian", &f.custodian), ("tag", &f.tag), ("month", &f.month), ("ext", &f.ext), ("sender domain", &f.sender_domain)] {
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
                println!("{:<40} {:>8} {:>8} {:>10}", "term", "hits", "unique", "+families");
                for row in &r.rows {
                    println!("{:<40} {:>8} {:>8} {:>10}", row.term, row.hits, row.unique_hits, row.hits_with_families);
                }
                println!("{:<40} {:>8} {:>8} {:>10}", "TOTAL (any term)", r.total_hits, "", r.total_with_families);
            })?;
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
        Command::Verify { production } => {
            if production.is_some() {
                eprintln!("exhibit: verifying a production bundle needs the production feature, which is not built yet");
                return Ok(ExitCode::from(1));
            }
            let m = open(&cli.matter)?;
            let r = m.verify()?;
            emit(json, &r, |r| {
                for p in &r.problems {
                    println!("PROBLEM {}: {}", p.code, p.detail);
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
        Command::Serve { port, ui } => serve::run(cli.matter.clone(), port, ui)?,
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
