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
//! The splitter asks pulldown-cmark itself where top-level blocks begin and end, on the
//! complete lines of the tail only (a partial last line can still change meaning: "```" may
//! become "```x`", which is not a fence). Commit rules:
//!
//! * every top-level block except the last one is committed: once a later top-level block has
//!   started, CommonMark has closed every earlier one, whatever it was (paragraph, list with
//!   blank lines inside, block quote, table, indented or fenced code, HTML block);
//! * the last block is committed too when nothing can extend it: an ATX or setext heading, a
//!   thematic break, or a fenced code block whose closing fence has arrived;
//! * a block's source runs to the end of the last line pulldown-cmark assigns to it; blank
//!   lines after that start the next block's source;
//! * [`BlockSplitter::finish`] commits what is left, one block per top-level block.
//!
//! Work per delta: nothing is scanned unless the delta contains a newline; then the tail's
//! complete lines are parsed once, so the cost is proportional to the delta plus the tail.
//! While the tail is an open fenced code block, only the newly completed lines are checked for
//! a possible closing fence, so a long code block streams in linear time. The cost that
//! remains is a single huge top-level block (say a 100 KB list): every new line re-scans it,
//! as the widget re-renders it anyway. Lines end at `\n` (CRLF is fine); text whose lines end
//! in bare CRs stays in the tail until [`BlockSplitter::finish`].
//!
//! Not supported across blocks: link reference definitions (`[1]: https://…`). Each block is
//! parsed on its own, so a reference-style link resolves only against definitions in the same
//! block; elsewhere it stays literal text. Answers from chat backends use inline links.
//!
//! # Safe tree: [`parse`]
//!
//! [`parse`] folds pulldown-cmark events (CommonMark plus GFM tables, strikethrough and task
//! lists) into [`Node`]s that the widget renders as elements, never as HTML strings:
//!
//! * raw HTML (blocks and inline tags) becomes literal [`Node::Text`];
//! * link and image destinations pass [`safe_href`]: only absolute `http:`, `https:` and
//!   `mailto:` URLs survive; anything else (`javascript:`, `data:`, relative, protocol-relative
//!   …) gives `href: None` and the text is kept;
//! * images are never loaded (a server-chosen image URL is a tracking pixel): [`Node::Image`]
//!   carries the alt text and a checked href, to be shown as a link;
//! * bare `http://` and `https://` URLs in text become links (GFM "extended autolinks",
//!   which pulldown-cmark does not implement; `www.` without a scheme is left as text);
//! * citation markers ([`MARK_OPEN`] digits [`MARK_CLOSE`]) become
//!   [`Node::Citation`]; inside code they are shown as `[n]`; stray marker characters are
//!   removed, so private-use characters never reach the screen;
//! * nesting deeper than [`MAX_DEPTH`] is flattened, so rendering recursion stays shallow.
//!
//! [`plain_text`] gives the text of a tree for the clipboard and for screen readers.

use crate::citations::{MARK_CLOSE, MARK_OPEN};
use pulldown_cmark::{
    Alignment, CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag,
};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// Containers nested deeper than this are flattened into their ancestor.
pub const MAX_DEPTH: usize = 24;

/// The markdown dialect: CommonMark plus GFM tables, strikethrough and task lists.
fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

// ---------------------------------------------------------------------------------------------
// Streaming block splitter
// ---------------------------------------------------------------------------------------------

/// A committed top-level block of the answer: its source never changes again.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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

