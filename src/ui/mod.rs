//! The widget's interface, inside each instance's shadow root: the frame ([`shell`]:
//! launcher, panel, welcome, composer; the DOM bound to signals, in the main module) and the
//! thread (messages, markdown, citations, sources: Leptos components that take signals and the
//! [`Chat`](crate::state::Chat) handle for actions, in the answer module, see `src/kit.rs`).

mod cite_card;
mod dom;
mod markdown;
mod message;
pub mod shell;

pub use message::mount_thread;

use leptos::prelude::*;
use std::sync::Arc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::HtmlElement;

use crate::events;
use crate::i18n::Text;
use crate::state::{Chat, Message};

/// The UI strings of an instance (language defaults with attribute overrides).
pub type Texts = crate::i18n::Strings;

/// Copies text to the clipboard (best effort: needs a secure context).
pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Sends `q` and reports it (`sherpa:question`, with how it was asked: `via`).
pub fn question(chat: Chat, q: &str, via: &str) {
    let q = q.trim();
    if q.is_empty() || chat.busy.get_untracked() || !chat.config().problems.is_empty() {
        return;
    }
    let pairs = [("question", events::s(q)), ("via", events::s(via))];
    events::report(&chat, events::QUESTION, None, &pairs);
    chat.ask(q);
}

/// Appends the link to a human (`data-contact-url`) to `parent`, if the page set one; a click
/// is reported (`sherpa:contact`) with the answer it was under, if any.
pub fn add_contact(parent: &web_sys::Node, chat: Chat, msg: Option<Message>) {
    let Some(c) = chat.config().contact.clone() else {
        return;
    };
    let web = !c.url.to_ascii_lowercase().starts_with("mailto:");
    let mut attrs = vec![
        ("part", "contact"),
        ("class", "contact"),
        ("href", c.url.as_str()),
    ];
    if web {
        attrs.extend([("target", "_blank"), ("rel", "noopener noreferrer")]);
    }
    let a = dom::add_text(parent, "a", &attrs, &c.text);
    if web {
        let hint = chat.config().texts.get(Text::OpensInNewTab).to_owned();
        let _ = a.set_attribute("aria-description", &hint);
    }
    dom::on(&a, "click", move |_| {
        let url = [("url", events::s(&c.url))];
        events::report(&chat, events::CONTACT, msg.as_ref(), &url);
    });
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
