//! Conversation state: messages as signals, and the turn runner that feeds them from the
//! backend's events. Components read the signals; actions go through [`Chat`]. This file is
//! the main module's half; the answer module's half (asking, running a turn, saving, the
//! history) is `src/state/answer.rs`, reached only through [`crate::kit`].

mod answer;

use std::cell::{Cell, OnceCell, RefCell};
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use sherpa_protocol::backend::{advance, new_conversation_id, parse_starters, Decoder};
use sherpa_protocol::citations::strip_markers;
use sherpa_protocol::limits::TurnLimits;
use sherpa_protocol::markdown::{Block, BlockSplitter};
use sherpa_protocol::tail::provisional;
use sherpa_protocol::{
    Adapter, ChatError, ChatEvent, Conversation, Cut, Document, Feedback, Status, StopReason,
};
use wasm_bindgen::JsValue;
use web_sys::{AbortController, AbortSignal, HtmlElement};

use crate::config::Config;
use crate::events;
use crate::kit::{self, Kit};
use crate::map::SortedMap;
use crate::storage::{SavedMessage, Snapshot, Store};
use crate::transport::{self, Failure};

/// The most messages a conversation keeps (50 questions and their answers). Older ones are
/// dropped from the thread, from memory and from the saved conversation when a new question
/// is asked, so a long session costs the page a bounded amount of memory. The server keeps
/// the whole conversation; only the latest message id is needed to continue it.
pub const MAX_MESSAGES: usize = 100;

/// Bytes of a body chunk decoded at a time (a read can return megabytes at once).
const SLICE: usize = 64 * 1024;

/// Bytes of answer text without a sentence end the announcer holds before announcing them.
const SPEECH_HOLD: usize = 1_000;
/// Bytes one announcement reads at most (the rest of an over-long piece is not announced;
/// the answer itself is all there to read).
const SPEECH_MAX: usize = 2_000;

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    User,
    Assistant,
}

/// Where an assistant message is in its life; shown as `data-state`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgState {
    Pending,
    Streaming,
    Done,
    Stopped,
    Error,
}

impl MsgState {
    /// The `data-state` value.
    pub fn as_str(self) -> &'static str {
        match self {
            MsgState::Pending => "pending",
            MsgState::Streaming => "streaming",
            MsgState::Done => "done",
            MsgState::Stopped => "stopped",
            MsgState::Error => "error",
        }
    }

    fn parse(s: &str) -> MsgState {
        match s {
            "done" => MsgState::Done,
            "stopped" => MsgState::Stopped,
            "error" => MsgState::Error,
            "streaming" => MsgState::Streaming,
            _ => MsgState::Pending,
        }
    }

    /// Still receiving.
    pub fn is_live(self) -> bool {
        matches!(self, MsgState::Pending | MsgState::Streaming)
    }
}

/// One message of the thread. Every field is its own signal, so a streamed delta only
/// touches what it changes: the growing tail block, never the finished blocks.
#[derive(Clone, Copy)]
pub struct Message {
    /// Local id (keys the thread list).
    pub id: u64,
    pub role: Role,
    /// The whole text (citation markers included), for copying and saving.
    pub text: RwSignal<String>,
    /// Markdown blocks that can no longer change.
    pub blocks: RwSignal<Vec<Block>>,
    /// The block still growing.
    pub tail: RwSignal<String>,
    /// The model's reasoning before the answer (plain text), shown collapsed above it.
    pub reasoning: RwSignal<String>,
    /// What nothing renders, in one arena slot.
    extra: StoredValue<Rc<MessageExtra>, LocalStorage>,
    pub state: RwSignal<MsgState>,
    pub status: RwSignal<Option<Status>>,
    pub error: RwSignal<Option<ChatError>>,
    pub documents: RwSignal<Vec<Document>>,
    /// Citation number → document id.
    pub citations: RwSignal<SortedMap<u32, String>>,
    pub follow_ups: RwSignal<Vec<String>>,
    /// The server's id for this message (feedback, chaining).
    pub server_id: RwSignal<Option<i64>>,
    /// Thumbs up (`true`) or down (`false`) sent for this answer.
    pub feedback: RwSignal<Option<bool>>,
    /// What was cut to a limit ([`sherpa_protocol::limits`]), shown as notes.
    pub cuts: RwSignal<Vec<Cut>>,
}

