//! HTTP failures mapped to user-facing errors.
//!
//! Every message says what happened in plain words and what to do about it; when the server
//! gave a readable reason (FastAPI `detail` as text or a 422 list, Onyx's
//! `{"error_code", "detail"}`, Odyssey's `{"error"}`, `{"error": {"message"}}` or
//! `{"message"}`), it is appended as "The server said: …". HTML bodies are never quoted.
//! The `code` is `http_<status>` (or `html_page` for a web page at 200); `retryable` is true
//! for rate limits, timeouts and server-side failures.

use crate::event::ChatError;
use crate::json::{self, Value};

/// A response's status line and the headers that matter for errors.
#[derive(Clone, Debug, Default)]
pub struct ResponseMeta<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub retry_after: Option<&'a str>,
}

/// The message for a web page where a chat reply was expected (wrong base URL, or a sign-in
/// page served instead of the API).
pub const HTML_PAGE_MESSAGE: &str = "The chat server answered with a web page instead of a chat \
     reply. Check that data-api-base points at the chat API (for Onyx it ends in /api) and that \
     the API key is valid.";

/// Longest server-supplied text quoted in a message (characters).
const MAX_DETAIL: usize = 300;

/// Checks a response before its body is decoded. `true` means the body must not be decoded
/// as a chat reply: read it whole (bounded) and pass it to [`http_error`].
pub fn is_failure(meta: &ResponseMeta) -> bool {
    !(200..300).contains(&meta.status) || is_html(meta.content_type)
}

fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| {
        let c = c.to_ascii_lowercase();
        c.contains("text/html") || c.contains("application/xhtml")
    })
}

/// Maps a failed response (see [`is_failure`]) and its body to an error.
pub fn http_error(meta: &ResponseMeta, body: &[u8]) -> ChatError {
    let status = meta.status;
    let json = json::parse_bytes(crate::adapters::trim_body(body)).ok();
    let detail = json.as_ref().and_then(detail_of);
    let html = is_html(meta.content_type)
        || crate::adapters::looks_like_html(&String::from_utf8_lossy(
            body.get(..body.len().min(64)).unwrap_or_default(),
        ));
    let retry_after = meta
        .retry_after
        .and_then(|v| v.trim().parse::<u64>().ok())
        .or_else(|| {
            json.as_ref()?
                .get("retry_after_seconds")?
                .as_number()?
                .ceil_u64()
        });

    let (base, retryable, code): (String, bool, String) = match status {
        200..=299 => {
            let msg = if html {
                HTML_PAGE_MESSAGE.to_string()
            } else {
                "The chat server's reply could not be used. Check that data-backend matches \
                 the server."
                    .to_string()
            };
            (msg, false, "html_page".into())
        }
        400 => (
            "The chat server rejected the request (400). Check the widget's settings \
             (data-api-base, data-backend and the ids it sends)."
                .into(),
            false,
            http(status),
        ),
        401 => (
            "The chat server did not accept the credentials (401). Check data-api-key, or sign \
             in to the chat server if the widget uses your session."
                .into(),
            false,
            http(status),
        ),
        403 => (
            "The chat server refused access (403). The API key may be wrong or lack permission \
             for this assistant; Odyssey also needs data-user-id."
                .into(),
            false,
            http(status),
        ),
        404 => (
            "The chat server could not find what the widget asked for (404). Check \
             data-api-base (for Onyx it ends in /api), data-backend (older Onyx servers need \
             \"onyx-legacy\") and the configured ids."
                .into(),
            false,
            http(status),
        ),
        405 => (
            "The chat server does not accept this request (405). Check data-api-base and \
             data-backend."
                .into(),
            false,
            http(status),
        ),
        408 | 504 => (
            format!("The chat server took too long to answer ({status}). Please try again."),
            true,
            http(status),
        ),
        413 => (
            "The message is too long for the chat server (413). Please shorten it.".into(),
            false,
            http(status),
        ),
        422 => (
            "The chat server rejected the request as invalid (422). This usually means \
             data-backend does not match the server's version."
                .into(),
            false,
            http(status),
        ),
        // The wait, when the server gave one, is in `retry_after_seconds`: the widget counts
        // it down beside Retry, so the message does not state it too.
        429 => (
            match retry_after {
                Some(_) => "The chat server is getting too many requests (429).".into(),
                None => "The chat server is getting too many requests (429). Please wait a \
                         moment and try again."
                    .into(),
            },
            true,
            http(status),
        ),
        500..=599 => (
            format!(
                "The chat server is having a problem ({status}{}). Please try again in a moment.",
                reason_phrase(status)
                    .map(|r| format!(" {r}"))
                    .unwrap_or_default()
            ),
            true,
            http(status),
        ),
        _ => (
            format!("The chat server answered with an error ({status})."),
            !(400..500).contains(&status),
            http(status),
        ),
    };
    let message = match detail {
        Some(d) if !html => format!("{base} The server said: {d}"),
        _ => base,
    };
    ChatError {
        message,
        fatal: true,
        retryable,
        code: Some(code),
        retry_after_seconds: retry_after,
    }
}