/// What kind of top-level block pulldown-cmark found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TopKind {
    /// A heading or thematic break: complete at the end of its line(s).
    Closed,
    /// A fenced code block: complete once its closing fence line is there.
    Fenced,
    /// Anything else: may be extended by the next line.
    Open,
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
        for (i, (range, kind)) in blocks.iter().enumerate() {
            let end = block_end(text, range);
            let next_start = blocks.get(i + 1).map(|(r, _)| r.start);
            let final_here = match next_start {
                // A later top-level block has started: this one is closed, provided the
                // next one really starts on a later line.
                Some(start) => end <= start,
                None => {
                    at_end
                        || *kind == TopKind::Closed
                        || (*kind == TopKind::Fenced && fence_is_closed(text, range))
                }
            };
            if final_here && end > last_cut {
                cuts.push(end);
                last_cut = end;
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
        // If what is left starts with a fenced code block, the scan found it still open
        // (a closed one was committed): watch for its closing line cheaply from now on.
        let mut left = blocks.iter().filter(|(range, _)| range.start >= from);
        let first_is_fence = match (left.next(), left.next()) {
            (Some((range, TopKind::Fenced)), None) => !fence_is_closed(text, range),
            _ => false,
        };
        if from > 0 {
            self.tail.drain(..from);
        }
        if !at_end && first_is_fence {
            let complete = limit.saturating_sub(from);
            let opener = self.tail.get(..complete).and_then(|text| {
                text.split_inclusive('\n')
                    .find(|line| !line.trim().is_empty())
                    .and_then(fence_opener)
            });
            if let Some((ch, _)) = opener {
                self.fence = Some(FenceWatch {
                    ch,
                    checked: complete,
                });
            }
        }
        out
    }
}

/// Top-level blocks of `text`, as pulldown-cmark sees them: their byte range and kind.
fn top_level_blocks(text: &str) -> Vec<(Range<usize>, TopKind)> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(text, options()).into_offset_iter() {
        match event {
            Event::Start(tag) => {
                if depth == 0 {
                    let kind = match tag {
                        Tag::Heading { .. } => TopKind::Closed,
                        Tag::CodeBlock(CodeBlockKind::Fenced(_)) => TopKind::Fenced,
                        _ => TopKind::Open,
                    };
                    out.push((range, kind));
                }
                depth += 1;
            }
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Rule if depth == 0 => out.push((range, TopKind::Closed)),
            _ => {}
        }
    }
    out
}

/// Where a block's source ends: after the newline of the last line of its range. (Not its
/// last non-blank line: an unclosed fence inside a list item owns the blank lines after it.)
fn block_end(text: &str, range: &Range<usize>) -> usize {
    let last = range.end.min(text.len()).saturating_sub(1).max(range.start);
    line_end(text, last)
}

/// The offset just after the line that contains `pos` (or the end of the text).
fn line_end(text: &str, pos: usize) -> usize {
    text.get(pos..)
        .and_then(|rest| rest.find('\n'))
        .map_or(text.len(), |i| pos + i + 1)
}

/// A fence opening line: its character and length. Strict: a line accepted here is a fence
/// opener for CommonMark too (up to three spaces of indentation, no tabs).
fn fence_opener(line: &str) -> Option<(u8, usize)> {
    let line = line.trim_end_matches(['\n', '\r']);
    let body = line.trim_start_matches(' ');
    if line.len() - body.len() > 3 {
        return None;
    }
    let ch = *body.as_bytes().first()?;
    if ch != b'`' && ch != b'~' {
        return None;
    }
    let len = body.bytes().take_while(|&b| b == ch).count();
    if len < 3 || (ch == b'`' && body.get(len..).is_some_and(|info| info.contains('`'))) {
        return None;
    }
    Some((ch, len))
}

/// Whether any of these complete lines might close a fence of `ch`. Generous on purpose:
/// a false "maybe" only costs a full scan, a false "no" would delay a commit.
fn may_close_fence(lines: &str, ch: u8) -> bool {
    lines.split('\n').any(|line| {
        let line = line.strip_suffix('\r').unwrap_or(line);
        line.contains('\r')
            || line
                .trim_start_matches([' ', '\t'])
                .bytes()
                .take_while(|&b| b == ch)
                .count()
                >= 3
    })
}

/// Whether the fenced code block in `range` ends with its closing fence.
fn fence_is_closed(text: &str, range: &Range<usize>) -> bool {
    let inner = text
        .get(range.start..range.end.min(text.len()))
        .unwrap_or("");
    let mut lines = inner.trim_end().lines();
    let Some((ch, len)) = lines.next().and_then(fence_opener) else {
        return false;
    };
    let Some(last) = lines.last() else {
        return false;
    };
    let body = last.trim_start_matches(' ');
    if last.len() - body.len() > 3 {
        return false;
    }
    let run = body.bytes().take_while(|&b| b == ch).count();
    run >= len
        && body
            .get(run..)
            .is_some_and(|rest| rest.trim_matches([' ', '\t']).is_empty())
}

