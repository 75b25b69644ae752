//! Framing: response bytes → payload strings (one JSON text each).
//!
//! Two framings are understood, chosen from the content itself (Onyx sends NDJSON under a
//! `text/event-stream` content type, so the header alone cannot decide):
//! * NDJSON: one payload per line.
//! * SSE: `data:` fields joined with `\n` up to a blank line; `event:`, `id:`, `retry:` and
//!   `:comment` lines are ignored; a `[DONE]` payload ends the stream.
//!
//! Lines end in `\n`, `\r\n` or a lone `\r`. Bytes are split into lines before they are
//! decoded, so a UTF-8 character split across chunks is whole again when its line is decoded.
//! A leading BOM is dropped; blank lines are skipped; the last line is parsed at EOF even
//! without a newline (Onyx's crash line has none).

/// Longest line kept (bytes). Longer lines are dropped and reported as [`Frame::Oversized`].
pub const MAX_LINE: usize = 32 * 1024 * 1024;

/// One unit of a framed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A payload, normally one JSON text.
    Payload(String),
    /// The SSE `[DONE]` sentinel.
    Done,
    /// A line longer than [`MAX_LINE`] was dropped.
    Oversized,
}

/// Splits bytes into lines on `\n`, `\r\n` or a lone `\r`, whatever the chunking.
#[derive(Debug, Default)]
pub struct LineSplitter {
    buf: Vec<u8>,
    /// The previous chunk ended in `\r`: a `\n` at the start of the next one belongs to it.
    after_cr: bool,
    /// The current line outgrew [`MAX_LINE`]; skip to its end.
    overflow: bool,
}

/// A complete line, or the marker of a dropped oversized one.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(String),
    Oversized,
}

impl LineSplitter {
    /// Feeds a chunk and returns the lines it completes.
    pub fn feed(&mut self, mut chunk: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = chunk.strip_prefix(b"\n") {
                chunk = rest;
            }
        }
        while let Some(pos) = chunk.iter().position(|&b| b == b'\n' || b == b'\r') {
            self.push(&chunk[..pos]);
            out.push(self.take());
            let is_cr = chunk[pos] == b'\r';
            chunk = &chunk[pos + 1..];
            if is_cr {
                match chunk.first() {
                    Some(b'\n') => chunk = &chunk[1..],
                    Some(_) => {}
                    None => self.after_cr = true,
                }
            }
        }
        self.push(chunk);
        out
    }

    /// The input ended: returns the unterminated last line, if any.
    pub fn finish(&mut self) -> Option<Line> {
        self.after_cr = false;
        if self.buf.is_empty() && !self.overflow {
            None
        } else {
            Some(self.take())
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        if self.overflow {
            return;
        }
        if self.buf.len() + bytes.len() > MAX_LINE {
            self.overflow = true;
            self.buf = Vec::new();
        } else {
            self.buf.extend_from_slice(bytes);
        }
    }

    fn take(&mut self) -> Line {
        if std::mem::take(&mut self.overflow) {
            return Line::Oversized;
        }
        let bytes = std::mem::take(&mut self.buf);
        Line::Text(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        })
    }
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Mode {
    #[default]
    Unknown,
    Ndjson,
    Sse,
}

/// NDJSON or SSE, detected from the first non-blank line.
#[derive(Debug, Default)]
pub struct Framer {
    lines: LineSplitter,
    mode: Mode,
    first_line: bool,
    /// SSE: `data:` values of the event being read.
    data: Vec<String>,
    done: bool,
}

impl Framer {
    /// A framer that detects the framing from the content.
    pub fn new() -> Self {
        Framer {
            first_line: true,
            ..Default::default()
        }
    }

