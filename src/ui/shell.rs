//! The widget's frame: launcher, panel, header, welcome text and starter questions, the
//! composer, and a question waiting for the answer module. It is all that opening the panel
//! needs, so it is written with the DOM directly (`src/ui/dom.rs`) and Leptos signals bound to
//! it, not with Leptos views: their rendering code cost the main module 32 KB gz
//! (BENCHMARKS.md, "Size"). The messages are Leptos components in the answer module
//! (src/kit.rs), mounted into the thread once it has loaded.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use leptos::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, HtmlTextAreaElement, KeyboardEvent, Node};

use super::dom::{add, add_icon, add_text, bind_attr, bind_present, bind_text, on, watch};
use super::{focus_composer, Texts};
use crate::config::{Mode, Piece, Position, Theme};
use crate::events;
use crate::i18n::Text;
use crate::state::Chat;

/// Builds a whole widget instance in `root` (a shadow root): launcher + panel, or the panel
/// alone in inline mode. `open` is shared with the page's JS API; events go to `host`.
pub fn mount(
    root: &Node,
    chat: Chat,
    open: RwSignal<bool>,
    via: Rc<Cell<&'static str>>,
    host: HtmlElement,
    texts: &'static Texts,
) {
    let cfg = chat.config();
    let inline = cfg.mode == Mode::Inline;
    let top = frame(root, &cfg);
    let launcher = (!inline).then(|| launcher(&top, &cfg, open, via.clone(), texts));
    let panel = panel(&top, &cfg, open, via.clone());
    // The composer's input, once built (the header's "new chat" comes first and focuses it).
    let input: Rc<OnceCell<HtmlElement>> = Rc::default();
    header(&panel, chat, open, via.clone(), texts, input.clone());
    if cfg.problems.is_empty() {
        let _ = input.set(conversation(&panel, chat, texts, open));
    } else {
        config_error(&panel, &cfg, texts);
    }
    super::track_visual_viewport(&host);
    if cfg.mode == Mode::Panel {
        dock(&panel, open, cfg.persist, cfg.panel_push);
    }
    follow_open(chat, open, via, input, launcher, inline);
}

/// The wrapper every part of the widget is in, with its mode, position, theme and language.
fn frame(root: &Node, cfg: &crate::config::Config) -> HtmlElement {
    let position = match cfg.position {
        Position::Right => "right",
        Position::Left => "left",
    };
    let theme = match cfg.theme {
        Theme::Light => "light",
        Theme::Dark => "dark",
        Theme::Auto => "auto",
    };
    add(
        root,
        "div",
        &[
            ("class", "sherpa"),
            (
                "data-mode",
                match cfg.mode {
                    Mode::Inline => "inline",
                    Mode::Launcher => "launcher",
                    Mode::Panel => "panel",
                },
            ),
            ("data-position", position),
            ("data-theme", theme),
            ("dir", crate::i18n::direction(&cfg.lang).as_str()),
            ("lang", &cfg.lang),
        ],
    )
}

/// The launcher button: the chat icon while the panel is closed, a close icon while it is
/// open (CSS swaps them on aria-expanded); the label says what a click does.
fn launcher(
    top: &Node,
    cfg: &crate::config::Config,
    open: RwSignal<bool>,
    via: Rc<Cell<&'static str>>,
    texts: &'static Texts,
) -> HtmlElement {
    let label = crate::i18n::fill(texts.get(Text::OpenChat), &[("title", &cfg.title)]);
    let b = add(
        top,
        "button",
        &[
            ("part", "launcher"),
            ("class", "launcher"),
            ("type", "button"),
            ("aria-label", &label),
            ("aria-controls", "sherpa-panel"),
        ],
    );
    let icons = [
        ("launcher-chat", "26", crate::icons::LAUNCHER),
        ("launcher-close", "24", crate::icons::CLOSE),
    ];
    for (class, size, d) in icons {
        let svg = add_icon(&b, size, "path", &[("fill", "currentColor"), ("d", d)]);
        if let Some(svg) = svg {
            let _ = svg.set_attribute("class", class);
        }
    }
    bind_attr(&b, "aria-expanded", move || Some(open.get().to_string()));
    let close = texts.get(Text::Close);
    bind_attr(&b, "aria-label", move || {
        Some(if open.get() {
            close.to_owned()
        } else {
            label.clone()
        })
    });
    on(&b, "click", move |_| {
        via.set("launcher");
        open.update(|o| *o = !*o);
    });
    b
}

