//! Static files: the demo page, the demo directory and the built widget.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::state::AppState;

/// `GET /` → `<root>/index.html`.
pub async fn index(State(state): State<Arc<AppState>>) -> Response {
    serve_file(&state.config.root.join("index.html")).await
}

/// `GET /demo/{*path}` → `<root>/demo/<path>` (a directory serves its `index.html`).
pub async fn demo(State(state): State<Arc<AppState>>, path: Option<UrlPath<String>>) -> Response {
    let rel = path.map(|p| p.0).unwrap_or_default();
    serve_under(&state.config.root.join("demo"), &rel).await
}

/// `GET /sherpa/{*path}` → `<dist>/<path>`.
pub async fn widget(State(state): State<Arc<AppState>>, UrlPath(rel): UrlPath<String>) -> Response {
    serve_under(&state.config.dist, &rel).await
}

/// `GET /favicon.ico` → 204.
pub async fn favicon() -> StatusCode {
    StatusCode::NO_CONTENT
}

async fn serve_under(base: &Path, rel: &str) -> Response {
    let mut path = PathBuf::from(base);
    for part in Path::new(rel).components() {
        match part {
            Component::Normal(p) => path.push(p),
            Component::CurDir => {}
            _ => return not_found(),
        }
    }
    if tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_dir()) {
        path.push("index.html");
    }
    serve_file(&path).await
}

async fn serve_file(path: &Path) -> Response {
    match tokio::fs::read(path).await {
        Ok(bytes) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, content_type(path)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => not_found(),
    }
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found",
    )
        .into_response()
}

/// The content type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" | "htm" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "json" | "map" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}
