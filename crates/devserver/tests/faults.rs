//! Every fault, by header and by `/f/<spec>` path prefix, on every backend where it applies.

mod common;

use std::time::Duration;

use common::*;
use serde_json::json;
use sherpa_protocol::backend::{BackendKind, Conversation};
use sherpa_protocol::event::{ChatEvent, StopReason};

const ASK: &str = r#"{"message": "Can I get a refund?"}"#;
const V2: &str = "/api/chat/send-chat-message";

async fn faulted(addr: std::net::SocketAddr, spec: &str) -> Resp {
    request(addr, "POST", V2, &[("x-sherpa-fault", spec)], Some(ASK)).await
}

fn fatal_error(events: &[ChatEvent]) -> Option<&sherpa_protocol::ChatError> {
    events.iter().find_map(|e| match e {
        ChatEvent::Error(err) if err.fatal => Some(err),
        _ => None,
    })
}

#[tokio::test]
async fn chunk_and_delay_shape_the_bytes_only() {
    let srv = start().await;
    let a = srv.addr;
    let plain = faulted(a, "").await;
    let r = faulted(a, "chunk=7,delay=1").await;
    assert!(r.chunks.len() > 100);
    assert!(r.chunks.iter().all(|c| c.len() <= 7));
    // Same answer, same events apart from the new session id and message ids.
    let text = |r: &Resp| text_of(&decode(BackendKind::Onyx, r));
    assert_eq!(text(&plain), text(&r));
    assert_eq!(
        decode(BackendKind::Onyx, &r).last(),
        Some(&ChatEvent::Done(StopReason::Finished))
    );
    // The whole body in one chunk.
    let r = faulted(a, "chunk=1000000").await;
    assert!(r.chunks.len() > 10, "one write per line still");
    srv.shutdown().await;
}

#[tokio::test]
async fn cut_drops_the_connection_after_n_bytes() {
    let srv = start().await;
    let a = srv.addr;
    let r = faulted(a, "cut=300").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), 300);
    assert!(!r.complete, "no terminating chunk");
    let ev = decode(BackendKind::Onyx, &r);
    assert!(fatal_error(&ev).is_some(), "{ev:?}");
    // Via the path prefix the widget uses.
    let r = post(a, &format!("/f/cut=300{V2}"), ASK).await;
    assert_eq!((r.body.len(), r.complete), (300, false));
    // Non-streaming bodies can be cut too.
    let r = request(
        a,
        "POST",
        "/api/chat/send-message-simple-api",
        &[("x-sherpa-fault", "cut=50")],
        Some(r#"{"message": "refund", "persona_id": 0}"#),
    )
    .await;
    assert_eq!((r.body.len(), r.complete), (50, false));
    srv.shutdown().await;
}