/// The panel (a dialog, a region inline, a complementary docked panel); Escape closes it.
fn panel(
    top: &Node,
    cfg: &crate::config::Config,
    open: RwSignal<bool>,
    via: Rc<Cell<&'static str>>,
) -> HtmlElement {
    let inline = cfg.mode == Mode::Inline;
    let panel = add(
        top,
        "section",
        &[
            ("part", "panel"),
            ("class", "panel"),
            ("id", "sherpa-panel"),
            (
                "role",
                match cfg.mode {
                    Mode::Inline => "region",
                    Mode::Launcher => "dialog",
                    Mode::Panel => "complementary",
                },
            ),
            ("aria-label", &cfg.title),
        ],
    );
    bind_attr(&panel, "hidden", move || (!open.get()).then(String::new));
    on(&panel, "keydown", move |e| {
        let Some(e) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if e.key() == "Escape" && !inline && open.get_untracked() {
            e.stop_propagation();
            via.set("escape");
            open.set(false);
        }
    });

    panel
}

/// The header: the title, then History, New chat and Close where they apply.
fn header(
    panel: &Node,
    chat: Chat,
    open: RwSignal<bool>,
    via: Rc<Cell<&'static str>>,
    texts: &'static Texts,
    input: Rc<OnceCell<HtmlElement>>,
) {
    let cfg = chat.config();
    let inline = cfg.mode == Mode::Inline;
    let header = add(panel, "header", &[("part", "header"), ("class", "header")]);
    add_text(&header, "h2", &[("class", "title")], &cfg.title);
    if cfg.problems.is_empty() && chat.keeps_history() {
        let b = icon_button(&header, "history-toggle", texts.get(Text::History));
        add_icon(
            &b,
            "20",
            "path",
            &[("fill", "currentColor"), ("d", crate::icons::HISTORY)],
        );
        bind_attr(&b, "aria-expanded", move || {
            Some(chat.history_open.get().to_string())
        });
        on(&b, "click", move |_| chat.toggle_history());
    }
    if cfg.problems.is_empty() {
        let label = texts.get(Text::NewChat);
        let b = icon_button(&header, "new-chat", label);
        add_icon(
            &b,
            "20",
            "path",
            &[("fill", "currentColor"), ("d", crate::icons::NEW_CHAT)],
        );
        on(&b, "click", move |_| {
            chat.history_open.set(false);
            chat.reset();
            focus(&input);
        });
    }
    if !inline {
        let b = icon_button(&header, "close", texts.get(Text::Close));
        add_icon(
            &b,
            "20",
            "path",
            &[("fill", "currentColor"), ("d", crate::icons::CLOSE)],
        );
        on(&b, "click", move |_| {
            via.set("close");
            open.set(false);
        });
    }
}

/// What is wrong with the configuration, in place of the conversation.
fn config_error(panel: &Node, cfg: &crate::config::Config, texts: &'static Texts) {
    let div = add(
        panel,
        "div",
        &[
            ("part", "error"),
            ("class", "error config-error"),
            ("role", "alert"),
        ],
    );
    let p = add(&div, "p", &[]);
    add_text(&p, "strong", &[], texts.get(Text::ConfigErrorTitle));
    let ul = add(&div, "ul", &[]);
    for problem in &cfg.problems {
        add_text(&ul, "li", &[], problem);
    }
}

