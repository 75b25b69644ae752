//! The history view: earlier conversations (newest first), each titled by its first question
//! with the time it was left; one reopens it (to read and continue), another deletes it. Shown
//! in the thread's place while the header's History button is pressed.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::dom::{add, add_text, on, watch};
use super::Texts;
use crate::i18n::{fill, Text};
use crate::state::Chat;

/// Builds the view at the start of `thread` and keeps it in step with [`Chat::history`]; the
/// thread's other children are hidden while it shows (`data-history` on the thread, CSS).
pub fn mount(chat: Chat, texts: &'static Texts, thread: &HtmlElement) {
    let attrs = [
        ("part", "history"),
        ("class", "history"),
        ("aria-label", texts.get(Text::History)),
        ("hidden", ""),
    ];
    let section = add(thread, "section", &attrs);
    let _ = thread.insert_before(&section, thread.first_child().as_ref());
    add_text(
        &section,
        "h3",
        &[("class", "sources-title")],
        texts.get(Text::History),
    );
    let list = add(&section, "ul", &[("class", "history-list")]);
    let empty = add_text(
        &section,
        "p",
        &[("class", "note")],
        texts.get(Text::HistoryEmpty),
    );
    let lang = chat.config().lang.clone();
    let thread = thread.clone();
    let items = list.clone();
    watch(move || {
        let open = chat.history_open.get();
        let _ = if open {
            thread.set_attribute("data-history", "")
        } else {
            thread.remove_attribute("data-history")
        };
        let _ = if open {
            section.remove_attribute("hidden")
        } else {
            section.set_attribute("hidden", "")
        };
        let entries = chat.history.get();
        items.set_text_content(None);
        empty.set_hidden(!entries.is_empty());
        for (id, title, time) in entries {
            let li = add(&items, "li", &[("class", "history-item")]);
            let attrs = [
                ("type", "button"),
                ("part", "history-entry"),
                ("class", "history-open"),
                ("data-id", &id.to_string()),
            ];
            let open_btn = add(&li, "button", &attrs);
            add_text(
                &open_btn,
                "span",
                &[("class", "history-title"), ("dir", "auto")],
                &title,
            );
            add_text(
                &open_btn,
                "span",
                &[("class", "history-time")],
                &when(time, &lang),
            );
            let label = fill(texts.get(Text::DeleteConversation), &[("title", &title)]);
            let attrs = [
                ("type", "button"),
                ("part", "history-delete"),
                ("class", "small"),
                ("aria-label", label.as_str()),
                ("data-id", &id.to_string()),
            ];
            add_text(&li, "button", &attrs, "×");
        }
    });
    on(&list.clone(), "click", move |e| {
        let target = e
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
        let Some(button) = target.and_then(|t| t.closest("button").ok().flatten()) else {
            return;
        };
        let Some(id) = button.get_attribute("data-id").and_then(|i| i.parse().ok()) else {
            return;
        };
        if button.get_attribute("part").as_deref() == Some("history-delete") {
            chat.delete_archived(id);
            focus_first(&list);
        } else {
            // The list goes away with the button that had focus: the composer takes it.
            chat.reopen(id);
            super::focus_composer(&e);
        }
    });
}

/// After a delete, focus goes to the first remaining entry (the button it was on is gone).
fn focus_first(list: &HtmlElement) {
    if let Ok(Some(b)) = list.query_selector("button") {
        if let Ok(b) = wasm_bindgen::JsCast::dyn_into::<HtmlElement>(b) {
            let _ = b.focus();
        }
    }
}

/// `time` (ms since 1970) as the browser writes a date and time in `lang`.
fn when(time: u64, lang: &str) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(time as f64));
    let opts = js_sys::Object::new();
    let set = |k: &str, v: &str| {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    };
    set("dateStyle", "medium");
    set("timeStyle", "short");
    String::from(date.to_locale_string(lang, &opts))
}
