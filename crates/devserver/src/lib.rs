//! Sherpa's dev server: serves the built widget and the demo pages, and answers like the chat
//! backends Sherpa supports (Onyx packet v2, Onyx legacy `send-message`, the simple API and
//! Odyssey) from a small built-in help centre, with fault injection for tests.
//!
//! Start it in-process with [`serve`]; the binary is a thin wrapper around it.

pub mod answer;
pub mod bm25;
pub mod cli;
pub mod corpus;
pub mod faults;
pub mod json;
pub mod legacy;
pub mod odyssey;
pub mod onyx;
pub mod simple;
pub mod state;
pub mod statics;
pub mod testing;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::Request;
use axum::http::{HeaderName, Method};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::oneshot;
use tower::Layer;
use tower_http::cors::{Any, CorsLayer};

use crate::state::AppState;

/// What `POST /api/chat/send-message` streams.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Dialect {
    /// Legacy flat objects (Onyx ≤ v1.6, Hymalaia).
    #[default]
    Legacy,
    /// Packet v1 `{"ind", "obj"}` (Onyx v1.7 – v2.5).
    V1,
    /// Packet v2 `{"placement", "obj"}` (Onyx v2.6 – v2.x).
    V2,
}

impl Dialect {
    /// Parses `legacy`, `v1` or `v2`.
    pub fn parse(s: &str) -> Option<Dialect> {
        match s.trim().to_ascii_lowercase().as_str() {
            "legacy" | "flat" => Some(Dialect::Legacy),
            "v1" => Some(Dialect::V1),
            "v2" => Some(Dialect::V2),
            _ => None,
        }
    }
}

/// Server settings (the command-line flags).
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub bind: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// The built widget (`sherpa.js`, `sherpa_bg.wasm`, …), served under `/sherpa/`.
    pub dist: PathBuf,
    /// Repository root: `index.html` and `demo/`.
    pub root: PathBuf,
    /// Milliseconds between streamed lines.
    pub pace_ms: u64,
    pub exit_on_stdin_eof: bool,
    /// Serve `/api/_test/*` and record API requests (`--test-endpoints`).
    pub test_endpoints: bool,
    /// How long a request body may take to arrive (then 408 and the connection is closed).
    pub body_timeout: std::time::Duration,
    /// How long a request head may take to arrive (then the connection is closed).
    pub header_timeout: std::time::Duration,
    /// Default stream format of the legacy `send-message` endpoint.
    pub legacy_dialect: Dialect,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 8787,
            dist: PathBuf::from("dist"),
            root: PathBuf::from("."),
            pace_ms: 15,
            exit_on_stdin_eof: false,
            test_endpoints: false,
            body_timeout: std::time::Duration::from_secs(10),
            header_timeout: std::time::Duration::from_secs(10),
            legacy_dialect: Dialect::Legacy,
        }
    }
}

/// A running server.
pub struct Server {
    /// The address actually bound.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops accepting connections, lets open responses finish for up to a second, then
    /// drops whatever is still running.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(std::time::Duration::from_secs(1), &mut self.task)
            .await
            .is_err()
        {
            abort.abort();
        }
    }

    /// Waits until the server ends (it only ends after [`Server::shutdown`] or an error).
    pub async fn wait(self) {
        let _ = self.task.await;
    }
}

/// Binds and starts serving in the background.
pub async fn serve(config: Config) -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind((config.bind, config.port)).await?;
    let addr = listener.local_addr()?;
    let header_timeout = config.header_timeout;
    let state = Arc::new(AppState::new(config));
    let router = router(state.clone()).layer(cors());
    // The front middleware runs before routing, so it can strip a `/f/<spec>` prefix.
    let svc = axum::middleware::from_fn_with_state(state, testing::front).layer(router);
    let svc = tower::ServiceExt::map_request(svc, |req: Request<hyper::body::Incoming>| {
        req.map(axum::body::Body::new)
    });
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(accept_loop(listener, svc, rx, header_timeout));
    Ok(Server {
        addr,
        shutdown: Some(tx),
        task,
    })
}

/// Serves connections until `stop` fires, then asks open connections to finish (the caller
/// drops them after a grace period). HTTP/1 request heads must arrive within
/// `header_timeout`, or the connection is closed.
async fn accept_loop<S>(
    listener: tokio::net::TcpListener,
    svc: S,
    mut stop: oneshot::Receiver<()>,
    header_timeout: std::time::Duration,
) where
    S: tower::Service<Request<hyper::body::Incoming>, Response = axum::response::Response>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    let (close_tx, close_rx) = tokio::sync::watch::channel(());
    let mut conns = tokio::task::JoinSet::new();
    loop {
        let stream = tokio::select! {
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(_) => continue,
            },
        };
        let svc = hyper_util::service::TowerToHyperService::new(svc.clone());
        let mut close = close_rx.clone();
        conns.spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), svc);
            tokio::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = close.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
        });
        while conns.try_join_next().is_some() {}
    }
    drop(close_tx);
    while conns.join_next().await.is_some() {}
}

/// Allowed request headers (CORS).
pub const ALLOWED_HEADERS: &[&str] = &[
    "content-type",
    "authorization",
    "x-onyx-authorization",
    "x-api-key",
    "userid",
    "x-sherpa-fault",
    "x-sherpa-dialect",
];

fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::DELETE, Method::OPTIONS])
        .allow_headers(
            ALLOWED_HEADERS
                .iter()
                .map(|h| HeaderName::from_static(h))
                .collect::<Vec<_>>(),
        )
        .expose_headers([axum::http::header::RETRY_AFTER])
}

fn router(state: Arc<AppState>) -> Router {
    let router = Router::new()
        .route("/", get(statics::index))
        .route("/demo", get(statics::demo))
        .route("/demo/", get(statics::demo))
        .route("/demo/{*path}", get(statics::demo))
        .route("/sherpa/{*path}", get(statics::widget))
        .route("/favicon.ico", get(statics::favicon))
        .route(
            "/api/chat/create-chat-session",
            post(onyx::create_chat_session),
        )
        .route("/api/chat/send-chat-message", post(onyx::send_chat_message))
        .route("/api/chat/send-message", post(legacy::send_message))
        .route(
            "/api/chat/send-message-simple-api",
            post(simple::send_message_simple),
        )
        .route("/api/chat/message", post(odyssey::message))
        .route(
            "/api/chat/stop-chat-session/{id}",
            post(onyx::stop_chat_session),
        )
        .route(
            "/api/chat/create-chat-message-feedback",
            post(onyx::create_feedback),
        )
        .route("/api/persona/{id}", get(onyx::persona));
    let router = if state.config.test_endpoints {
        router
            .route(
                "/api/_test/requests",
                get(testing::requests).delete(testing::clear_requests),
            )
            .route("/api/_test/feedback", get(testing::feedback))
            .route("/api/_test/reset", post(testing::reset))
    } else {
        router
    };
    router.with_state(state)
}