/// Moves focus when the panel opens or closes, and tells the page how (`via`, set by
/// whatever opened it).
fn follow_open(
    chat: Chat,
    open: RwSignal<bool>,
    via: Rc<Cell<&'static str>>,
    input: Rc<OnceCell<HtmlElement>>,
    launcher: Option<HtmlElement>,
    inline: bool,
) {
    let was_open = Cell::new(open.get_untracked());
    let tell = move |now: bool| {
        let name = if now { events::OPEN } else { events::CLOSE };
        events::report(&chat, name, None, &[("via", events::s(via.replace("api")))]);
    };
    if !inline && open.get_untracked() {
        tell(true);
    }
    watch(move || {
        let now = open.get();
        if now == was_open.replace(now) {
            return;
        }
        if now {
            focus(&input);
        } else if let Some(b) = &launcher {
            let _ = b.focus();
        }
        if !inline {
            tell(now);
        }
    });
}

/// A docked panel: notes whether it is open (the next page reopens it, `data-persist`) and,
/// with `data-panel-push`, narrows the page by the panel's width while it is open (not on a
/// screen too narrow for both: there the panel covers the page).
fn dock(panel: &HtmlElement, open: RwSignal<bool>, persist: crate::config::Persist, push: bool) {
    let panel = panel.clone();
    let fit = move || {
        let Some(w) = web_sys::window() else { return };
        let Some(root) = w.document().and_then(|d| d.document_element()) else {
            return;
        };
        let style = root.unchecked_into::<HtmlElement>().style();
        for side in ["margin-left", "margin-right"] {
            let _ = style.remove_property(side);
        }
        let rect = panel.get_bounding_client_rect();
        let viewport = w.inner_width().ok().and_then(|v| v.as_f64()).unwrap_or(0.0);
        if push && open.get_untracked() && viewport >= 2.0 * rect.width() {
            // The side the panel is docked to on screen (its inline end follows the widget's
            // direction, which may differ from the page's).
            let side = if rect.left() < 1.0 {
                "margin-left"
            } else {
                "margin-right"
            };
            let px = js_sys::Number::from(rect.width())
                .to_string_with_radix(10)
                .map(String::from)
                .unwrap_or_default();
            let _ = style.set_property(side, &format!("{px}px"));
        }
    };
    let saved = Cell::new(None);
    let fit_now = fit.clone();
    watch(move || {
        let now = open.get();
        if saved.replace(Some(now)) != Some(now) {
            crate::storage::set_panel_open(persist, now);
        }
        fit_now();
    });
    if push {
        if let Some(w) = web_sys::window() {
            on(&w, "resize", move |_| fit());
        }
    }
}

fn focus(input: &OnceCell<HtmlElement>) {
    if let Some(el) = input.get() {
        let _ = el.focus();
    }
}

/// A header button with only an icon: its label is `aria-label` and the tooltip.
fn icon_button(parent: &Node, part: &str, label: &str) -> HtmlElement {
    add(
        parent,
        "button",
        &[
            ("type", "button"),
            ("part", part),
            ("class", "icon"),
            ("aria-label", label),
            ("title", label),
        ],
    )
}

/// The thread and the composer; returns the input.
fn conversation(
    panel: &Node,
    chat: Chat,
    texts: &'static Texts,
    open: RwSignal<bool>,
) -> HtmlElement {
    let cfg = chat.config();
    // Follow the stream only while the reader is at the bottom.
    let pinned = RwSignal::new(true);
    let (wrap, thread) = thread(panel, chat, texts, open, pinned);
    welcome(&thread, chat, texts, pinned);
    pending(&thread, chat, texts);
    // The messages, once the answer module has loaded (it renders them into the thread).
    {
        let thread = thread.clone();
        let mounted = Cell::new(false);
        watch(move || {
            if let Some(kit) = chat.kit.get() {
                if !mounted.replace(true) {
                    (kit.thread)(chat, texts, thread.clone());
                }
            }
        });
    }

    jump_pill(&wrap, &thread, chat, texts, pinned);
    live_region(panel, chat);
    let input = composer(panel, chat, texts, pinned);
    disclaimer(panel, &cfg.disclaimer, texts);
    input
}

