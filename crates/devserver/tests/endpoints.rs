//! Every endpoint against an in-process server, checked byte by byte and through the
//! widget's own protocol adapters.

mod common;

use common::*;
use serde_json::{json, Value};
use sherpa_protocol::backend::{BackendKind, Conversation};
use sherpa_protocol::event::{ChatEvent, StopReason};

#[tokio::test]
async fn static_files_and_cors() {
    let srv = start().await;
    let a = srv.addr;
    let r = get(a, "/").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert!(r.text().contains("<title>index</title>"));
    assert!(get(a, "/demo/onyx.html").await.text().contains("onyx demo"));
    assert!(get(a, "/demo/").await.text().contains("demos"));
    for (path, ct) in [
        ("/sherpa/sherpa.js", "text/javascript"),
        ("/sherpa/sherpa_bg.wasm", "application/wasm"),
        ("/sherpa/style.css", "text/css"),
        ("/sherpa/snippets/x/inline0.js", "text/javascript"),
    ] {
        let r = get(a, path).await;
        assert_eq!(r.status, 200, "{path}");
        assert_eq!(r.header("content-type"), Some(ct), "{path}");
        assert_eq!(r.header("cache-control"), Some("no-cache"), "{path}");
    }
    assert_eq!(get(a, "/sherpa/missing.js").await.status, 404);
    assert_eq!(get(a, "/sherpa/%2e%2e/secret.txt").await.status, 404);
    assert_eq!(get(a, "/sherpa/..%2fsecret.txt").await.status, 404);
    assert_eq!(get(a, "/favicon.ico").await.status, 204);

    // Preflight for a fault header from another origin.
    let r = request(
        a,
        "OPTIONS",
        "/api/chat/send-chat-message",
        &[
            ("Origin", "http://example.test"),
            ("Access-Control-Request-Method", "POST"),
            (
                "Access-Control-Request-Headers",
                "content-type,authorization,x-sherpa-fault,userid,x-api-key",
            ),
        ],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_string();
    for h in [
        "content-type",
        "authorization",
        "x-api-key",
        "userid",
        "x-sherpa-fault",
    ] {
        assert!(allowed.contains(h), "{h} in {allowed}");
    }
    assert!(r
        .header("access-control-allow-methods")
        .unwrap()
        .contains("DELETE"));
    let r = request(
        a,
        "GET",
        "/api/persona/0",
        &[("Origin", "http://example.test")],
        None,
    )
    .await;
    assert_eq!(r.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        r.header("access-control-expose-headers"),
        Some("retry-after")
    );
    assert!(r.header("content-encoding").is_none());
    srv.shutdown().await;
}

#[tokio::test]
async fn create_session_persona_and_auth() {
    let srv = start().await;
    let a = srv.addr;
    let r = post(
        a,
        "/api/chat/create-chat-session",
        r#"{"persona_id": 0, "description": null}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["incognito"], json!(false));
    assert_eq!(v["chat_session_id"].as_str().unwrap().len(), 36);
    // Hymalaia sends the persona as a string.
    assert_eq!(
        post(a, "/api/chat/create-chat-session", r#"{"persona_id": "1"}"#)
            .await
            .status,
        200
    );
    let r = post(a, "/api/chat/create-chat-session", r#"{"persona_id": 99}"#).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.text(), r#"{"detail":"Invalid Persona provided."}"#);
    for (key, status) in [
        ("Bearer on_good", 200),
        ("on_good", 200),
        ("Bearer dn_old", 200),
        ("Bearer onyx_pat_x", 200),
        ("Bearer on_bad", 401),
        ("Bearer nope", 401),
    ] {
        let r = request(
            a,
            "POST",
            "/api/chat/create-chat-session",
            &[("Authorization", key)],
            Some("{}"),
        )
        .await;
        assert_eq!(r.status, status, "{key}");
        if status == 401 {
            assert_eq!(r.text(), r#"{"detail":"Invalid API key"}"#);
        }
    }
    let r = get(a, "/api/persona/0").await;
    assert_eq!(r.status, 200);
    let starters = r.json()["starter_messages"].as_array().unwrap().clone();
    assert!(starters.len() >= 3);
    assert!(starters
        .iter()
        .all(|s| s["name"].is_string() && s["message"].is_string()));
    assert_eq!(get(a, "/api/persona/42").await.status, 404);
    srv.shutdown().await;
}

/// The packet v2 stream of a fresh conversation, line by line.
#[tokio::test]
async fn onyx_stream_shape_and_decoding() {
    let srv = start().await;
    let a = srv.addr;
    let r = post(
        a,
        "/api/chat/send-chat-message",
        r#"{"message": "Can I get a refund?", "parent_message_id": null}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/event-stream; charset=utf-8")
    );
    assert!(r.complete);
    assert!(r.body.is_ascii(), "ensure_ascii output");
    assert!(r.body.ends_with(b"\n"));
    let lines = r.lines();
    assert!(
        lines[0].starts_with(r#"{"chat_session_id": ""#)
            && lines[0].ends_with(r#"", "incognito": false}"#)
    );
    assert_eq!(
        lines[1],
        r#"{"user_message_id": 41, "reserved_assistant_message_id": 42}"#
    );
    let types = r.packet_types();
    assert_eq!(
        &types[2..7],
        [
            "search_tool_start",
            "search_tool_queries_delta",
            "search_tool_documents_delta",
            "section_end",
            "message_start"
        ]
    );
    assert_eq!(types.last().unwrap(), "stop");
    assert_eq!(
        lines.last().unwrap(),
        r#"{"placement": {"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 0}, "obj": {"type": "stop", "stop_reason": null}}"#
    );
    assert_eq!(
        lines[2],
        r#"{"placement": {"turn_index": 0, "tab_index": 0, "sub_turn_index": null, "model_index": 0}, "obj": {"type": "search_tool_start", "is_internet_search": false}}"#
    );
    // citation_info comes right before the delta carrying its marker.
    let vals = r.json_lines();
    let ci = types
        .iter()
        .position(|t| t == "citation_info")
        .expect("a citation");
    assert_eq!(vals[ci]["obj"]["citation_number"], json!(1));
    assert_eq!(vals[ci]["obj"]["document_id"], json!("LN-016"));
    assert_eq!(
        vals[ci + 1]["obj"]["content"],
        json!(" [[1]](https://help.lumen.example/billing/refunds)")
    );
    let doc = &vals[4]["obj"]["documents"][0];
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    for k in [
        "document_id",
        "chunk_ind",
        "semantic_identifier",
        "link",
        "blurb",
        "source_type",
        "boost",
        "hidden",
        "metadata",
        "score",
        "is_relevant",
        "relevance_explanation",
        "match_highlights",
        "updated_at",
        "primary_owners",
        "secondary_owners",
        "is_internet",
        "file_id",
    ] {
        assert!(keys.contains(&k), "{k}");
    }
    // Several small pieces, not one blob.
    assert!(types.iter().filter(|t| *t == "message_delta").count() > 10);

    let events = decode(BackendKind::Onyx, &r);
    assert!(matches!(&events[0], ChatEvent::Session { id } if id.len() == 36));
    assert!(events.contains(&ChatEvent::MessageIds {
        user: Some(41),
        assistant: Some(42)
    }));
    assert!(events
        .iter()
        .any(|e| matches!(e, ChatEvent::Documents(d) if d[0].id == "LN-016")));
    assert!(events.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-016".into()
    }));
    assert_eq!(events.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    assert!(text_of(&events).contains("Refunds are allowed within 30 days"));
    srv.shutdown().await;
}

#[tokio::test]
async fn onyx_widget_turns_chain_and_filters() {
    let srv = start().await;
    let a = srv.addr;
    let mut opts = opts(a);
    opts.model = Some(("openai".into(), "gpt-4o".into()));
    let mut conv = Conversation::default();
    let r = widget_turn(
        a,
        BackendKind::Onyx,
        &opts,
        &mut conv,
        "My notes are not syncing",
        &[],
    )
    .await;
    let ev = decode(BackendKind::Onyx, &r);
    assert!(ev.contains(&ChatEvent::MessageIds {
        user: Some(41),
        assistant: Some(42)
    }));
    let text = text_of(&ev);
    assert!(text.contains("sync indicator"), "{text}");
    assert!(text.contains("```bash"), "a code block: {text}");
    assert!(
        text.ends_with("_(model: openai/gpt-4o)_"),
        "llm_override echoed: {text}"
    );
    // The session was created with create-chat-session, so no session line.
    assert!(r.lines()[0].starts_with(r#"{"user_message_id""#));

    // Second turn chains on the first (parent = last assistant id).
    conv.parent_message_id = Some(42);
    conv.turns = 1;
    let r = widget_turn(
        a,
        BackendKind::Onyx,
        &opts,
        &mut conv,
        "What plans are there?",
        &[],
    )
    .await;
    let ev = decode(BackendKind::Onyx, &r);
    assert!(ev.contains(&ChatEvent::MessageIds {
        user: Some(43),
        assistant: Some(44)
    }));
    assert!(text_of(&ev).contains("| Plan | Price |"), "a table");

    // A parent that is no longer on the mainline.
    let sid = conv.session_id.clone().unwrap();
    // Regenerating the second answer (parent = its user message 43) moves 44 off the mainline.
    let body = json!({"message": "x", "chat_session_id": sid, "parent_message_id": 44}).to_string();
    post(
        a,
        "/api/chat/send-chat-message",
        &json!({"message": "regen", "chat_session_id": sid, "parent_message_id": 43}).to_string(),
    )
    .await;
    let r = post(a, "/api/chat/send-chat-message", &body).await;
    assert_eq!(
        r.lines(),
        [
            r#"{"error": "The new message sent is not on the latest mainline of messages", "stack_trace": null, "error_code": "VALIDATION_ERROR", "is_retryable": false, "details": null}"#
        ]
    );

    // Filters restrict what is retrieved: a billing question in the Developers set finds nothing.
    let mut dev = opts.clone();
    dev.document_sets = vec!["Developers".into()];
    dev.model = None;
    let mut c2 = Conversation::default();
    let r = widget_turn(
        a,
        BackendKind::Onyx,
        &dev,
        &mut c2,
        "Can I get a refund?",
        &[],
    )
    .await;
    let ev = decode(BackendKind::Onyx, &r);
    assert!(!ev.iter().any(|e| matches!(e, ChatEvent::Citation { .. })));
    assert!(text_of(&ev).starts_with("I couldn't find that in the Lumen Notes help centre"));
    for (field, value, expect) in [
        ("source_type", json!(["confluence"]), "LN-024"),
        (
            "tags",
            json!([{"tag_key": "audience", "tag_value": "admin"}]),
            "LN-024",
        ),
    ] {
        let body =
            json!({"message": "single sign-on SAML", "internal_search_filters": {field: value}});
        let r = post(a, "/api/chat/send-chat-message", &body.to_string()).await;
        let docs = &r.json_lines()[4]["obj"]["documents"];
        assert_eq!(docs[0]["document_id"], json!(expect));
    }
    let body = json!({"message": "single sign-on SAML", "internal_search_filters": {"source_type": ["web"]}});
    let r = post(a, "/api/chat/send-chat-message", &body.to_string()).await;
    assert!(r.json_lines()[4]["obj"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["source_type"] == "web"));
    let body = json!({"message": "refund", "internal_search_filters": {"time_cutoff": "2026-06-01T00:00:00Z"}});
    let r = post(a, "/api/chat/send-chat-message", &body.to_string()).await;
    assert!(!r.text().contains("LN-016"));
    srv.shutdown().await;
}

#[tokio::test]
async fn onyx_non_streaming_and_no_citations() {
    let srv = start().await;
    let a = srv.addr;
    let body = json!({"message": "How do I turn on two-factor authentication?", "stream": false,
        "llm_override": {"model_provider": "anthropic", "model_version": "claude-x"}});
    let r = post(a, "/api/chat/send-chat-message", &body.to_string()).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    for k in [
        "answer",
        "answer_citationless",
        "pre_answer_reasoning",
        "tool_calls",
        "top_documents",
        "citation_info",
        "message_id",
        "chat_session_id",
        "incognito",
        "error_msg",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    assert_eq!(
        v["citation_info"][0],
        json!({"type": "citation_info", "citation_number": 1, "document_id": "LN-019"})
    );
    assert!(v["answer"]
        .as_str()
        .unwrap()
        .contains("[[1]](https://help.lumen.example/security/two-factor)"));
    assert!(!v["answer_citationless"].as_str().unwrap().contains("[["));
    assert!(
        v["tool_calls"][0]["tool_result"].is_string(),
        "tool_result is a required string"
    );
    assert!(v["answer"]
        .as_str()
        .unwrap()
        .ends_with("_(model: anthropic/claude-x)_"));
    let mut o = opts(a);
    o.stream = false;
    let mut conv = Conversation::default();
    let r = widget_turn(a, BackendKind::Onyx, &o, &mut conv, "two-factor", &[]).await;
    let ev = decode(BackendKind::Onyx, &r);
    assert!(ev.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-019".into()
    }));

    let body = json!({"message": "How do I turn on two-factor authentication?", "include_citations": false});
    let r = post(a, "/api/chat/send-chat-message", &body.to_string()).await;
    assert!(!r.packet_types().contains(&"citation_info".to_string()));
    assert!(!r.text().contains("[[1]]"));
    // Both session fields, or an unknown session.
    let r = post(
        a,
        "/api/chat/send-chat-message",
        r#"{"message": "x", "chat_session_id": "a", "chat_session_info": {"persona_id": 0}}"#,
    )
    .await;
    assert_eq!(r.status, 422);
    let v = r.json();
    assert_eq!((&v["status_code"], &v["data"]), (&json!(422), &json!(null)));
    assert!(v["message"]
        .as_str()
        .unwrap()
        .contains("Only one of chat_session_id or chat_session_info should be provided"));
    let r = post(
        a,
        "/api/chat/send-chat-message",
        r#"{"message": "x", "chat_session_id": "nope"}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.text(),
        "{\"error\": \"Invalid Chat Session ID provided\", \"stack_trace\": null, \"error_code\": \"VALIDATION_ERROR\", \"is_retryable\": true, \"details\": null}\n"
    );
    let r = post(a, "/api/chat/send-chat-message", r#"{"stream": true}"#).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.text(),
        r#"{"detail":[{"type":"missing","loc":["body","message"],"msg":"Field required","input":{"stream":true}}]}"#
    );
    srv.shutdown().await;
}

#[tokio::test]
async fn stop_chat_session_cancels_the_stream() {
    let srv = start().await;
    let a = srv.addr;
    let sid = post(a, "/api/chat/create-chat-session", "{}").await.json()["chat_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let body =
        json!({"message": "How do I organise notes into notebooks?", "chat_session_id": sid})
            .to_string();
    let mut s = open(
        a,
        "POST",
        "/api/chat/send-chat-message",
        &[("x-sherpa-fault", "pace=40")],
        Some(&body),
    )
    .await;
    let head = s.read_until("message_delta").await;
    let path = format!("/api/chat/stop-chat-session/{sid}");
    // Anonymous users may chat but not stop; an API key may.
    let r = post(a, &path, "").await;
    assert_eq!(r.status, 403);
    let r = request(
        a,
        "POST",
        &path,
        &[("Authorization", "Bearer on_key")],
        Some(""),
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), r#"{"message":"Chat session stopped"}"#);
    let rest = s.finish().await;
    assert!(rest.complete);
    let all = [head, rest.body].concat();
    let text = String::from_utf8(all).unwrap();
    assert!(text.ends_with("{\"placement\": {\"turn_index\": 0, \"tab_index\": 0, \"sub_turn_index\": null, \"model_index\": null}, \"obj\": {\"type\": \"stop\", \"stop_reason\": \"user_cancelled\"}}\n"), "{text}");
    assert!(!text.contains("\"stop_reason\": null"));
    let resp = Resp {
        status: 200,
        headers: vec![],
        body: text.into_bytes(),
        chunks: vec![],
        complete: true,
    };
    let ev = decode(BackendKind::Onyx, &resp);
    assert_eq!(ev.last(), Some(&ChatEvent::Done(StopReason::Stopped)));
    srv.shutdown().await;
}

#[tokio::test]
async fn feedback_and_recorded_requests() {
    let srv = start().await;
    let a = srv.addr;
    let r = request(
        a,
        "POST",
        "/api/chat/send-chat-message",
        &[("Authorization", "Bearer on_key")],
        Some(r#"{"message": "webhooks"}"#),
    )
    .await;
    assert_eq!(r.status, 200);
    let fb = json!({"chat_message_id": 42, "is_positive": true, "feedback_text": null, "predefined_feedback": null});
    let r = post(a, "/api/chat/create-chat-message-feedback", &fb.to_string()).await;
    assert_eq!((r.status, r.text().as_str()), (200, "null"));
    assert_eq!(get(a, "/api/_test/feedback").await.json(), json!([fb]));
    let r = post(
        a,
        "/api/chat/create-chat-message-feedback",
        r#"{"chat_message_id": 9999, "is_positive": false}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = post(
        a,
        "/api/chat/create-chat-message-feedback",
        r#"{"chat_message_id": 42}"#,
    )
    .await;
    assert_eq!(r.status, 400);

    let reqs = get(a, "/api/_test/requests").await.json();
    let first = &reqs[0];
    assert_eq!(first["path"], json!("/api/chat/send-chat-message"));
    assert_eq!(first["method"], json!("POST"));
    assert_eq!(first["body"], json!({"message": "webhooks"}));
    assert_eq!(
        first["headers"]["authorization"],
        json!("Bearer [redacted]")
    );
    assert_eq!(reqs.as_array().unwrap().len(), 4);
    assert_eq!(
        request(a, "DELETE", "/api/_test/requests", &[], None)
            .await
            .status,
        204
    );
    assert_eq!(get(a, "/api/_test/requests").await.json(), json!([]));
    srv.shutdown().await;
}

fn legacy_body(sid: &str, message: &str) -> Value {
    json!({"chat_session_id": sid, "parent_message_id": null, "message": message, "file_descriptors": [],
        "prompt_id": null, "search_doc_ids": null,
        "retrieval_options": {"run_search": "always", "real_time": true, "filters": {}}})
}

#[tokio::test]
async fn legacy_validation() {
    let srv = start().await;
    let a = srv.addr;
    let r = post(a, "/api/chat/send-message", r#"{"message":"hi","chat_session_id":"x","parent_message_id":null,"file_descriptors":[],"search_doc_ids":null,"retrieval_options":null}"#).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        r.text(),
        // `input` echoes the body as received, keys in the client's order (a Python dict).
        r#"{"detail":[{"type":"missing","loc":["body","prompt_id"],"msg":"Field required","input":{"message":"hi","chat_session_id":"x","parent_message_id":null,"file_descriptors":[],"search_doc_ids":null,"retrieval_options":null}}]}"#
    );
    let mut body = legacy_body("x", "hi");
    body["retrieval_options"] = Value::Null;
    let r = post(a, "/api/chat/send-message", &body.to_string()).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["type"], json!("value_error"));
    let r = request(
        a,
        "POST",
        "/api/chat/send-message",
        &[("Authorization", "Bearer on_bad")],
        Some(&legacy_body("x", "hi").to_string()),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = post(a, "/api/chat/send-message", "{not json").await;
    assert_eq!(r.status, 422);
    assert_eq!(r.json()["detail"][0]["type"], json!("json_invalid"));
    srv.shutdown().await;
}

#[tokio::test]
async fn legacy_streams_in_three_dialects() {
    let srv = start().await;
    let a = srv.addr;
    let sid = post(a, "/api/chat/create-chat-session", r#"{"persona_id": 0}"#)
        .await
        .json()["chat_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post(
        a,
        "/api/chat/send-message",
        &legacy_body(&sid, "How do I share a notebook?").to_string(),
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json_lines();
    assert_eq!(
        r.lines()[0],
        r#"{"user_message_id": 41, "reserved_assistant_message_id": 42}"#
    );
    assert_eq!(v[1]["tool_name"], json!("run_search"));
    assert_eq!(v[2]["top_documents"][0]["db_doc_id"], json!(312));
    assert_eq!(v[2]["predicted_flow"], json!("question-answer"));
    assert!(v[3].get("llm_selected_doc_indices").is_some());
    let ci = v
        .iter()
        .position(|x| x.get("citation_num").is_some())
        .unwrap();
    assert_eq!(
        v[ci + 1]["answer_piece"],
        json!(" [[1]](https://help.lumen.example/collaboration/sharing)")
    );
    let n = v.len();
    assert_eq!(
        r.lines()[n - 3],
        r#"{"stop_reason": "FINISHED", "stream_type": "main_answer", "level": null, "level_question_num": null}"#
    );
    assert_eq!(v[n - 2]["citations"][0]["document_id"], json!("LN-013"));
    assert_eq!(v[n - 1]["message_id"], json!(42));
    assert_eq!(v[n - 1]["citations"], json!({"1": 312}));
    let ev = decode(BackendKind::OnyxLegacy, &r);
    assert!(ev.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-013".into()
    }));
    assert_eq!(ev.last(), Some(&ChatEvent::Done(StopReason::Finished)));

    // Second turn via the widget's own request builder: parent = last assistant id.
    let mut conv = Conversation {
        session_id: Some(sid.clone()),
        parent_message_id: Some(42),
        turns: 1,
    };
    let r = widget_turn(
        a,
        BackendKind::OnyxLegacy,
        &opts(a),
        &mut conv,
        "Tell me about comments",
        &[],
    )
    .await;
    assert!(r.lines()[0].contains("\"user_message_id\": 43"));

    // Packet v1 by header, packet v2 by query.
    let mut body = legacy_body(&sid, "refund");
    body["parent_message_id"] = json!(44);
    let r = request(
        a,
        "POST",
        "/api/chat/send-message",
        &[("x-sherpa-dialect", "v1")],
        Some(&body.to_string()),
    )
    .await;
    let v = r.json_lines();
    assert_eq!(
        v[1],
        json!({"ind": 1, "obj": {"type": "internal_search_tool_start", "is_internet_search": false}})
    );
    assert!(v.iter().any(|x| x["obj"]["type"] == "citation_delta"));
    assert_eq!(
        v.last().unwrap(),
        &json!({"ind": 4, "obj": {"type": "stop"}})
    );
    let ev = decode(BackendKind::OnyxLegacy, &r);
    assert!(ev.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-016".into()
    }));
    assert_eq!(ev.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    body["parent_message_id"] = json!(46);
    let r = post(a, "/api/chat/send-message?dialect=v2", &body.to_string()).await;
    assert!(r.packet_types().contains(&"citation_info".to_string()));
    assert_eq!(
        decode(BackendKind::OnyxLegacy, &r).last(),
        Some(&ChatEvent::Done(StopReason::Finished))
    );
    // Packet v1 by fault-path item (what a widget can do: it sets neither headers nor query).
    body["parent_message_id"] = json!(48);
    let r = post(
        a,
        "/f/dialect=v1,pace=0/api/chat/send-message",
        &body.to_string(),
    )
    .await;
    assert!(
        r.lines()[1].starts_with(r#"{"ind": 1,"#),
        "{}",
        r.lines()[1]
    );
    body["parent_message_id"] = json!(50);
    let r = post(
        a,
        "/f/dialect%3Dv2/api/chat/send-message",
        &body.to_string(),
    )
    .await;
    assert!(r.packet_types().contains(&"citation_info".to_string()));
    srv.shutdown().await;

    let srv = start_with(|c| c.legacy_dialect = sherpa_devserver::Dialect::V1).await;
    let a = srv.addr;
    let sid = post(a, "/api/chat/create-chat-session", "{}").await.json()["chat_session_id"]
        .as_str()
        .unwrap()
        .to_string();
    let r = post(
        a,
        "/api/chat/send-message",
        &legacy_body(&sid, "refund").to_string(),
    )
    .await;
    assert!(r.lines()[1].starts_with(r#"{"ind": 1,"#));
    srv.shutdown().await;
}

#[tokio::test]
async fn simple_api() {
    let srv = start().await;
    let a = srv.addr;
    let r = post(
        a,
        "/api/chat/send-message-simple-api",
        r#"{"message": "Where can I download my invoices?", "persona_id": 0}"#,
    )
    .await;
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["cited_documents"]["1"], json!("LN-017"));
    assert!(v["answer"]
        .as_str()
        .unwrap()
        .contains("[[1]](https://help.lumen.example/billing/invoices)"));
    assert_eq!(v["top_documents"][0]["db_doc_id"], json!(316));
    for k in [
        "answer_citationless",
        "error_msg",
        "message_id",
        "llm_selected_doc_indices",
        "final_context_doc_indices",
        "llm_chunks_indices",
        "agent_sub_questions",
        "chat_session_id",
    ] {
        assert!(v.get(k).is_some(), "{k}");
    }
    let ev = decode(BackendKind::OnyxSimple, &r);
    assert!(ev.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-017".into()
    }));
    let r = request(
        a,
        "POST",
        "/api/chat/send-message-simple-api",
        &[("x-sherpa-dialect", "citation-info")],
        Some(r#"{"message": "invoices", "persona_id": 0}"#),
    )
    .await;
    let v = r.json();
    assert!(v.get("cited_documents").is_none());
    assert_eq!(v["citation_info"][0]["document_id"], json!("LN-017"));
    let ev = decode(BackendKind::OnyxSimple, &r);
    assert!(ev.contains(&ChatEvent::Citation {
        number: 1,
        document_id: "LN-017".into()
    }));
    // The widget's own request.
    let mut conv = Conversation::default();
    let r = widget_turn(
        a,
        BackendKind::OnyxSimple,
        &opts(a),
        &mut conv,
        "student discount",
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(text_of(&decode(BackendKind::OnyxSimple, &r)).contains("Students and teachers"));
    // Filters and errors.
    let r = post(a, "/api/chat/send-message-simple-api", r#"{"message": "invoices", "persona_id": 0, "retrieval_options": {"filters": {"document_set": ["Developers"]}}}"#).await;
    assert_eq!(r.json()["cited_documents"], json!({}));
    let r = post(
        a,
        "/api/chat/send-message-simple-api",
        r#"{"message": "x"}"#,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (
            400,
            r#"{"detail":"Either chat_session_id or persona_id must be provided"}"#
        )
    );
    let r = post(
        a,
        "/api/chat/send-message-simple-api",
        r#"{"message": "", "persona_id": 0}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    srv.shutdown().await;
}

#[tokio::test]
async fn odyssey() {
    let srv = start().await;
    let a = srv.addr;
    let body = r#"{"workspaceId": "demo", "conversationId": "c1", "message": "Can several people edit a note at the same time?"}"#;
    let call = |headers: Vec<(&'static str, &'static str)>, body: &'static str| async move {
        request(a, "POST", "/api/chat/message", &headers, Some(body)).await
    };
    let r = call(vec![("userId", "u1")], body).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (403, r#"{"error":{"message":"API key is required"}}"#)
    );
    let r = call(vec![("x-api-key", "od_bad"), ("userId", "u1")], body).await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (403, r#"{"error":{"message":"Invalid API key"}}"#)
    );
    let r = call(vec![("x-api-key", "k")], body).await;
    assert_eq!(r.status, 403);
    let r = call(
        vec![("x-api-key", "k"), ("userId", "u1")],
        r#"{"conversationId": "c1", "message": "x"}"#,
    )
    .await;
    assert_eq!(
        (r.status, r.text().as_str()),
        (400, r#"{"error":"workspaceId is required"}"#)
    );
    let r = call(
        vec![("x-api-key", "k"), ("userId", "u1")],
        r#"{"workspaceId": "demo", "message": "x"}"#,
    )
    .await;
    assert_eq!(r.status, 400);
    let r = call(
        vec![("x-api-key", "k"), ("userId", "u1")],
        r#"{"workspaceId": "nope", "conversationId": "c1", "message": "x"}"#,
    )
    .await;
    assert_eq!(r.status, 404);
    assert!(r.json()["error"]["message"].is_string());
    let r = call(vec![("x-api-key", "k"), ("userId", "u1")], body).await;
    assert_eq!(r.status, 200);
    let d = &r.json()["data"];
    assert_eq!(d["type"], json!("response"));
    assert!(d["response"]
        .as_str()
        .unwrap()
        .contains("cursor shows their name"));
    assert!(!d["response"].as_str().unwrap().contains("[["));
    let qs = d["followUps"]["questions"].as_array().unwrap();
    assert!((2..=3).contains(&qs.len()), "{qs:?}");
    assert_eq!(
        d["sourceSnips"][0]["url"],
        json!("https://help.lumen.example/collaboration/comments")
    );
    for k in [
        "chunkid",
        "content",
        "displaytext",
        "filename",
        "filetype",
        "url",
    ] {
        assert!(d["sourceSnips"][0].get(k).is_some(), "{k}");
    }
    assert_eq!(d["stepsBreakdown"][0]["type"], json!("rag"));

    let mut o = opts(a);
    o.api_key = Some("od_key".into());
    o.user_id = Some("user-1".into());
    o.workspace_id = Some("ws-demo".into());
    let mut conv = Conversation::default();
    let r = widget_turn(
        a,
        BackendKind::Odyssey,
        &o,
        &mut conv,
        "How do I reset my password?",
        &[],
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let ev = decode(BackendKind::Odyssey, &r);
    assert!(text_of(&ev).contains("Forgot password"));
    assert!(ev
        .iter()
        .any(|e| matches!(e, ChatEvent::FollowUps(q) if q.len() >= 2)));
    assert!(ev
        .iter()
        .any(|e| matches!(e, ChatEvent::Documents(d) if !d.is_empty())));
    srv.shutdown().await;
}

#[tokio::test]
async fn test_endpoints_need_the_flag() {
    let srv = common::start_with(|c| c.test_endpoints = false).await;
    let a = srv.addr;
    for path in ["/api/_test/requests", "/api/_test/feedback"] {
        assert_eq!(get(a, path).await.status, 404, "{path}");
    }
    assert_eq!(post(a, "/api/_test/reset", "").await.status, 404);
    srv.shutdown().await;
}

#[tokio::test]
async fn rejected_bodies_are_not_recorded() {
    let srv = start().await;
    let a = srv.addr;
    // Above the 2 MiB the handlers accept: refused before it is recorded.
    let big = format!(r#"{{"message": "{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let r = post(a, "/api/chat/send-chat-message", &big).await;
    assert_eq!(r.status, 413);
    assert_eq!(get(a, "/api/_test/requests").await.json(), json!([]));
    srv.shutdown().await;
}

#[tokio::test]
async fn a_stalled_body_gets_408_and_the_connection_closes() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = start_with(|c| c.body_timeout = std::time::Duration::from_millis(200)).await;
    let mut sock = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    // Promises 100 bytes, sends 10, then stalls.
    let head = "POST /api/chat/send-chat-message HTTP/1.1\r\nHost: x\r\n\
                Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"message\"";
    sock.write_all(head.as_bytes()).await.unwrap();
    let mut out = Vec::new();
    // read_to_end ends only when the server closes the connection.
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sock.read_to_end(&mut out),
    )
    .await
    .expect("the server closed the stalled connection")
    .unwrap();
    let text = String::from_utf8_lossy(&out);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    srv.shutdown().await;
}

#[tokio::test]
async fn a_slow_request_head_is_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let srv = start_with(|c| c.header_timeout = std::time::Duration::from_millis(200)).await;
    let mut sock = tokio::net::TcpStream::connect(srv.addr).await.unwrap();
    // Half a request head, then nothing.
    sock.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut out = Vec::new();
    // read_to_end ends only when the server closes the connection.
    tokio::time::timeout(
        std::time::Duration::from_secs(10),
        sock.read_to_end(&mut out),
    )
    .await
    .expect("the server closed the slow connection")
    .ok();
    // A complete request on a fresh connection is still served.
    assert_eq!(get(srv.addr, "/api/persona/0").await.status, 200);
    srv.shutdown().await;
}

/// A "why" question streams reasoning first (turn 0), as a reasoning model does; the widget's
/// decoder reads it as reasoning, apart from the answer. Other questions have none.
#[tokio::test]
async fn why_questions_stream_reasoning_before_the_search() {
    let srv = start().await;
    let a = srv.addr;
    let r = post(
        a,
        "/api/chat/send-chat-message",
        r#"{"message": "Why are my notes not syncing?", "parent_message_id": null}"#,
    )
    .await;
    let types = r.packet_types();
    let start = types
        .iter()
        .position(|t| t == "reasoning_start")
        .expect("reasoning");
    let done = types
        .iter()
        .position(|t| t == "reasoning_done")
        .expect("done");
    let search = types.iter().position(|t| t == "search_tool_start").unwrap();
    assert!(start < done && done < search, "{types:?}");
    assert!(types[start + 1..done]
        .iter()
        .all(|t| t == "reasoning_delta"));
    assert!(done - start > 2, "several deltas");
    let vals = r.json_lines();
    assert_eq!(vals[start]["placement"]["turn_index"], json!(0));
    assert_eq!(vals[search]["placement"]["turn_index"], json!(1));
    let events = decode(BackendKind::Onyx, &r);
    let reasoning: String = events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Reasoning(t) => Some(t.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        reasoning.contains("Why are my notes not syncing?"),
        "{reasoning}"
    );
    assert!(!text_of(&events).is_empty());
    let plain = post(
        a,
        "/api/chat/send-chat-message",
        r#"{"message": "Can I get a refund?", "parent_message_id": null}"#,
    )
    .await;
    assert!(!plain
        .packet_types()
        .iter()
        .any(|t| t.starts_with("reasoning")));
}
