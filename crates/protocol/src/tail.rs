//! How the still-growing last block of a streaming answer is shown, so that no markdown
//! punctuation flickers raw while its closing half is on its way: `**Exporting` shows as
//! bold text, `` `npm i`` as code, `[guide](https://ex` as a link, and a table as a table as
//! soon as its delimiter row has begun. Only the live tail gets this treatment: finished
//! blocks, and the final text of an answer that never closed a marker, are parsed as written
//! (CommonMark shows such markers as text).

use std::borrow::Cow;

use crate::citations::{MARK_CLOSE, MARK_OPEN};
use crate::markdown::{parse_with, Node, Refs};

/// The tail as it should be parsed for display until more text arrives.
pub fn provisional(tail: &str) -> Cow<'_, str> {
    let first = tail.trim_start();
    if first.starts_with("```") || first.starts_with("~~~") || tail.starts_with("    ") {
        return Cow::Borrowed(tail); // code: nothing inside is markup
    }
    let tail = table_tail(tail);
    let body = tail.trim_end();
    // A marker run at the very end cannot be told apart from an opener yet: hold it back.
    let body = body.trim_end_matches(['*', '_', '`', '~']).trim_end();
    let closers = closers(body);
    if closers.is_empty() && body.len() == tail.len() {
        return tail;
    }
    Cow::Owned(format!("{body}{closers}"))
}

/// When `new` is `old` with only its very last text made longer (every other node the same),
/// the text added at the end; `None` when anything else changed. The widget then extends the
/// text node on screen instead of rebuilding the tail block.
pub fn text_extension<'a>(old: &[Node], new: &'a [Node]) -> Option<&'a str> {
    let (n_last, n_rest) = new.split_last()?;
    let (o_last, o_rest) = old.split_last()?;
    if n_rest != o_rest {
        return None;
    }
    let grown = |o: &str, n: &'a str| n.strip_prefix(o).filter(|_| !o.is_empty());
    match (o_last, n_last) {
        (Node::Text(o), Node::Text(n)) | (Node::Code(o), Node::Code(n)) => grown(o, n),
        (Node::CodeBlock { lang: ol, code: o }, Node::CodeBlock { lang: nl, code: n })
            if ol == nl =>
        {
            grown(o, n)
        }
        (Node::Paragraph(o), Node::Paragraph(n))
        | (Node::BlockQuote(o), Node::BlockQuote(n))
        | (Node::Item(o), Node::Item(n))
        | (Node::Emphasis(o), Node::Emphasis(n))
        | (Node::Strong(o), Node::Strong(n))
        | (Node::Strikethrough(o), Node::Strikethrough(n)) => text_extension(o, n),
        (
            Node::Heading {
                level: ol,
                children: o,
            },
            Node::Heading {
                level: nl,
                children: n,
            },
        ) if ol == nl => text_extension(o, n),
        (
            Node::List {
                start: os,
                items: o,
            },
            Node::List {
                start: ns,
                items: n,
            },
        ) if os == ns => text_extension(o, n),
        (
            Node::Link {
                href: oh,
                title: ot,
                children: o,
            },
            Node::Link {
                href: nh,
                title: nt,
                children: n,
            },
        ) if oh == nh && ot == nt => text_extension(o, n),
        _ => None,
    }
}

/// The text of the last leaf of `nodes`, when it is text (plain, code span or code block):
/// what [`text_extension`] extends.
pub fn last_text(nodes: &[Node]) -> Option<&str> {
    match nodes.last()? {
        Node::Text(t) | Node::Code(t) | Node::CodeBlock { code: t, .. } => Some(t),
        node => last_text(node.children()?),
    }
}

