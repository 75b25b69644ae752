//! Conformance streams of protocols.md §10 (1–15), fed whole, split at every point, and in
//! random chunkings; each must give the same events, and the expected ones.

mod common;

use common::*;
use proptest::prelude::*;
use sherpa_protocol::backend::{advance, Conversation};
use sherpa_protocol::errors::{http_error, is_failure, ResponseMeta};
use sherpa_protocol::{BackendKind, ChatEvent, Document, Status, StopReason};

const SSE: Option<&str> = Some("text/event-stream");
/// The Onyx-family adapters whose decoders must read every streamed Onyx format.
const STREAMERS: [BackendKind; 2] = [BackendKind::Onyx, BackendKind::OnyxLegacy];

fn v2_happy_events(first_text: &str) -> Vec<Expect> {
    vec![
        ev(ChatEvent::Session {
            id: "7b1c2f3e-0000-4000-8000-000000000001".into(),
        }),
        ev(ids(41, 42)),
        ev(searching(&[])),
        ev(searching(&["refund policy"])),
        ev(ChatEvent::Documents(vec![doc1()])),
        ev(answering()),
        ev(text(first_text)),
        ev(cite(1, "DOC-1")),
        ev(text(&format!(" {}", m(1)))),
        ev(ChatEvent::Done(StopReason::Finished)),
    ]
}

/// Checks a stream fixture on both streaming adapters: whole, every split, named chunkings.
fn conform(name: &str, want: &[Expect]) -> Vec<ChatEvent> {
    let bytes = fixture(name);
    let mut last = Vec::new();
    for kind in STREAMERS {
        let whole = decode(kind, SSE, &[&bytes]);
        expect_events(&whole, want, &format!("{name} via {kind:?}"));
        assert_eq!(
            decode(kind, None, &[&bytes]),
            whole,
            "{name}: no content type"
        );
        every_split(kind, SSE, &bytes, &whole, name);
        for size in [1, 2, 3, 7, 64] {
            assert_eq!(
                decode(kind, SSE, &fixed_chunks(&bytes, size)),
                whole,
                "{name}: {size}-byte chunks"
            );
        }
        last = whole;
    }
    last
}

#[test]
fn s01_v2_happy() {
    let bytes = fixture("01_v2_happy.ndjson");
    let got = conform(
        "01_v2_happy.ndjson",
        &v2_happy_events("Refunds are allowed within 30 days."),
    );
    // One line per chunk, as the spec delivers it.
    let lines: Vec<&[u8]> = bytes.split_inclusive(|&b| b == b'\n').collect();
    assert_eq!(decode(BackendKind::Onyx, SSE, &lines), got);
    // The conversation is chained from the stream.
    let mut conv = Conversation::default();
    for e in &got {
        advance(&mut conv, e);
    }
    assert_eq!(
        conv.session_id.as_deref(),
        Some("7b1c2f3e-0000-4000-8000-000000000001")
    );
    assert_eq!(conv.parent_message_id, Some(42));
}

