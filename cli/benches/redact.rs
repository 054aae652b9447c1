//! Redaction-recognizer throughput: prints figures, never passes or fails on time.
//!
//! `cargo bench --bench redact` (release build). Generates ~200 MB of mail-like text
//! deterministically (no external data; `REDACT_BENCH_MB` changes the size), with PII and
//! secrets planted at a known rate, then runs every built-in recognizer (`pii` + `secrets`)
//! over it on all cores, split by document. Prints MB/s, matches found against matches
//! planted, and a per-recognizer single-core breakdown on a sample.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use exhibit::redact::RuleSet;

/// mimalloc, as in the `exhibit` binary, so the figures stay comparable with BENCHMARKS.md (the
/// library used to set it for every program).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn chance(&mut self, per_mille: u64) -> bool {
        self.next() % 1000 < per_mille
    }
    fn token(&mut self, len: usize, alphabet: &[u8]) -> String {
        (0..len).map(|_| alphabet[self.below(alphabet.len())] as char).collect()
    }
    fn digits(&mut self, len: usize) -> String {
        self.token(len, b"0123456789")
    }
}

const B62: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_NUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

const FIRST: &[&str] = &["john", "jane", "kenneth", "jeff", "sara", "mark", "louise", "vince", "sally", "greg", "tana", "phillip"];
const LAST: &[&str] = &["smith", "lay", "skilling", "shankman", "kaminski", "beck", "whalley", "allen", "jones", "kitchen", "taylor"];
const DOMAINS: &[&str] = &["enron.com", "ect.enron.com", "aol.com", "hotmail.com", "example.org", "lawfirm.co.uk"];
const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "to",
    "a",
    "in",
    "for",
    "is",
    "on",
    "that",
    "by",
    "this",
    "with",
    "you",
    "it",
    "not",
    "or",
    "be",
    "are",
    "from",
    "at",
    "as",
    "your",
    "all",
    "have",
    "new",
    "more",
    "an",
    "was",
    "we",
    "will",
    "can",
    "us",
    "about",
    "if",
    "my",
    "has",
    "but",
    "our",
    "one",
    "other",
    "do",
    "no",
    "information",
    "time",
    "they",
    "he",
    "up",
    "may",
    "what",
    "which",
    "their",
    "out",
    "use",
    "any",
    "there",
    "see",
    "only",
    "so",
    "his",
    "when",
    "contact",
    "here",
    "business",
    "who",
    "also",
    "now",
    "help",
    "get",
    "pm",
    "view",
    "online",
    "first",
    "am",
    "been",
    "would",
    "how",
    "were",
    "me",
    "services",
    "some",
    "these",
    "click",
    "its",
    "like",
    "service",
    "than",
    "find",
    "price",
    "date",
    "back",
    "top",
    "people",
    "had",
    "list",
    "name",
    "just",
    "over",
    "state",
    "year",
    "day",
    "into",
    "email",
    "two",
    "health",
    "world",
    "next",
    "used",
    "go",
    "work",
    "last",
    "most",
    "products",
    "music",
    "buy",
    "data",
    "make",
    "them",
    "should",
    "product",
    "system",
    "post",
    "her",
    "city",
    "add",
    "policy",
    "number",
    "such",
    "please",
    "available",
    "copyright",
    "support",
    "message",
    "after",
    "best",
    "software",
    "then",
    "jan",
    "good",
    "video",
    "well",
    "where",
    "info",
    "rights",
    "public",
    "books",
    "high",
    "school",
    "through",
    "each",
    "links",
    "she",
    "review",
    "years",
    "order",
    "very",
    "privacy",
    "book",
    "items",
    "company",
    "read",
    "group",
    "sex",
    "need",
    "many",
    "user",
    "said",
    "de",
    "does",
    "set",
    "under",
    "general",
    "research",
    "university",
    "january",
    "mail",
    "full",
    "map",
    "reviews",
    "program",
    "life",
    "know",
    "games",
    "way",
    "days",
    "management",
    "part",
    "could",
    "great",
    "united",
    "hotel",
    "real",
    "item",
    "international",
    "center",
    "ebay",
    "must",
    "store",
    "travel",
    "comments",
    "made",
    "development",
    "report",
    "off",
    "member",
    "details",
    "line",
    "terms",
    "before",
    "hotels",
    "did",
    "send",
    "right",
    "type",
    "because",
    "local",
    "those",
    "using",
    "results",
    "office",
    "education",
    "national",
    "car",
    "design",
    "take",
    "posted",
    "internet",
    "address",
    "community",
    "within",
    "states",
    "area",
    "want",
    "phone",
    "shipping",
    "reserved",
    "subject",
    "between",
    "forum",
    "family",
    "long",
    "based",
    "code",
    "show",
    "even",
    "black",
    "check",
    "special",
    "prices",
    "website",
    "index",
    "being",
    "women",
    "much",
    "sign",
    "file",
    "link",
    "open",
    "today",
    "technology",
    "south",
    "case",
    "project",
    "same",
    "pages",
    "uk",
    "version",
    "section",
    "own",
    "found",
    "sports",
    "house",
    "related",
    "security",
    "both",
    "county",
    "american",
    "photo",
    "game",
    "members",
    "power",
    "while",
    "care",
    "network",
    "down",
    "computer",
    "systems",
    "three",
    "total",
    "place",
    "end",
    "following",
    "download",
    "him",
    "without",
    "per",
    "access",
    "think",
    "north",
    "resources",
    "current",
    "posts",
    "big",
    "media",
    "law",
    "control",
    "water",
    "history",
    "pictures",
    "size",
    "art",
    "personal",
    "since",
    "including",
    "guide",
    "shop",
    "directory",
    "board",
    "location",
    "change",
    "white",
    "text",
    "small",
    "rating",
    "rate",
    "government",
    "children",
    "during",
    "usa",
    "return",
    "students",
    "shopping",
    "account",
    "times",
    "sites",
    "level",
    "digital",
    "profile",
    "previous",
    "form",
    "events",
    "love",
    "old",
    "john",
    "main",
    "call",
    "hours",
    "image",
    "department",
    "title",
    "description",
    "non",
    "insurance",
    "another",
    "why",
    "shall",
    "property",
    "class",
    "cd",
    "still",
    "money",
    "quality",
    "every",
    "listing",
    "content",
    "country",
    "private",
    "little",
    "visit",
    "save",
    "tools",
    "low",
    "reply",
    "customer",
    "december",
    "compare",
    "movies",
    "include",
    "college",
    "value",
    "article",
    "york",
    "man",
    "card",
    "jobs",
    "provide",
    "food",
    "source",
    "author",
    "different",
    "press",
    "learn",
    "sale",
    "around",
    "print",
    "course",
    "job",
    "canada",
    "process",
    "teen",
    "room",
    "stock",
    "training",
    "too",
    "credit",
    "point",
    "join",
    "science",
    "men",
    "categories",
    "advanced",
    "west",
    "sales",
    "look",
    "english",
    "left",
    "team",
    "estate",
    "box",
    "conditions",
    "select",
    "windows",
    "photos",
    "gay",
    "thread",
    "week",
    "category",
    "note",
    "live",
    "large",
    "gallery",
    "table",
    "register",
    "however",
    "june",
    "october",
    "november",
    "market",
    "library",
    "really",
    "action",
    "start",
    "series",
    "model",
    "features",
    "air",
    "industry",
    "plan",
    "human",
    "provided",
    "tv",
    "yes",
    "required",
    "second",
    "hot",
    "accessories",
    "cost",
    "movie",
    "forums",
    "march",
    "la",
    "september",
    "better",
    "say",
    "questions",
    "july",
    "yahoo",
    "going",
    "medical",
    "test",
    "friend",
    "come",
    "dec",
    "server",
    "pc",
    "study",
    "application",
    "cart",
    "staff",
    "articles",
    "san",
    "feedback",
    "again",
    "play",
    "looking",
    "issues",
    "april",
    "never",
    "users",
    "complete",
    "street",
    "topic",
    "comment",
    "financial",
    "things",
    "working",
    "against",
    "standard",
    "tax",
    "person",
    "below",
    "mobile",
    "less",
    "got",
    "blog",
    "party",
    "payment",
    "equipment",
    "login",
    "student",
    "let",
    "programs",
    "offers",
    "legal",
    "above",
    "recent",
    "park",
    "stores",
    "side",
    "act",
    "problem",
    "red",
    "give",
    "memory",
    "performance",
    "social",
    "august",
    "quote",
    "language",
    "story",
    "sell",
    "options",
    "experience",
    "rates",
    "create",
    "key",
    "body",
    "young",
    "america",
    "important",
    "field",
    "few",
    "east",
    "paper",
    "single",
    "age",
    "activities",
    "club",
    "example",
    "girls",
    "additional",
    "password",
    "Grüße",
    "café",
    "naïve",
    "résumé",
    "Zürich",
    "São",
    "Paulo",
    "Ærøskøbing",
    "東京",
    "—",
    "…",
    "“quoted”",
];

