//! Conversation state: messages as signals, and the turn runner that feeds them from the
//! backend's events.

use std::collections::BTreeMap;
use std::rc::Rc;

use leptos::prelude::*;
use leptos::task::spawn_local;
use sherpa_protocol::backend::advance;
use sherpa_protocol::{Adapter, ChatError, ChatEvent, Conversation, Document, Status, StopReason};
use web_sys::AbortController;

use crate::config::Config;
use crate::transport::{self, Failure};

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
}

/// One message of the thread. Every field is its own signal so a streamed delta only touches
/// what it changes.
#[derive(Clone, Copy)]
pub struct Message {
    /// Local id (keys the thread list).
    pub id: u64,
    pub role: Role,
    pub text: RwSignal<String>,
    pub state: RwSignal<MsgState>,
    pub status: RwSignal<Option<Status>>,
    pub error: RwSignal<Option<ChatError>>,
    pub documents: RwSignal<Vec<Document>>,
    /// Citation number → document id.
    pub citations: RwSignal<BTreeMap<u32, String>>,
    pub follow_ups: RwSignal<Vec<String>>,
    /// The server's id for this message (feedback, chaining).
    pub server_id: RwSignal<Option<i64>>,
}

impl Message {
    fn new(id: u64, role: Role, text: &str, state: MsgState) -> Self {
        Message {
            id,
            role,
            text: RwSignal::new(text.to_string()),
            state: RwSignal::new(state),
            status: RwSignal::new(None),
            error: RwSignal::new(None),
            documents: RwSignal::new(Vec::new()),
            citations: RwSignal::new(BTreeMap::new()),
            follow_ups: RwSignal::new(Vec::new()),
            server_id: RwSignal::new(None),
        }
    }

    /// Applies one event of this message's turn.
    pub fn apply(&self, ev: &ChatEvent) {
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
                self.text.update(|s| s.push_str(t));
                if self.state.get_untracked() == MsgState::Pending {
                    self.state.set(MsgState::Streaming);
                }
            }
            ChatEvent::Citation {
                number,
                document_id,
            } => self.citations.update(|m| {
                m.insert(*number, document_id.clone());
            }),
            ChatEvent::FollowUps(q) => self.follow_ups.set(q.clone()),
            ChatEvent::Error(e) if e.fatal => {
                self.error.set(Some(e.clone()));
                self.status.set(None);
                self.state.set(MsgState::Error);
            }
            ChatEvent::Error(e) => {
                web_sys::console::warn_1(&format!("sherpa: {}", e.message).into());
            }
            ChatEvent::Done(reason) => {
                self.status.set(None);
                self.state.set(match reason {
                    StopReason::Finished => MsgState::Done,
                    StopReason::Stopped => MsgState::Stopped,
                });
            }
        }
    }
}

/// A widget instance's conversation and the means to continue it. `Copy`: every field is a
/// handle into the reactive arena, so components can capture it freely.
#[derive(Clone, Copy)]
pub struct Chat {
    config: StoredValue<Rc<Config>, LocalStorage>,
    adapter: StoredValue<Rc<dyn Adapter>, LocalStorage>,
    pub messages: RwSignal<Vec<Message>>,
    /// A turn is running.
    pub busy: RwSignal<bool>,
    conv: StoredValue<Conversation, LocalStorage>,
    abort: StoredValue<Option<AbortController>, LocalStorage>,
    next_id: StoredValue<u64, LocalStorage>,
}

impl Chat {
    /// A new, empty conversation.
    pub fn new(config: Rc<Config>) -> Self {
        let adapter: Rc<dyn Adapter> = Rc::from(config.backend.adapter());
        Chat {
            config: StoredValue::new_local(config),
            adapter: StoredValue::new_local(adapter),
            messages: RwSignal::new(Vec::new()),
            busy: RwSignal::new(false),
            conv: StoredValue::new_local(Conversation::default()),
            abort: StoredValue::new_local(None),
            next_id: StoredValue::new_local(1),
        }
    }

    /// The instance's configuration.
    pub fn config(&self) -> Rc<Config> {
        self.config.get_value()
    }

