//! BlockSplitter: commit rules, the concatenation invariant, chunk invariance, and
//! "rendering committed blocks one by one plus the tail equals rendering the whole text",
//! checked on realistic answers at every split point.

use proptest::prelude::*;
use sherpa_protocol::markdown::{
    add_definitions, definitions, parse, parse_with, Block, BlockSplitter, Node, Refs,
};

/// Pushes the chunks; returns the committed blocks and the tail (without finishing).
fn run(chunks: &[&str]) -> (Vec<Block>, String) {
    let mut s = BlockSplitter::new();
    let mut blocks = Vec::new();
    for c in chunks {
        blocks.extend(s.push(c));
    }
    (blocks, s.tail().to_string())
}

/// Pushes the chunks and finishes.
fn run_all(chunks: &[&str]) -> Vec<Block> {
    let mut s = BlockSplitter::new();
    let mut blocks = Vec::new();
    for c in chunks {
        blocks.extend(s.push(c));
    }
    blocks.extend(s.finish());
    assert_eq!(s.tail(), "");
    blocks
}

fn sources(blocks: &[Block]) -> Vec<&str> {
    blocks.iter().map(|b| b.source.as_str()).collect()
}

fn check_ids(blocks: &[Block]) {
    for (i, b) in blocks.iter().enumerate() {
        assert_eq!(b.id, i, "ids are consecutive from 0");
    }
}

/// Renders blocks (and a tail) as the widget does: each with the definitions of all of them.
fn render(blocks: &[Block], tail: &str) -> Vec<Node> {
    let mut refs = Refs::new();
    for source in blocks.iter().map(|b| b.source.as_str()).chain([tail]) {
        add_definitions(&mut refs, definitions(source));
    }
    let mut pieces: Vec<Node> = blocks
        .iter()
        .flat_map(|b| parse_with(&b.source, &refs))
        .collect();
    pieces.extend(parse_with(tail, &refs));
    pieces
}

/// Rendering block by block (plus the tail) equals rendering everything at once.
fn assert_same_rendering(blocks: &[Block], tail: &str, whole: &str) {
    let pieces = render(blocks, tail);
    assert_eq!(
        pieces,
        parse(whole),
        "blocks {:#?}\ntail {tail:?}",
        sources(blocks)
    );
}

fn char_splits(text: &str) -> Vec<usize> {
    text.char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(text.len()))
        .collect()
}

const M1: &str = "\u{E000}1\u{E001}";

