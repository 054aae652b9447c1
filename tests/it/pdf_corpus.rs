//! The PDF extractor over a corpus of real-world PDFs (pdf.js, qpdf and pypdf test files).
//!
//! Reads every `*.pdf` under `../shared/corpus/pdf` (relative to the crate root); skips, saying
//! so, when the folder is absent. Each file must come out as text or as a `Problem` with a
//! reason. Extraction runs in child processes (this test binary re-invoked with
//! `EXHIBIT_PDF_CORPUS_CHILD` naming a list of files), with a per-file timeout and an address
//! space limit, because `pdf-extract` can hang, recurse without end or balloon on hostile
//! files: such a file is recorded as `timeout` or `crash` and the next child starts after it.
//!
//! Quality: on files where `pdftotext FILE -` (poppler) yields at least 20 words, the word-set
//! Jaccard similarity (lowercased runs of letters and digits, ligatures expanded) between our
//! text and poppler's; the median must be at least 0.95. Files we failed on count as 0.
//!
//! Set `EXHIBIT_PDF_CORPUS_DUMP=/some/dir` to keep both texts of the worst files there.

use exhibit::extract::pdf;
use std::collections::{BTreeMap, HashSet};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "EXHIBIT_PDF_CORPUS_CHILD";
const OUT_ENV: &str = "EXHIBIT_PDF_CORPUS_OUT";
const TEXT_ENV: &str = "EXHIBIT_PDF_CORPUS_TEXT";
const TIMEOUT: Duration = Duration::from_secs(30);
/// How long `pdftotext` may take on one file before it counts as having no reference text.
const POPPLER_TIMEOUT: Duration = Duration::from_secs(10);
const MEM_LIMIT: u64 = 2 << 30;
const MIN_WORDS: usize = 20;
const MIN_MEDIAN: f64 = 0.95;
/// The test's full name in the one test binary (`module::function`), for re-running itself as a child.
const TEST_NAME: &str = "pdf_corpus::pdf_corpus";

#[derive(Debug, Clone)]
struct Outcome {
    /// `ok`, or the problem code (`pdf_damaged`, `timeout`, `crash`, ...).
    code: String,
    reason: String,
    warning: Option<String>,
    secs: f64,
}

