//! Fault injection and the paced body writer.
//!
//! A request picks its faults with the `x-sherpa-fault` header or a `/f/<spec>/api/...` path
//! prefix (moved into the header before routing). The spec is a comma-separated list of
//! `key=value` or bare `key` items; unknown items are ignored.

use std::io;
use std::time::Duration;

use axum::body::Body;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use tokio::sync::mpsc;

use crate::json::{obj, s, Dump, J};
use crate::state::AppState;

/// The faults (and pacing overrides) requested for one response.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Fault {
    /// Bytes per write.
    pub chunk: Option<usize>,
    /// Milliseconds between writes (overrides the pace).
    pub delay: Option<u64>,
    /// Milliseconds between stream lines (overrides `--pace-ms`).
    pub pace: Option<u64>,
    /// Abort the connection after this many body bytes.
    pub cut: Option<usize>,
    pub crash: bool,
    pub midstream_error: bool,
    pub tool_error: bool,
    pub rate_limit: bool,
    pub html_5xx: bool,
    pub html_200: bool,
    pub garbage: bool,
    pub stall: bool,
    pub heartbeat_ms: Option<u64>,
    pub utf8_split: bool,
    pub once: bool,
}

/// Header carrying the spec.
pub const FAULT_HEADER: &str = "x-sherpa-fault";

impl Fault {
    /// Parses a spec such as `chunk=7,delay=20,once`.
    pub fn parse(spec: &str) -> Fault {
        let mut f = Fault::default();
        for item in spec.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = match item.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim())),
                None => (item, None),
            };
            let num = || value.and_then(|v| v.parse::<u64>().ok());
            match key {
                "chunk" => f.chunk = num().map(|n| n.max(1) as usize),
                "delay" => f.delay = num(),
                "pace" => f.pace = num(),
                "cut" => f.cut = num().map(|n| n as usize),
                "crash" => f.crash = true,
                "midstream-error" => f.midstream_error = true,
                "tool-error" => f.tool_error = true,
                "rate-limit" => f.rate_limit = true,
                "html-5xx" => f.html_5xx = true,
                "html-200" => f.html_200 = true,
                "garbage" => f.garbage = true,
                "stall" => f.stall = true,
                "heartbeat-ms" => f.heartbeat_ms = num(),
                "utf8-split" => f.utf8_split = true,
                "once" => f.once = true,
                // `id=…` and anything unknown only make a spec distinct (useful with `once`).
                _ => {}
            }
        }
        f
    }

    /// The fault for a chat-message request, honouring `once`.
    pub fn for_request(state: &AppState, headers: &HeaderMap) -> Fault {
        let Some(spec) = headers.get(FAULT_HEADER).and_then(|v| v.to_str().ok()) else {
            return Fault::default();
        };
        let f = Fault::parse(spec);
        if f.once && !state.first_use_of(spec.trim()) {
            return Fault::default();
        }
        f
    }

    /// A response that replaces the whole answer (`rate-limit`, `html-5xx`, `html-200`), if
    /// one of those faults is set.
    pub fn http_failure(&self) -> Option<Response> {
        if self.rate_limit {
            let body = obj([
                ("scope", s("user")),
                ("reset_at", s("2026-08-22T12:00:00+00:00")),
                ("retry_after_seconds", J::from(120)),
                ("error_code", s("RATE_LIMITED")),
                (
                    "detail",
                    s("You've reached the usage budget for this period. Try again in 2 minutes."),
                ),
            ]);
            let mut r = json_response(StatusCode::TOO_MANY_REQUESTS, &body);
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("120"));
            return Some(r);
        }
        if self.html_5xx {
            return Some(html(StatusCode::BAD_GATEWAY, BAD_GATEWAY_PAGE));
        }
        if self.html_200 {
            return Some(html(StatusCode::OK, LOGIN_PAGE));
        }
        None
    }

    /// Whether the body must be written through a [`Sink`] instead of in one piece.
    pub fn shapes_bytes(&self) -> bool {
        self.chunk.is_some() || self.delay.is_some() || self.cut.is_some()
    }
}

const BAD_GATEWAY_PAGE: &str = "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n";

const LOGIN_PAGE: &str = "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sign in</title></head><body><main><h1>Sign in to continue</h1><form method=\"post\" action=\"/auth/login\"><label>Email <input name=\"email\" type=\"email\"></label><label>Password <input name=\"password\" type=\"password\"></label><button>Sign in</button></form></main></body></html>";

/// The top-level crash line Python emits when a stream generator raises (no newline).
pub const CRASH_LINE: &str = r#"{"error": "Connection reset by peer"}"#;

/// The HTML line a misbehaving proxy puts into a stream.
pub const GARBAGE_LINE: &str = "<html><body>502 Bad Gateway</body></html>\n";

/// A compact JSON response, as Starlette's `JSONResponse` writes it.
pub fn json_response(status: StatusCode, body: &J) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        body.compact(),
    )
        .into_response()
}

/// `{"detail": msg}` with a status.
pub fn detail(status: StatusCode, msg: &str) -> Response {
    json_response(status, &obj([("detail", s(msg))]))
}

fn html(status: StatusCode, page: &'static str) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        page,
    )
        .into_response()
}

