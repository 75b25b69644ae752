//! Test helpers: start the server in-process and talk raw HTTP/1.1 to it, keeping the exact
//! body bytes and the chunk boundaries of chunked responses.

#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use sherpa_devserver::{Config, Server};
use sherpa_protocol::backend::{Adapter, BackendKind, BackendOptions, Conversation, HttpRequest};
use sherpa_protocol::event::{coalesce, ChatEvent};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// A server on 127.0.0.1 with a free port, pace 0, and temporary `root`/`dist` directories.
pub async fn start() -> Server {
    start_with(|_| {}).await
}

/// Like [`start`], with a chance to change the config.
pub async fn start_with(change: impl FnOnce(&mut Config)) -> Server {
    let dir = fixture_dir();
    let mut config = Config {
        port: 0,
        pace_ms: 0,
        test_endpoints: true,
        root: dir.join("root"),
        dist: dir.join("dist"),
        ..Config::default()
    };
    change(&mut config);
    sherpa_devserver::serve(config)
        .await
        .expect("server starts")
}

/// Writes small `root` and `dist` trees once per test binary.
fn fixture_dir() -> PathBuf {
    static DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    DIR.get_or_init(|| {
        let dir =
            std::env::temp_dir().join(format!("sherpa-devserver-test-{}", std::process::id()));
        let write = |rel: &str, text: &str| {
            let p = dir.join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        };
        write("root/index.html", "<!doctype html><title>index</title>");
        write(
            "root/demo/index.html",
            "<!doctype html><title>demos</title>",
        );
        write(
            "root/demo/onyx.html",
            "<!doctype html><title>onyx demo</title>",
        );
        write("dist/sherpa.js", "console.log('sherpa')");
        write("dist/sherpa_bg.wasm", "\0asm");
        write("dist/style.css", "body{}");
        write("dist/snippets/x/inline0.js", "export {}");
        write("secret.txt", "do not serve");
        dir
    })
    .clone()
}

/// A response as read from the socket.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The decoded body (chunked framing removed).
    pub body: Vec<u8>,
    /// The data of each chunk, for chunked responses.
    pub chunks: Vec<Vec<u8>>,
    /// False when the connection ended before the body was complete.
    pub complete: bool,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> String {
        String::from_utf8(self.body.clone()).expect("utf-8 body")
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    /// Body lines without their `\n` (a last line without newline included).
    pub fn lines(&self) -> Vec<String> {
        let text = String::from_utf8_lossy(&self.body).into_owned();
        let mut lines: Vec<String> = text.split('\n').map(str::to_string).collect();
        if lines.last().is_some_and(|l| l.is_empty()) {
            lines.pop();
        }
        lines
    }

    /// Lines parsed as JSON (panics on a non-JSON line).
    pub fn json_lines(&self) -> Vec<serde_json::Value> {
        self.lines()
            .iter()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
            .collect()
    }

    /// `obj.type` of every packet line, in order ("-" for lines without one).
    pub fn packet_types(&self) -> Vec<String> {
        self.json_lines()
            .iter()
            .map(|v| v["obj"]["type"].as_str().unwrap_or("-").to_string())
            .collect()
    }
}

/// An open response whose body is read chunk by chunk.
pub struct Stream {
    reader: BufReader<TcpStream>,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    chunked: bool,
    remaining: Option<usize>,
    done: bool,
    broken: bool,
}

impl Stream {
    /// The next piece of body data; `Ok(None)` at the proper end, `Err` when the connection
    /// broke before the end.
    pub async fn next_chunk(&mut self) -> Result<Option<Vec<u8>>, String> {
        if self.done {
            return Ok(None);
        }
        if self.broken {
            self.done = true;
            return Err("connection broke".into());
        }
        if self.chunked {
            let line = read_line(&mut self.reader)
                .await
                .ok_or("eof in chunk size")?;
            let size = usize::from_str_radix(line.trim(), 16)
                .map_err(|_| format!("bad chunk size {line:?}"))?;
            if size == 0 {
                let _ = read_line(&mut self.reader).await;
                self.done = true;
                return Ok(None);
            }
            let mut data = vec![0u8; size];
            self.reader
                .read_exact(&mut data)
                .await
                .map_err(|e| e.to_string())?;
            let mut crlf = [0u8; 2];
            self.reader
                .read_exact(&mut crlf)
                .await
                .map_err(|e| e.to_string())?;
            Ok(Some(data))
        } else {
            let mut buf = vec![0u8; 64 * 1024];
            let want = self.remaining.unwrap_or(buf.len()).min(buf.len());
            if want == 0 {
                self.done = true;
                return Ok(None);
            }
            let n = self
                .reader
                .read(&mut buf[..want])
                .await
                .map_err(|e| e.to_string())?;
            if n == 0 {
                self.done = true;
                return match self.remaining {
                    Some(r) if r > 0 => Err("eof before content-length".into()),
                    _ => Ok(None),
                };
            }
            if let Some(r) = self.remaining.as_mut() {
                *r -= n;
            }
            buf.truncate(n);
            Ok(Some(buf))
        }
    }

    /// Reads the rest of the body.
    pub async fn finish(mut self) -> Resp {
        let mut body = Vec::new();
        let mut chunks = Vec::new();
        let complete = loop {
            match tokio::time::timeout(Duration::from_secs(10), self.next_chunk()).await {
                Ok(Ok(Some(c))) => {
                    body.extend_from_slice(&c);
                    chunks.push(c);
                }
                Ok(Ok(None)) => break true,
                Ok(Err(_)) => break false,
                Err(_) => panic!("response body timed out"),
            }
        };
        Resp {
            status: self.status,
            headers: self.headers,
            body,
            chunks,
            complete,
        }
    }