#[tokio::test]
async fn crash_and_midstream_error() {
    let srv = start().await;
    let a = srv.addr;
    let r = faulted(a, "crash").await;
    assert!(r.complete);
    assert!(r
        .body
        .ends_with(br#"{"error": "Connection reset by peer"}"#));
    assert!(r.packet_types().contains(&"message_delta".to_string()));
    let ev = decode(BackendKind::Onyx, &r);
    assert!(!text_of(&ev).is_empty(), "partial text kept");
    assert!(fatal_error(&ev).is_some());
    assert!(!ev.contains(&ChatEvent::Done(StopReason::Finished)));

    let r = faulted(a, "midstream-error").await;
    let lines = r.lines();
    assert_eq!(
        lines.last().unwrap(),
        r#"{"error": "Rate limit exceeded for model gpt-x", "stack_trace": null, "error_code": "RATE_LIMIT", "is_retryable": true, "details": {"model": "gpt-x", "provider": "openai"}}"#
    );
    assert!(!r.packet_types().contains(&"stop".to_string()));
    let ev = decode(BackendKind::Onyx, &r);
    let err = fatal_error(&ev).expect("fatal error");
    assert!(err.retryable);
    assert!(!text_of(&ev).is_empty());

    // Legacy flavours.
    let sid = post(a, "/api/chat/create-chat-session", "{}").await.json()["chat_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut conv = Conversation {
        session_id: Some(sid),
        ..Conversation::default()
    };
    let r = widget_turn(
        a,
        BackendKind::OnyxLegacy,
        &opts(a),
        &mut conv,
        "refund",
        &[("x-sherpa-fault", "crash")],
    )
    .await;
    assert!(r
        .body
        .ends_with(br#"{"error": "Connection reset by peer"}"#));
    assert!(r.text().contains("answer_piece"));
    let body =
        json!({"workspaceId": "demo", "conversationId": "c", "message": "refund"}).to_string();
    let r = request(
        a,
        "POST",
        "/api/chat/message",
        &[
            ("x-api-key", "k"),
            ("userId", "u"),
            ("x-sherpa-fault", "crash"),
        ],
        Some(&body),
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (500, r#"{"message":"Internal error"}"#)
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn tool_error_and_garbage_do_not_end_the_turn() {
    let srv = start().await;
    let a = srv.addr;
    let r = faulted(a, "tool-error").await;
    let lines = r.lines();
    assert_eq!(
        lines[2],
        r#"{"placement": {"turn_index": 0, "tab_index": 0, "sub_turn_index": null, "model_index": null}, "obj": {"type": "chat_heartbeat"}}"#
    );
    assert_eq!(lines[3], lines[2]);
    assert!(lines.iter().any(|l| l
        .ends_with(r#""obj": {"type": "custom_tool_start", "tool_name": "crm", "tool_id": 7}}"#)));
    assert!(lines
        .iter()
        .any(|l| l.ends_with(r#""obj": {"type": "error"}}"#)));
    let ev = decode(BackendKind::Onyx, &r);
    assert_eq!(ev.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    assert!(fatal_error(&ev).is_none());
    assert!(text_of(&ev).contains("Refunds are allowed"));

    let r = faulted(a, "garbage").await;
    assert_eq!(r.lines()[2], "<html><body>502 Bad Gateway</body></html>");
    let ev = decode(BackendKind::Onyx, &r);
    assert!(text_of(&ev).contains("Refunds are allowed"));
    assert!(ev.contains(&ChatEvent::Done(StopReason::Finished)));
    srv.shutdown().await;
}

#[tokio::test]
async fn http_level_faults() {
    let srv = start().await;
    let a = srv.addr;
    let r = faulted(a, "rate-limit").await;
    assert_eq!(r.status, 429);
    assert_eq!(r.header("retry-after"), Some("120"));
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    assert_eq!(v["error_code"], json!("RATE_LIMITED"));
    assert_eq!(v["retry_after_seconds"], json!(120));
    assert_eq!(v["scope"], json!("user"));
    assert!(r.text().starts_with(r#"{"scope":"user","reset_at":"2026-08-22T12:00:00+00:00","retry_after_seconds":120,"error_code":"RATE_LIMITED","detail":"#));
    let r = faulted(a, "html-5xx").await;
    assert_eq!(r.status, 502);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    let r = faulted(a, "html-200").await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(r.text().contains("Sign in"));
    // The same through the path prefix, on the other backends.
    let r = post(
        a,
        "/f/rate-limit/api/chat/send-message-simple-api",
        r#"{"message": "x", "persona_id": 0}"#,
    )
    .await;
    assert_eq!(r.status, 429);
    let body =
        json!({"workspaceId": "demo", "conversationId": "c", "message": "refund"}).to_string();
    let r = request(
        a,
        "POST",
        "/f/html-5xx/api/chat/message",
        &[("x-api-key", "k"), ("userId", "u")],
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 502);
    // Preflight through the prefix works too.
    let r = request(
        a,
        "OPTIONS",
        "/f/rate-limit/api/chat/message",
        &[
            ("Origin", "http://x.test"),
            ("Access-Control-Request-Method", "POST"),
            ("Access-Control-Request-Headers", "x-api-key,userid"),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    // Sessions are not faulted.
    assert_eq!(
        post(a, "/f/rate-limit/api/chat/create-chat-session", "{}")
            .await
            .status,
        200
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn once_applies_to_the_first_request_only() {
    let srv = start().await;
    let a = srv.addr;
    let path = format!("/f/rate-limit,once{V2}");
    assert_eq!(post(a, &path, ASK).await.status, 429);
    assert_eq!(post(a, &path, ASK).await.status, 200);
    assert_eq!(post(a, &path, ASK).await.status, 200);
    // A different spec (an id makes it distinct) fires again.
    assert_eq!(
        post(a, &format!("/f/rate-limit,once,id=2{V2}"), ASK)
            .await
            .status,
        429
    );
    assert!(!faulted(a, "cut=100,once").await.complete);
    assert!(faulted(a, "cut=100,once").await.complete);
    // The reset endpoint forgets served specs.
    assert_eq!(post(a, "/api/_test/reset", "").await.status, 204);
    assert_eq!(post(a, &path, ASK).await.status, 429);
    srv.shutdown().await;
}

#[tokio::test]
async fn stall_sends_heartbeats_until_the_client_leaves() {
    let srv = start().await;
    let a = srv.addr;
    let mut s = open(
        a,
        "POST",
        V2,
        &[("x-sherpa-fault", "stall,heartbeat-ms=20")],
        Some(ASK),
    )
    .await;
    let got = s.read_until("chat_heartbeat").await;
    let mut got = String::from_utf8(got).unwrap();
    while got.matches("chat_heartbeat").count() < 3 {
        got.push_str(&String::from_utf8(s.next_chunk().await.unwrap().unwrap()).unwrap());
    }
    assert!(got.contains(r#"{"user_message_id": 41, "reserved_assistant_message_id": 42}"#));
    assert!(got.contains(r#"{"placement": {"turn_index": 0, "tab_index": 0, "sub_turn_index": null, "model_index": null}, "obj": {"type": "chat_heartbeat"}}"#));
    assert!(!got.contains("message_delta"));
    drop(s);
    // The server carries on.
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert_eq!(faulted(a, "").await.status, 200);
    srv.shutdown().await;
}

#[tokio::test]
async fn utf8_split_cuts_inside_characters() {
    let srv = start().await;
    let a = srv.addr;
    let r = faulted(a, "utf8-split").await;
    assert!(!r.body.is_ascii(), "raw UTF-8 text");
    assert!(
        r.chunks
            .iter()
            .any(|c| c.ends_with(&[b'C', b'a', b'f', 0xC3])),
        "cut after the first byte of é"
    );
    assert!(r.chunks.iter().any(|c| std::str::from_utf8(c).is_err()));
    let ev = decode(BackendKind::Onyx, &r);
    assert!(text_of(&ev).starts_with("Café 😀 "), "{}", text_of(&ev));
    assert_eq!(ev.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    // Non-streaming JSON too.
    let body =
        json!({"workspaceId": "demo", "conversationId": "c", "message": "refund"}).to_string();
    let r = request(
        a,
        "POST",
        "/f/utf8-split/api/chat/message",
        &[("x-api-key", "k"), ("userId", "u")],
        Some(&body),
    )
    .await;
    assert!(r.chunks.len() > 1);
    assert!(r.json()["data"]["response"]
        .as_str()
        .unwrap()
        .starts_with("Café 😀"));
    srv.shutdown().await;
}

#[tokio::test]
async fn pace_override_slows_one_request() {
    let srv = start().await;
    let a = srv.addr;
    let t = std::time::Instant::now();
    let r = faulted(a, "pace=5").await;
    let lines = r.lines().len() as u32;
    assert!(t.elapsed() >= Duration::from_millis(5) * (lines - 1));
    srv.shutdown().await;
}
