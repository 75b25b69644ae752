//! `POST /api/chat/send-message`: the deprecated endpoint of Onyx ≤ v2.x and Hymalaia.
//!
//! Validation is FastAPI's (§2.1). The stream is legacy flat objects (§2.2) by default; the
//! `x-sherpa-dialect: v1|v2` header, a `?dialect=` query or `--legacy-dialect` switch it to
//! packet v1 (§2.3) or packet v2 (§3.3), as the endpoint spoke in later releases.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::answer::{self, Answer, AnswerOptions, Seg};
use crate::corpus::{Article, Filters};
use crate::faults::{self, detail, json_response, Fault, Gone, Sink};
use crate::json::{obj, s, strs, Dump, J};
use crate::onyx::{self, Job, PIECES_BEFORE_FAULT};
use crate::state::{AppState, Parent, Turn};
use crate::Dialect;

/// Keys `CreateChatMessageRequest` requires (nullable but without a default).
pub const REQUIRED: &[&str] = &[
    "chat_session_id",
    "parent_message_id",
    "message",
    "file_descriptors",
    "prompt_id",
    "search_doc_ids",
    "retrieval_options",
];

/// The dialect chosen by header, then query, then a `dialect=` fault item (so a widget, which
/// can set neither headers nor a query on its API base, can pick one with
/// `data-api-base=".../f/dialect=v1/api"`), then the server flag.
pub fn dialect(state: &AppState, headers: &HeaderMap, query: Option<&str>) -> Option<String> {
    headers
        .get("x-sherpa-dialect")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            query?.split('&').find_map(|kv| {
                let (k, v) = kv.split_once('=')?;
                (k == "dialect").then(|| v.to_string())
            })
        })
        .or_else(|| {
            let spec = headers.get(crate::faults::FAULT_HEADER)?.to_str().ok()?;
            spec.split(',').find_map(|item| {
                let (k, v) = item.split_once('=')?;
                (k.trim() == "dialect").then(|| v.trim().to_string())
            })
        })
        .or_else(|| {
            Some(
                match state.config.legacy_dialect {
                    Dialect::Legacy => "legacy",
                    Dialect::V1 => "v1",
                    Dialect::V2 => "v2",
                }
                .to_string(),
            )
        })
}

