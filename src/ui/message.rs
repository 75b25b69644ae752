//! One message of the thread: the user's question, or an answer with its status line,
//! markdown, inline citations, source cards, follow-up chips, actions and errors.

use leptos::html;
use leptos::prelude::*;
use sherpa_protocol::export::snippet_text;
use sherpa_protocol::markdown::safe_href;
use sherpa_protocol::{Cut, Document};
use wasm_bindgen::{JsCast, JsValue};

use super::markdown::{element, element_with, Answer, CiteCtx};
use super::{copy_to_clipboard, keyed_list, show, Texts};
use crate::events::{self, report};
use crate::i18n::{error_text, fill, Text};
use crate::state::{Chat, Message, MsgState, Role};

/// How many source cards show before "show all".
const SOURCES_SHOWN: usize = 3;

/// A user or assistant message. Assistant messages carry `data-state`.
#[component]
pub fn MessageView(
    message: Message,
    chat: Chat,
    texts: &'static Texts,
    /// Whether this is the newest answer (only it offers retry and regenerate).
    #[prop(into)]
    is_last: Signal<bool>,
) -> impl IntoView {
    match message.role {
        Role::User => view! {
            <div part="message message-user" class="message user" role="article"
                aria-label=texts.get(Text::You).to_owned()>
                <div class="bubble" dir="auto">{move || message.text.get()}</div>
            </div>
        }
        .into_any(),
        Role::Assistant => {
            view! { <AssistantMessage msg=message chat=chat texts=texts is_last=is_last/> }
                .into_any()
        }
    }
}

/// Renders the thread's messages at the end of `thread` (the frame's thread element).
pub fn mount_thread(chat: Chat, texts: &'static Texts, thread: web_sys::HtmlElement) {
    if chat.keeps_history() {
        super::history::mount(chat, texts, &thread);
    }
    leptos::mount::mount_to(thread, move || thread_view(chat, texts)).forget();
}

/// The thread's messages (with the note that older ones were let go).
fn thread_view(chat: Chat, texts: &'static Texts) -> AnyView {
    let messages = chat.messages;
    let last_assistant = Memo::new(move |_| {
        messages.with(|m| {
            m.iter()
                .rev()
                .find(|m| m.role == Role::Assistant)
                .map(|m| m.id)
        })
    });
    view! {
        {show(move || chat.dropped.get() != 0, move || view! {
            <p part="earlier" class="earlier">{texts.get(Text::EarlierHidden).to_owned()}</p>
        })}
        {keyed_list(
            Signal::derive(move || messages.with(|m| m.iter().map(|m| m.id).collect())),
            move |id| {
                let m = messages.with_untracked(|m| m.iter().find(|m| m.id == id).copied());
                m.map(|m| view! {
                    <MessageView message=m chat=chat texts=texts
                        is_last=Signal::derive(move || last_assistant.get() == Some(m.id))/>
                })
                .into_any()
            },
        )}
        {conversation_actions(chat, texts)}
    }
    .into_any()
}

/// Copy or download the whole conversation as markdown, under the last answer once it ended.
fn conversation_actions(chat: Chat, texts: &'static Texts) -> AnyView {
    let ready = move || {
        !chat.busy.get()
            && chat.messages.with(|m| {
                m.iter()
                    .any(|m| m.role == Role::Assistant && !m.state.get().is_live())
            })
    };
    show(ready, move || {
        let copied = RwSignal::new(false);
        view! {
            <div part="conversation-actions" class="actions conversation-actions">
                <button type="button" part="copy-conversation" class="small"
                    on:click=move |_| { copy_to_clipboard(&chat.markdown(texts)); copied.set(true); }>
                    {swap_label(copied, texts.get(Text::CopyConversation), texts.get(Text::Copied))}
                </button>
                <button type="button" part="download-conversation" class="small"
                    on:click=move |_| download("conversation.md", &chat.markdown(texts))>
                    {texts.get(Text::DownloadConversation).to_owned()}
                </button>
            </div>
        }
    })
}

