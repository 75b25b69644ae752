//! Decoding of the objects Onyx-family servers send, one JSON object at a time:
//!
//! * packet v2 `{"placement": …, "obj": {"type": …}}` (Onyx ≥ 2.6, protocols.md §3.3);
//! * packet v1 `{"ind": n, "obj": {"type": …}}` (Onyx 1.7–2.5, §2.3);
//! * the bare lines: session, message ids, top-level `{"error": …}`;
//! * the legacy flat objects told apart by their keys (Onyx ≤ 1.6 and Hymalaia, §2.2),
//!   including the closing `ChatMessageDetail`;
//! * single-body replies with an `answer` key: `ChatFullResponse` (`stream: false`, §3.2) and
//!   `ChatBasicResponse` (simple API, §4).

use super::TurnState;
use crate::event::{ChatError, ChatEvent, Document, Status, StopReason};
use crate::json::Value;

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
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| id.clone());
    Some(Document {
        link: v
            .get("link")
            .and_then(Value::as_str)
            .filter(|l| !l.trim().is_empty())
            .map(str::to_string),
        blurb: s("blurb"),
        source_type: s("source_type"),
        title,
        id,
    })
}

/// A list of SearchDoc objects.
pub fn documents(v: Option<&Value>) -> Vec<Document> {
    let mut docs = Vec::new();
    for d in v.and_then(Value::as_array).into_iter().flatten() {
        docs.extend(document(d));
    }
    docs
}

/// Decodes one JSON value from an Onyx-family server, whatever its generation.
pub fn object(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    if !v.is_object() {
        st.unreadable(&v.stringify(), out);
        return;
    }
    st.decoded += 1;
    if st.over() {
        return;
    }
    if v.get("placement").is_some() {
        packet_v2(v, st, out);
    } else if let Some(obj) = v.get("obj").filter(|o| o.is_object()) {
        // Packet v1 (`ind`), or a packet without placement.
        packet_obj(obj, st, out);
    } else if is_message_detail(v) {
        message_detail(v, st, out);
    } else if v.get("answer").is_some() {
        full_response(v, st, out);
    } else if !top_level_error(v, st, out) {
        flat_keys(v, st, out);
    }
}

/// A top-level `{"error": …}` line (StreamingError, the crash line, legacy errors): fatal.
/// Returns false when the object carries no error. Errors routed to another model's panel
/// (`details.model_index` > 0) are ignored.
fn top_level_error(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) -> bool {
    let Some(err) = v.get("error").filter(|e| !e.is_null()) else {
        return false;
    };
    let other_model = v
        .get("details")
        .and_then(|d| d.get("model_index"))
        .and_then(Value::as_i64)
        .is_some_and(|m| m > 0);
    if other_model {
        return true;
    }
    let message = match err {
        Value::String(s) => s.trim().to_string(),
        Value::Object(_) => err
            .get("message")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| err.stringify()),
        other => other.stringify(),
    };
    let retryable = v
        .get("is_retryable")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let text = if message.is_empty() {
        "The server reported an error while answering.".to_string()
    } else {
        server_error_text(&message)
    };
    let mut e = ChatError::fatal(text, retryable);
    e.code = Some(
        v.get("error_code")
            .and_then(Value::as_str)
            .unwrap_or("stream_error")
            .to_string(),
    );
    st.fail(e, out);
    true
}

