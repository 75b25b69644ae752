//! DOM events on the host element. They bubble and cross the shadow boundary, and each is in
//! the README's event table. Every event about a conversation carries `conversationId` (the
//! server's session id, `null` before the first answer) and `messageId` (the server's id of
//! the answer concerned, `null` where there is none) in its `detail` ([`report`]).

use leptos::prelude::*;
use wasm_bindgen::JsValue;
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

use crate::state::{Chat, Message};

/// The instance is mounted.
pub const READY: &str = "sherpa:ready";
/// The panel opened; `via`: `launcher`, `trigger`, `shortcut`, `url`, `api` or `restore`.
pub const OPEN: &str = "sherpa:open";
/// The panel closed; `via`: `launcher`, `close`, `escape`, `shortcut` or `api`.
pub const CLOSE: &str = "sherpa:close";
/// A question was sent; `via`: `typed`, `starter`, `follow-up`, `trigger`, `url` or `api`.
pub const QUESTION: &str = "sherpa:question";
/// An answer ended (`state`: `done`, `stopped` or `error`).
pub const MESSAGE: &str = "sherpa:message";
/// An answer failed.
pub const ERROR: &str = "sherpa:error";
/// An inline citation was activated (`n`, `documentId`).
pub const CITATION_CLICK: &str = "sherpa:citation-click";
/// A source card's link was followed (`documentId`, `url`).
pub const SOURCE_CLICK: &str = "sherpa:source-click";
/// "Show all sources" was pressed (`expanded`).
pub const SHOW_ALL_SOURCES: &str = "sherpa:show-all-sources";
/// An answer was copied.
pub const COPY_ANSWER: &str = "sherpa:copy-answer";
/// A code block was copied.
pub const COPY_CODE: &str = "sherpa:copy-code";
/// Thumbs up or down (`positive`, `reason`: the visitor's reason, or `null`).
pub const FEEDBACK: &str = "sherpa:feedback";
/// A new answer to the same question was asked for.
pub const REGENERATE: &str = "sherpa:regenerate";
/// A failed question was asked again.
pub const RETRY: &str = "sherpa:retry";
/// The contact link was followed (`url`).
pub const CONTACT: &str = "sherpa:contact";
/// A new conversation was started.
pub const NEW_CHAT: &str = "sherpa:new-chat";
/// Another saved conversation was opened (`from`, `to`: conversation ids). Emitted by the
/// conversation history.
pub const HISTORY_SWITCH: &str = "sherpa:history-switch";
/// Part of the widget could not be fetched (`part`: `answer`, the module that answers).
pub const LOAD_ERROR: &str = "sherpa:load-error";

/// Dispatches `name` on `host` with `detail`.
pub fn emit(host: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(ev) = CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&ev);
    }
}

/// A plain object from key/value pairs.
pub fn detail(pairs: &[(&str, JsValue)]) -> JsValue {
    let obj = js_sys::Object::new();
    for (k, v) in pairs {
        let _ = js_sys::Reflect::set(&obj, &JsValue::from_str(k), v);
    }
    obj.into()
}

/// Dispatches `name` on `chat`'s host with `pairs` plus `conversationId` and `messageId`
/// (the server's id of `msg`, when given and known).
pub fn report(chat: &Chat, name: &str, msg: Option<&Message>, pairs: &[(&str, JsValue)]) {
    let Some(host) = chat.host() else {
        return;
    };
    let conversation = chat.conversation_id();
    let message = msg.and_then(|m| m.server_id.try_with_untracked(|id| *id).flatten());
    let mut all = vec![
        (
            "conversationId",
            conversation
                .as_deref()
                .map_or(JsValue::NULL, JsValue::from_str),
        ),
        (
            "messageId",
            message.map_or(JsValue::NULL, |id| JsValue::from_f64(id as f64)),
        ),
    ];
    all.extend(pairs.iter().cloned());
    emit(&host, name, &detail(&all));
}

/// A string value for a `detail`.
pub fn s(v: &str) -> JsValue {
    JsValue::from_str(v)
}