/// Scrolls the thread to its end.
fn scroll_to_bottom(thread: &HtmlElement) {
    thread.set_scroll_top(thread.scroll_height());
}

/// The scrolling thread (in its wrapper, returned first), which follows the stream while the
/// reader is at the bottom (`pinned`).
fn thread(
    panel: &Node,
    chat: Chat,
    texts: &'static Texts,
    open: RwSignal<bool>,
    pinned: RwSignal<bool>,
) -> (HtmlElement, HtmlElement) {
    let wrap = add(panel, "div", &[("class", "thread-wrap")]);
    let thread = add(
        &wrap,
        "div",
        &[
            ("part", "thread"),
            ("class", "thread"),
            ("role", "log"),
            ("aria-label", texts.get(Text::Conversation)),
            ("tabindex", "0"),
        ],
    );
    let scroll = {
        let thread = thread.clone();
        move || scroll_to_bottom(&thread)
    };
    {
        // At most one scroll a frame, however many deltas arrived in it (each scroll reads
        // the thread's height, a layout).
        let scroll = scroll.clone();
        let queued = std::rc::Rc::new(std::cell::Cell::new(false));
        Effect::new(move |_| {
            chat.grew.track();
            if pinned.get_untracked() && !queued.replace(true) {
                let (scroll, queued) = (scroll.clone(), queued.clone());
                request_animation_frame(move || {
                    queued.set(false);
                    // The reader may have scrolled up since it was queued.
                    if pinned.get_untracked() {
                        scroll();
                    }
                });
            }
        });
    }
    {
        // A restored conversation opens at its latest message (or the interrupted one, with
        // its Retry): once its messages are rendered and whenever the panel is shown (a
        // hidden thread cannot scroll), unless the reader has scrolled up.
        let scroll = scroll.clone();
        Effect::new(move |_| {
            let shown = open.get() && chat.kit.with(Option::is_some);
            if shown && pinned.get_untracked() {
                request_animation_frame(scroll.clone());
            }
        });
    }
    {
        let el = thread.clone();
        on(&thread, "scroll", move |_| {
            let at_bottom = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
            if pinned.get_untracked() != at_bottom {
                pinned.set(at_bottom);
            }
        });
    }

    (wrap, thread)
}

/// The welcome text and the starter questions, until there is a conversation.
fn welcome(thread: &Node, chat: Chat, texts: &'static Texts, pinned: RwSignal<bool>) {
    let cfg = chat.config();
    let messages = chat.messages;
    let welcome = add(thread, "div", &[("class", "welcome")]);
    add_text(&welcome, "p", &[], &cfg.welcome);
    let chips = add(
        &welcome,
        "div",
        &[
            ("part", "starters"),
            ("class", "chips"),
            ("role", "group"),
            ("aria-label", texts.get(Text::Starters)),
        ],
    );
    {
        let chips_el = chips.clone();
        watch(move || {
            chips_el.set_text_content(None);
            for q in chat.starters.get() {
                add_text(
                    &chips_el,
                    "button",
                    &[
                        ("type", "button"),
                        ("part", "starter"),
                        ("class", "chip"),
                        ("dir", "auto"),
                    ],
                    &q,
                );
            }
        });
    }
    on(&chips, "click", move |e| {
        let chip = e
            .target()
            .and_then(|t| t.dyn_into::<Element>().ok())
            .and_then(|t| t.closest("[part~=\"starter\"]").ok().flatten());
        if let Some(q) = chip.and_then(|c| c.text_content()) {
            pinned.set(true);
            super::question(chat, &q, "starter");
            focus_composer(&e);
        }
    });
    // Reaching for a starter fetches the answer module (see `Chat::prepare`).
    on(&chips, "pointerover", move |_| chat.prepare());
    on(&chips, "focusin", move |_| chat.prepare());
    bind_present(&chips, move || chat.starters.with(|s| !s.is_empty()));
    bind_present(&welcome, move || {
        messages.with(Vec::is_empty) && chat.pending.with(Option::is_none)
    });
}

