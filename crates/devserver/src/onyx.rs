//! Current Onyx API: `create-chat-session`, `send-chat-message` (packet v2 stream or
//! `ChatFullResponse`), `stop-chat-session`, `create-chat-message-feedback`, `persona/{id}`.
//! Also the pieces the older Onyx endpoints share: auth, `SearchDoc`, request parsing.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::answer::{self, Answer, AnswerOptions, Seg};
use crate::corpus::{Article, Filters, Hit};
use crate::faults::{self, detail, json_response, Fault, Gone, Sink};
use crate::json::{obj, s, strs, Dump, J};
use crate::state::{AppState, Parent, Turn};

/// Known personas: `(id, name, description, document set it searches or "" for all)`.
pub const PERSONAS: &[(i64, &str, &str, &str)] = &[
    (
        0,
        "Lumen Help",
        "Answers questions from the Lumen Notes help centre.",
        "",
    ),
    (
        1,
        "Lumen Developer Assistant",
        "Answers questions about the Lumen REST API and webhooks.",
        "Developers",
    ),
];

/// An API key the server always rejects, so tests can see a 401.
pub const BAD_KEY: &str = "on_bad";

/// Checks Onyx auth (`Authorization` / `X-Onyx-Authorization`): no key (anonymous) or an
/// `on_`/`dn_` key (with or without `Bearer `) or a `Bearer onyx_pat_` token is accepted,
/// except [`BAD_KEY`].
#[allow(clippy::result_large_err)]
pub fn check_auth(headers: &HeaderMap) -> Result<(), Response> {
    let raw = headers
        .get("x-onyx-authorization")
        .or_else(|| headers.get("authorization"))
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if raw.is_empty() {
        return Ok(());
    }
    let (bearer, key) = match raw.strip_prefix("Bearer ") {
        Some(k) => (true, k.trim()),
        None => (false, raw),
    };
    let ok = key != BAD_KEY
        && (key.starts_with("on_")
            || key.starts_with("dn_")
            || (bearer && key.starts_with("onyx_pat_")));
    if ok {
        Ok(())
    } else {
        Err(detail(StatusCode::UNAUTHORIZED, "Invalid API key"))
    }
}

/// [`check_auth`], then [`parse_body`]: the start of every Onyx-family JSON endpoint.
#[allow(clippy::result_large_err)]
pub fn authed_body(headers: &HeaderMap, body: &Bytes) -> Result<Value, Response> {
    check_auth(headers)?;
    parse_body(body)
}

/// Parses a JSON request body, answering 422 like FastAPI when it is not JSON.
#[allow(clippy::result_large_err)]
pub fn parse_body(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice::<Value>(body).map_err(|e| {
        let err = obj([(
            "detail",
            J::Array(vec![obj([
                ("type", s("json_invalid")),
                ("loc", J::Array(vec![s("body"), J::from(e.column() as i64)])),
                ("msg", s("JSON decode error")),
                ("input", obj([])),
                ("ctx", obj([("error", s(e.to_string()))])),
            ])]),
        )]);
        json_response(StatusCode::UNPROCESSABLE_ENTITY, &err)
    })
}

/// Onyx's own 422 (`validation_exception_handler`): `{"status_code", "message", "data"}`.
pub fn validation_error(message: &str) -> Response {
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        &obj([
            ("status_code", J::from(422)),
            ("message", s(message)),
            ("data", J::Null),
        ]),
    )
}

/// An unknown or deleted `chat_session_id`: HTTP 200 and one streamed error line.
pub fn invalid_session() -> Response {
    let line = obj([
        ("error", s("Invalid Chat Session ID provided")),
        ("stack_trace", J::Null),
        ("error_code", s("VALIDATION_ERROR")),
        ("is_retryable", J::Bool(true)),
        ("details", J::Null),
    ]);
    crate::faults::stream_response(axum::body::Body::from(format!("{}\n", line.py())))
}

/// FastAPI's 422 for missing body keys.
pub fn missing_keys(keys: &[&str], input: &Value) -> Response {
    let items = keys
        .iter()
        .map(|k| {
            obj([
                ("type", s("missing")),
                ("loc", strs(["body", *k])),
                ("msg", s("Field required")),
                ("input", input.clone()),
            ])
        })
        .collect();
    json_response(
        StatusCode::UNPROCESSABLE_ENTITY,
        &obj([("detail", J::Array(items))]),
    )
}

