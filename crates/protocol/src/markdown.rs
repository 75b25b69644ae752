//! Answer markdown: split into blocks while streaming, and parsed into a safe node tree.
//!
//! # Streaming: [`BlockSplitter`]
//!
//! Answer text arrives in small deltas. Re-parsing the whole answer on every delta costs
//! O(n²), so the text is cut into top-level markdown blocks. A block that can no longer
//! change is *committed*: it gets an id (0, 1, 2, …), its source never changes again, and the
//! widget parses and renders it once. Everything after the last committed block is the
//! *pending tail*, re-parsed on each delta. Committed sources followed by the tail always
//! concatenate to exactly the text pushed.
//!
//! The splitter runs the parser's own block pass (see below) over the complete lines of the
//! tail only (a partial last line can still change meaning: "```" may become "```x`", which
//! is not a fence) and reads where its top-level blocks begin and end. Commit rules:
//!
//! * every top-level block except the last one is committed: once a later top-level block has
//!   started, every earlier one is closed, whatever it was (paragraph, list with blank lines
//!   inside, block quote, table, indented or fenced code, HTML block);
//! * the last block is committed too when nothing can extend it: an ATX or setext heading, a
//!   thematic break, or a fenced code block whose closing fence has arrived;
//! * a block's source runs to the end of the last line the block pass assigns to it (a list
//!   keeps the blank lines inside and after its items, other blocks end at their last line);
//!   blank lines after that start the next block's source;
//! * [`BlockSplitter::finish`] commits what is left, one block per top-level block.
//!
//! Work per delta: nothing is scanned unless the delta contains a newline; then the tail's
//! complete lines are scanned once, so the cost is proportional to the delta plus the tail.
//! While the tail is an open fenced code block, only the newly completed lines are checked for
//! a possible closing fence, so a long code block streams in linear time. A line over
//! [`LONG_LINE`] bytes (outside fenced code) is committed in pieces of at most that size, cut
//! at spaces, each shown as a paragraph of its own. The cost that remains is a single huge
//! top-level block of many lines (say a 100 KB list): every new line re-scans it, as the
//! widget re-renders it anyway. Lines end at `\n` (a CR before it is dropped); a bare
//! CR is an ordinary character.
//!
//! Link reference definitions (`[1]: https://…`) reach across blocks: each block is parsed
//! with [`parse_with`] and the definitions of every block so far ([`definitions`],
//! [`add_definitions`]), and a block holding a reference is rendered again when a later block
//! brings a new definition, so the finished answer renders exactly like its whole text.
//!
//! # Safe tree: [`parse`]
//!
//! A small hand-written parser for the markdown chat answers use: CommonMark blocks
//! (paragraphs, ATX and setext headings, thematic breaks, fenced and indented code, block
//! quotes with lazy continuation, bullet and ordered lists, HTML blocks) plus GFM tables,
//! strikethrough (`~~x~~`) and task lists; inlines: code spans, emphasis and strong emphasis
//! (CommonMark's delimiter rules), links, images, autolinks, backslash escapes and entities
//! (numeric ones and a short table of common names; unknown names stay literal). It works in
//! two passes: a line-by-line block pass builds a tree of blocks, then an inline pass turns
//! each paragraph, heading and table cell into [`Node`]s. The widget renders nodes as
//! elements, never as HTML strings:
//!
//! * raw HTML (blocks and inline tags) is literal [`Node::Text`];
//! * link and image destinations pass [`safe_href`]: only absolute `http:`, `https:` and
//!   `mailto:` URLs survive; anything else (`javascript:`, `data:`, relative, protocol-relative
//!   …) gives `href: None` and the text is kept;
//! * images are never loaded (a server-chosen image URL is a tracking pixel): [`Node::Image`]
//!   carries the alt text and a checked href, to be shown as a link;
//! * bare `http://` and `https://` URLs, `www.` addresses and e-mail addresses in text become
//!   links (GFM "extended autolinks"), raw HTML included (it is text here);
//! * citation markers ([`MARK_OPEN`] digits [`MARK_CLOSE`]) become
//!   [`Node::Citation`]; inside code they are shown as `[n]`; stray marker characters are
//!   removed, so private-use characters never reach the screen;
//! * nesting deeper than [`MAX_DEPTH`] is flattened, so rendering recursion stays shallow.
//!
//! Every step is linear or close to it in the input (long runs of `*`, `[`, `` ` `` or `>`
//! included), and no input makes the parser panic.
//!
//! [`plain_text`] gives the text of a tree for the clipboard and for screen readers.

use crate::citations::{MARK_CLOSE, MARK_OPEN};

/// Containers nested deeper than this are flattened into their ancestor.
pub const MAX_DEPTH: usize = 24;

// ---------------------------------------------------------------------------------------------
// Streaming block splitter
// ---------------------------------------------------------------------------------------------

/// A committed top-level block of the answer: its source never changes again.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// Position among the answer's committed blocks: 0, 1, 2, …
    pub id: usize,
    /// The block's markdown source (with any blank lines that preceded it).
    pub source: String,
}

/// Splits streamed answer text into committed blocks and a pending tail.
#[derive(Clone, Debug, Default)]
pub struct BlockSplitter {
    tail: String,
    next_id: usize,
    fence: Option<FenceWatch>,
}

/// The tail starts with a fenced code block that is still open.
#[derive(Clone, Copy, Debug)]
struct FenceWatch {
    /// The fence character, `` ` `` or `~`.
    ch: u8,
    /// Byte offset in the tail up to which complete lines are known not to close the fence.
    checked: usize,
}

/// What kind of top-level block the block pass found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopKind {
    /// A heading or thematic break: complete at the end of its line(s).
    Closed,
    /// A fenced code block of this fence character: complete once its closing fence is there.
    Fenced { ch: u8, closed: bool },
    /// Anything else: may be extended by the next line.
    Open,
}

/// A top-level block: where its first line starts, where its last line ends, and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TopBlock {
    start: usize,
    end: usize,
    kind: TopKind,
}

impl BlockSplitter {
    /// An empty splitter.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the next piece of answer text; returns the blocks it committed, in order.
    pub fn push(&mut self, delta: &str) -> Vec<Block> {
        let old_len = self.tail.len();
        self.tail.push_str(delta);
        let mut out = self.commit_lines(old_len, delta);
        if self.fence.is_none() {
            while let Some(cut) = long_line_cut(&self.tail) {
                out.extend(self.commit(cut, true));
            }
        }
        out
    }

    /// Commits what the complete lines of the tail (after `delta` was appended at `old_len`)
    /// have made final.
    fn commit_lines(&mut self, old_len: usize, delta: &str) -> Vec<Block> {
        // Blocks are decided on complete lines only.
        let Some(nl) = delta.rfind('\n') else {
            return Vec::new();
        };
        let complete = old_len + nl + 1;
        if let Some(watch) = self.fence.as_mut() {
            let new_lines = self.tail.get(watch.checked..complete).unwrap_or("");
            if !may_close_fence(new_lines, watch.ch) {
                watch.checked = complete;
                return Vec::new();
            }
            self.fence = None;
        }
        self.commit(complete, false)
    }

    /// The answer ended: commits everything left (nothing if the tail is empty).
    pub fn finish(&mut self) -> Vec<Block> {
        self.fence = None;
        let len = self.tail.len();
        self.commit(len, true)
    }

    /// The text not yet committed.
    pub fn tail(&self) -> &str {
        &self.tail
    }

    /// How many blocks have been committed (the id the next one will get).
    pub fn committed(&self) -> usize {
        self.next_id
    }

    /// Commits the blocks of `tail[..limit]` that are final (all of them if `at_end`).
    fn commit(&mut self, limit: usize, at_end: bool) -> Vec<Block> {
        let Some(text) = self.tail.get(..limit) else {
            return Vec::new();
        };
        let blocks = top_level_blocks(text);
        let mut cuts: Vec<usize> = Vec::new();
        let mut last_cut = 0;
        for (i, block) in blocks.iter().enumerate() {
            let final_here = match blocks.get(i + 1) {
                // A later top-level block has started: this one is closed, provided the
                // next one really starts on a later line, and is not a last block that may
                // still turn out to be reference definitions (`[1]:` before its destination
                // has arrived), which are no block: this one could still grow over them.
                Some(next) => {
                    let may_vanish = !at_end
                        && block.kind == TopKind::Open
                        && next.kind == TopKind::Open
                        && i + 2 == blocks.len()
                        && text
                            .get(next.start..)
                            .is_some_and(|t| t.trim_start().starts_with('['));
                    block.end <= next.start && !may_vanish
                }
                None => {
                    at_end
                        || block.kind == TopKind::Closed
                        || matches!(block.kind, TopKind::Fenced { closed: true, .. })
                }
            };
            if final_here && block.end > last_cut {
                cuts.push(block.end);
                last_cut = block.end;
            }
        }
        if at_end && limit > last_cut {
            // Trailing blank lines (or text with no block, such as a lone reference
            // definition) go with the last block, or form a block of their own.
            match cuts.last_mut() {
                Some(last) => *last = limit,
                None => cuts.push(limit),
            }
        }
        let mut out = Vec::with_capacity(cuts.len());
        let mut from = 0;
        for cut in cuts {
            if let Some(source) = self.tail.get(from..cut) {
                out.push(Block {
                    id: self.next_id,
                    source: source.to_string(),
                });
                self.next_id += 1;
            }
            from = cut;
        }
        // If what is left is a single fenced code block, the scan found it still open (a
        // closed one was committed): watch for its closing line cheaply from now on.
        let mut left = blocks.iter().filter(|b| b.start >= from);
        let open_fence = match (left.next(), left.next()) {
            (
                Some(TopBlock {
                    kind: TopKind::Fenced { ch, closed: false },
                    ..
                }),
                None,
            ) => Some(*ch),
            _ => None,
        };
        if from > 0 {
            self.tail.drain(..from);
        }
        if let (false, Some(ch)) = (at_end, open_fence) {
            self.fence = Some(FenceWatch {
                ch,
                checked: limit.saturating_sub(from),
            });
        }
        out
    }
}

/// A line of the tail longer than this many bytes is committed in pieces of at most this
/// size, each cut at a space, so no block grows without bound while it streams: an answer
/// of one 100,000-character line would otherwise be re-parsed and laid out whole on every
/// delta, and once more in one task at the end (BENCHMARKS.md, "Hostile streams"). Each
/// piece shows as a paragraph of its own; real paragraphs are far shorter. Open fenced
/// code is left whole.
pub const LONG_LINE: usize = 16 * 1024;

/// Where to cut a tail whose last line is over [`LONG_LINE`] bytes: before the last space
/// in the line's first [`LONG_LINE`] bytes (with no space there, at that many bytes).
fn long_line_cut(tail: &str) -> Option<usize> {
    let start = tail.rfind('\n').map_or(0, |i| i + 1);
    let line = &tail[start..];
    if line.len() <= LONG_LINE {
        return None;
    }
    let mut end = LONG_LINE;
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    let cut = line[..end].rfind(' ').filter(|&i| i > 0).unwrap_or(end);
    Some(start + cut)
}

/// Top-level blocks of `text`, as the block pass sees them.
fn top_level_blocks(text: &str) -> Vec<TopBlock> {
    let doc = BlockParser::run(text, Refs::new());
    let Some(root) = doc.nodes.first() else {
        return Vec::new();
    };
    let mut out: Vec<TopBlock> = Vec::with_capacity(root.children.len());
    let mut after_paragraph = false;
    for &id in &root.children {
        let Some(b) = doc.nodes.get(id) else {
            continue;
        };
        // A table that split off the paragraph right above it (its header was the
        // paragraph's last line) stays one block with it: alone, the header line could read
        // as something else (an indented line is code at the start of a block).
        let split_table = matches!(b.kind, BKind::Table { .. }) && after_paragraph;
        after_paragraph = matches!(b.kind, BKind::Paragraph { .. });
        if let Some(prev) = out.last_mut().filter(|p| split_table && p.end == b.start) {
            prev.end = b.end;
            continue;
        }
        out.push(TopBlock {
            start: b.start,
            end: b.end,
            kind: match b.kind {
                BKind::Heading { .. } | BKind::Break => TopKind::Closed,
                BKind::Fenced { ch, closed, .. } => TopKind::Fenced { ch, closed },
                _ => TopKind::Open,
            },
        });
    }
    out
}

/// Whether any of these complete lines might close a fence of `ch`. Generous on purpose:
/// a false "maybe" only costs a full scan, a false "no" would delay a commit.
fn may_close_fence(lines: &str, ch: u8) -> bool {
    lines.split('\n').any(|line| {
        line.trim_start_matches([' ', '\t'])
            .bytes()
            .take_while(|&b| b == ch)
            .count()
            >= 3
    })
}

// ---------------------------------------------------------------------------------------------
// Node tree
// ---------------------------------------------------------------------------------------------

/// Column alignment in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// One table cell: inline nodes.
pub type Cell = Vec<Node>;

