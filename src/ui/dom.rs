//! A few DOM helpers for the widget's frame ([`super::shell`]): create elements, listen to
//! events, and keep attributes, text and presence in step with signals. Text always goes in
//! as text (`textContent` or text nodes), never as markup.

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, EventTarget, HtmlElement, Node};

const SVG: &str = "http://www.w3.org/2000/svg";

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// Sets attributes on an element.
pub fn set_attrs(el: &Element, attrs: &[(&str, &str)]) {
    for (name, value) in attrs {
        let _ = el.set_attribute(name, value);
    }
}

/// Creates `<tag>` with `attrs` and appends it to `parent`.
pub fn add(parent: &Node, tag: &str, attrs: &[(&str, &str)]) -> HtmlElement {
    let el = document().create_element(tag).expect("an element");
    set_attrs(&el, attrs);
    let _ = parent.append_child(&el);
    el.unchecked_into()
}

/// [`add`] with text content.
pub fn add_text(parent: &Node, tag: &str, attrs: &[(&str, &str)], text: &str) -> HtmlElement {
    let el = add(parent, tag, attrs);
    el.set_text_content(Some(text));
    el
}

/// Appends a decorative icon: an SVG of `size` px with one shape (`path` or `rect`); returns
/// the `svg` element.
pub fn add_icon(
    parent: &Node,
    size: &str,
    shape: &str,
    shape_attrs: &[(&str, &str)],
) -> Option<Element> {
    let doc = document();
    let (Ok(svg), Ok(s)) = (
        doc.create_element_ns(Some(SVG), "svg"),
        doc.create_element_ns(Some(SVG), shape),
    ) else {
        return None;
    };
    set_attrs(
        &svg,
        &[
            ("viewBox", "0 0 24 24"),
            ("width", size),
            ("height", size),
            ("aria-hidden", "true"),
            ("focusable", "false"),
        ],
    );
    set_attrs(&s, shape_attrs);
    let _ = svg.append_child(&s);
    let _ = parent.append_child(&svg);
    Some(svg)
}

/// Calls `f` for each `event` on `target`, for the life of the page (the frame is never
/// unmounted, and every listener is added once).
pub fn on(target: &EventTarget, event: &str, f: impl FnMut(Event) + 'static) {
    let cb = Closure::<dyn FnMut(Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, cb.as_ref().unchecked_ref());
    cb.forget();
}

/// Runs `f` now and again whenever a signal it reads changes (an effect's first run comes a
/// moment later: the node must be right from the start).
pub fn watch(f: impl Fn() + 'static) {
    untrack(&f);
    Effect::new(move |_| f());
}

/// Keeps attribute `name` of `el` equal to `value()` (absent while it is `None`).
pub fn bind_attr(el: &Element, name: &'static str, value: impl Fn() -> Option<String> + 'static) {
    let el = el.clone();
    watch(move || match value() {
        Some(v) => {
            let _ = el.set_attribute(name, &v);
        }
        None => {
            let _ = el.remove_attribute(name);
        }
    });
}

/// Keeps the text of `el` equal to `text()`.
pub fn bind_text(el: &Element, text: impl Fn() -> String + 'static) {
    let el = el.clone();
    watch(move || el.set_text_content(Some(&text())));
}

/// Keeps `node` in `parent` while `when()` is true, at the place it has now (the node is
/// built once and taken out or put back, so its listeners are never added twice).
pub fn bind_present(node: &Node, when: impl Fn() -> bool + 'static) {
    let Some(parent) = node.parent_node() else {
        return;
    };
    let marker: Node = document().create_comment("").unchecked_into();
    let _ = parent.insert_before(&marker, node.next_sibling().as_ref());
    let node = node.clone();
    watch(move || {
        let shown = node.parent_node().is_some();
        if when() != shown {
            if shown {
                let _ = parent.remove_child(&node);
            } else {
                let _ = parent.insert_before(&node, Some(&marker));
            }
        }
    });
}