/// The parts of a [`Message`] that nothing renders.
#[derive(Default)]
struct MessageExtra {
    splitter: RefCell<BlockSplitter>,
    /// The conversation's parent id before this turn (so a retry branches from the same place).
    parent_before: Cell<Option<i64>>,
}

impl Message {
    fn new(id: u64, role: Role, state: MsgState) -> Self {
        Message {
            id,
            role,
            text: RwSignal::new(String::new()),
            blocks: RwSignal::new(Vec::new()),
            tail: RwSignal::new(String::new()),
            reasoning: RwSignal::new(String::new()),
            extra: StoredValue::new_local(Rc::default()),
            state: RwSignal::new(state),
            status: RwSignal::new(None),
            error: RwSignal::new(None),
            documents: RwSignal::new(Vec::new()),
            citations: RwSignal::new(SortedMap::new()),
            follow_ups: RwSignal::new(Vec::new()),
            server_id: RwSignal::new(None),
            feedback: RwSignal::new(None),
            cuts: RwSignal::new(Vec::new()),
        }
    }

    /// Appends text: work proportional to the delta and the open tail block.
    fn push_text(&self, delta: &str) {
        self.text.update(|s| s.push_str(delta));
        let (committed, tail) = {
            let extra = self.extra.get_value();
            let mut splitter = extra.splitter.borrow_mut();
            let committed = splitter.push(delta);
            // The splitter's tail only shrinks by committing: without a commit it grew by
            // `delta`, which is appended below instead of copying the whole tail every delta.
            let tail = (!committed.is_empty()).then(|| splitter.tail().to_string());
            (committed, tail)
        };
        match tail {
            None => self.tail.update(|t| t.push_str(delta)),
            Some(tail) => {
                self.blocks.update(|b| b.extend(committed));
                self.tail.set(tail);
            }
        }
    }

    /// The text is complete: the tail becomes a finished block.
    fn seal(&self) {
        self.seal_as(true);
    }

    /// The text ends here: the tail becomes a finished block. An answer cut short (stopped,
    /// failed, interrupted by a reload) is known to be incomplete, so markers it left open
    /// are closed as they were while it streamed, instead of turning into raw `**`.
    fn seal_as(&self, complete: bool) {
        let mut rest = self
            .extra
            .try_get_value()
            .map(|extra| extra.splitter.borrow_mut().finish())
            .unwrap_or_default();
        if let Some(last) = rest.last_mut().filter(|_| !complete) {
            last.source = provisional(&last.source).into_owned();
        }
        if !rest.is_empty() {
            self.blocks.update(|b| b.extend(rest));
        }
        self.tail.set(String::new());
    }

    /// Clears an answer so it can be asked again.
    fn reset(&self) {
        self.text.set(String::new());
        self.blocks.set(Vec::new());
        self.tail.set(String::new());
        self.reasoning.set(String::new());
        if let Some(extra) = self.extra.try_get_value() {
            extra.splitter.replace(BlockSplitter::new());
        }
        self.state.set(MsgState::Pending);
        self.status.set(None);
        self.error.set(None);
        self.documents.set(Vec::new());
        self.citations.set(SortedMap::new());
        self.follow_ups.set(Vec::new());
        self.server_id.set(None);
        self.feedback.set(None);
        self.cuts.set(Vec::new());
    }

    /// Plain text of the answer (no citation markers), for copying.
    pub fn plain_text(&self) -> String {
        let nodes = sherpa_protocol::markdown::parse(&self.text.get_untracked());
        sherpa_protocol::markdown::plain_text(&nodes)
    }