/// A safe markdown node. Text is always text: nothing here is HTML.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Node {
    // Blocks.
    Paragraph(Vec<Node>),
    /// Level 1 to 6.
    Heading {
        level: u8,
        children: Vec<Node>,
    },
    BlockQuote(Vec<Node>),
    /// `start` is the first number of an ordered list, `None` for a bullet list. Items are
    /// [`Node::Item`] (other nodes only if nesting was flattened).
    List {
        start: Option<u64>,
        items: Vec<Node>,
    },
    /// A list item. Items of a tight list hold inline nodes directly, loose ones paragraphs.
    Item(Vec<Node>),
    /// `lang` is the first word of the info string, restricted to `[A-Za-z0-9_+#.-]`.
    CodeBlock {
        lang: Option<String>,
        code: String,
    },
    Table {
        alignments: Vec<Align>,
        head: Vec<Cell>,
        rows: Vec<Vec<Cell>>,
    },
    ThematicBreak,
    // Inlines.
    Text(String),
    Code(String),
    Emphasis(Vec<Node>),
    Strong(Vec<Node>),
    Strikethrough(Vec<Node>),
    /// `href` is `None` when the destination is not an allowed absolute URL: show the text.
    Link {
        href: Option<String>,
        title: String,
        children: Vec<Node>,
    },
    /// An image, never to be loaded: show `alt` as a link to `href` (or as text if `None`).
    Image {
        href: Option<String>,
        title: String,
        alt: String,
    },
    /// Citation number `n`, from a citation marker.
    Citation(u32),
    SoftBreak,
    HardBreak,
    /// A GFM task-list checkbox: checked or not.
    TaskMarker(bool),
}

impl Node {
    /// The children of a container node other than a table (`None` for leaves and tables).
    pub fn children(&self) -> Option<&[Node]> {
        match self {
            Node::Paragraph(c)
            | Node::BlockQuote(c)
            | Node::Item(c)
            | Node::Emphasis(c)
            | Node::Strong(c)
            | Node::Strikethrough(c)
            | Node::Heading { children: c, .. }
            | Node::List { items: c, .. }
            | Node::Link { children: c, .. } => Some(c),
            _ => None,
        }
    }

    /// Whether this node is inline (goes inside a paragraph) rather than a block.
    pub fn is_inline(&self) -> bool {
        !matches!(
            self,
            Node::Paragraph(_)
                | Node::Heading { .. }
                | Node::BlockQuote(_)
                | Node::List { .. }
                | Node::Item(_)
                | Node::CodeBlock { .. }
                | Node::Table { .. }
                | Node::ThematicBreak
        )
    }
}

/// Parses markdown into a safe node tree. Never panics.
pub fn parse(source: &str) -> Vec<Node> {
    parse_with(source, &Refs::new())
}

/// [`parse`] for one block of a longer text: `refs` are the reference definitions of the
/// whole text so far ([`definitions`] of each block, merged with [`add_definitions`]), so a
/// reference resolves against a definition in another block, as it would in the whole text.
pub fn parse_with(source: &str, refs: &Refs) -> Vec<Node> {
    let doc = BlockParser::run(source, refs.clone());
    let mut nodes = Vec::new();
    doc.render_children(0, &mut nodes);
    let mut out = Vec::with_capacity(nodes.len());
    fit(nodes, MAX_DEPTH + 1, &mut out);
    out
}

/// The link reference definitions in `source`, in order (none unless it contains `]:`).
pub fn definitions(source: &str) -> Refs {
    if !source.contains("]:") {
        return Refs::new();
    }
    BlockParser::run(source, Refs::new()).refs
}

/// Adds `more` (a later block's [`definitions`]) to `refs`, the first definition of a label
/// winning. Returns whether a label was new (blocks rendered before may now resolve it).
pub fn add_definitions(refs: &mut Refs, more: Refs) -> bool {
    let mut added = false;
    for def in more {
        if !refs.iter().any(|(l, _, _)| *l == def.0) {
            refs.push(def);
            added = true;
        }
    }
    added
}

// ---------------------------------------------------------------------------------------------
// Depth limit
// ---------------------------------------------------------------------------------------------

/// Appends `nodes` to `out` so that no path is longer than `room` nodes (leaves included): a
/// container with no room left for its children is replaced by its children.
fn fit(nodes: Vec<Node>, room: usize, out: &mut Vec<Node>) {
    for node in nodes {
        fit_node(node, room, out);
    }
}

/// The children of a container node other than a table.
fn children_mut(node: &mut Node) -> Option<&mut Vec<Node>> {
    match node {
        Node::Paragraph(c)
        | Node::BlockQuote(c)
        | Node::Item(c)
        | Node::Emphasis(c)
        | Node::Strong(c)
        | Node::Strikethrough(c)
        | Node::Heading { children: c, .. }
        | Node::List { items: c, .. }
        | Node::Link { children: c, .. } => Some(c),
        _ => None,
    }
}

/// Children of a container get one level less; no room for them: splice them here.
fn fit_node(mut node: Node, room: usize, out: &mut Vec<Node>) {
    if let Some(c) = children_mut(&mut node) {
        let children = std::mem::take(c);
        if room >= 2 {
            let mut inner = Vec::with_capacity(children.len());
            fit(children, room - 1, &mut inner);
            if let Some(c) = children_mut(&mut node) {
                *c = inner;
            }
            out.push(node);
        } else {
            fit(children, room, out);
        }
        return;
    }
    match node {
        Node::Table {
            alignments,
            head,
            rows,
        } => {
            if room >= 3 {
                let cells = |row: Vec<Cell>| {
                    let mut fitted = Vec::with_capacity(row.len());
                    for c in row {
                        let mut inner = Vec::with_capacity(c.len());
                        fit(c, room - 2, &mut inner);
                        fitted.push(inner);
                    }
                    fitted
                };
                let head = cells(head);
                let mut fitted_rows = Vec::with_capacity(rows.len());
                for row in rows {
                    fitted_rows.push(cells(row));
                }
                out.push(Node::Table {
                    alignments,
                    head,
                    rows: fitted_rows,
                });
            } else {
                for c in head {
                    fit(c, room, out);
                }
                for row in rows {
                    for c in row {
                        fit(c, room, out);
                    }
                }
            }
        }
        leaf => out.push(leaf),
    }
}

// ---------------------------------------------------------------------------------------------
// Block pass
// ---------------------------------------------------------------------------------------------

/// Containers (quotes, lists, items) the block pass nests at most; markers beyond are text.
const BLOCK_DEPTH: usize = MAX_DEPTH + 2;

/// A block of the block pass, before inline parsing.
#[derive(Debug)]
enum BKind {
    Document,
    Quote,
    /// `marker` is the bullet (`-`, `+`, `*`) or the ordered delimiter (`.`, `)`).
    List {
        ordered: bool,
        marker: u8,
        start: u64,
        tight: bool,
    },
    /// Content starts `offset + padding` columns into the line.
    Item {
        offset: usize,
        padding: usize,
    },
    /// Lines joined by `\n`, leading whitespace removed. `last_line` is where the last line
    /// starts in `text`, `last_src` where it starts in the source.
    Paragraph {
        text: String,
        last_line: usize,
        last_src: usize,
    },
    Heading {
        level: u8,
        text: String,
    },
    Break,
    /// `indent` is the opening fence's indentation, removed from content lines.
    Fenced {
        ch: u8,
        len: usize,
        indent: usize,
        info: String,
        code: String,
        closed: bool,
    },
    Indented {
        code: String,
    },
    Html {
        end: HtmlEnd,
        text: String,
        done: bool,
    },
    Table {
        aligns: Vec<Align>,
        head: Vec<String>,
        rows: Vec<Vec<String>>,
    },
}

/// What ends an HTML block: a line containing this text, or a blank line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum HtmlEnd {
    Contains(&'static str),
    BlankLine,
}

#[derive(Debug)]
struct BNode {
    kind: BKind,
    children: Vec<usize>,
    /// Source byte offsets: start of the first line, end of the last line (after its `\n`).
    start: usize,
    end: usize,
    /// Line numbers: where the block starts, and its last line with content (for tightness).
    first_line: usize,
    content_line: usize,
}

/// Link reference definitions: (normalised label, destination, title), the last two
/// unescaped, in document order (the first definition of a label wins). A plain vector (a
/// message has a handful at most): a `BTreeMap` of this type would add its own copy of the
/// tree code to the wasm.
pub type Refs = Vec<(String, String, String)>;

/// How an open block takes the next line.
enum Cont {
    Yes,
    No,
    /// The line closed this fenced code block and is used up.
    FenceClosed,
}

/// Builds the block tree line by line, CommonMark style: each line first continues the open
/// blocks it matches (quote markers, item indentation…), may then start new blocks, and what
/// is left is added to the innermost block as text (or continues a paragraph lazily).
struct BlockParser {
    /// Node 0 is the document.
    nodes: Vec<BNode>,
    /// Open blocks from the document down; only the last child of a block can be open.
    open: Vec<usize>,
    /// How many open blocks the current line continued (or started).
    matched: usize,
    line_no: usize,
    refs: Refs,
}

impl BlockParser {
    /// Runs the block pass over all of `text`.
    /// The block pass over `text`, with `refs` known beforehand (see [`parse_with`]).
    fn run(text: &str, refs: Refs) -> BlockParser {
        let mut p = BlockParser {
            nodes: vec![BNode {
                kind: BKind::Document,
                children: Vec::new(),
                start: 0,
                end: 0,
                first_line: 0,
                content_line: 0,
            }],
            open: vec![0],
            matched: 1,
            line_no: 0,
            refs,
        };
        let mut start = 0;
        while start < text.len() {
            let rest = text.get(start..).unwrap_or("");
            let (line, end, newline) = match rest.find('\n') {
                Some(i) => (rest.get(..i).unwrap_or(""), start + i + 1, true),
                None => (rest, text.len(), false),
            };
            let line = line.strip_suffix('\r').unwrap_or(line);
            p.line(line, start, end, newline);
            start = end;
        }
        while p.open.len() > 1 {
            p.close_tip();
        }
        p
    }

    fn kind(&self, id: usize) -> Option<&BKind> {
        self.nodes.get(id).map(|n| &n.kind)
    }

    fn kind_mut(&mut self, id: usize) -> Option<&mut BKind> {
        self.nodes.get_mut(id).map(|n| &mut n.kind)
    }

    fn tip(&self) -> usize {
        self.open.last().copied().unwrap_or(0)
    }

    /// Processes one line (without its line ending) spanning `start..end` of the source.
    fn line(&mut self, text: &str, start: usize, end: usize, newline: bool) {
        self.line_no += 1;
        let mut ln = Line::new(text);
        let mut used_up = false;

        // 1. Which open blocks does the line continue?
        self.matched = 1;
        while let Some(&id) = self.open.get(self.matched) {
            match self.continues(id, &mut ln) {
                Cont::Yes => self.matched += 1,
                Cont::No => break,
                Cont::FenceClosed => {
                    self.matched += 1;
                    used_up = true;
                    break;
                }
            }
        }
        let all_matched = self.matched == self.open.len();

        // 2. New block starts.
        let mut started = false;
        let mut container = self.open.get(self.matched - 1).copied().unwrap_or(0);
        while !used_up {
            let in_para = match self.kind(container) {
                Some(BKind::Fenced { .. } | BKind::Indented { .. } | BKind::Html { .. }) => break,
                Some(BKind::Paragraph { .. }) => true,
                _ => false,
            };
            if ln.indent >= 4 {
                let tip_takes_text = matches!(
                    self.kind(self.tip()),
                    Some(BKind::Paragraph { .. } | BKind::Table { .. })
                );
                if !ln.blank && !tip_takes_text {
                    ln.advance(4, true);
                    self.add_block(
                        BKind::Indented {
                            code: String::new(),
                        },
                        start,
                    );
                    started = true;
                }
                break;
            }
            let rest = ln.rest();
            let depth = self.matched;
            if ln.byte(ln.nn) == b'>' && depth < BLOCK_DEPTH {
                ln.quote_marker();
                container = self.add_block(BKind::Quote, start);
                started = true;
                continue;
            }
            if let Some((level, heading)) = atx_heading(rest) {
                self.add_block(
                    BKind::Heading {
                        level,
                        text: heading.to_string(),
                    },
                    start,
                );
                started = true;
                used_up = true;
                break;
            }
            if let Some((ch, len, info)) = fence_opener(rest) {
                let indent = ln.indent;
                self.add_block(
                    BKind::Fenced {
                        ch,
                        len,
                        indent,
                        info: info.to_string(),
                        code: String::new(),
                        closed: false,
                    },
                    start,
                );
                started = true;
                used_up = true;
                break;
            }
            // A type 7 HTML block cannot interrupt a paragraph, lazy continuation included.
            let para_open = in_para
                || (!started
                    && !all_matched
                    && matches!(self.kind(self.tip()), Some(BKind::Paragraph { .. })));
            if let Some(end) = html_start(rest, para_open) {
                self.add_block(
                    BKind::Html {
                        end,
                        text: String::new(),
                        done: false,
                    },
                    start,
                );
                started = true;
                break;
            }
            if in_para && self.table_or_setext(container, rest) {
                started = true;
                used_up = true;
                break;
            }
            if thematic_break(rest) {
                self.add_block(BKind::Break, start);
                started = true;
                used_up = true;
                break;
            }
            if depth + 1 < BLOCK_DEPTH {
                if let Some(item) = self.list_item(&mut ln, in_para, container, start) {
                    container = item;
                    started = true;
                    continue;
                }
            }
            break;
        }

        // 3. The rest of the line is text for the innermost block.
        if !used_up {
            let tip = self.tip();
            let lazy = !started
                && !all_matched
                && !ln.blank
                && matches!(self.kind(tip), Some(BKind::Paragraph { .. }));
            if lazy {
                self.para_add(tip, ln.rest(), start);
            } else {
                self.close_unmatched();
                let tip = self.tip();
                self.add_text(tip, &ln, start, newline);
            }
        }

        // 4. Bookkeeping: every open block now spans this line. A blank line inside a block
        // quote, fenced code or HTML block is content for it and for the blocks around it (a
        // list item holding `>` then an empty `>` line has no blank line between items).
        let line_no = self.line_no;
        let keeps_blank = |kind: &BKind| {
            matches!(
                kind,
                BKind::Fenced { .. } | BKind::Html { .. } | BKind::Quote
            )
        };
        let held = self
            .open
            .iter()
            .rposition(|&id| self.nodes.get(id).is_some_and(|n| keeps_blank(&n.kind)));
        for (depth, &id) in self.open.iter().enumerate() {
            if let Some(node) = self.nodes.get_mut(id) {
                // A line that started a block (an empty list item `-`) is not blank either.
                if !ln.blank || started || held.is_some_and(|h| depth <= h) {
                    node.content_line = line_no;
                }
                if !(ln.blank && matches!(node.kind, BKind::Indented { .. })) {
                    node.end = end;
                }
            }
        }
    }

