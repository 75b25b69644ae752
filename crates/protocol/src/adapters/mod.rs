//! One adapter per backend. Each builds its requests and decodes its responses into
//! [`ChatEvent`]s; [`TurnState`] holds what they share (answer text with citations, the end of
//! the turn, unreadable lines).

pub mod onyx;
pub mod packets;

use crate::backend::{Adapter, BackendKind};
use crate::citations::CitationText;
use crate::event::{ChatError, ChatEvent, StopReason};

/// The adapter for a backend.
pub fn for_kind(kind: BackendKind) -> Box<dyn Adapter> {
    match kind {
        BackendKind::Onyx => Box::new(onyx::Onyx),
        // TODO(issue 3): dedicated adapters for the other backends.
        _ => Box::new(onyx::Onyx),
    }
}

/// State shared by the streaming decoders of one turn.
#[derive(Debug, Default)]
pub struct TurnState {
    text: CitationText,
    /// `Done` was emitted; later packets are ignored.
    pub ended: bool,
    /// A fatal error was emitted.
    pub failed: bool,
    /// Payloads that were not JSON (proxy pages, truncation).
    pub unreadable: usize,
    /// Any answer text was emitted.
    pub has_text: bool,
}

impl TurnState {
    /// Answer text from the server, with citation links converted.
    pub fn text(&mut self, piece: &str, out: &mut Vec<ChatEvent>) {
        let t = self.text.feed(piece);
        if !t.is_empty() {
            self.has_text = true;
            out.push(ChatEvent::TextDelta(t));
        }
    }

    /// The end of the turn.
    pub fn done(&mut self, reason: StopReason, out: &mut Vec<ChatEvent>) {
        if self.ended || self.failed {
            return;
        }
        self.flush_text(out);
        self.ended = true;
        out.push(ChatEvent::Done(reason));
    }

    /// A fatal error ends the turn; the text so far is kept.
    pub fn fail(&mut self, err: ChatError, out: &mut Vec<ChatEvent>) {
        if self.ended || self.failed {
            return;
        }
        self.flush_text(out);
        self.failed = true;
        out.push(ChatEvent::Error(err));
    }

    /// A payload that is not JSON: counted, reported once, never shown as answer text.
    pub fn unreadable(&mut self, out: &mut Vec<ChatEvent>) {
        self.unreadable += 1;
        if self.unreadable == 1 {
            out.push(ChatEvent::Error(ChatError {
                message: "The server sent a line that is not JSON; it was skipped.".into(),
                fatal: false,
                retryable: false,
                code: Some("invalid_line".into()),
                retry_after_seconds: None,
            }));
        }
    }

    /// The body ended. A turn without its end marker was interrupted.
    pub fn finish(&mut self, out: &mut Vec<ChatEvent>) {
        if self.ended || self.failed {
            return;
        }
        let mut msg = String::from("The answer was interrupted before it finished.");
        if self.unreadable > 0 {
            msg.push_str(&format!(
                " {} line(s) of the reply could not be read.",
                self.unreadable
            ));
        }
        self.fail(ChatError::fatal(msg, true).with_code("interrupted"), out);
    }

    fn flush_text(&mut self, out: &mut Vec<ChatEvent>) {
        let t = self.text.finish();
        if !t.is_empty() {
            self.has_text = true;
            out.push(ChatEvent::TextDelta(t));
        }
    }
}
