//! The widget's components. They take signals (and the [`Chat`] handle for actions) and
//! render inside the instance's shadow root.

mod markdown;
mod message;

pub use message::thread_view;

use leptos::ev;
use leptos::html;
use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::config::{Mode, Position, Theme};
use crate::events;
use crate::i18n::Text;
use crate::state::{Chat, Pending};
use markdown::{element, element_with};

/// The UI strings of an instance (language defaults with attribute overrides).
pub type Texts = crate::i18n::Strings;

/// Copies text to the clipboard (best effort: needs a secure context).
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Moves focus to the composer of the widget that `e` happened in. Used after a chip (starter
/// or follow-up) sends its question: the chip is then disabled or removed, which would drop
/// keyboard focus to the page's body (where Esc and Tab no longer reach the widget).
pub fn focus_composer(e: &web_sys::Event) {
    let Some(node) = e.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) else {
        return;
    };
    let Ok(root) = node.get_root_node().dyn_into::<web_sys::ShadowRoot>() else {
        return;
    };
    if let Ok(Some(input)) = root.query_selector("[part~=\"input\"]") {
        if let Ok(input) = input.dyn_into::<HtmlElement>() {
            let _ = input.focus();
        }
    }
}

/// Renders `view` while `when()` is true: what `<Show>` does, but every use shares one instance
/// of the rendering code (the condition becomes a `Memo<bool>`, the views `AnyView`s), where
/// each `<Show>` compiles its own.
pub fn show<V>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
) -> AnyView
where
    V: RenderHtml + Send + 'static,
{
    show_erased(Memo::new(move |_| when()), view.into(), ViewFn::default())
}

/// [`show`] with a `fallback` for when the condition is false.
pub fn show_else<V, F>(
    when: impl Fn() -> bool + Send + Sync + 'static,
    view: impl Fn() -> V + Send + Sync + 'static,
    fallback: impl Fn() -> F + Send + Sync + 'static,
) -> AnyView
where
    V: RenderHtml + Send + 'static,
    F: RenderHtml + Send + 'static,
{
    show_erased(Memo::new(move |_| when()), view.into(), fallback.into())
}

fn show_erased(when: Memo<bool>, view: ViewFn, fallback: ViewFn) -> AnyView {
    (move || {
        if when.get() {
            view.run()
        } else {
            fallback.run()
        }
    })
    .into_any()
}

/// A list keyed by id, like `<For>`, but every use shares one instance of the diffing code:
/// `ids` lists the items in order, `item` renders one (once: an id that stays in the list is
/// not rendered again).
pub fn keyed_list(
    ids: Signal<Vec<u64>>,
    item: impl Fn(u64) -> AnyView + Send + Sync + 'static,
) -> AnyView {
    keyed_list_erased(ids, Arc::new(item))
}

type ItemFn = Arc<dyn Fn(u64) -> AnyView + Send + Sync>;

fn keyed_list_erased(ids: Signal<Vec<u64>>, item: ItemFn) -> AnyView {
    view! { <For each=move || ids.get() key=|id| *id children=move |id| item(id)/> }.into_any()
}