/// Offers `text` as a markdown file named `name` (a blob URL the browser downloads).
fn download(name: &str, text: &str) {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/markdown;charset=utf-8");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    let a = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.create_element("a").ok())
        .and_then(|a| a.dyn_into::<web_sys::HtmlAnchorElement>().ok());
    if let Some(a) = a {
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url);
        },
        std::time::Duration::from_secs(10),
    );
}

/// The model's reasoning, collapsed above the answer ("Thinking…" while it streams). Plain
/// text; the live region does not read it.
fn reasoning_view(msg: Message, texts: &'static Texts) -> AnyView {
    show(
        move || msg.reasoning.with(|r| !r.is_empty()),
        move || {
            let summary = move || {
                let thinking = msg.state.get().is_live() && msg.text.with(String::is_empty);
                texts
                    .get(if thinking {
                        Text::Thinking
                    } else {
                        Text::Reasoning
                    })
                    .to_owned()
            };
            view! {
                <details part="reasoning" class="reasoning">
                    <summary>{summary}</summary>
                    <div class="reasoning-text" dir="auto">{move || msg.reasoning.get()}</div>
                </details>
            }
        },
    )
}

/// "Searching for …", "Thinking…": shown while an answer has no text yet.
fn status_line(msg: Message, texts: &'static Texts) -> AnyView {
    let status_text = move || {
        let s = msg.status.get();
        let state = msg.state.get();
        if !state.is_live() {
            return None;
        }
        Some(crate::status::status_text(texts, s.as_ref()))
    };
    let waiting = move || msg.state.get().is_live() && msg.text.with(String::is_empty);
    show(waiting, move || {
        view! {
            <div part="status" class="status">
                <span class="typing" aria-hidden="true"><i></i><i></i><i></i></span>
                {element("span", status_text.into_any())}
            </div>
        }
    })
}

/// The answer's error: one plain, localised sentence for the visitor, with a retry when it
/// makes sense, and the technical message (for the site owner) collapsed under "Details".
/// A rate limit's wait counts down beside Retry, which stays disabled until it ends.
fn error_line(msg: Message, chat: Chat, texts: &'static Texts, is_last: Signal<bool>) -> AnyView {
    (move || {
        msg.error.get().map(|e| {
            let left = RwSignal::new(e.retry_after_seconds.unwrap_or(0));
            if left.get_untracked() > 0 {
                countdown(left);
            }
            let wait = move || {
                let s = left.get();
                (s > 0).then(|| {
                    format!(
                        " {}",
                        fill(texts.get(Text::RetryAfter), &[("seconds", &s.to_string())])
                    )
                })
            };
            view! {
                <div part="error" class="error" role="alert">
                    <span>
                        {element_with("span", "class", Some("sr-only".into()), format!("{} ", texts.get(Text::ErrorPrefix)).into_any())}
                        {texts.get(error_text(e.code.as_deref())).to_owned()}
                    </span>
                    <span part="retry-wait">{wait}</span>
                    {show(move || e.retryable || is_last.get(), move || view! {
                        <button type="button" part="retry" class="small"
                            disabled={move || left.get() > 0}
                            on:click=move |_| {
                                report(&chat, events::RETRY, Some(&msg), &[]);
                                chat.retry();
                            }>
                            {texts.get(Text::Retry).to_owned()}
                        </button>
                    })}
                    {contact(chat, msg)}
                    <details part="error-details" class="error-details">
                        {element("summary", texts.get(Text::ErrorDetails).to_owned().into_any())}
                        {element_with("p", "dir", Some("auto".into()), e.message.clone().into_any())}
                    </details>
                </div>
            }
        })
    })
    .into_any()
}

/// The link to a human (`data-contact-url`), if the page set one (see [`super::add_contact`]).
fn contact(chat: Chat, msg: Message) -> Option<AnyView> {
    chat.config().contact.as_ref()?;
    let slot = NodeRef::<html::Span>::new();
    slot.on_load(move |el| super::add_contact(&el, chat, Some(msg)));
    Some(view! { <span class="contact-slot" node_ref=slot></span> }.into_any())
}