/// The tail as shown, kept from one update to the next so that an open fenced code block grows
/// in time proportional to the new text (issue 16 item 6): while the tail is such a block
/// (its fence at the start of the first line) and the new text cannot close it or change how
/// it reads, its code is extended instead of the tail being parsed again. Anything else is
/// parsed whole, so the nodes are always those of `parse_with(&provisional(tail), refs)`.
#[derive(Clone, Debug, Default)]
pub struct TailState {
    source: String,
    nodes: Vec<Node>,
    /// The fence character while the fast path holds.
    fence: Option<u8>,
}

/// What [`TailState::update`] changed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TailUpdate {
    /// Nothing.
    Unchanged,
    /// Only the last text got longer, by this.
    Extended(String),
    /// Anything else: show [`TailState::nodes`] anew.
    Rebuilt,
}

impl TailState {
    /// The nodes of the tail as last updated.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Brings the state up to `tail`.
    pub fn update(&mut self, tail: &str, refs: &Refs) -> TailUpdate {
        if tail == self.source {
            return TailUpdate::Unchanged;
        }
        if let Some(added) = self.fence.and_then(|ch| self.code_grows(tail, ch)) {
            let added = added.to_owned();
            if let Some(Node::CodeBlock { code, .. }) = self.nodes.last_mut() {
                code.push_str(&added);
                self.source.push_str(&added);
                return TailUpdate::Extended(added);
            }
        }
        let nodes = parse_with(&provisional(tail), refs);
        let change = match text_extension(&self.nodes, &nodes) {
            Some("") if self.nodes == nodes => TailUpdate::Unchanged,
            Some(added) => TailUpdate::Extended(added.to_owned()),
            None => TailUpdate::Rebuilt,
        };
        self.source = tail.to_owned();
        self.fence = open_fence(tail, &nodes);
        self.nodes = nodes;
        change
    }

    /// The text `tail` adds to the open fence's code, when that is all it does.
    fn code_grows<'a>(&self, tail: &'a str, ch: u8) -> Option<&'a str> {
        let added = tail.strip_prefix(self.source.as_str())?;
        if added.contains(['\r', '\t', '\0', MARK_OPEN, MARK_CLOSE]) {
            return None;
        }
        // Every line the new text touches, from the start of the old last line: none may
        // begin (after blanks) with the fence character, which could close the block.
        let from = self.source.rfind('\n').map_or(0, |i| i + 1);
        let touched = &tail[from..];
        let risky = touched
            .split('\n')
            .any(|l| l.trim_start_matches([' ', '\t']).as_bytes().first() == Some(&ch));
        (!risky).then_some(added)
    }
}

/// The fence character when `tail` is one open fenced code block at column 0 whose first line
/// is complete and whose code is exactly the text after that line.
fn open_fence(tail: &str, nodes: &[Node]) -> Option<u8> {
    let ch = *tail.as_bytes().first()?;
    let (first, rest) = tail.split_once('\n')?;
    let plain = matches!(ch, b'`' | b'~') && first.bytes().take_while(|&b| b == ch).count() >= 3;
    match nodes {
        [Node::CodeBlock { code, .. }] if plain && code == rest => Some(ch),
        _ => None,
    }
}

/// A table in the making: a lone header row is held back (it may still become a paragraph),
/// and a delimiter row that has begun is completed to the header's column count.
fn table_tail(tail: &str) -> Cow<'_, str> {
    // A blank line after the last row ends its paragraph: it can no longer become a table.
    let end = tail.trim_end_matches([' ', '\t', '\n']);
    if tail[end.len()..].matches('\n').count() >= 2 {
        return Cow::Borrowed(tail);
    }
    let lines: Vec<&str> = tail.trim_end_matches('\n').split('\n').collect();
    let is_row = |l: &str| l.trim_start().starts_with('|');
    let n = lines.len();
    let row_at = |k: usize| k < n && is_row(lines[k]);
    if !row_at(n - 1) {
        return Cow::Borrowed(tail);
    }
    let header_at = |k: usize| row_at(k) && (k == 0 || !row_at(k - 1));
    if header_at(n - 1) {
        return Cow::Owned(lines[..n - 1].join("\n"));
    }
    if n >= 2 && header_at(n - 2) && is_delimiter_start(lines[n - 1]) {
        if !lines[n - 1].contains(['-', ':']) {
            // A bare `|`: the header's fate is still open, so both wait.
            return Cow::Owned(lines[..n - 2].join("\n"));
        }
        let row = format!("|{}", "---|".repeat(cells(lines[n - 2]).max(1)));
        return Cow::Owned(format!("{}\n{row}", lines[..n - 1].join("\n")));
    }
    Cow::Borrowed(tail)
}

