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
/// Onyx document packets can run to several megabytes; this leaves ample room.
pub const MAX_LINE: usize = 32 * 1024 * 1024;

/// One unit of a framed stream.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Frame {
    /// A payload, normally one JSON text.
    Payload(String),
    /// The SSE `[DONE]` sentinel (also accepted as a bare NDJSON line). Nothing after it is read.
    Done,
    /// A line longer than [`MAX_LINE`] was dropped.
    Oversized,
}

/// Splits bytes into lines on `\n`, `\r\n` or a lone `\r`, whatever the chunking.
///
/// Work per chunk is proportional to the chunk: only the new bytes are scanned for line ends.
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
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Line> {
        let mut out = Vec::new();
        if chunk.is_empty() {
            // An empty read carries nothing, not even the end of a pending `\r\n`.
            return out;
        }
        let mut rest = chunk;
        if std::mem::take(&mut self.after_cr) {
            if let Some(tail) = rest.strip_prefix(b"\n") {
                rest = tail;
            }
        }
        while let Some(pos) = rest.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (line, tail) = rest.split_at(pos);
            self.push(line);
            out.push(self.take());
            let Some((&eol, tail)) = tail.split_first() else {
                rest = tail;
                break;
            };
            rest = tail;
            if eol == b'\r' {
                if let Some(after_lf) = rest.strip_prefix(b"\n") {
                    rest = after_lf;
                } else if rest.is_empty() {
                    self.after_cr = true;
                }
            }
        }
        self.push(rest);
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
        if self.overflow || bytes.is_empty() {
            return;
        }
        if self.buf.len().saturating_add(bytes.len()) > MAX_LINE {
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
            // Invalid UTF-8 is replaced rather than dropped, so a bad byte cannot stall a line.
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

/// NDJSON or SSE, detected from the first line that looks like either.
///
/// * A first line that is an SSE field (`data:`, `event:`, `id:`, `retry:`, `:comment`)
///   selects SSE; a line that starts like JSON (`{` or `[`) selects NDJSON. Lines before the
///   decision that look like neither (a proxy's HTML) are passed on as payloads, so the decoder
///   can count them as unreadable.
/// * In SSE mode a line that starts with `{` is taken as a payload of its own: servers that mix
///   the framings lose nothing.
#[derive(Debug, Default)]
pub struct Framer {
    lines: LineSplitter,
    mode: Mode,
    /// The first line was seen (a BOM is only stripped from it).
    started: bool,
    /// SSE: `data:` values of the event being read.
    data: Vec<String>,
    done: bool,
}

impl Framer {
    /// A framer that detects the framing from the content.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds a chunk and returns the frames it completes.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Frame> {
        let mut out = Vec::new();
        if self.done {
            return out;
        }
        for line in self.lines.feed(chunk) {
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
        if self.mode == Mode::Sse && !self.done {
            // Lenient: an event cut off by EOF (no blank line) is still delivered.
            self.dispatch(&mut out);
        }
        out
    }

    fn line(&mut self, line: Line, out: &mut Vec<Frame>) {
        if self.done {
            return;
        }
        let text = match line {
            Line::Text(t) => t,
            Line::Oversized => {
                out.push(Frame::Oversized);
                return;
            }
        };
        let mut text = text.as_str();
        if !std::mem::replace(&mut self.started, true) {
            text = text.strip_prefix('\u{feff}').unwrap_or(text);
        }
        if self.mode == Mode::Unknown {
            let t = text.trim();
            if t.is_empty() {
                return;
            }
            if is_sse_line(text) {
                self.mode = Mode::Sse;
            } else if t.starts_with('{') || t.starts_with('[') {
                self.mode = Mode::Ndjson;
            } else {
                out.push(Frame::Payload(t.to_string()));
                return;
            }
        }
        match self.mode {
            Mode::Sse => self.sse_line(text, out),
            _ => self.payload(text.trim(), out),
        }
    }

    fn payload(&mut self, text: &str, out: &mut Vec<Frame>) {
        if text.is_empty() {
            return;
        }
        if text == "[DONE]" {
            self.done = true;
            out.push(Frame::Done);
        } else {
            out.push(Frame::Payload(text.to_string()));
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
        if line.trim_start().starts_with('{') {
            self.dispatch(out);
            self.payload(line.trim(), out);
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
        let trimmed = payload.trim();
        if trimmed == "[DONE]" {
            self.done = true;
            out.push(Frame::Done);
        } else if !trimmed.is_empty() {
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
    fn garbage_before_detection_is_passed_on_and_json_decides() {
        let got = frames_for(&[b"<html>\n{\"a\": 1}\n[DONE]\n{\"late\": 1}\n"]);
        assert_eq!(
            got,
            vec![
                Frame::Payload("<html>".into()),
                Frame::Payload("{\"a\": 1}".into()),
                Frame::Done,
            ]
        );
    }

    #[test]
    fn sse_tolerates_bare_json_lines_and_odd_fields() {
        let input = "retry: 1000\nid: 7\ndata:{\"a\":\ndata\ndata: 1}\n{\"b\": 2}\nunknown: x\n\n";
        let got = frames_for(&[input.as_bytes()]);
        assert_eq!(
            got,
            vec![
                Frame::Payload("{\"a\":\n\n1}".into()),
                Frame::Payload("{\"b\": 2}".into()),
            ]
        );
        // An event cut off by EOF is still delivered.
        assert_eq!(
            frames_for(&[b"data: {\"x\": 1}"]),
            payloads(&["{\"x\": 1}"])
        );
    }

    #[test]
    fn bom_and_cr_split_across_chunks() {
        let want = payloads(&["{\"a\": 1}", "{\"b\": 2}"]);
        assert_eq!(
            frames_for(&[b"\xEF", b"\xBB", b"\xBF{\"a\": 1}\r", b"\n{\"b\": 2}\r"]),
            want
        );
        assert_eq!(frames_for(&[b"{\"a\": 1}\r", b"\r", b"\n{\"b\": 2}"]), want);
        // A BOM anywhere but the start is not stripped (it is data).
        let got = frames_for(&[b"{\"a\": 1}\n\xEF\xBB\xBFx\n"]);
        assert_eq!(got.len(), 2);
    }

    #[test]
    fn oversized_line_is_reported_and_the_next_line_still_read() {
        let mut f = Framer::new();
        let mut out = f.feed(b"{\"a\": ");
        let block = vec![b'x'; 1 << 20];
        for _ in 0..=(MAX_LINE >> 20) {
            out.extend(f.feed(&block));
        }
        out.extend(f.feed(b"}\n{\"b\": 2}\n"));
        out.extend(f.finish());
        assert_eq!(
            out,
            vec![Frame::Oversized, Frame::Payload("{\"b\": 2}".into())]
        );
    }

    /// Issue 18 item 5: an empty chunk right after a `\r` must not end a second line.
    #[test]
    fn empty_chunk_after_cr_adds_no_blank_line() {
        let chunks: [&[u8]; 3] = [
            b"data: {\"obj\":{\"type\":\"message_delta\",\r",
            b"",
            b"\ndata: \"content\":\"hi\"}}\n\ndata: [DONE]\n\n",
        ];
        let want = vec![
            Frame::Payload("{\"obj\":{\"type\":\"message_delta\",\n\"content\":\"hi\"}}".into()),
            Frame::Done,
        ];
        assert_eq!(frames_for(&[&chunks.concat()]), want);
        assert_eq!(frames_for(&chunks), want);
    }

    /// Empty chunks anywhere, any number of them, change nothing.
    #[test]
    fn empty_chunks_at_every_position() {
        let input = "data: {\"a\":\r\ndata: 1}\r\r{\"b\": 2}\r\n\r\ndata: [DONE]\r";
        let bytes = input.as_bytes();
        let want = frames_for(&[bytes]);
        assert_eq!(want.len(), 3, "{want:?}");
        for i in 0..=bytes.len() {
            for j in i..=bytes.len() {
                let got = frames_for(&[
                    b"",
                    &bytes[..i],
                    b"",
                    b"",
                    &bytes[i..j],
                    b"",
                    &bytes[j..],
                    b"",
                ]);
                assert_eq!(got, want, "split at {i},{j}");
            }
        }
    }

    #[test]
    fn invalid_utf8_is_replaced_not_stalled() {
        let got = frames_for(&[b"{\"a\": \"\xff\"}\n{\"b\": 1}\n"]);
        assert_eq!(got, payloads(&["{\"a\": \"\u{fffd}\"}", "{\"b\": 1}"]));
    }
}