fn corpus() -> Vec<String> {
    let answers = [
        // Onyx-style answer: paragraphs, bold, citations, a list.
        "To reset your password, open **Settings → Security** and choose *Reset password* [[1]].\n\n\
         You will receive an email within a few minutes [[2]]. If it does not arrive:\n\n\
         1. Check your spam folder.\n\
         2. Make sure the address on file is correct [[1]].\n\
         3. Contact support at <support@example.com>.\n\n\
         The link in the email expires after 24 hours.",
        // Headings, nested list with blank lines inside, code fence with blank lines.
        "## Installing the CLI\n\n\
         Run the installer for your platform:\n\n\
         - **macOS**: use Homebrew.\n\n  \
         ```sh\n  brew install tool\n  ```\n\n\
         - **Linux**: download the binary.\n    \
         - x86_64\n    \
         - arm64\n\n\
         ## Configuring\n\
         Create a config file:\n\n\
         ```toml\n[server]\nurl = \"https://api.example.com\"\n\n# blank line above is inside the fence\ntimeout = 30\n```\n\n\
         Then run `tool login` [[3]].\n",
        // Table, blockquote, thematic break.
        "| Plan | Seats | Price |\n\
         |:-----|:-----:|------:|\n\
         | Basic | 5 | $10 |\n\
         | Pro | 50 | $99 |\n\n\
         > **Note:** prices exclude VAT [[1]].\n\
         > Annual billing saves 20%.\n\n\
         ---\n\n\
         See https://example.com/pricing for details.",
        // Tilde fence, indented code, hard breaks, emphasis.
        "Use this query:\n\n\
         ~~~sql\nSELECT *\n\nFROM users;\n~~~\n\
         Or the legacy form:\n\n    \
         SELECT * FROM users\n\n    \
         -- still code\n\n\
         Address:  \n\
         1 Main St\\\n\
         Springfield\n",
        // Task list, strikethrough, setext heading.
        "Checklist\n=========\n\n\
         - [x] Back up the database\n\
         - [ ] ~~Email users~~ Post a banner\n\
         - [ ] Rotate keys [[4]]\n\n\
         Done\n----\n\
         All steps *should* take under an hour.",
        // Loose list followed by paragraph, ordered list starting at 3.
        "Steps:\n\n\
         - First\n\n\
         - Second\n\n  \
         With a second paragraph.\n\n\
         After the list.\n\n\
         3. three\n\
         4. four\n\n\
         > quote\n\
         lazy continuation\n\n\
         Final words.",
        // Raw HTML that must stay text, and a heading directly after a paragraph.
        "The page contains <b>bold</b> markup.\n\
         # Heading right after\n\
         <div class=\"x\">\n\
         inside\n\
         </div>\n\n\
         Text after the HTML block.\n\
         ```\nfence right after a paragraph\n```\n\
         and text right after the fence.",
        // Short conversational answer with several citations.
        "Yes. The API supports pagination via the `cursor` parameter [[1]][[2]]. \
         Each page returns at most 100 items [[3]].",
        // Numbered headings and code in lists.
        "### 1. Prepare\n\n\
         1. Install dependencies:\n\n   \
         ```bash\n   npm install\n\n   npm run build\n   ```\n\n\
         2. Start the server.\n\n\
         ### 2. Verify\n\n\
         Open http://localhost:3000 and check the status page [[5]].\n\n\
         ***\n\n\
         _Last updated: 2024._",
        // CRLF line endings.
        "Line one\r\n\r\n- a\r\n- b\r\n\r\n```\r\ncode\r\n\r\nmore\r\n```\r\nafter\r\n",
    ];
    let mut conv = sherpa_protocol::citations::CitationText::default();
    answers
        .iter()
        .map(|a| {
            let mut t = conv.feed(a);
            t.push_str(&conv.finish());
            t
        })
        .collect()
}

#[test]
fn corpus_renders_the_same_at_every_split_point() {
    for text in corpus() {
        let whole = run_all(&[&text]);
        check_ids(&whole);
        if text.contains("\n\n") {
            assert!(whole.len() > 1, "answer is split into blocks: {text:?}");
        }
        assert_same_rendering(&whole, "", &text);
        for i in char_splits(&text) {
            let (a, b) = text.split_at(i);
            // While streaming: after the first part.
            let (blocks, tail) = run(&[a]);
            assert_eq!(format!("{}{tail}", sources(&blocks).concat()), a);
            assert_same_rendering(&blocks, &tail, a);
            // After both parts: same as one push.
            let (blocks2, tail2) = run(&[a, b]);
            let (blocks1, tail1) = run(&[&text]);
            assert_eq!(blocks2, blocks1, "split at {i}");
            assert_eq!(tail2, tail1);
            assert_same_rendering(&blocks2, &tail2, &text);
            assert_eq!(run_all(&[a, b]), whole, "split at {i}");
        }
    }
}

#[test]
fn corpus_char_by_char_matches_one_push() {
    for text in corpus() {
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(run_all(&refs), run_all(&[&text]));
        // Committed blocks appear while streaming, not only at the end.
        let (blocks, _) = run(&refs);
        assert!(!blocks.is_empty() || !text.contains("\n\n"));
    }
}

#[test]
fn corpus_citations_become_nodes() {
    let text = &corpus()[0];
    let blocks = run_all(&[text]);
    let first = parse(&blocks[0].source);
    assert!(matches!(&first[0], Node::Paragraph(c) if c.contains(&Node::Citation(1))));
    assert!(text.contains(M1));
}

#[test]
fn paragraph_commits_once_next_block_line_is_complete() {
    let mut s = BlockSplitter::new();
    assert!(s.push("Hello *world*.").is_empty());
    assert!(s.push("\n\nNext").is_empty());
    assert_eq!(s.tail(), "Hello *world*.\n\nNext");
    let b = s.push(" para\n");
    assert_eq!(
        b,
        vec![Block {
            id: 0,
            source: "Hello *world*.\n".into()
        }]
    );
    assert_eq!(s.tail(), "\nNext para\n");
    let rest = s.finish();
    assert_eq!(sources(&rest), ["\nNext para\n"]);
    assert_eq!(rest[0].id, 1);
    assert_eq!(s.committed(), 2);
}

