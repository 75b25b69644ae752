//! The decoder shared by the Onyx-family adapters.
//!
//! It frames the body (NDJSON or SSE, see [`crate::framing`]) and hands each JSON object to
//! [`packets::object`], which recognises every Onyx generation line by line. In buffered mode
//! (a reply that is one JSON document: the simple API, or `stream: false` answered as
//! `application/json`) it collects the body first and parses it whole, so a pretty-printed
//! reply spread over several lines is read too; a body that is not one JSON document falls back
//! to line-by-line decoding.

use super::{packets, trim_body, TurnState, MAX_DOCUMENTS};
use crate::backend::Decoder;
use crate::event::ChatEvent;
use crate::framing::{Frame, Framer, MAX_LINE};
use crate::json;
use crate::limits::ANSWER_CHARS;

/// What the decoder keeps of each JSON text: strings up to 512 KB, arrays up to
/// [`MAX_DOCUMENTS`] items. A hostile multi-megabyte line is then scanned once instead of
/// copied and built whole in one task (BENCHMARKS.md, "Hostile streams"). At four bytes a
/// character at most, a string cut to 512 KB still holds more than the answer a turn may
/// show ([`ANSWER_CHARS`]), so an answer delta cut here is cut visibly there, and every
/// label is far shorter.
pub const BOUNDS: json::Bounds = json::Bounds {
    string_bytes: 512 * 1024,
    array_items: MAX_DOCUMENTS,
};
const _: () = assert!(BOUNDS.string_bytes > 4 * ANSWER_CHARS);

/// Decodes any Onyx-family reply into events.
#[derive(Debug, Default)]
pub struct OnyxStreamDecoder {
    framer: Framer,
    state: TurnState,
    /// Buffered mode: the body so far. `None` when streaming.
    body: Option<Vec<u8>>,
}

impl OnyxStreamDecoder {
    /// A decoder that handles each line as it arrives.
    pub fn streaming() -> Self {
        Self::default()
    }

    /// A decoder that reads the whole body before decoding it.
    pub fn buffered() -> Self {
        OnyxStreamDecoder {
            body: Some(Vec::new()),
            ..Self::default()
        }
    }

    /// Buffered for a JSON content type (one document), streaming otherwise. Onyx streams
    /// are labelled `text/event-stream`; `stream: false` replies `application/json`.
    pub fn for_content_type(content_type: Option<&str>) -> Self {
        let json = content_type.is_some_and(|c| {
            let c = c.to_ascii_lowercase();
            c.contains("application/json") && !c.contains("ndjson")
        });
        if json {
            Self::buffered()
        } else {
            Self::streaming()
        }
    }

    /// The turn state (for tests and diagnostics: unreadable line count and so on).
    pub fn state(&self) -> &TurnState {
        &self.state
    }

    fn frames(&mut self, frames: Vec<Frame>, out: &mut Vec<ChatEvent>) {
        for f in frames {
            if self.state.over() {
                return;
            }
            match f {
                Frame::Payload(p) => match json::parse_bounded(&p, BOUNDS) {
                    Ok(v) => packets::object(&v, &mut self.state, out),
                    Err(_) => self.state.unreadable(&p, out),
                },
                // An explicit end of stream from the server.
                Frame::Done => {
                    let reason = self
                        .state
                        .pending_stop
                        .unwrap_or(crate::event::StopReason::Finished);
                    self.state.done(reason, out);
                }
                Frame::Oversized => self.state.unreadable("", out),
            }
        }
    }
}

impl Decoder for OnyxStreamDecoder {
    fn feed(&mut self, chunk: &[u8]) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        if let Some(body) = self.body.as_mut() {
            if body.len().saturating_add(chunk.len()) <= MAX_LINE {
                body.extend_from_slice(chunk);
                return out;
            }
            // Too big to be one reply document: decode it as a stream instead.
            let so_far = std::mem::take(body);
            self.body = None;
            let frames = self.framer.feed(&so_far);
            self.frames(frames, &mut out);
        }
        let frames = self.framer.feed(chunk);
        self.frames(frames, &mut out);
        out
    }

    fn finish(&mut self) -> Vec<ChatEvent> {
        let mut out = Vec::new();
        if let Some(body) = self.body.take() {
            let text = std::str::from_utf8(trim_body(&body));
            match text.map(|t| json::parse_bounded(t, BOUNDS)) {
                Ok(Ok(v)) if v.is_object() => packets::object(&v, &mut self.state, &mut out),
                _ => {
                    let frames = self.framer.feed(&body);
                    self.frames(frames, &mut out);
                }
            }
        }
        let frames = self.framer.finish();
        self.frames(frames, &mut out);
        self.state.finish(&mut out);
        out
    }
}
