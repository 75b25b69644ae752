//! Finds message and session ids in a passing NDJSON (or single JSON) body, however it is
//! chunked: complete lines are parsed; a line longer than the cap is skipped.

use serde_json::Value;

const MAX_LINE: usize = 1 << 20;

/// An id worth remembering.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Id {
    Message(i64),
    Session(String),
}

/// The line buffer.
#[derive(Default)]
pub struct Scanner {
    line: Vec<u8>,
    skipping: bool,
}

impl Scanner {
    /// Feeds a chunk; returns the ids in the lines it completed.
    pub fn feed(&mut self, chunk: &[u8]) -> Vec<Id> {
        let mut out = Vec::new();
        for part in chunk.split_inclusive(|b| *b == b'\n') {
            let done = part.ends_with(b"\n");
            if !self.skipping {
                self.line.extend_from_slice(part);
                if self.line.len() > MAX_LINE {
                    self.line.clear();
                    self.skipping = true;
                }
            }
            if done {
                if !self.skipping {
                    ids_in_line(&self.line, &mut out);
                }
                self.line.clear();
                self.skipping = false;
            }
        }
        // A single-JSON body (simple API, Odyssey, create-chat-session) has no newline.
        if !self.line.is_empty() && serde_json::from_slice::<Value>(&self.line).is_ok() {
            ids_in_line(&self.line, &mut out);
            self.line.clear();
        }
        out
    }
}

fn ids_in_line(line: &[u8], out: &mut Vec<Id>) {
    let text = std::str::from_utf8(line)
        .unwrap_or("")
        .trim()
        .trim_start_matches("data:");
    if let Ok(v) = serde_json::from_str::<Value>(text.trim()) {
        walk(&v, out, 0);
    }
}

fn walk(v: &Value, out: &mut Vec<Id>, depth: usize) {
    let Value::Object(m) = v else { return };
    if depth > 4 {
        return;
    }
    for (k, v) in m {
        if k.ends_with("message_id") {
            if let Some(n) = v.as_i64() {
                out.push(Id::Message(n));
            }
        } else if k == "chat_session_id" {
            if let Some(s) = v.as_str() {
                out.push(Id::Session(s.to_string()));
            }
        } else if v.is_object() {
            walk(v, out, depth + 1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_ids_at_every_split() {
        let body = b"{\"user_message_id\":3,\"reserved_assistant_message_id\":4}\n{\"obj\":{\"type\":\"message_delta\",\"content\":\"hi\"}}\n{\"chat_session_id\":\"abc\"}";
        let mut whole = Scanner::default().feed(body);
        whole.sort();
        assert_eq!(
            whole,
            vec![Id::Message(3), Id::Message(4), Id::Session("abc".into())]
        );
        for i in 0..body.len() {
            let mut s = Scanner::default();
            let mut got = s.feed(&body[..i]);
            got.extend(s.feed(&body[i..]));
            got.sort();
            assert_eq!(got, whole, "split at {i}");
        }
    }
}
