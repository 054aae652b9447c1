//! ChatGPT data export `conversations.json`: conversations whose messages form a tree in
//! `mapping` (node → parent/children). Every assistant message node becomes one call, with
//! the path from the root to it as its messages, so regenerated and edited branches are all
//! kept; `raw.on_current_branch` says whether the node is on the branch the user last saw.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::Sink;
use crate::modellogs::call::{LineError, Message, ModelCall};
use crate::modellogs::util::{content_text, unix_to_rfc3339};

pub(crate) fn node_text(msg: &Value) -> String {
    let c = match msg.get("content") {
        Some(c) => c,
        None => return String::new(),
    };
    match c.get("content_type").and_then(|t| t.as_str()) {
        Some("thoughts") => c
            .get("thoughts")
            .and_then(|t| t.as_array())
            .map(|a| a.iter().filter_map(|x| x.get("content").and_then(|s| s.as_str())).collect::<Vec<_>>().join("\n"))
            .unwrap_or_default(),
        _ => {
            if let Some(parts) = c.get("parts").and_then(|p| p.as_array()) {
                parts
                    .iter()
                    .filter_map(|p| p.as_str().map(str::to_string).or_else(|| p.get("text").and_then(|t| t.as_str()).map(str::to_string)))
                    .collect::<Vec<_>>()
                    .join("\n")
            } else {
                content_text(c)
            }
        }
    }
}

pub fn import_doc(doc: &Value, sink: Sink<'_>) {
    let convs: Vec<&Value> = match super::export_conversations(doc) {
        Some(c) => c,
        None => {
            sink(Err(LineError { line: 0, reason: "a ChatGPT export is a JSON array of conversations".into() }));
            return;
        }
    };
    for (i, conv) in convs.into_iter().enumerate() {
        let rec = i as u64 + 1;
        let id = conv.get("id").or_else(|| conv.get("conversation_id")).and_then(|x| x.as_str()).map(str::to_string);
        let label = id.clone().unwrap_or_else(|| format!("#{rec}"));
        let mut problems = Vec::new();
        if id.is_none() {
            problems.push("no `id`".to_string());
        }
        if conv.get("title").is_none() {
            problems.push("no `title`".to_string());
        }
        let create = conv.get("create_time");
        let conv_ts = match create {
            Some(Value::Number(n)) => unix_to_rfc3339(n.as_f64().unwrap_or(-1.0)),
            Some(Value::Null) | None => None,
            Some(other) => {
                problems.push(format!("`create_time` is {other}, not seconds since 1970"));
                None
            }
        };
        let mapping = match conv.get("mapping").and_then(|m| m.as_object()) {
            Some(m) => m,
            None => {
                problems.push("no `mapping` object".to_string());
                sink(Err(LineError { line: rec, reason: format!("conversation {label}: {}; skipped", problems.join(", ")) }));
                continue;
            }
        };
        if !problems.is_empty() {
            sink(Err(LineError { line: rec, reason: format!("conversation {label}: {}; skipped", problems.join(", ")) }));
            continue;
        }
        // Nodes on the current branch.
        let mut current: HashSet<&str> = HashSet::new();
        let mut cur = conv.get("current_node").and_then(|c| c.as_str());
        while let Some(n) = cur {
            if !current.insert(n) {
                break;
            }
            cur = mapping.get(n).and_then(|x| x.get("parent")).and_then(|p| p.as_str());
        }
        let parent_of: HashMap<&str, &str> =
            mapping.iter().filter_map(|(k, n)| n.get("parent").and_then(|p| p.as_str()).map(|p| (k.as_str(), p))).collect();
        // Stable order: by message create_time, then node id.
        let mut nodes: Vec<(&String, &Value)> = mapping.iter().collect();
        nodes.sort_by(|a, b| {
            let ta = a.1.get("message").and_then(|m| m.get("create_time")).and_then(|t| t.as_f64()).unwrap_or(0.0);
            let tb = b.1.get("message").and_then(|m| m.get("create_time")).and_then(|t| t.as_f64()).unwrap_or(0.0);
            ta.partial_cmp(&tb).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(b.0))
        });
        for (node_id, node) in nodes {
            let msg = match node.get("message").filter(|m| m.is_object()) {
                Some(m) => m,
                None => continue,
            };
            let role = msg.get("author").and_then(|a| a.get("role")).and_then(|r| r.as_str()).unwrap_or("");
            if role != "assistant" {
                continue;
            }
            // Walk up to the root.
            let mut path = Vec::new();
            let mut seen = HashSet::new();
            let mut p = parent_of.get(node_id.as_str()).copied();
            while let Some(pid) = p {
                if !seen.insert(pid) {
                    break;
                }
                if let Some(pm) = mapping.get(pid).and_then(|n| n.get("message")).filter(|m| m.is_object()) {
                    path.push(pm);
                }
                p = parent_of.get(pid).copied();
            }
            path.reverse();
            let mut c = ModelCall::new("chatgpt_export");
            for pm in path {
                let r = pm.get("author").and_then(|a| a.get("role")).and_then(|r| r.as_str()).unwrap_or("user");
                let t = node_text(pm);
                if r == "system" {
                    if !t.is_empty() {
                        c.system = Some(match c.system.take() {
                            Some(s) => format!("{s}\n{t}"),
                            None => t,
                        });
                    }
                } else {
                    c.messages.push(Message { role: r.to_string(), content: t });
                }
            }
            c.completion = Some(node_text(msg));
            c.ts = msg.get("create_time").and_then(|t| t.as_f64()).and_then(unix_to_rfc3339).or(conv_ts.clone());
            c.model = msg.get("metadata").and_then(|m| m.get("model_slug")).and_then(|s| s.as_str()).map(str::to_string);
            c.conversation_id = id.clone();
            c.request_id = msg.get("id").and_then(|s| s.as_str()).map(str::to_string).or(Some(node_id.clone()));
            c.source_line = Some(rec);
            c.raw = serde_json::json!({
                "conversation_id": id, "title": conv.get("title"), "node_id": node_id,
                "on_current_branch": current.contains(node_id.as_str()), "message": msg,
            });
            sink(Ok(c));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn branches_kept() {
        let doc = serde_json::json!([{"id":"c1","title":"t","create_time":1700000000.0,"current_node":"a2","mapping":{
            "root":{"id":"root","parent":null,"children":["u1"]},
            "u1":{"id":"u1","parent":"root","message":{"author":{"role":"user"},"create_time":1700000001.0,"content":{"content_type":"text","parts":["q"]}}},
            "a1":{"id":"a1","parent":"u1","message":{"author":{"role":"assistant"},"create_time":1700000002.0,"content":{"content_type":"text","parts":["first"]},"metadata":{"model_slug":"gpt-4o"}}},
            "a2":{"id":"a2","parent":"u1","message":{"author":{"role":"assistant"},"create_time":1700000003.0,"content":{"content_type":"text","parts":["regenerated"]}}}
        }}, {"id":"c2","create_time":"x","mapping":{}}]);
        let mut out = vec![];
        import_doc(&doc, &mut |r| out.push(r));
        let calls: Vec<_> = out.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(calls.len(), 2);
        assert_eq!(calls[0].completion.as_deref(), Some("first"));
        assert_eq!(calls[0].raw["on_current_branch"], false);
        assert_eq!(calls[1].raw["on_current_branch"], true);
        assert_eq!(calls[1].messages[0].content, "q");
        let err = out.iter().find_map(|r| r.as_ref().err()).unwrap();
        assert!(err.reason.contains("title") && err.reason.contains("create_time"), "{}", err.reason);
    }
}
