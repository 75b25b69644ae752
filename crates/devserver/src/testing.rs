//! The front middleware (fault prefix, request recording) and the test-only endpoints under
//! `/api/_test/`.

use std::sync::Arc;

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use crate::faults::FAULT_HEADER;
use crate::state::AppState;

/// Headers kept when a request is recorded.
pub const RECORDED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "x-onyx-authorization",
    "x-api-key",
    "userid",
    "x-sherpa-fault",
    "x-sherpa-dialect",
    "origin",
    "cookie",
];

/// Recorded headers that carry credentials: only their presence (and an `Authorization`
/// scheme) is recorded, never the value.
const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "x-onyx-authorization",
    "x-api-key",
    "cookie",
];

/// What is recorded for a header value: secrets become `"<scheme> [redacted]"` (for
/// authorization headers with a scheme) or `"[redacted]"`.
pub fn recorded_value(name: &str, value: &str) -> String {
    if !SECRET_HEADERS.contains(&name) {
        return value.to_string();
    }
    match value.trim().split_once(' ') {
        Some((scheme, _)) if name.ends_with("authorization") => format!("{scheme} [redacted]"),
        _ => "[redacted]".to_string(),
    }
}

/// Largest request body recorded and passed on (bigger bodies get 413 before anything is
/// recorded). The same as axum's default `Json` limit, so every recorded body is one the
/// handlers accept.
pub const MAX_BODY: usize = 2 * 1024 * 1024;

/// Runs before routing: turns `/f/<spec>/rest` into `/rest` with `x-sherpa-fault: <spec>`, and
/// reads every request body within `Config::body_timeout` (408 and the connection closed
/// otherwise), and records API requests (except `/api/_test/…` and preflights) with their
/// bodies when the test endpoints are on (`--test-endpoints`).
pub async fn front(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    if let Some(rest) = req.uri().path().strip_prefix("/f/") {
        let (spec, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let spec = percent_decode(spec);
        let path_and_query = match req.uri().query() {
            Some(q) => format!("/{tail}?{q}"),
            None => format!("/{tail}"),
        };
        if let Ok(uri) = path_and_query.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
        let combined = match req
            .headers()
            .get(FAULT_HEADER)
            .and_then(|v| v.to_str().ok())
        {
            Some(existing) if !existing.is_empty() => format!("{spec},{existing}"),
            _ => spec,
        };
        if let Ok(v) = HeaderValue::from_str(&combined) {
            req.headers_mut().insert(FAULT_HEADER, v);
        }
    }
    let path = req.uri().path().to_string();
    let record = state.config.test_endpoints
        && path.starts_with("/api/")
        && !path.starts_with("/api/_test/")
        && req.method() != Method::OPTIONS;
    let (parts, body) = req.into_parts();
    let read = tokio::time::timeout(state.config.body_timeout, to_bytes(body, MAX_BODY));
    let bytes = match read.await {
        Ok(Ok(bytes)) => bytes,
        Ok(Err(_)) => {
            return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response()
        }
        Err(_) => {
            let close = [(header::CONNECTION, "close")];
            return (StatusCode::REQUEST_TIMEOUT, close, "request body timed out").into_response();
        }
    };
    if !record {
        return next
            .run(Request::from_parts(parts, Body::from(bytes)))
            .await;
    }
    let headers: serde_json::Map<String, Value> = RECORDED_HEADERS
        .iter()
        .filter_map(|h| {
            let v = parts.headers.get(*h)?.to_str().ok()?;
            Some((h.to_string(), Value::String(recorded_value(h, v))))
        })
        .collect();
    let body_json = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    state.record_request(json!({
        "method": parts.method.as_str(),
        "path": path,
        "query": parts.uri.query(),
        "headers": headers,
        "body": body_json,
    }));
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `GET /api/_test/requests`: every recorded API request, oldest first.
pub async fn requests(State(state): State<Arc<AppState>>) -> Json<Vec<Value>> {
    Json(state.requests())
}

/// `DELETE /api/_test/requests`: forgets recorded requests.
pub async fn clear_requests(State(state): State<Arc<AppState>>) -> StatusCode {
    state.clear_requests();
    StatusCode::NO_CONTENT
}

/// `GET /api/_test/feedback`: stored feedback bodies.
pub async fn feedback(State(state): State<Arc<AppState>>) -> Json<Vec<Value>> {
    Json(state.feedback())
}

/// `POST /api/_test/reset`: forgets requests, feedback and `once` faults already served.
pub async fn reset(State(state): State<Arc<AppState>>) -> StatusCode {
    state.reset();
    StatusCode::NO_CONTENT
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn secrets_are_not_recorded() {
        use super::recorded_value as r;
        assert_eq!(r("authorization", "Bearer on_key"), "Bearer [redacted]");
        assert_eq!(r("x-onyx-authorization", "Bearer k"), "Bearer [redacted]");
        assert_eq!(r("authorization", "on_key"), "[redacted]");
        assert_eq!(r("x-api-key", "od_live_key"), "[redacted]");
        assert_eq!(r("cookie", "fastapiusersauth=abc"), "[redacted]");
        assert_eq!(r("userid", "user-7"), "user-7");
    }

    #[test]
    fn decodes() {
        assert_eq!(percent_decode("cut%3D300%2Conce"), "cut=300,once");
        assert_eq!(percent_decode("a%2"), "a%2");
    }
}
