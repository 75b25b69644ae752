//! The stream decoders of every backend: no input panics, and chunking never changes the
//! events (coalesced) a body decodes to. The first payload byte picks the backend and the
//! content type.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sherpa_protocol::event::coalesce;
use sherpa_protocol::{BackendKind, ChatEvent};

mod chunks;

const KINDS: [BackendKind; 4] = [
    BackendKind::Onyx,
    BackendKind::OnyxLegacy,
    BackendKind::OnyxSimple,
    BackendKind::Odyssey,
];
const TYPES: [Option<&str>; 3] = [None, Some("text/event-stream"), Some("application/json")];

fn decode(kind: BackendKind, ct: Option<&str>, pieces: &[&[u8]]) -> Vec<ChatEvent> {
    let mut d = kind.adapter().decoder(ct);
    let mut out = Vec::new();
    for p in pieces {
        out.extend(d.feed(p));
    }
    out.extend(d.finish());
    coalesce(out)
}

fuzz_target!(|data: &[u8]| {
    let Some((seed, payload)) = chunks::split_input(data) else {
        return;
    };
    let Some((&pick, body)) = payload.split_first() else {
        return;
    };
    let kind = KINDS[usize::from(pick) % KINDS.len()];
    let ct = TYPES[usize::from(pick / 4) % TYPES.len()];
    let cuts = chunks::cuts(seed, body.len(), |_| true);
    let pieces: Vec<&[u8]> = cuts.windows(2).map(|w| &body[w[0]..w[1]]).collect();
    assert_eq!(
        decode(kind, ct, &pieces),
        decode(kind, ct, &[body]),
        "{kind:?} {ct:?}: events depend on chunking"
    );
});