#[test]
fn heading_commits_at_its_newline() {
    let mut s = BlockSplitter::new();
    assert!(s.push("## Title").is_empty());
    assert_eq!(sources(&s.push("\nBody")), ["## Title\n"]);
    assert_eq!(s.tail(), "Body");
}

#[test]
fn thematic_break_commits_at_its_newline() {
    let (blocks, tail) = run(&["para\n\n***\n"]);
    assert_eq!(sources(&blocks), ["para\n", "\n***\n"]);
    assert_eq!(tail, "");
}

#[test]
fn setext_underline_keeps_paragraph_pending() {
    let (blocks, tail) = run(&["Title\n"]);
    assert!(blocks.is_empty());
    assert_eq!(tail, "Title\n");
    let (blocks, _) = run(&["Title\n---\n"]);
    assert_eq!(sources(&blocks), ["Title\n---\n"]);
    assert!(matches!(
        parse(&blocks[0].source)[0],
        Node::Heading { level: 2, .. }
    ));
}

#[test]
fn fence_with_blank_lines_waits_for_its_close() {
    let mut s = BlockSplitter::new();
    assert!(s.push("```python\nx = 1\n\n\ny = 2\n").is_empty());
    assert!(s.push("\n# not a heading\n\n").is_empty());
    assert!(s.push("``").is_empty());
    let b = s.push("`\n");
    assert_eq!(
        sources(&b),
        ["```python\nx = 1\n\n\ny = 2\n\n# not a heading\n\n```\n"]
    );
    assert_eq!(s.tail(), "");
}

#[test]
fn tilde_fence_not_closed_by_backticks_or_short_fence() {
    let (blocks, tail) = run(&["~~~~\na\n```\n~~~\n\nb\n"]);
    assert!(blocks.is_empty(), "{blocks:?}");
    assert_eq!(tail, "~~~~\na\n```\n~~~\n\nb\n");
    let (blocks, _) = run(&["~~~~\na\n```\n~~~\n\nb\n~~~~~\n"]);
    assert_eq!(blocks.len(), 1);
}

#[test]
fn partial_line_that_looks_like_a_fence_is_not_trusted() {
    // "```x`" is not a fence opener, so the whole thing is one paragraph.
    let mut s = BlockSplitter::new();
    assert!(s.push("para\n```").is_empty());
    assert!(s.push("x` tail\n").is_empty());
    assert_eq!(s.tail(), "para\n```x` tail\n");
}

#[test]
fn list_with_blank_lines_stays_pending_until_it_ends() {
    let mut s = BlockSplitter::new();
    assert!(s.push("- one\n\n- two\n\n").is_empty());
    assert!(s.push("  still two\n\n").is_empty());
    assert!(s.push("    - nested\n\n").is_empty());
    let b = s.push("After.\n");
    assert_eq!(
        sources(&b),
        ["- one\n\n- two\n\n  still two\n\n    - nested\n\n"]
    );
    assert_eq!(s.tail(), "After.\n");
}

#[test]
fn block_quote_and_table_commit_when_next_block_starts() {
    let (blocks, tail) = run(&["> a\n> b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n\nnext\n"]);
    assert_eq!(
        sources(&blocks),
        ["> a\n> b\n", "\n| x | y |\n|---|---|\n| 1 | 2 |\n"]
    );
    assert_eq!(tail, "\nnext\n");
}

#[test]
fn indented_code_spans_blank_lines() {
    let (blocks, tail) = run(&["    a\n\n    b\n\n"]);
    assert!(blocks.is_empty());
    assert_eq!(tail, "    a\n\n    b\n\n");
    let (blocks, _) = run(&["    a\n\n    b\n\nc\n"]);
    assert_eq!(sources(&blocks), ["    a\n\n    b\n"]);
}