    /// Whether the open block `id` continues on this line; consumes its marker if so.
    fn continues(&mut self, id: usize, ln: &mut Line) -> Cont {
        let has_children = self.nodes.get(id).is_some_and(|n| !n.children.is_empty());
        let Some(kind) = self.kind(id) else {
            return Cont::No;
        };
        match *kind {
            BKind::Document | BKind::List { .. } => Cont::Yes,
            BKind::Quote => {
                if ln.indent <= 3 && ln.byte(ln.nn) == b'>' {
                    ln.quote_marker();
                    Cont::Yes
                } else {
                    Cont::No
                }
            }
            BKind::Item { offset, padding } => {
                if ln.blank {
                    if !has_children {
                        return Cont::No;
                    }
                    ln.skip_to_nonspace();
                    Cont::Yes
                } else if ln.indent >= offset + padding {
                    ln.advance(offset + padding, true);
                    Cont::Yes
                } else {
                    Cont::No
                }
            }
            BKind::Fenced {
                ch,
                len,
                indent,
                closed,
                ..
            } => {
                if closed {
                    return Cont::No;
                }
                if ln.indent <= 3 && closing_fence(ln.rest(), ch, len) {
                    if let Some(BKind::Fenced { closed, .. }) = self.kind_mut(id) {
                        *closed = true;
                    }
                    return Cont::FenceClosed;
                }
                let mut left = indent;
                while left > 0 && matches!(ln.byte(ln.pos), b' ' | b'\t') {
                    ln.advance(1, true);
                    left -= 1;
                }
                Cont::Yes
            }
            BKind::Indented { .. } => {
                if ln.indent >= 4 {
                    ln.advance(4, true);
                    Cont::Yes
                } else if ln.blank {
                    ln.skip_to_nonspace();
                    Cont::Yes
                } else {
                    Cont::No
                }
            }
            BKind::Html { end, done, .. } => {
                if done || (ln.blank && end == HtmlEnd::BlankLine) {
                    Cont::No
                } else {
                    Cont::Yes
                }
            }
            BKind::Paragraph { .. } | BKind::Table { .. } => {
                if ln.blank {
                    Cont::No
                } else {
                    Cont::Yes
                }
            }
            BKind::Heading { .. } | BKind::Break => Cont::No,
        }
    }

    /// Adds the rest of the line to the innermost open block `tip`.
    fn add_text(&mut self, tip: usize, ln: &Line, start: usize, newline: bool) {
        let blank = ln.blank;
        let Some(kind) = self.kind_mut(tip) else {
            return;
        };
        match kind {
            BKind::Fenced { code, .. } | BKind::Indented { code } => {
                code.push_str(&ln.rest_code());
                if newline {
                    code.push('\n');
                }
            }
            BKind::Html { end, text, done } => {
                let line = ln.rest_code();
                if let HtmlEnd::Contains(marker) = *end {
                    *done = line.to_ascii_lowercase().contains(marker);
                }
                if !text.is_empty() {
                    text.push('\n');
                }
                text.push_str(&line);
            }
            BKind::Paragraph { .. } => self.para_add(tip, ln.rest(), start),
            BKind::Table { head, rows, .. } => {
                if !blank {
                    let mut cells = split_row(ln.rest());
                    cells.resize(head.len(), String::new());
                    rows.push(cells);
                }
            }
            BKind::Heading { .. } | BKind::Break => {}
            BKind::Document | BKind::Quote | BKind::List { .. } | BKind::Item { .. } => {
                if !blank {
                    let text = ln.rest().to_string();
                    self.add_block(
                        BKind::Paragraph {
                            text,
                            last_line: 0,
                            last_src: start,
                        },
                        start,
                    );
                }
            }
        }
    }

    fn para_add(&mut self, id: usize, line: &str, src: usize) {
        if let Some(BKind::Paragraph {
            text,
            last_line,
            last_src,
        }) = self.kind_mut(id)
        {
            if !text.is_empty() {
                text.push('\n');
            }
            *last_line = text.len();
            *last_src = src;
            text.push_str(line);
        }
    }

    /// The matched paragraph `para` meets a line that may turn it into a table (this line is
    /// the delimiter row, its last line the header) or a setext heading. Returns whether it did.
    fn table_or_setext(&mut self, para: usize, line: &str) -> bool {
        let Some(BKind::Paragraph {
            text,
            last_line,
            last_src,
        }) = self.kind(para)
        else {
            return false;
        };
        let (last_line, last_src) = (*last_line, *last_src);
        let header = text.get(last_line..).unwrap_or("").to_string();
        if let Some(aligns) = delimiter_row(line) {
            let head = split_row(&header);
            if header.contains('|') && head.len() == aligns.len() {
                let table = BKind::Table {
                    aligns,
                    head,
                    rows: Vec::new(),
                };
                if last_line == 0 {
                    if let Some(kind) = self.kind_mut(para) {
                        *kind = table;
                    }
                } else {
                    // The lines before the header stay a paragraph.
                    let header_line = self.line_no.saturating_sub(1);
                    if let Some(node) = self.nodes.get_mut(para) {
                        if let BKind::Paragraph { text, .. } = &mut node.kind {
                            text.truncate(last_line.saturating_sub(1));
                        }
                        node.end = last_src;
                        node.content_line = header_line.saturating_sub(1);
                    }
                    self.close_tip();
                    self.matched = self.open.len();
                    let id = self.add_block(table, last_src);
                    if let Some(node) = self.nodes.get_mut(id) {
                        node.first_line = header_line;
                    }
                }
                return true;
            }
        }
        let Some(level) = setext_underline(line) else {
            return false;
        };
        // Reference definitions at the start are not part of the heading.
        let rest = match self.kind_mut(para) {
            Some(BKind::Paragraph { text, .. }) => std::mem::take(text),
            _ => return false,
        };
        let rest = take_definitions(&rest, &mut self.refs);
        if rest.trim().is_empty() {
            return false;
        }
        if let Some(kind) = self.kind_mut(para) {
            *kind = BKind::Heading {
                level,
                text: rest.trim().to_string(),
            };
        }
        true
    }

    /// Starts a list item if the line has a list marker (and a new list if needed).
    fn list_item(
        &mut self,
        ln: &mut Line,
        in_para: bool,
        container: usize,
        start: usize,
    ) -> Option<usize> {
        let rest = ln.rest();
        let bytes = rest.as_bytes();
        let first = *bytes.first()?;
        let (ordered, marker, number, width) = if matches!(first, b'-' | b'+' | b'*') {
            (false, first, 0, 1)
        } else {
            let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
            let delim = *bytes.get(digits)?;
            if digits == 0 || digits > 9 || !matches!(delim, b'.' | b')') {
                return None;
            }
            let number: u64 = rest.get(..digits)?.parse().ok()?;
            (true, delim, number, digits + 1)
        };
        let after = rest.get(width..)?;
        if !(after.is_empty() || after.starts_with([' ', '\t'])) {
            return None;
        }
        // Interrupting a paragraph: no empty item, and an ordered list must start at 1.
        if in_para && (after.trim().is_empty() || (ordered && number != 1)) {
            return None;
        }
        let offset = ln.indent;
        ln.skip_to_nonspace();
        ln.advance(width, false);
        let saved = (ln.pos, ln.col, ln.partial_tab);
        let col0 = ln.col;
        while ln.col - col0 < 5 && matches!(ln.byte(ln.pos), b' ' | b'\t') {
            ln.advance(1, true);
        }
        let spaces = ln.col - col0;
        let padding = if spaces == 0 || spaces >= 5 || ln.pos >= ln.text.len() {
            // Blank after the marker, or indented code inside: content starts one column in.
            (ln.pos, ln.col, ln.partial_tab) = saved;
            ln.scan();
            ln.skip_one_space();
            width + 1
        } else {
            width + spaces
        };
        let same_list = matches!(
            self.kind(container),
            Some(BKind::List { ordered: o, marker: m, .. }) if *o == ordered && *m == marker
        );
        if !same_list {
            self.add_block(
                BKind::List {
                    ordered,
                    marker,
                    start: number,
                    tight: true,
                },
                start,
            );
        }
        Some(self.add_block(BKind::Item { offset, padding }, start))
    }

    /// Closes the open blocks the current line did not continue.
    fn close_unmatched(&mut self) {
        while self.open.len() > self.matched.max(1) {
            self.close_tip();
        }
    }

    /// Adds a new open block under the innermost matched block that can hold it.
    #[inline(never)]
    fn add_block(&mut self, kind: BKind, start: usize) -> usize {
        self.close_unmatched();
        while self.open.len() > 1 {
            let holds = match self.kind(self.tip()) {
                Some(BKind::Document | BKind::Quote | BKind::Item { .. }) => {
                    !matches!(kind, BKind::Item { .. })
                }
                Some(BKind::List { .. }) => matches!(kind, BKind::Item { .. }),
                _ => false,
            };
            if holds {
                break;
            }
            self.close_tip();
        }
        let id = self.nodes.len();
        let parent = self.tip();
        self.nodes.push(BNode {
            kind,
            children: Vec::new(),
            start,
            end: start,
            first_line: self.line_no,
            content_line: self.line_no,
        });
        if let Some(p) = self.nodes.get_mut(parent) {
            p.children.push(id);
        }
        self.open.push(id);
        self.matched = self.open.len();
        id
    }

    /// Closes the innermost open block and finishes it.
    #[inline(never)]
    fn close_tip(&mut self) {
        if self.open.len() <= 1 {
            return;
        }
        let Some(id) = self.open.pop() else {
            return;
        };
        let parent = self.tip();
        match self.kind_mut(id) {
            Some(BKind::Paragraph { text, .. }) => {
                let all = std::mem::take(text);
                let rest = take_definitions(&all, &mut self.refs);
                let rest = rest.trim_end().to_string();
                if rest.is_empty() {
                    // Only reference definitions: no block at all.
                    if let Some(p) = self.nodes.get_mut(parent) {
                        if p.children.last() == Some(&id) {
                            p.children.pop();
                        }
                    }
                } else if let Some(BKind::Paragraph { text, .. }) = self.kind_mut(id) {
                    *text = rest;
                }
            }
            Some(BKind::Indented { code }) => trim_blank_lines(code),
            Some(BKind::List { .. }) => {
                let tight = self.list_is_tight(id);
                if let Some(BKind::List { tight: t, .. }) = self.kind_mut(id) {
                    *t = tight;
                }
            }
            _ => {}
        }
    }

    /// A list is loose when a blank line separates two of its items, or follows a block
    /// directly inside an item when something follows it in the list (another block of the
    /// item, or the next item): CommonMark's rule, which also makes `- b\n\n  [r]: /u\n- c`
    /// loose (the definition is no block, but the blank line after `b` stays).
    fn list_is_tight(&self, list: usize) -> bool {
        let line = |id: usize, first: bool| {
            self.nodes
                .get(id)
                .map(|n| if first { n.first_line } else { n.content_line })
        };
        let gap = |a: usize, next: Option<usize>| match (
            line(a, false),
            next.and_then(|b| line(b, true)),
        ) {
            (Some(a), Some(b)) => a + 1 < b,
            _ => false,
        };
        let Some(list) = self.nodes.get(list) else {
            return true;
        };
        for (i, &item) in list.children.iter().enumerate() {
            let next_item = list.children.get(i + 1).copied();
            if gap(item, next_item) {
                return false;
            }
            let Some(node) = self.nodes.get(item) else {
                continue;
            };
            for (j, &child) in node.children.iter().enumerate() {
                if gap(child, node.children.get(j + 1).copied().or(next_item)) {
                    return false;
                }
            }
        }
        true
    }

    // -----------------------------------------------------------------------------------------
    // From blocks to nodes
    // -----------------------------------------------------------------------------------------

    /// Appends the nodes of the children of block `id` to `out`.
    fn render_children(&self, id: usize, out: &mut Vec<Node>) {
        if let Some(node) = self.nodes.get(id) {
            for &child in &node.children {
                self.render(child, out);
            }
        }
    }

