//! Office extractors over the real test corpus (`../shared/corpus/office`): every file must
//! give text or a Problem with a reason, never a panic or a hang.
//!
//! Skips with a message when the corpus is absent. `OFFICE_CORPUS_DUMP=/some/dir` writes each
//! extracted text there for reading by eye.

use exhibit::extract::detect::{self, Kind};
use exhibit::extract::{extract_kind, Extracted, Problem};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TIMEOUT: Duration = Duration::from_secs(30);

fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/office");
    if dir.is_dir() {
        Some(dir)
    } else {
        crate::common::skipped(&format!("corpus not found at {} (see shared/corpus/README.md)", dir.display()));
        None
    }
}

enum Outcome {
    Done(Kind, Box<Result<Extracted, Problem>>, Duration),
    Panicked(String),
    TimedOut,
}

/// Detects and extracts one file in its own thread, catching panics and giving up after 30 s.
fn run(path: &Path) -> Outcome {
    let bytes = std::fs::read(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let start = Instant::now();
        let r = std::panic::catch_unwind(|| {
            let (kind, _) = detect::detect(&bytes, &name);
            if matches!(kind, Kind::Email | Kind::Mbox | Kind::Msg) {
                // Mail is the email extractor's corpus test, not ours.
                return (kind, Err(Problem::extract("skipped_email", "mail: covered by the email corpus test")));
            }
            (kind, extract_kind(kind, &bytes, &name))
        });
        let _ = tx.send(match r {
            Ok((kind, res)) => Outcome::Done(kind, Box::new(res), start.elapsed()),
            Err(p) => Outcome::Panicked(
                p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default(),
            ),
        });
    });
    rx.recv_timeout(TIMEOUT).unwrap_or(Outcome::TimedOut)
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> =
        std::fs::read_dir(dir).map(|d| d.flatten().map(|e| e.path()).filter(|p| p.is_file()).collect()).unwrap_or_default();
    v.sort();
    v
}

#[test]
fn office_corpus_never_panics_or_hangs() {
    let Some(root) = corpus() else { return };
    let dump = std::env::var_os("OFFICE_CORPUS_DUMP").map(PathBuf::from);
    let mut with_text = 0;
    let mut empty = Vec::new();
    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut warnings: BTreeMap<String, usize> = BTreeMap::new();
    let mut kinds: BTreeMap<&'static str, usize> = BTreeMap::new();
    let mut times: Vec<(Duration, String)> = Vec::new();
    let mut failures = Vec::new();
    for sub in ["docx", "xlsx", "other"] {
        for path in files(&root.join(sub)) {
            let label = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            match run(&path) {
                Outcome::Panicked(msg) => failures.push(format!("PANIC {label}: {msg}")),
                Outcome::TimedOut => failures.push(format!("TIMEOUT {label}: over {}s", TIMEOUT.as_secs())),
                Outcome::Done(kind, res, took) => {
                    *kinds.entry(kind.as_str()).or_default() += 1;
                    times.push((took, label.clone()));
                    match *res {
                        Ok(ex) => {
                            if let Some(w) = &ex.warning {
                                *warnings.entry(w.code.clone()).or_default() += 1;
                            }
                            let text = ex.text.as_deref().unwrap_or("");
                            if text.trim().is_empty() {
                                empty.push(format!("{label} ({})", kind.as_str()));
                            } else {
                                with_text += 1;
                            }
                            if matches!(kind, Kind::Docx | Kind::Spreadsheet | Kind::Odt | Kind::Rtf | Kind::Html) && ex.text.is_none() {
                                failures.push(format!("NO TEXT FIELD {label}: Ok without text"));
                            }
                            if let Some(d) = &dump {
                                let _ = std::fs::create_dir_all(d.join(sub));
                                let head = format!("{:?}\n{:?}\n----\n", ex.meta, ex.warning);
                                let _ = std::fs::write(
                                    d.join(sub).join(format!("{}.txt", path.file_name().unwrap().to_string_lossy())),
                                    head + text,
                                );
                            }
                        }
                        Err(p) => {
                            if p.reason.trim().is_empty() || p.code.is_empty() {
                                failures.push(format!("PROBLEM WITHOUT REASON {label}: {p:?}"));
                            }
                            problems.entry(p.code.clone()).or_default().push(format!("{label}: {}", p.reason));
                        }
                    }
                }
            }
        }
    }
    times.sort_by_key(|t| std::cmp::Reverse(t.0));
    eprintln!("\n== office corpus ==");
    eprintln!("kinds detected: {kinds:?}");
    eprintln!("extracted with text: {with_text}");
    eprintln!("empty text: {} {:?}", empty.len(), empty);
    eprintln!("warnings by code: {warnings:?}");
    for (code, list) in &problems {
        eprintln!("problem {code}: {}", list.len());
        for l in list.iter().take(if code == "skipped_email" { 0 } else { 40 }) {
            eprintln!("    {l}");
        }
    }
    eprintln!("slowest:");
    for (t, l) in times.iter().take(8) {
        eprintln!("    {:>8.1} ms  {l}", t.as_secs_f64() * 1000.0);
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Extracts one corpus file, which must succeed.
fn text_of(rel: &str) -> Option<Extracted> {
    let root = corpus()?;
    let path = root.join(rel);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let (kind, _) = detect::detect(&bytes, rel);
    Some(extract_kind(kind, &bytes, rel).unwrap_or_else(|p| panic!("{rel}: {p:?}")))
}

#[test]
fn known_strings_appear() {
    let checks: &[(&str, &[&str])] = &[
        ("docx/sample.docx", &["Lorem ipsum dolor sit amet, consectetuer adipiscing elit."]),
        ("xlsx/temperature.xlsx", &["Sheet: ", "label\tvalue", "celsius", "fahrenheit"]),
        ("docx/delins.docx", &["Tika can be:", "[Deleted text (tracked changes)]\nA pendant worn in place of the red spot"]),
        ("docx/headerFooter.docx", &["[Headers and footers]\nThis is a simple header"]),
        ("docx/comment.docx", &["[Comments]\nComment by Unbekannter Autor", "This is the first line"]),
        ("xlsx/comments.xlsx", &["[Cell comments]\nA1 (Sven Nissel): comment top row1"]),
        ("xlsx/date.xlsx", &["2021-01-01\t15"]),
        ("xlsx/any_sheets.xlsx", &["Sheet: Hidden (hidden)", "This workbook contains 4 sheets"]),
        ("other/testRTF-ms932.rtf", &["こんにちは", "テスト"]),
        ("other/testRTFWindowsCodepage1250.rtf", &["zażółć gęślą jaźń"]),
        ("other/testRTFIgnoredControlWord.rtf", &["The quick brown fox jumps over the lazy dog"]),
        ("other/testFooter.odt", &["Here is some text on page 2", "[Headers and footers]\nHere is footer text"]),
    ];
    for (rel, needles) in checks {
        let Some(ex) = text_of(rel) else { return };
        let text = ex.text.unwrap_or_default();
        for n in *needles {
            assert!(text.contains(n), "{rel}: {n:?} not in {:?}", &text[..text.len().min(2000)]);
        }
    }
}
