//! Body rewriting, allow-list first: per backend and endpoint, the fields passed on; the
//! scope fields pinned from the configuration; widening fields refused (400) unless empty.

use serde_json::{json, Map, Value};

use crate::config::{Backend, Config};

/// Fields that widen scope or cost: refused with 400 when set to anything but
/// null / false / an empty list (the widget sends them empty), passed on empty otherwise.
pub const WIDENING: &[&str] = &[
    "search_doc_ids",
    "allowed_tool_ids",
    "forced_tool_id",
    "deep_research",
    "file_descriptors",
    "user_file_ids",
    "user_folder_ids",
    "prompt_override",
    "alternate_assistant_id",
    "use_agentic_search",
    "query_override",
    "prompt_id",
    "regenerate",
    "use_existing_user_message",
];

/// Fields passed on as sent (besides the pinned ones), per message endpoint.
fn passed(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Onyx => &[
            "message",
            "chat_session_id",
            "parent_message_id",
            "origin",
            "include_citations",
            "stream",
        ],
        Backend::OnyxLegacy => &[
            "message",
            "chat_session_id",
            "parent_message_id",
            "include_citations",
        ],
        Backend::OnyxSimple => &["message", "chat_session_id"],
        Backend::Odyssey => &["message", "conversationId", "isFirst"],
    }
}

/// The question inside a message body.
pub fn question(body: &Value) -> Option<&str> {
    body.get("message")?.as_str()
}

/// Rewrites a message body; `Err` is the 400 text.
pub fn message(cfg: &Config, body: &Value) -> Result<Value, String> {
    let obj = body.as_object().ok_or("the body is not a JSON object")?;
    check_widening(obj)?;
    let model = check_model(cfg, obj)?;
    let mut out = Map::new();
    // Empty widening fields pass unchanged: Onyx's legacy endpoint requires them present.
    for k in WIDENING.iter().chain(passed(cfg.backend)) {
        if let Some(v) = obj.get(*k) {
            out.insert((*k).into(), v.clone());
        }
    }
    match question(body) {
        Some(q) if q.chars().count() > cfg.max_question_chars => {
            return Err(format!(
                "the question is longer than {} characters",
                cfg.max_question_chars
            ))
        }
        Some(q) if !q.trim().is_empty() => {}
        _ => return Err("the body has no message".into()),
    }
    pin(cfg, &mut out);
    if let Some(m) = model {
        out.insert("llm_override".into(), m);
    }
    Ok(Value::Object(out))
}

fn check_widening(obj: &Map<String, Value>) -> Result<(), String> {
    for k in WIDENING {
        let empty = match obj.get(*k) {
            None | Some(Value::Null) | Some(Value::Bool(false)) => true,
            Some(Value::Array(a)) => a.is_empty(),
            _ => false,
        };
        if !empty {
            return Err(format!("the field {k} is not allowed through this gate"));
        }
    }
    Ok(())
}

fn check_model(cfg: &Config, obj: &Map<String, Value>) -> Result<Option<Value>, String> {
    let Some(o) = obj.get("llm_override").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let p = o
        .get("model_provider")
        .and_then(Value::as_str)
        .unwrap_or("");
    let m = o.get("model_version").and_then(Value::as_str).unwrap_or("");
    if cfg.models.iter().any(|(a, b)| a == p && b == m) {
        Ok(Some(json!({ "model_provider": p, "model_version": m })))
    } else {
        Err(format!(
            "the model {p}/{m} is not allowed through this gate"
        ))
    }
}

/// The configured filters, in the Onyx shape.
pub fn filters(cfg: &Config) -> Value {
    let list = |v: &Vec<String>| if v.is_empty() { Value::Null } else { json!(v) };
    let tags: Vec<Value> = cfg
        .tags
        .iter()
        .map(|(k, v)| json!({ "tag_key": k, "tag_value": v }))
        .collect();
    json!({
        "source_type": list(&cfg.source_types),
        "document_set": list(&cfg.document_sets),
        "time_cutoff": cfg.time_cutoff,
        "tags": if tags.is_empty() { Value::Null } else { json!(tags) },
    })
}