    /// Appends the node(s) of block `id` to `out`.
    fn render(&self, id: usize, out: &mut Vec<Node>) {
        let Some(node) = self.nodes.get(id) else {
            return;
        };
        match &node.kind {
            BKind::Document | BKind::Item { .. } => self.render_children(id, out),
            BKind::Quote => {
                let mut children = Vec::new();
                self.render_children(id, &mut children);
                out.push(Node::BlockQuote(children));
            }
            BKind::List {
                ordered,
                start,
                tight,
                ..
            } => {
                let items = node
                    .children
                    .iter()
                    .map(|&item| Node::Item(self.render_item(item, *tight)))
                    .collect();
                out.push(Node::List {
                    start: ordered.then_some(*start),
                    items,
                });
            }
            BKind::Paragraph { text, .. } => {
                out.push(Node::Paragraph(inlines(text, &self.refs)));
            }
            BKind::Heading { level, text } => out.push(Node::Heading {
                level: *level,
                children: inlines(text, &self.refs),
            }),
            BKind::Break => out.push(Node::ThematicBreak),
            BKind::Fenced { info, code, .. } => out.push(Node::CodeBlock {
                lang: code_lang(&unescape(info)),
                code: markers_as_brackets(code),
            }),
            BKind::Indented { code } => out.push(Node::CodeBlock {
                lang: None,
                code: markers_as_brackets(code),
            }),
            BKind::Html { text, .. } => {
                // Raw HTML is shown as the text it is, line by line.
                let mut nodes = Vec::new();
                for (i, line) in text.trim_end().split('\n').enumerate() {
                    if i > 0 {
                        nodes.push(Node::SoftBreak);
                    }
                    inline_text(line, true, &mut nodes);
                }
                out.push(Node::Paragraph(nodes));
            }
            BKind::Table { aligns, head, rows } => {
                let cells = |row: &[String]| -> Vec<Cell> {
                    let mut out = Vec::with_capacity(row.len());
                    for c in row {
                        out.push(inlines(c, &self.refs));
                    }
                    out
                };
                let mut body = Vec::with_capacity(rows.len());
                for r in rows {
                    body.push(cells(r));
                }
                out.push(Node::Table {
                    alignments: aligns.clone(),
                    head: cells(head),
                    rows: body,
                });
            }
        }
    }

    /// The children of a list item: a tight item's paragraphs are unwrapped into inlines; a
    /// leading `[ ]` / `[x]` becomes a task marker.
    fn render_item(&self, item: usize, tight: bool) -> Vec<Node> {
        let mut out = Vec::new();
        let Some(node) = self.nodes.get(item) else {
            return out;
        };
        for (i, &child) in node.children.iter().enumerate() {
            let Some(BKind::Paragraph { text, .. }) = self.kind(child) else {
                self.render(child, &mut out);
                continue;
            };
            let mut inline = Vec::new();
            let mut text = text.as_str();
            if i == 0 {
                if let Some((done, rest)) = task_marker(text) {
                    inline.push(Node::TaskMarker(done));
                    text = rest;
                }
            }
            inline.extend(inlines(text, &self.refs));
            if tight {
                out.extend(inline);
            } else {
                out.push(Node::Paragraph(inline));
            }
        }
        out
    }
}

/// A task-list marker at the start of an item's text: checked or not, and the text after it.
fn task_marker(text: &str) -> Option<(bool, &str)> {
    let done = match text.get(..3)? {
        "[ ]" => false,
        "[x]" | "[X]" => true,
        _ => return None,
    };
    let rest = text.get(3..)?;
    if !rest.starts_with([' ', '\t']) || rest.trim().is_empty() {
        return None;
    }
    Some((done, rest.trim_start_matches([' ', '\t'])))
}

/// Removes trailing blank lines from indented code (the last kept line keeps its `\n`).
fn trim_blank_lines(code: &mut String) {
    loop {
        let body = code.strip_suffix('\n').unwrap_or(code);
        let line_start = body.rfind('\n').map_or(0, |i| i + 1);
        let last = body.get(line_start..).unwrap_or("");
        if code.is_empty() || !last.trim().is_empty() {
            return;
        }
        code.truncate(line_start);
    }
}

/// One line during the block pass: a cursor that knows columns (a tab advances to the next
/// multiple of 4 and can be consumed partly, as CommonMark requires for indentation).
struct Line<'a> {
    text: &'a str,
    /// Byte offset of the next character to read.
    pos: usize,
    /// Column of `pos`.
    col: usize,
    /// `pos` is a tab of which some columns were already consumed.
    partial_tab: bool,
    /// First non-space byte at or after `pos`, and its column.
    nn: usize,
    nn_col: usize,
    /// Columns of whitespace from `col` to `nn_col`.
    indent: usize,
    /// Nothing but whitespace from `pos`.
    blank: bool,
}

impl<'a> Line<'a> {
    fn new(text: &'a str) -> Self {
        let mut line = Line {
            text,
            pos: 0,
            col: 0,
            partial_tab: false,
            nn: 0,
            nn_col: 0,
            indent: 0,
            blank: true,
        };
        line.scan();
        line
    }

    /// The byte at `i`, or 0 past the end.
    fn byte(&self, i: usize) -> u8 {
        self.text.as_bytes().get(i).copied().unwrap_or(0)
    }

    /// Finds the next non-space character.
    #[inline(never)]
    fn scan(&mut self) {
        let (mut i, mut col) = (self.pos, self.col);
        loop {
            match self.text.as_bytes().get(i) {
                Some(b' ') => col += 1,
                Some(b'\t') => col += 4 - col % 4,
                _ => break,
            }
            i += 1;
        }
        self.nn = i;
        self.nn_col = col;
        self.indent = col - self.col;
        self.blank = i >= self.text.len();
    }

    /// Moves forward `count` characters, or `count` columns if `columns` (splitting a tab).
    #[inline(never)]
    fn advance(&mut self, mut count: usize, columns: bool) {
        while count > 0 {
            match self.text.as_bytes().get(self.pos) {
                Some(b'\t') => {
                    let to_tab = 4 - self.col % 4;
                    if columns {
                        self.partial_tab = to_tab > count;
                        let step = to_tab.min(count);
                        self.col += step;
                        if !self.partial_tab {
                            self.pos += 1;
                        }
                        count -= step;
                    } else {
                        self.partial_tab = false;
                        self.col += to_tab;
                        self.pos += 1;
                        count -= 1;
                    }
                }
                Some(_) => {
                    self.partial_tab = false;
                    self.pos += 1;
                    self.col += 1;
                    count -= 1;
                }
                None => break,
            }
        }
        self.scan();
    }

    /// Consumes a block quote marker `>` (the next non-space character) and a space after it.
    #[inline(never)]
    fn quote_marker(&mut self) {
        self.skip_to_nonspace();
        self.advance(1, false);
        self.skip_one_space();
    }

    /// Consumes one column of a space or tab at the cursor, if there is one.
    fn skip_one_space(&mut self) {
        if matches!(self.byte(self.pos), b' ' | b'\t') {
            self.advance(1, true);
        }
    }

    #[inline(never)]
    fn skip_to_nonspace(&mut self) {
        self.pos = self.nn;
        self.col = self.nn_col;
        self.partial_tab = false;
        self.scan();
    }

    /// The rest of the line from its next non-space character.
    fn rest(&self) -> &'a str {
        self.text.get(self.nn..).unwrap_or("")
    }

    /// The rest of the line from the cursor, a partly consumed tab given as spaces.
    fn rest_code(&self) -> String {
        if self.partial_tab {
            let spaces = 4 - self.col % 4;
            let mut s = " ".repeat(spaces);
            s.push_str(self.text.get(self.pos + 1..).unwrap_or(""));
            s
        } else {
            self.text.get(self.pos..).unwrap_or("").to_string()
        }
    }
}

/// An ATX heading line (from its first non-space character): level and content.
fn atx_heading(line: &str) -> Option<(u8, &str)> {
    let hashes = line.bytes().take_while(|&b| b == b'#').count();
    if !(1..=6).contains(&hashes) {
        return None;
    }
    let rest = line.get(hashes..)?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let content = rest.trim_matches([' ', '\t']);
    // A closing run of `#` goes if it is the whole content or follows a space.
    let without = content.trim_end_matches('#');
    let content = if without.is_empty() || without.ends_with([' ', '\t']) {
        without.trim_end_matches([' ', '\t'])
    } else {
        content
    };
    Some((hashes as u8, content))
}

/// A fence opening line (from its first non-space character): character, length, info.
fn fence_opener(line: &str) -> Option<(u8, usize, &str)> {
    let ch = *line.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = line.bytes().take_while(|&b| b == ch).count();
    let info = line.get(len..)?;
    if len < 3 || (ch == b'`' && info.contains('`')) {
        return None;
    }
    Some((ch, len, info.trim_matches([' ', '\t'])))
}

/// Whether a line (from its first non-space character) closes a fence of `ch` × `len`.
fn closing_fence(line: &str, ch: u8, len: usize) -> bool {
    let run = line.bytes().take_while(|&b| b == ch).count();
    run >= len
        && line
            .get(run..)
            .is_some_and(|rest| rest.trim_matches([' ', '\t']).is_empty())
}

/// `***`, `---` or `___`, three or more, spaces allowed between.
fn thematic_break(line: &str) -> bool {
    let Some(&ch) = line.as_bytes().first() else {
        return false;
    };
    if !matches!(ch, b'-' | b'*' | b'_') {
        return false;
    }
    let mut count = 0;
    for b in line.bytes() {
        if b == ch {
            count += 1;
        } else if b != b' ' && b != b'\t' {
            return false;
        }
    }
    count >= 3
}

/// A setext underline: `===` (level 1) or `---` (level 2), trailing spaces allowed.
fn setext_underline(line: &str) -> Option<u8> {
    let ch = *line.as_bytes().first()?;
    let level = match ch {
        b'=' => 1,
        b'-' => 2,
        _ => return None,
    };
    let run = line.bytes().take_while(|&b| b == ch).count();
    line.get(run..)?
        .trim_matches([' ', '\t'])
        .is_empty()
        .then_some(level)
}

/// Block-level HTML tag names (CommonMark's list) that start an HTML block.
const BLOCK_TAGS: &[&str] = &[
    "address",
    "article",
    "aside",
    "base",
    "basefont",
    "blockquote",
    "body",
    "caption",
    "center",
    "col",
    "colgroup",
    "dd",
    "details",
    "dialog",
    "dir",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "frame",
    "frameset",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "head",
    "header",
    "hr",
    "html",
    "iframe",
    "legend",
    "li",
    "link",
    "main",
    "menu",
    "menuitem",
    "nav",
    "noframes",
    "ol",
    "optgroup",
    "option",
    "p",
    "param",
    "search",
    "section",
    "summary",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "title",
    "tr",
    "track",
    "ul",
];

/// Whether a line (from its first non-space character) starts an HTML block, and what ends
/// it. The block's text is shown literally; this only decides where it ends.
fn html_start(line: &str, in_para: bool) -> Option<HtmlEnd> {
    let rest = line.strip_prefix('<')?;
    let lower = rest
        .get(..rest.len().min(12))
        .unwrap_or("")
        .to_ascii_lowercase();
    for (tag, end) in [
        ("script", "</script>"),
        ("pre", "</pre>"),
        ("style", "</style>"),
        ("textarea", "</textarea>"),
    ] {
        if let Some(after) = lower.strip_prefix(tag) {
            if after.is_empty() || after.starts_with([' ', '\t', '>']) {
                return Some(HtmlEnd::Contains(end));
            }
        }
    }
    if lower.starts_with("!--") {
        return Some(HtmlEnd::Contains("-->"));
    }
    if lower.starts_with('?') {
        return Some(HtmlEnd::Contains("?>"));
    }
    if lower.starts_with("![cdata[") {
        return Some(HtmlEnd::Contains("]]>"));
    }
    if lower.starts_with('!') && lower.as_bytes().get(1).is_some_and(u8::is_ascii_alphabetic) {
        return Some(HtmlEnd::Contains(">"));
    }
    let closing = rest.starts_with('/');
    let name_part = if closing { rest.get(1..)? } else { rest };
    let name_len = name_part
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    if name_len == 0 || !name_part.as_bytes().first()?.is_ascii_alphabetic() {
        return None;
    }
    let name = name_part.get(..name_len)?.to_ascii_lowercase();
    let after = name_part.get(name_len..)?;
    if BLOCK_TAGS.contains(&name.as_str())
        && (after.is_empty() || after.starts_with([' ', '\t', '>']) || after.starts_with("/>"))
    {
        return Some(HtmlEnd::BlankLine);
    }
    // Any other complete tag alone on its line (cannot interrupt a paragraph).
    if in_para {
        return None;
    }
    let close = after.find('>')?;
    let inside = after.get(..close)?;
    let alone = after.get(close + 1..)?.trim().is_empty();
    let ok_inside = if closing {
        inside.trim().is_empty()
    } else {
        inside.is_empty() || inside.starts_with([' ', '\t', '/'])
    };
    (alone && ok_inside && !inside.contains('<')).then_some(HtmlEnd::BlankLine)
}

/// The cells of a table row: outer pipes dropped, split at unescaped `|`, `\|` turned into
/// `|`, each cell trimmed.
#[inline(never)]
fn split_row(line: &str) -> Vec<String> {
    let line = line.trim();
    let line = line.strip_prefix('|').unwrap_or(line);
    let line = match line.strip_suffix('|') {
        Some(inner) if !inner.ends_with('\\') => inner,
        _ => line,
    };
    let mut cells = Vec::new();
    let mut cell = String::new();
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                cell.push('|');
                chars.next();
            }
            '|' => cells.push(std::mem::take(&mut cell).trim().to_string()),
            c => cell.push(c),
        }
    }
    cells.push(cell.trim().to_string());
    cells
}