    /// Applies one event of this message's turn.
    fn apply(&self, ev: &ChatEvent) {
        match ev {
            ChatEvent::Session { .. } => {}
            ChatEvent::MessageIds { assistant, .. } => {
                if assistant.is_some() {
                    self.server_id.set(*assistant);
                }
            }
            ChatEvent::Status(s) => self.status.set(Some(s.clone())),
            ChatEvent::Documents(docs) => self.documents.update(|all| {
                for d in docs {
                    if !all.iter().any(|x| x.id == d.id) {
                        all.push(d.clone());
                    }
                }
            }),
            ChatEvent::TextDelta(t) => {
                self.push_text(t);
                if self.state.get_untracked() == MsgState::Pending {
                    self.state.set(MsgState::Streaming);
                }
            }
            ChatEvent::Reasoning(r) => self.reasoning.update(|s| s.push_str(r)),
            ChatEvent::Citation {
                number,
                document_id,
            } => self.citations.update(|m| {
                m.insert(*number, document_id.clone());
            }),
            ChatEvent::FollowUps(q) => self.follow_ups.set(q.clone()),
            ChatEvent::Truncated(cut) => self.cuts.update(|c| c.push(*cut)),
            ChatEvent::Error(e) if e.fatal => {
                self.seal_as(false);
                self.error.set(Some(e.clone()));
                self.status.set(None);
                self.state.set(MsgState::Error);
            }
            ChatEvent::Error(e) => {
                web_sys::console::warn_1(&format!("sherpa: {}", e.message).into());
            }
            ChatEvent::Done(reason) => {
                self.seal_as(*reason == StopReason::Finished);
                self.status.set(None);
                self.state.set(match reason {
                    StopReason::Finished => MsgState::Done,
                    StopReason::Stopped => MsgState::Stopped,
                });
            }
        }
    }

    fn save(&self) -> SavedMessage {
        SavedMessage {
            user: self.role == Role::User,
            text: self.text.get_untracked(),
            reasoning: self.reasoning.get_untracked(),
            state: self.state.get_untracked().as_str().to_string(),
            documents: self.documents.get_untracked(),
            citations: self.citations.get_untracked(),
            follow_ups: self.follow_ups.get_untracked(),
            server_id: self.server_id.get_untracked(),
            error: self.error.get_untracked(),
            parent_before: self.extra.get_value().parent_before.get(),
        }
    }

    fn restore(id: u64, m: SavedMessage, interrupted: &str) -> Message {
        let role = if m.user { Role::User } else { Role::Assistant };
        let mut state = MsgState::parse(&m.state);
        let mut error = m.error;
        if role == Role::Assistant && state.is_live() {
            // The page was reloaded mid-answer: keep the partial text, offer a retry.
            state = MsgState::Error;
            error = Some(ChatError::fatal(interrupted, true).with_code("interrupted"));
        }
        let msg = Message::new(id, role, state);
        msg.push_text(&m.text);
        msg.seal_as(role == Role::User || state == MsgState::Done);
        msg.reasoning.set(m.reasoning);
        msg.documents.set(m.documents);
        msg.citations.set(m.citations);
        msg.follow_ups.set(m.follow_ups);
        msg.server_id.set(m.server_id);
        msg.error.set(error);
        msg.extra.get_value().parent_before.set(m.parent_before);
        msg
    }
}

