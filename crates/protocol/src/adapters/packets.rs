//! Decoding of Onyx stream objects: the bare lines (session, ids, top-level error) and
//! packet v2 (`{"placement": …, "obj": …}`).

use serde_json::Value;

use super::TurnState;
use crate::event::{ChatError, ChatEvent, Document, Status, StopReason};

/// A SearchDoc (or SavedSearchDoc) object as a [`Document`].
pub fn document(v: &Value) -> Option<Document> {
    let id = v.get("document_id")?.as_str()?.to_string();
    let s = |k: &str| {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let title = Some(s("semantic_identifier"))
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| id.clone());
    Some(Document {
        link: v
            .get("link")
            .and_then(Value::as_str)
            .filter(|l| !l.is_empty())
            .map(str::to_string),
        blurb: s("blurb"),
        source_type: s("source_type"),
        title,
        id,
    })
}

/// A list of SearchDoc objects.
pub fn documents(v: Option<&Value>) -> Vec<Document> {
    v.and_then(Value::as_array)
        .map(|a| a.iter().filter_map(document).collect())
        .unwrap_or_default()
}

/// Lines that are not packets: the session line, the ids line and the top-level error.
/// Returns false when the object is none of these.
pub fn bare_line(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) -> bool {
    if let Some(err) = v.get("error").filter(|e| !e.is_null()) {
        let message = err
            .as_str()
            .map(str::to_string)
            .unwrap_or_else(|| err.to_string());
        let retryable = v
            .get("is_retryable")
            .and_then(Value::as_bool)
            .unwrap_or(true);
        let mut e = ChatError::fatal(
            format!("The server reported an error: {message}"),
            retryable,
        );
        e.code = v
            .get("error_code")
            .and_then(Value::as_str)
            .map(str::to_string);
        st.fail(e, out);
        return true;
    }
    let mut matched = false;
    if let Some(id) = v.get("chat_session_id").and_then(Value::as_str) {
        if v.get("obj").is_none() && v.get("message_id").is_none() {
            out.push(ChatEvent::Session { id: id.to_string() });
            matched = true;
        }
    }
    if v.get("reserved_assistant_message_id").is_some() || v.get("user_message_id").is_some() {
        out.push(ChatEvent::MessageIds {
            user: v.get("user_message_id").and_then(Value::as_i64),
            assistant: v
                .get("reserved_assistant_message_id")
                .and_then(Value::as_i64),
        });
        matched = true;
    }
    matched
}

/// A packet v2 object. Packets of other models (`model_index` > 0) are ignored.
pub fn packet_v2(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    let model = v
        .get("placement")
        .and_then(|p| p.get("model_index"))
        .and_then(Value::as_i64)
        .unwrap_or(0);
    if model > 0 {
        return;
    }
    if let Some(obj) = v.get("obj") {
        packet_obj(obj, st, out);
    }
}

/// The `obj` of a packet (v1 or v2; v1's older type names are accepted too).
pub fn packet_obj(obj: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    let ty = obj.get("type").and_then(Value::as_str).unwrap_or_default();
    match ty {
        "search_tool_start" | "internal_search_tool_start" => {
            out.push(ChatEvent::Status(Status::Searching { queries: vec![] }))
        }
        "search_tool_queries_delta" => out.push(ChatEvent::Status(Status::Searching {
            queries: strings(obj.get("queries")),
        })),
        "internal_search_tool_delta" => {
            let queries = strings(obj.get("queries"));
            if !queries.is_empty() {
                out.push(ChatEvent::Status(Status::Searching { queries }));
            }
            push_docs(obj.get("documents"), out);
        }
        "search_tool_documents_delta" | "open_url_documents" => {
            push_docs(obj.get("documents"), out)
        }
        "open_url_start" | "open_url_urls" | "fetch_tool_start" => {
            out.push(ChatEvent::Status(Status::Reading))
        }
        "reasoning_start" | "reasoning_delta" => out.push(ChatEvent::Status(Status::Thinking)),
        "message_start" => {
            push_docs(obj.get("final_documents"), out);
            out.push(ChatEvent::Status(Status::Answering));
            if let Some(c) = obj.get("content").and_then(Value::as_str) {
                st.text(c, out);
            }
        }
        "message_delta" => {
            if let Some(c) = obj.get("content").and_then(Value::as_str) {
                st.text(c, out);
            }
        }
        "citation_info" => {
            if let (Some(n), Some(id)) = (
                obj.get("citation_number").and_then(Value::as_u64),
                obj.get("document_id").and_then(Value::as_str),
            ) {
                out.push(ChatEvent::Citation {
                    number: n as u32,
                    document_id: id.to_string(),
                });
            }
        }
        "citation_delta" => {
            for c in obj
                .get("citations")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let (Some(n), Some(id)) = (
                    c.get("citation_num").and_then(Value::as_u64),
                    c.get("document_id").and_then(Value::as_str),
                ) {
                    out.push(ChatEvent::Citation {
                        number: n as u32,
                        document_id: id.to_string(),
                    });
                }
            }
        }
        "stop" => {
            let reason = match obj.get("stop_reason").and_then(Value::as_str) {
                Some("user_cancelled") => StopReason::Stopped,
                _ => StopReason::Finished,
            };
            st.done(reason, out);
        }
        "error" => out.push(ChatEvent::Error(ChatError {
            message: "A tool the assistant used failed; the answer may be less complete.".into(),
            fatal: false,
            retryable: false,
            code: Some("tool_error".into()),
            retry_after_seconds: None,
        })),
        t if t.ends_with("_tool_start") || t == "custom_tool_start" => {
            out.push(ChatEvent::Status(Status::RunningTool {
                name: obj
                    .get("tool_name")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            }))
        }
        // chat_heartbeat, section_end and every unknown type carry nothing to show.
        _ => {}
    }
}

fn push_docs(v: Option<&Value>, out: &mut Vec<ChatEvent>) {
    let docs = documents(v);
    if !docs.is_empty() {
        out.push(ChatEvent::Documents(docs));
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    v.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
