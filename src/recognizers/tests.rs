use super::*;

/// (recognizer, text) of every match of `names` over `text`.
fn hits(names: &[&str], text: &str) -> Vec<(&'static str, String)> {
    RuleSet::builtin(names).unwrap().find(text).into_iter().map(|m| (m.recognizer, m.text)).collect()
}

fn texts(name: &str, text: &str) -> Vec<String> {
    hits(&[name], text).into_iter().map(|(_, t)| t).collect()
}

fn one(name: &str, text: &str, want: &str) {
    assert_eq!(texts(name, text), vec![want.to_string()], "{name} over {text:?}");
}

fn none(name: &str, text: &str) {
    assert_eq!(texts(name, text), Vec::<String>::new(), "{name} over {text:?}");
}

/// Deterministic pseudo-random token (so no real-looking secret sits in the source).
fn tok(len: usize, alphabet: &str, seed: u64) -> String {
    let a: Vec<char> = alphabet.chars().collect();
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            a[(x % a.len() as u64) as usize]
        })
        .collect()
}

const B62: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_NUM: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

// ---- registry -------------------------------------------------------------------------------

#[test]
fn names_and_groups() {
    let n = names();
    for want in ["email", "phone", "ssn", "credit_card", "ip", "dob", "iban"] {
        assert!(n.contains(&want), "{want}");
        assert_eq!(builtin(want).unwrap()[0].group, Group::Pii);
    }
    for want in
        ["openai_key", "anthropic_key", "aws_key", "github_token", "google_api_key", "slack_token", "stripe_key", "jwt", "private_key"]
    {
        assert!(n.contains(&want), "{want}");
        assert_eq!(builtin(want).unwrap()[0].group, Group::Secrets);
    }
    let pii: Vec<_> = builtin("pii").unwrap().iter().map(|r| r.name).collect();
    assert_eq!(pii, ["email", "phone", "ssn", "credit_card", "ip", "dob", "iban"]);
    let secrets = builtin("secrets").unwrap();
    assert!(secrets.iter().all(|r| r.group == Group::Secrets));
    assert_eq!(pii.len() + secrets.len(), n.len());
    assert!(builtin("nope").is_none());
    // Group plus a member of it: no duplicates.
    let set = RuleSet::builtin(&["pii", "email", "secrets"]).unwrap();
    assert_eq!(set.recognizers().len(), n.len());
}

#[test]
fn unknown_recognizer_error() {
    let e = RuleSet::builtin(&["pii", "passport"]).unwrap_err();
    assert_eq!(e.code(), "unknown_recognizer");
    let msg = e.to_string();
    assert!(msg.starts_with("unknown recognizer 'passport': known ones are pii, secrets, email"), "{msg}");
}

// ---- offsets and merging --------------------------------------------------------------------

#[test]
fn char_offsets_after_non_ascii() {
    let text = "Grüße — mail: jörg@example.de";
    let m = RuleSet::builtin(&["email"]).unwrap().find(text);
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].start, m[0].end), (14, 29));
    assert_eq!(m[0].text, "jörg@example.de");
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(chars[m[0].start..m[0].end].iter().collect::<String>(), m[0].text);

    // Several matches of several kinds, with astral-plane chars in between.
    let text = "📧 a.b@x.org 😀😀 ☎ 555-234-5678 — ünïcödé 10.1.2.3 🎉";
    let ms = RuleSet::builtin(&["pii"]).unwrap().find(text);
    let chars: Vec<char> = text.chars().collect();
    assert_eq!(ms.len(), 3);
    for m in &ms {
        assert_eq!(chars[m.start..m.end].iter().collect::<String>(), m.text);
    }
    assert_eq!(ms.iter().map(|m| m.recognizer).collect::<Vec<_>>(), ["email", "phone", "ip"]);
}

