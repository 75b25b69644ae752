//! One long open block against the same bytes as many short blocks (issue 16 item 6), natively:
//! the splitter plus the parse of the tail as the widget does it. A benchmark, not a test:
//!
//!     cargo run --release -p sherpa-protocol --example open_block [-- BYTES]
//!
//! Each case streams BYTES (default 400,000) of answer text in deltas of about 40 bytes (a
//! 400 KB code fence in ~9,900 deltas, as in the issue) and parses the tail either after
//! every delta (the widget before issue 16) or once per 8 deltas (the widget since, which
//! renders once per animation frame: 16 ms of deltas 2 ms apart).
use std::time::Instant;

use sherpa_protocol::markdown::{parse, BlockSplitter, Refs};
use sherpa_protocol::tail::{provisional, TailState};

fn main() {
    let bytes: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(400_000);
    let line = "let value = compute(alpha, beta); // a line of code here\n";
    let fence = format!("```js\n{}", line.repeat(bytes / line.len()));
    // A list with a line break every 4 deltas (~160 bytes an item).
    let item = "- an item of a long list, with words enough to fill a line of the answer, and then some more words for it\n";
    let list = item.repeat(bytes / item.len());
    let para = "A short paragraph of the answer with a few words in it, as chat answers have.\n\n";
    let blocks = para.repeat(bytes / para.len());
    println!("| case | bytes | deltas | tail parsed every delta | every 8 deltas (once a frame) | TailState, every delta | TailState, every 8 |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, text) in [
        ("open code fence", &fence),
        ("one list", &list),
        ("many short blocks", &blocks),
    ] {
        let deltas = chunks(text, 40);
        let every = time(&deltas, 1, false);
        let frame = time(&deltas, 8, false);
        let st_every = time(&deltas, 1, true);
        let st_frame = time(&deltas, 8, true);
        println!(
            "| {name} | {} | {} | {every:.3} s | {frame:.3} s | {st_every:.3} s | {st_frame:.3} s |",
            text.len(),
            deltas.len()
        );
    }
}

/// Pieces of about `n` bytes, cut at char boundaries.
fn chunks(text: &str, n: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while from < text.len() {
        let mut to = (from + n).min(text.len());
        while !text.is_char_boundary(to) {
            to += 1;
        }
        out.push(&text[from..to]);
        from = to;
    }
    out
}

/// Seconds to stream `deltas` through the splitter, parsing the tail every `every` deltas
/// (with [`TailState`] when `incremental`, as the widget does since issue 16).
fn time(deltas: &[&str], every: usize, incremental: bool) -> f64 {
    let start = Instant::now();
    let mut splitter = BlockSplitter::new();
    let mut state = TailState::default();
    let refs = Refs::new();
    let mut nodes = 0usize;
    for (i, d) in deltas.iter().enumerate() {
        for b in splitter.push(d) {
            nodes += parse(&b.source).len();
        }
        if i % every == 0 && incremental {
            state.update(splitter.tail(), &refs);
            nodes += state.nodes().len();
        } else if i % every == 0 {
            nodes += parse(&provisional(splitter.tail())).len();
        }
    }
    for b in splitter.finish() {
        nodes += parse(&b.source).len();
    }
    std::hint::black_box(nodes);
    start.elapsed().as_secs_f64()
}
