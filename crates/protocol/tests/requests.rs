//! Requests checked field by field against protocols.md for every backend.

use serde_json::{json, Value};
use sherpa_protocol::backend::{advance, new_conversation_id, Feedback, Tag};
use sherpa_protocol::{BackendKind, BackendOptions, ChatEvent, Conversation, HttpRequest};

fn body(req: &HttpRequest) -> Value {
    serde_json::from_str(req.body.as_deref().expect("a body")).expect("JSON body")
}

fn opts() -> BackendOptions {
    BackendOptions {
        api_base: "https://onyx.example.com/api/".into(),
        api_key: Some("on_key".into()),
        persona_id: Some(3),
        include_citations: true,
        ..BackendOptions::default()
    }
}

fn filtered() -> BackendOptions {
    BackendOptions {
        document_sets: vec!["Support".into()],
        source_types: vec!["confluence".into(), "web".into()],
        tags: vec![Tag {
            key: "lang".into(),
            value: "en".into(),
        }],
        time_cutoff: Some("2026-01-01T00:00:00Z".into()),
        model: Some(("openai".into(), "gpt-4o".into())),
        ..opts()
    }
}

fn expected_filters() -> Value {
    json!({
        "source_type": ["confluence", "web"],
        "document_set": ["Support"],
        "time_cutoff": "2026-01-01T00:00:00Z",
        "tags": [{"tag_key": "lang", "tag_value": "en"}],
    })
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v
        .as_object()
        .expect("object")
        .keys()
        .map(String::as_str)
        .collect();
    k.sort_unstable();
    k
}

#[test]
fn defaults_keep_streaming_on() {
    let o = BackendOptions::default();
    assert!(o.stream);
    assert!(!o.include_citations);
    assert!(!o.has_filters());
}