#[test]
fn overlaps_keep_longest() {
    let raw = vec![
        Raw { start: 10, end: 20, rec: "a" },
        Raw { start: 0, end: 5, rec: "b" },
        Raw { start: 12, end: 30, rec: "c" },
        Raw { start: 25, end: 28, rec: "d" },
        Raw { start: 40, end: 45, rec: "e" },
        Raw { start: 40, end: 45, rec: "f" },
    ];
    let m: Vec<_> = merge(raw).into_iter().map(|r| (r.start, r.end, r.rec)).collect();
    assert_eq!(m, [(0, 5, "b"), (12, 30, "c"), (40, 45, "e")]);

    // A term inside an e-mail address: the address wins.
    let set = RuleSet::builtin(&["email"]).unwrap().with_terms(&["smith".into()], false, false).unwrap();
    let m = set.find("write to john.smith@acme.com now");
    assert_eq!(m.len(), 1);
    assert_eq!((m[0].recognizer, m[0].text.as_str()), ("email", "john.smith@acme.com"));
}

// ---- user rules -----------------------------------------------------------------------------

#[test]
fn user_regex() {
    let set = RuleSet::new().with_regex(r"EXH-[0-9]{7}").unwrap();
    let m = set.find("see EXH-0000012 and EXH-0000013");
    assert_eq!(m.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["EXH-0000012", "EXH-0000013"]);
    assert_eq!(m[0].recognizer, "regex");

    let e = RuleSet::new().with_regex(r"ab(c").unwrap_err();
    assert_eq!(e.code(), "bad_regex");
    assert!(e.to_string().starts_with("invalid regular expression at character 2: "), "{e}");
    let e = RuleSet::new().with_regex(r"é[z-a]").unwrap_err();
    assert_eq!(e.code(), "bad_regex");
    assert!(e.to_string().starts_with("invalid regular expression at character 2: "), "{e}");
    let e = RuleSet::new().with_regex(r"x*").unwrap_err();
    assert_eq!(e.code(), "regex_matches_empty");
}

#[test]
fn term_lists() {
    let terms = vec!["Project Raptor".to_string(), "raptor".to_string(), "  ".to_string()];
    let set = RuleSet::new().with_terms(&terms, true, false).unwrap();
    let m = set.find("PROJECT\nRAPTOR, raptors, Raptor. ÜRaptor");
    assert_eq!(m.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["PROJECT\nRAPTOR", "Raptor"]);
    assert_eq!(m[0].recognizer, "terms");
    let set = RuleSet::new().with_terms(&terms, false, true).unwrap();
    let m = set.find("raptors, Raptor");
    assert_eq!(m.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["raptor"]);
    // Whole word: a rejected longer term does not hide a shorter one inside it.
    let set = RuleSet::new().with_terms(&["ab cd".into(), "cd".into()], true, true).unwrap();
    assert_eq!(set.find("xab cd").iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), ["cd"]);
    assert_eq!(RuleSet::new().with_terms(&[" ".into()], true, true).unwrap_err().code(), "no_terms");
}

// ---- PII ------------------------------------------------------------------------------------

#[test]
fn email() {
    one("email", "From: John Smith <john.smith@enron.com>", "john.smith@enron.com");
    one("email", "mail jane+tag@mail.example.co.uk.", "jane+tag@mail.example.co.uk");
    one("email", "x (o_brien-2@sub-domain.example.org)", "o_brien-2@sub-domain.example.org");
    one("email", "…from jörg@müller.de today", "jörg@müller.de");
    none("email", "a@b");
    none("email", "user@localhost is not an address");
    none("email", "meet @ 5pm, ping @team");
    none("email", "x@y.1 and a..b@example.com? no: .@example.com");
    none("email", "foo@-bar.com");
    assert_eq!(texts("email", "a@b.co,c@d.io").len(), 2);
}