    /// Reads until the body so far contains `needle`; returns everything read.
    pub async fn read_until(&mut self, needle: &str) -> Vec<u8> {
        let mut got = Vec::new();
        while !String::from_utf8_lossy(&got).contains(needle) {
            let chunk = tokio::time::timeout(Duration::from_secs(10), self.next_chunk())
                .await
                .expect("timed out waiting for data")
                .expect("connection broke")
                .unwrap_or_else(|| panic!("body ended before {needle:?}"));
            got.extend_from_slice(&chunk);
        }
        got
    }
}

async fn read_line(r: &mut BufReader<TcpStream>) -> Option<String> {
    use tokio::io::AsyncBufReadExt;
    let mut line = String::new();
    match r.read_line(&mut line).await {
        Ok(0) | Err(_) => None,
        Ok(_) => Some(line.trim_end_matches(['\r', '\n']).to_string()),
    }
}

/// Sends a request and returns the open response after its head.
pub async fn open(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Stream {
    let mut sock = TcpStream::connect(addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if let Some(b) = body {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
        {
            req.push_str("Content-Type: application/json\r\n");
        }
        req.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    req.push_str("\r\n");
    if let Some(b) = body {
        req.push_str(b);
    }
    sock.write_all(req.as_bytes()).await.expect("write request");
    let mut reader = BufReader::new(sock);
    let status_line = tokio::time::timeout(Duration::from_secs(10), read_line(&mut reader))
        .await
        .expect("timed out waiting for response head")
        .expect("no status line");
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    let mut headers = Vec::new();
    loop {
        let line = read_line(&mut reader).await.expect("header line");
        if line.is_empty() {
            break;
        }
        let (k, v) = line.split_once(':').expect("header colon");
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_string()));
    }
    let find = |n: &str| headers.iter().find(|(k, _)| k == n).map(|(_, v)| v.clone());
    let chunked = find("transfer-encoding").is_some_and(|v| v.contains("chunked"));
    let remaining = find("content-length").and_then(|v| v.parse().ok());
    let done = method == "HEAD" || status == 204 || status == 304;
    Stream {
        reader,
        status,
        headers,
        chunked,
        remaining,
        done,
        broken: false,
    }
}

/// Sends a request and reads the whole response.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> Resp {
    open(addr, method, path, headers, body).await.finish().await
}

/// POSTs a JSON body.
pub async fn post(addr: SocketAddr, path: &str, body: &str) -> Resp {
    request(addr, "POST", path, &[], Some(body)).await
}

/// GETs a path.
pub async fn get(addr: SocketAddr, path: &str) -> Resp {
    request(addr, "GET", path, &[], None).await
}

/// Sends an adapter-built request; `extra` headers are added (e.g. a fault).
pub async fn send(addr: SocketAddr, req: &HttpRequest, extra: &[(&str, &str)]) -> Resp {
    let path = path_of(&req.url);
    let mut headers: Vec<(&str, &str)> = req
        .headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    headers.extend_from_slice(extra);
    request(addr, req.method, &path, &headers, req.body.as_deref()).await
}

/// The path and query of an absolute URL.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    match rest.find('/') {
        Some(i) => rest[i..].to_string(),
        None => "/".to_string(),
    }
}

/// Options for an adapter pointed at the server.
pub fn opts(addr: SocketAddr) -> BackendOptions {
    BackendOptions {
        api_base: format!("http://{addr}/api"),
        include_citations: true,
        ..BackendOptions::default()
    }
}

/// Decodes a body with the backend's own decoder, feeding the bytes in the chunks they
/// arrived in, and coalesces text.
pub fn decode(kind: BackendKind, resp: &Resp) -> Vec<ChatEvent> {
    let adapter = kind.adapter();
    let mut dec = adapter.decoder(resp.header("content-type"));
    let mut events = Vec::new();
    if resp.chunks.is_empty() {
        events.extend(dec.feed(&resp.body));
    } else {
        for c in &resp.chunks {
            events.extend(dec.feed(c));
        }
    }
    events.extend(dec.finish());
    coalesce(events)
}

/// All answer text in decoded events.
pub fn text_of(events: &[ChatEvent]) -> String {
    events
        .iter()
        .filter_map(|e| match e {
            ChatEvent::TextDelta(t) => Some(t.as_str()),
            _ => None,
        })
        .collect()
}

/// Runs one full turn the way the widget would: session request if needed, then the
/// message; returns the message response.
pub async fn widget_turn(
    addr: SocketAddr,
    kind: BackendKind,
    opts: &BackendOptions,
    conv: &mut Conversation,
    message: &str,
    extra: &[(&str, &str)],
) -> Resp {
    let adapter: Box<dyn Adapter> = kind.adapter();
    if conv.session_id.is_none() {
        if adapter.needs_client_conversation_id() {
            conv.session_id = Some(sherpa_protocol::backend::new_conversation_id([7; 16]));
        } else if let Some(req) = adapter.session_request(opts, conv) {
            let resp = send(addr, &req, &[]).await;
            assert_eq!(resp.status, 200, "session: {}", resp.text());
            conv.session_id = Some(adapter.parse_session(&resp.body).expect("session id"));
        }
    }
    let req = adapter.message_request(opts, conv, message);
    send(addr, &req, extra).await
}
