//! OdysseyAI `POST /api/chat/message` (§9): one JSON answer with `sourceSnips`, follow-up
//! questions and a steps breakdown. The answer text is in `data.response` (project decision;
//! the public schema names no answer field).
//!
//! Auth: `x-api-key` (any non-empty key except [`BAD_KEYS`]) and `userId` are required (403).
//! Workspaces: `lumen`, `demo`, `default`, and any id starting `ws-` or `ws_`; others → 404.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::answer::{self, AnswerOptions};
use crate::faults::{json_response, Fault};
use crate::json::{obj, s, strs, J};
use crate::simple;
use crate::state::AppState;

/// Keys the server rejects with 403.
pub const BAD_KEYS: &[&str] = &["bad", "od_bad", "on_bad"];

/// Whether a workspace id exists.
pub fn known_workspace(id: &str) -> bool {
    matches!(id, "lumen" | "demo" | "default") || id.starts_with("ws-") || id.starts_with("ws_")
}

fn forbidden(msg: &str) -> Response {
    json_response(
        StatusCode::FORBIDDEN,
        &obj([("error", obj([("message", s(msg))]))]),
    )
}

fn bad_request(msg: &str) -> Response {
    json_response(StatusCode::BAD_REQUEST, &obj([("error", s(msg))]))
}

/// `POST /api/chat/message`.
pub async fn message(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    match header("x-api-key") {
        None => return forbidden("API key is required"),
        Some(k) if BAD_KEYS.contains(&k) => return forbidden("Invalid API key"),
        Some(_) => {}
    }
    let Some(user_id) = header("userid") else {
        return forbidden("userId header is required");
    };
    let user_id = user_id.to_string();
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("Invalid JSON body");
    };
    let field = |k: &str| {
        v.get(k)
            .and_then(|x| match x {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .filter(|s| !s.is_empty())
    };
    let Some(workspace) = field("workspaceId") else {
        return bad_request("workspaceId is required");
    };
    let Some(conversation) = field("conversationId") else {
        return bad_request("conversationId is required");
    };
    if !known_workspace(&workspace) {
        return json_response(
            StatusCode::NOT_FOUND,
            &obj([(
                "error",
                obj([("message", s(format!("Workspace {workspace} not found")))]),
            )]),
        );
    }
    let Some(question) = field("message") else {
        return bad_request("message is required");
    };
    let fault = Fault::for_request(&state, &headers);
    if let Some(r) = fault.http_failure() {
        return r;
    }
    if fault.stall {
        return simple::stalled();
    }
    if fault.crash || fault.midstream_error {
        return json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &obj([("message", s("Internal error"))]),
        );
    }
    let opts = AnswerOptions {
        prefix: fault.utf8_split.then(|| "Café 😀 ".to_string()),
        ..AnswerOptions::default()
    };
    let answer = answer::answer(&question, &opts);
    let text = answer.text(false);
    let id = state.uuid();
    let snips: Vec<J> = answer
        .cited
        .iter()
        .map(|a| {
            obj([
                ("chunkid", s(format!("{}#0", a.id))),
                ("content", s(a.lead())),
                ("displaytext", s(a.blurb())),
                ("filename", s(a.title.clone())),
                (
                    "filetype",
                    s(if a.source_type == "web" {
                        "web"
                    } else {
                        "document"
                    }),
                ),
                ("url", s(a.url.clone())),
            ])
        })
        .collect();
    let agent = field("agentId");
    let body = obj([(
        "data",
        obj([
            ("id", s(id.clone())),
            ("query", s(question.clone())),
            ("agentid", agent.map_or(J::Null, s)),
            ("createdat", s("2026-08-22T10:00:00.000Z")),
            ("dislikes", J::Array(vec![])),
            ("likes", J::Array(vec![])),
            ("rootAgentName", s("Lumen Help")),
            (
                "stepsBreakdown",
                J::Array(vec![
                    obj([
                        ("agentname", s("RAG Agent")),
                        ("content", obj([])),
                        ("external", s("none")),
                        ("step_id", s(format!("{id}-s1"))),
                        ("type", s("rag")),
                    ]),
                    obj([
                        ("agentname", s("Lumen Help")),
                        ("content", obj([("response", s(text.clone()))])),
                        ("external", s("none")),
                        ("step_id", s(format!("{id}-s2"))),
                        ("type", s("compile")),
                    ]),
                ]),
            ),
            ("suggested_files", J::Null),
            (
                "followUps",
                obj([
                    ("id", s(format!("{id}-f"))),
                    ("questions", strs(answer.follow_ups.clone())),
                ]),
            ),
            ("sourceSnips", J::Array(snips)),
            ("type", s("response")),
            ("response", s(text)),
            ("conversationId", s(conversation)),
            ("userId", s(user_id)),
        ]),
    )]);
    simple::respond(body, &fault, state.config.pace_ms)
}
