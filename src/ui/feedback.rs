//! The feedback form a thumb opens under an answer: reason chips (thumbs-down), an optional
//! comment, Send and Cancel (Esc). Send posts the thumb with what was chosen, once. Built with
//! the DOM helpers and two delegated listeners per opening (as Leptos views it cost the answer
//! module 11 KB before compression).

use leptos::prelude::*;
use sherpa_protocol::Feedback;
use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, HtmlTextAreaElement};

use super::dom::{add, add_text, on};
use super::Texts;
use crate::i18n::Text;
use crate::state::{Chat, Message};

/// Thumbs-down reasons: the text shown, and the value sent (Onyx `predefined_feedback`;
/// English whatever the widget's language, so the site owner's reports read alike).
const REASONS: [(Text, &str); 4] = [
    (Text::ReasonInaccurate, "Not accurate"),
    (Text::ReasonUnhelpful, "Not helpful"),
    (Text::ReasonOutdated, "Out of date"),
    (Text::ReasonSources, "Wrong sources"),
];

/// The longest comment sent, in characters.
const COMMENT_CHARS: &str = "1000";

/// What the form needs to send and close.
#[derive(Clone, Copy)]
pub struct Ctx {
    pub msg: Message,
    pub chat: Chat,
    pub texts: &'static Texts,
    /// The side whose form is open (the thumbs' `aria-expanded`).
    pub open: RwSignal<Option<bool>>,
}

/// A thumb was clicked in the actions row `row`: opens its side's form, or closes the form
/// when it was already open for that side.
pub fn toggle(row: &Element, up: bool, ctx: Ctx) {
    let again = ctx.open.get_untracked() == Some(up);
    close(row, ctx, !again);
    if !again {
        ctx.open.set(Some(up));
        build(row, up, ctx);
    }
}

fn thumb_part(up: bool) -> &'static str {
    if up {
        "feedback-up"
    } else {
        "feedback-down"
    }
}

/// Removes the form from `row` (and gives focus back to its thumb unless `quiet`).
fn close(row: &Element, ctx: Ctx, quiet: bool) {
    let side = ctx.open.get_untracked();
    if let Ok(Some(form)) = row.query_selector(".feedback-form") {
        form.remove();
    }
    ctx.open.set(None);
    if let (Some(up), false) = (side, quiet) {
        let sel = format!("[part~=\"{}\"]", thumb_part(up));
        if let Ok(Some(b)) = row.query_selector(&sel) {
            if let Ok(b) = b.dyn_into::<HtmlElement>() {
                let _ = b.focus();
            }
        }
    }
}

fn build(row: &Element, up: bool, ctx: Ctx) {
    let t = |k: Text| ctx.texts.get(k);
    let label = t(if up {
        Text::FeedbackUp
    } else {
        Text::FeedbackDown
    });
    let attrs = [
        ("part", "feedback-form"),
        ("class", "feedback-form"),
        ("role", "group"),
        ("aria-label", label),
    ];
    let form = add(row, "div", &attrs);
    if !up {
        let group = [
            ("class", "chips"),
            ("role", "group"),
            ("aria-label", t(Text::FeedbackReasons)),
        ];
        let chips = add(&form, "div", &group);
        for (text, value) in REASONS {
            let attrs = [
                ("type", "button"),
                ("part", "feedback-reason"),
                ("class", "chip"),
                ("aria-pressed", "false"),
                ("data-value", value),
            ];
            add_text(&chips, "button", &attrs, t(text));
        }
    }
    let field = add(&form, "label", &[("class", "feedback-comment")]);
    add_text(&field, "span", &[], t(Text::FeedbackComment));
    let area = [
        ("part", "feedback-comment"),
        ("rows", "2"),
        ("dir", "auto"),
        ("maxlength", COMMENT_CHARS),
    ];
    add(&field, "textarea", &area);
    let buttons = add(&form, "div", &[("class", "feedback-buttons")]);
    let send = [
        ("type", "button"),
        ("part", "feedback-send"),
        ("class", "small"),
    ];
    add_text(&buttons, "button", &send, t(Text::FeedbackSend));
    let cancel = [
        ("type", "button"),
        ("part", "feedback-cancel"),
        ("class", "small link"),
    ];
    add_text(&buttons, "button", &cancel, t(Text::Cancel));
    let row2 = row.clone();
    on(&form, "click", move |e| clicked(&e, &row2, up, ctx));
    let row3 = row.clone();
    on(&form, "keydown", move |e: Event| {
        let esc = e
            .dyn_ref::<web_sys::KeyboardEvent>()
            .is_some_and(|k| k.key() == "Escape");
        if esc {
            e.stop_propagation();
            close(&row3, ctx, false);
        }
    });
    let first = form.query_selector("button, textarea").ok().flatten();
    request_animation_frame(move || {
        if let Some(f) = first.and_then(|f| f.dyn_into::<HtmlElement>().ok()) {
            let _ = f.focus();
        }
        let opts = web_sys::ScrollIntoViewOptions::new();
        opts.set_block(web_sys::ScrollLogicalPosition::Nearest);
        form.scroll_into_view_with_scroll_into_view_options(&opts);
    });
}

/// A click inside the form: a chip toggles (one reason at most), Send sends, Cancel closes.
fn clicked(e: &Event, row: &Element, up: bool, ctx: Ctx) {
    let Some(target) = e.target().and_then(|t| t.dyn_into::<Element>().ok()) else {
        return;
    };
    let Ok(Some(button)) = target.closest("button") else {
        return;
    };
    let part = button.get_attribute("part").unwrap_or_default();
    let form = button.closest(".feedback-form").ok().flatten();
    match (part.as_str(), form) {
        ("feedback-reason", Some(form)) => {
            let was = button.get_attribute("aria-pressed").as_deref() == Some("true");
            if let Ok(chips) = form.query_selector_all("[part~=\"feedback-reason\"]") {
                for i in 0..chips.length() {
                    if let Some(c) = chips.item(i).and_then(|c| c.dyn_into::<Element>().ok()) {
                        let _ = c.set_attribute("aria-pressed", "false");
                    }
                }
            }
            let _ = button.set_attribute("aria-pressed", if was { "false" } else { "true" });
        }
        ("feedback-send", Some(form)) => {
            let reason = form
                .query_selector("[aria-pressed=\"true\"]")
                .ok()
                .flatten()
                .and_then(|c| c.get_attribute("data-value"));
            let comment = form
                .query_selector("textarea")
                .ok()
                .flatten()
                .and_then(|a| a.dyn_into::<HtmlTextAreaElement>().ok())
                .map(|a| a.value().trim().to_string())
                .filter(|c| !c.is_empty());
            close(row, ctx, false);
            ctx.chat.feedback(
                ctx.msg,
                Feedback {
                    positive: up,
                    reason,
                    comment,
                },
            );
        }
        ("feedback-cancel", _) => close(row, ctx, false),
        _ => {}
    }
}
