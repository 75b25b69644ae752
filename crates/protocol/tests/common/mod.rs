//! Helpers shared by the protocol integration tests.
#![allow(dead_code)]

use std::path::Path;

use sherpa_protocol::citations::{MARK_CLOSE, MARK_OPEN};
use sherpa_protocol::event::coalesce;
use sherpa_protocol::{BackendKind, ChatError, ChatEvent, Document, Status};

pub const P0: &str =
    r#"{"turn_index": 0, "tab_index": 0, "sub_turn_index": null, "model_index": 0}"#;
pub const P1: &str =
    r#"{"turn_index": 1, "tab_index": 0, "sub_turn_index": null, "model_index": 0}"#;

pub const ALL_KINDS: [BackendKind; 4] = [
    BackendKind::Onyx,
    BackendKind::OnyxLegacy,
    BackendKind::OnyxSimple,
    BackendKind::Odyssey,
];

pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Decodes `chunks` with `kind`'s decoder; events coalesced.
pub fn decode(kind: BackendKind, ct: Option<&str>, chunks: &[&[u8]]) -> Vec<ChatEvent> {
    let mut d = kind.adapter().decoder(ct);
    let mut out = Vec::new();
    for c in chunks {
        out.extend(d.feed(c));
    }
    out.extend(d.finish());
    coalesce(out)
}

/// Asserts that every split into two chunks gives `want`, and so does the same split with an
/// empty chunk between the two (a reader may hand over empty reads anywhere). Bodies up to
/// 8 KB are split at every byte; longer ones at every byte of the first 4 KB, then at a stride.
pub fn every_split(
    kind: BackendKind,
    ct: Option<&str>,
    bytes: &[u8],
    want: &[ChatEvent],
    what: &str,
) {
    let n = bytes.len();
    let points: Vec<usize> = if n <= 8192 {
        (0..=n).collect()
    } else {
        (0..4096).chain((4096..=n).step_by(997)).collect()
    };
    for i in points {
        let got = decode(kind, ct, &[&bytes[..i], &bytes[i..]]);
        assert_eq!(got, want, "{what}: {kind:?} split at {i}");
        let got = decode(kind, ct, &[&bytes[..i], b"", &bytes[i..]]);
        assert_eq!(
            got, want,
            "{what}: {kind:?} split at {i} with an empty chunk"
        );
    }
}

pub fn fixed_chunks(bytes: &[u8], size: usize) -> Vec<&[u8]> {
    bytes.chunks(size.max(1)).collect()
}

/// Cuts `bytes` at the given (random) points.
pub fn cut<'a>(bytes: &'a [u8], points: &[proptest::sample::Index]) -> Vec<&'a [u8]> {
    let mut at: Vec<usize> = points.iter().map(|p| p.index(bytes.len() + 1)).collect();
    at.sort_unstable();
    let mut out = Vec::new();
    let mut prev = 0;
    for p in at {
        out.push(&bytes[prev..p]);
        prev = p;
    }
    out.push(&bytes[prev..]);
    out
}

pub fn find(hay: &[u8], needle: &[u8]) -> usize {
    hay.windows(needle.len())
        .position(|w| w == needle)
        .unwrap_or_else(|| panic!("{:?} not found", String::from_utf8_lossy(needle)))
}

/// One expected event: exact, or an error checked by its important fields.
#[derive(Debug)]
pub enum Expect {
    Exact(ChatEvent),
    Fatal {
        contains: &'static str,
        retryable: bool,
        code: &'static str,
    },
    NonFatal {
        code: &'static str,
    },
}

pub fn ev(e: ChatEvent) -> Expect {
    Expect::Exact(e)
}

pub fn expect_events(got: &[ChatEvent], want: &[Expect], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: got {got:#?}");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        match (w, g) {
            (Expect::Exact(e), g) => assert_eq!(g, e, "{what}: event {i}"),
            (
                Expect::Fatal {
                    contains,
                    retryable,
                    code,
                },
                ChatEvent::Error(e),
            ) => {
                assert!(e.fatal, "{what}: event {i} {e:?}");
                assert_eq!(e.retryable, *retryable, "{what}: event {i} {e:?}");
                assert_eq!(e.code.as_deref(), Some(*code), "{what}: event {i}");
                assert!(e.message.contains(contains), "{what}: {:?}", e.message);
            }
            (Expect::NonFatal { code }, ChatEvent::Error(e)) => {
                assert!(!e.fatal, "{what}: event {i} {e:?}");
                assert_eq!(e.code.as_deref(), Some(*code), "{what}: event {i}");
            }
            (w, g) => panic!("{what}: event {i}: want {w:?}, got {g:?}"),
        }
    }
}

pub fn doc1() -> Document {
    Document {
        id: "DOC-1".into(),
        title: "Refund policy".into(),
        link: Some("https://kb.example.com/refund".into()),
        blurb: "Refunds within 30 days".into(),
        source_type: "confluence".into(),
    }
}

pub fn m(n: u32) -> String {
    format!("{MARK_OPEN}{n}{MARK_CLOSE}")
}

pub fn ids(user: i64, assistant: i64) -> ChatEvent {
    ChatEvent::MessageIds {
        user: Some(user),
        assistant: Some(assistant),
    }
}

pub fn text(s: &str) -> ChatEvent {
    ChatEvent::TextDelta(s.to_string())
}

pub fn searching(q: &[&str]) -> ChatEvent {
    ChatEvent::Status(Status::Searching {
        queries: q.iter().map(|s| s.to_string()).collect(),
    })
}

pub fn answering() -> ChatEvent {
    ChatEvent::Status(Status::Answering)
}

pub fn cite(number: u32, id: &str) -> ChatEvent {
    ChatEvent::Citation {
        number,
        document_id: id.to_string(),
    }
}

/// All answer text of a turn.
pub fn answer_text(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

pub fn last_error(events: &[ChatEvent]) -> ChatError {
    match events.last() {
        Some(ChatEvent::Error(e)) => e.clone(),
        other => panic!("expected an error last, got {other:?} in {events:#?}"),
    }
}