/// "Jump to latest", shown while the reader has scrolled up from the end of the thread.
fn jump_pill(
    wrap: &Node,
    thread: &HtmlElement,
    chat: Chat,
    texts: &'static Texts,
    pinned: RwSignal<bool>,
) {
    let messages = chat.messages;
    let thread = thread.clone();
    let jump = add_text(
        wrap,
        "button",
        &[("type", "button"), ("part", "jump"), ("class", "jump")],
        texts.get(Text::JumpToLatest),
    );
    on(&jump, "click", move |_| {
        pinned.set(true);
        scroll_to_bottom(&thread);
    });
    bind_present(&jump, move || {
        !pinned.get() && messages.with(|m| !m.is_empty())
    });
}

/// The live region that announces the answer by sentence.
fn live_region(panel: &Node, chat: Chat) {
    let live = add(
        panel,
        "div",
        &[
            ("class", "sr-only"),
            ("role", "status"),
            ("aria-live", "polite"),
            ("aria-atomic", "true"),
        ],
    );
    bind_text(&live, move || chat.announcement.get());
}

/// The composer: the input, Stop while an answer streams, Send otherwise; returns the input.
fn composer(
    panel: &Node,
    chat: Chat,
    texts: &'static Texts,
    pinned: RwSignal<bool>,
) -> HtmlElement {
    let cfg = chat.config();
    let busy = chat.busy;
    let draft = RwSignal::new(String::new());
    let placeholder = if cfg.placeholder.is_empty() {
        texts.get(Text::Placeholder)
    } else {
        &cfg.placeholder
    };
    let form = add(
        panel,
        "form",
        &[("part", "composer"), ("class", "composer")],
    );
    let input = add(
        &form,
        "textarea",
        &[
            ("part", "input"),
            ("class", "input"),
            ("rows", "1"),
            ("aria-label", texts.get(Text::InputLabel)),
            ("placeholder", placeholder),
        ],
    );
    let textarea: HtmlTextAreaElement = input.clone().unchecked_into();
    {
        let textarea = textarea.clone();
        watch(move || {
            let value = draft.get();
            if textarea.value() != value {
                textarea.set_value(&value);
            }
        });
    }
    let send = move || {
        let text = draft.get_untracked();
        if text.trim().is_empty() || busy.get_untracked() {
            return;
        }
        pinned.set(true);
        super::question(chat, &text, "typed");
        draft.set(String::new());
    };
    {
        let textarea = textarea.clone();
        on(&input, "input", move |_| {
            draft.set(textarea.value());
            chat.prepare();
        });
    }
    on(&input, "keydown", move |e| {
        let Some(k) = e.dyn_ref::<KeyboardEvent>() else {
            return;
        };
        if k.key() == "Enter" && !k.shift_key() && !k.is_composing() {
            e.prevent_default();
            send();
        }
    });
    on(&form, "submit", move |e| {
        e.prevent_default();
        send();
    });
    send_and_stop(&form, chat, texts, draft);
    input
}

/// The composer's Stop button (while an answer streams) and Send button (disabled while the
/// draft is empty).
fn send_and_stop(form: &Node, chat: Chat, texts: &'static Texts, draft: RwSignal<String>) {
    let busy = chat.busy;
    let stop = add(
        form,
        "button",
        &[
            ("part", "stop"),
            ("class", "send stop"),
            ("type", "button"),
            ("aria-label", texts.get(Text::Stop)),
        ],
    );
    add_icon(
        &stop,
        "18",
        "rect",
        &[
            ("x", "6"),
            ("y", "6"),
            ("width", "12"),
            ("height", "12"),
            ("rx", "2"),
            ("fill", "currentColor"),
        ],
    );
    on(&stop, "click", move |_| chat.stop());
    let send_button = add(
        form,
        "button",
        &[
            ("part", "send"),
            ("class", "send"),
            ("type", "submit"),
            ("aria-label", texts.get(Text::Send)),
        ],
    );
    add_icon(
        &send_button,
        "20",
        "path",
        &[("fill", "currentColor"), ("d", crate::icons::SEND)],
    );
    bind_attr(&send_button, "disabled", move || {
        draft.with(|d| d.trim().is_empty()).then(String::new)
    });
    bind_present(&stop, move || busy.get());
    bind_present(&send_button, move || !busy.get());
}

