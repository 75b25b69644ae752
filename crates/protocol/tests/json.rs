//! `sherpa_protocol::json` checked against serde_json: random values round trip, random
//! bytes never panic, and near-JSON text is accepted or rejected as serde_json does.
//! `SHERPA_FUZZ_CASES=N` raises the case count for a longer run.

use proptest::prelude::*;
use serde_json::Value as Serde;
use sherpa_protocol::json::{self, Value};

fn cases(default: u32) -> u32 {
    std::env::var("SHERPA_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Any serde_json value: every kind of number, strings with any characters (control
/// characters, quotes, backslashes, astral planes), nested arrays and objects.
fn serde_value() -> impl Strategy<Value = Serde> {
    let leaf = prop_oneof![
        Just(Serde::Null),
        any::<bool>().prop_map(Serde::Bool),
        any::<i64>().prop_map(Serde::from),
        any::<u64>().prop_map(Serde::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Serde::from),
        any::<String>().prop_map(Serde::String),
        "[\"\\\\\\x00-\\x1f\\x7f a]{0,6}".prop_map(Serde::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Serde::Array),
            prop::collection::btree_map(any::<String>(), inner, 0..6)
                .prop_map(|m| Serde::Object(m.into_iter().collect())),
        ]
    })
}

/// Our value compared through serde_json: written by us, read by serde_json.
fn as_serde(v: &Value) -> Serde {
    serde_json::from_str(&v.stringify()).expect("our output is JSON serde_json reads")
}

/// What we parsed, written and read back, is the same value.
fn rewrites_equal(v: &Value) -> bool {
    json::parse(&v.stringify()).as_ref() == Ok(v)
}

/// Pieces of near-JSON text inserted into documents.
const PIECES: [&str; 34] = [
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    " ",
    "\n",
    "\t",
    "0",
    "1",
    "9",
    "-",
    "+",
    ".",
    "e",
    "E",
    "true",
    "false",
    "null",
    "tru",
    "\\",
    "\\n",
    "\\u",
    "\\u00e9",
    "0041",
    "a",
    "\"k\":",
    "é",
    "\u{1}",
    "x",
    "[1,2]",
    "{\"a\":\"b\"}",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases(512)))]

    #[test]
    fn serde_values_round_trip(v in serde_value()) {
        let compact = serde_json::to_string(&v).unwrap();
        let ours = json::parse(&compact).expect("serde_json's output parses");
        // Compared with serde_json's own reading of the text: its default float parser is not
        // always exact, so that can differ from `v` in the last bit.
        prop_assert_eq!(as_serde(&ours), serde_json::from_str::<Serde>(&compact).unwrap());
        // Objects keep their order and numbers their text, so the text comes back unchanged.
        prop_assert_eq!(ours.stringify(), compact);
        let pretty = serde_json::to_string_pretty(&v).unwrap();
        prop_assert_eq!(json::parse(&pretty).expect("pretty output parses"), ours);
    }

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(v) = json::parse_bytes(&bytes) {
            prop_assert!(rewrites_equal(&v));
        }
        let _ = json::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn damaged_documents_never_panic(v in serde_value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let text = serde_json::to_string(&v).unwrap().into_bytes();
        let at = cut.index(text.len() + 1);
        let mut changed = text.clone();
        changed.insert(at, byte);
        for bytes in [&text[..at], &changed[..]] {
            if let Ok(v) = json::parse_bytes(bytes) {
                prop_assert!(rewrites_equal(&v));
            }
        }
    }

    #[test]
    fn accepts_and_rejects_like_serde_json(
        v in serde_value(),
        pretty in any::<bool>(),
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), prop::option::of(prop::sample::select(&PIECES[..]))),
            0..3,
        ),
    ) {
        // A document with up to three edits: a piece inserted, or one character deleted.
        let text = if pretty { serde_json::to_string_pretty(&v) } else { serde_json::to_string(&v) };
        let mut chars: Vec<char> = text.unwrap().chars().collect();
        for (at, piece) in edits {
            match piece {
                Some(p) => {
                    let at = at.index(chars.len() + 1);
                    chars.splice(at..at, p.chars());
                }
                None if !chars.is_empty() => {
                    chars.remove(at.index(chars.len()));
                }
                None => {}
            }
        }
        let text: String = chars.into_iter().collect();
        let theirs = serde_json::from_str::<Serde>(&text);
        // Where we differ on purpose: serde_json turns every number into an f64 and fails on
        // ones out of its range (we keep the text), and fails on a lone surrogate escape.
        let lower = text.to_ascii_lowercase();
        let out_of_range = matches!(&theirs, Err(e) if e.to_string().contains("number out of range"));
        if out_of_range || lower.contains("\\ud") {
            return Ok(());
        }
        match (json::parse(&text), theirs) {
            (Ok(ours), Ok(theirs)) => prop_assert_eq!(as_serde(&ours), theirs),
            (Err(_), Err(_)) => {}
            (ours, theirs) => prop_assert!(false, "{text:?}: ours {ours:?}, serde_json {theirs:?}"),
        }
    }
}

#[test]
fn depth_limit_is_about_serde_json_s() {
    let nested = |depth: usize| "[".repeat(depth) + &"]".repeat(depth);
    // serde_json stops one level earlier (127).
    assert!(json::parse(&nested(127)).is_ok());
    assert!(serde_json::from_str::<Serde>(&nested(127)).is_ok());
    assert!(json::parse(&nested(json::MAX_DEPTH)).is_ok());
    assert!(json::parse(&nested(json::MAX_DEPTH + 1)).is_err());
    assert!(serde_json::from_str::<Serde>(&nested(json::MAX_DEPTH + 1)).is_err());
}

#[test]
fn numbers_read_like_serde_json() {
    for text in [
        "0",
        "7",
        "-7",
        "1.5",
        "1e5",
        "-1E-5",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "123456789012345678901234567890",
    ] {
        let ours = json::parse(text).unwrap();
        let theirs: Serde = serde_json::from_str(text).unwrap();
        assert_eq!(ours.as_i64(), theirs.as_i64(), "{text} as i64");
        assert_eq!(ours.as_u64(), theirs.as_u64(), "{text} as u64");
        assert_eq!(ours.as_f64(), theirs.as_f64(), "{text} as f64");
    }
    // serde_json reads -0 as the float -0.0; we read it as the integer 0.
    assert_eq!(json::parse("-0").unwrap().as_i64(), Some(0));
}