/// The client went away, the cut was reached, or the stream must end for another reason.
#[derive(Debug)]
pub struct Gone;

type Chunk = Result<Bytes, io::Error>;

/// Writes a response body piece by piece, applying pacing, `chunk`, `delay` and `cut`.
pub struct Sink {
    tx: mpsc::Sender<Chunk>,
    fault: Fault,
    /// Pause between lines.
    pace: Duration,
    sent: usize,
    writes: usize,
}

impl Sink {
    /// A sink and the streaming body it feeds.
    pub fn new(fault: Fault, default_pace_ms: u64) -> (Sink, Body) {
        let (tx, rx) = mpsc::channel::<Chunk>(8);
        let body = Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        }));
        let pace = Duration::from_millis(fault.pace.unwrap_or(default_pace_ms));
        (
            Sink {
                tx,
                fault,
                pace,
                sent: 0,
                writes: 0,
            },
            body,
        )
    }

    /// Writes a line and its `\n`, pausing first for the pace.
    pub async fn line(&mut self, line: &str) -> Result<(), Gone> {
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        self.pause().await;
        self.bytes(&bytes).await
    }

    /// Writes bytes as they are (after the pace), e.g. the crash line without a newline.
    pub async fn raw(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        self.pause().await;
        self.bytes(bytes).await
    }

    /// Writes a line so that every multi-byte UTF-8 character is split between two writes.
    pub async fn line_split_utf8(&mut self, line: &str) -> Result<(), Gone> {
        self.pause().await;
        let bytes = format!("{line}\n").into_bytes();
        let mut start = 0;
        let gap = Duration::from_millis(self.fault.delay.unwrap_or(0).max(5));
        for (i, c) in line.char_indices() {
            if c.len_utf8() > 1 {
                let cut = i + 1 + (c.len_utf8() - 1) / 2;
                self.write(&bytes[start..cut]).await?;
                tokio::time::sleep(gap).await;
                start = cut;
            }
        }
        self.write(&bytes[start..]).await
    }

    /// Sleeps for the pace between lines (not before the first write).
    async fn pause(&mut self) {
        if self.writes > 0 && self.fault.delay.is_none() && !self.pace.is_zero() {
            tokio::time::sleep(self.pace).await;
        }
    }

    /// Sleeps `ms` milliseconds, or returns early with `Gone` if the client disconnects.
    pub async fn idle(&mut self, ms: u64) -> Result<(), Gone> {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(ms)) => Ok(()),
            _ = self.tx.closed() => Err(Gone),
        }
    }

    /// Writes bytes, cut into `chunk`-sized writes with `delay` between them.
    pub async fn bytes(&mut self, bytes: &[u8]) -> Result<(), Gone> {
        match self.fault.chunk {
            Some(n) => {
                for piece in bytes.chunks(n) {
                    self.write(piece).await?;
                }
                Ok(())
            }
            None => self.write(bytes).await,
        }
    }

    async fn write(&mut self, piece: &[u8]) -> Result<(), Gone> {
        if piece.is_empty() {
            return Ok(());
        }
        if self.writes > 0 {
            match self.fault.delay {
                Some(ms) if ms > 0 => tokio::time::sleep(Duration::from_millis(ms)).await,
                _ => tokio::task::yield_now().await,
            }
        }
        self.writes += 1;
        if let Some(cut) = self.fault.cut {
            let room = cut.saturating_sub(self.sent);
            if piece.len() >= room {
                if room > 0 {
                    let _ = self
                        .tx
                        .send(Ok(Bytes::copy_from_slice(&piece[..room])))
                        .await;
                }
                self.sent = cut;
                // Let the server write out what was queued before the connection goes.
                while self.tx.capacity() < self.tx.max_capacity() && !self.tx.is_closed() {
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
                // An error ends the body without the final chunk: the connection is dropped.
                let _ = self
                    .tx
                    .send(Err(io::Error::new(io::ErrorKind::ConnectionAborted, "cut")))
                    .await;
                return Err(Gone);
            }
        }
        self.sent += piece.len();
        self.tx
            .send(Ok(Bytes::copy_from_slice(piece)))
            .await
            .map_err(|_| Gone)
    }
}

/// The headers of an Onyx stream (`StreamingResponse(media_type="text/event-stream")`).
pub fn stream_response(body: Body) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream; charset=utf-8"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
        .into_response()
}

/// A JSON body (compact, or already rendered) sent whole, or through a [`Sink`] when the
/// fault shapes bytes.
pub fn json_body(status: StatusCode, text: String, fault: &Fault, pace_ms: u64) -> Response {
    if !fault.shapes_bytes() {
        return (status, [(header::CONTENT_TYPE, "application/json")], text).into_response();
    }
    let (mut sink, body) = Sink::new(fault.clone(), pace_ms);
    tokio::spawn(async move {
        let _ = sink.bytes(text.as_bytes()).await;
    });
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let f = Fault::parse("chunk=7, delay=20,cut=300,once,stall,heartbeat-ms=50,bogus");
        assert_eq!(f.chunk, Some(7));
        assert_eq!(f.delay, Some(20));
        assert_eq!(f.cut, Some(300));
        assert!(f.once && f.stall);
        assert_eq!(f.heartbeat_ms, Some(50));
        assert_eq!(Fault::parse(""), Fault::default());
    }
}