/// One planted item and the recognizer expected to report it.
fn plant(rng: &mut Rng) -> (String, &'static str) {
    match rng.below(16) {
        0 => (format!("({}) {}-{}", 200 + rng.below(700), 200 + rng.below(700), rng.digits(4)), "phone"),
        1 => (format!("+44 20 {} {}", rng.digits(4), rng.digits(4)), "phone"),
        2 => (format!("{}-{}-{}", 100 + rng.below(500), 10 + rng.below(89), 1000 + rng.below(8999)), "ssn"),
        3 => {
            // Luhn-valid Visa.
            let mut d: Vec<u32> = std::iter::once(4).chain((0..14).map(|_| rng.below(10) as u32)).collect();
            let sum: u32 = d
                .iter()
                .rev()
                .enumerate()
                .map(|(i, &x)| {
                    if i % 2 == 0 {
                        if x * 2 > 9 {
                            x * 2 - 9
                        } else {
                            x * 2
                        }
                    } else {
                        x
                    }
                })
                .sum();
            d.push((10 - sum % 10) % 10);
            let s: String = d.iter().map(|x| char::from(b'0' + *x as u8)).collect();
            (format!("{} {} {} {}", &s[..4], &s[4..8], &s[8..12], &s[12..]), "credit_card")
        }
        4 => (format!("{}.{}.{}.{}", 1 + rng.below(223), rng.below(256), rng.below(256), 1 + rng.below(254)), "ip"),
        5 => (format!("2001:db8:{:x}::{:x}", rng.below(65536), rng.below(65536)), "ip"),
        6 => (format!("DOB: {:02}/{:02}/19{}", 1 + rng.below(12), 1 + rng.below(28), 40 + rng.below(60)), "dob"),
        7 => ("IBAN DE89 3704 0044 0532 0130 00".to_string(), "iban"),
        8 => (format!("{}.{}@{}", rng.pick(FIRST), rng.pick(LAST), rng.pick(DOMAINS)), "email"),
        9 => (format!("AKIA{}", rng.token(16, UPPER_NUM)), "aws_key"),
        10 => (format!("ghp_{}", rng.token(36, B62)), "github_token"),
        11 => (format!("sk-proj-{}", rng.token(120, B62)), "openai_key"),
        12 => (format!("sk-ant-api03-{}AA", rng.token(93, B62)), "anthropic_key"),
        13 => (format!("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI{}.{}", rng.token(20, B62), rng.token(43, B62)), "jwt"),
        14 => (format!("sk_live_{}", rng.token(24, B62)), "stripe_key"),
        _ => {
            let body: Vec<String> = (0..8).map(|_| rng.token(64, B62)).collect();
            (format!("-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----", body.join("\n")), "private_key")
        }
    }
}