#[test]
fn html_block_with_blank_lines_is_one_block() {
    let (blocks, _) = run(&["<pre>\na\n\nb\n</pre>\n\nafter\n"]);
    assert_eq!(sources(&blocks), ["<pre>\na\n\nb\n</pre>\n"]);
    assert!(matches!(&parse(&blocks[0].source)[0], Node::Paragraph(_)));
}

#[test]
fn reference_definitions_resolve_across_blocks() {
    let text = "See [docs][1].\n\n[1]: https://example.com/docs\n\nMore.\n";
    let blocks = run_all(&[text]);
    assert_eq!(
        sources(&blocks),
        [
            "See [docs][1].\n",
            "\n[1]: https://example.com/docs\n\nMore.\n"
        ]
    );
    let whole = parse(text);
    assert!(matches!(&whole[0], Node::Paragraph(c) if matches!(c[1], Node::Link { .. })));
    // Each block alone: the reference stays text (safely); with the answer's definitions it
    // is the link the whole text has.
    let alone: Vec<Node> = blocks.iter().flat_map(|b| parse(&b.source)).collect();
    assert!(matches!(&alone[0], Node::Paragraph(c) if c == &[Node::Text("See [docs][1].".into())]));
    assert_eq!(render(&blocks, ""), whole);
    // The first definition of a label wins, wherever it is.
    let twice = "[a][x]\n\n[x]: https://one.example\n\nz\n\n[x]: https://two.example\n";
    assert_eq!(render(&run_all(&[twice]), ""), parse(twice));
    // A last paragraph that may still become a definition does not close the block before
    // it: `[1]:` waits for its destination on the next line.
    let (held, tail) = run(&["See [docs][1].\n\n[1]:\n"]);
    assert!(held.is_empty(), "{:?}", sources(&held));
    assert_eq!(tail, "See [docs][1].\n\n[1]:\n");
}

#[test]
fn finish_commits_everything_and_whitespace_only_tail() {
    assert!(run_all(&[]).is_empty());
    assert_eq!(sources(&run_all(&["\n\n"])), ["\n\n"]);
    assert_eq!(sources(&run_all(&["a\n\nb"])), ["a\n", "\nb"]);
    assert_eq!(sources(&run_all(&["```\nopen"])), ["```\nopen"]);
}

#[test]
fn long_fence_streams_without_rescanning() {
    // Not a timing test: checks that lines inside an open fence do not commit anything and
    // that the block is committed exactly once its fence closes.
    let mut s = BlockSplitter::new();
    assert!(s.push("```\n").is_empty());
    for i in 0..2000 {
        assert!(s.push(&format!("line {i}\n\n")).is_empty());
    }
    let b = s.push("```\nafter");
    assert_eq!(b.len(), 1);
    assert_eq!(s.tail(), "after");
}

// ------------------------------------------------------------------------------------------
// Properties
// ------------------------------------------------------------------------------------------

/// Lines that exercise block structure.
fn md_line() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        "",
        "",
        "",
        "# Heading",
        "## Heading *emph*",
        "Plain paragraph text with **bold** and `code`.",
        "more text",
        "- item",
        "* star item",
        "+ plus",
        "  - nested item",
        "    deeper",
        "1. one",
        "2) two",
        "10. ten",
        "> quote",
        "> > nested quote",
        ">",
        "```",
        "```rust",
        "````",
        "~~~",
        "   ```",
        "    indented code",
        "\tindented by tab",
        "---",
        "***",
        "===",
        "- - -",
        "| a | b |",
        "|---|:-:|",
        "| 1 | 2 |",
        "a | b",
        "<div>",
        "</div>",
        "<pre>",
        "</pre>",
        "<!-- comment",
        "-->",
        "<script>",
        "</script>",
        "hard break  ",
        "backslash\\",
        "- [ ] task",
        "- [x] done",
        "  continuation",
        "[link](https://example.com) and <https://example.com>",
        "see \u{E000}1\u{E001} and \u{E000}22\u{E001}",
        "https://example.com/x.",
        "*unclosed emphasis",
        "`unclosed code",
    ]);
    prop_oneof![
        8 => fixed.prop_map(String::from),
        1 => "[a-z `*_>#|~-]{0,12}",
    ]
}

