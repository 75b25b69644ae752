//! The card of an inline citation: the source's title, site and snippet (`part="citation-card"`,
//! `role="tooltip"`), shown on mouse hover and on keyboard focus (Esc closes it), and on a
//! first tap on touch screens (a second tap reveals the source card, as a click does). Built
//! with the DOM helpers of the frame and one set of listeners per answer (Leptos views for it
//! cost the answer module 9 KB gz); text goes in as text, the place through the CSSOM.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

use super::dom::{add, add_text, on};
use super::markdown::CiteCtx;

/// The card's width in px (less on narrow screens, see the CSS).
const CARD_WIDTH: f64 = 280.0;

/// One answer's card: the element (made on first use), the citation it is open for, the kind
/// of pointer that last pressed a citation (`""` after keyboard use), and a counter that
/// cancels a pending hide.
#[derive(Default)]
struct Card {
    el: RefCell<Option<HtmlElement>>,
    open_for: RefCell<Option<Element>>,
    pointer: RefCell<String>,
    hides: Cell<u32>,
}

/// Handles the citations of the answer element `answer`: activation (reveal the source) and
/// the card.
pub fn listen(answer: HtmlElement, ctx: CiteCtx) {
    let card = Rc::new(Card::default());
    let root = answer.clone();
    let handle = move |e: Event| card.clone().handle(&e, &root, ctx);
    for event in [
        "pointerover",
        "pointerout",
        "pointerdown",
        "focusin",
        "focusout",
        "keydown",
        "click",
    ] {
        on(&answer, event, handle.clone());
    }
}

impl Card {
    fn handle(self: Rc<Self>, e: &Event, answer: &HtmlElement, ctx: CiteCtx) {
        let target = e.target().and_then(|t| t.dyn_into::<Element>().ok());
        let closest = |sel: &str| target.as_ref().and_then(|t| t.closest(sel).ok().flatten());
        let mouse = || {
            e.dyn_ref::<web_sys::PointerEvent>()
                .is_some_and(|p| p.pointer_type() == "mouse")
        };
        let kind = e.type_();
        if closest(".cite-card").is_some() {
            // The pointer may rest on the card (it stays open while it does).
            match kind.as_str() {
                "pointerover" => self.hides.set(self.hides.get() + 1),
                "pointerout" if mouse() => self.hide_soon(),
                _ => {}
            }
            return;
        }
        let Some(button) = closest("[part~=\"citation\"]") else {
            return;
        };
        let is_open = self.open_for.borrow().as_ref() == Some(&button);
        match kind.as_str() {
            "pointerdown" => {
                if let Some(p) = e.dyn_ref::<web_sys::PointerEvent>() {
                    *self.pointer.borrow_mut() = p.pointer_type();
                }
            }
            "pointerover" if mouse() => self.show(&button, answer, ctx),
            "pointerout" if mouse() => self.hide_soon(),
            "focusin" if self.pointer.borrow().is_empty() => self.show(&button, answer, ctx),
            "focusout" => {
                self.pointer.borrow_mut().clear();
                self.hide();
            }
            "keydown" => {
                let esc = e
                    .dyn_ref::<web_sys::KeyboardEvent>()
                    .is_some_and(|k| k.key() == "Escape");
                if esc && is_open {
                    e.stop_propagation();
                    self.hide();
                }
            }
            "click" => {
                if self.pointer.borrow().as_str() == "touch" && !is_open {
                    self.show(&button, answer, ctx);
                } else if let Some(id) = doc_id(&button, ctx) {
                    self.hide();
                    ctx.reveal.run(id);
                }
            }
            _ => {}
        }
    }