#[test]
fn pdf_corpus() {
    if let Ok(list) = std::env::var(CHILD_ENV) {
        child(&list);
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/pdf");
    if !root.is_dir() {
        crate::common::skipped(&format!("pdf_corpus: corpus folder {} is absent", root.display()));
        return;
    }
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("pdf")))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no PDF files found under {}", root.display());
    let work = tempfile::tempdir().unwrap();
    let texts = work.path().join("texts");
    std::fs::create_dir(&texts).unwrap();

    // --- our extractor, in children ---
    let started = Instant::now();
    let outcomes = run_children(&files, work.path(), &texts);
    let wall = started.elapsed();
    let ours_secs: f64 = outcomes.iter().map(|o| o.secs).sum();

    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    for o in &outcomes {
        *codes.entry(o.code.clone()).or_default() += 1;
        if let Some(w) = &o.warning {
            *warnings.entry(w.clone()).or_default() += 1;
        }
    }

    // --- poppler, for comparison ---
    let pdftotext = Path::new("/usr/bin/pdftotext");
    let have_poppler = pdftotext.exists() || Command::new("pdftotext").arg("-v").output().is_ok();
    let mut scores: Vec<(f64, usize)> = Vec::new();
    let mut poppler_secs = 0.0;
    if have_poppler {
        for (i, f) in files.iter().enumerate() {
            let t0 = Instant::now();
            let reference = run_pdftotext(f, work.path());
            poppler_secs += t0.elapsed().as_secs_f64();
            let Some(reference) = reference else { continue };
            let ref_count = tokens(&reference).count();
            if ref_count < MIN_WORDS {
                continue;
            }
            let ours = std::fs::read_to_string(texts.join(format!("{i}.txt"))).unwrap_or_default();
            scores.push((jaccard(&ours, &reference), i));
            if let Ok(dir) = std::env::var("EXHIBIT_PDF_CORPUS_DUMP") {
                let _ = std::fs::create_dir_all(&dir);
                let _ = std::fs::write(Path::new(&dir).join(format!("{i}.ours.txt")), &ours);
                let _ = std::fs::write(Path::new(&dir).join(format!("{i}.poppler.txt")), &reference);
            }
        }
    } else {
        crate::common::skipped("pdftotext is not installed (poppler-utils): the comparison with poppler did not run");
    }

    // --- report ---
    let rel = |i: usize| files[i].strip_prefix(&root).unwrap_or(&files[i]).display().to_string();
    println!("\n== PDF corpus: {} files under {}", files.len(), root.display());
    for (code, n) in &codes {
        println!("  {code:<22} {n}");
    }
    println!("  warnings on extracted files:");
    for (code, n) in &warnings {
        println!("    {code:<20} {n}");
    }
    let mut by_reason: BTreeMap<(String, String), usize> = BTreeMap::new();
    for o in outcomes.iter().filter(|o| o.code != "ok") {
        *by_reason.entry((o.code.clone(), o.reason.clone())).or_default() += 1;
    }
    println!("  problems by reason:");
    for ((code, reason), n) in &by_reason {
        println!("    {n:>4}  {code}: {reason}");
    }
    println!(
        "  time: ours {:.1} s (sum of per-file times in children; wall {:.1} s incl. process starts), pdftotext {:.1} s (incl. process starts)",
        ours_secs,
        wall.as_secs_f64(),
        poppler_secs
    );
    let slow: Vec<(f64, usize)> = {
        let mut v: Vec<(f64, usize)> = outcomes.iter().enumerate().map(|(i, o)| (o.secs, i)).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        v.into_iter().take(5).collect()
    };
    println!("  slowest:");
    for (s, i) in slow {
        println!("    {s:>7.2} s  {}  [{}]", rel(i), outcomes[i].code);
    }

    if have_poppler {
        scores.sort_by(|a, b| a.0.total_cmp(&b.0));
        let median = if scores.is_empty() {
            0.0
        } else if scores.len() % 2 == 1 {
            scores[scores.len() / 2].0
        } else {
            (scores[scores.len() / 2 - 1].0 + scores[scores.len() / 2].0) / 2.0
        };
        let mean = scores.iter().map(|s| s.0).sum::<f64>() / scores.len().max(1) as f64;
        let above = |t: f64| scores.iter().filter(|s| s.0 >= t).count();
        println!(
            "  word-set Jaccard vs pdftotext on {} files with >= {MIN_WORDS} words: median {:.4}, mean {:.4}, >=0.95: {}, >=0.8: {}",
            scores.len(),
            median,
            mean,
            above(0.95),
            above(0.8)
        );
        println!("  10 worst:");
        for &(s, i) in scores.iter().take(10) {
            let o = &outcomes[i];
            let note = if o.code == "ok" { o.warning.clone().unwrap_or_default() } else { o.code.clone() };
            println!("    {s:.3}  {} (#{i}) {note}", rel(i));
        }
        assert!(!scores.is_empty(), "no file was compared with pdftotext");
        assert!(median >= MIN_MEDIAN, "median word-set Jaccard {median:.4} < {MIN_MEDIAN}");
    }
    assert_eq!(outcomes.len(), files.len());
    assert!(outcomes.iter().all(|o| o.code == "ok" || !o.reason.is_empty()), "every problem has a reason");
}

/// Child mode: extract each listed file, reporting as we go.
fn child(list: &str) {
    let out_path = std::env::var(OUT_ENV).expect("out file");
    let text_dir = PathBuf::from(std::env::var(TEXT_ENV).expect("text dir"));
    let mut out = std::fs::OpenOptions::new().create(true).append(true).open(out_path).unwrap();
    let list = std::fs::read_to_string(list).unwrap();
    for line in list.lines() {
        let (idx, path) = line.split_once('\t').unwrap();
        out.write_all(format!("S\t{idx}\n").as_bytes()).unwrap();
        let bytes = std::fs::read(path).unwrap_or_default();
        let t0 = Instant::now();
        let r = pdf::extract(&bytes, path);
        let secs = t0.elapsed().as_secs_f64();
        let rec = match r {
            Ok(ex) => {
                let text = ex.text.unwrap_or_default();
                // Sanity: page offsets are within the text and increasing.
                let n = text.chars().count();
                assert!(ex.pages.windows(2).all(|w| w[0] <= w[1]) && ex.pages.iter().all(|&p| p <= n));
                std::fs::write(text_dir.join(format!("{idx}.txt")), &text).unwrap();
                serde_json::json!({"i": idx, "code": "ok", "reason": "",
                    "warning": ex.warning.map(|w| w.code), "secs": secs})
            }
            Err(p) => serde_json::json!({"i": idx, "code": p.code, "reason": p.reason, "secs": secs}),
        };
        out.write_all(format!("R\t{rec}\n").as_bytes()).unwrap();
    }
}