/// Reports the clicks inside an answer that its parts handle themselves: a citation, a source
/// card's link, a code block's copy button.
fn report_clicks(e: &web_sys::MouseEvent, chat: Chat, msg: Message) {
    let Some(target) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let near = |sel: &str| target.closest(sel).ok().flatten();
    if let Some(c) = near("[part~=\"citation\"]") {
        let n = c
            .get_attribute("data-citation")
            .and_then(|n| n.parse::<u32>().ok());
        let doc = n.and_then(|n| msg.citations.with_untracked(|c| c.get(&n).cloned()));
        let pairs = [
            (
                "n",
                n.map_or(JsValue::NULL, |n| JsValue::from_f64(f64::from(n))),
            ),
            (
                "documentId",
                doc.as_deref().map_or(JsValue::NULL, events::s),
            ),
        ];
        report(&chat, events::CITATION_CLICK, Some(&msg), &pairs);
    } else if let Some(link) = near("[part~=\"source-card\"] a[href]") {
        let card = near("[part~=\"source-card\"]");
        let doc = card.and_then(|c| c.get_attribute("data-doc"));
        let pairs = [
            (
                "documentId",
                doc.as_deref().map_or(JsValue::NULL, events::s),
            ),
            (
                "url",
                events::s(&link.get_attribute("href").unwrap_or_default()),
            ),
        ];
        report(&chat, events::SOURCE_CLICK, Some(&msg), &pairs);
    } else if near("[part~=\"copy-code\"]").is_some() {
        report(&chat, events::COPY_CODE, Some(&msg), &[]);
    }
}

/// Takes a second off `left` every second until it reaches 0 (or the view goes away).
fn countdown(left: RwSignal<u64>) {
    let me = std::rc::Rc::new(std::cell::Cell::new(None::<IntervalHandle>));
    let this = me.clone();
    let started = set_interval_with_handle(
        move || match left.try_get_untracked() {
            Some(n) if n > 1 => left.set(n - 1),
            gone_or_done => {
                if gone_or_done.is_some() {
                    left.set(0);
                }
                if let Some(i) = this.take() {
                    i.clear();
                }
            }
        },
        std::time::Duration::from_secs(1),
    );
    if let Ok(i) = started {
        me.set(Some(i));
        on_cleanup(move || i.clear());
    }
}

#[component]
fn AssistantMessage(
    msg: Message,
    chat: Chat,
    texts: &'static Texts,
    is_last: Signal<bool>,
) -> impl IntoView {
    let root = NodeRef::<html::Div>::new();
    let expanded = RwSignal::new(false);
    let highlighted = RwSignal::new(None::<String>);

    // A citation was activated: show its card (expanding the list if needed) and focus it.
    let reveal = Callback::new(move |id: String| {
        let pos = ordered_sources(&msg).iter().position(|d| d.id == id);
        if pos.is_some_and(|p| p >= SOURCES_SHOWN) {
            expanded.set(true);
        }
        highlighted.set(Some(id.clone()));
        let root = root;
        request_animation_frame(move || {
            let Some(el) = root.get_untracked() else {
                return;
            };
            let sel = format!("[data-doc=\"{}\"]", css_escape(&id));
            if let Ok(Some(card)) = el.query_selector(&sel) {
                if let Ok(card) = card.dyn_into::<web_sys::HtmlElement>() {
                    let _ = card.focus();
                }
            }
        });
    });
    let ctx = CiteCtx {
        msg,
        reveal,
        texts,
        live: false,
    };

    view! {
        <div
            part="message message-assistant"
            class="message assistant"
            node_ref=root
            data-state=move || msg.state.get().as_str()
            aria-busy=move || msg.state.get().is_live().to_string()
            role="article"
            aria-label=texts.get(Text::Assistant).to_owned()
            on:click=move |e| report_clicks(&e, chat, msg)
        >
            {reasoning_view(msg, texts)}
            {status_line(msg, texts)}
            <Answer ctx=ctx/>
            {cut_note(msg, Cut::Answer, texts.get(Text::AnswerTruncated))}
            {cut_note(msg, Cut::Sources, texts.get(Text::SourcesTruncated))}
            {show(move || msg.state.get() == MsgState::Stopped, move || element_with("p", "class", Some("note".into()), texts.get(Text::Stopped).to_owned().into_any()))}
            {error_line(msg, chat, texts, is_last)}
            // While the answer streams, the CSS shows the sources above the text (they arrive
            // first, and the growing text then pushes nothing the reader may be looking at);
            // once it ends, below it, where scroll anchoring keeps the reader's place.
            <Sources msg=msg chat=chat texts=texts expanded=expanded highlighted=highlighted/>
            <FollowUps msg=msg chat=chat texts=texts is_last=is_last/>
            {show(
                move || matches!(msg.state.get(), MsgState::Done | MsgState::Stopped) && msg.text.with(|s| !s.is_empty()),
                move || view! { <Actions msg=msg chat=chat texts=texts is_last=is_last/> {contact(chat, msg)} },
            )}
        </div>
    }
}