/// A widget instance's conversation and the means to continue it. `Copy`: every field is a
/// handle into the reactive arena, so components can capture it freely.
#[derive(Clone, Copy)]
pub struct Chat {
    /// Everything that is not a signal, behind one stored handle.
    inner: StoredValue<Rc<Inner>, LocalStorage>,
    pub messages: RwSignal<Vec<Message>>,
    /// Messages dropped from the start of the thread (beyond [`MAX_MESSAGES`]).
    pub dropped: RwSignal<usize>,
    /// A turn is running.
    pub busy: RwSignal<bool>,
    /// Questions to offer before the first message (attribute, then the server's persona).
    pub starters: RwSignal<Vec<String>>,
    /// The latest sentence(s) for the screen-reader live region.
    pub announcement: RwSignal<String>,
    /// Bumped whenever the thread grows (the thread follows it when pinned to the bottom).
    pub grew: RwSignal<u64>,
    /// The answer module, once loaded ([`kit`]).
    pub kit: RwSignal<Option<Kit>>,
    /// A question asked before the answer module had loaded.
    pub pending: RwSignal<Option<Pending>>,
    /// The history view is shown instead of the thread.
    pub history_open: RwSignal<bool>,
    /// The history's entries as listed: id, title (first question), time (ms since 1970).
    pub history: RwSignal<Vec<(u64, String, u64)>>,
}

/// A question waiting for the answer module.
#[derive(Clone, PartialEq)]
pub struct Pending {
    pub question: String,
    /// The module could not be fetched (the question waits for a retry).
    pub failed: bool,
}

/// The parts of a [`Chat`] that nothing renders, in one arena slot (one stored type instead of
/// one per field).
struct Inner {
    config: Rc<Config>,
    /// Made on first use, by the answer module (its code lives there).
    adapter: OnceCell<Rc<dyn Adapter>>,
    /// Parent of the messages' owners. Messages are created in event handlers and tasks whose
    /// own owner may be disposed (a starter chip disappears once clicked), so each message
    /// gets a child of this long-lived owner instead.
    owner: Owner,
    /// Each message's owner (by message id): dropping it frees the message's signals.
    message_owners: RefCell<Vec<(u64, Owner)>>,
    store: Store,
    host: Option<HtmlElement>,
    /// Text streamed since the last announcement.
    speech: RefCell<String>,
    conv: RefCell<Conversation>,
    abort: RefCell<Option<AbortController>>,
    next_id: Cell<u64>,
    /// The page is being left (`pagehide`): what was saved then stands. The running fetch is
    /// about to fail with a network error, which must not overwrite the saved live answer
    /// (restored as "reloaded before this answer finished", with the partial text).
    leaving: Cell<bool>,
    /// A saved conversation is still to be shown: done first whenever the answer module
    /// arrives, so that nothing is asked (and saved over it) before it is back.
    restore_owed: Cell<bool>,
}

impl Chat {
    /// A conversation for one widget instance (see [`Chat::restore_saved`]).
    pub fn new(config: Rc<Config>, host: Option<HtmlElement>, instance: &str) -> Self {
        let store = Store::new(
            config.persist,
            &config.options.api_base,
            config.backend.as_str(),
            instance,
        );
        Chat {
            dropped: RwSignal::new(0),
            starters: RwSignal::new(config.starter_questions.clone()),
            inner: StoredValue::new_local(Rc::new(Inner {
                config,
                adapter: OnceCell::new(),
                owner: Owner::new(),
                message_owners: RefCell::default(),
                store,
                host,
                speech: RefCell::default(),
                conv: RefCell::default(),
                abort: RefCell::default(),
                next_id: Cell::new(1),
                leaving: Cell::new(false),
                restore_owed: Cell::new(false),
            })),
            messages: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            announcement: RwSignal::new(String::new()),
            grew: RwSignal::new(0),
            kit: RwSignal::new(None),
            pending: RwSignal::new(None),
            history_open: RwSignal::new(false),
            history: RwSignal::new(Vec::new()),
        }
    }

    /// Whether earlier conversations are kept (`data-history` above 0 and storage to keep
    /// them in).
    pub fn keeps_history(&self) -> bool {
        let cfg = self.config();
        cfg.history > 0 && cfg.persist != crate::config::Persist::None
    }