/// `POST /api/chat/send-message`.
pub async fn send_message(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let v = match onyx::authed_body(&headers, &body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let missing: Vec<&str> = REQUIRED
        .iter()
        .copied()
        .filter(|k| v.get(*k).is_none())
        .collect();
    if !missing.is_empty() {
        return onyx::missing_keys(&missing, &v);
    }
    if v["search_doc_ids"].is_null() && v["retrieval_options"].is_null() {
        let err = obj([(
            "detail",
            J::Array(vec![obj([
                ("type", s("value_error")),
                ("loc", strs(["body"])),
                (
                    "msg",
                    s("Value error, Either search_doc_ids or retrieval_options must be provided, but not both or neither."),
                ),
                ("input", v.clone()),
                ("ctx", obj([("error", obj([]))])),
            ])]),
        )]);
        return json_response(StatusCode::UNPROCESSABLE_ENTITY, &err);
    }
    let Some(message) = v["message"].as_str() else {
        return detail(StatusCode::UNPROCESSABLE_ENTITY, "message must be a string");
    };
    let fault = Fault::for_request(&state, &headers);
    if let Some(r) = fault.http_failure() {
        return r;
    }
    let dialect = dialect(&state, &headers, query.as_deref())
        .and_then(|d| Dialect::parse(&d))
        .unwrap_or_default();
    let Some(session_id) = v["chat_session_id"]
        .as_str()
        .filter(|id| state.has_session(id))
        .map(str::to_string)
    else {
        return detail(StatusCode::NOT_FOUND, "Chat session not found");
    };
    let parent = match onyx::int_of(Some(&v["parent_message_id"])) {
        Some(id) => Parent::Id(id),
        None => Parent::Root,
    };
    let regenerate = v
        .get("regenerate")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let persona = state.session_persona(&session_id).unwrap_or(0);
    let filters = Filters::from_json(v.pointer("/retrieval_options/filters"));
    let opts = AnswerOptions {
        filters: onyx::persona_filters(persona, filters).unwrap_or_default(),
        model: onyx::model_of(v.get("llm_override")),
        prefix: fault.utf8_split.then(|| "Café 😀 ".to_string()),
    };
    let turn = state.start_turn(&session_id, parent, message, regenerate);
    let (mut sink, body) = Sink::new(fault.clone(), state.config.pace_ms);
    tokio::spawn(async move {
        let job = Job {
            state: state.clone(),
            session_id,
            new_session: false,
            include_citations: true,
            fault,
        };
        let turn = match turn {
            Ok(t) => t,
            Err(e) => {
                let line = match dialect {
                    Dialect::V2 => {
                        onyx::streaming_error(&e, "VALIDATION_ERROR", false, J::Null).py()
                    }
                    _ => obj([("error", s(e)), ("stack_trace", J::Null)]).py(),
                };
                let _ = sink.line(&line).await;
                return;
            }
        };
        let answer = answer::answer(&turn.question, &opts);
        let mut text = String::new();
        let _ = match dialect {
            Dialect::V2 => job.run_v2(&mut sink, &turn, &answer, &mut text).await,
            Dialect::V1 => run_v1(&job, &mut sink, &turn, &answer, &mut text).await,
            Dialect::Legacy => run_flat(&job, &mut sink, &turn, &answer, &mut text).await,
        };
        state.finish_turn(&job.session_id, turn.assistant_id, &text);
    });
    faults::stream_response(body)
}

/// An `LlmDoc`, as in `final_context_docs`.
fn llm_doc(a: &Article) -> J {
    obj([
        ("document_id", s(a.id.clone())),
        ("content", s(a.body.clone())),
        ("blurb", s(a.blurb())),
        ("semantic_identifier", s(a.title.clone())),
        ("source_type", s(a.source_type.clone())),
        ("metadata", obj([])),
        ("updated_at", s(a.updated_at())),
        ("link", s(a.url.clone())),
        ("source_links", obj([("0", s(a.url.clone()))])),
        ("match_highlights", J::Array(vec![])),
    ])
}

fn level_nulls(mut o: J) -> J {
    o.set("level", J::Null);
    o.set("level_question_num", J::Null);
    o
}

fn citation_obj(n: u32, doc: &str) -> J {
    level_nulls(obj([
        ("citation_num", J::from(i64::from(n))),
        ("document_id", s(doc)),
    ]))
}

/// Writes a text piece, splitting multi-byte characters across writes for `utf8-split`.
async fn text_line(sink: &mut Sink, fault: &Fault, line: J) -> Result<(), Gone> {
    let py = line.py();
    if fault.utf8_split && py.contains("\\u") {
        sink.line_split_utf8(&line.py_utf8()).await
    } else {
        sink.line(&py).await
    }
}

/// What the flat and packet v1 streams start with: the ids line, then the `garbage` and
/// `stall` faults (old servers send no heartbeats: a stall is silence until the client
/// gives up).
async fn opening(job: &Job, sink: &mut Sink, turn: &Turn) -> Result<(), Gone> {
    sink.line(&onyx::ids_line(turn)).await?;
    if job.fault.garbage {
        sink.raw(faults::GARBAGE_LINE.as_bytes()).await?;
    }
    if job.fault.stall {
        loop {
            sink.idle(60_000).await?;
        }
    }
    Ok(())
}

/// The legacy flat stream (§2.2).
async fn run_flat(
    job: &Job,
    sink: &mut Sink,
    turn: &Turn,
    answer: &Answer,
    text: &mut String,
) -> Result<(), Gone> {
    let fault = &job.fault;
    opening(job, sink, turn).await?;
    if fault.tool_error {
        sink.line(&obj([("tool_name", s("crm")), ("tool_args", obj([]))]).py())
            .await?;
        sink.line(
            &obj([
                (
                    "response",
                    obj([("error", s("The CRM tool is unavailable"))]),
                ),
                ("tool_name", s("crm")),
            ])
            .py(),
        )
        .await?;
    }
    let query = obj([("query", s(answer.query.clone()))]);
    sink.line(&obj([("tool_name", s("run_search")), ("tool_args", query.clone())]).py())
        .await?;
    sink.line(
        &level_nulls(obj([
            ("top_documents", J::Array(onyx::docs(answer, true))),
            ("rephrased_query", s(answer.query.clone())),
            ("predicted_flow", s("question-answer")),
            ("predicted_search", s("semantic")),
            ("applied_source_filters", J::Null),
            ("applied_time_cutoff", J::Null),
            ("recency_bias_multiplier", J::from(1.0)),
        ]))
        .py(),
    )
    .await?;
    let selected: Vec<J> = (0..answer.cited.len() as i64).map(J::from).collect();
    sink.line(&obj([("llm_selected_doc_indices", J::Array(selected))]).py())
        .await?;
    let context: Vec<J> = answer.cited.iter().map(|a| llm_doc(a)).collect();
    sink.line(&obj([("final_context_docs", J::Array(context.clone()))]).py())
        .await?;
    sink.line(
        &level_nulls(obj([
            ("tool_name", s("run_search")),
            ("tool_args", query),
            ("tool_result", J::Array(context)),
        ]))
        .py(),
    )
    .await?;
    let mut sent = HashSet::new();
    let mut cancelled = false;
    for (i, piece) in answer.pieces().into_iter().enumerate() {
        if turn.stop.load(Ordering::SeqCst) {
            cancelled = true;
            break;
        }
        if i == PIECES_BEFORE_FAULT {
            if fault.midstream_error {
                let line = obj([
                    ("error", s("Rate limit exceeded for model gpt-x")),
                    ("stack_trace", J::Null),
                ]);
                return sink.line(&line.py()).await;
            }
            if fault.crash {
                return sink.raw(faults::CRASH_LINE.as_bytes()).await;
            }
        }
        let content = match piece {
            Seg::Text(t) => t,
            Seg::Cite(n) => {
                if sent.insert(n) {
                    let doc = answer.cited_article(n).map_or("", |a| a.id.as_str());
                    sink.line(&citation_obj(n, doc).py()).await?;
                }
                answer.cite_marker(n)
            }
        };
        text_line(sink, fault, obj([("answer_piece", s(content.clone()))])).await?;
        text.push_str(&content);
    }
    let reason = if cancelled { "CANCELLED" } else { "FINISHED" };
    sink.line(
        &level_nulls(obj([
            ("stop_reason", s(reason)),
            ("stream_type", s("main_answer")),
        ]))
        .py(),
    )
    .await?;
    let all: Vec<J> = (1..=answer.cited.len() as u32)
        .filter(|n| sent.contains(n))
        .map(|n| citation_obj(n, &answer.cited[n as usize - 1].id))
        .collect();
    sink.line(&obj([("citations", J::Array(all))]).py()).await?;
    let db_citations = J::Object(
        (1..=answer.cited.len() as u32)
            .filter(|n| sent.contains(n))
            .map(|n| (n.to_string(), J::from(answer.cited[n as usize - 1].db_id)))
            .collect(),
    );
    let detail = obj([
        ("message_id", J::from(turn.assistant_id)),
        ("parent_message", J::from(turn.user_id)),
        ("latest_child_message", J::Null),
        ("message", s(text.clone())),
        ("rephrased_query", s(answer.query.clone())),
        (
            "context_docs",
            obj([("top_documents", J::Array(onyx::docs(answer, true)))]),
        ),
        ("message_type", s("assistant")),
        ("time_sent", s("2026-08-22T10:00:00+00:00")),
        ("overridden_model", J::Null),
        ("alternate_assistant_id", J::Null),
        ("chat_session_id", s(job.session_id.clone())),
        ("citations", db_citations),
        ("sub_questions", J::Array(vec![])),
        ("files", J::Array(vec![])),
        ("tool_call", J::Null),
        ("refined_answer_improvement", J::Null),
        ("is_agentic", J::Bool(false)),
        ("error", J::Null),
    ]);
    sink.line(&detail.py()).await
}

fn v1(ind: i64, o: J) -> String {
    obj([("ind", J::from(ind)), ("obj", o)]).py()
}

/// The packet v1 stream (§2.3).
async fn run_v1(
    job: &Job,
    sink: &mut Sink,
    turn: &Turn,
    answer: &Answer,
    text: &mut String,
) -> Result<(), Gone> {
    let fault = &job.fault;
    opening(job, sink, turn).await?;
    if fault.tool_error {
        sink.line(&v1(
            0,
            obj([("type", s("custom_tool_start")), ("tool_name", s("crm"))]),
        ))
        .await?;
        sink.line(&v1(0, obj([("type", s("error"))]))).await?;
        sink.line(&v1(0, obj([("type", s("section_end"))]))).await?;
    }
    let docs = onyx::docs(answer, false);
    sink.line(&v1(
        1,
        obj([
            ("type", s("internal_search_tool_start")),
            ("is_internet_search", J::Bool(false)),
        ]),
    ))
    .await?;
    sink.line(&v1(
        1,
        obj([
            ("type", s("internal_search_tool_delta")),
            ("queries", strs([answer.query.clone()])),
            ("documents", J::Array(docs.clone())),
        ]),
    ))
    .await?;
    sink.line(&v1(1, obj([("type", s("section_end"))]))).await?;
    sink.line(&v1(
        2,
        obj([
            ("type", s("message_start")),
            ("final_documents", J::Array(docs)),
            ("content", s("")),
        ]),
    ))
    .await?;
    let mut sent: Vec<u32> = Vec::new();
    for (i, piece) in answer.pieces().into_iter().enumerate() {
        if turn.stop.load(Ordering::SeqCst) {
            break;
        }
        if i == PIECES_BEFORE_FAULT {
            if fault.midstream_error {
                let line = obj([
                    ("error", s("Rate limit exceeded for model gpt-x")),
                    ("stack_trace", J::Null),
                ]);
                return sink.line(&line.py()).await;
            }
            if fault.crash {
                return sink.raw(faults::CRASH_LINE.as_bytes()).await;
            }
        }
        let content = match piece {
            Seg::Text(t) => t,
            Seg::Cite(n) => {
                if !sent.contains(&n) {
                    sent.push(n);
                }
                answer.cite_marker(n)
            }
        };
        let line = obj([
            ("ind", J::from(2)),
            (
                "obj",
                obj([
                    ("type", s("message_delta")),
                    ("content", s(content.clone())),
                ]),
            ),
        ]);
        text_line(sink, fault, line).await?;
        text.push_str(&content);
    }
    sink.line(&v1(2, obj([("type", s("section_end"))]))).await?;
    if !sent.is_empty() {
        sink.line(&v1(3, obj([("type", s("citation_start"))])))
            .await?;
        let citations = sent
            .iter()
            .map(|n| {
                let doc = answer.cited_article(*n).map_or("", |a| a.id.as_str());
                obj([
                    ("level", J::Null),
                    ("level_question_num", J::Null),
                    ("citation_num", J::from(i64::from(*n))),
                    ("document_id", s(doc)),
                ])
            })
            .collect();
        sink.line(&v1(
            3,
            obj([
                ("type", s("citation_delta")),
                ("citations", J::Array(citations)),
            ]),
        ))
        .await?;
        sink.line(&v1(3, obj([("type", s("section_end"))]))).await?;
    }
    sink.line(&v1(4, obj([("type", s("stop"))]))).await
}
