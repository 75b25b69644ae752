//! Transport: `fetch` with a streaming body reader and an `AbortController`.
//! Nothing else in the widget touches `web_sys::Request`.

use js_sys::{Reflect, Uint8Array};
use sherpa_protocol::errors::{self, ResponseMeta};
use sherpa_protocol::{ChatError, HttpRequest};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortSignal, Headers, ReadableStreamDefaultReader, RequestCredentials, RequestInit, RequestMode,
};

/// The most bytes read from an error body.
const ERROR_BODY_LIMIT: usize = 64 * 1024;

/// Why reading stopped early.
#[derive(Debug)]
pub enum Failure {
    /// The request was aborted (the user pressed stop, or asked something new).
    Aborted,
    /// Anything else, ready to show.
    Error(ChatError),
}

impl From<ChatError> for Failure {
    fn from(e: ChatError) -> Self {
        Failure::Error(e)
    }
}

/// An open response whose body is read chunk by chunk.
pub struct Response {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    reader: Option<ReadableStreamDefaultReader>,
}

fn js_detail(e: &JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_default()
}

fn is_abort(e: &JsValue, signal: &AbortSignal) -> bool {
    signal.aborted()
        || e.dyn_ref::<web_sys::DomException>()
            .is_some_and(|d| d.name() == "AbortError")
}

/// Sends a request. Fails with [`Failure::Aborted`] when `signal` fires.
pub async fn send(
    req: &HttpRequest,
    signal: &AbortSignal,
    include_credentials: bool,
) -> Result<Response, Failure> {
    let init = RequestInit::new();
    init.set_method(req.method);
    init.set_mode(RequestMode::Cors);
    init.set_credentials(if include_credentials {
        RequestCredentials::Include
    } else {
        RequestCredentials::Omit
    });
    let headers = Headers::new().map_err(|e| errors::network_error(&js_detail(&e)))?;
    for (k, v) in &req.headers {
        headers
            .set(k, v)
            .map_err(|e| errors::network_error(&js_detail(&e)))?;
    }
    init.set_headers(&headers);
    if let Some(body) = &req.body {
        init.set_body(&JsValue::from_str(body));
    }
    init.set_signal(Some(signal));
    let window = web_sys::window().ok_or_else(|| errors::network_error("no window"))?;
    let resp = JsFuture::from(window.fetch_with_str_and_init(&req.url, &init))
        .await
        .map_err(|e| {
            if is_abort(&e, signal) {
                Failure::Aborted
            } else {
                Failure::Error(errors::network_error(&js_detail(&e)))
            }
        })?;
    let resp: web_sys::Response = resp.unchecked_into();
    let h = resp.headers();
    let reader = resp.body().map(|b| {
        b.get_reader()
            .unchecked_into::<ReadableStreamDefaultReader>()
    });
    Ok(Response {
        status: resp.status(),
        content_type: h.get("content-type").ok().flatten(),
        retry_after: h.get("retry-after").ok().flatten(),
        reader,
    })
}

