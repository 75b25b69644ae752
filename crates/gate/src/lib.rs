//! sherpa-gate: the server a public site runs in front of Onyx or Odyssey so that no key is
//! in the page. It serves only the paths the widget calls for the configured backend, pins
//! the owner's scope into every request, limits visitors, and streams answers through.
//!
//! Start it in-process with [`serve`]; the binary is a thin wrapper around it.

pub mod config;
pub mod filter;
pub mod ids;
pub mod limits;
pub mod metrics;
pub mod proxy;
pub mod routes;
pub mod store;

use std::hash::{Hash, Hasher};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::oneshot;

use crate::config::Config;
use crate::ids::Id;
use crate::metrics::Metrics;
use crate::store::Store;

/// The running gate's shared parts.
pub struct Gate {
    pub cfg: Config,
    pub store: Store,
    pub http: reqwest::Client,
    pub metrics: Metrics,
}

impl Gate {
    /// A pseudonymous, stable Odyssey userId for a visitor address (keyed by the secret, so
    /// it reveals nothing and is the same on every replica).
    pub fn pseudonym(&self, ip: IpAddr) -> String {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        self.cfg.api_key.hash(&mut h);
        ip.hash(&mut h);
        format!("visitor-{:016x}", h.finish())
    }

    /// Remembers an id this gate streamed.
    pub async fn own(&self, id: Id) {
        let _ = self
            .store
            .mark(&self.owned_key(&id), self.cfg.ownership_ttl)
            .await;
    }

    /// Whether this gate (or a replica) streamed the id.
    pub async fn owns(&self, id: &Id) -> bool {
        self.store.has(&self.owned_key(id)).await.unwrap_or(false)
    }

    fn owned_key(&self, id: &Id) -> String {
        match id {
            Id::Message(n) => format!("{}msg:{n}", self.cfg.redis_prefix),
            Id::Session(s) => format!("{}session:{s}", self.cfg.redis_prefix),
        }
    }
}

/// One JSON log line on stderr. Never given question or answer text, nor the key.
pub fn log(event: &str, fields: &[(&str, &str)]) {
    let mut m = serde_json::Map::new();
    m.insert("event".into(), event.into());
    for (k, v) in fields {
        m.insert((*k).into(), (*v).into());
    }
    eprintln!("{}", serde_json::Value::Object(m));
}

/// A `{"detail": msg}` error, the shape the widget reads.
pub fn detail(status: StatusCode, msg: &str) -> Response {
    let mut r = (status, axum::Json(serde_json::json!({ "detail": msg }))).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

/// A running gate.
pub struct Server {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Stops accepting, lets open streams finish within the configured grace, then ends.
    pub async fn shutdown(mut self, grace: std::time::Duration) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, &mut self.task).await.is_err() {
            abort.abort();
        }
    }
}

/// Binds and serves in the background.
pub async fn serve(cfg: Config) -> std::io::Result<Server> {
    let listener = tokio::net::TcpListener::bind(cfg.listen).await?;
    let addr = listener.local_addr()?;
    let store = match &cfg.redis {
        Some(url) => Store::redis(url).await.map_err(std::io::Error::other)?,
        None => Store::memory(),
    };
    let gate = Arc::new(Gate {
        http: proxy::client(&cfg),
        store,
        metrics: Metrics::default(),
        cfg,
    });
    let app = routes::router(gate).into_make_service_with_connect_info::<SocketAddr>();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        let stop = async move {
            let _ = rx.await;
        };
        if let Err(e) = axum::serve(listener, app)
            .with_graceful_shutdown(stop)
            .await
        {
            log("serve_error", &[("error", &e.to_string())]);
        }
    });
    Ok(Server {
        addr,
        shutdown: Some(tx),
        task,
    })
}
