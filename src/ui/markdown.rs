//! Answer markdown → DOM nodes. The protocol crate parses text into a safe node tree (raw
//! HTML is already text, link targets already checked); this module only maps nodes to
//! elements. No HTML string is ever parsed: everything is built node by node.
//!
//! Streaming: finished blocks are rendered once (keyed by block id) and touched again only
//! when a later block defines a link reference they use. The growing tail block is shown at
//! most once per animation frame ([`TailView`]): deltas accumulate, and where they only made
//! the tail's last text longer, that text node is extended; otherwise the block is rebuilt.
//! When a block commits or the answer ends, the tail is brought up to date at once, so the
//! end never waits a frame.

use leptos::either::Either;
use leptos::prelude::*;
use sherpa_protocol::highlight::highlight;
use sherpa_protocol::markdown::{
    add_definitions, definitions, parse, parse_with, Align, Node, Refs,
};
use sherpa_protocol::tail::{last_text, TailState, TailUpdate};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;

use crate::i18n::Text;
use crate::state::Message;
use crate::ui::{copy_to_clipboard, keyed_list, Texts};

/// What inline citations need: the message they belong to and how to reveal a source.
#[derive(Clone, Copy)]
pub struct CiteCtx {
    pub msg: Message,
    /// Called with a document id when its citation is activated.
    pub reveal: Callback<String>,
    pub texts: &'static Texts,
    /// Rendering the streaming tail: code is shown plain (its text node then grows in place,
    /// issue 16) and highlighted once its block is committed.
    pub live: bool,
}

/// The answer of an assistant message, streamed block by block.
#[component]
pub fn Answer(ctx: CiteCtx) -> impl IntoView {
    let msg = ctx.msg;
    let root = NodeRef::<leptos::html::Div>::new();
    root.on_load(move |el| super::cite_card::listen(el.into(), ctx));
    // The link reference definitions of every committed block: a reference resolves against a
    // definition in any block, as in the whole text. Changes only when a new label arrives.
    let refs = Memo::new(move |_| {
        msg.blocks.with(|blocks| {
            let mut refs = Refs::new();
            for b in blocks {
                add_definitions(&mut refs, definitions(&b.source));
            }
            refs
        })
    });
    let tail = TailView::new(msg, root, refs);
    view! {
        <div part="answer" class="answer" dir="auto" node_ref=root>
            {keyed_list(
                Signal::derive(move || msg.blocks.with(|b| b.iter().map(|b| b.id as u64).collect())),
                move |id| {
                    let source = msg
                        .blocks
                        .with_untracked(|b| b.iter().find(|b| b.id as u64 == id).map(|b| b.source.clone()))
                        .unwrap_or_default();
                    committed_block(source, refs, ctx)
                },
            )}
            {move || {
                tail.rebuilt.track();
                tail.shown.with_value(|s| {
                    let nodes = s.borrow().0.nodes().to_vec();
                    (!nodes.is_empty()).then(|| render_nodes(nodes, CiteCtx { live: true, ..ctx }))
                })
            }}
        </div>
    }
}

/// The tail's state and the DOM text node last extended.
type Shown = (TailState, Option<web_sys::Text>);

/// The tail block as shown: brought up to date once per frame from `msg.tail`.
#[derive(Clone, Copy)]
struct TailView {
    /// The tail's nodes as on screen, and the text node last extended (still the last one
    /// unless the tail was rebuilt since).
    shown: StoredValue<Rc<RefCell<Shown>>, LocalStorage>,
    /// Notified when the tail must be rendered anew from `shown`.
    rebuilt: Trigger,
}