/// A whole widget instance: launcher + panel, or the panel alone in inline mode.
#[component]
pub fn App(
    chat: Chat,
    /// Whether the panel is open (shared with the page's JS API).
    open: RwSignal<bool>,
    /// The element hosting the shadow root (events are dispatched on it).
    host: HtmlElement,
    texts: &'static Texts,
) -> impl IntoView {
    let cfg = chat.config();
    let inline = cfg.mode == Mode::Inline;
    let launcher_ref = NodeRef::<html::Button>::new();
    let input_ref = NodeRef::<html::Textarea>::new();

    // Open/close: move focus, and tell the page.
    let event_host = host.clone();
    Effect::new(move |prev: Option<bool>| {
        let now = open.get();
        if let Some(prev) = prev {
            if now != prev {
                if now {
                    if let Some(i) = input_ref.get_untracked() {
                        let _ = i.focus();
                    }
                } else if let Some(b) = launcher_ref.get_untracked() {
                    let _ = b.focus();
                }
                if !inline {
                    let name = if now { "sherpa:open" } else { "sherpa:close" };
                    events::emit(&event_host, name, &wasm_bindgen::JsValue::NULL);
                }
            }
        }
        now
    });
    track_visual_viewport(&host);

    let on_keydown = move |e: ev::KeyboardEvent| {
        if e.key() == "Escape" && !inline && open.get_untracked() {
            e.stop_propagation();
            open.set(false);
        }
    };
    let position = match cfg.position {
        Position::Right => "right",
        Position::Left => "left",
    };
    let theme = match cfg.theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::Auto => "auto",
    };
    let title = cfg.title.clone();
    let problems = cfg.problems.clone();
    let launcher_label = crate::i18n::fill(texts.get(Text::OpenChat), &[("title", &title)]);

    view! {
        <div class="sherpa" data-mode=if inline { "inline" } else { "launcher" }
            data-position=position data-theme=theme dir=crate::i18n::direction(&cfg.lang).as_str()
            lang=cfg.lang.clone()>
            {(!inline).then(|| view! {
                <button
                    part="launcher"
                    class="launcher"
                    type="button"
                    node_ref=launcher_ref
                    aria-label=launcher_label
                    aria-expanded=move || open.get().to_string()
                    aria-controls="sherpa-panel"
                    on:click=move |_| open.update(|o| *o = !*o)
                >
                    <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" focusable="false">
                        <path fill="currentColor" d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z"/>
                    </svg>
                </button>
            })}
            <section
                part="panel"
                class="panel"
                id="sherpa-panel"
                role=if inline { "region" } else { "dialog" }
                aria-label=cfg.title.clone()
                hidden=move || !open.get()
                on:keydown=on_keydown
            >
                <header part="header" class="header">
                    {element_with("h2", "class", Some("title".into()), cfg.title.clone().into_any())}
                    {problems.is_empty().then(|| view! {
                        <button type="button" part="new-chat" class="icon" aria-label=texts.get(Text::NewChat).to_owned()
                            title=texts.get(Text::NewChat).to_owned()
                            on:click=move |_| {
                                chat.reset();
                                if let Some(i) = input_ref.get_untracked() { let _ = i.focus(); }
                            }>
                            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                                <path fill="currentColor" d="M11 5h2v6h6v2h-6v6h-2v-6H5v-2h6z"/>
                            </svg>
                        </button>
                    })}
                    {(!inline).then(|| view! {
                        <button type="button" part="close" class="icon" aria-label=texts.get(Text::Close).to_owned()
                            title=texts.get(Text::Close).to_owned() on:click=move |_| open.set(false)>
                            <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                                <path fill="currentColor" d="M6.4 5 12 10.6 17.6 5 19 6.4 13.4 12 19 17.6 17.6 19 12 13.4 6.4 19 5 17.6 10.6 12 5 6.4z"/>
                            </svg>
                        </button>
                    })}
                </header>
                {(!cfg.warnings.is_empty()).then(|| view! {
                    <ul class="notice" role="note">
                        {cfg.warnings.iter().map(|w| element("li", w.clone().into_any())).collect_view()}
                    </ul>
                })}
                {if problems.is_empty() {
                    view! { <Conversation chat=chat input_ref=input_ref texts=texts/> }.into_any()
                } else {
                    view! { <ConfigProblems problems=problems texts=texts/> }.into_any()
                }}
            </section>
        </div>
    }
}

/// Shown instead of the conversation when the configuration is unusable.
#[component]
fn ConfigProblems(problems: Vec<String>, texts: &'static Texts) -> impl IntoView {
    view! {
        <div part="error" class="error config-error" role="alert">
            {element("p", element("strong", texts.get(Text::ConfigErrorTitle).to_owned().into_any()))}
            <ul>{problems.into_iter().map(|p| element("li", p.into_any())).collect_view()}</ul>
        </div>
    }
}

