//! The parsing side of a model-log import: each call read from the log is made ready for the
//! database on the parsing thread (its item, its record packed for `model_call.call_json`, its
//! fingerprint) and handed to the writer in chunks.

use crate::error::{Error, Result};
use crate::extract::detect::Kind;
use crate::extract::Meta;
use crate::ingest::worker::NodeOut;
use crate::modellogs::{self, Format, ModelCall};
use crate::store::audit;
use crate::store::blobs::sha256_hex;
use crate::store::call_identity as identity;
use crate::store::call_record::Packer;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::SyncSender;

/// A call made ready for the database on the parsing thread: its item, the record as stored in
/// `model_call.call_json` (compressed), and the call's fields (its `raw` record already moved
/// into both).
pub(super) struct Prepared {
    pub(super) node: NodeOut,
    pub(super) call: ModelCall,
    pub(super) call_json: Vec<u8>,
    /// The text half of the item's audit fingerprint ([`audit::Fingerprints`]), hashed here
    /// rather than on the writer thread.
    pub(super) text_fp: String,
    /// The hash a matter imported before whole-call identities gave this call (its record as
    /// logged), looked for when the identity finds nothing; only while importing into such a
    /// matter.
    pub(super) legacy_sha: Option<String>,
}

/// What the parsing thread hands the writer, in file order.
pub(super) enum Parsed {
    Call(Box<Prepared>),
    /// A record that could not be read (or the importer's failure): an error record.
    Bad(modellogs::LineError),
    /// Preparing a call failed in a way that must stop the import.
    Failed(Error),
}

/// Calls sent from the parsing thread to the writer at a time.
pub(super) const CHUNK: usize = 256;
/// Chunks that may wait between the threads: enough to keep the writer busy, small enough that
/// memory does not depend on the log's size.
pub(super) const CHUNKS_IN_FLIGHT: usize = 8;
/// The item of one call. `raw` is the call's record as logged, serialized once; the item's hash
/// is the call's identity ([`identity`]), which covers it and the whole call.
pub(super) fn call_node(c: &ModelCall, raw: &[u8]) -> NodeOut {
    let prompt = c.prompt_text();
    let text = match c.completion.as_deref() {
        None | Some("") => prompt,
        Some(completion) => format!("{prompt}\n\n[completion]\n{completion}"),
    };
    let title: String = c.last_user_text().split_whitespace().collect::<Vec<_>>().join(" ").chars().take(120).collect();
    // The identifying fields (account, key, user, ip, model, request and conversation ids) as
    // the canonical record names them; `ts` is the item's date already.
    let mut extra: std::collections::BTreeMap<String, String> =
        c.identity().into_iter().filter(|(k, _)| *k != "ts").filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string()))).collect();
    if let Some(f) = c.source_format() {
        extra.insert("source_format".into(), f.to_string());
    }
    extra.insert("format".into(), c.format.clone());
    if let Some(l) = c.source_line {
        extra.insert("line".into(), l.to_string());
    }
    if let Some(t) = c.prompt_tokens {
        extra.insert("prompt_tokens".into(), t.to_string());
    }
    if let Some(t) = c.completion_tokens {
        extra.insert("completion_tokens".into(), t.to_string());
    }
    if let Ok(p) = serde_json::to_string(&c.params) {
        extra.insert("params".into(), p);
    }
    if let Some(cost) = c.cost {
        extra.insert("cost_usd".into(), cost.to_string());
    }
    let name = match (&c.request_id, c.source_line) {
        (Some(r), _) => r.clone(),
        (None, Some(l)) => format!("line-{l:07}"),
        (None, None) => "call".into(),
    };
    NodeOut {
        parent: None,
        container: None,
        name,
        raw_name: None,
        sha256: identity::call_sha256(c, raw),
        size: raw.len() as u64,
        kind: Kind::ModelCall,
        mime: "application/json".into(),
        meta: Meta {
            title: (!title.is_empty()).then_some(title),
            author: c.account.clone(),
            date: c.ts.clone(),
            extra,
            ..Default::default()
        },
        text: Some(text),
        pages: vec![],
        layout: None,
        extractor: format!("modellogs:{}", c.format),
        dedupe_key: None,
        failed: false,
        problem: None,
    }
}