impl TailView {
    fn new(msg: Message, root: NodeRef<leptos::html::Div>, refs: Memo<Refs>) -> Self {
        let view = TailView {
            shown: StoredValue::new_local(Rc::default()),
            rebuilt: Trigger::new(),
        };
        let frame = Rc::new(Cell::new(false));
        let blocks = Cell::new(0usize);
        Effect::new(move |_| {
            let empty = msg.tail.with(String::is_empty);
            let committed = msg.blocks.with(Vec::len);
            // A block committed or the answer ended: no waiting, the end is shown at once.
            if empty || committed != blocks.replace(committed) {
                view.update(msg, root, refs);
            } else if !frame.replace(true) {
                let frame = frame.clone();
                request_animation_frame(move || {
                    frame.set(false);
                    view.update(msg, root, refs);
                });
            }
        });
        view
    }

    /// Shows the current tail: extends the last text node when only it grew, else rebuilds.
    fn update(self, msg: Message, root: NodeRef<leptos::html::Div>, refs: Memo<Refs>) {
        let Some(shown) = self.shown.try_get_value() else {
            return; // the message is gone
        };
        let mut shown = shown.borrow_mut();
        let (state, text_node) = &mut *shown;
        let old_len = last_text(state.nodes()).map(str::len);
        let before = text_node.take().filter(|t| t.is_connected());
        let change = msg
            .tail
            .try_with_untracked(|t| refs.try_with_untracked(|r| state.update(t, r)));
        let extended = match change.flatten() {
            Some(TailUpdate::Unchanged) | None => {
                *text_node = before;
                return;
            }
            Some(TailUpdate::Extended(added)) => {
                // The node extended last time is known to hold the old text; any other is
                // checked first.
                let node = before.or_else(|| {
                    let old = last_text(state.nodes())?;
                    let old = &old[..old_len?.min(old.len())];
                    root.get_untracked()
                        .and_then(|el| last_text_node(&el))
                        .filter(|t| t.data() == old)
                });
                *text_node = node.filter(|t| t.append_data(&added).is_ok());
                text_node.is_some()
            }
            Some(TailUpdate::Rebuilt) => false,
        };
        drop(shown);
        if !extended {
            self.rebuilt.notify();
        }
    }
}

/// The last text node under `el` (comment markers skipped), if the deepest last node is text.
fn last_text_node(el: &web_sys::Element) -> Option<web_sys::Text> {
    let mut node: web_sys::Node = el.clone().into();
    loop {
        let mut child = node.last_child()?;
        while child.node_type() == web_sys::Node::COMMENT_NODE {
            child = child.previous_sibling()?;
        }
        if child.node_type() == web_sys::Node::TEXT_NODE {
            return child.dyn_into().ok();
        }
        node = child;
    }
}

/// A committed block, rendered once; again only if it may hold a reference (`[`) and a later
/// block brought a definition.
fn committed_block(source: String, refs: Memo<Refs>, ctx: CiteCtx) -> AnyView {
    if source.contains('[') {
        (move || render_nodes(refs.with(|r| parse_with(&source, r)), ctx)).into_any()
    } else {
        render_nodes(parse(&source), ctx)
    }
}

/// Renders a list of nodes. Citation markers stay on the line of the word before them: that
/// word and the markers that follow it go into one unbreakable span (`.cite-join`).
pub fn render_nodes(nodes: Vec<Node>, ctx: CiteCtx) -> AnyView {
    let mut out: Vec<AnyView> = Vec::with_capacity(nodes.len());
    let mut nodes: Vec<Option<Node>> = nodes.into_iter().map(Some).collect();
    let mut i = 0;
    while i < nodes.len() {
        let end = citations_after(&nodes, i + 1);
        match nodes[i].take() {
            Some(Node::Text(t)) if end > i + 1 => {
                let word_start = t.trim_end().rfind(char::is_whitespace).map_or(0, |p| p + 1);
                let word = t[word_start..].trim_end().to_owned();
                let mut joined = vec![word.into_any()];
                joined.extend(nodes[i + 1..end].iter_mut().filter_map(|n| match n.take() {
                    Some(Node::Citation(c)) => Some(render_node(Node::Citation(c), ctx)),
                    _ => None,
                }));
                let mut text = t;
                text.truncate(word_start);
                out.push(text.into_any());
                out.push(element_with(
                    "span",
                    "class",
                    Some("cite-join".into()),
                    joined.into_any(),
                ));
                i = end;
            }
            Some(n) => {
                out.push(render_node(n, ctx));
                i += 1;
            }
            None => i += 1,
        }
    }
    out.into_any()
}