fn http(status: u16) -> String {
    format!("http_{status}")
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

/// The human-readable part of a parsed JSON error body, if there is one.
pub(crate) fn detail_of(v: &Value) -> Option<String> {
    let text = match v.get("detail") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(items)) => {
            // FastAPI's 422 list: "msg (loc.path); msg (loc.path)".
            let mut text = String::new();
            let mut first = true;
            for item in items {
                let Some(msg) = item.get("msg").and_then(Value::as_str) else {
                    continue;
                };
                if !std::mem::take(&mut first) {
                    text.push_str("; ");
                }
                text.push_str(msg);
                let loc = item
                    .get("loc")
                    .and_then(Value::as_array)
                    .unwrap_or_default();
                for (n, part) in loc.iter().enumerate() {
                    text.push_str(if n == 0 { " (" } else { "." });
                    match part.as_str() {
                        Some(s) => text.push_str(s),
                        None => text.push_str(&part.stringify()),
                    }
                }
                if !loc.is_empty() {
                    text.push(')');
                }
            }
            text
        }
        Some(d @ Value::Object(_)) => d.get("message").and_then(Value::as_str)?.to_string(),
        _ => match (v.get("error"), v.get("message"), v.get("error_msg")) {
            (Some(Value::String(s)), _, _) => s.clone(),
            (Some(e @ Value::Object(_)), _, _) => {
                e.get("message").and_then(Value::as_str)?.to_string()
            }
            // Onyx's own 422 handler: `{"status_code": 422, "message": <Python's text of
            // the validation error, stack included>}`; only its `msg (loc)` parts are shown.
            (_, Some(Value::String(s)), _) if v.get("status_code").is_some() => {
                python_validation_summary(s).unwrap_or_else(|| without_stack(s).to_string())
            }
            (_, Some(Value::String(s)), _) => s.clone(),
            (_, _, Some(Value::String(s))) => s.clone(),
            _ => return None,
        },
    };
    let text = clean_detail(&text);
    (!text.is_empty()).then_some(text)
}

/// "msg (loc.path); …" from the text pydantic gives a validation error in Python's own
/// notation, e.g. `1 validation error: {'type': 'missing', 'loc': ('body', 'message'),
/// 'msg': 'Field required', …}`; `None` when the text has no `'msg'` part.
fn python_validation_summary(text: &str) -> Option<String> {
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("'msg': ") {
        let before = &rest[..at];
        let (msg, after) = python_string(&rest[at + "'msg': ".len()..])?;
        let loc = before
            .rfind("'loc': (")
            .and_then(|l| python_tuple(&before[l + "'loc': (".len()..]));
        parts.push(match loc {
            Some(loc) if !loc.is_empty() => format!("{msg} ({loc})"),
            _ => msg,
        });
        rest = after;
    }
    (!parts.is_empty()).then(|| parts.join("; "))
}