/// The thread and the composer.
#[component]
fn Conversation(
    chat: Chat,
    input_ref: NodeRef<html::Textarea>,
    texts: &'static Texts,
) -> impl IntoView {
    let messages = chat.messages;
    let busy = chat.busy;
    let draft = RwSignal::new(String::new());
    let cfg = chat.config();
    let thread_ref = NodeRef::<html::Div>::new();
    // Follow the stream only while the reader is at the bottom.
    let pinned = RwSignal::new(true);

    let scroll_to_bottom = move || {
        if let Some(el) = thread_ref.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
    };
    Effect::new(move |_| {
        chat.grew.track();
        if pinned.get_untracked() {
            request_animation_frame(scroll_to_bottom);
        }
    });
    let on_scroll = move |_| {
        if let Some(el) = thread_ref.get_untracked() {
            let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
            if pinned.get_untracked() != at_bottom {
                pinned.set(at_bottom);
            }
        }
    };

    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() || busy.get_untracked() {
            return;
        }
        pinned.set(true);
        chat.ask(&text);
        draft.set(String::new());
    };
    let send_on_enter = move |e: ev::KeyboardEvent| {
        if e.key() == "Enter" && !e.shift_key() && !e.is_composing() {
            e.prevent_default();
            send();
        }
    };
    let ask = move |q: String| {
        pinned.set(true);
        chat.ask(&q);
    };
    let welcome = cfg.welcome.clone();
    let placeholder = cfg.placeholder.clone();
    let placeholder = if placeholder.is_empty() {
        texts.get(Text::Placeholder).to_owned()
    } else {
        placeholder
    };

    view! {
        <div class="thread-wrap">
            <div part="thread" class="thread" role="log" aria-label=texts.get(Text::Conversation).to_owned()
                node_ref=thread_ref on:scroll=on_scroll tabindex="0">
                {show(move || messages.with(Vec::is_empty) && chat.pending.with(Option::is_none), move || view! {
                    <div class="welcome">
                        {element("p", welcome.clone().into_any())}
                        {show(move || chat.starters.with(|s| !s.is_empty()), move || view! {
                            <div part="starters" class="chips" role="group" aria-label=texts.get(Text::Starters).to_owned()
                                on:pointerover=move |_| chat.prepare() on:focusin=move |_| chat.prepare()>
                                {move || chat.starters.get().into_iter().map(|q| {
                                    let send_q = q.clone();
                                    view! {
                                        <button type="button" part="starter" class="chip" dir="auto"
                                            on:click=move |e| { ask(send_q.clone()); focus_composer(&e); }>{q}</button>
                                    }
                                }).collect_view()}
                            </div>
                        })}
                    </div>
                })}
                // The messages come with the answer module (src/kit.rs), fetched once the user
                // starts typing or reaches for a starter (or for a saved conversation); a
                // question sent before it has arrived waits here.
                {move || chat.kit.get().map(|kit| (kit.thread)(chat, texts))}
                {move || chat.pending.get().map(|p| pending_view(p, chat, texts))}
            </div>
            {show(move || !pinned.get() && messages.with(|m| !m.is_empty()), move || view! {
                <button type="button" part="jump" class="jump"
                    on:click=move |_| { pinned.set(true); scroll_to_bottom(); }>
                    {texts.get(Text::JumpToLatest).to_owned()}
                </button>
            })}
        </div>
        <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">
            {move || chat.announcement.get()}
        </div>
        <form part="composer" class="composer" on:submit=move |e: ev::SubmitEvent| { e.prevent_default(); send(); }>
            <textarea
                part="input"
                class="input"
                rows="1"
                node_ref=input_ref
                aria-label=texts.get(Text::InputLabel).to_owned()
                placeholder=placeholder
                prop:value=move || draft.get()
                on:input=move |e| { draft.set(event_target_value(&e)); chat.prepare(); }
                on:keydown=send_on_enter
            ></textarea>
            {show_else(
                move || busy.get(),
                move || view! {
                    <button part="stop" class="send stop" type="button" aria-label=texts.get(Text::Stop).to_owned()
                        on:click=move |_| chat.stop()>
                        <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" focusable="false">
                            <rect x="6" y="6" width="12" height="12" rx="2" fill="currentColor"/>
                        </svg>
                    </button>
                },
                move || view! {
                    <button part="send" class="send" type="submit" aria-label=texts.get(Text::Send).to_owned()
                        disabled=move || draft.with(|d| d.trim().is_empty())>
                        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
                            <path fill="currentColor" d="M3 20.5 21 12 3 3.5v6.6L15 12 3 13.9z"/>
                        </svg>
                    </button>
                },
            )}
        </form>
    }
}

/// A question waiting for the answer module: the question, then "Thinking…" or, when the
/// module could not be fetched, why, with a retry. Shaped like a turn of the thread.
fn pending_view(p: Pending, chat: Chat, texts: &'static Texts) -> AnyView {
    let answer = if p.failed {
        view! {
            <div part="error" class="error" role="alert">
                {element("span", texts.get(Text::LoadFailed).to_owned().into_any())}
                <button type="button" part="retry" class="small" on:click=move |_| chat.ask_pending()>
                    {texts.get(Text::Retry).to_owned()}
                </button>
            </div>
        }
        .into_any()
    } else {
        view! {
            <div part="status" class="status">
                <span class="typing" aria-hidden="true"><i></i><i></i><i></i></span>
                {element("span", texts.get(Text::Thinking).to_owned().into_any())}
            </div>
        }
        .into_any()
    };
    view! {
        <div part="message message-user" class="message user">
            <div class="bubble" dir="auto">{p.question}</div>
        </div>
        <div part="message message-assistant" class="message assistant"
            data-state=if p.failed { "error" } else { "pending" } aria-busy=(!p.failed).to_string()>
            {answer}
        </div>
    }
    .into_any()
}

/// Keeps `--sherpa-viewport-height` on the host equal to the visual viewport's height, so
/// the full-screen panel on phones stays above the on-screen keyboard.
fn track_visual_viewport(host: &HtmlElement) {
    let Some(vv) = web_sys::window().and_then(|w| w.visual_viewport()) else {
        return;
    };
    let style = host.style();
    let update = {
        let vv = vv.clone();
        move || {
            // The number is formatted by JavaScript: Rust's float formatting would add ~9 KB
            // gz to the module for this one line.
            let height = js_sys::Number::from(vv.height())
                .to_string_with_radix(10)
                .map(String::from)
                .unwrap_or_default();
            let _ = style.set_property("--sherpa-viewport-height", &format!("{height}px"));
        }
    };
    update();
    let cb = Closure::<dyn Fn()>::new(update);
    let _ = vv.add_event_listener_with_callback("resize", cb.as_ref().unchecked_ref());
    cb.forget();
}