/// The end of the run of citations (and blank text between them) starting at `from`: `from`
/// itself when there is none. A run never ends on blank text.
fn citations_after(nodes: &[Option<Node>], from: usize) -> usize {
    let mut end = from;
    let mut j = from;
    while let Some(Some(n)) = nodes.get(j) {
        match n {
            Node::Citation(_) => end = j + 1,
            Node::Text(t) if t.trim().is_empty() => {}
            _ => break,
        }
        j += 1;
    }
    end
}

/// An element with only children: one element type (`custom` with a tag name) for all of
/// them, so the rendering code is compiled once instead of once per tag.
pub(super) fn element(tag: &'static str, children: AnyView) -> AnyView {
    element_with(tag, "", None, children)
}

/// [`element`] with one attribute (`value: None` leaves it out): the same single element type.
pub(super) fn element_with(
    tag: &'static str,
    key: &'static str,
    value: Option<String>,
    children: AnyView,
) -> AnyView {
    leptos::html::custom(tag)
        .attr(key, value)
        .child(children)
        .into_any()
}

fn render_node(node: Node, ctx: CiteCtx) -> AnyView {
    match node {
        Node::Paragraph(c) => element("p", render_nodes(c, ctx)),
        // Headings sit below the panel's own title (h2).
        Node::Heading { level, children } => {
            let tag = match level {
                1 => "h3",
                2 => "h4",
                3 => "h5",
                _ => "h6",
            };
            element(tag, render_nodes(children, ctx))
        }
        Node::BlockQuote(c) => element("blockquote", render_nodes(c, ctx)),
        Node::List { start, items } => match start {
            Some(s) => element_with("ol", "start", Some(s.to_string()), render_nodes(items, ctx)),
            None => element("ul", render_nodes(items, ctx)),
        },
        Node::Item(c) => element("li", render_nodes(c, ctx)),
        Node::CodeBlock { lang, code } => code_block(lang, code, ctx),
        Node::Table {
            alignments,
            head,
            rows,
        } => {
            let align = move |i: usize| match alignments.get(i) {
                Some(Align::Left) => "left",
                Some(Align::Center) => "center",
                Some(Align::Right) => "right",
                _ => "",
            };
            let head = head
                .into_iter()
                .enumerate()
                .map(|(i, cell)| {
                    element_with(
                        "th",
                        "data-align",
                        Some(align(i).into()),
                        render_nodes(cell, ctx),
                    )
                })
                .collect_view();
            let rows = rows
                .into_iter()
                .map(|row| {
                    let cells = row
                        .into_iter()
                        .enumerate()
                        .map(|(i, cell)| {
                            let children = render_nodes(cell, ctx);
                            element_with("td", "data-align", Some(align(i).into()), children)
                        })
                        .collect_view();
                    element("tr", cells.into_any())
                })
                .collect_view();
            view! {
                <div class="table-wrap" tabindex="0">
                    <table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>
                </div>
            }
            .into_any()
        }
        Node::ThematicBreak => element("hr", ().into_any()),
        Node::Text(t) => t.into_any(),
        Node::Code(c) => element("code", c.into_any()),
        Node::Emphasis(c) => element("em", render_nodes(c, ctx)),
        Node::Strong(c) => element("strong", render_nodes(c, ctx)),
        Node::Strikethrough(c) => element("del", render_nodes(c, ctx)),
        Node::Link {
            href,
            title,
            children,
        } => match href {
            Some(href) => {
                let label = ctx.texts.get(Text::OpensInNewTab).to_owned();
                view! {
                    <a href=href title=(!title.is_empty()).then_some(title) target="_blank"
                        rel="noopener noreferrer" aria-description=label>
                        {render_nodes(children, ctx)}
                    </a>
                }
                .into_any()
            }
            None => element_with(
                "span",
                "class",
                Some("link-dropped".into()),
                render_nodes(children, ctx),
            ),
        },
        // Images are never loaded (tracking, mixed content): shown as a link to the image.
        Node::Image { href, alt, .. } => {
            let text = if alt.is_empty() {
                "image".to_string()
            } else {
                alt
            };
            match href {
                Some(href) => view! {
                    <a class="image-link" href=href target="_blank" rel="noopener noreferrer">{text}</a>
                }
                .into_any(),
                None => element_with("span", "class", Some("image-link".into()), text.into_any()),
            }
        }
        Node::Citation(n) => view! { <Citation n=n ctx=ctx/> }.into_any(),
        Node::SoftBreak => " ".into_any(),
        Node::HardBreak => element("br", ().into_any()),
        Node::TaskMarker(done) => {
            view! { <input type="checkbox" disabled=true checked=done aria-hidden="true"/> }
                .into_any()
        }
    }
}

