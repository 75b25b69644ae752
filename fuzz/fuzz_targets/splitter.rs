//! The streaming block splitter: however the text is chunked, the committed blocks are the
//! same as for one push, they concatenate to the text, and rendered one by one with the
//! answer's reference definitions they give the tree of the whole text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sherpa_protocol::markdown::{
    add_definitions, definitions, parse, parse_with, Block, BlockSplitter, Refs,
};

mod chunks;

fn run(pieces: &[&str]) -> Vec<Block> {
    let mut s = BlockSplitter::new();
    let mut blocks = Vec::new();
    for p in pieces {
        blocks.extend(s.push(p));
    }
    blocks.extend(s.finish());
    blocks
}

fuzz_target!(|data: &[u8]| {
    let Some((seed, bytes)) = chunks::split_input(data) else {
        return;
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return;
    };
    let cuts = chunks::cuts(seed, text.len(), |i| text.is_char_boundary(i));
    let pieces: Vec<&str> = cuts.windows(2).map(|w| &text[w[0]..w[1]]).collect();
    let chunked = run(&pieces);
    let whole = run(&[text]);
    assert_eq!(chunked, whole, "blocks depend on chunking");
    let joined: String = whole.iter().map(|b| b.source.as_str()).collect();
    assert_eq!(joined, text, "blocks concatenate to the text");
    let mut refs = Refs::new();
    for b in &whole {
        add_definitions(&mut refs, definitions(&b.source));
    }
    let rendered: Vec<_> = whole
        .iter()
        .flat_map(|b| parse_with(&b.source, &refs))
        .collect();
    assert_eq!(rendered, parse(text), "blocks render like the whole text");
});