#[test]
fn phone() {
    one("phone", "call (713) 853-6161 today", "(713) 853-6161");
    one("phone", "cell: 713-853-6161.", "713-853-6161");
    one("phone", "713.853.6161", "713.853.6161");
    one("phone", "+1 713 853 6161", "+1 713 853 6161");
    one("phone", "1-800-555-0199", "1-800-555-0199");
    one("phone", "UK office +44 20 7946 0958, ask for Ann", "+44 20 7946 0958");
    one("phone", "+14155552671", "+14155552671");
    one("phone", "+33 1 23 45 67 89", "+33 1 23 45 67 89");
    none("phone", "invoice 7138536161 total");
    none("phone", "on 2001-10-23 at 10:30");
    none("phone", "ref 123-456-7890"); // area code can't start with 1
    none("phone", "713-853.6161"); // mixed separators
    none("phone", "ISBN 978-0-306-40615-7");
    none("phone", "account 12-3456-7890123");
    none("phone", "order 713-853-61612");
    none("phone", "+12 34");
}

#[test]
fn ssn() {
    one("ssn", "SSN 078-05-1121 on file", "078-05-1121");
    one("ssn", "employee 123-45-6789", "123-45-6789");
    for bad in ["000-12-3456", "666-12-3456", "900-12-3456", "999-12-3456", "123-00-4567", "123-45-0000", "111-11-1111"] {
        none("ssn", &format!("number {bad} here"));
    }
    none("ssn", "phone 713-85-61612");
    none("ssn", "part 1123-45-6789");
    // Undashed only with context.
    none("ssn", "id 123456789");
    one("ssn", "SSN: 123456789", "123456789");
    one("ssn", "Social Security Number 123 45 6789.", "123 45 6789");
    one("ssn", "soc. sec. #219099998", "219099998");
    none("ssn", "SSN: 666456789");
    none("ssn", "ssn 1234567890");
    none("ssn", "lessn 123456789"); // no word boundary
}

#[test]
fn credit_card() {
    for good in [
        "4111111111111111",
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "5500 0000 0000 0004",
        "2223003122003222",
        "3782 822463 10005",
        "6011111111111117",
        "3530111333300000",
        "4222222222222",
    ] {
        one("credit_card", &format!("card: {good}, exp 01/27"), good);
    }
    none("credit_card", "card 4111111111111112"); // Luhn
    none("credit_card", "4111-1111 1111-1111"); // mixed separators
    none("credit_card", "order 41111111111111111111 shipped"); // too long
    none("credit_card", "9111111111111115"); // unknown issuer (Luhn-valid)
    none("credit_card", "4111 11111 1111 1111"); // grouping
    none("credit_card", "0000000000000000");
    none("credit_card", "tracking 1Z4111111111111111");
    // A year after the number is not part of it.
    one("credit_card", "4111 1111 1111 1111 2027", "4111 1111 1111 1111");
}

#[test]
fn ip() {
    one("ip", "from 192.168.1.20 port 22", "192.168.1.20");
    one("ip", "host=10.0.0.1.", "10.0.0.1");
    one("ip", "[2001:db8:85a3::8a2e:370:7334]:443", "2001:db8:85a3::8a2e:370:7334");
    one("ip", "addr 2001:0db8:0000:0000:0000:ff00:0042:8329 up", "2001:0db8:0000:0000:0000:ff00:0042:8329");
    one("ip", "mapped ::ffff:192.0.2.128 ok", "::ffff:192.0.2.128");
    none("ip", "release 1.2.3 shipped");
    none("ip", "version 4.2.1.0");
    none("ip", "v1.2.3.4");
    none("ip", "OID 1.3.6.1.4.1.311");
    none("ip", "256.1.1.1 and 1.300.2.3");
    none("ip", "meeting at 10:30:45, Re: fwd");
    none("ip", "MAC 00:1A:2B:3C:4D:5E");
    none("ip", "std::vector, a[1::2], Note::");
    none("ip", "1234.1.2.3");
}

#[test]
fn dob() {
    one("dob", "DOB: 04/12/1961", "04/12/1961");
    one("dob", "Date of Birth 1961-04-12, SSN ...", "1961-04-12");
    one("dob", "she was born on March 3, 1975 in Ohio", "March 3, 1975");
    one("dob", "born 3rd of March 1975", "3rd of March 1975");
    one("dob", "D.O.B. 31.12.1980", "31.12.1980");
    one("dob", "birthday: 25/12/99", "25/12/99");
    none("dob", "meeting on 04/12/1961");
    none("dob", "DOB: 13/13/1961");
    none("dob", "stubborn 04/12/1961");
    none("dob", "born in Ohio, which is far away, far, far away. Then on 04/12/1961 something");
    none("dob", "DOB 02/30/1961");
}