    /// Feeds a chunk and returns the frames it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Frame> {
        let lines = self.lines.feed(chunk);
        let mut out = Vec::new();
        for line in lines {
            self.line(line, &mut out);
        }
        out
    }

    /// The input ended: returns the frames still buffered.
    pub fn finish(&mut self) -> Vec<Frame> {
        let mut out = Vec::new();
        if let Some(line) = self.lines.finish() {
            self.line(line, &mut out);
        }
        if self.mode == Mode::Sse {
            self.dispatch(&mut out);
        }
        out
    }

    fn line(&mut self, line: Line, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        let mut text = match line {
            Line::Text(t) => t,
            Line::Oversized => {
                out.push(Frame::Oversized);
                return;
            }
        };
        if std::mem::take(&mut self.first_line) {
            if let Some(rest) = text.strip_prefix('\u{feff}') {
                text = rest.to_string();
            }
        }
        if self.mode == Mode::Unknown {
            if text.trim().is_empty() {
                return;
            }
            self.mode = if is_sse_line(&text) {
                Mode::Sse
            } else {
                Mode::Ndjson
            };
        }
        match self.mode {
            Mode::Sse => self.sse_line(&text, out),
            _ => {
                let t = text.trim();
                if !t.is_empty() {
                    out.push(Frame::Payload(t.to_string()));
                }
            }
        }
    }

    fn sse_line(&mut self, line: &str, out: &mut Vec<Frame>) {
        if line.is_empty() {
            self.dispatch(out);
            return;
        }
        if line.starts_with(':') {
            return;
        }
        let (field, value) = match line.split_once(':') {
            Some((f, v)) => (f, v.strip_prefix(' ').unwrap_or(v)),
            None => (line, ""),
        };
        if field == "data" {
            self.data.push(value.to_string());
        }
        // `event`, `id`, `retry` and unknown fields carry nothing the widget needs.
    }

    fn dispatch(&mut self, out: &mut Vec<Frame>) {
        if self.data.is_empty() {
            return;
        }
        let payload = std::mem::take(&mut self.data).join("\n");
        if payload.trim() == "[DONE]" {
            self.done = true;
            out.push(Frame::Done);
        } else if !payload.trim().is_empty() {
            out.push(Frame::Payload(payload));
        }
    }
}

/// Whether a line looks like an SSE field (rather than a JSON document).
fn is_sse_line(line: &str) -> bool {
    line.starts_with(':')
        || ["data:", "event:", "id:", "retry:"]
            .iter()
            .any(|p| line.starts_with(p))
        || ["data", "event", "id", "retry"].contains(&line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames_for(chunks: &[&[u8]]) -> Vec<Frame> {
        let mut f = Framer::new();
        let mut out = Vec::new();
        for c in chunks {
            out.extend(f.feed(c));
        }
        out.extend(f.finish());
        out
    }

    fn payloads(v: &[&str]) -> Vec<Frame> {
        v.iter().map(|s| Frame::Payload(s.to_string())).collect()
    }

    #[test]
    fn ndjson_every_split_point() {
        let input =
            "\u{feff}{\"a\": 1}\r\n\r\n{\"b\": \"Caf\u{e9} \u{1F600}\"}\r{\"c\": 3}\n{\"d\": 4}";
        let want = payloads(&[
            "{\"a\": 1}",
            "{\"b\": \"Caf\u{e9} \u{1F600}\"}",
            "{\"c\": 3}",
            "{\"d\": 4}",
        ]);
        let bytes = input.as_bytes();
        assert_eq!(frames_for(&[bytes]), want);
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let got = frames_for(&[&bytes[..i], &bytes[i..j], &bytes[j..]]);
                assert_eq!(got, want, "split at {i},{j}");
            }
        }
    }

    #[test]
    fn sse_joins_data_and_stops_at_done() {
        let input = ": keep-alive\n\ndata: {\"x\": 1}\n\nevent: packet\ndata: {\"y\":\ndata:  2}\n\ndata: [DONE]\n\ndata: {\"late\": 1}\n\n";
        let want = vec![
            Frame::Payload("{\"x\": 1}".into()),
            Frame::Payload("{\"y\":\n 2}".into()),
            Frame::Done,
        ];
        let bytes = input.as_bytes();
        for i in 0..=bytes.len() {
            assert_eq!(
                frames_for(&[&bytes[..i], &bytes[i..]]),
                want,
                "split at {i}"
            );
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_stalled() {
        let got = frames_for(&[b"{\"a\": \"\xff\"}\n{\"b\": 1}\n"]);
        assert_eq!(got, payloads(&["{\"a\": \"\u{fffd}\"}", "{\"b\": 1}"]));
    }
}