/// The note under an answer that was cut to a limit (`part="truncated"`).
fn cut_note(msg: Message, cut: Cut, text: &'static str) -> AnyView {
    show(
        move || msg.cuts.with(|c| c.contains(&cut)),
        move || view! { <p part="truncated" class="note">{text}</p> }.into_any(),
    )
}

/// Cited documents first (in citation order), then the others.
fn ordered_sources(msg: &Message) -> Vec<Document> {
    let cited: Vec<String> = msg.citations.with(|c| c.values().cloned().collect());
    msg.documents.with(|docs| {
        let mut out: Vec<Document> = Vec::with_capacity(docs.len());
        for id in &cited {
            if let Some(d) = docs.iter().find(|d| &d.id == id) {
                if !out.iter().any(|o| o.id == d.id) {
                    out.push(d.clone());
                }
            }
        }
        out.extend(docs.iter().filter(|d| !cited.contains(&d.id)).cloned());
        out
    })
}

#[component]
fn Sources(
    msg: Message,
    chat: Chat,
    texts: &'static Texts,
    expanded: RwSignal<bool>,
    highlighted: RwSignal<Option<String>>,
) -> impl IntoView {
    let sources = Memo::new(move |_| ordered_sources(&msg));
    let number_of = move |id: &str| {
        msg.citations
            .with(|c| c.iter().find(|(_, d)| d.as_str() == id).map(|(n, _)| *n))
    };
    // Each answer's region has its own name ("Sources for answer 2"): landmarks must differ.
    let label = move || {
        let n = chat.messages.with(|m| {
            m.iter()
                .filter(|m| m.role == Role::Assistant)
                .position(|m| m.id == msg.id)
                .unwrap_or(0)
        });
        let n = n + chat.dropped.get() / 2 + 1;
        fill(texts.get(Text::SourcesFor), &[("n", &n.to_string())])
    };
    view! {
        {show(move || sources.with(|s| !s.is_empty()), move || view! {
            <section part="sources" class="sources" aria-label=label>
                {element_with("h3", "class", Some("sources-title".into()), texts.get(Text::Sources).to_owned().into_any())}
                <ul>
                    {move || {
                        let all = sources.get();
                        let shown = if expanded.get() { all.len() } else { SOURCES_SHOWN.min(all.len()) };
                        all.into_iter().take(shown).map(|d| {
                            let n = number_of(&d.id);
                            let id = d.id.clone();
                            let hl = move || highlighted.with(|h| h.as_deref() == Some(id.as_str()));
                            let href = d.link.as_deref().and_then(safe_href);
                            let site = href.as_deref().and_then(host_of).unwrap_or_else(|| d.source_type.replace('_', " "));
                            let title = if d.title.trim().is_empty() { texts.get(Text::Untitled).to_owned() } else { d.title.clone() };
                            view! {
                                <li part="source-card" class="source-card" class:highlight=hl dir="auto"
                                    data-doc=d.id.clone() tabindex="-1">
                                    <div class="source-head">
                                        {n.map(|n| element_with("span", "class", Some("source-n".into()), n.into_any()))}
                                        {match href {
                                            Some(h) => view! {
                                                <a href=h target="_blank" rel="noopener noreferrer" class="source-title">{title}</a>
                                            }.into_any(),
                                            None => element_with("span", "class", Some("source-title".into()), title.into_any()),
                                        }}
                                    </div>
                                    {element_with("div", "class", Some("source-site".into()), site.into_any())}
                                    {Some(snippet_text(&d.blurb)).filter(|b| !b.is_empty()).map(|b| element_with("p", "class", Some("source-blurb".into()), b.into_any()))}
                                </li>
                            }
                        }).collect_view()
                    }}
                </ul>
                {show(move || sources.with(|s| s.len() > SOURCES_SHOWN), move || view! {
                    <button type="button" class="small link" part="show-all-sources"
                        aria-expanded=move || expanded.get().to_string()
                        on:click=move |_| {
                            expanded.update(|e| *e = !*e);
                            let open = JsValue::from_bool(expanded.get_untracked());
                            report(&chat, events::SHOW_ALL_SOURCES, Some(&msg), &[("expanded", open)]);
                        }>
                        {move || if expanded.get() {
                            texts.get(Text::ShowFewer).to_owned()
                        } else {
                            fill(texts.get(Text::ShowAllSources), &[("n", &sources.with(Vec::len).to_string())])
                        }}
                    </button>
                })}
            </section>
        })}
    }
}