/// A table delimiter row (`|---|:-:|`): the column alignments. It must contain a pipe.
fn delimiter_row(line: &str) -> Option<Vec<Align>> {
    if !line.contains('|') {
        return None;
    }
    let cells = split_row(line);
    let mut aligns = Vec::with_capacity(cells.len());
    for cell in &cells {
        let left = cell.starts_with(':');
        let right = cell.ends_with(':') && cell.len() > 1;
        let dashes = cell.trim_start_matches(':').trim_end_matches(':');
        if dashes.is_empty() || !dashes.bytes().all(|b| b == b'-') {
            return None;
        }
        aligns.push(match (left, right) {
            (true, true) => Align::Center,
            (true, false) => Align::Left,
            (false, true) => Align::Right,
            (false, false) => Align::None,
        });
    }
    Some(aligns)
}

/// Removes link reference definitions from the start of a paragraph's text, recording them
/// (the first definition of a label wins); returns the rest.
#[inline(never)]
fn take_definitions(text: &str, refs: &mut Refs) -> String {
    let mut rest = text;
    while let Some((label, dest, title, used)) = definition(rest) {
        if !refs.iter().any(|(l, _, _)| *l == label) {
            refs.push((label, dest, title));
        }
        rest = rest.get(used..).unwrap_or("");
    }
    rest.to_string()
}

/// A reference definition at the start of `s`: `[label]: dest "title"`, the title possibly
/// on the next line. Returns the normalised label, destination, title and bytes used
/// (through the end of its line).
fn definition(s: &str) -> Option<(String, String, String, usize)> {
    let (label, after) = link_label(s, 0)?;
    if s.as_bytes().get(after) != Some(&b':') {
        return None;
    }
    let label = normalize_label(label);
    if label.is_empty() {
        return None;
    }
    let i = skip_space(s, after + 1, true);
    let (dest, dest_end) = link_destination(s, i)?;
    // Where the definition ends without a title: the end of the destination's line.
    let no_title = line_rest_blank(s, dest_end);
    let t = skip_space(s, dest_end, true);
    if t > dest_end {
        if let Some((title, title_end)) = link_title(s, t) {
            if let Some(end) = line_rest_blank(s, title_end) {
                return Some((label, unescape(dest), unescape(title), end));
            }
        }
    }
    let end = no_title?;
    Some((label, unescape(dest), String::new(), end))
}

/// If only spaces follow `i` on its line: the offset after that line's `\n` (or the end).
fn line_rest_blank(s: &str, i: usize) -> Option<usize> {
    let rest = s.get(i..)?;
    let line_len = rest.find('\n').map_or(rest.len(), |n| n + 1);
    rest.get(..line_len)?
        .trim()
        .is_empty()
        .then_some(i + line_len)
}

/// Skips spaces and tabs from `i`, and at most one line ending if `newline`.
fn skip_space(s: &str, mut i: usize, newline: bool) -> usize {
    let b = s.as_bytes();
    let mut seen_newline = false;
    while let Some(&c) = b.get(i) {
        match c {
            b' ' | b'\t' => i += 1,
            b'\n' if newline && !seen_newline => {
                seen_newline = true;
                i += 1;
            }
            _ => break,
        }
    }
    i
}

/// A link label `[…]` at `i`: its raw text and the offset after `]`. No unescaped brackets
/// inside, at most 999 characters.
fn link_label(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    if b.get(i) != Some(&b'[') {
        return None;
    }
    let mut j = i + 1;
    while j < b.len() && j - i <= 1000 {
        match b.get(j)? {
            b'\\' if b.get(j + 1).is_some_and(u8::is_ascii_punctuation) => j += 2,
            b'[' => return None,
            b']' => return Some((s.get(i + 1..j)?, j + 1)),
            _ => j += 1,
        }
    }
    None
}

/// Labels match case-insensitively, with runs of whitespace as one space.
fn normalize_label(label: &str) -> String {
    let mut out = String::new();
    for word in label.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    out.to_lowercase()
}

/// A link destination at `i`: `<…>` (no line ending, no unescaped `<`/`>`) or a run without
/// spaces or control characters and with balanced parentheses. Returns the raw text (escapes
/// not yet processed) and the offset after it.
fn link_destination(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    if b.get(i) == Some(&b'<') {
        let mut j = i + 1;
        loop {
            match b.get(j)? {
                b'>' => return Some((s.get(i + 1..j)?, j + 1)),
                b'\n' | b'<' => return None,
                b'\\' if b.get(j + 1).is_some_and(u8::is_ascii_punctuation) => j += 2,
                _ => j += 1,
            }
        }
    }
    let mut j = i;
    let mut depth = 0usize;
    while let Some(&c) = b.get(j) {
        match c {
            b'\\' if b.get(j + 1).is_some_and(u8::is_ascii_punctuation) => j += 2,
            b'(' => {
                depth += 1;
                if depth > 32 {
                    return None;
                }
                j += 1;
            }
            b')' => {
                if depth == 0 {
                    break;
                }
                depth -= 1;
                j += 1;
            }
            c if c <= b' ' || c == 0x7f => break,
            _ => j += 1,
        }
    }
    if j == i || depth != 0 {
        return None;
    }
    Some((s.get(i..j)?, j))
}