// ---------------------------------------------------------------------------------------------
// Node tree
// ---------------------------------------------------------------------------------------------

/// Column alignment in a table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Align {
    None,
    Left,
    Center,
    Right,
}

/// One table cell: inline nodes.
pub type Cell = Vec<Node>;

/// A safe markdown node. Text is always text: nothing here is HTML.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
    let mut b = TreeBuilder::new();
    for event in Parser::new_ext(source, options()) {
        b.event(event);
    }
    b.finish()
}

/// What an open frame will become when it closes.
#[derive(Debug)]
enum Kind {
    Root,
    Paragraph,
    Heading(u8),
    BlockQuote,
    List(Option<u64>),
    Item,
    CodeBlock(Option<String>),
    HtmlBlock,
    Table(Vec<Align>),
    TableHead,
    TableRow,
    TableCell,
    Emphasis,
    Strong,
    Strikethrough,
    Link {
        href: Option<String>,
        title: String,
    },
    Image {
        href: Option<String>,
        title: String,
    },
    /// An element the dialect does not enable: flattened into its parent.
    Transparent,
}

#[derive(Debug)]
struct Frame {
    kind: Kind,
    children: Vec<Node>,
    /// Text not yet turned into nodes (merged across events).
    text: String,
    /// Table rows, or a row's cells.
    cells: Vec<Cell>,
    rows: Vec<Vec<Cell>>,
    head: Vec<Cell>,
    /// Opened by a link or image (even if flattened): no bare-URL links inside.
    link: bool,
}

impl Frame {
    fn new(kind: Kind) -> Self {
        Frame {
            link: matches!(kind, Kind::Link { .. } | Kind::Image { .. }),
            kind,
            children: Vec::new(),
            text: String::new(),
            cells: Vec::new(),
            rows: Vec::new(),
            head: Vec::new(),
        }
    }
}

struct TreeBuilder {
    root: Frame,
    /// Open frames below the root.
    stack: Vec<Frame>,
    /// Real (non-transparent) frames open, not counting the root.
    depth: usize,
    /// Elements open but flattened (too deep, or not in the dialect), innermost last: whether
    /// each is a link. They have no frame: their content goes straight to the top frame.
    flattened: Vec<bool>,
    /// Link and image frames open.
    links: usize,
}

impl TreeBuilder {
    fn new() -> Self {
        TreeBuilder {
            root: Frame::new(Kind::Root),
            stack: Vec::new(),
            depth: 0,
            flattened: Vec::new(),
            links: 0,
        }
    }

    fn top(&mut self) -> &mut Frame {
        match self.stack.last_mut() {
            Some(frame) => frame,
            None => &mut self.root,
        }
    }

    fn in_code_block(&self) -> bool {
        matches!(self.stack.last().map(|f| &f.kind), Some(Kind::CodeBlock(_)))
    }

    /// Turns pending text of the top frame into nodes.
    fn flush(&mut self) {
        let in_link = self.links > 0;
        let frame = self.top();
        if frame.text.is_empty() {
            return;
        }
        let text = std::mem::take(&mut frame.text);
        inline_text(&text, !in_link, &mut frame.children);
    }

    fn push_node(&mut self, node: Node) {
        self.flush();
        self.top().children.push(node);
    }

    fn open(&mut self, kind: Kind) {
        // Room for the frames this element needs (a table needs head/row and cell too).
        let room = match kind {
            Kind::Table(_) => 3,
            Kind::List(_) | Kind::TableHead | Kind::TableRow => 2,
            _ => 1,
        };
        let link = matches!(kind, Kind::Link { .. } | Kind::Image { .. });
        if link {
            self.links += 1;
        }
        if !self.flattened.is_empty()
            || self.depth + room > MAX_DEPTH
            || matches!(kind, Kind::Transparent)
        {
            self.flattened.push(link);
            return;
        }
        self.flush();
        self.depth += 1;
        let mut frame = Frame::new(kind);
        frame.link = link;
        self.stack.push(frame);
    }

