//! Fuzz-style properties: no input, however mangled or chunked, makes a decoder panic, and
//! every decode ends with exactly one terminal event (done or fatal error), the same however the
//! bytes are chunked. `SHERPA_FUZZ_CASES=N` raises the case count for a longer run.

mod common;

use common::*;
use proptest::prelude::*;
use proptest::sample::Index;
use sherpa_protocol::citations::CitationText;
use sherpa_protocol::errors::{http_error, ResponseMeta};
use sherpa_protocol::ChatEvent;

fn cases(default: u32) -> u32 {
    std::env::var("SHERPA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const CONTENT_TYPES: [Option<&str>; 3] =
    [None, Some("text/event-stream"), Some("application/json")];

const FIXTURES: [&str; 17] = [
    "01_v2_happy.ndjson",
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
    "15_odyssey.json",
    "15_odyssey_with_answer.json",
    "16_full_response.json",
    "16_full_response_error.json",
    "17_simple_cited_documents.json",
    "18_simple_citation_info.json",
];

/// Bytes that make mutations interesting: structure, line ends, UTF-8 fragments, markers.
const SPICE: &[&[u8]] = &[
    b"\n",
    b"\r",
    b"\r\n",
    b"{",
    b"}",
    b"[",
    b"]",
    b"\"",
    b":",
    b",",
    b"\\",
    b"\\u00",
    b"null",
    b"data: ",
    b"\n\n",
    b"[DONE]",
    b"\xEF\xBB\xBF",
    b"\xC3",
    b"\xF0\x9F",
    b"\xFF",
    b"[[1]](",
    b"[[",
    b"]]",
    b")",
    b"\xEE\x80\x80",
    b"{\"error\": 1}\n",
    b"{\"obj\": 5}\n",
    b"{\"placement\": null}\n",
    b"{\"answer\": []}\n",
    b"{\"data\": []}",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip(Index, u8),
    Delete(Index, usize),
    Insert(Index, Index),
    Duplicate(Index, usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<Index>(), any::<u8>()).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<Index>(), 1usize..40).prop_map(|(i, n)| Mutation::Delete(i, n)),
        (any::<Index>(), any::<Index>()).prop_map(|(i, s)| Mutation::Insert(i, s)),
        (any::<Index>(), 1usize..200).prop_map(|(i, n)| Mutation::Duplicate(i, n)),
    ]
}

fn apply(mut bytes: Vec<u8>, muts: &[Mutation]) -> Vec<u8> {
    for m in muts {
        let len = bytes.len();
        match m {
            Mutation::Flip(i, b) if len > 0 => {
                let at = i.index(len);
                bytes[at] = *b;
            }
            Mutation::Delete(i, n) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                bytes.drain(at..end);
            }
            Mutation::Insert(i, s) => {
                let at = i.index(len + 1);
                let spice = SPICE[s.index(SPICE.len())];
                bytes.splice(at..at, spice.iter().copied());
            }
            Mutation::Duplicate(i, n) if len > 0 => {
                let at = i.index(len);
                let end = (at + n).min(len);
                let piece = bytes[at..end].to_vec();
                bytes.splice(end..end, piece);
            }
            _ => {}
        }
    }
    bytes
}

/// Decodes with every adapter and content type, whole and chunked, and checks the properties.
fn check(bytes: &[u8], cuts: &[Index]) -> Result<(), TestCaseError> {
    for kind in ALL_KINDS {
        for ct in CONTENT_TYPES {
            let whole = decode(kind, ct, &[bytes]);
            let chunked = decode(kind, ct, &cut(bytes, cuts));
            prop_assert_eq!(&chunked, &whole, "{:?} {:?}", kind, ct);
            let terminal = |e: &ChatEvent| {
                matches!(e, ChatEvent::Done(_)) || matches!(e, ChatEvent::Error(x) if x.fatal)
            };
            prop_assert_eq!(
                whole.iter().filter(|e| terminal(e)).count(),
                1,
                "{:?}",
                whole
            );
            prop_assert!(whole.last().is_some_and(terminal), "{:?}", whole);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(128), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        bytes in proptest::collection::vec(any::<u8>(), 0..400),
        cuts in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        check(&bytes, &cuts)?;
    }

    #[test]
    fn mutated_fixtures_never_panic(
        which in any::<Index>(),
        muts in proptest::collection::vec(mutation(), 1..6),
        cuts in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let bytes = apply(fixture(FIXTURES[which.index(FIXTURES.len())]), &muts);
        check(&bytes, &cuts)?;
    }

    #[test]
    fn spliced_fixture_lines_never_panic(
        picks in proptest::collection::vec((any::<Index>(), any::<Index>()), 1..12),
        cuts in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        // Lines drawn from different fixtures and formats, in any order.
        let mut bytes = Vec::new();
        for (f, l) in &picks {
            let src = fixture(FIXTURES[f.index(FIXTURES.len())]);
            let lines: Vec<&[u8]> = src.split_inclusive(|&b| b == b'\n').collect();
            bytes.extend_from_slice(lines[l.index(lines.len())]);
        }
        check(&bytes, &cuts)?;
    }

    #[test]
    fn http_errors_never_panic(
        status in 0u16..1000,
        body in proptest::collection::vec(any::<u8>(), 0..300),
        ct in proptest::option::of("[a-z/;= -]{0,30}"),
        retry in proptest::option::of("[0-9a-zA-Z ,:]{0,12}"),
    ) {
        let meta = ResponseMeta { status, content_type: ct.as_deref(), retry_after: retry.as_deref() };
        let e = http_error(&meta, &body);
        prop_assert!(e.fatal);
        prop_assert!(!e.message.is_empty());
        prop_assert!(e.message.chars().all(|c| !c.is_control()), "{:?}", e.message);
    }

    #[test]
    fn citation_text_is_chunk_invariant(
        text in "([a-z ]|\\[|\\]|\\(|\\)|[0-9]|https://x|\u{e000}|é){0,120}",
        cuts in proptest::collection::vec(any::<Index>(), 0..6),
    ) {
        let whole = {
            let mut c = CitationText::default();
            let mut s = c.feed(&text);
            s.push_str(&c.finish());
            s
        };
        let mut at: Vec<usize> = cuts.iter().map(|i| i.index(text.len() + 1)).filter(|&i| text.is_char_boundary(i)).collect();
        at.sort_unstable();
        let mut c = CitationText::default();
        let mut got = String::new();
        let mut prev = 0;
        for p in at.into_iter().chain(std::iter::once(text.len())) {
            got.push_str(&c.feed(&text[prev..p]));
            prev = p;
        }
        got.push_str(&c.finish());
        prop_assert_eq!(got, whole);
    }
}