/// A link title at `i`: `"…"`, `'…'` or `(…)` with backslash escapes. Returns the raw text and
/// the offset after the closing character.
fn link_title(s: &str, i: usize) -> Option<(&str, usize)> {
    let b = s.as_bytes();
    let close = match b.get(i)? {
        b'"' => b'"',
        b'\'' => b'\'',
        b'(' => b')',
        _ => return None,
    };
    let mut j = i + 1;
    loop {
        let c = *b.get(j)?;
        if c == b'\\' && b.get(j + 1).is_some_and(u8::is_ascii_punctuation) {
            j += 2;
        } else if c == close {
            return Some((s.get(i + 1..j)?, j + 1));
        } else if close == b')' && c == b'(' {
            return None;
        } else {
            j += 1;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Inline pass
// ---------------------------------------------------------------------------------------------

/// Inline nesting the inline pass builds at most (the tree is cut to [`MAX_DEPTH`] later).
const INLINE_DEPTH: usize = MAX_DEPTH + 1;

/// "No such piece / delimiter".
const NIL: usize = usize::MAX;

/// A piece of inline content while delimiters are matched.
#[derive(Debug)]
enum Piece {
    /// Literal text (escapes and entities already decoded).
    Text(String),
    /// A finished node and its height (leaves count 1).
    Node(Node, usize),
    /// A run of `*`, `_` or `~` with this many characters left.
    Delim(u8, usize),
    /// A `[` (or `![` if true) that may still open a link.
    Bracket(bool),
    /// Moved into a node.
    Gone,
}

/// An emphasis delimiter run, in a doubly linked list of those still usable.
#[derive(Debug)]
struct Delim {
    piece: usize,
    ch: u8,
    /// Length of the run as written (for the "multiple of 3" rule).
    orig: usize,
    can_open: bool,
    can_close: bool,
    prev: usize,
    next: usize,
}

/// An open `[` or `![`.
#[derive(Debug)]
struct Bracket {
    piece: usize,
    image: bool,
    active: bool,
    /// Where the bracketed text starts in the source.
    text_start: usize,
    /// Delimiters from this index on were pushed after the bracket.
    delims: usize,
}

/// Parses inline markdown into finished nodes: CommonMark's delimiter-run algorithm over a
/// linked list of pieces (so wrapping a span is proportional to the span, not the text).
fn inlines(src: &str, refs: &Refs) -> Vec<Node> {
    let mut p = InlineParser {
        src,
        refs,
        pieces: vec![Piece::Gone],
        next: vec![NIL],
        last: 0,
        delims: Vec::new(),
        dlast: NIL,
        brackets: Vec::new(),
        no_code_close: Vec::new(),
        html: HtmlScan::default(),
    };
    p.scan();
    p.process_emphasis(0);
    let (nodes, _) = p.take_after(0);
    finish(nodes, false)
}

struct InlineParser<'a> {
    src: &'a str,
    refs: &'a Refs,
    /// Piece 0 is the head of the list.
    pieces: Vec<Piece>,
    /// The next piece in text order.
    next: Vec<usize>,
    last: usize,
    delims: Vec<Delim>,
    /// The last usable delimiter.
    dlast: usize,
    brackets: Vec<Bracket>,
    /// Backtick run lengths known to have no closing run further on.
    no_code_close: Vec<usize>,
    /// What raw HTML tags need to find further on, and where it is known to be missing.
    html: HtmlScan,
}

impl InlineParser<'_> {
    fn byte(&self, i: usize) -> u8 {
        self.src.as_bytes().get(i).copied().unwrap_or(0)
    }

    #[inline(never)]
    fn push(&mut self, piece: Piece) -> usize {
        let id = self.pieces.len();
        self.pieces.push(piece);
        self.next.push(NIL);
        if let Some(n) = self.next.get_mut(self.last) {
            *n = id;
        }
        self.last = id;
        id
    }

    /// Appends literal text, merged into a text piece just before.
    #[inline(never)]
    fn text(&mut self, s: &str) {
        if s.is_empty() {
            return;
        }
        if let Some(Piece::Text(t)) = self.pieces.get_mut(self.last) {
            t.push_str(s);
        } else {
            self.push(Piece::Text(s.to_string()));
        }
    }

    fn node(&mut self, node: Node) {
        self.push(Piece::Node(node, 1));
    }

    /// One left-to-right pass: text, escapes, code spans, autolinks, entities, breaks,
    /// delimiter runs and brackets (links are resolved at each `]`).
    fn scan(&mut self) {
        let src = self.src;
        let mut i = 0;
        let mut from = 0; // start of pending plain text
        while i < src.len() {
            let c = self.byte(i);
            let special = matches!(
                c,
                b'\n' | b'\\' | b'`' | b'*' | b'_' | b'~' | b'[' | b'!' | b']' | b'<' | b'&'
            );
            if !special {
                i += 1;
                continue;
            }
            self.text(src.get(from..i).unwrap_or(""));
            i = match c {
                b'\n' => self.line_break(i, false),
                b'\\' => self.backslash(i),
                b'`' => self.code_span(i),
                b'*' | b'_' | b'~' => self.delim_run(i, c),
                b'[' => self.open_bracket(i, false),
                b'!' if self.byte(i + 1) == b'[' => self.open_bracket(i, true),
                b']' => self.close_bracket(i),
                b'<' => match autolink(src, i) {
                    Some((node, end)) => {
                        self.node(node);
                        end
                    }
                    // Raw HTML is one literal span: no markdown inside it.
                    None => match self.html.tag_end(src, i) {
                        Some(end) => {
                            let tag = strip_all_markers(src.get(i..end).unwrap_or(""));
                            self.node(Node::Text(tag));
                            end
                        }
                        None => {
                            self.text("<");
                            i + 1
                        }
                    },
                },
                b'&' => match entity(src, i) {
                    Some((decoded, end)) => {
                        self.text(decoded.encode_utf8(&mut [0; 4]));
                        end
                    }
                    None => {
                        self.text("&");
                        i + 1
                    }
                },
                _ => {
                    // A `!` not followed by `[`.
                    self.text("!");
                    i + 1
                }
            };
            from = i;
        }
        self.text(src.get(from..).unwrap_or(""));
    }

    /// A line ending at `i`: hard break after two spaces (or a backslash), else soft break.
    fn line_break(&mut self, i: usize, hard: bool) -> usize {
        let mut hard = hard;
        if let Some(Piece::Text(t)) = self.pieces.get_mut(self.last) {
            let kept = t.trim_end_matches(' ').len();
            hard |= t.len() - kept >= 2;
            t.truncate(kept);
        }
        self.node(if hard {
            Node::HardBreak
        } else {
            Node::SoftBreak
        });
        skip_space(self.src, i + 1, false)
    }

    fn backslash(&mut self, i: usize) -> usize {
        match self.byte(i + 1) {
            b'\n' => self.line_break(i + 1, true),
            c if c.is_ascii_punctuation() => {
                self.text(self.src.get(i + 1..i + 2).unwrap_or(""));
                i + 2
            }
            _ => {
                self.text("\\");
                i + 1
            }
        }
    }

    /// A backtick run at `i`: a code span if a run of the same length closes it.
    fn code_span(&mut self, i: usize) -> usize {
        let b = self.src.as_bytes();
        let n = b
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|&&c| c == b'`').count());
        let open_end = i + n;
        if !self.no_code_close.contains(&n) {
            let mut j = open_end;
            while j < b.len() {
                if b.get(j) != Some(&b'`') {
                    j += 1;
                    continue;
                }
                let run = b
                    .get(j..)
                    .map_or(0, |r| r.iter().take_while(|&&c| c == b'`').count());
                if run == n {
                    let raw = self.src.get(open_end..j).unwrap_or("");
                    let mut code = raw.replace('\n', " ");
                    if code.len() >= 2
                        && code.starts_with(' ')
                        && code.ends_with(' ')
                        && !code.bytes().all(|c| c == b' ')
                    {
                        code = code.get(1..code.len() - 1).unwrap_or("").to_string();
                    }
                    self.node(Node::Code(markers_as_brackets(&code)));
                    return j + n;
                }
                j += run;
            }
            self.no_code_close.push(n);
        }
        self.text(self.src.get(i..open_end).unwrap_or(""));
        open_end
    }

    /// A run of `*`, `_` or `~` at `i`: a delimiter if it can open or close emphasis.
    fn delim_run(&mut self, i: usize, ch: u8) -> usize {
        let b = self.src.as_bytes();
        let n = b
            .get(i..)
            .map_or(0, |r| r.iter().take_while(|&&c| c == ch).count());
        let end = i + n;
        let before = self.src.get(..i).and_then(|s| s.chars().next_back());
        let after = self.src.get(end..).and_then(|s| s.chars().next());
        let white = |c: Option<char>| c.is_none_or(char::is_whitespace);
        let punct = |c: Option<char>| c.is_some_and(is_punct);
        let left = !white(after) && (!punct(after) || white(before) || punct(before));
        let right = !white(before) && (!punct(before) || white(after) || punct(after));
        let (can_open, can_close) = match ch {
            b'_' => (
                left && (!right || punct(before)),
                right && (!left || punct(after)),
            ),
            // Strikethrough: exactly `~~` (a single `~` is "approximately").
            b'~' if n != 2 => (false, false),
            _ => (left, right),
        };
        let piece = self.push(Piece::Delim(ch, n));
        if can_open || can_close {
            let id = self.delims.len();
            self.delims.push(Delim {
                piece,
                ch,
                orig: n,
                can_open,
                can_close,
                prev: self.dlast,
                next: NIL,
            });
            if let Some(d) = self.delims.get_mut(self.dlast) {
                d.next = id;
            }
            self.dlast = id;
        }
        end
    }

    fn open_bracket(&mut self, i: usize, image: bool) -> usize {
        let len = if image { 2 } else { 1 };
        let piece = self.push(Piece::Bracket(image));
        self.brackets.push(Bracket {
            piece,
            image,
            active: true,
            text_start: i + len,
            delims: self.delims.len(),
        });
        i + len
    }

    /// A `]` at `i`: makes a link or image of the nearest open bracket if a destination (or a
    /// defined reference) follows, else it is text.
    fn close_bracket(&mut self, i: usize) -> usize {
        let Some(open) = self.brackets.pop() else {
            self.text("]");
            return i + 1;
        };
        let target = if open.active {
            inline_target(self.src, i + 1).or_else(|| self.reference(&open, i))
        } else {
            None
        };
        let Some((dest, title, end)) = target else {
            self.text("]");
            return i + 1;
        };
        self.process_emphasis(open.delims);
        let (children, height) = self.take_after(open.piece);
        let children = finish(children, true);
        let href = safe_href(&dest);
        let title = strip_all_markers(&title);
        let node = if open.image {
            Node::Image {
                href,
                title,
                alt: plain_text(&children),
            }
        } else {
            Node::Link {
                href,
                title,
                children,
            }
        };
        if let Some(p) = self.pieces.get_mut(open.piece) {
            *p = Piece::Node(node, height + 1);
        }
        if !open.image {
            // No links inside links.
            for b in &mut self.brackets {
                if !b.image {
                    b.active = false;
                }
            }
        }
        end
    }

    /// A reference link after the `]` at `i`: `[label]`, `[]` or nothing (the text itself is
    /// the label). Returns the definition's destination and title and where the link ends.
    fn reference(&self, open: &Bracket, i: usize) -> Option<(String, String, usize)> {
        if self.refs.is_empty() || i.saturating_sub(open.text_start) > 999 {
            return None;
        }
        let text = self.src.get(open.text_start..i)?;
        let (label, end) = match link_label(self.src, i + 1) {
            Some((label, end)) if !label.trim().is_empty() => (label, end),
            Some((_, end)) => (text, end),
            None => (text, i + 1),
        };
        let label = normalize_label(label);
        let (_, dest, title) = self.refs.iter().find(|(l, _, _)| *l == label)?;
        Some((dest.clone(), title.clone(), end))
    }

    /// CommonMark's "process emphasis" over the delimiters from index `bottom` on: each closer
    /// is matched with the nearest possible opener, the pieces between become an emphasis,
    /// strong or strikethrough node. Afterwards those delimiters are no longer usable.
    fn process_emphasis(&mut self, bottom: usize) {
        // Per (character, closer length mod 3, closer can open): openers at or below this
        // index are known not to match, so a failed search is never repeated.
        let mut openers_bottom = [[None::<usize>; 6]; 3];
        let mut cur = self.dlast;
        while let Some(d) = self.delims.get(cur) {
            if d.prev == NIL || d.prev < bottom {
                break;
            }
            cur = d.prev;
        }
        if cur != NIL && cur < bottom {
            cur = NIL;
        }
        while let Some(closer) = self.delims.get(cur) {
            if !closer.can_close {
                cur = closer.next;
                continue;
            }
            let (ch, c_orig, c_open) = (closer.ch, closer.orig, closer.can_open);
            let slot = match ch {
                b'*' => 0,
                b'_' => 1,
                _ => 2,
            };
            let key = c_orig % 3 + if c_open { 3 } else { 0 };
            let floor = openers_bottom
                .get(slot)
                .and_then(|s| s.get(key))
                .copied()
                .flatten();
            let mut o = closer.prev;
            let mut found = NIL;
            while let Some(od) = self.delims.get(o) {
                if o < bottom || floor.is_some_and(|f| o <= f) {
                    break;
                }
                if od.ch == ch && od.can_open {
                    let odd = ch != b'~'
                        && (od.can_close || c_open)
                        && (od.orig + c_orig) % 3 == 0
                        && !(od.orig % 3 == 0 && c_orig % 3 == 0);
                    if !odd {
                        found = o;
                        break;
                    }
                }
                o = od.prev;
            }
            if found == NIL {
                let prev = self.delims.get(cur).map_or(NIL, |d| d.prev);
                if let Some(s) = openers_bottom.get_mut(slot).and_then(|s| s.get_mut(key)) {
                    *s = (prev != NIL).then_some(prev);
                }
                let next = self.delims.get(cur).map_or(NIL, |d| d.next);
                if !c_open {
                    self.unlink(cur);
                }
                cur = next;
                continue;
            }
            cur = self.match_pair(found, cur);
        }
        // Delimiters above `bottom` are used up (unmatched ones stay as text).
        while let Some(d) = self.delims.get(self.dlast) {
            if self.dlast < bottom {
                break;
            }
            self.dlast = d.prev;
        }
        if let Some(d) = self.delims.get_mut(self.dlast) {
            d.next = NIL;
        }
    }

    /// Wraps the pieces between opener `o` and closer `c`; returns the closer to look at next.
    fn match_pair(&mut self, o: usize, c: usize) -> usize {
        let (Some(od), Some(cd)) = (self.delims.get(o), self.delims.get(c)) else {
            return NIL;
        };
        let (o_piece, c_piece, ch) = (od.piece, cd.piece, od.ch);
        let count = |p: Option<&Piece>| match p {
            Some(Piece::Delim(_, n)) => *n,
            _ => 0,
        };
        let (on, cn) = (
            count(self.pieces.get(o_piece)),
            count(self.pieces.get(c_piece)),
        );
        let used = if ch == b'~' || (on >= 2 && cn >= 2) {
            2
        } else {
            1
        };
        for p in [o_piece, c_piece] {
            if let Some(Piece::Delim(_, n)) = self.pieces.get_mut(p) {
                *n = n.saturating_sub(used);
            }
        }
        // Wrap (unless that would nest too deep: then the content just stays in place).
        let height = self.height_between(o_piece, c_piece);
        if height < INLINE_DEPTH {
            let (children, _) = self.take_between(o_piece, c_piece);
            let node = match (ch, used) {
                (b'~', _) => Node::Strikethrough(children),
                (_, 2) => Node::Strong(children),
                _ => Node::Emphasis(children),
            };
            let id = self.pieces.len();
            self.pieces.push(Piece::Node(node, height + 1));
            self.next.push(c_piece);
            if let Some(n) = self.next.get_mut(o_piece) {
                *n = id;
            }
        }
        // Delimiters between the two can no longer match anything.
        if let Some(d) = self.delims.get_mut(o) {
            d.next = c;
        }
        if let Some(d) = self.delims.get_mut(c) {
            d.prev = o;
        }
        if on <= used {
            self.unlink(o);
        }
        if cn <= used {
            let next = self.delims.get(c).map_or(NIL, |d| d.next);
            self.unlink(c);
            return next;
        }
        c
    }

    /// Removes delimiter `d` from the usable list.
    fn unlink(&mut self, d: usize) {
        let Some(del) = self.delims.get(d) else {
            return;
        };
        let (prev, next) = (del.prev, del.next);
        if let Some(p) = self.delims.get_mut(prev) {
            p.next = next;
        }
        if let Some(n) = self.delims.get_mut(next) {
            n.prev = prev;
        }
        if self.dlast == d {
            self.dlast = prev;
        }
    }

    /// The greatest height among the pieces strictly between `a` and `b`.
    fn height_between(&self, a: usize, b: usize) -> usize {
        let mut h = 0;
        let mut p = self.next.get(a).copied().unwrap_or(NIL);
        while p != b && p != NIL {
            if let Some(Piece::Node(_, ph)) = self.pieces.get(p) {
                h = h.max(*ph);
            } else {
                h = h.max(1);
            }
            p = self.next.get(p).copied().unwrap_or(NIL);
        }
        h
    }

    /// Takes the pieces strictly between `a` and `b` (`NIL`: to the end) as nodes, adjacent
    /// text merged; returns them and their greatest height.
    fn take_between(&mut self, a: usize, b: usize) -> (Vec<Node>, usize) {
        let mut out: Vec<Node> = Vec::new();
        let mut height = 0;
        let mut p = self.next.get(a).copied().unwrap_or(NIL);
        while p != b && p != NIL {
            let piece = self
                .pieces
                .get_mut(p)
                .map_or(Piece::Gone, |x| std::mem::replace(x, Piece::Gone));
            let text = match piece {
                Piece::Text(t) => t,
                Piece::Delim(ch, n) => char::from(ch).to_string().repeat(n),
                Piece::Bracket(image) => (if image { "![" } else { "[" }).to_string(),
                Piece::Node(node, h) => {
                    height = height.max(h);
                    out.push(node);
                    String::new()
                }
                Piece::Gone => String::new(),
            };
            if !text.is_empty() {
                height = height.max(1);
                append_text(&text, &mut out);
            }
            p = self.next.get(p).copied().unwrap_or(NIL);
        }
        if let Some(n) = self.next.get_mut(a) {
            *n = b;
        }
        (out, height)
    }

    /// Takes every piece after `a`; `a` becomes the last piece.
    fn take_after(&mut self, a: usize) -> (Vec<Node>, usize) {
        let taken = self.take_between(a, NIL);
        self.last = a;
        taken
    }
}

/// Turns the text of finished inline nodes into text, citation and bare-URL link nodes (no
/// bare-URL links inside a link). Links and images are finished when they are made.
fn finish(nodes: Vec<Node>, in_link: bool) -> Vec<Node> {
    let mut out = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node {
            Node::Text(t) => inline_text(&t, !in_link, &mut out),
            Node::Emphasis(c) => out.push(Node::Emphasis(finish(c, in_link))),
            Node::Strong(c) => out.push(Node::Strong(finish(c, in_link))),
            Node::Strikethrough(c) => out.push(Node::Strikethrough(finish(c, in_link))),
            other => out.push(other),
        }
    }
    out
}

/// Unicode punctuation or symbol, approximately (for the emphasis flanking rules).
fn is_punct(c: char) -> bool {
    c.is_ascii_punctuation() || (!c.is_ascii() && !c.is_alphanumeric() && !c.is_whitespace())
}

/// An inline link target after the `]` ending at `i - 1`: `(dest "title")`. Returns the
/// unescaped destination and title and the offset after `)`.
fn inline_target(s: &str, i: usize) -> Option<(String, String, usize)> {
    if s.as_bytes().get(i) != Some(&b'(') {
        return None;
    }
    let mut j = skip_space(s, i + 1, true);
    if s.as_bytes().get(j) == Some(&b')') {
        return Some((String::new(), String::new(), j + 1));
    }
    let (dest, dest_end) = link_destination(s, j)?;
    j = skip_space(s, dest_end, true);
    let mut title = "";
    if j > dest_end {
        if let Some((t, end)) = link_title(s, j) {
            title = t;
            j = skip_space(s, end, true);
        }
    }
    if s.as_bytes().get(j) != Some(&b')') {
        return None;
    }
    Some((unescape(dest), unescape(title), j + 1))
}

/// An autolink at `i` (`<scheme:…>` or `<user@host>`): the link node and the offset after `>`.
fn autolink(s: &str, i: usize) -> Option<(Node, usize)> {
    let rest = s.get(i + 1..)?;
    let mut len = None;
    for (k, c) in rest.char_indices() {
        if c == '>' {
            len = Some(k);
            break;
        }
        if c == '<' || c.is_whitespace() || c.is_control() {
            return None;
        }
    }
    let inner = rest.get(..len?)?;
    let href = if is_uri(inner) {
        safe_href(inner)
    } else if is_email(inner) {
        safe_href(&format!("mailto:{inner}"))
    } else {
        return None;
    };
    let node = Node::Link {
        href,
        title: String::new(),
        children: finish(vec![Node::Text(inner.to_string())], true),
    };
    Some((node, i + 1 + inner.len() + 1))
}