fn md_text() -> impl Strategy<Value = String> {
    (prop::collection::vec(md_line(), 0..24), any::<bool>()).prop_map(|(lines, crlf)| {
        let nl = if crlf { "\r\n" } else { "\n" };
        let mut t = lines.join(nl);
        if !t.is_empty() {
            t.push_str(nl);
        }
        t
    })
}

/// Cuts `text` at the given fractions (snapped to char boundaries).
fn chunk(text: &str, cuts: &[usize]) -> Vec<String> {
    let bounds = char_splits(text);
    let mut idx: Vec<usize> = cuts
        .iter()
        .map(|c| bounds.get(c % bounds.len()).copied().unwrap_or(0))
        .collect();
    idx.push(0);
    idx.push(text.len());
    idx.sort_unstable();
    idx.dedup();
    idx.windows(2)
        .map(|w| text.get(w[0]..w[1]).unwrap_or("").to_string())
        .collect()
}

proptest! {
    // 256 cases by default; PROPTEST_CASES=20000 for a deeper run.
    #[test]
    fn arbitrary_text_never_panics_and_concatenates(
        text in any::<String>(),
        cuts in prop::collection::vec(any::<usize>(), 0..6),
    ) {
        let chunks = chunk(&text, &cuts);
        let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
        let (blocks, tail) = run(&refs);
        prop_assert_eq!(format!("{}{tail}", sources(&blocks).concat()), text.clone());
        let all = run_all(&refs);
        prop_assert_eq!(sources(&all).concat(), text.clone());
        let _ = parse(&text);
    }

    #[test]
    fn chunking_does_not_change_blocks(
        text in md_text(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let chunks = chunk(&text, &cuts);
        let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
        let (blocks, tail) = run(&refs);
        let (blocks1, tail1) = run(&[&text]);
        prop_assert_eq!(&blocks, &blocks1);
        prop_assert_eq!(&tail, &tail1);
        prop_assert_eq!(format!("{}{tail}", sources(&blocks).concat()), text.clone());
        let all = run_all(&refs);
        check_ids(&all);
        prop_assert_eq!(&all, &run_all(&[&text]));
    }

    #[test]
    fn blocks_render_like_the_whole(text in md_text()) {
        let (blocks, tail) = run(&[&text]);
        prop_assert_eq!(&render(&blocks, &tail), &parse(&text));
        let all = run_all(&[&text]);
        prop_assert_eq!(&render(&all, ""), &parse(&text));
    }

    #[test]
    fn markdownish_text_never_panics(text in md_text(), cuts in prop::collection::vec(any::<usize>(), 0..8)) {
        let chunks = chunk(&text, &cuts);
        let refs: Vec<&str> = chunks.iter().map(String::as_str).collect();
        let _ = run_all(&refs);
        let nodes = parse(&text);
        let _ = sherpa_protocol::markdown::plain_text(&nodes);
    }
}

/// Inputs coverage-guided fuzzing found (4 bytes of the fuzzer's chunking seed, then the
/// text): the blocks must not depend on where the text is cut. Checked here at every split
/// point, two at a time, and one character at a time. The first is a paragraph whose last
/// line, indented by four spaces, became a table's header: committed alone, the paragraph
/// left the header to start a block of its own, where it read as indented code. The second
/// ends in `[1]:` then its destination on the next line: the paragraph before was committed
/// when `[1]:` looked like a paragraph, before it turned into a definition (no block).
#[test]
fn fuzz_finds_chunk_independent() {
    for name in [
        "markdown-indented-table-blocks.bin",
        "markdown-refdef-blocks.bin",
    ] {
        let path = format!(
            "{}/tests/fixtures/markdown/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        let bytes = std::fs::read(&path).expect("fixture");
        let text = String::from_utf8_lossy(&bytes[4..]).into_owned();
        let whole = run_all(&[&text]);
        let splits = char_splits(&text);
        for &i in &splits {
            let all = run_all(&[&text[..i], &text[i..]]);
            assert_eq!(sources(&all), sources(&whole), "{name}: cut at {i}");
        }
        let chars: Vec<String> = text.chars().map(String::from).collect();
        let refs: Vec<&str> = chars.iter().map(String::as_str).collect();
        assert_eq!(
            sources(&run_all(&refs)),
            sources(&whole),
            "{name}: char by char"
        );
    }
}
