//! The upstream call: the secret added, the body streamed back as it arrives, message and
//! session ids noted as they pass; dropping the response body drops the upstream request.

use std::net::IpAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::Value;

use crate::config::Backend;
use crate::limits::StreamSlot;
use crate::Gate;

/// The reqwest client with the configured timeouts.
pub fn client(cfg: &crate::config::Config) -> reqwest::Client {
    reqwest::Client::builder()
        .connect_timeout(cfg.connect_timeout)
        .read_timeout(cfg.idle_timeout)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("the HTTP client builds")
}

/// What a response may own: a visitor's stream slot, kept until the body ends.
pub struct Call {
    pub method: reqwest::Method,
    pub path: String,
    pub body: Option<Value>,
    pub visitor: IpAddr,
    pub slot: Option<StreamSlot>,
}

/// Calls the upstream and streams its answer back.
pub async fn forward(gate: Arc<Gate>, call: Call) -> Response {
    let url = format!("{}/{}", gate.cfg.upstream, call.path);
    let mut req = gate.http.request(call.method, url);
    req = auth(&gate, req, call.visitor);
    if let Some(b) = &call.body {
        req = req
            .header("content-type", "application/json")
            .body(b.to_string());
    }
    let started = Instant::now();
    let resp = match req.send().await {
        Ok(r) => r,
        Err(e) => {
            let status = if e.is_timeout() {
                StatusCode::GATEWAY_TIMEOUT
            } else {
                StatusCode::BAD_GATEWAY
            };
            gate.metrics
                .upstream(status.as_u16(), started.elapsed().as_micros() as u64);
            crate::log("upstream_error", &[("error", &e.without_url().to_string())]);
            return crate::detail(status, "The chat server could not be reached.");
        }
    };
    gate.metrics
        .upstream(resp.status().as_u16(), started.elapsed().as_micros() as u64);
    respond(gate, resp, call.slot)
}

fn auth(gate: &Gate, req: reqwest::RequestBuilder, visitor: IpAddr) -> reqwest::RequestBuilder {
    let key = &gate.cfg.api_key;
    match gate.cfg.backend {
        Backend::Odyssey => {
            let user = gate
                .cfg
                .user_id
                .clone()
                .unwrap_or_else(|| gate.pseudonym(visitor));
            req.header("x-api-key", key).header("userid", user)
        }
        _ => req.bearer_auth(key),
    }
}

fn respond(gate: Arc<Gate>, resp: reqwest::Response, slot: Option<StreamSlot>) -> Response {
    let status = StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
    let ctype = resp
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let retry = resp
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let guard = Open::new(gate.clone(), slot);
    let mut scan = crate::ids::Scanner::default();
    // An id is recorded before the chunk that carries it goes on: the visitor may name the
    // session or message in its next request as soon as it reads it.
    let stream = resp.bytes_stream().then(move |chunk| {
        let ids = chunk.as_ref().map(|c| scan.feed(c)).unwrap_or_default();
        let gate = guard.gate.clone();
        async move {
            for id in ids {
                gate.own(id).await;
            }
            chunk
        }
    });
    let mut out = Response::new(Body::from_stream(stream));
    *out.status_mut() = status;
    let h = out.headers_mut();
    if let Some(v) = ctype.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Some(v) = retry.and_then(|c| HeaderValue::from_str(&c).ok()) {
        h.insert(header::RETRY_AFTER, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-accel-buffering", HeaderValue::from_static("no"));
    out
}

/// Lives as long as the response body: counts the open stream, records ids.
struct Open {
    gate: Arc<Gate>,
    _slot: Option<StreamSlot>,
}

impl Open {
    fn new(gate: Arc<Gate>, slot: Option<StreamSlot>) -> Open {
        gate.metrics.open_streams.fetch_add(1, Ordering::Relaxed);
        Open { gate, _slot: slot }
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.gate
            .metrics
            .open_streams
            .fetch_sub(1, Ordering::Relaxed);
    }
}