/// Finds the ends of inline raw HTML (CommonMark 0.31.2, 6.6: open and closing tags,
/// comments, processing instructions, declarations, CDATA). A search that reached the end of
/// the text without finding its terminator is remembered, so many unclosed `<!--` or `<a b="`
/// stay linear.
#[derive(Debug, Default)]
struct HtmlScan {
    /// Per terminator: a position from which it is known not to occur.
    missing: [Option<usize>; 6],
}

/// The terminators [`HtmlScan`] searches for.
const HTML_ENDS: [&str; 6] = ["-->", "?>", "]]>", ">", "\"", "'"];

impl HtmlScan {
    /// The end of `needle` (an index into [`HTML_ENDS`]) at or after `from`.
    fn find(&mut self, s: &str, from: usize, needle: usize) -> Option<usize> {
        if self.missing[needle].is_some_and(|m| m <= from) {
            return None;
        }
        let end = HTML_ENDS[needle];
        let found = s.get(from..)?.find(end).map(|k| from + k + end.len());
        if found.is_none() {
            self.missing[needle] = Some(from);
        }
        found
    }

    /// The end of the raw HTML that starts at `s[i]` (a `<`), if it is raw HTML.
    fn tag_end(&mut self, s: &str, i: usize) -> Option<usize> {
        let rest = s.get(i + 1..)?;
        let b = rest.as_bytes();
        match b.first()? {
            b'!' if rest.starts_with("!-->") => Some(i + 5),
            b'!' if rest.starts_with("!--->") => Some(i + 6),
            b'!' if rest.starts_with("!--") => self.find(s, i + 4, 0),
            b'!' if rest.starts_with("![CDATA[") => self.find(s, i + 9, 2),
            b'!' if b.get(1).is_some_and(u8::is_ascii_alphabetic) => self.find(s, i + 2, 3),
            b'?' => self.find(s, i + 2, 1),
            b'/' => {
                let name = tag_name(&rest[1..])?;
                let after = skip_html_space(s, i + 2 + name);
                (s.as_bytes().get(after) == Some(&b'>')).then_some(after + 1)
            }
            _ => self.open_tag_end(s, i + 1 + tag_name(rest)?),
        }
    }

    /// After an open tag's name at `j`: attributes, an optional `/`, then `>`.
    fn open_tag_end(&mut self, s: &str, mut j: usize) -> Option<usize> {
        let b = s.as_bytes();
        loop {
            let after_space = skip_html_space(s, j);
            match b.get(after_space)? {
                b'>' => return Some(after_space + 1),
                b'/' => return (b.get(after_space + 1) == Some(&b'>')).then_some(after_space + 2),
                _ if after_space == j => return None,
                _ => {}
            }
            let name_len = s
                .get(after_space..)?
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || b"_.:-".contains(c))
                .count();
            let first = *b.get(after_space)?;
            if name_len == 0 || !(first.is_ascii_alphabetic() || first == b'_' || first == b':') {
                return None;
            }
            j = after_space + name_len;
            let eq = skip_html_space(s, j);
            if b.get(eq) == Some(&b'=') {
                j = self.attribute_value(s, skip_html_space(s, eq + 1))?;
            }
        }
    }

    /// The end of an attribute value starting at `j`: quoted, or unquoted.
    fn attribute_value(&mut self, s: &str, j: usize) -> Option<usize> {
        match s.as_bytes().get(j)? {
            b'"' => self.find(s, j + 1, 4),
            b'\'' => self.find(s, j + 1, 5),
            _ => {
                let len = s
                    .get(j..)?
                    .bytes()
                    .take_while(|c| !c.is_ascii_whitespace() && !b"\"'=<>`".contains(c))
                    .count();
                (len > 0).then_some(j + len)
            }
        }
    }
}

/// The length of an HTML tag name at the start of `s`: an ASCII letter, then letters, digits
/// and `-`.
fn tag_name(s: &str) -> Option<usize> {
    s.as_bytes().first().filter(|c| c.is_ascii_alphabetic())?;
    Some(
        s.bytes()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == b'-')
            .count(),
    )
}

/// Skips spaces, tabs and line endings inside a tag.
fn skip_html_space(s: &str, i: usize) -> usize {
    i + s.get(i..).map_or(0, |r| {
        r.bytes()
            .take_while(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
            .count()
    })
}

/// `scheme:rest` with a 2–32 character scheme.
fn is_uri(s: &str) -> bool {
    let Some(colon) = s.find(':') else {
        return false;
    };
    let scheme = s.get(..colon).unwrap_or("");
    (2..=32).contains(&scheme.len())
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-'))
}

/// `local@domain` as CommonMark's email autolinks have it.
fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b".!#$%&'*+/=?^_`{|}~-".contains(&b));
    local_ok
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

/// Backslash escapes and entities decoded (link destinations, titles, info strings).
fn unescape(s: &str) -> String {
    if !s.contains(['\\', '&']) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while let Some(c) = s.get(i..).and_then(|r| r.chars().next()) {
        let next = s.as_bytes().get(i + 1).copied().unwrap_or(0);
        if c == '\\' && next.is_ascii_punctuation() {
            out.push(char::from(next));
            i += 2;
        } else if let Some((decoded, end)) = (c == '&').then(|| entity(s, i)).flatten() {
            out.push(decoded);
            i = end;
        } else {
            out.push(c);
            i += c.len_utf8();
        }
    }
    out
}

/// Named entities decoded; others stay literal.
const ENTITIES: &[(&str, char)] = &[
    ("amp", '&'),
    ("lt", '<'),
    ("gt", '>'),
    ("quot", '"'),
    ("apos", '\''),
    ("nbsp", '\u{a0}'),
    ("copy", '©'),
    ("reg", '®'),
    ("trade", '™'),
    ("hellip", '…'),
    ("mdash", '—'),
    ("ndash", '–'),
    ("laquo", '«'),
    ("raquo", '»'),
    ("lsquo", '‘'),
    ("rsquo", '’'),
    ("ldquo", '“'),
    ("rdquo", '”'),
    ("bull", '•'),
    ("middot", '·'),
    ("deg", '°'),
    ("plusmn", '±'),
    ("times", '×'),
    ("divide", '÷'),
    ("micro", 'µ'),
    ("para", '¶'),
    ("sect", '§'),
    ("euro", '€'),
    ("pound", '£'),
    ("yen", '¥'),
    ("cent", '¢'),
    ("larr", '←'),
    ("rarr", '→'),
    ("uarr", '↑'),
    ("darr", '↓'),
    ("harr", '↔'),
    ("le", '≤'),
    ("ge", '≥'),
    ("ne", '≠'),
    ("asymp", '≈'),
    ("infin", '∞'),
    ("check", '✓'),
    ("eacute", 'é'),
    ("egrave", 'è'),
    ("ecirc", 'ê'),
    ("aacute", 'á'),
    ("agrave", 'à'),
    ("acirc", 'â'),
    ("iacute", 'í'),
    ("oacute", 'ó'),
    ("uacute", 'ú'),
    ("auml", 'ä'),
    ("ouml", 'ö'),
    ("uuml", 'ü'),
    ("Auml", 'Ä'),
    ("Ouml", 'Ö'),
    ("Uuml", 'Ü'),
    ("szlig", 'ß'),
    ("ccedil", 'ç'),
    ("ntilde", 'ñ'),
];

/// An entity at `i` (`&name;`, `&#123;`, `&#x1F600;`): the character and the offset after `;`.
/// Numeric ones that are zero or not a character give U+FFFD.
fn entity(s: &str, i: usize) -> Option<(char, usize)> {
    let rest = s.get(i + 1..)?;
    let semi = rest.bytes().take(33).position(|b| b == b';')?;
    let body = rest.get(..semi)?;
    let end = i + 1 + semi + 1;
    if let Some(num) = body.strip_prefix('#') {
        let (digits, radix, max) = match num.strip_prefix(['x', 'X']) {
            Some(hex) => (hex, 16, 6),
            None => (num, 10, 7),
        };
        if digits.is_empty() || digits.len() > max || !digits.chars().all(|c| c.is_digit(radix)) {
            return None;
        }
        let code = u32::from_str_radix(digits, radix).ok()?;
        let c = char::from_u32(code)
            .filter(|_| code != 0)
            .unwrap_or('\u{FFFD}');
        return Some((c, end));
    }
    ENTITIES
        .iter()
        .find(|(name, _)| *name == body)
        .map(|&(_, c)| (c, end))
}

/// The language of a fenced code block: the info string's first word, if it is a plain name.
fn code_lang(info: &str) -> Option<String> {
    let word = info.split_whitespace().next()?;
    let ok = word.len() <= 40
        && word
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '#' | '.' | '-'));
    ok.then(|| word.to_string())
}

/// Turns text into Text/Citation nodes (and bare-URL links if `linkify`), appending to `out`
/// and merging with a preceding Text node.
fn inline_text(text: &str, linkify: bool, out: &mut Vec<Node>) {
    let mut plain = String::new();
    let mut rest = text;
    while let Some((before, after)) = rest
        .find([MARK_OPEN, MARK_CLOSE])
        .and_then(|pos| rest.split_at_checked(pos))
    {
        plain.push_str(before);
        match parse_marker(after) {
            Some((n, len)) => {
                push_text(&plain, linkify, out);
                plain.clear();
                out.push(Node::Citation(n));
                rest = after.get(len..).unwrap_or("");
            }
            // A stray marker character: drop it.
            None => rest = skip_char(after),
        }
    }
    plain.push_str(rest);
    push_text(&plain, linkify, out);
}

/// A well-formed marker at the start of `s`: its number and byte length.
fn parse_marker(s: &str) -> Option<(u32, usize)> {
    let body = s.strip_prefix(MARK_OPEN)?;
    let digits = body.bytes().take_while(u8::is_ascii_digit).count();
    let after = body.get(digits..)?;
    if digits == 0 || !after.starts_with(MARK_CLOSE) {
        return None;
    }
    let n = body.get(..digits)?.parse().ok()?;
    Some((n, MARK_OPEN.len_utf8() + digits + MARK_CLOSE.len_utf8()))
}

/// `s` without its first character.
fn skip_char(s: &str) -> &str {
    let mut chars = s.chars();
    chars.next();
    chars.as_str()
}

/// Code shows citation markers as `[n]`, and never shows stray marker characters.
fn markers_as_brackets(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some((before, after)) = rest
        .find([MARK_OPEN, MARK_CLOSE])
        .and_then(|pos| rest.split_at_checked(pos))
    {
        out.push_str(before);
        match parse_marker(after) {
            Some((n, len)) => {
                out.push_str(&format!("[{n}]"));
                rest = after.get(len..).unwrap_or("");
            }
            None => rest = skip_char(after),
        }
    }
    out.push_str(rest);
    out
}

/// Removes markers and stray marker characters (for URLs and titles).
fn strip_all_markers(s: &str) -> String {
    crate::citations::strip_markers(s).replace([MARK_OPEN, MARK_CLOSE], "")
}

/// Appends text, merging with a preceding Text node, turning bare URLs into links.
fn push_text(text: &str, linkify: bool, out: &mut Vec<Node>) {
    if text.is_empty() {
        return;
    }
    if !linkify {
        append_text(text, out);
        return;
    }
    let bytes = text.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < bytes.len() {
        let boundary = i == 0
            || bytes
                .get(i - 1)
                .is_some_and(|&b| b.is_ascii_whitespace() || matches!(b, b'(' | b'"' | b'\''));
        if boundary && bytes.get(i).is_some_and(u8::is_ascii_alphanumeric) {
            if let Some((len, href)) = text.get(i..).and_then(bare_link) {
                let url = text.get(i..i + len).unwrap_or("");
                append_text(text.get(from..i).unwrap_or(""), out);
                out.push(Node::Link {
                    href: Some(href),
                    title: String::new(),
                    children: vec![Node::Text(url.to_string())],
                });
                i += len;
                from = i;
                continue;
            }
        }
        i += 1;
    }
    append_text(text.get(from..).unwrap_or(""), out);
}

#[inline(never)]
fn append_text(text: &str, out: &mut Vec<Node>) {
    if text.is_empty() {
        return;
    }
    if let Some(Node::Text(prev)) = out.last_mut() {
        prev.push_str(text);
    } else {
        out.push(Node::Text(text.to_string()));
    }
}

/// A GFM extended autolink at the start of `s` (which follows white space or `(`): its
/// length and checked href. A bare `http://` or `https://` URL, a `www.` address (linked
/// with `http://`, as GFM does) or an e-mail address (`mailto:`).
fn bare_link(s: &str) -> Option<(usize, String)> {
    let prefix = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
    let (len, href) = if prefix("https://") || prefix("http://") || prefix("www.") {
        let scheme = if prefix("https://") {
            8
        } else if prefix("http://") {
            7
        } else {
            4
        };
        let len = bare_url_len(s, scheme)?;
        let url = s.get(..len)?;
        let href = if scheme == 4 {
            format!("http://{url}")
        } else {
            url.to_string()
        };
        (len, href)
    } else {
        let len = bare_email_len(s)?;
        (len, format!("mailto:{}", s.get(..len)?))
    };
    Some((len, safe_href(&href)?))
}

