//! Small helpers shared by the importers and the analysis.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde_json::Value;

/// Plain text out of the many content shapes providers use: a string; an array of strings or
/// parts (`{type:text,text}`, `{text}`, `{type:input_text|output_text,text}`, `{transcript}`);
/// an object with `parts` (ChatGPT) or `content`/`text`.
pub fn content_text(v: &Value) -> String {
    let mut out = String::new();
    collect_text(v, &mut out, 0);
    out
}

fn push_piece(out: &mut String, s: &str) {
    if s.is_empty() {
        return;
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(s);
}

fn collect_text(v: &Value, out: &mut String, depth: usize) {
    if depth > 6 {
        return;
    }
    match v {
        Value::String(s) => push_piece(out, s),
        Value::Array(a) => {
            for x in a {
                collect_text(x, out, depth + 1);
            }
        }
        Value::Object(o) => {
            for k in ["text", "transcript", "thinking", "value"] {
                if let Some(s) = o.get(k).and_then(|x| x.as_str()) {
                    push_piece(out, s);
                    return;
                }
            }
            // Bedrock Converse: text a guardrail is to check, `{guardContent: {text: {text}}}`
            // (the prompt itself when a guardrail is applied to it).
            for k in ["guardContent", "text"] {
                if let Some(x) = o.get(k).filter(|x| x.is_object()) {
                    collect_text(x, out, depth + 1);
                    return;
                }
            }
            for k in ["parts", "content"] {
                if let Some(x) = o.get(k) {
                    collect_text(x, out, depth + 1);
                    return;
                }
            }
        }
        _ => {}
    }
}

pub fn str_field(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub fn u64_field(v: &Value, k: &str) -> Option<u64> {
    let x = v.get(k)?;
    x.as_u64().or_else(|| x.as_f64().map(|f| f as u64)).or_else(|| x.as_str().and_then(|s| s.trim().parse().ok()))
}

/// Seconds since the epoch (integer or float) to RFC 3339 UTC.
pub fn unix_to_rfc3339(secs: f64) -> Option<String> {
    if !secs.is_finite() || !(0.0..=32_503_680_000.0).contains(&secs) {
        return None;
    }
    let whole = secs.floor() as i64;
    let nanos = ((secs - secs.floor()) * 1e9).round() as u32;
    let dt = Utc.timestamp_opt(whole, nanos.min(999_999_999)).single()?;
    Some(if nanos == 0 { dt.format("%Y-%m-%dT%H:%M:%SZ").to_string() } else { dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string() })
}

/// Any timestamp we meet (RFC 3339 with any offset, `YYYY-MM-DD HH:MM:SS[.f]` taken as UTC,
/// unix seconds or milliseconds as number or string) to RFC 3339 UTC.
pub fn normalize_ts(v: &Value) -> Option<String> {
    match v {
        Value::Number(n) => {
            let f = n.as_f64()?;
            // Milliseconds when implausibly large for seconds.
            unix_to_rfc3339(if f > 1e11 { f / 1000.0 } else { f })
        }
        Value::String(s) => normalize_ts_str(s),
        _ => None,
    }
}

pub fn normalize_ts_str(s: &str) -> Option<String> {
    let s = s.trim();
    if s.is_empty() {
        return None;
    }
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        let dt = dt.with_timezone(&Utc);
        return Some(if dt.timestamp_subsec_nanos() == 0 {
            dt.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        } else {
            dt.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
        });
    }
    for f in ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(s, f) {
            return normalize_ts_str(&format!("{}Z", n.format("%Y-%m-%dT%H:%M:%S%.f")));
        }
    }
    if let Ok(dt) = DateTime::parse_from_rfc2822(s) {
        return unix_to_rfc3339(dt.timestamp() as f64);
    }
    if let Ok(f) = s.parse::<f64>() {
        return normalize_ts(&serde_json::json!(f));
    }
    None
}

/// RFC 3339 to unix seconds (fast path for our own `YYYY-MM-DDTHH:MM:SS…Z`).
pub fn ts_to_unix(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() >= 20 && b[4] == b'-' && b[10] == b'T' && s.ends_with('Z') {
        let num = |r: std::ops::Range<usize>| -> Option<i64> { s.get(r)?.parse().ok() };
        let (y, mo, d, h, mi, se) = (num(0..4)?, num(5..7)?, num(8..10)?, num(11..13)?, num(14..16)?, num(17..19)?);
        return Some(days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se);
    }
    DateTime::parse_from_rfc3339(s).ok().map(|d| d.timestamp())
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// 64-bit FNV-1a, then a finalizer (fast, deterministic across runs and platforms).
pub fn hash64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    mix64(h)
}

pub fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn timestamps() {
        assert_eq!(unix_to_rfc3339(1731368634.0).unwrap(), "2024-11-11T23:43:54Z");
        assert_eq!(normalize_ts_str("2025-10-01T10:00:00.000000Z").unwrap(), "2025-10-01T10:00:00Z");
        assert_eq!(normalize_ts_str("2025-10-01 12:00:00+02:00").unwrap(), "2025-10-01T10:00:00Z");
        assert_eq!(normalize_ts_str("2025-10-01 10:00:00").unwrap(), "2025-10-01T10:00:00Z");
        assert_eq!(ts_to_unix("2024-11-11T23:43:54Z"), Some(1731368634));
        assert!(normalize_ts_str("not-a-timestamp").is_none());
    }
    #[test]
    fn text_shapes() {
        let v = serde_json::json!([{"type":"text","text":"a"},{"type":"image"},{"text":"b"}]);
        assert_eq!(content_text(&v), "a\nb");
        assert_eq!(content_text(&serde_json::json!({"content_type":"text","parts":["x","y"]})), "x\ny");
        let guarded = serde_json::json!([{"guardContent":{"text":{"text":"source","qualifiers":["grounding_source"]}}},{"guardContent":{"text":{"text":"q","qualifiers":["query"]}}}]);
        assert_eq!(content_text(&guarded), "source\nq");
    }
}