/// Objects told apart by their keys: the session and ids lines of every generation and the
/// legacy flat objects. Several keys in one object are all honoured.
fn flat_keys(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    if v.get("message_id").is_none() {
        session(v, out);
    }
    if v.get("reserved_assistant_message_id").is_some() || v.get("user_message_id").is_some() {
        let assistant = v
            .get("reserved_assistant_message_id")
            .and_then(Value::as_i64)
            .or_else(|| {
                // Multi-model ids line: the first response is the one shown.
                v.get("responses")?
                    .as_array()?
                    .first()?
                    .get("message_id")?
                    .as_i64()
            });
        st.ids(
            v.get("user_message_id").and_then(Value::as_i64),
            assistant,
            out,
        );
    }
    if let Some(name) = v.get("tool_name").and_then(Value::as_str) {
        // The kickoff has no result yet; the object repeated with `tool_result` adds nothing.
        if v.get("tool_result").is_none() && v.get("response").is_none() {
            let status = if name.contains("search") {
                let queries = v
                    .get("tool_args")
                    .and_then(|a| a.get("query"))
                    .and_then(Value::as_str)
                    .map(|q| vec![q.to_string()])
                    .unwrap_or_default();
                Status::Searching { queries }
            } else {
                Status::RunningTool {
                    name: Some(name.to_string()),
                }
            };
            out.push(ChatEvent::Status(status));
        }
    }
    if let Some(docs) = v.get("top_documents") {
        saved_documents(docs, st, out);
    }
    if let Some(piece) = v.get("answer_piece").and_then(Value::as_str) {
        // Agentic sub-answers are not the main answer.
        let sub = v.get("answer_type").and_then(Value::as_str) == Some("agent_sub_answer");
        if !sub && !piece.is_empty() {
            st.answering(out);
            st.text(piece, out);
        }
    }
    citation(v, "citation_num", st, out);
    citation_list(v.get("citations"), "citation_num", st, out);
    if let Some(reason) = v.get("stop_reason").and_then(Value::as_str) {
        let main = v
            .get("stream_type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "main_answer");
        if main {
            legacy_stop(reason, st, out);
        }
    }
}

/// A legacy `stop_reason`: the answer is complete, but the citations list and the
/// ChatMessageDetail may still follow, so the turn ends at the detail or at EOF.
fn legacy_stop(reason: &str, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    let reason = match reason {
        "CANCELLED" | "cancelled" | "user_cancelled" => StopReason::Stopped,
        "CONTEXT_LENGTH" | "context_length" => {
            out.push(ChatEvent::Error(ChatError {
                message: "The answer was cut short because it reached the model's length limit."
                    .into(),
                fatal: false,
                retryable: false,
                code: Some("context_length".into()),
                retry_after_seconds: None,
            }));
            StopReason::Finished
        }
        _ => StopReason::Finished,
    };
    st.pending_stop = Some(reason);
}

/// A list of SavedSearchDocs: announced as documents, and `db_doc_id` → `document_id`
/// remembered, so the DB ids in a ChatMessageDetail's `citations` can be resolved.
fn saved_documents(docs: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    for d in docs.as_array().into_iter().flatten() {
        if let (Some(db), Some(id)) = (
            d.get("db_doc_id").and_then(Value::as_i64),
            d.get("document_id").and_then(Value::as_str),
        ) {
            st.set_db_id(db, id);
        }
    }
    st.documents(documents(Some(docs)), out);
}

fn is_message_detail(v: &Value) -> bool {
    let has = |k: &str| v.get(k).is_some();
    has("message_id")
        && !has("answer")
        && (has("message_type") || has("parent_message") || has("latest_child_message"))
}

/// The legacy closing `ChatMessageDetail`: the final message ids (used to chain the next
/// turn), citations by DB id, and the end of the turn.
fn message_detail(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    let assistant_msg = v
        .get("message_type")
        .and_then(Value::as_str)
        .is_none_or(|t| t.eq_ignore_ascii_case("assistant"));
    if !assistant_msg {
        return;
    }
    st.ids(
        v.get("parent_message").and_then(Value::as_i64),
        v.get("message_id").and_then(Value::as_i64),
        out,
    );
    if let Some(docs) = v.get("context_docs").and_then(|c| c.get("top_documents")) {
        saved_documents(docs, st, out);
    }
    // `{"1": db_doc_id or document_id, …}`.
    for (n, id) in numbered(v.get("citations"), Some(st)) {
        if !st.has_citation(n) {
            st.citation(n, &id, out);
        }
    }
    if !st.has_text {
        if let Some(m) = v.get("message").and_then(Value::as_str) {
            if !m.is_empty() {
                st.answering(out);
                st.text(m, out);
            }
        }
    }
    if let Some(err) = v
        .get("error")
        .and_then(Value::as_str)
        .filter(|e| !e.trim().is_empty())
    {
        st.fail(
            ChatError::fatal(server_error_text(err), true).with_code("stream_error"),
            out,
        );
        return;
    }
    let reason = st.pending_stop.unwrap_or(StopReason::Finished);
    st.done(reason, out);
}

/// A single-body reply (`ChatFullResponse` or the simple API's `ChatBasicResponse`).
/// `error_msg` set at HTTP 200 is a fatal error; an empty answer is reported as such.
pub fn full_response(v: &Value, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    session(v, out);
    st.ids(None, v.get("message_id").and_then(Value::as_i64), out);
    if let Some(docs) = v.get("top_documents") {
        saved_documents(docs, st, out);
    }
    citation_list(v.get("citation_info"), "citation_number", st, out);
    // `{"1": document_id, …}`.
    for (n, id) in numbered(v.get("cited_documents"), None) {
        st.citation(n, &id, out);
    }
    let answer = v.get("answer").and_then(Value::as_str).unwrap_or_default();
    if !answer.trim().is_empty() {
        st.answering(out);
        st.text(answer, out);
    }
    let error = v
        .get("error_msg")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|e| !e.is_empty());
    match error {
        Some(e) => st.fail(
            ChatError::fatal(server_error_text(e), true).with_code("server_error"),
            out,
        ),
        None if answer.trim().is_empty() => st.fail(no_answer_error(), out),
        None => st.done(StopReason::Finished, out),
    }
}

