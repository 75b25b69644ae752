//! The one vocabulary between protocols and the UI.

use crate::json::{FromJson, Value};
use crate::object;

/// A source document the answer drew on, normalised across backends.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Document {
    /// The backend's id for the document (Onyx `document_id`, Odyssey `chunkid`).
    pub id: String,
    /// Human-readable title (Onyx `semantic_identifier`, Odyssey `filename`).
    pub title: String,
    /// Link to the document, if it has one. Not yet checked for a safe scheme.
    pub link: Option<String>,
    /// A short excerpt.
    pub blurb: String,
    /// Where it came from (`confluence`, `web`, a file type…).
    pub source_type: String,
}

impl Document {
    /// `{"id", "title", "link", "blurb", "source_type"}`, for saved conversations.
    pub fn to_json(&self) -> Value {
        object! {
            "id": &self.id,
            "title": &self.title,
            "link": self.link.as_ref(),
            "blurb": &self.blurb,
            "source_type": &self.source_type,
        }
    }
}

/// Reads [`Document::to_json`]'s shape; absent fields are defaults.
impl FromJson for Document {
    fn from_json(v: &Value) -> Option<Self> {
        if !v.is_object() {
            return None;
        }
        Some(Document {
            id: v.field("id")?,
            title: v.field("title")?,
            link: v.field("link")?,
            blurb: v.field("blurb")?,
            source_type: v.field("source_type")?,
        })
    }
}

/// What the backend is doing before or between answer text.
#[derive(Clone, Debug, PartialEq)]
pub enum Status {
    /// Searching the knowledge base; carries the rewritten queries once known.
    Searching { queries: Vec<String> },
    /// Reading the documents it found.
    Reading,
    /// Reasoning before it answers.
    Thinking,
    /// Running another tool (its name, when the server sends one).
    RunningTool { name: Option<String> },
    /// Writing the answer.
    Answering,
}

/// How an answer ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StopReason {
    /// The backend said the answer is complete.
    Finished,
    /// The user (or the server on the user's behalf) stopped it.
    Stopped,
}

/// A failure, ready to show: the text is user-facing.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatError {
    /// User-facing text (English; the UI may prefix a translated lead-in).
    pub message: String,
    /// A fatal error ends the turn; a non-fatal one (a tool failed) lets the stream go on.
    pub fatal: bool,
    /// Whether trying again may help.
    pub retryable: bool,
    /// The backend's error code (`RATE_LIMIT`, `http_401`, …) for tests and logs.
    pub code: Option<String>,
    /// Seconds to wait before retrying, when the server said.
    pub retry_after_seconds: Option<u64>,
}

impl ChatError {
    /// A fatal error with the given text and retry flag.
    pub fn fatal(message: impl Into<String>, retryable: bool) -> Self {
        ChatError {
            message: message.into(),
            fatal: true,
            retryable,
            code: None,
            retry_after_seconds: None,
        }
    }

    /// The same error with a code attached.
    pub fn with_code(mut self, code: impl Into<String>) -> Self {
        self.code = Some(code.into());
        self
    }
}

impl ChatError {
    /// `{"message", "fatal", "retryable", "code", "retry_after_seconds"}`, for saved
    /// conversations.
    pub fn to_json(&self) -> Value {
        object! {
            "message": &self.message,
            "fatal": self.fatal,
            "retryable": self.retryable,
            "code": self.code.as_ref(),
            "retry_after_seconds": self.retry_after_seconds,
        }
    }
}

/// Reads [`ChatError::to_json`]'s shape; absent fields are defaults.
impl FromJson for ChatError {
    fn from_json(v: &Value) -> Option<Self> {
        if !v.is_object() {
            return None;
        }
        Some(ChatError {
            message: v.field("message")?,
            fatal: v.field("fatal")?,
            retryable: v.field("retryable")?,
            code: v.field("code")?,
            retry_after_seconds: v.field("retry_after_seconds")?,
        })
    }
}

/// What a [`ChatEvent::Truncated`] says was cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The answer reached [`crate::limits::ANSWER_CHARS`]; the turn ends there.
    Answer,
    /// More than [`crate::limits::DOCUMENTS`] sources came; the rest are not shown.
    Sources,
}

/// One normalised event of a chat turn.
#[derive(Clone, Debug, PartialEq)]
pub enum ChatEvent {
    /// The backend created or named the chat session.
    Session { id: String },
    /// Message ids of this turn, needed to chain the next turn and to send feedback.
    MessageIds {
        user: Option<i64>,
        assistant: Option<i64>,
    },
    /// What the backend is doing.
    Status(Status),
    /// Documents found (appended to the turn's list; duplicates by id are merged by the UI).
    Documents(Vec<Document>),
    /// Answer text. Citation markers are already converted (see [`crate::citations`]).
    TextDelta(String),
    /// The model's reasoning before it answers (Onyx `reasoning_delta`), plain text shown
    /// apart from the answer.
    Reasoning(String),
    /// Citation number `n` refers to the document with this id.
    Citation { number: u32, document_id: String },
    /// Questions the user may ask next.
    FollowUps(Vec<String>),
    /// Something went wrong (see [`ChatError::fatal`]).
    Error(ChatError),
    /// Part of the turn was cut to a limit ([`crate::limits`]); shown as a note.
    Truncated(Cut),
    /// The turn ended.
    Done(StopReason),
}

/// Joins adjacent text (and reasoning) deltas, so event lists from different chunkings compare equal.
pub fn coalesce(events: impl IntoIterator<Item = ChatEvent>) -> Vec<ChatEvent> {
    let mut out: Vec<ChatEvent> = Vec::new();
    for ev in events {
        match (out.last_mut(), ev) {
            (Some(ChatEvent::TextDelta(acc)), ChatEvent::TextDelta(more)) => acc.push_str(&more),
            (Some(ChatEvent::Reasoning(acc)), ChatEvent::Reasoning(more)) => acc.push_str(&more),
            (_, ChatEvent::TextDelta(t) | ChatEvent::Reasoning(t)) if t.is_empty() => {}
            (_, ev) => out.push(ev),
        }
    }
    out
}