/// The line under the question box (`data-disclaimer`): its text as text, its http(s)
/// addresses as links that open in a new tab.
fn disclaimer(panel: &Node, pieces: &[Piece], texts: &'static Texts) {
    if pieces.is_empty() {
        return;
    }
    let p = add(
        panel,
        "p",
        &[
            ("part", "disclaimer"),
            ("class", "disclaimer"),
            ("dir", "auto"),
        ],
    );
    for piece in pieces {
        match piece {
            Piece::Text(t) => {
                let _ = p.append_with_str_1(t);
            }
            Piece::Link(href) => {
                let a = add_text(
                    &p,
                    "a",
                    &[
                        ("href", href),
                        ("target", "_blank"),
                        ("rel", "noopener noreferrer"),
                    ],
                    href,
                );
                let _ = a.set_attribute("aria-description", texts.get(Text::OpensInNewTab));
            }
        }
    }
}

/// A question sent before the answer module has loaded: the question, then "Thinking…" or,
/// when the module could not be fetched, why, with a retry. Shaped like a turn of the thread.
fn pending(thread: &Node, chat: Chat, texts: &'static Texts) {
    let pending = chat.pending;
    let failed = move || pending.with(|p| p.as_ref().is_some_and(|p| p.failed));
    let user = add(
        thread,
        "div",
        &[
            ("part", "message message-user"),
            ("class", "message user"),
            ("role", "article"),
            ("aria-label", texts.get(Text::You)),
        ],
    );
    let bubble = add(&user, "div", &[("class", "bubble"), ("dir", "auto")]);
    bind_text(&bubble, move || {
        pending.with(|p| p.as_ref().map(|p| p.question.clone()).unwrap_or_default())
    });
    let answer = add(
        thread,
        "div",
        &[
            ("part", "message message-assistant"),
            ("class", "message assistant"),
            ("role", "article"),
            ("aria-label", texts.get(Text::Assistant)),
        ],
    );
    bind_attr(&answer, "data-state", move || {
        Some(if failed() { "error" } else { "pending" }.into())
    });
    bind_attr(&answer, "aria-busy", move || Some((!failed()).to_string()));
    let status = add(&answer, "div", &[("part", "status"), ("class", "status")]);
    let dots = add(
        &status,
        "span",
        &[("class", "typing"), ("aria-hidden", "true")],
    );
    for _ in 0..3 {
        add(&dots, "i", &[]);
    }
    add_text(&status, "span", &[], texts.get(Text::Thinking));
    let error = add(
        &answer,
        "div",
        &[("part", "error"), ("class", "error"), ("role", "alert")],
    );
    let sentence = add(&error, "span", &[]);
    let prefix = format!("{} ", texts.get(Text::ErrorPrefix));
    add_text(&sentence, "span", &[("class", "sr-only")], &prefix);
    let _ = sentence.append_with_str_1(texts.get(Text::LoadFailed));
    let retry = add_text(
        &error,
        "button",
        &[("type", "button"), ("part", "retry"), ("class", "small")],
        texts.get(Text::Retry),
    );
    on(&retry, "click", move |_| chat.ask_pending());
    super::add_contact(&error, chat, None);
    bind_present(&status, move || !failed());
    bind_present(&error, failed);
    bind_present(&user, move || pending.with(Option::is_some));
    bind_present(&answer, move || pending.with(Option::is_some));
}