/// The error for a reply that carried no answer text.
pub fn no_answer_error() -> ChatError {
    ChatError::fatal(
        "The server sent no answer text. Please try again or rephrase the question.",
        true,
    )
    .with_code("no_answer")
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
            st.documents(documents(obj.get("documents")), out);
        }
        "search_tool_documents_delta" | "open_url_documents" => {
            st.documents(documents(obj.get("documents")), out)
        }
        "open_url_start" | "open_url_urls" | "fetch_tool_start" => {
            out.push(ChatEvent::Status(Status::Reading))
        }
        "reasoning_start" => out.push(ChatEvent::Status(Status::Thinking)),
        "reasoning_delta" => {
            out.push(ChatEvent::Status(Status::Thinking));
            if let Some(r) = obj.get("reasoning").and_then(Value::as_str) {
                if !r.is_empty() {
                    out.push(ChatEvent::Reasoning(r.to_string()));
                }
            }
        }
        "message_start" => {
            st.documents(documents(obj.get("final_documents")), out);
            st.answering(out);
            if let Some(c) = obj.get("content").and_then(Value::as_str) {
                st.text(c, out);
            }
        }
        "message_delta" => {
            if let Some(c) = obj.get("content").and_then(Value::as_str) {
                st.answering(out);
                st.text(c, out);
            }
        }
        "citation_info" => citation(obj, "citation_number", st, out),
        "citation_delta" => citation_list(obj.get("citations"), "citation_num", st, out),
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
        t if t.ends_with("_tool_start") => out.push(ChatEvent::Status(Status::RunningTool {
            name: obj
                .get("tool_name")
                .and_then(Value::as_str)
                .map(str::to_string),
        })),
        // chat_heartbeat, section_end and every unknown type carry nothing to show.
        _ => {}
    }
}

/// A citation object: number under `num_key`, `document_id`.
fn citation(c: &Value, num_key: &str, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    if let (Some(n), Some(id)) = (
        c.get(num_key).and_then(as_u32),
        c.get("document_id").and_then(Value::as_str),
    ) {
        st.citation(n, id, out);
    }
}

/// A list of citation objects (see [`citation`]).
fn citation_list(v: Option<&Value>, num_key: &str, st: &mut TurnState, out: &mut Vec<ChatEvent>) {
    for c in v.and_then(Value::as_array).into_iter().flatten() {
        citation(c, num_key, st, out);
    }
}

/// An object mapping citation numbers to document ids (strings) or, with `db_ids`, to legacy
/// database ids (numbers, resolved with the SavedSearchDocs seen), in number order. Other
/// members are skipped.
fn numbered(v: Option<&Value>, db_ids: Option<&TurnState>) -> Vec<(u32, String)> {
    let mut pairs = Vec::new();
    for (k, id) in v.and_then(Value::as_object).into_iter().flatten() {
        let Ok(n) = k.trim().parse::<u32>() else {
            continue;
        };
        let id = match id {
            Value::Number(db) => db_ids.zip(db.as_i64()).and_then(|(st, db)| st.db_id(db)),
            Value::String(s) => Some(s.as_str()),
            _ => None,
        };
        if let Some(id) = id {
            pairs.push((n, id.to_string()));
        }
    }
    pairs.sort();
    pairs
}

/// The top-level `chat_session_id`, when it is a UUID (or integer); anything else is dropped,
/// since the id later goes into the stop request's path.
fn session(v: &Value, out: &mut Vec<ChatEvent>) {
    if let Some(id) = v.get("chat_session_id").and_then(Value::as_str) {
        if crate::backend::is_path_safe_id(id.trim()) {
            out.push(ChatEvent::Session {
                id: id.trim().to_string(),
            });
        }
    }
}

/// "The server reported an error while answering: …" with the server's text cleaned up.
fn server_error_text(detail: &str) -> String {
    let mut text = String::from("The server reported an error while answering: ");
    text.push_str(&crate::errors::clean_detail(detail));
    text
}

fn as_u32(v: &Value) -> Option<u32> {
    v.as_u64().and_then(|n| u32::try_from(n).ok())
}

fn strings(v: Option<&Value>) -> Vec<String> {
    let mut out = Vec::new();
    for s in v.and_then(Value::as_array).into_iter().flatten() {
        out.extend(s.as_str().map(str::to_string));
    }
    out
}