#[test]
fn onyx_session_and_message() {
    let a = BackendKind::Onyx.adapter();
    let conv = Conversation::default();
    let s = a.session_request(&opts(), &conv).expect("session request");
    assert_eq!(s.method, "POST");
    assert_eq!(
        s.url,
        "https://onyx.example.com/api/chat/create-chat-session"
    );
    assert_eq!(s.header("authorization"), Some("Bearer on_key"));
    assert_eq!(s.header("content-type"), Some("application/json"));
    assert_eq!(body(&s), json!({"persona_id": 3, "description": null}));
    assert_eq!(
        a.parse_session(br#"{"chat_session_id": "abc", "incognito": false}"#)
            .map_err(|e| e.code),
        Err(Some("bad_session".into())),
        "an id that is neither a UUID nor an integer is refused"
    );
    assert_eq!(
        a.parse_session(format!(r#"{{"chat_session_id": "{UUID}"}}"#).as_bytes()),
        Ok(UUID.into())
    );
    assert_eq!(
        a.parse_session(br#"{"chat_session_id": 17}"#),
        Ok("17".into())
    );
    let err = a.parse_session(b"<!DOCTYPE html><html>").expect_err("html");
    assert!(err.message.contains("data-api-base"));
    assert!(a.parse_session(b"{}").is_err());

    let conv = Conversation {
        session_id: Some("abc".into()),
        ..Conversation::default()
    };
    assert!(a.session_request(&opts(), &conv).is_none());
    let r = a.message_request(&opts(), &conv, "Hi there");
    assert_eq!(r.url, "https://onyx.example.com/api/chat/send-chat-message");
    assert_eq!(r.header("authorization"), Some("Bearer on_key"));
    let b = body(&r);
    assert_eq!(
        b,
        json!({
            "message": "Hi there",
            "chat_session_id": "abc",
            "parent_message_id": -1,
            "origin": "widget",
            "include_citations": true,
            "stream": true,
        })
    );
}

#[test]
fn onyx_filters_model_stream_false_and_no_session() {
    let a = BackendKind::Onyx.adapter();
    let o = BackendOptions {
        stream: false,
        include_citations: false,
        ..filtered()
    };
    let r = a.message_request(&o, &Conversation::default(), "q");
    let b = body(&r);
    assert_eq!(b["internal_search_filters"], expected_filters());
    assert_eq!(
        b["llm_override"],
        json!({"model_provider": "openai", "model_version": "gpt-4o"})
    );
    assert_eq!(b["stream"], json!(false));
    assert_eq!(b["include_citations"], json!(false));
    // No session yet: the persona goes in chat_session_info, never both.
    assert_eq!(b["chat_session_info"], json!({"persona_id": 3}));
    assert!(b.get("chat_session_id").is_none());
}

#[test]
fn onyx_parent_chaining_over_two_turns() {
    let a = BackendKind::Onyx.adapter();
    let mut conv = Conversation::default();
    for ev in [
        ChatEvent::Session { id: "s1".into() },
        ChatEvent::MessageIds {
            user: Some(41),
            assistant: Some(42),
        },
    ] {
        advance(&mut conv, &ev);
    }
    let b = body(&a.message_request(&opts(), &conv, "second"));
    assert_eq!(b["chat_session_id"], json!("s1"));
    assert_eq!(b["parent_message_id"], json!(42));
    advance(
        &mut conv,
        &ChatEvent::MessageIds {
            user: Some(43),
            assistant: Some(44),
        },
    );
    let b = body(&a.message_request(&opts(), &conv, "third"));
    assert_eq!(b["parent_message_id"], json!(44));
}

#[test]
fn onyx_stop_and_feedback() {
    let a = BackendKind::Onyx.adapter();
    assert!(a.stop_request(&opts(), &Conversation::default()).is_none());
    let conv = Conversation {
        session_id: Some(UUID.into()),
        ..Conversation::default()
    };
    let s = a.stop_request(&opts(), &conv).expect("stop");
    assert_eq!(
        s.url,
        format!("https://onyx.example.com/api/chat/stop-chat-session/{UUID}")
    );
    assert_eq!(s.method, "POST");
    let f = a
        .feedback_request(&opts(), 42, &Feedback::thumb(true))
        .expect("feedback");
    assert_eq!(
        f.url,
        "https://onyx.example.com/api/chat/create-chat-message-feedback"
    );
    let b = body(&f);
    assert_eq!(b["chat_message_id"], json!(42));
    assert_eq!(b["is_positive"], json!(true));
    assert_eq!(b["feedback_text"], json!(null));
    assert_eq!(b["predefined_feedback"], json!(null));
    let down = Feedback {
        positive: false,
        reason: Some("Not accurate".into()),
        comment: Some("The export menu moved".into()),
    };
    let b = body(&a.feedback_request(&opts(), 42, &down).expect("feedback"));
    assert_eq!(b["is_positive"], json!(false));
    assert_eq!(b["predefined_feedback"], json!("Not accurate"));
    assert_eq!(b["feedback_text"], json!("The export menu moved"));
}

#[test]
fn legacy_body_has_every_required_key() {
    let a = BackendKind::OnyxLegacy.adapter();
    let s = a
        .session_request(&opts(), &Conversation::default())
        .expect("legacy needs a session first");
    assert_eq!(
        s.url,
        "https://onyx.example.com/api/chat/create-chat-session"
    );
    assert_eq!(body(&s)["persona_id"], json!(3));

    let mut conv = Conversation {
        session_id: Some("uuid-1".into()),
        ..Conversation::default()
    };
    let r = a.message_request(&opts(), &conv, "Refunds?");
    assert_eq!(r.url, "https://onyx.example.com/api/chat/send-message");
    assert_eq!(r.header("authorization"), Some("Bearer on_key"));
    let b = body(&r);
    // Required by CreateChatMessageRequest (pydantic: no default = required, even if nullable).
    for key in [
        "chat_session_id",
        "parent_message_id",
        "message",
        "file_descriptors",
        "prompt_id",
        "search_doc_ids",
        "retrieval_options",
    ] {
        assert!(b.get(key).is_some(), "missing {key}");
    }
    assert_eq!(b["chat_session_id"], json!("uuid-1"));
    assert_eq!(b["parent_message_id"], Value::Null);
    assert_eq!(b["message"], json!("Refunds?"));
    assert_eq!(b["file_descriptors"], json!([]));
    assert_eq!(b["prompt_id"], Value::Null);
    assert_eq!(b["search_doc_ids"], Value::Null);
    // The validator refuses search_doc_ids and retrieval_options both null.
    let ro = &b["retrieval_options"];
    assert!(ro.is_object());
    assert_eq!(ro["run_search"], json!("auto"));
    assert_eq!(ro["real_time"], json!(true));
    assert_eq!(
        ro["filters"],
        json!({"source_type": null, "document_set": null, "time_cutoff": null, "tags": null})
    );
    assert!(b.get("llm_override").is_none());
    assert!(
        b.get("origin").is_none(),
        "older servers may reject an unknown origin"
    );
    assert_eq!(b["include_citations"], json!(true));

    // Filters and model.
    let b = body(&a.message_request(&filtered(), &conv, "q"));
    assert_eq!(b["retrieval_options"]["filters"], expected_filters());
    assert_eq!(
        b["llm_override"],
        json!({"model_provider": "openai", "model_version": "gpt-4o"})
    );

    // Parent chaining over two turns: from the ids line, then from the final ChatMessageDetail.
    let events = decode_all(
        BackendKind::OnyxLegacy,
        b"{\"user_message_id\": 41, \"reserved_assistant_message_id\": 42}\n{\"answer_piece\": \"a\"}\n{\"message_id\": 42, \"parent_message\": 41, \"message_type\": \"assistant\", \"message\": \"a\", \"error\": null}\n",
    );
    for e in &events {
        advance(&mut conv, e);
    }
    assert_eq!(
        body(&a.message_request(&opts(), &conv, "2"))["parent_message_id"],
        json!(42)
    );
    // A turn whose detail names a different final id (e.g. the reserved id was not used).
    let events = decode_all(
        BackendKind::OnyxLegacy,
        b"{\"answer_piece\": \"b\"}\n{\"message_id\": 45, \"parent_message\": 44, \"message_type\": \"assistant\", \"error\": null}\n",
    );
    assert!(events.contains(&ChatEvent::MessageIds {
        user: Some(44),
        assistant: Some(45)
    }));
    for e in &events {
        advance(&mut conv, e);
    }
    assert_eq!(
        body(&a.message_request(&opts(), &conv, "3"))["parent_message_id"],
        json!(45)
    );
}

#[test]
fn simple_api_body() {
    let a = BackendKind::OnyxSimple.adapter();
    let s = a
        .session_request(&opts(), &Conversation::default())
        .expect("session");
    assert_eq!(
        s.url,
        "https://onyx.example.com/api/chat/create-chat-session"
    );
    let conv = Conversation {
        session_id: Some("s9".into()),
        ..Conversation::default()
    };
    let r = a.message_request(&filtered(), &conv, "q");
    assert_eq!(
        r.url,
        "https://onyx.example.com/api/chat/send-message-simple-api"
    );
    assert_eq!(r.header("authorization"), Some("Bearer on_key"));
    let b = body(&r);
    assert_eq!(
        keys(&b),
        ["chat_session_id", "message", "retrieval_options"]
    );
    assert_eq!(b["chat_session_id"], json!("s9"));
    assert_eq!(b["retrieval_options"]["filters"], expected_filters());
    // Without a session the persona is sent instead (one of the two is required).
    let b = body(&a.message_request(&opts(), &Conversation::default(), "q"));
    assert_eq!(keys(&b), ["message", "persona_id", "retrieval_options"]);
    assert_eq!(b["persona_id"], json!(3));
}

#[test]
fn odyssey_headers_and_body() {
    let a = BackendKind::Odyssey.adapter();
    assert!(a.needs_client_conversation_id());
    assert!(!BackendKind::Onyx.adapter().needs_client_conversation_id());
    let o = BackendOptions {
        api_base: "https://odyssey.example.com/api".into(),
        api_key: Some("ody_key".into()),
        user_id: Some("user-7".into()),
        workspace_id: Some("ws-1".into()),
        agent_id: Some("agenframe".into()),
        ..BackendOptions::default()
    };
    let mut conv = Conversation::default();
    assert!(a.session_request(&o, &conv).is_none());
    let id = new_conversation_id([0xAB; 16]);
    conv.session_id = Some(id.clone());
    let r = a.message_request(&o, &conv, "Refunds?");
    assert_eq!(r.method, "POST");
    assert_eq!(r.url, "https://odyssey.example.com/api/chat/message");
    assert_eq!(r.header("x-api-key"), Some("ody_key"));
    assert_eq!(r.header("userid"), Some("user-7"));
    assert_eq!(r.header("authorization"), None);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        body(&r),
        json!({
            "workspaceId": "ws-1",
            "conversationId": id,
            "message": "Refunds?",
            "agentId": "agenframe",
            "isFirst": true,
        })
    );
    conv.turns = 1;
    let b = body(&a.message_request(
        &BackendOptions {
            agent_id: None,
            ..o.clone()
        },
        &conv,
        "more",
    ));
    assert_eq!(b["isFirst"], json!(false));
    assert!(b.get("agentId").is_none());
    // Without a conversation id the key is left out (the server then says it is required).
    let b = body(&a.message_request(&o, &Conversation::default(), "x"));
    assert!(b.get("conversationId").is_none());
}

#[test]
fn conversation_ids_are_uuid_v4() {
    let id = new_conversation_id([0xFF; 16]);
    assert_eq!(id, "ffffffff-ffff-4fff-bfff-ffffffffffff");
    let id = new_conversation_id([0; 16]);
    assert_eq!(id, "00000000-0000-4000-8000-000000000000");
}

#[test]
fn backend_names_round_trip() {
    for k in [
        BackendKind::Onyx,
        BackendKind::OnyxLegacy,
        BackendKind::OnyxSimple,
        BackendKind::Odyssey,
    ] {
        assert_eq!(BackendKind::parse(k.as_str()), Some(k));
    }
    assert_eq!(BackendKind::parse("nope"), None);
}

fn decode_all(kind: BackendKind, bytes: &[u8]) -> Vec<ChatEvent> {
    let mut d = kind.adapter().decoder(Some("text/event-stream"));
    let mut out = d.feed(bytes);
    out.extend(d.finish());
    out
}

#[test]
fn onyx_family_asks_for_persona_starters_and_odyssey_does_not() {
    use sherpa_protocol::backend::parse_starters;
    let opts = BackendOptions {
        api_base: "https://onyx.example.com/api/".into(),
        api_key: Some("on_key".into()),
        persona_id: Some(3),
        ..Default::default()
    };
    for kind in [
        BackendKind::Onyx,
        BackendKind::OnyxLegacy,
        BackendKind::OnyxSimple,
    ] {
        let req = kind.starters_request(&opts).expect("a persona request");
        assert_eq!(req.method, "GET");
        assert_eq!(req.url, "https://onyx.example.com/api/persona/3");
        assert_eq!(req.header("authorization"), Some("Bearer on_key"));
        assert_eq!(req.body, None);
    }
    assert!(BackendKind::Odyssey.starters_request(&opts).is_none());
    let body = br#"{"id": 3, "starter_messages": [{"name": "Export", "message": "How do I export?"}, {"name": "Sync", "message": ""}, {"bad": 1}]}"#;
    assert_eq!(parse_starters(body), vec!["How do I export?", "Sync"]);
    assert!(parse_starters(b"<html>").is_empty());
    assert!(parse_starters(br#"{"starter_messages": null}"#).is_empty());
}

const UUID: &str = "7b1c2f3e-0000-4000-8000-00000000000a";

/// Issue 18 item 1: a server-supplied session id never reaches a URL path unless it is a UUID
/// (or a decimal integer, as some forks send): a hostile one is refused before any request.
#[test]
fn hostile_session_ids_never_reach_a_path() {
    let hostile = [
        "../../../evil/admin-delete?all=1#",
        "7b1c2f3e-0000-4000-8000-00000000000a/../x",
        "7b1c2f3e-0000-4000-8000-00000000000a?x",
        "%2e%2e",
        "a b",
        "",
        "7b1c2f3e00004000800000000000000a",
        "-1",
    ];
    for kind in [BackendKind::Onyx, BackendKind::OnyxLegacy] {
        let a = kind.adapter();
        for id in hostile {
            let body = format!(
                r#"{{"chat_session_id": {}}}"#,
                serde_json::to_string(id).unwrap()
            );
            assert!(
                a.parse_session(body.as_bytes()).is_err(),
                "{kind:?} accepted {id:?}"
            );
            let conv = Conversation {
                session_id: Some(id.into()),
                ..Conversation::default()
            };
            assert!(
                a.stop_request(&opts(), &conv).is_none(),
                "{kind:?} stop with {id:?}"
            );
        }
        for good in [UUID, "7B1C2F3E-0000-4000-8000-00000000000A", "42"] {
            let conv = Conversation {
                session_id: Some(good.into()),
                ..Conversation::default()
            };
            let r = a.stop_request(&opts(), &conv).expect("stop");
            assert!(r.url.ends_with(&format!("/chat/stop-chat-session/{good}")));
        }
    }
    // A streamed packet's session id is dropped, not adopted, when it is not an id.
    let line = br#"{"chat_session_id": "../evil", "message_id": 1}"#;
    let mut d = BackendKind::Onyx.adapter().decoder(None);
    let mut evs = d.feed(line);
    evs.extend(d.finish());
    assert!(
        !evs.iter().any(|e| matches!(e, ChatEvent::Session { .. })),
        "{evs:?}"
    );
}