    /// Shows or hides the history (loading the answer module, which lists it).
    pub fn toggle_history(&self) {
        let open = !self.history_open.get_untracked();
        let this = *self;
        if open {
            self.with_kit(
                move |kit| {
                    (kit.history)(this);
                    this.history_open.set(true);
                },
                || {},
            );
        } else {
            self.history_open.set(false);
        }
    }

    /// Starts fetching the answer module if it is not there yet: called when the user starts
    /// typing or reaches for a starter, so that it has usually arrived by the time they ask.
    pub fn prepare(&self) {
        if self.kit.get_untracked().is_none() {
            self.with_kit(|_| {}, || {});
        }
    }

    /// Shows the saved conversation, if there is one (after mounting: the answer module that
    /// reads it loads asynchronously).
    pub fn restore_saved(&self) {
        let inner = self.inner();
        if !inner.store.has_saved() {
            return;
        }
        inner.restore_owed.set(true);
        let this = *self;
        self.with_kit(
            |_| {},
            move || {
                events::report(&this, events::LOAD_ERROR, None, &[("part", events::s("answer"))]);
                web_sys::console::error_1(
                    &"sherpa: the saved conversation cannot be shown: part of the widget could not be loaded"
                        .into(),
                );
            },
        );
    }

    /// Runs `f` with the answer module: at once when it is loaded, else once it is (or `failed`
    /// when it cannot be fetched; the next call tries again). When it arrives, a saved
    /// conversation still to be shown is restored first.
    fn with_kit(&self, f: impl FnOnce(Kit) + 'static, failed: impl FnOnce() + 'static) {
        if let Some(kit) = self.kit.get_untracked() {
            return f(kit);
        }
        let this = *self;
        spawn_local(async move {
            let Ok(kit) = kit::load().await else {
                return failed();
            };
            let Some(inner) = this.inner.try_get_value() else {
                return; // the instance is gone
            };
            this.kit.set(Some(kit));
            if inner.restore_owed.replace(false) {
                (kit.restore)(this);
            }
            f(kit);
        });
    }

    /// The instance's configuration.
    pub fn config(&self) -> Rc<Config> {
        self.inner().config.clone()
    }

    /// The element the instance's events go to.
    pub fn host(&self) -> Option<HtmlElement> {
        self.inner.try_get_value()?.host.clone()
    }

    /// The server's id of this conversation, once it has one.
    pub fn conversation_id(&self) -> Option<String> {
        self.inner.try_get_value()?.conv.borrow().session_id.clone()
    }

    fn inner(&self) -> Rc<Inner> {
        self.inner.get_value()
    }

    fn adapter(&self) -> Rc<dyn Adapter> {
        let inner = self.inner();
        inner
            .adapter
            .get_or_init(|| Rc::from(inner.config.backend.adapter()))
            .clone()
    }

    fn alloc_id(&self) -> u64 {
        let next_id = &self.inner().next_id;
        let id = next_id.get();
        next_id.set(id + 1);
        id
    }

    /// Creates a message whose signals live under an owner of its own, freed by
    /// [`Chat::forget`].
    fn new_message(&self, make: impl FnOnce(u64) -> Message) -> Message {
        let id = self.alloc_id();
        let inner = self.inner();
        let owner = inner.owner.child();
        let msg = owner.with(|| make(id));
        inner.message_owners.borrow_mut().push((id, owner));
        msg
    }

    /// Frees the signals of messages no longer in the thread. The thread's view drops their
    /// rows in its next update (a scheduled effect), so the owners go a task later, once
    /// nothing reads the signals any more.
    fn forget(&self, gone: &[Message]) {
        if gone.is_empty() {
            return;
        }
        let Some(inner) = self.inner.try_get_value() else {
            return;
        };
        let mut all = inner.message_owners.borrow_mut();
        let (dead, live): (Vec<_>, _) = std::mem::take(&mut *all)
            .into_iter()
            .partition(|(id, _)| gone.iter().any(|m| m.id == *id));
        *all = live;
        let owners: Vec<Owner> = dead.into_iter().map(|(_, o)| o).collect();
        set_timeout(move || drop(owners), std::time::Duration::ZERO);
    }