/// A Python string literal at the start of `s` (either quote, backslash escapes kept as
/// the escaped character) and what follows it.
fn python_string(s: &str) -> Option<(String, &str)> {
    let quote = s.chars().next().filter(|q| *q == '\'' || *q == '"')?;
    let mut out = String::new();
    let mut chars = s[1..].char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => out.extend(chars.next().map(|(_, e)| e)),
            c if c == quote => return Some((out, &s[1 + i + 1..])),
            c => out.push(c),
        }
    }
    None
}

/// The items of a Python tuple of strings and numbers, joined with dots: `'body', 'x', 0`
/// → `body.x.0`.
fn python_tuple(s: &str) -> Option<String> {
    let inner = &s[..s.find(')')?];
    let items: Vec<&str> = inner
        .split(',')
        .map(|i| i.trim().trim_matches(|c| c == '\'' || c == '"'))
        .filter(|i| !i.is_empty())
        .collect();
    Some(items.join("."))
}

/// Text before a Python stack trace (`  File "…", line …`).
fn without_stack(text: &str) -> &str {
    text.find("  File \"").map_or(text, |at| &text[..at]).trim()
}

/// Whether a stream error says the conversation's server session is gone (Onyx: an unknown
/// or deleted `chat_session_id`, a `VALIDATION_ERROR` line at HTTP 200). The widget then
/// starts a new session and asks the same question once more.
pub fn is_session_gone(e: &ChatError) -> bool {
    e.code.as_deref() == Some("VALIDATION_ERROR")
        && e.message
            .to_ascii_lowercase()
            .contains("invalid chat session id")
}

/// Server text made safe to show in one line: control characters and runs of whitespace
/// become single spaces, and it is cut to a readable length.
pub fn clean_detail(text: &str) -> String {
    let mut out = String::new();
    let mut count = 0;
    for word in text.split(|c: char| c.is_whitespace() || c.is_control()) {
        if word.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
            count += 1;
        }
        for c in word.chars() {
            if count >= MAX_DETAIL {
                // Never a space before the ellipsis: at most MAX_DETAIL characters plus it.
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push('…');
                return out;
            }
            out.push(c);
            count += 1;
        }
    }
    out
}

/// The error reported when the transport itself failed (network down, CORS refused, …).
/// What a visitor reads when an answer stopped before its end marker.
pub const INTERRUPTED_MESSAGE: &str =
    "The answer was interrupted before it finished. Please try again.";

/// A connection that broke while a 200 reply was streaming: the server was reached, so this
/// is an interrupted answer, not "could not reach the server". Other errors (a stalled
/// stream, an error packet) stay as they are.
pub fn broken_stream(e: ChatError) -> ChatError {
    if e.code.as_deref() == Some("network") {
        ChatError::fatal(INTERRUPTED_MESSAGE, true).with_code("interrupted")
    } else {
        e
    }
}

pub fn network_error(detail: &str) -> ChatError {
    let mut e = ChatError::fatal(
        "Could not reach the chat server. Check your connection and try again. If this keeps \
         happening, the server may not allow this site (CORS) or data-api-base may be wrong.",
        true,
    )
    .with_code("network");
    let detail = clean_detail(detail);
    if !detail.is_empty() {
        e.message.push_str(&format!(" ({detail})"));
    }
    e
}

/// The error reported when a stream goes silent (no bytes, not even heartbeats) for
/// `seconds`.
pub fn stalled_error(seconds: u32) -> ChatError {
    ChatError::fatal(
        format!(
            "The chat server stopped responding (nothing for {seconds} seconds). Please try again."
        ),
        true,
    )
    .with_code("stalled")
}