    fn close(&mut self) {
        if let Some(link) = self.flattened.pop() {
            if link {
                self.links = self.links.saturating_sub(1);
            }
            return;
        }
        if self.stack.is_empty() {
            return; // unbalanced End: ignore
        }
        if !self.in_code_block() && !matches!(self.top().kind, Kind::HtmlBlock) {
            self.flush();
        }
        let Some(mut frame) = self.stack.pop() else {
            return;
        };
        if frame.link {
            self.links = self.links.saturating_sub(1);
        }
        self.depth = self.depth.saturating_sub(1);
        let children = std::mem::take(&mut frame.children);
        let node = match frame.kind {
            Kind::Root | Kind::Transparent => {
                self.flush();
                self.top().children.extend(children);
                return;
            }
            Kind::Paragraph => Node::Paragraph(children),
            Kind::Heading(level) => Node::Heading { level, children },
            Kind::BlockQuote => Node::BlockQuote(children),
            Kind::List(start) => Node::List {
                start,
                items: children,
            },
            Kind::Item => Node::Item(children),
            Kind::CodeBlock(lang) => Node::CodeBlock {
                lang,
                code: markers_as_brackets(&frame.text),
            },
            Kind::HtmlBlock => {
                let mut nodes = Vec::new();
                for (i, line) in frame.text.trim_end().split('\n').enumerate() {
                    if i > 0 {
                        nodes.push(Node::SoftBreak);
                    }
                    inline_text(line.trim_end_matches('\r'), true, &mut nodes);
                }
                Node::Paragraph(nodes)
            }
            Kind::Table(alignments) => Node::Table {
                alignments,
                head: frame.head,
                rows: frame.rows,
            },
            Kind::TableHead => {
                let cells = frame.cells;
                let parent = self.top();
                if matches!(parent.kind, Kind::Table(_)) {
                    parent.head = cells;
                } else {
                    parent.children.extend(cells.into_iter().flatten());
                }
                return;
            }
            Kind::TableRow => {
                let cells = frame.cells;
                let parent = self.top();
                if matches!(parent.kind, Kind::Table(_)) {
                    parent.rows.push(cells);
                } else {
                    parent.children.extend(cells.into_iter().flatten());
                }
                return;
            }
            Kind::TableCell => {
                let parent = self.top();
                if matches!(parent.kind, Kind::TableHead | Kind::TableRow) {
                    parent.cells.push(children);
                } else {
                    parent.children.extend(children);
                }
                return;
            }
            Kind::Emphasis => Node::Emphasis(children),
            Kind::Strong => Node::Strong(children),
            Kind::Strikethrough => Node::Strikethrough(children),
            Kind::Link { href, title } => Node::Link {
                href,
                title,
                children,
            },
            Kind::Image { href, title } => Node::Image {
                href,
                title,
                alt: plain_text(&children),
            },
        };
        self.push_node(node);
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(_) => self.close(),
            Event::Text(t) => self.top().text.push_str(&t),
            // Raw HTML is only ever text.
            Event::Html(t) | Event::InlineHtml(t) => self.top().text.push_str(&t),
            Event::Code(t) => self.push_node(Node::Code(markers_as_brackets(&t))),
            Event::InlineMath(t) => self.top().text.push_str(&format!("${t}$")),
            Event::DisplayMath(t) => self.top().text.push_str(&format!("$${t}$$")),
            Event::FootnoteReference(t) => self.top().text.push_str(&format!("[^{t}]")),
            Event::SoftBreak => self.push_node(Node::SoftBreak),
            Event::HardBreak => self.push_node(Node::HardBreak),
            Event::Rule => self.push_node(Node::ThematicBreak),
            Event::TaskListMarker(done) => self.push_node(Node::TaskMarker(done)),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        let kind = match tag {
            Tag::Paragraph => Kind::Paragraph,
            Tag::Heading { level, .. } => Kind::Heading(heading_level(level)),
            Tag::BlockQuote(_) => Kind::BlockQuote,
            Tag::CodeBlock(CodeBlockKind::Fenced(info)) => Kind::CodeBlock(code_lang(&info)),
            Tag::CodeBlock(CodeBlockKind::Indented) => Kind::CodeBlock(None),
            Tag::HtmlBlock => Kind::HtmlBlock,
            Tag::List(start) => Kind::List(start),
            Tag::Item => Kind::Item,
            Tag::Table(aligns) => Kind::Table(aligns.into_iter().map(align).collect()),
            Tag::TableHead => Kind::TableHead,
            Tag::TableRow => Kind::TableRow,
            Tag::TableCell => Kind::TableCell,
            Tag::Emphasis => Kind::Emphasis,
            Tag::Strong => Kind::Strong,
            Tag::Strikethrough => Kind::Strikethrough,
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => {
                let href = if link_type == LinkType::Email {
                    safe_href(&format!("mailto:{dest_url}"))
                } else {
                    safe_href(&dest_url)
                };
                Kind::Link {
                    href,
                    title: strip_all_markers(&title),
                }
            }
            Tag::Image {
                dest_url, title, ..
            } => Kind::Image {
                href: safe_href(&dest_url),
                title: strip_all_markers(&title),
            },
            // Not enabled in this dialect; kept as plain content if it ever appears.
            _ => Kind::Transparent,
        };
        self.open(kind);
    }