    /// Drops the oldest questions and answers beyond [`MAX_MESSAGES`] (whole turns: the
    /// thread always starts with a question).
    fn trim(&self) {
        let mut gone = Vec::new();
        self.messages.update(|m| {
            let mut cut = m.len().saturating_sub(MAX_MESSAGES);
            while cut < m.len() && cut > 0 && m[cut].role != Role::User {
                cut += 1;
            }
            gone = m.drain(..cut).collect();
        });
        if !gone.is_empty() {
            self.dropped.update(|n| *n += gone.len());
            self.forget(&gone);
        }
    }

    /// Sends a question: appends it and an answer placeholder, then streams the answer. Before
    /// the answer module has loaded, the question waits in [`Chat::pending`] (shown with a
    /// status line, or why the module could not be fetched and a retry).
    pub fn ask(&self, question: &str) {
        let question = question.trim();
        if question.is_empty() || self.busy.get_untracked() || !self.config().problems.is_empty() {
            return;
        }
        self.history_open.set(false);
        if let Some(kit) = self.kit.get_untracked() {
            return (kit.ask)(*self, question.to_string());
        }
        self.pending.set(Some(Pending {
            question: question.to_string(),
            failed: false,
        }));
        self.ask_pending();
    }

    /// Loads the answer module for the waiting question, then asks it (also the retry after a
    /// failed load).
    pub fn ask_pending(&self) {
        let this = *self;
        self.pending.update(|p| {
            if let Some(p) = p {
                p.failed = false;
            }
        });
        self.busy.set(true);
        self.grew.update(|n| *n += 1);
        self.with_kit(
            move |kit| {
                this.busy.set(false);
                if let Some(p) = this.pending.try_update(Option::take).flatten() {
                    (kit.ask)(this, p.question);
                }
            },
            move || {
                this.busy.set(false);
                this.pending.update(|p| {
                    if let Some(p) = p {
                        p.failed = true;
                    }
                });
                events::report(
                    &this,
                    events::LOAD_ERROR,
                    None,
                    &[("part", events::s("answer"))],
                );
            },
        );
    }

    /// Stops the running answer: aborts the fetch and asks the server to stop generating. A
    /// question still waiting for the answer module is dropped.
    pub fn stop(&self) {
        if self.pending.with_untracked(Option::is_some) {
            self.pending.set(None);
            self.busy.set(false);
        }
        if let Some(kit) = self.kit.get_untracked() {
            (kit.stop)(*self);
        }
    }

    /// Asks the server to stop generating this conversation's answer (where the backend
    /// has a stop endpoint), without waiting for its reply.
    fn tell_server_to_stop(&self) {
        let inner = self.inner();
        let req = self
            .adapter()
            .stop_request(&inner.config.options, &inner.conv.borrow());
        if let Some(req) = req {
            let creds = inner.config.credentials_include;
            spawn_local(async move {
                let _ = transport::fire(&req, creds).await;
            });
        }
    }

    /// Starts a new conversation (and forgets the saved one).
    pub fn reset(&self) {
        self.stop();
        if let Some(kit) = self.kit.get_untracked() {
            (kit.clear)(*self);
        }
        let inner = self.inner();
        inner.conv.take();
        inner.store.clear();
        self.announcement.set(String::new());
        events::report(self, events::NEW_CHAT, None, &[]);
    }