#[test]
fn iban() {
    one("iban", "IBAN: DE89 3704 0044 0532 0130 00.", "DE89 3704 0044 0532 0130 00");
    one("iban", "GB82WEST12345698765432", "GB82WEST12345698765432");
    one("iban", "pay FR14 2004 1010 0505 0001 3M02 606 now", "FR14 2004 1010 0505 0001 3M02 606");
    one("iban", "NL91ABNA0417164300 ABCD", "NL91ABNA0417164300");
    none("iban", "DE88 3704 0044 0532 0130 00"); // check digits
    none("iban", "DE89 3704 0044 0532 0130"); // too short for DE
    none("iban", "ZZ89 3704 0044 0532 0130 00"); // unknown country
    none("iban", "XDE89370400440532013000");
}

// ---- secrets --------------------------------------------------------------------------------

#[test]
fn openai_key() {
    let legacy = format!("sk-{}", tok(48, B62, 1));
    let proj = format!("sk-proj-{}", tok(156, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 2));
    one("openai_key", &format!("OPENAI_API_KEY={legacy}"), &legacy);
    one("openai_key", &format!("\"{proj}\""), &proj);
    none("openai_key", &format!("OPENAI_API_KEY={}", &legacy[..40])); // truncated
    none("openai_key", &format!("{legacy}{}", tok(5, B62, 3))); // too long for a legacy key
    none("openai_key", &format!("task-{}", tok(48, B62, 4))); // not a prefix
    none("openai_key", &format!("sk-proj-{}", "my-project-name-for-the-quarterly-demo-app-here")); // words
    none("openai_key", &format!("sk_{}", tok(48, B62, 5)));
}

#[test]
fn anthropic_key() {
    let key = format!("sk-ant-api03-{}AA", tok(93, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 6));
    one("anthropic_key", &format!("x-api-key: {key}\n"), &key);
    none("anthropic_key", &format!("sk-ant-api03-{}", tok(20, B62, 7)));
    none("anthropic_key", "sk-ant-the-model-is-the-thing-we-talked-about-yesterday");
    // Not taken for an OpenAI key either.
    none("openai_key", &key);
}

#[test]
fn aws_keys() {
    let id = format!("AKIA{}", tok(16, UPPER_NUM, 8));
    one("aws_key", &format!("aws_access_key_id = {id}"), &id);
    let sid = format!("ASIA{}", tok(16, UPPER_NUM, 9));
    one("aws_key", &sid, &sid);
    none("aws_key", &format!("AKIA{}", tok(12, UPPER_NUM, 10)));
    none("aws_key", &format!("XAKIA{}", tok(16, UPPER_NUM, 11)));
    none("aws_key", &format!("AKIB{}", tok(16, UPPER_NUM, 12)));
    let secret = tok(40, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+", 13);
    one("aws_secret_key", &format!("aws_secret_access_key = {secret}\n"), &secret);
    one("aws_secret_key", &format!("\"AWS_SECRET_KEY\": \"{secret}\""), &secret);
    none("aws_secret_key", &secret); // unlabelled
    none("aws_secret_key", &format!("aws_secret_access_key = {}", &secret[..30]));
}

#[test]
fn github_token() {
    for p in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
        let t = format!("{p}{}", tok(36, B62, 14));
        one("github_token", &format!("token {t} end"), &t);
    }
    let pat = format!("github_pat_{}_{}", tok(22, B62, 15), tok(59, B62, 16));
    one("github_token", &pat, &pat);
    none("github_token", &format!("ghp_{}", tok(30, B62, 17)));
    none("github_token", &format!("ghx_{}", tok(36, B62, 18)));
    none("github_token", &format!("ghp_{}", tok(40, B62, 19)));
}