/// Noise that looks like PII but is not: versions, dates, amounts, ids, times.
fn noise(rng: &mut Rng) -> String {
    match rng.below(8) {
        0 => format!("v{}.{}.{}", rng.below(10), rng.below(20), rng.below(100)),
        1 => format!("{:02}/{:02}/{}", 1 + rng.below(12), 1 + rng.below(28), 1995 + rng.below(10)),
        2 => format!("${},{:03}.{:02}", rng.below(999), rng.below(1000), rng.below(100)),
        3 => {
            let n = 5 + rng.below(8);
            format!("#{}", rng.digits(n))
        }
        4 => format!("{}:{:02}", 1 + rng.below(12), rng.below(60)),
        5 => format!("{}%", rng.below(100)),
        6 => format!("Re: {}", rng.pick(WORDS)),
        _ => format!("{}-{}", rng.digits(4), rng.digits(2)),
    }
}

/// A mail-like document; returns the text and how many items were planted by recognizer.
fn document(rng: &mut Rng, planted: &mut BTreeMap<&'static str, usize>) -> String {
    let mut s = String::with_capacity(4096);
    let person = |rng: &mut Rng| format!("{}.{}@{}", rng.pick(FIRST), rng.pick(LAST), rng.pick(DOMAINS));
    let from = person(rng);
    let to = person(rng);
    s.push_str(&format!(
        "From: {from}\nTo: {to}\nDate: Mon, {} May 2001 {:02}:{:02}:00 -0700\nSubject: {} {} {}\n\n",
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.pick(WORDS)
    ));
    *planted.entry("email").or_default() += 2;
    let paragraphs = 2 + rng.below(12);
    for _ in 0..paragraphs {
        let words = 30 + rng.below(120);
        for w in 0..words {
            if w > 0 {
                s.push(if rng.chance(60) { '\n' } else { ' ' });
            }
            if rng.chance(20) {
                s.push_str(&noise(rng));
            } else if rng.chance(2) {
                let (item, kind) = plant(rng);
                s.push_str(&item);
                *planted.entry(kind).or_default() += 1;
            } else {
                s.push_str(rng.pick(WORDS));
            }
        }
        s.push_str(".\n\n");
    }
    s
}