/// Length of a bare e-mail address at the start of `s`, GFM-style: letters, digits and
/// `.+-_` before the `@`; after it a domain of letters, digits, `-` and `_` with at least one
/// `.`, not ending in `-` or `_` (a final `.` is punctuation, left out).
fn bare_email_len(s: &str) -> Option<usize> {
    let local = s
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b".+-_".contains(c))
        .count();
    if local == 0 || s.as_bytes().get(local) != Some(&b'@') {
        return None;
    }
    let domain = s.get(local + 1..)?;
    let mut len = domain
        .bytes()
        .take_while(|c| c.is_ascii_alphanumeric() || b".-_".contains(c))
        .count();
    while domain.as_bytes().get(len.checked_sub(1)?) == Some(&b'.') {
        len -= 1;
    }
    let d = domain.get(..len)?;
    let ok =
        d.contains('.') && !d.ends_with(['-', '_']) && d.split('.').all(|label| !label.is_empty());
    ok.then_some(local + 1 + len)
}

/// Length of a bare URL at the start of `s` whose scheme (or `www.`) is `scheme_len` bytes,
/// GFM-style: up to whitespace or `<`, without trailing punctuation or an unbalanced closing
/// parenthesis.
fn bare_url_len(s: &str, scheme_len: usize) -> Option<usize> {
    let first_host = s.get(scheme_len..)?.chars().next()?;
    if !first_host.is_alphanumeric() {
        return None;
    }
    let mut end = s
        .char_indices()
        .find(|&(_, c)| c.is_whitespace() || c.is_control() || c == '<')
        .map_or(s.len(), |(i, _)| i);
    loop {
        let url = s.get(..end)?;
        let last = url.chars().last()?;
        let trim = match last {
            '?' | '!' | '.' | ',' | ':' | '*' | '_' | '~' | '\'' | '"' | ';' => true,
            ')' => url.matches('(').count() < url.matches(')').count(),
            _ => false,
        };
        if !trim || end <= scheme_len + 1 {
            break;
        }
        end -= last.len_utf8();
    }
    Some(end)
}

/// The href a link may have, or `None`: only absolute `http:`/`https:` URLs with a host, and
/// `mailto:` URLs. The destination is first cleaned the way a browser's URL parser cleans it
/// (leading/trailing control characters and spaces removed, tabs and newlines removed
/// anywhere), so that what is checked is what the browser would follow. Entities and
/// backslash escapes were already decoded by the markdown parser; a percent-encoded scheme is
/// not a scheme (so the URL counts as relative and is refused).
pub fn safe_href(dest: &str) -> Option<String> {
    let url: String = strip_all_markers(dest)
        .trim_matches(|c: char| c <= ' ')
        .chars()
        .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
        .collect();
    if url.chars().any(char::is_control) {
        return None;
    }
    let colon = url.find(':')?;
    let (scheme, rest) = (url.get(..colon)?, url.get(colon + 1..)?);
    if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
        // Browsers read `\` as `/` in these URLs; require "//" and a host.
        let mut chars = rest.chars();
        let slashes = chars.by_ref().take(2).filter(|&c| c == '/' || c == '\\');
        if slashes.count() != 2 {
            return None;
        }
        match chars.next() {
            Some(c) if !matches!(c, '/' | '\\' | '?' | '#') && !c.is_whitespace() => Some(url),
            _ => None,
        }
    } else if scheme.eq_ignore_ascii_case("mailto") && !rest.trim().is_empty() {
        Some(url)
    } else {
        None
    }
}

// ---------------------------------------------------------------------------------------------
// Plain text
// ---------------------------------------------------------------------------------------------

/// The text of a tree without markup or citation markers: blocks separated by a blank line,
/// list items on their own lines (`- ` or `n. `), table cells separated by tabs, code as is.
pub fn plain_text(nodes: &[Node]) -> String {
    blocks_text(nodes, "\n\n")
}

fn blocks_text(nodes: &[Node], sep: &str) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut inline = InlineText::default();
    for node in nodes {
        if node.is_inline() {
            inline.node(node);
        } else {
            let pending = std::mem::take(&mut inline).finish();
            if !pending.is_empty() {
                parts.push(pending);
            }
            let text = block_text(node);
            if !text.is_empty() {
                parts.push(text);
            }
        }
    }
    let pending = inline.finish();
    if !pending.is_empty() {
        parts.push(pending);
    }
    parts.join(sep)
}

fn block_text(node: &Node) -> String {
    match node {
        Node::Paragraph(c) | Node::Heading { children: c, .. } => inline_only(c),
        Node::BlockQuote(c) => blocks_text(c, "\n\n"),
        Node::Item(c) => blocks_text(c, "\n"),
        Node::List { start, items } => {
            let mut lines = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let marker = match start {
                    Some(s) => format!("{}. ", s.saturating_add(i as u64)),
                    None => "- ".to_string(),
                };
                let body = block_text(item);
                lines.push(format!("{marker}{}", body.replace('\n', "\n  ")));
            }
            lines.join("\n")
        }
        Node::CodeBlock { code, .. } => code.trim_end_matches('\n').to_string(),
        Node::Table { head, rows, .. } => {
            let mut lines = Vec::with_capacity(rows.len() + 1);
            for row in std::iter::once(head).chain(rows) {
                let cells: Vec<String> = row.iter().map(|c| inline_only(c)).collect();
                lines.push(cells.join("\t"));
            }
            lines.join("\n")
        }
        Node::ThematicBreak => String::new(),
        inline => inline_only(std::slice::from_ref(inline)),
    }
}

fn inline_only(nodes: &[Node]) -> String {
    let mut w = InlineText::default();
    for n in nodes {
        w.node(n);
    }
    w.finish()
}

/// Builds the text of inline nodes. A citation is dropped along with the space before it,
/// which comes back only if a word follows directly.
#[derive(Default)]
struct InlineText {
    out: String,
    dropped_space: bool,
}

impl InlineText {
    fn text(&mut self, s: &str) {
        if self.dropped_space {
            self.dropped_space = false;
            let glued = s
                .chars()
                .next()
                .is_some_and(|c| !c.is_whitespace() && !c.is_ascii_punctuation());
            if glued {
                self.out.push(' ');
            }
        }
        self.out.push_str(s);
    }

    fn node(&mut self, node: &Node) {
        match node {
            Node::Text(t) | Node::Code(t) => self.text(t),
            Node::Emphasis(c)
            | Node::Strong(c)
            | Node::Strikethrough(c)
            | Node::Link { children: c, .. } => {
                for n in c {
                    self.node(n);
                }
            }
            Node::Image { alt, .. } => self.text(alt),
            Node::Citation(_) => {
                if self.out.ends_with(' ') {
                    self.out.pop();
                    self.dropped_space = true;
                }
            }
            Node::SoftBreak => self.text(" "),
            Node::HardBreak => self.text("\n"),
            Node::TaskMarker(done) => self.text(if *done { "[x] " } else { "[ ] " }),
            block => {
                let t = block_text(block);
                self.text(&t);
            }
        }
    }

    fn finish(self) -> String {
        self.out.trim().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(usize, usize, TopKind)> {
        top_level_blocks(text)
            .into_iter()
            .map(|b| (b.start, b.end, b.kind))
            .collect()
    }

    #[test]
    fn a_line_over_the_limit_is_committed_in_pieces_cut_at_spaces() {
        let mut sp = BlockSplitter::new();
        let mut blocks = sp.push("# Title\n");
        let word = "word ".repeat(1000); // 5,000 bytes a delta
        for _ in 0..20 {
            blocks.extend(sp.push(&word));
            assert!(sp.tail().len() <= LONG_LINE, "tail {}", sp.tail().len());
        }
        blocks.extend(sp.finish());
        assert!(blocks.len() >= 6, "{}", blocks.len());
        let all: String = blocks.iter().map(|b| b.source.as_str()).collect();
        assert_eq!(all, format!("# Title\n{}", word.repeat(20)), "nothing lost");
        for b in &blocks[1..] {
            let t = b.source.trim_start();
            assert!(
                t.starts_with("word") || t.is_empty(),
                "{:?}",
                &b.source[..8.min(b.source.len())]
            );
            assert!(b.source.len() <= LONG_LINE);
        }
        // One huge delta: pieces of at most the limit. No space at all: cut at the limit, on
        // a character boundary.
        let mut sp = BlockSplitter::new();
        let pieces = sp.push(&"word ".repeat(20_000));
        assert!(pieces.len() >= 6 && pieces.iter().all(|b| b.source.len() <= LONG_LINE));
        let mut sp = BlockSplitter::new();
        let cut = sp.push(&"é".repeat(LONG_LINE + 1));
        assert_eq!(cut.len(), 2);
        assert_eq!(cut[0].source.len(), LONG_LINE);
        // Open fenced code is left whole.
        let mut sp = BlockSplitter::new();
        assert!(sp.push("```\n").is_empty());
        assert!(sp.push(&"x".repeat(3 * LONG_LINE)).is_empty());
    }

    #[test]
    fn fence_opener_is_strict() {
        assert_eq!(fence_opener("```rust"), Some((b'`', 3, "rust")));
        assert_eq!(fence_opener("~~~~ x`y"), Some((b'~', 4, "x`y")));
        assert_eq!(fence_opener("``"), None);
        assert_eq!(fence_opener("```a`"), None, "backtick in info");
        assert_eq!(kinds("    ```\n")[0].2, TopKind::Open, "indented code");
    }

    #[test]
    fn may_close_fence_is_generous() {
        assert!(may_close_fence("code\n```\n", b'`'));
        assert!(may_close_fence("\t```\n", b'`'));
        assert!(!may_close_fence("code\n~~~\n``\n", b'`'));
    }

    #[test]
    fn top_level_block_ranges() {
        let fenced = |closed| TopKind::Fenced { ch: b'`', closed };
        assert_eq!(kinds("```\na\n```\n"), [(0, 10, fenced(true))]);
        assert_eq!(kinds("````\na\n```\n"), [(0, 11, fenced(false))]);
        assert_eq!(kinds("```\n"), [(0, 4, fenced(false))]);
        assert_eq!(
            kinds("a\n\n# h\n- x\n\ny\n"),
            [
                (0, 2, TopKind::Open),
                (3, 7, TopKind::Closed),
                (7, 12, TopKind::Open),
                (12, 14, TopKind::Open)
            ]
        );
        // A definition alone is no block. A table that splits off the paragraph above it
        // stays one block with it (its header line needs the paragraph: alone, an indented
        // one would be code); after a blank line it is a block of its own.
        assert_eq!(kinds("[a]: https://x.example\n"), []);
        assert_eq!(kinds("p\n| a |\n|---|\n"), [(0, 14, TopKind::Open)]);
        assert_eq!(
            kinds("p\n\n| a |\n|---|\n"),
            [(0, 2, TopKind::Open), (3, 15, TopKind::Open)]
        );
    }

    #[test]
    fn entities_and_escapes() {
        assert_eq!(
            unescape("a&amp;b&#x41;&#66;&#0;&bogus;\\*"),
            "a&bAB\u{FFFD}&bogus;*"
        );
        assert_eq!(entity("&#x110000;", 0), Some(('\u{FFFD}', 10)));
        assert_eq!(entity("&#12345678;", 0), None);
        assert_eq!(entity("&amp", 0), None);
    }

    #[test]
    fn emphasis_rules() {
        let t = |s: &str| Node::Text(s.into());
        assert_eq!(
            parse("snake_case_name and _x_"),
            [Node::Paragraph(vec![
                t("snake_case_name and "),
                Node::Emphasis(vec![t("x")])
            ])]
        );
        assert_eq!(
            parse("***a** b*"),
            [Node::Paragraph(vec![Node::Emphasis(vec![
                Node::Strong(vec![t("a")]),
                t(" b")
            ])])]
        );
        assert_eq!(parse("~5 min, ~~no~~"), {
            let strike = Node::Strikethrough(vec![t("no")]);
            [Node::Paragraph(vec![t("~5 min, "), strike])]
        });
    }

    #[test]
    fn bare_url_trimming() {
        let len = |s: &str| bare_link(s).map(|(n, _)| n);
        assert_eq!(len("https://a.example/x."), Some(19));
        assert_eq!(len("https://a.example/(x))"), Some(21));
        assert_eq!(len("http://a.example<b>"), Some(16));
        assert_eq!(len("https://"), None);
        assert_eq!(len("https://-x"), None);
        assert_eq!(len("ftp://a"), None);
        // www. and e-mail addresses (GFM).
        assert_eq!(
            bare_link("www.a.example/x."),
            Some((15, "http://www.a.example/x".into()))
        );
        assert_eq!(
            bare_link("help@a.example."),
            Some((14, "mailto:help@a.example".into()))
        );
        assert_eq!(
            bare_link("a.b+c@x-y.example"),
            Some((17, "mailto:a.b+c@x-y.example".into()))
        );
        assert_eq!(bare_link("a@b"), None);
        assert_eq!(bare_link("a@b.c-"), None);
        assert_eq!(bare_link("@b.example"), None);
        assert_eq!(bare_link("www."), None);
    }

    #[test]
    fn markers_in_code_and_titles() {
        let m = format!("{MARK_OPEN}5{MARK_CLOSE}");
        assert_eq!(markers_as_brackets(&format!("a{m}b{MARK_CLOSE}")), "a[5]b");
        assert_eq!(strip_all_markers(&format!("t{m}{MARK_OPEN}")), "t");
    }
}