/// A line that can still grow into a delimiter row (`|`, `|--`, `| :-- | -`).
fn is_delimiter_start(line: &str) -> bool {
    let l = line.trim();
    l.starts_with('|') && l.chars().all(|c| matches!(c, '|' | '-' | ':' | ' '))
}

/// Cells of a table row written with leading and (optional) trailing pipes.
fn cells(row: &str) -> usize {
    let inner = row.trim().trim_start_matches('|');
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').count()
}

/// What closes the inline markers left open in `text`: emphasis and strikethrough (by
/// CommonMark's flanking rules, simplified), a code span, a link destination.
fn closers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut open: Vec<String> = Vec::new();
    let mut code: Option<usize> = None;
    let mut in_dest = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let run = chars[i..].iter().take_while(|&&x| x == c).count();
        if c == '`' {
            code = match code {
                None => Some(run),
                Some(n) if n == run => None,
                keep => keep,
            };
        } else if code.is_some() {
            // Inside a code span nothing is markup.
        } else if c == '\\' {
            i += 2;
            continue;
        } else if c == ']' && chars.get(i + 1) == Some(&'(') {
            in_dest = true;
        } else if c == ')' && in_dest {
            in_dest = false;
        } else if matches!(c, '*' | '_' | '~') && !in_dest {
            let marker: String = chars[i..i + run].iter().collect();
            let prev = i.checked_sub(1).map(|p| chars[p]);
            let next = chars.get(i + run).copied();
            let can_close = prev.is_some_and(|p| !p.is_whitespace());
            let can_open = next.is_some_and(|n| !n.is_whitespace())
                && (c != '_' || !prev.is_some_and(char::is_alphanumeric));
            let bullet = c != '~' && run == 1 && next == Some(' ') && at_line_start(&chars, i);
            if open.last() == Some(&marker) && can_close {
                open.pop();
            } else if can_open && !bullet && (c != '~' || run == 2) {
                open.push(marker);
            }
        }
        i += run;
    }
    let mut out = String::new();
    if let Some(n) = code {
        out.push_str(&"`".repeat(n));
        return out; // markers inside an open code span are text
    }
    if in_dest {
        out.push(')');
    }
    for m in open.iter().rev() {
        out.push_str(m);
    }
    out
}