    fn finish(mut self) -> Vec<Node> {
        self.flattened.clear();
        while !self.stack.is_empty() {
            self.close();
        }
        self.flush();
        self.root.children
    }
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn align(a: Alignment) -> Align {
    match a {
        Alignment::None => Align::None,
        Alignment::Left => Align::Left,
        Alignment::Center => Align::Center,
        Alignment::Right => Align::Right,
    }
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
        if boundary && matches!(bytes.get(i), Some(b'h' | b'H')) {
            if let Some(len) = text.get(i..).and_then(bare_url_len) {
                let url = text.get(i..i + len).unwrap_or("");
                if let Some(href) = safe_href(url) {
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
        }
        i += 1;
    }
    append_text(text.get(from..).unwrap_or(""), out);
}

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

/// Length of a bare `http://` / `https://` URL at the start of `s`, GFM-style: up to
/// whitespace or `<`, without trailing punctuation or an unbalanced closing parenthesis.
fn bare_url_len(s: &str) -> Option<usize> {
    let scheme_len = if s
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    {
        8
    } else if s
        .get(..7)
        .is_some_and(|p| p.eq_ignore_ascii_case("http://"))
    {
        7
    } else {
        return None;
    };
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

    #[test]
    fn fence_opener_is_strict() {
        assert_eq!(fence_opener("```rust\n"), Some((b'`', 3)));
        assert_eq!(fence_opener("   ~~~~ x`y\n"), Some((b'~', 4)));
        assert_eq!(fence_opener("    ```\n"), None, "indented code");
        assert_eq!(fence_opener("\t```\n"), None);
        assert_eq!(fence_opener("``\n"), None);
        assert_eq!(fence_opener("```a`\n"), None, "backtick in info");
    }

    #[test]
    fn may_close_fence_is_generous() {
        assert!(may_close_fence("code\n```\n", b'`'));
        assert!(may_close_fence("\t```\n", b'`'));
        assert!(may_close_fence("a\rb\n", b'`'), "bare CR: rescan");
        assert!(!may_close_fence("code\n~~~\n``\n", b'`'));
    }

    #[test]
    fn fence_closed_detection() {
        let t = "```\na\n```\n";
        assert!(fence_is_closed(t, &(0..t.len())));
        let t = "````\na\n```\n";
        assert!(!fence_is_closed(t, &(0..t.len())));
        let t = "```\n";
        assert!(!fence_is_closed(t, &(0..t.len())));
    }

    #[test]
    fn bare_url_trimming() {
        assert_eq!(bare_url_len("https://a.example/x."), Some(19));
        assert_eq!(bare_url_len("https://a.example/(x))"), Some(21));
        assert_eq!(bare_url_len("http://a.example<b>"), Some(16));
        assert_eq!(bare_url_len("https://"), None);
        assert_eq!(bare_url_len("https://-x"), None);
        assert_eq!(bare_url_len("ftp://a"), None);
    }

    #[test]
    fn markers_in_code_and_titles() {
        let m = format!("{MARK_OPEN}5{MARK_CLOSE}");
        assert_eq!(markers_as_brackets(&format!("a{m}b{MARK_CLOSE}")), "a[5]b");
        assert_eq!(strip_all_markers(&format!("t{m}{MARK_OPEN}")), "t");
    }
}