/// Questions the backend suggests next; a click (or Enter) sends one. Only the newest answer
/// offers them: once a new question is asked, older answers' chips go.
#[component]
fn FollowUps(
    msg: Message,
    chat: Chat,
    texts: &'static Texts,
    is_last: Signal<bool>,
) -> impl IntoView {
    let label = texts.get(Text::FollowUps).to_owned();
    let offered = move || {
        is_last.get() && msg.follow_ups.with(|f| !f.is_empty()) && !msg.state.get().is_live()
    };
    view! {
        {show(offered, move || view! {
            <div part="follow-ups" class="chips" role="group" aria-label=label.clone()>
                {move || msg.follow_ups.get().into_iter().map(|q| {
                    let ask = q.clone();
                    view! {
                        <button type="button" part="follow-up" class="chip" dir="auto"
                            disabled=move || chat.busy.get()
                            on:click=move |e| {
                                super::question(chat, &ask, "follow-up");
                                super::focus_composer(&e);
                            }>{q}</button>
                    }
                }).collect_view()}
            </div>
        })}
    }
}

/// Copy, regenerate and feedback for a finished answer.
#[component]
fn Actions(
    msg: Message,
    chat: Chat,
    texts: &'static Texts,
    is_last: Signal<bool>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let feedback = chat.has_feedback();
    // The thumb whose form is open (`true` up, `false` down).
    let form = RwSignal::new(None::<bool>);
    view! {
        <div class="actions">
            <button type="button" part="copy" class="small"
                on:click=move |_| {
                    copy_to_clipboard(&msg.plain_text());
                    copied.set(true);
                    report(&chat, events::COPY_ANSWER, Some(&msg), &[]);
                }>
                {swap_label(copied, texts.get(Text::Copy), texts.get(Text::Copied))}
            </button>
            {show(move || is_last.get(), move || view! {
                <button type="button" part="regenerate" class="small"
                    disabled=move || chat.busy.get() on:click=move |_| {
                        report(&chat, events::REGENERATE, Some(&msg), &[]);
                        chat.retry();
                    }>
                    {texts.get(Text::Regenerate).to_owned()}
                </button>
            })}
            {feedback.then(|| thumbs(msg, chat, texts, form))}
            {show(move || msg.feedback.get().is_some() && form.get().is_none(), move || {
                let note = NodeRef::<html::Span>::new();
                note.on_load(|el| request_animation_frame(move || reveal_in_thread(&el)));
                view! {
                    <span class="note" role="status" node_ref=note>{texts.get(Text::FeedbackThanks).to_owned()}</span>
                }
            })}
        </div>
    }
}