fn at_line_start(chars: &[char], i: usize) -> bool {
    chars[..i]
        .iter()
        .rev()
        .take_while(|&&c| c != '\n')
        .all(|c| c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::{parse, plain_text};

    fn shown(tail: &str) -> String {
        provisional(tail).into_owned()
    }

    #[test]
    fn open_emphasis_code_and_links_are_closed() {
        assert_eq!(shown("**Exporting"), "**Exporting**");
        assert_eq!(
            shown("Go to **Settings → Account →"),
            "Go to **Settings → Account →**"
        );
        assert_eq!(shown("an *important"), "an *important*");
        assert_eq!(shown("run `npm i"), "run `npm i`");
        assert_eq!(
            shown("see [the guide](https://ex"),
            "see [the guide](https://ex)"
        );
        assert_eq!(shown("***both"), "***both***");
        assert_eq!(shown("**bold and *it"), "**bold and *it***");
        assert_eq!(shown("~~old"), "~~old~~");
    }

    #[test]
    fn closed_or_literal_markers_are_left_alone() {
        for t in [
            "**done** and *done*",
            "2 * 3 = 6",
            "snake_case_name",
            "* a list item",
            "- item with `code`",
            "```rust\nlet a = **b",
            "    indented **code",
            "a [link](https://a.example/) here",
            "escaped \\*star",
        ] {
            assert_eq!(shown(t), t, "{t:?}");
        }
    }

    #[test]
    fn a_trailing_marker_run_is_held_back() {
        assert_eq!(shown("Hello **"), "Hello");
        assert_eq!(shown("**bold*"), "**bold**");
        assert_eq!(shown("text `"), "text");
    }

    #[test]
    fn markers_inside_an_open_code_span_stay_text() {
        assert_eq!(shown("`a **b"), "`a **b`");
    }

    #[test]
    fn a_row_followed_by_a_blank_line_is_shown() {
        assert_eq!(shown("|a\n\n").trim_end(), "|a");
        assert_eq!(shown("Hi\n| Plan |\n \n").trim_end(), "Hi\n| Plan |");
        assert_eq!(
            shown("| Plan |\n"),
            "",
            "one newline: the delimiter row may still come"
        );
    }

    #[test]
    fn tables_show_once_their_delimiter_row_begins() {
        assert_eq!(shown("| Plan | Price |"), "");
        assert_eq!(
            shown("| Plan | Price |\n|--"),
            "| Plan | Price |\n|---|---|"
        );
        assert_eq!(
            shown("| Plan | Price |\n| :-- | --"),
            "| Plan | Price |\n|---|---|"
        );
        let full = "| Plan | Price |\n|---|---|\n| Pro | $8 |";
        assert_eq!(shown(full), full);
        let nodes = parse(&shown("| Plan | Price |\n|-"));
        assert_eq!(
            plain_text(&nodes).split_whitespace().collect::<Vec<_>>(),
            ["Plan", "Price"]
        );
    }

    /// Every prefix of a realistic answer: no raw `**`, `` ` `` or `|` reaches the reader,
    /// and the text shown is always a prefix of the final text's words.
    #[test]
    fn no_prefix_shows_raw_markers() {
        let answer = "To export, open **Settings → Account** and choose *Export* (`.zip`). \
                      See [the guide](https://help.example/export) for ~~old~~ new steps.";
        for end in (1..=answer.len()).filter(|&e| answer.is_char_boundary(e)) {
            let text = plain_text(&parse(&provisional(&answer[..end])));
            assert!(!text.contains("**"), "{end}: {text:?}");
            assert!(!text.contains('`'), "{end}: {text:?}");
            assert!(!text.contains("]("), "{end}: {text:?}");
        }
        let table = "| Plan | Price |\n|---|---|\n| Pro | $8 |";
        for end in 1..=table.len() {
            let text = plain_text(&parse(&provisional(&table[..end])));
            assert!(
                !text.contains('|') && !text.contains("--"),
                "{end}: {text:?}"
            );
        }
    }

    #[test]
    fn only_a_grown_last_text_is_an_extension() {
        let ext = |a: &str, b: &str| {
            let (o, n) = (parse(&provisional(a)), parse(&provisional(b)));
            text_extension(&o, &n).map(str::to_owned)
        };
        assert_eq!(ext("Hello wor", "Hello world").as_deref(), Some("ld"));
        assert_eq!(ext("- a\n- b", "- a\n- bc").as_deref(), Some("c"));
        assert_eq!(
            ext("```js\nlet a", "```js\nlet a = 1;\nb").as_deref(),
            Some(" = 1;\nb")
        );
        assert_eq!(ext("**bold te", "**bold text").as_deref(), Some("xt"));
        assert_eq!(ext("Hello", "Hello *wor"), None, "a new emphasis node");
        assert_eq!(ext("- a", "- a\n- b"), None, "a new item");
        assert_eq!(
            ext("a [x](https://a.example/", "a [x](https://a.example/b"),
            None
        );
        assert_eq!(ext("```js\nx", "```ts\nx"), None);
        assert_eq!(ext("Hello", "Hello").as_deref(), Some(""), "nothing new");
    }

    #[test]
    fn an_open_fence_grows_without_a_full_parse() {
        let mut st = TailState::default();
        let refs = Refs::new();
        assert_eq!(st.update("```js\nlet a", &refs), TailUpdate::Rebuilt);
        assert_eq!(
            st.update("```js\nlet a = 1;\nb", &refs),
            TailUpdate::Extended(" = 1;\nb".into())
        );
        assert_eq!(
            st.update("```js\nlet a = 1;\nb", &refs),
            TailUpdate::Unchanged
        );
        // A line starting with the fence character may close the block: parsed whole.
        st.update("```js\nlet a = 1;\nb\n```", &refs);
        assert_eq!(
            st.nodes(),
            parse(&provisional("```js\nlet a = 1;\nb\n```")).as_slice()
        );
    }

    proptest::proptest! {
        /// However the tail is chunked, the state after each piece is what a parse of the
        /// whole tail so far gives, and an extension reported is exactly the text added.
        #[test]
        fn tail_state_matches_a_full_parse(
            text in "(```|~~~|    )?[a-z`~ *\t\n\r\u{E000}\u{E001}1]{0,60}",
            cuts in proptest::collection::vec(0usize..64, 0..8),
        ) {
            let mut st = TailState::default();
            let refs = Refs::new();
            let mut ends: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).filter(|&c| text.is_char_boundary(c)).collect();
            ends.push(text.len());
            ends.sort_unstable();
            for end in ends {
                let before = last_text(st.nodes()).unwrap_or_default().to_owned();
                let change = st.update(&text[..end], &refs);
                let want = parse(&provisional(&text[..end]));
                proptest::prop_assert_eq!(st.nodes(), want.as_slice());
                if let TailUpdate::Extended(added) = change {
                    let now = last_text(st.nodes()).unwrap_or_default();
                    proptest::prop_assert_eq!(format!("{before}{added}"), now);
                }
            }
        }
    }

    proptest::proptest! {
        /// Whenever an extension is reported, applying it gives exactly the new tree's text.
        #[test]
        fn an_extension_is_exact(a in "[a-z *_`~\\[\\]()|:\n-]{0,30}", b in "[a-z *\n]{0,10}") {
            let grown = format!("{a}{b}");
            let (o, n) = (parse(&provisional(&a)), parse(&provisional(&grown)));
            if let Some(added) = text_extension(&o, &n) {
                let (want, got) = (plain_text(&n), format!("{}{added}", plain_text(&o)));
                proptest::prop_assert_eq!(got.trim_end(), want.trim_end());
            }
        }
    }

    proptest::proptest! {
        /// Any text: no panic, and what is shown never loses text beyond held-back markers:
        /// at most the last line (a lone table header, a marker run), or the last two when the
        /// last is bare pipes (`|`, `||`) under a lone header (both wait to see if a table begins).
        #[test]
        fn any_tail_is_safe(t in "[a-z *_`~\\[\\]()|:\n-]{0,40}") {
            let shown = provisional(&t);
            let kept = |s: &str| s.chars().filter(|c| c.is_alphabetic()).count();
            let lines: Vec<&str> = t.trim_end_matches('\n').split('\n').collect();
            let pipes = |l: &str| l.trim().starts_with('|') && l.chars().all(|c| c == '|' || c == ' ');
            let bare_pipe = lines.last().is_some_and(|l| pipes(l)) && lines.len() >= 2;
            let held = lines.iter().rev().take(if bare_pipe { 2 } else { 1 });
            let may_lose: usize = held.map(|l| kept(l)).sum();
            proptest::prop_assert!(kept(&shown) + may_lose >= kept(&t), "{t:?} shown as {shown:?}");
        }
    }
}