fn code_block(lang: Option<String>, code: String, ctx: CiteCtx) -> AnyView {
    let copied = RwSignal::new(false);
    let (copy, done) = (ctx.texts.get(Text::CopyCode), ctx.texts.get(Text::Copied));
    let class = lang.as_ref().map(|l| format!("language-{l}"));
    // The code as on screen now: a streaming block's text node may have grown since.
    let shown_code = |e: web_sys::MouseEvent| {
        let block = e
            .target()?
            .dyn_into::<web_sys::Element>()
            .ok()?
            .closest(".code")
            .ok()??;
        block.query_selector("pre code").ok()??.text_content()
    };
    let lang_name = lang.clone();
    view! {
        <div class="code">
            <div class="code-bar">
                {element_with("span", "class", Some("code-lang".into()), lang.unwrap_or_default().into_any())}
                <button type="button" part="copy-code" class="small"
                    on:click=move |e| {
                        copy_to_clipboard(&shown_code(e).unwrap_or_default());
                        copied.set(true);
                    }>
                    {super::message::swap_label(copied, copy, done)}
                </button>
            </div>
            {element("pre", element_with("code", "class", class, if ctx.live { code.into_any() } else { highlighted(lang_name, code) }))}
        </div>
    }
    .into_any()
}

/// The code as text nodes, in spans of a token class (`tok-kw`, `tok-str`…) where the
/// language is one [`highlight`] knows; plain text otherwise.
fn highlighted(lang: Option<String>, code: String) -> AnyView {
    let Some(pieces) = lang.and_then(|l| highlight(&l, &code)) else {
        return code.into_any();
    };
    pieces
        .into_iter()
        .map(|(range, tok)| {
            let text = code.get(range).unwrap_or_default().to_string();
            match tok {
                Some(t) => element_with("span", "class", Some(t.class().into()), text.into_any()),
                None => text.into_any(),
            }
        })
        .collect_view()
        .into_any()
}

/// An inline citation: a button once its document is known; a quiet placeholder while the
/// answer streams; nothing if the number never resolves. Its events (activation, and the card
/// shown on hover, focus or a first tap) are handled for the whole answer by
/// [`super::cite_card::listen`].
#[component]
fn Citation(n: u32, ctx: CiteCtx) -> impl IntoView {
    let msg = ctx.msg;
    let doc = move || {
        let id = msg.citations.with(|c| c.get(&n).cloned())?;
        msg.documents
            .with(|d| d.iter().find(|d| d.id == id).map(|d| d.title.clone()))
    };
    move || match doc() {
        Some(title) => {
            let label = crate::i18n::fill(
                ctx.texts.get(Text::CitationLabel),
                &[("n", &n.to_string()), ("title", &title)],
            );
            Some(Either::Left(view! {
                <button type="button" part="citation" class="citation" data-citation=n
                    aria-label=label>
                    {n}
                </button>
            }))
        }
        None if msg.state.get().is_live() => Some(Either::Right(view! {
            <span class="citation pending" aria-hidden="true">{n}</span>
        })),
        None => None,
    }
}
