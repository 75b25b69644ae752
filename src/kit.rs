//! The answer module: everything Sherpa needs only once there is a conversation. Running a
//! turn (fetching and decoding the stream with the backend's adapter), saving and restoring
//! the conversation, and rendering answers (markdown, citations, source cards, follow-ups,
//! actions).
//!
//! The release build (`scripts/build`, `--cfg sherpa_split`) cuts this out of the main wasm
//! into a second file that is fetched when the user starts typing a question or reaches for a
//! starter ([`Chat::prepare`]), when a question is sent, or at start when there is a saved
//! conversation to show: opening the panel costs only the main module (BENCHMARKS.md, "Size").
//! The cut follows the call graph (wasm-split): whatever only [`load`]'s [`Kit`] reaches goes
//! into the answer module, whatever the main module reaches stays there. So the rest of the
//! widget calls that code only through a loaded [`Kit`], never directly; the size budget of
//! the first open (scripts/size-budget) fails when something pulls it back.
//!
//! The frame that the main module shows (src/ui/shell.rs) is built without Leptos views for
//! the same reason: their rendering code then lives only here.
//!
//! Debug builds and the tests have no split: [`load`] hands out the same [`Kit`] at once.

use web_sys::HtmlElement;

use crate::state::Chat;
use crate::ui::Texts;

/// The entry points of the answer module.
#[derive(Clone, Copy)]
pub struct Kit {
    /// Renders the conversation's messages into the thread element.
    pub thread: fn(Chat, &'static Texts, HtmlElement),
    /// Asks a question: adds it and its answer to the thread and streams the answer.
    pub ask: fn(Chat, String),
    /// Stops the running turn.
    pub stop: fn(Chat),
    /// Drops every message (a new conversation).
    pub clear: fn(Chat),
    /// Saves the conversation.
    pub save: fn(Chat),
    /// Shows the saved conversation.
    pub restore: fn(Chat),
    /// Reads the history of earlier conversations (to list it).
    pub history: fn(Chat),
}

/// The answer module could not be fetched (offline, or a server fault).
pub struct LoadFailed;

impl From<leptos::wasm_split::SplitLoaderError> for LoadFailed {
    fn from(_: leptos::wasm_split::SplitLoaderError) -> Self {
        LoadFailed
    }
}

const KIT: Kit = Kit {
    thread: crate::ui::mount_thread,
    ask: |chat, question| chat.ask_now(question),
    stop: |chat| chat.stop_turn(),
    clear: |chat| {
        chat.archive();
        chat.clear();
    },
    save: |chat| chat.save(),
    restore: |chat| chat.restore(),
    history: |chat| chat.refresh_history(),
};

/// Loads the answer module (once; a failed load is tried again on the next call).
#[cfg(sherpa_split)]
#[leptos::wasm_split::wasm_split(answer, wasm_split_path = ::leptos::wasm_split, fallible)]
pub fn load() -> Result<Kit, LoadFailed> {
    Ok(KIT)
}

/// Without the split, everything is in one module.
#[cfg(not(sherpa_split))]
pub async fn load() -> Result<Kit, LoadFailed> {
    Ok(KIT)
}