#[test]
fn s01_without_stop_is_interrupted_and_keeps_text() {
    let bytes = fixture("01_v2_happy.ndjson");
    let stop_at = find(&bytes, br#"{"placement": {"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 0}, "obj": {"type": "stop""#);
    for cut in [stop_at, stop_at + 20] {
        let got = decode(BackendKind::Onyx, SSE, &[&bytes[..cut]]);
        let t = answer_text(&got);
        assert!(
            t.starts_with("Refunds are allowed within 30 days."),
            "{t:?}"
        );
        let err = last_error(&got);
        assert!(err.fatal && err.retryable, "{err:?}");
        assert_eq!(err.code.as_deref(), Some("interrupted"));
        assert!(!got.iter().any(|e| matches!(e, ChatEvent::Done(_))));
    }
}

#[test]
fn s02_v2_fragmented_escape_split() {
    let bytes = fixture("02_v2_fragmented.ndjson");
    let got = conform("02_v2_fragmented.ndjson", &v2_happy_events("Café"));
    assert_eq!(answer_text(&got), format!("Café {}", m(1)));
    // The three cuttings of the spec: 7-byte chunks, one chunk, and inside the escape.
    assert_eq!(
        decode(BackendKind::Onyx, SSE, &fixed_chunks(&bytes, 7)),
        got
    );
    assert_eq!(decode(BackendKind::Onyx, SSE, &[&bytes]), got);
    let at = find(&bytes, br"Caf\u00") + br"Caf\u00".len();
    assert_eq!(
        decode(BackendKind::Onyx, SSE, &[&bytes[..at], &bytes[at..]]),
        got
    );
}

#[test]
fn s03_raw_utf8_split() {
    let bytes = fixture("03_raw_utf8_split.ndjson");
    let want = [
        ev(answering()),
        ev(text("Café 😀")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    let got = conform("03_raw_utf8_split.ndjson", &want);
    let a = find(&bytes, b"Caf\xC3") + 4;
    let b = find(&bytes, b"\xF0\x9F\x98") + 3;
    assert_eq!(
        decode(
            BackendKind::Onyx,
            SSE,
            &[&bytes[..a], &bytes[a..b], &bytes[b..]]
        ),
        got
    );
}

#[test]
fn s04_v2_midstream_error_keeps_text() {
    let want = [
        ev(ids(41, 42)),
        ev(answering()),
        ev(text("Refunds are allowed")),
        Expect::Fatal {
            contains: "Rate limit exceeded for model gpt-x",
            retryable: true,
            code: "RATE_LIMIT",
        },
    ];
    conform("04_v2_midstream_error.ndjson", &want);
}

#[test]
fn s05_crash_line_without_newline() {
    let want = [
        ev(ids(41, 42)),
        ev(answering()),
        ev(text("Refunds are")),
        Expect::Fatal {
            contains: "Connection reset by peer",
            retryable: true,
            code: "stream_error",
        },
    ];
    conform("05_crash_no_newline.ndjson", &want);
}

#[test]
fn s06_heartbeat_and_tool_error_complete_normally() {
    let want = [
        ev(ids(41, 42)),
        ev(ChatEvent::Status(Status::RunningTool {
            name: Some("crm".into()),
        })),
        Expect::NonFatal { code: "tool_error" },
        ev(answering()),
        ev(text("All done.")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    conform("06_heartbeat_tool_error.ndjson", &want);
}

#[test]
fn s07_user_cancelled() {
    let want = [
        ev(ids(41, 42)),
        ev(answering()),
        ev(text("Partial")),
        ev(ChatEvent::Done(StopReason::Stopped)),
    ];
    conform("07_user_cancelled.ndjson", &want);
}

#[test]
fn s08_legacy_flat() {
    let want = [
        ev(ids(41, 42)),
        ev(searching(&["refund policy"])),
        ev(ChatEvent::Documents(vec![doc1()])),
        ev(answering()),
        ev(text("Refunds are allowed within 30 days.")),
        ev(cite(1, "DOC-1")),
        ev(text(&format!(" {}", m(1)))),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    let got = conform("08_legacy_flat.ndjson", &want);
    let mut conv = Conversation::default();
    for e in &got {
        advance(&mut conv, e);
    }
    assert_eq!(conv.parent_message_id, Some(42));
}

#[test]
fn s08_legacy_ends_at_stop_reason_or_detail_not_at_bare_eof() {
    let bytes = fixture("08_legacy_flat.ndjson");
    // Cut after the stop_reason line: finished.
    let after_stop = find(&bytes, b"{\"citations\"");
    let got = decode(BackendKind::OnyxLegacy, SSE, &[&bytes[..after_stop]]);
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    // Cut after the answer text, before stop_reason: interrupted.
    let before_stop = find(&bytes, b"{\"stop_reason\"");
    let got = decode(BackendKind::OnyxLegacy, SSE, &[&bytes[..before_stop]]);
    assert_eq!(last_error(&got).code.as_deref(), Some("interrupted"));
    assert_eq!(
        answer_text(&got),
        format!("Refunds are allowed within 30 days. {}", m(1))
    );
    // Only the ChatMessageDetail (no stop_reason): finished, ids from the detail.
    let detail = &bytes[find(&bytes, b"{\"message_id\"")..];
    let got = decode(BackendKind::OnyxLegacy, SSE, &[detail]);
    assert_eq!(got.first(), Some(&ids(41, 42)));
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    assert_eq!(
        answer_text(&got),
        format!("Refunds are allowed within 30 days. {}", m(1))
    );
}

#[test]
fn s09_packet_v1() {
    let want = [
        ev(ids(41, 42)),
        ev(searching(&[])),
        ev(searching(&["refund"])),
        ev(ChatEvent::Documents(vec![doc1()])),
        ev(answering()),
        ev(text(&format!("Yes {}", m(1)))),
        ev(cite(1, "DOC-1")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    conform("09_packet_v1.ndjson", &want);
}

#[test]
fn s10_true_sse() {
    let want = [
        ev(ids(41, 42)),
        ev(answering()),
        ev(text("Hi")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    conform("10_true_sse.txt", &want);
}

#[test]
fn s11_crlf_bom_blank_lines() {
    let want = [
        ev(ids(1, 2)),
        ev(answering()),
        ev(text("Hello")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    let bytes = fixture("11_crlf_bom_blank.ndjson");
    let got = conform("11_crlf_bom_blank.ndjson", &want);
    // CR at a chunk end with its LF in the next chunk; BOM split across chunks.
    for (i, w) in bytes.windows(2).enumerate() {
        if w == b"\r\n" {
            assert_eq!(
                decode(BackendKind::Onyx, SSE, &[&bytes[..=i], &bytes[i + 1..]]),
                got
            );
        }
    }
    assert_eq!(
        decode(
            BackendKind::Onyx,
            SSE,
            &[&bytes[..1], &bytes[1..2], &bytes[2..]]
        ),
        got
    );
    // Lone CR line ends work too.
    let cr: Vec<u8> = bytes.iter().copied().filter(|&b| b != b'\n').collect();
    every_split(BackendKind::Onyx, SSE, &cr, &got, "lone CR");
}

/// #12: a ~2 MB document line (2,000 documents with 1 KB blurbs) in 16 KB chunks.
fn long_line() -> Vec<u8> {
    let blurb = "x".repeat(1024);
    let docs: Vec<String> = (1..=2000)
        .map(|i| {
            format!(
                r#"{{"document_id": "DOC-{i}", "chunk_ind": 0, "semantic_identifier": "Refund policy", "link": "https://kb.example.com/refund", "blurb": "{blurb}", "source_type": "confluence", "boost": 0, "hidden": false, "metadata": {{}}, "score": 0.82, "is_relevant": null, "relevance_explanation": null, "match_highlights": [], "updated_at": "2026-05-01T10:00:00+00:00", "primary_owners": null, "secondary_owners": null, "is_internet": false, "file_id": null}}"#
            )
        })
        .collect();
    let mut bytes = format!(
        r#"{{"placement": {P0}, "obj": {{"type": "search_tool_documents_delta", "documents": [{}]}}}}"#,
        docs.join(", ")
    )
    .into_bytes();
    bytes.push(b'\n');
    bytes.extend(fixture("12_long_line_tail.ndjson"));
    bytes
}

#[test]
fn s12_long_line() {
    let bytes = long_line();
    assert!(bytes.len() > 2_000_000, "{}", bytes.len());
    let got = decode(BackendKind::Onyx, SSE, &fixed_chunks(&bytes, 16 * 1024));
    assert_eq!(got.len(), 4, "{:?}", &got.get(1..));
    match got.first() {
        Some(ChatEvent::Documents(d)) => {
            assert_eq!(d.len(), 2000);
            assert_eq!(d[0].id, "DOC-1");
            assert_eq!(d[0].blurb.len(), 1024);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        got[1..],
        [
            answering(),
            text("Long docs read."),
            ChatEvent::Done(StopReason::Finished)
        ]
    );
    assert_eq!(decode(BackendKind::OnyxLegacy, SSE, &[&bytes]), got);
    // Split points (each decode parses the whole 2 MB line, so not all of them): the first
    // bytes one by one, a stride through the long line, every point around its end, and a
    // stride through the tail (whose every split point is covered by the small fixtures).
    let line_end = find(&bytes, b"\n");
    let points = (0..32)
        .chain((32..line_end).step_by(250_007))
        .chain(line_end.saturating_sub(6)..line_end + 6)
        .chain((line_end + 6..=bytes.len()).step_by(13));
    for i in points {
        assert_eq!(
            decode(BackendKind::Onyx, SSE, &[&bytes[..i], &bytes[i..]]),
            got,
            "split at {i}"
        );
    }
}

#[test]
fn s13_garbage_line_is_skipped_without_losing_text() {
    let want = [
        ev(ids(41, 42)),
        Expect::NonFatal {
            code: "invalid_line",
        },
        ev(answering()),
        ev(text("Still here.")),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    let got = conform("13_garbage_line.ndjson", &want);
    assert!(!answer_text(&got).contains("Bad Gateway"));
    // Without the stop, the garbage makes the turn fail as interrupted, naming the skipped part.
    let bytes = fixture("13_garbage_line.ndjson");
    let cut = find(&bytes, br#"{"placement": {"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 0}, "obj": {"type": "stop""#);
    let got = decode(BackendKind::Onyx, SSE, &[&bytes[..cut]]);
    let err = last_error(&got);
    assert_eq!(err.code.as_deref(), Some("interrupted"));
    assert!(err.message.contains("could not be read"), "{}", err.message);
    assert_eq!(answer_text(&got), "Still here.");
}

fn meta<'a>(status: u16, ct: &'a str, retry_after: Option<&'a str>) -> ResponseMeta<'a> {
    ResponseMeta {
        status,
        content_type: Some(ct),
        retry_after,
    }
}

#[test]
fn s14_http_errors() {
    let json = "application/json";
    let m401 = meta(401, json, None);
    assert!(is_failure(&m401));
    let e = http_error(&m401, &fixture("14_http_401.json"));
    assert!(e.fatal && !e.retryable);
    assert_eq!(e.code.as_deref(), Some("http_401"));
    assert!(e.message.contains("data-api-key"), "{}", e.message);
    assert!(
        e.message.contains("The server said: Invalid API key"),
        "{}",
        e.message
    );

    let e = http_error(&meta(422, json, None), &fixture("14_http_422.json"));
    assert!(!e.retryable);
    assert_eq!(e.code.as_deref(), Some("http_422"));
    assert!(
        e.message.contains("Field required (body.message)"),
        "{}",
        e.message
    );
    assert!(e.message.contains("data-backend"), "{}", e.message);

    let e = http_error(&meta(429, json, Some("120")), &fixture("14_http_429.json"));
    assert!(e.retryable);
    assert_eq!(e.retry_after_seconds, Some(120));
    assert_eq!(e.code.as_deref(), Some("http_429"));
    // The wait is stated once, by the widget's countdown (retry_after_seconds), not in the text.
    assert!(!e.message.contains("2 minutes"), "{}", e.message);
    assert!(
        e.message.contains("You've reached the usage budget"),
        "{}",
        e.message
    );
    // Without the header, the body's retry_after_seconds is used.
    let e = http_error(&meta(429, json, None), &fixture("14_http_429.json"));
    assert_eq!(e.retry_after_seconds, Some(120));

    let e = http_error(&meta(502, "text/html", None), &fixture("14_http_502.html"));
    assert!(e.retryable);
    assert_eq!(e.code.as_deref(), Some("http_502"));
    assert!(e.message.contains("502 Bad Gateway"), "{}", e.message);
    assert!(!e.message.contains('<'), "{}", e.message);

    let m200 = meta(200, "text/html; charset=utf-8", None);
    assert!(is_failure(&m200));
    let e = http_error(&m200, &fixture("14_http_200_login.html"));
    assert!(!e.retryable);
    assert_eq!(e.code.as_deref(), Some("html_page"));
    assert!(e.message.contains("data-api-base"), "{}", e.message);
    assert!(!e.message.contains('<'), "{}", e.message);

    // The same login page at 200 with a JSON or stream content type reaches the decoder.
    for kind in [
        BackendKind::Onyx,
        BackendKind::OnyxLegacy,
        BackendKind::OnyxSimple,
        BackendKind::Odyssey,
    ] {
        let got = decode(kind, Some(json), &[&fixture("14_http_200_login.html")]);
        let err = last_error(&got);
        assert_eq!(err.code.as_deref(), Some("html_page"), "{kind:?}: {got:?}");
    }
    assert!(!is_failure(&meta(200, "text/event-stream", None)));
}

#[test]
fn s15_odyssey_reply_without_answer_text() {
    let want = [
        ev(searching(&["q"])),
        ev(ChatEvent::Documents(vec![Document {
            id: "c1".into(),
            title: "policy.pdf".into(),
            link: Some("https://x/policy.pdf".into()),
            blurb: "Refunds…".into(),
            source_type: "document".into(),
        }])),
        ev(cite(1, "c1")),
        ev(ChatEvent::FollowUps(vec!["What about exchanges?".into()])),
        Expect::Fatal {
            contains: "sent no answer text",
            retryable: true,
            code: "no_answer",
        },
    ];
    let bytes = fixture("15_odyssey.json");
    let got = decode(BackendKind::Odyssey, Some("application/json"), &[&bytes]);
    expect_events(&got, &want, "odyssey");
    every_split(
        BackendKind::Odyssey,
        Some("application/json"),
        &bytes,
        &got,
        "odyssey",
    );
}

#[test]
fn s15_odyssey_reply_with_answer_in_last_step() {
    let bytes = fixture("15_odyssey_with_answer.json");
    let got = decode(BackendKind::Odyssey, None, &[&bytes]);
    every_split(BackendKind::Odyssey, None, &bytes, &got, "odyssey answer");
    assert_eq!(answer_text(&got), "Yes, within 30 days.");
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    let docs: Vec<&Document> = got
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Documents(d) => Some(d),
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].title, "Exchanges…");
    assert_eq!(docs[1].link, None);
    assert_eq!(docs[1].blurb, "Exchanges…");
    assert!(got.contains(&cite(2, "c2")));
    assert!(got.contains(&ChatEvent::FollowUps(vec!["What about exchanges?".into()])));
    assert!(got.contains(&ChatEvent::Status(Status::RunningTool {
        name: Some("Writer".into())
    })));
}

#[test]
fn s15_odyssey_answer_field_order() {
    let cases = [
        (
            r#"{"data":{"response":"R","answer":"A","text":"T","content":"C"}}"#,
            "R",
        ),
        (r#"{"data":{"response":" ","answer":"A","text":"T"}}"#, "A"),
        (r#"{"data":{"text":"T","content":"C"}}"#, "T"),
        (
            r#"{"data":{"content":"C","stepsBreakdown":[{"content":"S"}]}}"#,
            "C",
        ),
        (
            r#"{"data":{"content":{"x":1},"stepsBreakdown":[{"content":"S1"},{"content":{"answer":"S2"}},{"content":{}}]}}"#,
            "S2",
        ),
        (
            r#"{"data":{"stepsBreakdown":[{"content":{"text":"S1"}}]}}"#,
            "S1",
        ),
    ];
    for (body, want) in cases {
        let got = decode(BackendKind::Odyssey, None, &[body.as_bytes()]);
        assert_eq!(answer_text(&got), want, "{body}");
    }
    let got = decode(
        BackendKind::Odyssey,
        None,
        &[br#"{"error":"workspaceId is required"}"#],
    );
    assert!(last_error(&got).message.contains("workspaceId is required"));
}

#[test]
fn s15_odyssey_http_errors() {
    let json = "application/json";
    let e = http_error(&meta(403, json, None), &fixture("15_odyssey_403.json"));
    assert!(
        !e.retryable && e.message.contains("The server said: Invalid API key"),
        "{e:?}"
    );
    assert!(e.message.contains("data-user-id"), "{}", e.message);
    let e = http_error(&meta(400, json, None), &fixture("15_odyssey_400.json"));
    assert!(
        !e.retryable
            && e.message
                .contains("The server said: workspaceId is required"),
        "{e:?}"
    );
    let e = http_error(&meta(500, json, None), &fixture("15_odyssey_500.json"));
    assert!(
        e.retryable && e.message.contains("The server said: Internal error"),
        "{e:?}"
    );
    let e = http_error(
        &meta(404, json, None),
        br#"{"error":{"message":"Workspace not found"}}"#,
    );
    assert!(
        !e.retryable && e.message.contains("Workspace not found"),
        "{e:?}"
    );
    assert_eq!(e.code.as_deref(), Some("http_404"));
}

#[test]
fn onyx_error_shapes() {
    let e = http_error(
        &meta(403, "application/json", None),
        br#"{"error_code":"INSUFFICIENT_PERMISSIONS","detail":"You do not have access to this persona"}"#,
    );
    assert!(
        e.message.contains("You do not have access to this persona"),
        "{}",
        e.message
    );
    let e = http_error(
        &meta(503, "text/plain", Some("30")),
        b"upstream connect error",
    );
    assert!(e.retryable);
    assert_eq!(e.retry_after_seconds, Some(30));
    assert!(e.message.contains("503"));
    let e = http_error(
        &meta(404, "application/json", None),
        br#"{"detail":"Not Found"}"#,
    );
    assert!(e.message.contains("onyx-legacy"), "{}", e.message);
}

#[test]
fn full_response_stream_false() {
    let bytes = fixture("16_full_response.json");
    let want = [
        ev(ChatEvent::Session {
            id: "7b1c2f3e-0000-4000-8000-000000000001".into(),
        }),
        ev(ChatEvent::MessageIds {
            user: None,
            assistant: Some(42),
        }),
        ev(ChatEvent::Documents(vec![doc1()])),
        ev(cite(1, "DOC-1")),
        ev(answering()),
        ev(text(&format!(
            "Refunds are allowed within 30 days. {}",
            m(1)
        ))),
        ev(ChatEvent::Done(StopReason::Finished)),
    ];
    for kind in [
        BackendKind::Onyx,
        BackendKind::OnyxLegacy,
        BackendKind::OnyxSimple,
    ] {
        for ct in [Some("application/json"), None, SSE] {
            let got = decode(kind, ct, &[&bytes]);
            expect_events(&got, &want, &format!("full response {kind:?} {ct:?}"));
            every_split(kind, ct, &bytes, &got, "full response");
        }
    }
}

#[test]
fn full_response_error_msg_at_200_is_fatal() {
    let bytes = fixture("16_full_response_error.json");
    let got = decode(BackendKind::Onyx, Some("application/json"), &[&bytes]);
    let err = last_error(&got);
    assert!(err.fatal);
    assert!(
        err.message.contains("LLM provider returned 500"),
        "{}",
        err.message
    );
    assert_eq!(err.code.as_deref(), Some("server_error"));
}

#[test]
fn simple_api_both_citation_shapes() {
    for name in [
        "17_simple_cited_documents.json",
        "18_simple_citation_info.json",
    ] {
        let bytes = fixture(name);
        let got = decode(BackendKind::OnyxSimple, Some("application/json"), &[&bytes]);
        every_split(
            BackendKind::OnyxSimple,
            Some("application/json"),
            &bytes,
            &got,
            name,
        );
        assert!(got.contains(&cite(1, "DOC-1")), "{name}: {got:?}");
        assert!(got.contains(&ChatEvent::Documents(vec![doc1()])), "{name}");
        assert!(got.contains(&ChatEvent::MessageIds {
            user: None,
            assistant: Some(42)
        }));
        assert_eq!(
            answer_text(&got),
            format!("Refunds are allowed within 30 days. {}", m(1))
        );
        assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
        let mut conv = Conversation::default();
        for e in &got {
            advance(&mut conv, e);
        }
        assert_eq!(conv.parent_message_id, Some(42));
    }
    // The pretty-printed reply (17) spans many lines: it must still be read as one body by
    // the Onyx adapter when labelled JSON.
    let got = decode(
        BackendKind::Onyx,
        Some("application/json"),
        &[&fixture("17_simple_cited_documents.json")],
    );
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    assert!(got.contains(&ChatEvent::Session {
        id: "7b1c2f3e-0000-4000-8000-000000000001".into()
    }));
}

#[test]
fn empty_and_unreadable_bodies_say_so() {
    for kind in [
        BackendKind::Onyx,
        BackendKind::OnyxLegacy,
        BackendKind::OnyxSimple,
        BackendKind::Odyssey,
    ] {
        let got = decode(kind, SSE, &[b""]);
        assert_eq!(
            last_error(&got).code.as_deref(),
            Some("empty_reply"),
            "{kind:?}"
        );
        let got = decode(kind, SSE, &[b"hello there\n"]);
        assert_eq!(
            last_error(&got).code.as_deref(),
            Some("unreadable_reply"),
            "{kind:?}"
        );
        assert_eq!(answer_text(&got), "");
    }
}

#[test]
fn other_models_and_their_errors_are_ignored() {
    let p2 = r#"{"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 1}"#;
    let body = format!(
        "{{\"placement\": {p2}, \"obj\": {{\"type\": \"message_delta\", \"content\": \"other\"}}}}\n\
         {{\"error\": \"boom\", \"details\": {{\"model_index\": 1}}}}\n\
         {{\"placement\": {P1}, \"obj\": {{\"type\": \"message_delta\", \"content\": \"mine\"}}}}\n\
         {{\"placement\": {p2}, \"obj\": {{\"type\": \"stop\", \"stop_reason\": null}}}}\n\
         {{\"placement\": {P1}, \"obj\": {{\"type\": \"stop\", \"stop_reason\": null}}}}\n"
    );
    let got = decode(BackendKind::Onyx, SSE, &[body.as_bytes()]);
    assert_eq!(
        got,
        [
            answering(),
            text("mine"),
            ChatEvent::Done(StopReason::Finished)
        ]
    );
}

#[test]
fn legacy_context_length_and_cancel() {
    let body = "{\"answer_piece\": \"Long\"}\n{\"stop_reason\": \"CONTEXT_LENGTH\"}\n";
    let got = decode(BackendKind::OnyxLegacy, SSE, &[body.as_bytes()]);
    assert!(got.iter().any(|e| matches!(e, ChatEvent::Error(x) if !x.fatal && x.code.as_deref() == Some("context_length"))));
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
    let body = "{\"answer_piece\": \"Half\"}\n{\"stop_reason\": \"CANCELLED\"}\n";
    let got = decode(BackendKind::OnyxLegacy, SSE, &[body.as_bytes()]);
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Stopped)));
    // A sub-answer's stop does not end the turn.
    let body = "{\"answer_piece\": \"x\"}\n{\"stop_reason\": \"FINISHED\", \"stream_type\": \"sub_answer\"}\n";
    let got = decode(BackendKind::OnyxLegacy, SSE, &[body.as_bytes()]);
    assert_eq!(last_error(&got).code.as_deref(), Some("interrupted"));
}

#[test]
fn legacy_detail_resolves_db_citation_ids() {
    let body = format!(
        "{{\"top_documents\": [{}]}}\n{{\"answer_piece\": \"See [[1]]()\"}}\n{{\"message_id\": 7, \"parent_message\": 6, \"message_type\": \"assistant\", \"citations\": {{\"1\": 345}}, \"error\": null}}\n",
        r#"{"document_id": "DOC-1", "semantic_identifier": "Refund policy", "link": "https://kb.example.com/refund", "blurb": "Refunds within 30 days", "source_type": "confluence", "db_doc_id": 345}"#
    );
    let got = decode(BackendKind::OnyxLegacy, SSE, &[body.as_bytes()]);
    assert!(got.contains(&cite(1, "DOC-1")), "{got:?}");
    assert!(got.contains(&ids(6, 7)));
    assert_eq!(answer_text(&got), format!("See {}", m(1)));
    assert_eq!(got.last(), Some(&ChatEvent::Done(StopReason::Finished)));
}

/// Every stream fixture with the name of the adapter family that reads it.
fn stream_fixtures() -> Vec<(&'static str, Vec<u8>)> {
    [
        "01_v2_happy.ndjson",
        "02_v2_fragmented.ndjson",
        "03_raw_utf8_split.ndjson",
        "04_v2_midstream_error.ndjson",
        "05_crash_no_newline.ndjson",
        "06_heartbeat_tool_error.ndjson",
        "07_user_cancelled.ndjson",
        "08_legacy_flat.ndjson",
        "09_packet_v1.ndjson",
        "10_true_sse.txt",
        "11_crlf_bom_blank.ndjson",
        "13_garbage_line.ndjson",
    ]
    .into_iter()
    .map(|n| (n, fixture(n)))
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    /// Random chunkings of every stream fixture give the events of the whole body.
    #[test]
    fn random_chunkings_match_whole(cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..16)) {
        for (name, bytes) in stream_fixtures() {
            for kind in STREAMERS {
                let whole = decode(kind, SSE, &[&bytes]);
                let chunked = decode(kind, SSE, &cut(&bytes, &cuts));
                prop_assert_eq!(&chunked, &whole, "{} {:?}", name, kind);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_chunkings_of_long_line(cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..64)) {
        let bytes = long_line();
        let whole = decode(BackendKind::Onyx, SSE, &[&bytes]);
        prop_assert_eq!(decode(BackendKind::Onyx, SSE, &cut(&bytes, &cuts)), whole);
    }
}

#[test]
fn s19_reasoning_is_its_own_text_before_the_answer() {
    let got = conform(
        "19_v2_reasoning.ndjson",
        &[
            ev(ids(41, 42)),
            ev(ChatEvent::Status(Status::Thinking)),
            ev(ChatEvent::Status(Status::Thinking)),
            ev(ChatEvent::Reasoning(
                "The user asks why sync fails. ".into(),
            )),
            ev(ChatEvent::Status(Status::Thinking)),
            ev(ChatEvent::Reasoning("Check the café docs.".into())),
            ev(answering()),
            ev(text("Sync needs a connection.")),
            ev(ChatEvent::Done(StopReason::Finished)),
        ],
    );
    let reasoning: String = got
        .iter()
        .filter_map(|e| match e {
            ChatEvent::Reasoning(r) => Some(r.as_str()),
            _ => None,
        })
        .collect();
    assert!(
        !reasoning.contains("Sync needs"),
        "the answer stays out of the reasoning"
    );
}