    /// Fills the card for `button`'s source and places it under the button (above when there
    /// is more room there), inside the viewport.
    fn show(&self, button: &Element, answer: &HtmlElement, ctx: CiteCtx) {
        self.hides.set(self.hides.get() + 1);
        let Some(doc) = doc_id(button, ctx).and_then(|id| {
            ctx.msg
                .documents
                .with_untracked(|d| d.iter().find(|d| d.id == id).cloned())
        }) else {
            return;
        };
        let card = self.element(answer);
        card.set_text_content(None);
        add_text(&card, "span", &[("class", "cite-card-title")], &doc.title);
        let href = doc
            .link
            .as_deref()
            .and_then(sherpa_protocol::markdown::safe_href);
        let site = href.as_deref().and_then(super::message::host_of);
        let site = site.unwrap_or_else(|| doc.source_type.replace('_', " "));
        add_text(&card, "span", &[("class", "cite-card-site")], &site);
        let blurb = sherpa_protocol::export::snippet_text(&doc.blurb);
        if !blurb.is_empty() {
            add_text(&card, "span", &[("class", "cite-card-blurb")], &blurb);
        }
        place(&card, button);
        let _ = card.remove_attribute("hidden");
        let _ = button.set_attribute("aria-describedby", &card.id());
        if let Some(old) = self.open_for.replace(Some(button.clone())) {
            if &old != button {
                let _ = old.remove_attribute("aria-describedby");
            }
        }
    }

    /// The card element of this answer, made on first use (the answer's last child).
    fn element(&self, answer: &HtmlElement) -> HtmlElement {
        self.el
            .borrow_mut()
            .get_or_insert_with(|| {
                let id = format!("sherpa-cite-card-{}", next_id());
                let attrs = [
                    ("part", "citation-card"),
                    ("class", "cite-card"),
                    ("role", "tooltip"),
                    ("dir", "auto"),
                    ("hidden", ""),
                    ("id", id.as_str()),
                ];
                add(answer, "span", &attrs)
            })
            .clone()
    }

    fn hide(&self) {
        self.hides.set(self.hides.get() + 1);
        if let Some(b) = self.open_for.take() {
            let _ = b.remove_attribute("aria-describedby");
        }
        if let Some(card) = self.el.borrow().as_ref() {
            let _ = card.set_attribute("hidden", "");
        }
    }

    /// Hides the card in a moment, unless the pointer comes back to the citation or the card.
    fn hide_soon(self: Rc<Self>) {
        self.hides.set(self.hides.get() + 1);
        let this = self.hides.get();
        set_timeout(
            move || {
                if self.hides.get() == this {
                    self.hide();
                }
            },
            std::time::Duration::from_millis(150),
        );
    }
}

/// The document id of a citation button's number in its answer.
fn doc_id(button: &Element, ctx: CiteCtx) -> Option<String> {
    let n: u32 = button.get_attribute("data-citation")?.parse().ok()?;
    ctx.msg.citations.with_untracked(|c| c.get(&n).cloned())
}

/// Places `card` against the viewport next to `button`, in whole pixels (formatting floats
/// would cost the module ~9 KB gz), through the CSSOM (a strict CSP refuses style attributes).
fn place(card: &HtmlElement, button: &Element) {
    let Some(w) = web_sys::window() else {
        return;
    };
    let r = button.get_bounding_client_rect();
    let num = |v: Result<wasm_bindgen::JsValue, _>| v.ok().and_then(|v| v.as_f64());
    let vw = num(w.inner_width()).unwrap_or(1024.0);
    let vh = num(w.inner_height()).unwrap_or(768.0);
    let left = r.left().min(vw - CARD_WIDTH.min(vw - 16.0) - 8.0).max(8.0);
    let px = |v: f64| format!("{}px", v.round() as i32);
    let style = card.style();
    let below = vh - r.bottom() >= r.top();
    let (set, unset, y) = if below {
        ("top", "bottom", r.bottom() + 4.0)
    } else {
        ("bottom", "top", vh - r.top() + 4.0)
    };
    let _ = style.set_property(set, &px(y));
    let _ = style.remove_property(unset);
    let _ = style.set_property("left", &px(left));
}

/// A number for element ids, unique on the page.
fn next_id() -> u32 {
    thread_local!(static NEXT: Cell<u32> = const { Cell::new(0) });
    NEXT.with(|n| {
        n.set(n.get() + 1);
        n.get()
    })
}