    fn adapter(&self) -> Rc<dyn Adapter> {
        self.adapter.get_value()
    }

    fn alloc_id(&self) -> u64 {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        id
    }

    /// Sends a question: appends it and an answer placeholder, then streams the answer.
    pub fn ask(&self, question: &str) {
        let question = question.trim();
        if question.is_empty() || self.busy.get_untracked() {
            return;
        }
        let user = Message::new(self.alloc_id(), Role::User, question, MsgState::Done);
        let answer = Message::new(self.alloc_id(), Role::Assistant, "", MsgState::Pending);
        self.messages.update(|m| {
            m.push(user);
            m.push(answer);
        });
        self.start(question.to_string(), answer);
    }

    /// Stops the running answer: aborts the fetch and asks the server to stop generating.
    pub fn stop(&self) {
        if let Some(ctrl) = self.abort.get_value() {
            ctrl.abort();
        }
        let cfg = self.config();
        let req = self
            .adapter()
            .stop_request(&cfg.options, &self.conv.get_value());
        if let Some(req) = req {
            let creds = cfg.credentials_include;
            spawn_local(async move {
                let _ = transport::fire(&req, creds).await;
            });
        }
    }

    fn start(&self, question: String, answer: Message) {
        let this = *self;
        let Ok(ctrl) = AbortController::new() else {
            answer.apply(&ChatEvent::Error(sherpa_protocol::errors::network_error(
                "AbortController unavailable",
            )));
            return;
        };
        self.abort.set_value(Some(ctrl.clone()));
        self.busy.set(true);
        spawn_local(async move {
            let outcome = this.run_turn(&question, answer, &ctrl).await;
            match outcome {
                Ok(()) => {}
                Err(Failure::Aborted) => {
                    if matches!(
                        answer.state.get_untracked(),
                        MsgState::Pending | MsgState::Streaming
                    ) {
                        answer.apply(&ChatEvent::Done(StopReason::Stopped));
                    }
                }
                Err(Failure::Error(e)) => answer.apply(&ChatEvent::Error(e)),
            }
            this.abort.set_value(None);
            this.busy.set(false);
        });
    }

    async fn run_turn(
        &self,
        question: &str,
        answer: Message,
        ctrl: &AbortController,
    ) -> Result<(), Failure> {
        let signal = ctrl.signal();
        let cfg = self.config();
        let adapter = self.adapter();
        let opts = &cfg.options;
        let creds = cfg.credentials_include;
        let conv = self.conv.get_value();
        if let Some(req) = adapter.session_request(opts, &conv) {
            let resp = transport::send(&req, &signal, creds).await?;
            if sherpa_protocol::errors::is_failure(&resp.meta()) {
                return Err(resp.into_error(&signal).await);
            }
            let body = resp.bytes(&signal, 1 << 20).await?;
            let id = adapter.parse_session(&body)?;
            self.conv.update_value(|c| c.session_id = Some(id));
        }
        let req = adapter.message_request(opts, &self.conv.get_value(), question);
        let resp = transport::send(&req, &signal, creds).await?;
        if sherpa_protocol::errors::is_failure(&resp.meta()) {
            return Err(resp.into_error(&signal).await);
        }
        let mut decoder = adapter.decoder(resp.content_type.as_deref());
        self.conv.update_value(|c| c.turns += 1);
        loop {
            match resp.chunk(&signal).await {
                Ok(Some(bytes)) => {
                    for ev in decoder.feed(&bytes) {
                        self.apply(answer, &ev);
                    }
                }
                Ok(None) => break,
                Err(Failure::Aborted) => return Err(Failure::Aborted),
                Err(Failure::Error(e)) => {
                    // The connection broke: keep what arrived, then report the break.
                    for ev in decoder.finish() {
                        if !matches!(ev, ChatEvent::Error(_)) {
                            self.apply(answer, &ev);
                        }
                    }
                    return Err(Failure::Error(e));
                }
            }
        }
        for ev in decoder.finish() {
            self.apply(answer, &ev);
        }
        Ok(())
    }

    fn apply(&self, answer: Message, ev: &ChatEvent) {
        self.conv.update_value(|c| advance(c, ev));
        answer.apply(ev);
    }
}