fn pin(cfg: &Config, out: &mut Map<String, Value>) {
    let persona = cfg.persona.unwrap_or(0);
    match cfg.backend {
        Backend::Onyx => {
            if !out.contains_key("chat_session_id") {
                out.insert("chat_session_info".into(), json!({ "persona_id": persona }));
            }
            out.insert("internal_search_filters".into(), filters(cfg));
        }
        Backend::OnyxLegacy | Backend::OnyxSimple => {
            if cfg.backend == Backend::OnyxSimple && !out.contains_key("chat_session_id") {
                out.insert("persona_id".into(), json!(persona));
            }
            let ro = json!({ "run_search": "auto", "real_time": true, "filters": filters(cfg) });
            out.insert("retrieval_options".into(), ro);
        }
        Backend::Odyssey => {
            out.insert("workspaceId".into(), json!(cfg.workspace_id));
            if let Some(a) = &cfg.agent_id {
                out.insert("agentId".into(), json!(a));
            }
        }
    }
}

/// The create-chat-session body: the pinned persona only.
pub fn create_session(cfg: &Config) -> Value {
    json!({ "persona_id": cfg.persona.unwrap_or(0), "description": Value::Null })
}

/// The reasons the widget offers after a thumbs-down (its `predefined_feedback` values).
const REASONS: [&str; 4] = [
    "Not accurate",
    "Not helpful",
    "Out of date",
    "Wrong sources",
];
/// The longest comment passed on, in characters (the widget's own limit).
const COMMENT_CHARS: usize = 1_000;

/// A feedback body: the message id, the verdict, one of the widget's reasons and a comment of
/// bounded length only (any other reason, or a longer or non-string comment, becomes `null`).
pub fn feedback(body: &Value) -> Result<(i64, Value), String> {
    let id = body
        .get("chat_message_id")
        .and_then(Value::as_i64)
        .ok_or("chat_message_id missing")?;
    let pos = body
        .get("is_positive")
        .and_then(Value::as_bool)
        .ok_or("is_positive missing")?;
    let reason = body
        .get("predefined_feedback")
        .and_then(Value::as_str)
        .filter(|r| REASONS.contains(r));
    let comment = body
        .get("feedback_text")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|c| !c.is_empty() && c.chars().count() <= COMMENT_CHARS);
    let out = json!({ "chat_message_id": id, "is_positive": pos, "feedback_text": comment, "predefined_feedback": reason });
    Ok((id, out))
}

#[cfg(test)]
mod feedback_tests {
    use super::*;

    #[test]
    fn feedback_keeps_the_widgets_reason_and_a_bounded_comment_only() {
        let (id, out) = feedback(&json!({"chat_message_id": 7, "is_positive": false,
            "predefined_feedback": "Not helpful", "feedback_text": " Menu moved ", "extra": 1}))
        .unwrap();
        assert_eq!(id, 7);
        assert_eq!(
            out,
            json!({"chat_message_id": 7, "is_positive": false,
                "feedback_text": "Menu moved", "predefined_feedback": "Not helpful"})
        );
        let long = "x".repeat(COMMENT_CHARS + 1);
        let (_, out) = feedback(&json!({"chat_message_id": 7, "is_positive": true,
            "predefined_feedback": "<script>", "feedback_text": long}))
        .unwrap();
        assert_eq!(out["predefined_feedback"], Value::Null);
        assert_eq!(out["feedback_text"], Value::Null);
        let (_, out) =
            feedback(&json!({"chat_message_id": 7, "is_positive": true, "feedback_text": 5}))
                .unwrap();
        assert_eq!(out["feedback_text"], Value::Null);
        assert!(feedback(&json!({"chat_message_id": 7})).is_err());
    }
}
