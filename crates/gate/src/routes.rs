//! The paths the widget calls for the configured backend (everything else is 404), the
//! origin check and CORS, and one handler per endpoint.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{ConnectInfo, DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, MethodRouter};
use axum::Router;
use serde_json::Value;

use crate::config::Backend;
use crate::ids::Id;
use crate::limits::{self, Refusal};
use crate::proxy::{self, Call};
use crate::{detail, filter, Gate};

type G = State<Arc<Gate>>;

/// The whole router.
pub fn router(gate: Arc<Gate>) -> Router {
    let b = gate.cfg.backend;
    let mut api = Router::new();
    let onyx_family = b != Backend::Odyssey;
    if onyx_family {
        api = api
            .route(
                "/chat/create-chat-session",
                with_preflight(post(create_session)),
            )
            .route(
                "/chat/create-chat-message-feedback",
                with_preflight(post(feedback)),
            )
            .route("/persona/{id}", with_preflight(get(persona)));
    }
    if matches!(b, Backend::Onyx | Backend::OnyxLegacy) {
        api = api.route("/chat/stop-chat-session/{id}", with_preflight(post(stop)));
    }
    let message_path = match b {
        Backend::Onyx => "/chat/send-chat-message",
        Backend::OnyxLegacy => "/chat/send-message",
        Backend::OnyxSimple => "/chat/send-message-simple-api",
        Backend::Odyssey => "/chat/message",
    };
    api = api.route(message_path, with_preflight(post(message)));
    let api = api
        .route_layer(axum::middleware::from_fn_with_state(gate.clone(), origin))
        .layer(DefaultBodyLimit::max(gate.cfg.max_body_bytes));
    Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/metrics", get(metrics))
        .nest("/api", api)
        .fallback(|| async { detail(StatusCode::NOT_FOUND, "Not found.") })
        .with_state(gate)
}

fn with_preflight(m: MethodRouter<Arc<Gate>>) -> MethodRouter<Arc<Gate>> {
    m.options(|| async { StatusCode::NO_CONTENT })
}

async fn metrics(State(g): G) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        g.metrics.render(),
    )
}

/// Only allowed origins get through, and only they get CORS headers.
async fn origin(State(g): G, req: Request, next: Next) -> Response {
    let route = req.uri().path().to_string();
    g.metrics.request(&route);
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let allowed = origin.filter(|o| g.cfg.allow_origins.iter().any(|a| a == o));
    let Some(origin) = allowed else {
        g.metrics.refusal("origin");
        crate::log("refused", &[("reason", "origin"), ("path", &route)]);
        return detail(
            StatusCode::FORBIDDEN,
            "This page's origin may not use this chat.",
        );
    };
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("origin"));
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("retry-after"),
    );
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, userid"),
        );
        h.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
    }
    resp
}

fn refuse(g: &Gate, r: Refusal) -> Response {
    g.metrics.refusal(r.reason);
    crate::log("refused", &[("reason", r.reason)]);
    let mut resp = detail(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many questions right now.",
    );
    resp.headers_mut()
        .insert(header::RETRY_AFTER, r.retry_after.into());
    resp
}

fn bad(g: &Gate, reason: &'static str, msg: &str) -> Response {
    g.metrics.refusal(reason);
    detail(StatusCode::BAD_REQUEST, msg)
}

fn json_body(body: &Bytes) -> Option<Value> {
    serde_json::from_slice(body).ok()
}

async fn message(
    State(g): G,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(v) = json_body(&body) else {
        return bad(&g, "bad_json", "The body is not JSON.");
    };
    let out = match filter::message(&g.cfg, &v) {
        Ok(o) => o,
        Err(msg) => return bad(&g, "field", &msg),
    };
    if let Some(s) = out.get("chat_session_id").and_then(Value::as_str) {
        if !g.owns(&Id::Session(s.to_string())).await {
            g.metrics.refusal("not_owned");
            return detail(StatusCode::FORBIDDEN, "Unknown chat session.");
        }
    }
    let ip = limits::visitor(peer, &headers, &g.cfg.trusted_proxies);
    if let Err(r) = limits::question(&g, ip).await {
        return refuse(&g, r);
    }
    let slot = match limits::stream_slot(&g, ip).await {
        Ok(s) => s,
        Err(r) => return refuse(&g, r),
    };
    let path = message_upstream_path(g.cfg.backend);
    let call = Call {
        method: reqwest::Method::POST,
        path: path.into(),
        body: Some(out),
        visitor: ip,
        slot: Some(slot),
    };
    proxy::forward(g, call).await
}

fn message_upstream_path(b: Backend) -> &'static str {
    match b {
        Backend::Onyx => "chat/send-chat-message",
        Backend::OnyxLegacy => "chat/send-message",
        Backend::OnyxSimple => "chat/send-message-simple-api",
        Backend::Odyssey => "chat/message",
    }
}

async fn create_session(
    State(g): G,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !body.is_empty() && json_body(&body).is_none() {
        return bad(&g, "bad_json", "The body is not JSON.");
    }
    let ip = limits::visitor(peer, &headers, &g.cfg.trusted_proxies);
    let body = Some(filter::create_session(&g.cfg));
    let call = Call {
        method: reqwest::Method::POST,
        path: "chat/create-chat-session".into(),
        body,
        visitor: ip,
        slot: None,
    };
    proxy::forward(g, call).await
}

async fn stop(
    State(g): G,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<String>,
) -> Response {
    if !g.owns(&Id::Session(id.clone())).await {
        g.metrics.refusal("not_owned");
        return detail(StatusCode::FORBIDDEN, "Unknown chat session.");
    }
    let path = format!("chat/stop-chat-session/{id}");
    let call = Call {
        method: reqwest::Method::POST,
        path,
        body: None,
        visitor: peer.ip(),
        slot: None,
    };
    proxy::forward(g, call).await
}

async fn feedback(
    State(g): G,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    body: Bytes,
) -> Response {
    let Some(v) = json_body(&body) else {
        return bad(&g, "bad_json", "The body is not JSON.");
    };
    let (id, out) = match filter::feedback(&v) {
        Ok(x) => x,
        Err(msg) => return bad(&g, "field", &msg),
    };
    if !g.owns(&Id::Message(id)).await {
        g.metrics.refusal("not_owned");
        return detail(StatusCode::FORBIDDEN, "Unknown message.");
    }
    let path = "chat/create-chat-message-feedback".into();
    let call = Call {
        method: reqwest::Method::POST,
        path,
        body: Some(out),
        visitor: peer.ip(),
        slot: None,
    };
    proxy::forward(g, call).await
}

async fn persona(
    State(g): G,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(id): Path<i64>,
) -> Response {
    if id != g.cfg.persona.unwrap_or(0) {
        return detail(StatusCode::NOT_FOUND, "Not found.");
    }
    let call = Call {
        method: reqwest::Method::GET,
        path: format!("persona/{id}"),
        body: None,
        visitor: peer.ip(),
        slot: None,
    };
    proxy::forward(g, call).await
}