fn run(set: &RuleSet, docs: &[String], threads: usize) -> (f64, BTreeMap<&'static str, usize>) {
    let next = AtomicUsize::new(0);
    let t = Instant::now();
    let counts: Vec<BTreeMap<&'static str, usize>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut c = BTreeMap::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(d) = docs.get(i) else { break };
                        for m in set.find(d) {
                            *c.entry(m.recognizer).or_default() += 1;
                        }
                    }
                    c
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let secs = t.elapsed().as_secs_f64();
    let mut total = BTreeMap::new();
    for c in counts {
        for (k, v) in c {
            *total.entry(k).or_default() += v;
        }
    }
    (secs, total)
}

fn main() {
    let mb: usize = std::env::var("REDACT_BENCH_MB").ok().and_then(|v| v.parse().ok()).unwrap_or(200);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let t = Instant::now();
    let mut rng = Rng(0x5EED_1234_ABCD_0001);
    let mut planted = BTreeMap::new();
    let mut docs = Vec::new();
    let mut bytes = 0;
    while bytes < mb << 20 {
        let d = document(&mut rng, &mut planted);
        bytes += d.len();
        docs.push(d);
    }
    let chars: usize = docs.iter().map(|d| d.chars().count()).sum();
    println!(
        "generated {} documents, {:.1} MB ({} non-ASCII bytes), in {:.1}s",
        docs.len(),
        bytes as f64 / 1e6,
        bytes - chars,
        t.elapsed().as_secs_f64()
    );

    let set = RuleSet::builtin(&["pii", "secrets"]).unwrap();
    let _ = set.find(&docs[0]); // compile the patterns outside the timing

    // Per-recognizer breakdown on one core over a sample.
    let sample: Vec<String> = docs
        .iter()
        .take_while({
            let mut n = 0;
            move |d| {
                n += d.len();
                n <= 20 << 20
            }
        })
        .cloned()
        .collect();
    let sample_mb = sample.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    println!("\nper recognizer, 1 thread, {sample_mb:.1} MB sample:");
    println!("| recognizer | MB/s | matches |");
    println!("|---|---:|---:|");
    for name in exhibit::recognizers::names() {
        let one = RuleSet::builtin(&[name]).unwrap();
        let (secs, c) = run(&one, &sample, 1);
        println!("| {name} | {:.0} | {} |", sample_mb / secs, c.values().sum::<usize>());
    }
    let (secs, _) = run(&set, &sample, 1);
    println!("| **all (pii + secrets)** | **{:.0}** | |", sample_mb / secs);

    // Adversarial-ish: spreadsheet-like numeric tables, hex dumps, long digit runs.
    let mut rng2 = Rng(0xC0FFEE);
    let tables: Vec<String> = (0..40)
        .map(|_| {
            let mut t = String::new();
            while t.len() < 256 << 10 {
                match rng2.below(6) {
                    0 => {
                        let n = 1 + rng2.below(40);
                        t.push_str(&rng2.digits(n))
                    }
                    1 => t.push_str(&format!("{}.{}.{}", rng2.below(300), rng2.below(300), rng2.below(300))),
                    2 => t.push_str(&rng2.token(8, b"0123456789abcdef:")),
                    3 => t.push_str(&format!("{}-{}-{}", rng2.digits(3), rng2.digits(3), rng2.digits(4))),
                    4 => t.push_str(&rng2.token(6, b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")),
                    _ => t.push_str(&format!("{:02}/{:02}/{}", rng2.below(13), rng2.below(32), rng2.digits(4))),
                }
                t.push(if rng2.chance(100) { '\n' } else { [' ', ',', '\t', ';'][rng2.below(4)] });
            }
            t
        })
        .collect();
    let tables_mb = tables.iter().map(String::len).sum::<usize>() as f64 / 1e6;
    let (secs, c) = run(&set, &tables, 1);
    println!("\nnumeric tables and hex, 1 thread, {tables_mb:.1} MB: {:.0} MB/s, {} matches", tables_mb / secs, c.values().sum::<usize>());
    if std::env::var_os("REDACT_BENCH_DETAIL").is_some() {
        for name in exhibit::recognizers::names() {
            let (secs, c) = run(&RuleSet::builtin(&[name]).unwrap(), &tables, 1);
            println!("  {name}: {:.0} MB/s, {} matches", tables_mb / secs, c.values().sum::<usize>());
        }
    }

    let (secs, found) = run(&set, &docs, threads);
    println!("\nall recognizers, {threads} threads, {:.1} MB: {:.2}s = {:.1} MB/s", bytes as f64 / 1e6, secs, bytes as f64 / 1e6 / secs);
    println!("| recognizer | planted | found |");
    println!("|---|---:|---:|");
    for name in exhibit::recognizers::names() {
        println!("| {name} | {} | {} |", planted.get(name).unwrap_or(&0), found.get(name).unwrap_or(&0));
    }
    println!("| total | {} | {} |", planted.values().sum::<usize>(), found.values().sum::<usize>());
}