/// `serde_json::to_string` of a call whose `raw` has been taken out (is `Null`), with `raw`
/// (that record, serialized) put back: the same text as serializing the whole call, without
/// serializing the record twice.
pub(super) fn call_json(call: &ModelCall, raw: &[u8]) -> Result<String> {
    let head = serde_json::to_string(call)?;
    // `raw` is the struct's last field; anything else means the struct changed under us.
    let Some(head) = head.strip_suffix("null}").filter(|h| h.ends_with("\"raw\":")) else {
        return Err(Error::Internal("a model call no longer serializes with `raw` last".into()));
    };
    let raw = std::str::from_utf8(raw).map_err(|e| Error::Internal(format!("a serialized record is not UTF-8: {e}")))?;
    let mut out = String::with_capacity(head.len() + raw.len() + 1);
    out.push_str(head);
    out.push_str(raw);
    out.push('}');
    Ok(out)
}

/// Everything the database needs for one call, computed off the writer thread: the record is
/// serialized once, hashed for the item and spliced into `call_json`, which is compressed
/// with the item's text (see [`crate::store::call_record`]).
pub(super) fn prepare(mut call: ModelCall, packer: &mut Packer, legacy: bool) -> Result<Prepared> {
    let raw = std::mem::take(&mut call.raw);
    let raw = serde_json::to_vec(&raw)?;
    let node = call_node(&call, &raw);
    let call_json = packer.pack(node.text.as_deref().unwrap_or(""), &call_json(&call, &raw)?)?;
    let text_fp = audit::text_fp(node.text.as_deref());
    let legacy_sha = legacy.then(|| sha256_hex(&raw));
    Ok(Prepared { node, call, call_json, text_fp, legacy_sha })
}

/// A reader that reports the end of the file once `stop` is set, so the parsing thread stops
/// reading soon after the writer gave up.
pub(super) struct StopReader<'a, R> {
    pub(super) inner: R,
    pub(super) stop: &'a AtomicBool,
}

impl<R: std::io::Read> std::io::Read for StopReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.stop.load(Ordering::Relaxed) {
            return Ok(0);
        }
        self.inner.read(buf)
    }
}

/// The parsing thread: runs the importer over the log and sends prepared calls in chunks, in
/// file order. Importers parse untrusted input: a panic is contained and reported as an error
/// record after the calls read before it.
pub(super) fn parse_log(
    reader: impl std::io::BufRead,
    paired_output: Option<impl std::io::BufRead>,
    format: &Format,
    legacy: bool,
    stop: &AtomicBool,
    out: SyncSender<Vec<Parsed>>,
) {
    let mut chunk: Vec<Parsed> = Vec::with_capacity(CHUNK);
    let mut packer = Packer::default();
    let panicked = {
        let mut cb = |r: std::result::Result<ModelCall, modellogs::LineError>| {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            chunk.push(match r.map(|c| prepare(c, &mut packer, legacy)) {
                Ok(Ok(p)) => Parsed::Call(Box::new(p)),
                Ok(Err(e)) => Parsed::Failed(e),
                Err(e) => Parsed::Bad(e),
            });
            if chunk.len() >= CHUNK && out.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).is_err() {
                // The writer has stopped.
                stop.store(true, Ordering::Relaxed);
            }
        };
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match paired_output {
            Some(o) => modellogs::import_batch(reader, o, &mut cb),
            None => modellogs::import_stream(reader, format, &mut cb),
        }))
        .is_err()
    };
    if panicked {
        chunk.push(Parsed::Bad(modellogs::LineError {
            line: 0,
            reason: "the importer failed on this file's structure; the calls read before that point were kept".into(),
        }));
    }
    let _ = out.send(chunk);
}