    /// Sends feedback on an answer: the thumb, with the reason and comment the visitor gave.
    pub fn feedback(&self, msg: Message, feedback: Feedback) {
        let Some(id) = msg.server_id.get_untracked() else {
            return;
        };
        let cfg = self.config();
        if let Some(req) = self.adapter().feedback_request(&cfg.options, id, &feedback) {
            msg.feedback.set(Some(feedback.positive));
            let opt = |s: &Option<String>| s.as_deref().map_or(JsValue::NULL, JsValue::from_str);
            let pairs = [
                ("positive", JsValue::from_bool(feedback.positive)),
                ("reason", opt(&feedback.reason)),
                ("comment", opt(&feedback.comment)),
            ];
            events::report(self, events::FEEDBACK, Some(&msg), &pairs);
            let creds = cfg.credentials_include;
            spawn_local(async move {
                if let Err(e) = transport::fire(&req, creds).await {
                    web_sys::console::warn_1(
                        &format!("sherpa: feedback not sent: {}", e.message).into(),
                    );
                }
            });
        }
    }

    /// The conversation as markdown (questions, answers, cited sources as links).
    pub fn markdown(&self, texts: &crate::ui::Texts) -> String {
        use crate::i18n::Text;
        use sherpa_protocol::export::{conversation_markdown, ExportLabels, ExportMessage};
        type Kept = (bool, String, Vec<Document>, Vec<(u32, String)>);
        let saved: Vec<Kept> = self.messages.with_untracked(|m| {
            m.iter()
                .map(|m| {
                    let cites = m
                        .citations
                        .with_untracked(|c| c.iter().map(|(n, id)| (*n, id.clone())).collect());
                    let docs = m.documents.get_untracked();
                    (m.role == Role::User, m.text.get_untracked(), docs, cites)
                })
                .collect()
        });
        let messages: Vec<ExportMessage> = saved
            .iter()
            .map(|(user, text, documents, citations)| ExportMessage {
                user: *user,
                text,
                documents,
                citations,
            })
            .collect();
        let labels = ExportLabels {
            you: texts.get(Text::You),
            assistant: texts.get(Text::Assistant),
            sources: texts.get(Text::Sources),
        };
        conversation_markdown(&messages, &labels)
    }

    /// Whether the backend records feedback.
    pub fn has_feedback(&self) -> bool {
        self.adapter().has_feedback()
    }

    /// Loads the persona's starter questions, unless the page set its own.
    pub fn load_starters(&self) {
        let cfg = self.config();
        if !cfg.starter_questions.is_empty() || !cfg.problems.is_empty() {
            return;
        }
        let Some(req) = cfg.backend.starters_request(&cfg.options) else {
            return;
        };
        let starters = self.starters;
        let creds = cfg.credentials_include;
        spawn_local(async move {
            let Ok(ctrl) = AbortController::new() else {
                return;
            };
            let signal = ctrl.signal();
            if let Ok(resp) = transport::send(&req, &signal, creds).await {
                if resp.status == 200 {
                    if let Ok(body) = resp.bytes(&signal, 256 * 1024).await {
                        let list = parse_starters(&body);
                        if !list.is_empty() {
                            starters.set(list);
                        }
                    }
                } else {
                    resp.cancel();
                }
            }
        });
    }

    /// The page is going away (`pagehide`): save now, and nothing after (see `leaving`).
    /// Nothing to save before the answer module has loaded (no turn has run).
    pub fn page_hidden(&self) {
        if let Some(kit) = self.kit.get_untracked() {
            (kit.save)(*self);
        }
        self.inner().leaving.set(true);
    }

    /// The page is shown again (`pageshow`, e.g. back from the back/forward cache).
    pub fn page_shown(&self) {
        self.inner().leaving.set(false);
    }
}

/// 16 random bytes from the browser's CSPRNG (falls back to time-based bytes).
fn random_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    let ok = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut b).is_ok());
    if !ok {
        let t = js_sys::Date::now().to_bits().to_le_bytes();
        let r = (js_sys::Math::random() * u64::MAX as f64) as u64;
        b[..8].copy_from_slice(&t);
        b[8..].copy_from_slice(&r.to_le_bytes());
    }
    b
}