impl Response {
    /// Status and headers for the protocol crate's error mapping.
    pub fn meta(&self) -> ResponseMeta<'_> {
        ResponseMeta {
            status: self.status,
            content_type: self.content_type.as_deref(),
            retry_after: self.retry_after.as_deref(),
        }
    }

    /// The next chunk of the body, or `None` at its end.
    pub async fn chunk(&self, signal: &AbortSignal) -> Result<Option<Vec<u8>>, Failure> {
        self.chunk_within(signal, None).await
    }

    /// Like [`Response::chunk`], but fails when nothing arrives for `idle_ms` milliseconds
    /// (a stalled stream: heartbeats count as something).
    pub async fn chunk_within(
        &self,
        signal: &AbortSignal,
        idle_ms: Option<u32>,
    ) -> Result<Option<Vec<u8>>, Failure> {
        let Some(reader) = &self.reader else {
            return Ok(None);
        };
        let mut timer = None;
        let read = match idle_ms {
            None => reader.read(),
            Some(ms) => {
                let timeout = js_sys::Promise::new(&mut |resolve, _| {
                    timer = web_sys::window().and_then(|w| {
                        w.set_timeout_with_callback_and_timeout_and_arguments_0(
                            &resolve,
                            ms.min(i32::MAX as u32) as i32,
                        )
                        .ok()
                    });
                });
                js_sys::Promise::race(&js_sys::Array::of2(&reader.read(), &timeout))
            }
        };
        let result = JsFuture::from(read).await;
        if let (Some(id), Some(w)) = (timer, web_sys::window()) {
            w.clear_timeout_with_handle(id);
        }
        let result = result.map_err(|e| {
            if is_abort(&e, signal) {
                Failure::Aborted
            } else {
                Failure::Error(errors::network_error(&js_detail(&e)))
            }
        })?;
        if result.is_undefined() {
            // The timer won the race: the reader is cancelled (so is any read in flight).
            self.cancel();
            return Err(Failure::Error(errors::stalled_error(
                idle_ms.unwrap_or(0) / 1000,
            )));
        }
        let done = Reflect::get(&result, &JsValue::from_str("done"))
            .ok()
            .and_then(|d| d.as_bool())
            .unwrap_or(true);
        if done {
            return Ok(None);
        }
        let value = Reflect::get(&result, &JsValue::from_str("value")).unwrap_or(JsValue::NULL);
        Ok(Some(
            value
                .dyn_into::<Uint8Array>()
                .map(|a| a.to_vec())
                .unwrap_or_default(),
        ))
    }

    /// The whole body, up to `limit` bytes (used for session replies and error bodies).
    pub async fn bytes(&self, signal: &AbortSignal, limit: usize) -> Result<Vec<u8>, Failure> {
        let mut out = Vec::new();
        while let Some(c) = self.chunk(signal).await? {
            out.extend_from_slice(&c);
            if out.len() >= limit {
                out.truncate(limit);
                self.cancel();
                break;
            }
        }
        Ok(out)
    }

    /// Turns a failed response into its error (reading a bounded part of the body).
    pub async fn into_error(self, signal: &AbortSignal) -> Failure {
        match self.bytes(signal, ERROR_BODY_LIMIT).await {
            Ok(body) => Failure::Error(errors::http_error(&self.meta(), &body)),
            Err(f) => f,
        }
    }

    /// Stops reading and releases the connection.
    pub fn cancel(&self) {
        if let Some(r) = &self.reader {
            let _ = r.cancel();
        }
    }
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: milliseconds, sub-millisecond resolution.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// How long a turn may decode before it gives the main thread back to the browser (ms).
/// Well under the 50 ms that counts as a long task, since rendering what was decoded
/// follows in the same task.
const BUDGET_MS: f64 = 8.0;

/// Keeps a reading loop from holding the main thread: [`Pace::breathe`] yields to the event
/// loop once the loop has been busy for [`BUDGET_MS`] since it last waited or yielded. A
/// body that arrives faster than it is decoded (a hostile server, a large buffered reply)
/// resolves read after read without a pause, all in one task, unless something yields.
pub struct Pace {
    since: f64,
}

impl Pace {
    /// A pace whose busy time starts now.
    pub fn start() -> Self {
        Pace {
            since: performance_now(),
        }
    }

    /// The loop waited (for the network): its busy time starts again.
    pub fn waited(&mut self) {
        self.since = performance_now();
    }

    /// Whether the loop has been busy for the budget.
    pub fn spent(&self) -> bool {
        performance_now() - self.since >= BUDGET_MS
    }

    /// Yields to the event loop if the loop has been busy for the budget.
    pub async fn breathe(&mut self) {
        if self.spent() {
            self.yield_now().await;
        }
    }

    /// Yields to the event loop: a zero-delay timer, so input, rendering and other tasks
    /// run first (and what the loop changed is rendered in the task it leaves).
    pub async fn yield_now(&mut self) {
        let next_task = js_sys::Promise::new(&mut |resolve, _| {
            let timer = web_sys::window().and_then(|w| {
                w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0)
                    .ok()
            });
            if timer.is_none() {
                let _ = resolve.call0(&JsValue::NULL);
            }
        });
        let _ = JsFuture::from(next_task).await;
        self.since = performance_now();
    }
}

/// Reads `resp`'s next chunk like [`Response::chunk_within`], telling `pace` when the read
/// had to wait for the network.
pub async fn paced_chunk(
    resp: &Response,
    signal: &AbortSignal,
    idle_ms: Option<u32>,
    pace: &mut Pace,
) -> Result<Option<Vec<u8>>, Failure> {
    let start = performance_now();
    let chunk = resp.chunk_within(signal, idle_ms).await;
    if performance_now() - start > 1.0 {
        pace.waited();
    }
    chunk
}

/// Fires a request and ignores its outcome (stop and feedback calls).
pub async fn fire(req: &HttpRequest, include_credentials: bool) -> Result<u16, ChatError> {
    let ctrl =
        web_sys::AbortController::new().map_err(|e| errors::network_error(&js_detail(&e)))?;
    match send(req, &ctrl.signal(), include_credentials).await {
        Ok(r) => {
            r.cancel();
            Ok(r.status)
        }
        Err(Failure::Error(e)) => Err(e),
        Err(Failure::Aborted) => Err(errors::network_error("aborted")),
    }
}
