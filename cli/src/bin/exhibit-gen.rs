//! `exhibit-gen`: a deterministic generator of realistic review material for benchmarks.
//!
//! `exhibit-gen OUT_DIR --items N [--seed S]` writes N items as mbox files (emails with
//! realistic headers, threads and Zipf-distributed prose) and plain documents (memos and
//! reports), 10,000 items per file, so `exhibit ingest OUT_DIR` builds a matter of N items.
//! The same seed always gives byte-identical output.

use std::io::Write;
use std::path::PathBuf;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // SplitMix64: fast, good enough for synthetic text, fully deterministic.
        self.0 = self.0.wrapping_add(0x9E3779B97F4A7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58476D1CE4E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D049BB133111EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    /// Zipf-like pick: small indexes far more often, as words are in real prose.
    fn zipf(&mut self, n: usize) -> usize {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((n as f64).powf(u) - 1.0) as usize % n
    }
}

const WORDS: &str = "the of and to in a is that for it as was with be by on not he this are or his from at which but have an they you were her she there been one all we their has would when if so no will more can out up who about into them some could only other time then its now over than like also two first new any these may after most our made well way even many where much before must through back years being should between each under same because such last over power gas trading desk contract price cap deal energy market risk schedule meeting report counterparty volume pipeline capacity transmission agreement settlement invoice credit position hedge forward swap option curve exposure limit approval review legal counsel privileged confidential draft final analysis forecast budget plan project team management operations regulatory filing tariff customer supply demand load generation outage maintenance storage storage index basis spread margin collateral audit compliance policy procedure memo update status issue question answer follow call discuss please thanks regards attached revised comments changes deadline friday monday tuesday wednesday thursday week month quarter year california texas houston portland west east north south desk book trader analyst director manager vice president";

const FIRST: &[&str] = &[
    "john", "sally", "vince", "jeff", "kate", "mark", "susan", "bill", "tana", "louise", "greg", "kim", "david", "sara", "james", "mary",
    "robert", "linda", "michael", "karen",
];
const LAST: &[&str] = &[
    "beck", "kaminski", "skilling", "lay", "williams", "smith", "jones", "taylor", "brown", "davis", "miller", "wilson", "moore", "clark",
    "lewis", "walker", "hall", "allen", "young", "king", "wright", "scott", "green", "baker", "adams",
];
const DOMAINS: &[&str] =
    &["enron.com", "enron.com", "enron.com", "ect.enron.com", "dynegy.com", "pge.com", "aol.com", "elpaso.com", "reliant.com", "caiso.com"];
const SUBJECTS: &[&str] = &[
    "Re: {w} {w} update",
    "FW: {w} schedule",
    "{w} {w} for {m}",
    "Meeting on {w}",
    "Re: Re: {w} deal",
    "{w} report {n}",
    "Question about {w}",
    "Draft {w} agreement",
    "{w} approval needed",
    "Weekly {w} summary",
];
const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut out: Option<PathBuf> = None;
    let (mut items, mut seed) = (100_000usize, 1u64);
    let mut i = 1;
    while i < args.len() {
        match args[i].as_str() {
            "--items" => {
                items = args[i + 1].replace('_', "").parse().expect("--items N");
                i += 1;
            }
            "--seed" => {
                seed = args[i + 1].parse().expect("--seed S");
                i += 1;
            }
            "-h" | "--help" => {
                println!("usage: exhibit-gen OUT_DIR [--items N] [--seed S]");
                return;
            }
            other => out = Some(PathBuf::from(other)),
        }
        i += 1;
    }
    let out = out.unwrap_or_else(|| {
        eprintln!("exhibit-gen: give an output folder (exhibit-gen OUT_DIR --items N)");
        std::process::exit(2)
    });
    std::fs::create_dir_all(&out).expect("create output folder");
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut rng = Rng(seed);
    let people: Vec<String> = (0..600)
        .map(|_| {
            let (f, l) = (FIRST[rng.below(FIRST.len())], LAST[rng.below(LAST.len())]);
            format!("{f}.{l}@{}", DOMAINS[rng.below(DOMAINS.len())])
        })
        .collect();
    let per_file = 10_000;
    let mut written = 0;
    let mut file_no = 0;
    while written < items {
        let n = per_file.min(items - written);
        let emails = file_no % 5 != 4; // four mailboxes to one folder of documents
        if emails {
            let path = out.join(format!("mailbox-{file_no:04}.mbox"));
            let mut f = std::io::BufWriter::new(std::fs::File::create(&path).expect("create mbox"));
            for k in 0..n {
                let id = written + k;
                let from = &people[rng.zipf(people.len())];
                let to: Vec<&String> = (0..1 + rng.below(3)).map(|_| &people[rng.zipf(people.len())]).collect();
                let (y, mo, d, h, mi) = (1999 + rng.below(3), rng.below(12), 1 + rng.below(28), rng.below(24), rng.below(60));
                let subject = fill(SUBJECTS[rng.below(SUBJECTS.len())], &words, &mut rng);
                writeln!(f, "From {from} {} {} {d:>2} {h:02}:{mi:02}:00 {y}", DAYS[rng.below(7)], MONTHS[mo]).unwrap();
                writeln!(f, "Message-ID: <{id}.{seed}@gen.exhibit>").unwrap();
                writeln!(f, "Date: {}, {d} {} {y} {h:02}:{mi:02}:00 -0600", DAYS[rng.below(7)], MONTHS[mo]).unwrap();
                writeln!(f, "From: {from}").unwrap();
                writeln!(f, "To: {}", to.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")).unwrap();
                if rng.below(4) == 0 {
                    writeln!(f, "Cc: {}", people[rng.zipf(people.len())]).unwrap();
                }
                writeln!(f, "Subject: {subject}").unwrap();
                writeln!(f, "Content-Type: text/plain; charset=us-ascii\n").unwrap();
                let len = 40 + rng.below(200);
                writeln!(f, "{}\n", prose(&words, &mut rng, len)).unwrap();
            }
        } else {
            let dir = out.join(format!("documents-{file_no:04}"));
            std::fs::create_dir_all(&dir).unwrap();
            for k in 0..n {
                let title = fill("{w} {w} report {n}", &words, &mut rng);
                let len = 150 + rng.below(600);
                let body = format!("{title}\n\n{}\n", prose(&words, &mut rng, len));
                std::fs::write(dir.join(format!("doc-{:07}.txt", written + k)), body).unwrap();
            }
        }
        written += n;
        file_no += 1;
    }
    eprintln!("wrote {written} items in {file_no} files under {}", out.display());
}

fn fill(template: &str, words: &[&str], rng: &mut Rng) -> String {
    let mut s = template.to_string();
    while let Some(p) = s.find("{w}") {
        s.replace_range(p..p + 3, words[100 + rng.zipf(words.len() - 100)]);
    }
    s = s.replace("{m}", MONTHS[rng.below(12)]);
    s.replace("{n}", &rng.below(1000).to_string())
}

fn prose(words: &[&str], rng: &mut Rng, n: usize) -> String {
    let mut s = String::with_capacity(n * 7);
    for i in 0..n {
        if i > 0 {
            s.push(if i % 14 == 0 { '\n' } else { ' ' });
        }
        s.push_str(words[rng.zipf(words.len())]);
        if i % 11 == 10 {
            s.push('.');
        }
    }
    s
}