/// The thumbs: each opens the feedback form for its side (pressed once feedback was sent).
fn thumbs(
    msg: Message,
    chat: Chat,
    texts: &'static Texts,
    form: RwSignal<Option<bool>>,
) -> AnyView {
    let ctx = super::feedback::Ctx {
        msg,
        chat,
        texts,
        open: form,
    };
    let thumb = move |up: bool, part: &'static str, label: Text, path: &'static str| {
        view! {
            <button type="button" part=part class="small icon-btn"
                aria-label=texts.get(label).to_owned()
                aria-pressed=move || (msg.feedback.get() == Some(up)).to_string()
                aria-expanded=move || (form.get() == Some(up)).to_string()
                disabled=move || msg.server_id.get().is_none()
                on:click=move |e| {
                    let row = e.target()
                        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                        .and_then(|t| t.closest(".actions").ok().flatten());
                    if let Some(row) = row { super::feedback::toggle(&row, up, ctx); }
                }>
                <svg viewBox="0 0 24 24" width="16" height="16" aria-hidden="true" focusable="false">
                    <path fill="currentColor" d=path/>
                </svg>
            </button>
        }
    };
    view! {
        {thumb(true, "feedback-up", Text::FeedbackUp, "M2 21h4V9H2v12zm20-11a2 2 0 0 0-2-2h-6.3l1-4.6v-.3a1.5 1.5 0 0 0-.5-1.1L13.2 1 6.6 7.6A2 2 0 0 0 6 9v10a2 2 0 0 0 2 2h9a2 2 0 0 0 1.8-1.2l3-7.1c.1-.2.2-.5.2-.7v-2z")}
        {thumb(false, "feedback-down", Text::FeedbackDown, "M22 3h-4v12h4V3zM2 14a2 2 0 0 0 2 2h6.3l-1 4.6v.3c0 .4.2.8.5 1.1l1 1 6.6-6.6c.4-.4.6-.9.6-1.4V5a2 2 0 0 0-2-2H7a2 2 0 0 0-1.8 1.2l-3 7.1c-.1.2-.2.5-.2.7v2z")}
    }
    .into_any()
}

/// A button label that changes from `off` to `on` when `on_now` is set, laid out at the width
/// of the longer one, so the button keeps its size and its row does not shift.
pub(super) fn swap_label(on_now: RwSignal<bool>, off: &'static str, on: &'static str) -> AnyView {
    let hidden = move |when: bool| move || (on_now.get() == when).then_some("");
    view! {
        <span class="swap">
            <span data-off=hidden(true) aria-hidden=move || on_now.get().then_some("true")>{off}</span>
            <span data-off=hidden(false) aria-hidden=move || (!on_now.get()).then_some("true")>{on}</span>
        </span>
    }
    .into_any()
}

/// Scrolls the thread that holds `el` just enough to show it (a note that appeared at the
/// bottom of the last answer would otherwise sit under the composer).
fn reveal_in_thread(el: &web_sys::Element) {
    let opts = web_sys::ScrollIntoViewOptions::new();
    opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
    opts.set_inline(web_sys::ScrollLogicalPosition::Nearest);
    el.scroll_into_view_with_scroll_into_view_options(&opts);
}

/// The host a link really opens, for a source card's subtitle: parsed by the browser's own
/// URL parser (so `\`, `@` and percent tricks resolve as a click would), then labelled so
/// a look-alike host shows in punycode ([`sherpa_protocol::hosts`]).
pub(super) fn host_of(url: &str) -> Option<String> {
    let host = web_sys::Url::new(url).ok()?.hostname();
    (!host.is_empty()).then(|| sherpa_protocol::hosts::host_label(&host))
}

/// Escapes a value for use inside a double-quoted CSS attribute selector.
fn css_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| match c {
            '"' | '\\' => vec!['\\', c],
            '\n' => vec![],
            c => vec![c],
        })
        .collect()
}