#[test]
fn google_api_key() {
    let k = format!("AIza{}", tok(35, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-", 20));
    one("google_api_key", &format!("key={k}&q=1"), &k);
    none("google_api_key", &format!("AIza{}", tok(30, B62, 21)));
    none("google_api_key", &format!("AIzb{}", tok(35, B62, 22)));
}

#[test]
fn slack_token() {
    let t = format!("xoxb-{}-{}-{}", tok(12, "0123456789", 23), tok(13, "0123456789", 24), tok(24, B62, 25));
    one("slack_token", &format!("SLACK_TOKEN={t}"), &t);
    let hook = format!("https://hooks.slack.com/services/T{}/B{}/{}", tok(8, UPPER_NUM, 26), tok(8, UPPER_NUM, 27), tok(24, B62, 28));
    one("slack_token", &format!("post to {hook} please"), &hook);
    let legacy = format!(
        "xoxp-{}-{}-{}-{}",
        tok(10, "0123456789", 32),
        tok(10, "0123456789", 33),
        tok(11, "0123456789", 34),
        tok(32, "0123456789abcdef", 35)
    );
    one("slack_token", &legacy, &legacy);
    none("slack_token", "xoxb-not-a-token");
    none("slack_token", "xoxz-123456789012-abcdefghijkl");
}

#[test]
fn stripe_key() {
    for p in ["sk_live_", "rk_live_", "sk_test_"] {
        let k = format!("{p}{}", tok(24, B62, 29));
        one("stripe_key", &format!("stripe.api_key = '{k}'"), &k);
    }
    none("stripe_key", &format!("pk_live_{}", tok(24, B62, 30))); // publishable
    none("stripe_key", &format!("sk_live_{}", tok(10, B62, 31)));
    none("stripe_key", "sk_live_thisisnotarealkeyjustwords");
}

#[test]
fn jwt() {
    // {"alg":"HS256","typ":"JWT"} . {"sub":"1234567890","name":"John Doe","iat":1516239022} . sig
    let t = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
    one("jwt", &format!("Authorization: Bearer {t}\n"), t);
    // {"typ":"JWT"}: no alg.
    none("jwt", "eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV");
    // Header is not JSON.
    none("jwt", "eyJhbGciOiJIUzI1Ni.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV");
    none("jwt", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9");
}

#[test]
fn private_key() {
    let body =
        (0..5).map(|i| tok(64, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/", 40 + i)).collect::<Vec<_>>().join("\n");
    let block = format!("-----BEGIN RSA PRIVATE KEY-----\n{body}\n-----END RSA PRIVATE KEY-----");
    one("private_key", &format!("key:\n{block}\nthanks"), &block);
    let block = format!("-----BEGIN OPENSSH PRIVATE KEY-----\r\n{body}\r\n-----END OPENSSH PRIVATE KEY-----");
    one("private_key", &format!("{block}\r\n"), &block);
    let pgp = format!("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{body}\n-----END PGP PRIVATE KEY BLOCK-----");
    one("private_key", &pgp, &pgp);
    // Truncated (no END line): the header and the base64 lines.
    let trunc = format!("-----BEGIN PRIVATE KEY-----\n{body}");
    one("private_key", &format!("{trunc}\n\nRegards, Bob"), &trunc);
    none("private_key", &format!("-----BEGIN PUBLIC KEY-----\n{body}\n-----END PUBLIC KEY-----"));
    none("private_key", &format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----"));
}

#[test]
fn everything_at_once() {
    let aws = format!("AKIA{}", tok(16, UPPER_NUM, 50));
    let text = format!("Hi — SSN 078-05-1121, card 4111 1111 1111 1111, key {aws}, mail bob@x.com, IP 8.8.8.8.");
    let got = hits(&["pii", "secrets"], &text);
    let kinds: Vec<_> = got.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["ssn", "credit_card", "aws_key", "email", "ip"]);
    assert_eq!(RuleSet::builtin(&["pii", "secrets"]).unwrap().count(&text), 5);
}
