//! Answer markdown → DOM nodes. The protocol crate parses text into a safe node tree (raw
//! HTML is already text, link targets already checked); this module only maps nodes to
//! elements. No HTML string is ever parsed: everything is built node by node.
//!
//! Streaming: finished blocks are rendered once (keyed by block id) and never touched again;
//! only the growing tail block is rebuilt on each delta.

use leptos::either::Either;
use leptos::prelude::*;
use sherpa_protocol::markdown::{parse, Align, Node};
use sherpa_protocol::tail::provisional;

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
}

/// The answer of an assistant message, streamed block by block.
#[component]
pub fn Answer(ctx: CiteCtx) -> impl IntoView {
    let msg = ctx.msg;
    view! {
        <div part="answer" class="answer" dir="auto">
            {keyed_list(
                Signal::derive(move || msg.blocks.with(|b| b.iter().map(|b| b.id as u64).collect())),
                move |id| {
                    let source = msg
                        .blocks
                        .with_untracked(|b| b.iter().find(|b| b.id as u64 == id).map(|b| b.source.clone()))
                        .unwrap_or_default();
                    render_nodes(parse(&source), ctx)
                },
            )}
            {move || msg.tail.with(|t| (!t.is_empty()).then(|| render_nodes(parse(&provisional(t)), ctx)))}
        </div>
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
    let text = code.clone();
    let class = lang.as_ref().map(|l| format!("language-{l}"));
    view! {
        <div class="code">
            <div class="code-bar">
                {element_with("span", "class", Some("code-lang".into()), lang.unwrap_or_default().into_any())}
                <button type="button" part="copy-code" class="small"
                    on:click=move |_| { copy_to_clipboard(&text); copied.set(true); }>
                    {super::message::swap_label(copied, copy, done)}
                </button>
            </div>
            {element("pre", element_with("code", "class", class, code.into_any()))}
        </div>
    }
    .into_any()
}

/// An inline citation: a button once its document is known; a quiet placeholder while the
/// answer streams; nothing if the number never resolves. Hovering or focusing the button shows
/// a card with the source's title, site and snippet ([`cite_card`]); on touch, a first tap
/// shows the card and a second reveals the source below the answer.
#[component]
fn Citation(n: u32, ctx: CiteCtx) -> impl IntoView {
    let msg = ctx.msg;
    let doc = move || {
        let id = msg.citations.with(|c| c.get(&n).cloned())?;
        msg.documents
            .with(|d| d.iter().find(|d| d.id == id).cloned())
    };
    let card = CardState::new();
    move || match doc() {
        Some(d) => {
            let label = crate::i18n::fill(
                ctx.texts.get(Text::CitationLabel),
                &[("n", &n.to_string()), ("title", &d.title)],
            );
            let id = d.id.clone();
            let card_id = format!("sherpa-cite-{}-{n}", msg.id);
            let described = card_id.clone();
            let button = NodeRef::<leptos::html::Button>::new();
            Some(Either::Left(view! {
                <button type="button" part="citation" class="citation" data-citation=n
                    aria-label=label node_ref=button
                    aria-describedby=move || card.open.get().is_some().then(|| described.clone())
                    on:pointerdown=move |e| card.pointer.set_value(e.pointer_type())
                    on:pointerenter=move |e| if e.pointer_type() == "mouse" { card.show(button) }
                    on:pointerleave=move |e| if e.pointer_type() == "mouse" { card.hide_soon() }
                    on:focus=move |_| if card.pointer.get_value().is_empty() { card.show(button) }
                    on:blur=move |_| { card.pointer.set_value(String::new()); card.hide() }
                    on:keydown=move |e| if e.key() == "Escape" && card.open.get_untracked().is_some() {
                        e.stop_propagation();
                        card.hide();
                    }
                    on:click=move |_| {
                        if card.pointer.get_value() == "touch" && card.open.get_untracked().is_none() {
                            card.show(button);
                        } else {
                            card.hide();
                            ctx.reveal.run(id.clone());
                        }
                    }>
                    {n}
                </button>
                {cite_card(d, card_id, card)}
            }))
        }
        None if msg.state.get().is_live() => Some(Either::Right(view! {
            <span class="citation pending" aria-hidden="true">{n}</span>
        })),
        None => None,
    }
}

/// Whether a citation's card is shown (and where: `top` or `bottom`, `left`, in px), the kind of
/// the last pointer that pressed the button (`""` after keyboard use), and a counter that
/// cancels a pending hide.
#[derive(Clone, Copy)]
struct CardState {
    open: RwSignal<Option<(&'static str, f64, f64)>>,
    pointer: StoredValue<String>,
    hides: StoredValue<u32>,
}

/// The card's width in px (less on narrow screens, see the CSS).
const CARD_WIDTH: f64 = 280.0;

impl CardState {
    fn new() -> Self {
        CardState {
            open: RwSignal::new(None),
            pointer: StoredValue::new(String::new()),
            hides: StoredValue::new(0),
        }
    }

    /// Shows the card under the button (above it when there is more room there), kept inside
    /// the viewport.
    fn show(self, button: NodeRef<leptos::html::Button>) {
        self.hides.update_value(|h| *h += 1);
        let (Some(b), Some(w)) = (button.get_untracked(), web_sys::window()) else {
            return;
        };
        let r = b.get_bounding_client_rect();
        let num = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64());
        let vw = num(w.inner_width()).unwrap_or(1024.0);
        let vh = num(w.inner_height()).unwrap_or(768.0);
        let width = CARD_WIDTH.min(vw - 16.0);
        let left = r.left().min(vw - width - 8.0).max(8.0);
        let place = if vh - r.bottom() >= r.top() {
            ("top", r.bottom() + 4.0, left)
        } else {
            ("bottom", vh - r.top() + 4.0, left)
        };
        self.open.set(Some(place));
    }

    fn hide(self) {
        self.hides.update_value(|h| *h += 1);
        if self.open.get_untracked().is_some() {
            self.open.set(None);
        }
    }

    /// Hides the card in a moment, unless the pointer comes back to the citation or the card.
    fn hide_soon(self) {
        self.hides.update_value(|h| *h += 1);
        let this = self.hides.get_value();
        set_timeout(
            move || {
                if self.hides.try_get_value() == Some(this) {
                    self.hide();
                }
            },
            std::time::Duration::from_millis(150),
        );
    }
}

/// The card of a citation: the source's title, site and snippet, as text (`role="tooltip"`,
/// `part="citation-card"`), placed against the viewport.
fn cite_card(d: sherpa_protocol::Document, id: String, card: CardState) -> AnyView {
    let site = d
        .link
        .as_deref()
        .and_then(sherpa_protocol::markdown::safe_href)
        .as_deref()
        .and_then(super::message::host_of)
        .unwrap_or_else(|| d.source_type.replace('_', " "));
    // Set through the CSSOM (style:…), which a strict CSP allows, never as a style attribute.
    let at = move |edge: &'static str| {
        move || {
            card.open.get().and_then(|(e, y, x)| match edge {
                "left" => Some(format!("{x}px")),
                _ => (e == edge).then(|| format!("{y}px")),
            })
        }
    };
    let body = move || {
        card.open.get().is_some().then(|| {
            view! {
                {element_with("span", "class", Some("cite-card-title".into()), d.title.clone().into_any())}
                {element_with("span", "class", Some("cite-card-site".into()), site.clone().into_any())}
                {(!d.blurb.is_empty()).then(|| element_with("span", "class", Some("cite-card-blurb".into()), d.blurb.clone().into_any()))}
            }
        })
    };
    view! {
        <span part="citation-card" class="cite-card" role="tooltip" id=id dir="auto"
            hidden=move || card.open.get().is_none()
            style:top=at("top") style:bottom=at("bottom") style:left=at("left")
            on:pointerenter=move |_| card.hides.update_value(|h| *h += 1)
            on:pointerleave=move |_| card.hide_soon()>
            {body}
        </span>
    }
    .into_any()
}
