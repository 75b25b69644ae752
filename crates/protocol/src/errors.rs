//! HTTP failures mapped to user-facing errors.

use crate::event::ChatError;

/// A response's status line and the headers that matter for errors.
#[derive(Clone, Debug, Default)]
pub struct ResponseMeta<'a> {
    pub status: u16,
    pub content_type: Option<&'a str>,
    pub retry_after: Option<&'a str>,
}

/// Checks a response before its body is decoded. `Some` means the body must not be decoded
/// as a chat stream: read it whole (bounded) and pass it to [`http_error`].
pub fn is_failure(meta: &ResponseMeta) -> bool {
    !(200..300).contains(&meta.status) || is_html(meta.content_type)
}

fn is_html(content_type: Option<&str>) -> bool {
    content_type.is_some_and(|c| c.to_ascii_lowercase().contains("text/html"))
}

/// Maps a failed response (see [`is_failure`]) and its body to an error.
pub fn http_error(meta: &ResponseMeta, body: &[u8]) -> ChatError {
    let status = meta.status;
    let detail = server_detail(body);
    let code = format!("http_{status}");
    let with = |base: &str| match &detail {
        Some(d) => format!("{base} The server said: {d}"),
        None => base.to_string(),
    };
    let mut err = match status {
        200..=299 => ChatError::fatal(
            "The chat server answered with a web page instead of a chat reply. \
             Check that data-api-base points at the API (for Onyx it ends in /api).",
            false,
        )
        .with_code("html_page"),
        401 => ChatError::fatal(
            with("The chat server did not accept the API key (401)."),
            false,
        )
        .with_code(code),
        403 => ChatError::fatal(
            with("This widget is not allowed to use the chat server (403)."),
            false,
        )
        .with_code(code),
        404 => ChatError::fatal(
            with(
                "The chat server has no such endpoint (404). Check data-api-base and data-backend.",
            ),
            false,
        )
        .with_code(code),
        422 => ChatError::fatal(with("The chat server rejected the request (422)."), false)
            .with_code(code),
        429 => ChatError::fatal(with("Too many requests; please wait a moment (429)."), true)
            .with_code(code),
        500..=599 => ChatError::fatal(
            with(&format!(
                "The chat server had a problem ({status}). Please try again."
            )),
            true,
        )
        .with_code(code),
        _ => ChatError::fatal(
            with(&format!(
                "The chat server answered with an error ({status})."
            )),
            false,
        )
        .with_code(code),
    };
    err.retry_after_seconds = meta
        .retry_after
        .and_then(|v| v.trim().parse().ok())
        .or_else(|| retry_after_from_body(body));
    err
}

/// The human-readable part of a JSON error body, if there is one.
pub fn server_detail(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    let text = match v.get("detail") {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|i| {
                let msg = i.get("msg")?.as_str()?;
                let loc: Vec<String> = i
                    .get("loc")
                    .and_then(|l| l.as_array())
                    .map(|l| {
                        l.iter()
                            .map(|p| p.as_str().map_or_else(|| p.to_string(), str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                Some(if loc.is_empty() {
                    msg.to_string()
                } else {
                    format!("{} ({})", msg, loc.join("."))
                })
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => match (v.get("error"), v.get("message")) {
            (Some(serde_json::Value::String(s)), _) => s.clone(),
            (Some(e), _) => e.get("message")?.as_str()?.to_string(),
            (None, Some(serde_json::Value::String(s))) => s.clone(),
            _ => return None,
        },
    };
    let text = text.trim();
    (!text.is_empty()).then(|| text.chars().take(300).collect())
}

fn retry_after_from_body(body: &[u8]) -> Option<u64> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("retry_after_seconds")?.as_u64()
}

/// The error reported when the transport itself failed (network down, CORS refused, …).
pub fn network_error(detail: &str) -> ChatError {
    let mut e = ChatError::fatal(
        "Could not reach the chat server. Check your connection and try again.",
        true,
    )
    .with_code("network");
    if !detail.is_empty() {
        e.message.push_str(&format!(" ({detail})"));
    }
    e
}
