//! A mounted widget instance, and the page-facing API over all of them:
//! `window.Sherpa` (`open`, `close`, `toggle`, `ask(text)`, `reset`) and the `sherpa:*` DOM
//! events on each host element.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, ShadowRoot};

use crate::config::{Config, Mode};
use crate::events;
use crate::state::Chat;
use crate::ui::Texts;

/// One widget on the page.
#[derive(Clone)]
struct Instance {
    host: HtmlElement,
    chat: Chat,
    open: RwSignal<bool>,
    /// What opens or closes the panel next (`sherpa:open`'s `via`), set just before.
    via: Rc<Cell<&'static str>>,
    inline: bool,
}

thread_local! {
    static INSTANCES: RefCell<Vec<Instance>> = const { RefCell::new(Vec::new()) };
}

/// Mounts a widget configured by `cfg` into `shadow` (the shadow root of `host`).
/// `via` says what opened the panel if it opens at once (`sherpa:open`).
pub fn start(host: &HtmlElement, shadow: &ShadowRoot, cfg: Config, via: &'static str) {
    let inline = cfg.mode == Mode::Inline;
    let key = instance_key(host, inline);
    // A docked panel opens again where the visitor left it open.
    let reopen = cfg.mode == Mode::Panel && crate::storage::panel_was_open(cfg.persist);
    let via = if reopen && !cfg.open { "restore" } else { via };
    let open = RwSignal::new(inline || cfg.open || reopen);
    // An instance lives as long as the page (it is never unmounted), so its texts are
    // allocated once and shared as a plain reference: `Copy` and `Send` like a signal, but
    // read without an arena lookup.
    let texts: &'static Texts = Box::leak(Box::new(cfg.texts.clone()));
    let chat = Chat::new(Rc::new(cfg), Some(host.clone()), &key);
    let via = Rc::new(Cell::new(via));
    let _ = any_spawner::Executor::init_wasm_bindgen();
    // The frame's effects live as long as the page, like the instance.
    let owner = Owner::new();
    owner.with(|| crate::ui::shell::mount(shadow, chat, open, via.clone(), host.clone(), texts));
    std::mem::forget(owner);

    // Save when the page goes away (covers a reload in the middle of an answer).
    if let Some(w) = web_sys::window() {
        let save = Closure::<dyn Fn()>::new(move || chat.page_hidden());
        let _ = w.add_event_listener_with_callback("pagehide", save.as_ref().unchecked_ref());
        save.forget();
        let shown = Closure::<dyn Fn()>::new(move || chat.page_shown());
        let _ = w.add_event_listener_with_callback("pageshow", shown.as_ref().unchecked_ref());
        shown.forget();
    }
    chat.restore_saved();
    chat.load_starters();
    INSTANCES.with(|all| {
        all.borrow_mut().push(Instance {
            host: host.clone(),
            chat,
            open,
            via,
            inline,
        })
    });
    install_api();
    events::emit(host, events::READY, &JsValue::NULL);
}

/// Tells instances apart in storage: the element's id, else its position among inline
/// widgets, or `launcher`.
fn instance_key(host: &HtmlElement, inline: bool) -> String {
    if !inline {
        return "launcher".into();
    }
    let id = host.id();
    if !id.is_empty() {
        return format!("#{id}");
    }
    let n = INSTANCES.with(|all| all.borrow().iter().filter(|i| i.inline).count());
    format!("inline-{n}")
}

/// The instance a call targets: the one whose host is (or contains) `target` when given (an
/// element or a CSS selector), else the launcher, else the first instance.
fn pick(target: &JsValue) -> Option<Instance> {
    let el: Option<web_sys::Element> = if let Some(sel) = target.as_string() {
        web_sys::window()?
            .document()?
            .query_selector(&sel)
            .ok()
            .flatten()
    } else {
        target.clone().dyn_into().ok()
    };
    INSTANCES.with(|all| {
        let all = all.borrow();
        match el {
            Some(el) => all
                .iter()
                .find(|i| i.host.is_same_node(Some(&el)) || el.contains(Some(&i.host)))
                .cloned(),
            None => all.iter().find(|i| !i.inline).or(all.first()).cloned(),
        }
    })
}

/// What a page call says opened the panel or asked (the loader passes `trigger`, `shortcut`
/// or `url` for the page's own buttons, the keyboard shortcut and the URL parameter).
fn via_of(v: &JsValue) -> &'static str {
    match v.as_string().as_deref() {
        Some("trigger") => "trigger",
        Some("shortcut") => "shortcut",
        Some("url") => "url",
        _ => "api",
    }
}

impl Instance {
    fn set_open(&self, now: bool, via: &JsValue) {
        if self.open.get_untracked() != now {
            self.via.set(via_of(via));
            self.open.set(now);
        }
    }
}

fn set_fn(obj: &js_sys::Object, name: &str, f: &JsValue) {
    let _ = js_sys::Reflect::set(obj, &JsValue::from_str(name), f);
}

/// Defines `window.Sherpa` once.
fn install_api() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let existing = js_sys::Reflect::get(&window, &"Sherpa".into()).unwrap_or(JsValue::UNDEFINED);
    if js_sys::Reflect::has(&existing, &"ask".into()).unwrap_or(false) {
        return;
    }
    let api = js_sys::Object::new();
    let open = Closure::<dyn Fn(JsValue, JsValue)>::new(|t: JsValue, via: JsValue| {
        if let Some(i) = pick(&t) {
            i.set_open(true, &via);
        }
    });
    let close = Closure::<dyn Fn(JsValue, JsValue)>::new(|t: JsValue, via: JsValue| {
        if let Some(i) = pick(&t) {
            if !i.inline {
                i.set_open(false, &via);
            }
        }
    });
    let toggle = Closure::<dyn Fn(JsValue, JsValue)>::new(|t: JsValue, via: JsValue| {
        if let Some(i) = pick(&t) {
            if !i.inline {
                i.set_open(!i.open.get_untracked(), &via);
            }
        }
    });
    let ask = Closure::<dyn Fn(JsValue, JsValue, JsValue)>::new(
        |text: JsValue, t: JsValue, via: JsValue| {
            if let (Some(i), Some(text)) = (pick(&t), text.as_string()) {
                i.set_open(true, &via);
                crate::ui::question(i.chat, &text, via_of(&via));
            }
        },
    );
    let reset = Closure::<dyn Fn(JsValue)>::new(|t: JsValue| {
        if let Some(i) = pick(&t) {
            i.chat.reset();
        }
    });
    set_fn(&api, "open", open.as_ref());
    set_fn(&api, "close", close.as_ref());
    set_fn(&api, "toggle", toggle.as_ref());
    set_fn(&api, "ask", ask.as_ref());
    set_fn(&api, "reset", reset.as_ref());
    open.forget();
    close.forget();
    toggle.forget();
    ask.forget();
    reset.forget();
    let _ = js_sys::Reflect::set(&window, &"Sherpa".into(), &api);
}