/// The error reported when a turn outlives its overall deadline (`seconds`), however busy
/// the stream still is (a server that only sends heartbeats never finishes).
pub fn turn_timeout_error(seconds: u32) -> ChatError {
    ChatError::fatal(
        format!(
            "The answer took too long (over {seconds} seconds) and was stopped. Please try again."
        ),
        true,
    )
    .with_code("turn-timeout")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn onyx_422(message: &str) -> ChatError {
        let message = Value::String(message.into()).stringify();
        let body = format!(r#"{{"status_code":422,"message":{message},"data":null}}"#);
        let meta = ResponseMeta {
            status: 422,
            content_type: Some("application/json"),
            retry_after: None,
        };
        http_error(&meta, body.as_bytes())
    }

    #[test]
    fn onyx_422_shows_the_validation_parts_not_pythons_text() {
        let missing = "1 validation error: {'type': 'missing', 'loc': ('body', 'message'), \
             'msg': 'Field required', 'input': {'x': 1}}  File \"/app/onyx/x.py\", line 20, \
             in send   POST /chat/send-chat-message";
        let e = onyx_422(missing);
        assert!(
            e.message
                .ends_with("The server said: Field required (body.message)"),
            "{}",
            e.message
        );
        let both = "1 validation error: {'type': 'value_error', 'loc': ('body',), 'msg': \
             \"Value error, Only one of chat_session_id or chat_session_info should be \
             provided, not both.\", 'input': {}}";
        let e = onyx_422(both);
        assert!(
            e.message.ends_with(
                "The server said: Value error, Only one of chat_session_id or chat_session_info \
             should be provided, not both. (body)"
            ),
            "{}",
            e.message
        );
        let two = "2 validation errors: {'loc': ('body', 'a'), 'msg': 'A bad'} {'loc': \
             ('body', 'b', 0), 'msg': 'B\\'s bad'}";
        assert!(onyx_422(two)
            .message
            .ends_with("The server said: A bad (body.a); B's bad (body.b.0)"));
        let plain = onyx_422("Something else  File \"/app/x.py\", line 3");
        assert!(plain.message.ends_with("The server said: Something else"));
        assert_eq!(plain.code.as_deref(), Some("http_422"));
    }

    #[test]
    fn a_gone_session_is_told_apart_from_other_validation_errors() {
        let gone = ChatError::fatal(
            "The server reported an error while answering: Invalid Chat Session ID provided",
            true,
        )
        .with_code("VALIDATION_ERROR");
        assert!(is_session_gone(&gone));
        let mainline = ChatError::fatal(
            "The new message sent is not on the latest mainline of messages",
            true,
        )
        .with_code("VALIDATION_ERROR");
        assert!(!is_session_gone(&mainline));
        let other_code = ChatError::fatal("Invalid Chat Session ID provided", true);
        assert!(!is_session_gone(&other_code));
    }

    #[test]
    fn a_broken_stream_after_a_200_is_interrupted_not_unreachable() {
        let e = broken_stream(network_error("TypeError: network error"));
        assert_eq!(e.code.as_deref(), Some("interrupted"));
        assert_eq!(e.message, INTERRUPTED_MESSAGE);
        assert!(e.retryable && e.fatal);
        let stalled = broken_stream(stalled_error(45));
        assert_eq!(stalled.code.as_deref(), Some("stalled"));
    }

    /// Issue 18 item 6: at most 300 characters plus the ellipsis, however the words fall
    /// (a space at the cut must not count past the cap); characters, not bytes.
    #[test]
    fn clean_detail_never_exceeds_the_cap_at_a_word_boundary() {
        for first in [1, 150, 298, 299, 300, 301] {
            for c in ['a', 'é', '😀'] {
                let word: String = std::iter::repeat_n(c, first).collect();
                let text = format!("{word} {word} bbb");
                let got = clean_detail(&text);
                let n = got.chars().count();
                assert!(n <= MAX_DETAIL + 1, "{first} {c:?}: {n} chars");
                let cut = text.chars().count() > MAX_DETAIL;
                assert_eq!(
                    got.ends_with('…'),
                    cut,
                    "{first} {c:?}: a cut shows an ellipsis"
                );
                assert!(
                    !got.ends_with(" …"),
                    "{first} {c:?}: no space before the ellipsis"
                );
            }
        }
        let exact: String = std::iter::repeat_n('é', MAX_DETAIL).collect();
        assert_eq!(clean_detail(&exact), exact, "exactly the cap is not cut");
    }

    #[test]
    fn clean_detail_flattens_and_cuts() {
        assert_eq!(clean_detail(" a\n\tb \u{7}c "), "a b c");
        let long = "x".repeat(1000);
        assert_eq!(clean_detail(&long).chars().count(), MAX_DETAIL + 1);
    }
}