/// Runs children over `files`, restarting after any file that hangs or kills its child.
fn run_children(files: &[PathBuf], work: &Path, texts: &Path) -> Vec<Outcome> {
    let mut results: Vec<Option<Outcome>> = vec![None; files.len()];
    let mut next = 0;
    let mut round = 0;
    while next < files.len() {
        round += 1;
        let list_path = work.join(format!("list{round}.txt"));
        let out_path = work.join(format!("out{round}.txt"));
        let list: String = (next..files.len()).map(|i| format!("{i}\t{}\n", files[i].display())).collect();
        std::fs::write(&list_path, list).unwrap();
        std::fs::write(&out_path, "").unwrap();
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"])
            .env(CHILD_ENV, &list_path)
            .env(OUT_ENV, &out_path)
            .env(TEXT_ENV, texts)
            .env("RUST_BACKTRACE", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        unsafe {
            cmd.pre_exec(|| {
                let lim = libc::rlimit { rlim_cur: MEM_LIMIT as libc::rlim_t, rlim_max: MEM_LIMIT as libc::rlim_t };
                libc::setrlimit(libc::RLIMIT_AS, &lim);
                Ok(())
            });
        }
        let mut child = cmd.spawn().expect("spawn child");
        let mut reader = std::fs::File::open(&out_path).unwrap();
        let mut pos = 0u64;
        let mut pending = String::new();
        let mut current: Option<(usize, Instant)> = None;
        loop {
            let status = child.try_wait().unwrap();
            // Read whatever the child wrote since last time.
            reader.seek(SeekFrom::Start(pos)).unwrap();
            let mut chunk = String::new();
            reader.read_to_string(&mut chunk).unwrap();
            pos += chunk.len() as u64;
            pending.push_str(&chunk);
            while let Some(nl) = pending.find('\n') {
                let line: String = pending.drain(..=nl).collect();
                let line = line.trim_end();
                if let Some(idx) = line.strip_prefix("S\t") {
                    current = Some((idx.parse().unwrap(), Instant::now()));
                } else if let Some(rec) = line.strip_prefix("R\t") {
                    let v: serde_json::Value = serde_json::from_str(rec).unwrap();
                    let i: usize = v["i"].as_str().unwrap().parse().unwrap();
                    results[i] = Some(Outcome {
                        code: v["code"].as_str().unwrap().to_string(),
                        reason: v["reason"].as_str().unwrap_or("").to_string(),
                        warning: v["warning"].as_str().map(String::from),
                        secs: v["secs"].as_f64().unwrap_or(0.0),
                    });
                    current = None;
                    next = i + 1;
                }
            }
            if let Some(status) = status {
                if let Some((i, t0)) = current {
                    let how = match status.signal() {
                        Some(sig) => format!("the extractor crashed (signal {sig}: stack overflow, abort or out of memory)"),
                        None => format!("the extractor process exited with {status}"),
                    };
                    results[i] = Some(Outcome { code: "crash".into(), reason: how, warning: None, secs: t0.elapsed().as_secs_f64() });
                    next = i + 1;
                } else if next < files.len() && results[next].is_none() && pending.is_empty() {
                    // The child died before starting a file: don't loop forever on it.
                    results[next] = Some(Outcome {
                        code: "crash".into(),
                        reason: format!("the extractor process exited with {status} before reading the file"),
                        warning: None,
                        secs: 0.0,
                    });
                    next += 1;
                }
                break;
            }
            if let Some((i, t0)) = current {
                if t0.elapsed() > TIMEOUT {
                    let _ = child.kill();
                    let _ = child.wait();
                    results[i] = Some(Outcome {
                        code: "timeout".into(),
                        reason: format!("extraction took longer than {} s", TIMEOUT.as_secs()),
                        warning: None,
                        secs: t0.elapsed().as_secs_f64(),
                    });
                    next = i + 1;
                    break;
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
    results.into_iter().map(|r| r.expect("every file has an outcome")).collect()
}

/// `pdftotext FILE -`, with a timeout; `None` if it fails.
fn run_pdftotext(file: &Path, work: &Path) -> Option<String> {
    let out = work.join("poppler.txt");
    let mut child = Command::new("pdftotext")
        .arg("-q")
        .arg(file)
        .arg(&out)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let t0 = Instant::now();
    loop {
        if let Some(status) = child.try_wait().ok()? {
            let text = std::fs::read(&out).ok().map(|b| String::from_utf8_lossy(&b).into_owned());
            let _ = std::fs::remove_file(&out);
            return if status.success() { text } else { None };
        }
        // The reference reads the slowest real file of the corpus in under a second; what it
        // cannot read in ten (pdfjs/bomb_giant.pdf, a decompression bomb poppler was still
        // working on after 60 s) has no reference text, as at the 60 s limit before — which
        // cost 50 s of CPU in every test run.
        if t0.elapsed() > POPPLER_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// Lowercased runs of letters and digits, typographic ligatures expanded.
fn tokens(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| {
        let mut out = String::with_capacity(w.len());
        exhibit::extract::pdf::expand_ligatures(w, &mut out);
        out.to_lowercase()
    })
}

fn jaccard(a: &str, b: &str) -> f64 {
    let a: HashSet<String> = tokens(a).collect();
    let b: HashSet<String> = tokens(b).collect();
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let inter = a.intersection(&b).count();
    inter as f64 / (a.len() + b.len() - inter) as f64
}
