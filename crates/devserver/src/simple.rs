//! `POST /api/chat/send-message-simple-api` (Onyx EE, ≤ v2.9): one JSON answer (§4).
//!
//! By default the response is the ≤ v1.6 `ChatBasicResponse` with `cited_documents`; the
//! `x-sherpa-dialect: citation-info` header (or `?dialect=citation-info`) gives the trimmed
//! late-2025 shape with a `citation_info` list instead.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::answer::{self, AnswerOptions};
use crate::corpus::Filters;
use crate::faults::{self, detail, Fault, Sink};
use crate::json::{obj, s, Dump, J};
use crate::onyx;
use crate::state::{AppState, Parent};

/// `POST /api/chat/send-message-simple-api`.
pub async fn send_message_simple(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let v = match onyx::authed_body(&headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(message) = v.get("message").and_then(Value::as_str) else {
        return onyx::missing_keys(&["message"], &v);
    };
    if message.trim().is_empty() {
        return detail(StatusCode::BAD_REQUEST, "Empty chat message is invalid");
    }
    let fault = Fault::for_request(&state, &headers);
    if let Some(r) = fault.http_failure() {
        return r;
    }
    let session_id = match (
        v.get("chat_session_id").and_then(Value::as_str),
        onyx::int_of(v.get("persona_id")),
    ) {
        (Some(id), _) => {
            if !state.has_session(id) {
                return detail(StatusCode::NOT_FOUND, "Chat session not found");
            }
            id.to_string()
        }
        (None, Some(p)) => {
            if onyx::persona_filters(p, Filters::default()).is_none() {
                return detail(StatusCode::BAD_REQUEST, "Invalid Persona provided.");
            }
            state.create_session(p)
        }
        (None, None) => {
            return detail(
                StatusCode::BAD_REQUEST,
                "Either chat_session_id or persona_id must be provided",
            )
        }
    };
    if fault.stall {
        // Hold the request open until the client gives up.
        return stalled();
    }
    if fault.crash {
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            [(
                axum::http::header::CONTENT_TYPE,
                "text/plain; charset=utf-8",
            )],
            "Internal Server Error",
        )
            .into_response();
    }
    let persona = state.session_persona(&session_id).unwrap_or(0);
    let filters = Filters::from_json(v.pointer("/retrieval_options/filters"));
    let opts = AnswerOptions {
        filters: onyx::persona_filters(persona, filters).unwrap_or_default(),
        model: onyx::model_of(v.get("llm_override")),
        prefix: fault.utf8_split.then(|| "Café 😀 ".to_string()),
    };
    let turn = match state.start_turn(&session_id, Parent::Latest, message, false) {
        Ok(t) => t,
        Err(e) => return detail(StatusCode::BAD_REQUEST, &e),
    };
    let answer = answer::answer(&turn.question, &opts);
    let text = answer.text(true);
    state.finish_turn(&session_id, turn.assistant_id, &text);
    let new_shape = crate::legacy::dialect(&state, &headers, query.as_deref())
        .is_some_and(|d| d.eq_ignore_ascii_case("citation-info"));
    let error_msg = if fault.midstream_error {
        s("Rate limit exceeded for model gpt-x")
    } else {
        J::Null
    };
    let top_documents = J::Array(onyx::docs(&answer, !new_shape));
    let indices: Vec<J> = (0..answer.cited.len() as i64).map(J::from).collect();
    let body = if new_shape {
        let citation_info = answer
            .cited
            .iter()
            .enumerate()
            .map(|(i, a)| {
                obj([
                    ("type", s("citation_info")),
                    ("citation_number", J::from(i as i64 + 1)),
                    ("document_id", s(a.id.clone())),
                ])
            })
            .collect();
        obj([
            ("answer", s(text)),
            ("answer_citationless", s(answer.text(false))),
            ("top_documents", top_documents),
            ("error_msg", error_msg),
            ("message_id", J::from(turn.assistant_id)),
            ("citation_info", J::Array(citation_info)),
        ])
    } else {
        let cited = J::Object(
            answer
                .cited
                .iter()
                .enumerate()
                .map(|(i, a)| ((i + 1).to_string(), s(a.id.clone())))
                .collect(),
        );
        obj([
            ("answer", s(text)),
            ("answer_citationless", s(answer.text(false))),
            ("top_documents", top_documents),
            ("error_msg", error_msg),
            ("message_id", J::from(turn.assistant_id)),
            ("llm_selected_doc_indices", J::Array(indices.clone())),
            ("final_context_doc_indices", J::Array(indices.clone())),
            ("cited_documents", cited),
            ("llm_chunks_indices", J::Array(indices)),
            ("agent_sub_questions", J::Null),
            ("agent_answers", J::Null),
            ("agent_sub_queries", J::Null),
            ("agent_refined_answer_improvement", J::Null),
            ("chat_session_id", s(session_id)),
        ])
    };
    respond(body, &fault, state.config.pace_ms)
}

/// Sends a JSON body, honouring byte-shaping faults and `utf8-split`.
pub fn respond(body: J, fault: &Fault, pace_ms: u64) -> Response {
    let text = body.compact();
    if fault.utf8_split && !text.is_ascii() {
        let (mut sink, b) = Sink::new(fault.clone(), pace_ms);
        tokio::spawn(async move {
            let line = text;
            let _ = sink.line_split_utf8(&line).await;
        });
        return (
            StatusCode::OK,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            b,
        )
            .into_response();
    }
    faults::json_body(StatusCode::OK, text, fault, pace_ms)
}

/// A response whose body never arrives (the `stall` fault on a non-streaming API).
pub fn stalled() -> Response {
    let body = axum::body::Body::from_stream(futures_util::stream::pending::<
        Result<Bytes, std::io::Error>,
    >());
    (
        StatusCode::OK,
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}