/// Reads an integer that may arrive as a number or a numeric string (Onyx coerces both).
pub fn int_of(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The persona's extra document-set restriction, or `None` for an unknown persona.
pub fn persona_filters(persona_id: i64, mut filters: Filters) -> Option<Filters> {
    let (_, _, _, set) = PERSONAS.iter().find(|p| p.0 == persona_id)?;
    if !set.is_empty() && filters.document_set.is_empty() {
        filters.document_set.push(set.to_string());
    }
    Some(filters)
}

/// `provider/version` from an `llm_override` object, when it names either.
pub fn model_of(llm_override: Option<&Value>) -> Option<String> {
    let o = llm_override?;
    let provider = o.get("model_provider").and_then(Value::as_str);
    let version = o.get("model_version").and_then(Value::as_str);
    match (provider, version) {
        (None, None) => None,
        (p, v) => Some(format!(
            "{}/{}",
            p.unwrap_or("default"),
            v.unwrap_or("default")
        )),
    }
}

/// A `SearchDoc` (HEAD) for an article; `legacy` gives the ≤ v1.6 `SavedSearchDoc` instead
/// (no `file_id`, plus `db_doc_id`).
pub fn search_doc(a: &Article, score: f64, legacy: bool) -> J {
    let metadata = J::Object(
        a.tags
            .iter()
            .map(|(k, v)| (k.clone(), s(v.clone())))
            .collect(),
    );
    let mut d = obj([
        ("document_id", s(a.id.clone())),
        ("chunk_ind", J::from(0)),
        ("semantic_identifier", s(a.title.clone())),
        ("link", s(a.url.clone())),
        ("blurb", s(a.blurb())),
        ("source_type", s(a.source_type.clone())),
        ("boost", J::from(0)),
        ("hidden", J::Bool(false)),
        ("metadata", metadata),
        ("score", J::from(score)),
        ("is_relevant", J::Null),
        ("relevance_explanation", J::Null),
        ("match_highlights", J::Array(vec![])),
        ("updated_at", s(a.updated_at())),
        ("primary_owners", J::Null),
        ("secondary_owners", J::Null),
        ("is_internet", J::Bool(false)),
    ]);
    if legacy {
        d.set("db_doc_id", J::from(a.db_id));
    } else {
        d.set("file_id", J::Null);
    }
    d
}

/// A 0..1 score for display, from the BM25 score relative to the best hit.
pub fn display_score(hit: &Hit, best: f64) -> f64 {
    let v = 0.95 * hit.score / best.max(f64::EPSILON);
    (v * 1000.0).round() / 1000.0
}

/// All hits as search docs.
pub fn docs(answer: &Answer, legacy: bool) -> Vec<J> {
    let best = answer.hits.first().map_or(1.0, |h| h.score);
    answer
        .hits
        .iter()
        .map(|h| search_doc(h.article, display_score(h, best), legacy))
        .collect()
}

/// A top-level `StreamingError` line.
pub fn streaming_error(msg: &str, code: &str, retryable: bool, details: J) -> J {
    obj([
        ("error", s(msg)),
        ("stack_trace", J::Null),
        ("error_code", s(code)),
        ("is_retryable", J::Bool(retryable)),
        ("details", details),
    ])
}

/// The §10 #4 mid-stream error.
pub fn rate_limit_streaming_error() -> J {
    streaming_error(
        "Rate limit exceeded for model gpt-x",
        "RATE_LIMIT",
        true,
        obj([("model", s("gpt-x")), ("provider", s("openai"))]),
    )
}

// ---------------------------------------------------------------------------------------
// Handlers

/// `POST /api/chat/create-chat-session`.
pub async fn create_chat_session(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Err(r) = check_auth(&headers) {
        return r;
    }
    let v = if body.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Default::default())
    } else {
        match parse_body(&body) {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
    let persona = match v.get("persona_id") {
        None | Some(Value::Null) => 0,
        Some(p) => match int_of(Some(p)) {
            Some(id) => id,
            None => return detail(StatusCode::BAD_REQUEST, "Invalid Persona provided."),
        },
    };
    if !PERSONAS.iter().any(|p| p.0 == persona) {
        return detail(StatusCode::BAD_REQUEST, "Invalid Persona provided.");
    }
    let id = state.create_session(persona);
    json_response(
        StatusCode::OK,
        &obj([("chat_session_id", s(id)), ("incognito", J::Bool(false))]),
    )
}

/// `GET /api/persona/{id}`.
pub async fn persona(headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(r) = check_auth(&headers) {
        return r;
    }
    let Some(p) = id
        .parse::<i64>()
        .ok()
        .and_then(|id| PERSONAS.iter().find(|p| p.0 == id))
    else {
        return detail(StatusCode::NOT_FOUND, "Persona not found");
    };
    let starters: Vec<(&str, &str)> = if p.0 == 1 {
        vec![
            ("API tokens", "How do I authenticate with the API?"),
            ("Create a note", "How do I create a note with the API?"),
            ("Webhooks", "How do I verify a webhook signature?"),
        ]
    } else {
        vec![
            (
                "Sync problems",
                "My notes are not syncing, what should I do?",
            ),
            ("Refunds", "Can I get a refund if I cancel my subscription?"),
            ("Sharing", "How do I share a notebook with someone?"),
            ("Two-factor", "How do I turn on two-factor authentication?"),
        ]
    };
    let starter_messages = J::Array(
        starters
            .into_iter()
            .map(|(name, message)| obj([("name", s(name)), ("message", s(message))]))
            .collect(),
    );
    json_response(
        StatusCode::OK,
        &obj([
            ("id", J::from(p.0)),
            ("name", s(p.1)),
            ("description", s(p.2)),
            ("is_public", J::Bool(true)),
            ("is_visible", J::Bool(true)),
            ("display_priority", J::from(p.0)),
            ("starter_messages", starter_messages),
            ("tools", J::Array(vec![])),
            ("document_sets", J::Array(vec![])),
            ("llm_model_provider_override", J::Null),
            ("llm_model_version_override", J::Null),
        ]),
    )
}

/// `POST /api/chat/stop-chat-session/{id}`.
pub async fn stop_chat_session(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = check_auth(&headers) {
        return r;
    }
    let has = |h: &str| headers.get(h).is_some_and(|v| !v.is_empty());
    if !has("authorization") && !has("x-onyx-authorization") && !has("cookie") {
        // Not open to anonymous users (no `allow_anonymous`), unlike the chat routes.
        return detail(
            StatusCode::FORBIDDEN,
            "Access denied. User is not authenticated.",
        );
    }
    state.stop_session(&id);
    json_response(
        StatusCode::OK,
        &obj([("message", s("Chat session stopped"))]),
    )
}

/// `POST /api/chat/create-chat-message-feedback`.
pub async fn create_feedback(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v = match authed_body(&headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    if v.get("chat_message_id").is_none() {
        return missing_keys(&["chat_message_id"], &v);
    }
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    if !has("is_positive") && !has("feedback_text") {
        return detail(
            StatusCode::BAD_REQUEST,
            "No feedback provided: send is_positive or feedback_text",
        );
    }
    match int_of(v.get("chat_message_id")) {
        Some(id) if state.message_exists(id) => {}
        _ => return detail(StatusCode::BAD_REQUEST, "Chat message not found"),
    }
    state.add_feedback(v);
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        "null",
    )
        .into_response()
}

/// `POST /api/chat/send-chat-message`.
pub async fn send_chat_message(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let v = match authed_body(&headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(message) = v.get("message").and_then(Value::as_str) else {
        return missing_keys(&["message"], &v);
    };
    let fault = Fault::for_request(&state, &headers);
    if let Some(r) = fault.http_failure() {
        return r;
    }
    let has = |k: &str| v.get(k).is_some_and(|x| !x.is_null());
    if has("chat_session_id") && has("chat_session_info") {
        return validation_error(
            "1 validation error: {'type': 'value_error', 'loc': ('body',), 'msg': 'Value error, \
             Only one of chat_session_id or chat_session_info should be provided, not both.'}",
        );
    }
    let (session_id, new_session) = match v.get("chat_session_id").and_then(Value::as_str) {
        Some(id) => {
            if !state.has_session(id) {
                return invalid_session();
            }
            (id.to_string(), false)
        }
        None => {
            let persona = int_of(v.pointer("/chat_session_info/persona_id")).unwrap_or(0);
            if !PERSONAS.iter().any(|p| p.0 == persona) {
                return detail(StatusCode::BAD_REQUEST, "Invalid Persona provided.");
            }
            (state.create_session(persona), true)
        }
    };
    let parent = match v.get("parent_message_id") {
        None => Parent::Latest,
        Some(Value::Null) => Parent::Root,
        Some(p) => match int_of(Some(p)) {
            Some(-1) | None => Parent::Latest,
            Some(id) => Parent::Id(id),
        },
    };
    let persona = state.session_persona(&session_id).unwrap_or(0);
    let filters = Filters::from_json(v.get("internal_search_filters"));
    let filters = persona_filters(persona, filters).unwrap_or_default();
    let opts = AnswerOptions {
        filters,
        model: model_of(v.get("llm_override")),
        prefix: fault.utf8_split.then(|| "Café 😀 ".to_string()),
    };
    let include_citations = v
        .get("include_citations")
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let stream = v.get("stream").and_then(Value::as_bool).unwrap_or(true);
    let turn = state.start_turn(&session_id, parent, message, false);
    let pace = state.config.pace_ms;

    if !stream {
        let body = match turn {
            Err(e) => full_response_error(&e, &session_id),
            Ok(turn) => {
                let answer = answer::answer(&turn.question, &opts);
                let text = answer.text(include_citations);
                state.finish_turn(&session_id, turn.assistant_id, &text);
                full_response(&answer, &turn, &session_id, include_citations)
            }
        };
        return faults::json_body(StatusCode::OK, body.compact(), &fault, pace);
    }

    let (mut sink, body) = Sink::new(fault.clone(), pace);
    tokio::spawn(async move {
        let job = Job {
            state: state.clone(),
            session_id,
            new_session,
            include_citations,
            fault,
        };
        match turn {
            Err(e) => {
                let _ = job.error_before_ids(&mut sink, &e).await;
            }
            Ok(turn) => {
                let answer = answer::answer(&turn.question, &opts);
                let mut text = String::new();
                let _ = job.run_v2(&mut sink, &turn, &answer, &mut text).await;
                state.finish_turn(&job.session_id, turn.assistant_id, &text);
            }
        }
    });
    faults::stream_response(body)
}

fn full_response_error(msg: &str, session_id: &str) -> J {
    obj([
        ("answer", s("")),
        ("answer_citationless", s("")),
        ("pre_answer_reasoning", J::Null),
        ("tool_calls", J::Array(vec![])),
        ("top_documents", J::Array(vec![])),
        ("citation_info", J::Array(vec![])),
        ("message_id", J::Null),
        ("chat_session_id", s(session_id)),
        ("incognito", J::Bool(false)),
        ("error_msg", s(msg)),
    ])
}

/// `ChatFullResponse` (§3.2).
fn full_response(answer: &Answer, turn: &Turn, session_id: &str, citations: bool) -> J {
    let docs = docs(answer, false);
    let citation_info = if citations {
        answer
            .cited
            .iter()
            .enumerate()
            .map(|(i, a)| citation_info(i as u32 + 1, &a.id))
            .collect()
    } else {
        Vec::new()
    };
    obj([
        ("answer", s(answer.text(citations))),
        ("answer_citationless", s(answer.text(false))),
        ("pre_answer_reasoning", J::Null),
        (
            "tool_calls",
            J::Array(vec![obj([
                ("tool_name", s("internal_search")),
                (
                    "tool_arguments",
                    obj([("queries", strs([answer.query.clone()]))]),
                ),
                ("tool_result", s(J::Array(docs.clone()).py())),
                ("search_docs", J::Array(docs.clone())),
                ("generated_images", J::Null),
                ("pre_reasoning", J::Null),
            ])]),
        ),
        ("top_documents", J::Array(docs)),
        ("citation_info", J::Array(citation_info)),
        ("message_id", J::from(turn.assistant_id)),
        ("chat_session_id", s(session_id)),
        ("incognito", J::Bool(false)),
        ("error_msg", J::Null),
    ])
}

fn citation_info(n: u32, doc_id: &str) -> J {
    obj([
        ("type", s("citation_info")),
        ("citation_number", J::from(i64::from(n))),
        ("document_id", s(doc_id)),
    ])
}

/// `{"turn_index": t, "tab_index": 0, "sub_turn_index": null, "model_index": 0|null}`.
pub fn placement(turn: i64, synthetic: bool) -> J {
    obj([
        ("turn_index", J::from(turn)),
        ("tab_index", J::from(0)),
        ("sub_turn_index", J::Null),
        ("model_index", if synthetic { J::Null } else { J::from(0) }),
    ])
}

/// A packet v2 line.
pub fn packet(turn: i64, obj_: J) -> String {
    obj([("placement", placement(turn, false)), ("obj", obj_)]).py()
}

/// A packet the server synthesises (heartbeat, cancelled stop): `model_index` null.
pub fn synthetic_packet(obj_: J) -> String {
    obj([("placement", placement(0, true)), ("obj", obj_)]).py()
}

/// The ids line.
pub fn ids_line(turn: &Turn) -> String {
    obj([
        (
            "user_message_id",
            turn.user_message_id.map_or(J::Null, J::from),
        ),
        ("reserved_assistant_message_id", J::from(turn.assistant_id)),
    ])
    .py()
}

/// Everything a stream needs besides the turn and the answer.
pub struct Job {
    pub state: Arc<AppState>,
    pub session_id: String,
    pub new_session: bool,
    pub include_citations: bool,
    pub fault: Fault,
}

/// Number of text pieces sent before `crash` / `midstream-error` strike.
pub const PIECES_BEFORE_FAULT: usize = 4;

impl Job {
    async fn session_line(&self, sink: &mut Sink) -> Result<(), Gone> {
        if self.new_session {
            let line = obj([
                ("chat_session_id", s(self.session_id.clone())),
                ("incognito", J::Bool(false)),
            ])
            .py();
            sink.line(&line).await?;
        }
        Ok(())
    }

    /// A turn that fails validation: the session line if any, then a `VALIDATION_ERROR`.
    async fn error_before_ids(&self, sink: &mut Sink, msg: &str) -> Result<(), Gone> {
        self.session_line(sink).await?;
        let line = streaming_error(msg, "VALIDATION_ERROR", false, J::Null).py();
        sink.line(&line).await
    }

    /// Heartbeats until the client leaves (or the session is stopped).
    pub async fn stall(&self, sink: &mut Sink, turn: &Turn, heartbeat: J) -> Result<(), Gone> {
        let every = self.fault.heartbeat_ms.unwrap_or(15_000).max(1);
        loop {
            sink.idle(every).await?;
            if turn.stop.load(Ordering::SeqCst) {
                return Err(Gone);
            }
            sink.line(&heartbeat.py()).await?;
        }
    }

    /// The packet v2 stream (§3.3).
    pub async fn run_v2(
        &self,
        sink: &mut Sink,
        turn: &Turn,
        answer: &Answer,
        text: &mut String,
    ) -> Result<(), Gone> {
        self.session_line(sink).await?;
        sink.line(&ids_line(turn)).await?;
        if self.fault.garbage {
            sink.raw(faults::GARBAGE_LINE.as_bytes()).await?;
        }
        if self.fault.stall {
            let hb = obj([
                ("placement", placement(0, true)),
                ("obj", obj([("type", s("chat_heartbeat"))])),
            ]);
            if self.stall(sink, turn, hb).await.is_err() && turn.stop.load(Ordering::SeqCst) {
                sink.line(&cancelled_stop()).await?;
            }
            return Ok(());
        }
        let mut t = 0;
        if self.fault.tool_error {
            // §10 #6: two heartbeats, then the failed custom tool.
            for _ in 0..2 {
                let hb = synthetic_packet(obj([("type", s("chat_heartbeat"))]));
                sink.line(&hb).await?;
            }
            sink.line(&packet(
                t,
                obj([
                    ("type", s("custom_tool_start")),
                    ("tool_name", s("crm")),
                    ("tool_id", J::from(7)),
                ]),
            ))
            .await?;
            sink.line(&packet(t, obj([("type", s("error"))]))).await?;
            sink.line(&packet(t, obj([("type", s("section_end"))])))
                .await?;
            t += 1;
        }
        if let Some(steps) = reasoning_for(&turn.question, &answer.query) {
            sink.line(&packet(t, obj([("type", s("reasoning_start"))])))
                .await?;
            for step in steps {
                let delta = obj([("type", s("reasoning_delta")), ("reasoning", s(step))]);
                sink.line(&packet(t, delta)).await?;
            }
            sink.line(&packet(t, obj([("type", s("reasoning_done"))])))
                .await?;
            t += 1;
        }
        let docs = docs(answer, false);
        sink.line(&packet(
            t,
            obj([
                ("type", s("search_tool_start")),
                ("is_internet_search", J::Bool(false)),
            ]),
        ))
        .await?;
        sink.line(&packet(
            t,
            obj([
                ("type", s("search_tool_queries_delta")),
                ("queries", strs([answer.query.clone()])),
            ]),
        ))
        .await?;
        sink.line(&packet(
            t,
            obj([
                ("type", s("search_tool_documents_delta")),
                ("documents", J::Array(docs.clone())),
            ]),
        ))
        .await?;
        sink.line(&packet(t, obj([("type", s("section_end"))])))
            .await?;
        t += 1;
        sink.line(&packet(
            t,
            obj([
                ("type", s("message_start")),
                ("final_documents", J::Array(docs)),
                ("pre_answer_processing_seconds", J::from(0.42)),
            ]),
        ))
        .await?;
        let mut cited_sent = std::collections::HashSet::new();
        for (i, piece) in answer.pieces().into_iter().enumerate() {
            if turn.stop.load(Ordering::SeqCst) {
                return sink.line(&cancelled_stop()).await;
            }
            if i == PIECES_BEFORE_FAULT {
                if self.fault.midstream_error {
                    return sink.line(&rate_limit_streaming_error().py()).await;
                }
                if self.fault.crash {
                    return sink.raw(faults::CRASH_LINE.as_bytes()).await;
                }
            }
            let content = match piece {
                Seg::Text(t) => t,
                Seg::Cite(_) if !self.include_citations => continue,
                Seg::Cite(n) => {
                    if cited_sent.insert(n) {
                        let doc = answer.cited_article(n).map_or("", |a| a.id.as_str());
                        sink.line(&packet(t, citation_info(n, doc))).await?;
                    }
                    answer.cite_marker(n)
                }
            };
            let delta = packet(
                t,
                obj([
                    ("type", s("message_delta")),
                    ("content", s(content.clone())),
                ]),
            );
            if self.fault.utf8_split && !content.is_ascii() {
                let raw = obj([
                    ("placement", placement(t, false)),
                    (
                        "obj",
                        obj([
                            ("type", s("message_delta")),
                            ("content", s(content.clone())),
                        ]),
                    ),
                ])
                .py_utf8();
                sink.line_split_utf8(&raw).await?;
            } else {
                sink.line(&delta).await?;
            }
            text.push_str(&content);
        }
        sink.line(&packet(
            t,
            obj([("type", s("stop")), ("stop_reason", J::Null)]),
        ))
        .await
    }
}

/// What a reasoning model would think before searching, in a few deltas: only for questions
/// that start with "why" (so the demo and the tests can ask for reasoning), else `None`.
pub fn reasoning_for(question: &str, query: &str) -> Option<Vec<String>> {
    let q = question.trim_start();
    if !q.get(..3).is_some_and(|w| w.eq_ignore_ascii_case("why")) {
        return None;
    }
    let text = format!(
        "The visitor asks \u{201c}{}\u{201d}. They want a cause, not just steps. \
         I should search the help centre for \u{201c}{query}\u{201d}, read what it says about \
         the cause, and answer with the fix, citing the articles.",
        q.trim()
    );
    Some(answer::split_words(&text, 4))
}

/// The `stop` packet of a cancelled run.
pub fn cancelled_stop() -> String {
    synthetic_packet(obj([
        ("type", s("stop")),
        ("stop_reason", s("user_cancelled")),
    ]))
}
