//! The gate in front of the dev server (a recording upstream), both in-process on free
//! loopback ports.

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use sherpa_gate::config::{self, Args};

const KEY: &str = "on_secret_key_0123456789";
const ORIGIN: &str = "https://site.example";

/// The one place the dev server is started (so `--test-endpoints` is one line to add).
async fn devserver(pace_ms: u64) -> sherpa_devserver::Server {
    let cfg = sherpa_devserver::Config {
        port: 0,
        pace_ms,
        test_endpoints: true,
        ..Default::default()
    };
    sherpa_devserver::serve(cfg)
        .await
        .expect("dev server starts")
}

fn args(backend: &str, upstream: String) -> Args {
    Args {
        listen: Some("127.0.0.1:0".into()),
        upstream: Some(upstream),
        backend: Some(backend.into()),
        allow_origin: Some(vec![ORIGIN.into()]),
        persona: Some(0),
        document_sets: Some(vec!["public".into()]),
        source_types: Some(vec!["web".into()]),
        tags: Some(vec!["lang=en".into()]),
        time_cutoff: Some("2024-01-01T00:00:00Z".into()),
        models: Some(vec!["openai/gpt-4o".into()]),
        workspace_id: Some("ws-pinned".into()),
        agent_id: Some("agent-pinned".into()),
        ..Default::default()
    }
}

async fn gate(a: Args) -> sherpa_gate::Server {
    let cfg = config::load(a, Some(KEY.into())).expect("valid config");
    sherpa_gate::serve(cfg).await.expect("gate starts")
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(gate: &sherpa_gate::Server, path: &str, body: Value) -> reqwest::Response {
    client()
        .post(format!("http://{}/api/{path}", gate.addr))
        .header("origin", ORIGIN)
        .json(&body)
        .send()
        .await
        .expect("gate answers")
}

async fn get_text(url: String) -> String {
    client()
        .get(url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// What the dev server received, oldest first.
async fn recorded(dev: &sherpa_devserver::Server) -> Vec<Value> {
    let url = format!("http://{}/api/_test/requests", dev.addr);
    serde_json::from_str(&get_text(url).await).expect("the recorded requests")
}

async fn session(g: &sherpa_gate::Server) -> String {
    let s: Value = post(g, "chat/create-chat-session", json!({}))
        .await
        .json()
        .await
        .unwrap();
    s["chat_session_id"]
        .as_str()
        .expect("a session")
        .to_string()
}

/// Asks one question in the Onyx session `sid` and returns the assistant message id the
/// answer streamed (the id feedback may then name).
async fn streamed_message_id(g: &sherpa_gate::Server, sid: &str) -> Option<i64> {
    let body = json!({"message": "hi", "chat_session_id": sid});
    let text = post(g, "chat/send-chat-message", body)
        .await
        .text()
        .await
        .unwrap();
    text.lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find_map(|v| v["reserved_assistant_message_id"].as_i64())
}

/// A legacy send-message body with every key the old servers require.
fn legacy_question(sid: &str) -> Value {
    json!({"message": "How do I reset my password?", "chat_session_id": sid, "parent_message_id": null, "file_descriptors": [], "prompt_id": null, "search_doc_ids": null})
}

/// The gate's `/metrics` text.
async fn metrics(g: &sherpa_gate::Server) -> String {
    get_text(format!("http://{}/metrics", g.addr)).await
}

fn up(dev: &sherpa_devserver::Server) -> String {
    format!("http://{}/api", dev.addr)
}

#[tokio::test]
async fn key_reaches_upstream_and_no_response() {
    let dev = devserver(1).await;
    let g = gate(args("onyx", up(&dev))).await;
    let r = post(&g, "chat/create-chat-session", json!({"persona_id": 99})).await;
    assert_eq!(r.status(), 200);
    let headers = format!("{:?}", r.headers());
    let s: Value = r.json().await.unwrap();
    let sid = s["chat_session_id"]
        .as_str()
        .expect("session id")
        .to_string();
    let r = post(&g, "chat/send-chat-message", json!({"message": "How do I reset my password?", "chat_session_id": sid, "parent_message_id": -1, "stream": true})).await;
    assert_eq!(r.status(), 200);
    let headers2 = format!("{:?}", r.headers());
    let text = r.text().await.unwrap();
    assert!(text.len() > 50, "an answer streamed: {text}");
    for t in [&headers, &headers2, &text] {
        assert!(!t.contains(KEY), "the key leaked into a response");
    }
    let reqs = recorded(&dev).await;
    assert_eq!(reqs.len(), 2, "{reqs:?}");
    for r in &reqs {
        // The dev server records secrets redacted: the bearer header arrived, with a value.
        assert_eq!(r["headers"]["authorization"], "Bearer [redacted]");
    }
    assert_eq!(
        reqs[0]["body"]["persona_id"], 0,
        "persona pinned on create-chat-session"
    );
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn scope_is_pinned_on_every_backend() {
    let dev = devserver(1).await;
    let widened = json!({
        "source_type": ["slack"], "document_set": ["secret"], "time_cutoff": null,
        "tags": [{"tag_key": "x", "tag_value": "y"}]
    });
    let want = json!({
        "source_type": ["web"], "document_set": ["public"], "time_cutoff": "2024-01-01T00:00:00Z",
        "tags": [{"tag_key": "lang", "tag_value": "en"}]
    });
    let cases = [
        (
            "onyx",
            "chat/send-chat-message",
            json!({"message": "hi", "chat_session_info": {"persona_id": 1}, "internal_search_filters": widened, "origin": "widget"}),
        ),
        (
            "onyx-legacy",
            "chat/send-message",
            json!({"message": "hi", "retrieval_options": {"run_search": "always", "filters": widened}, "search_doc_ids": null, "use_agentic_search": false, "parent_message_id": null, "file_descriptors": [], "prompt_id": null}),
        ),
        (
            "onyx-simple",
            "chat/send-message-simple-api",
            json!({"message": "hi", "persona_id": 1, "retrieval_options": {"filters": widened}}),
        ),
        (
            "odyssey",
            "chat/message",
            json!({"message": "hi", "workspaceId": "other", "agentId": "other", "userId": "me", "conversationId": "c1", "isFirst": true}),
        ),
    ];
    for (backend, path, body) in cases {
        reqwest::Client::new()
            .delete(format!("http://{}/api/_test/requests", dev.addr))
            .send()
            .await
            .unwrap();
        let g = gate(args(backend, up(&dev))).await;
        let mut body = body;
        if backend == "onyx-legacy" {
            body["chat_session_id"] = session(&g).await.into();
        }
        let r = post(&g, path, body).await;
        assert_eq!(r.status(), 200, "{backend}");
        let _ = r.text().await;
        let reqs = recorded(&dev).await;
        let b = &reqs.last().expect("upstream got it")["body"];
        match backend {
            "onyx" => {
                assert_eq!(b["internal_search_filters"], want);
                assert_eq!(b["chat_session_info"]["persona_id"], 0);
            }
            "onyx-legacy" => assert_eq!(b["retrieval_options"]["filters"], want),
            "onyx-simple" => {
                assert_eq!(b["retrieval_options"]["filters"], want);
                assert_eq!(b["persona_id"], 0);
            }
            _ => {
                assert_eq!(b["workspaceId"], "ws-pinned");
                assert_eq!(b["agentId"], "agent-pinned");
                assert!(b.get("userId").is_none());
                let h = &reqs.last().unwrap()["headers"];
                assert_eq!(h["x-api-key"], "[redacted]");
                assert!(h["userid"].as_str().unwrap().starts_with("visitor-"));
            }
        }
        g.shutdown(Duration::from_secs(1)).await;
    }
    dev.shutdown().await;
}

#[tokio::test]
async fn widening_fields_refused_and_unknown_dropped() {
    let dev = devserver(1).await;
    let g = gate(args("onyx", up(&dev))).await;
    for (field, value) in [
        ("search_doc_ids", json!([1])),
        ("allowed_tool_ids", json!([1])),
        ("forced_tool_id", json!(1)),
        ("deep_research", json!(true)),
        ("file_descriptors", json!([{"id": "x"}])),
        ("prompt_override", json!({"system_prompt": "x"})),
        ("alternate_assistant_id", json!(3)),
        ("use_agentic_search", json!(true)),
        (
            "llm_override",
            json!({"model_provider": "openai", "model_version": "o3-pro"}),
        ),
    ] {
        let mut body = json!({"message": "hi"});
        body[field] = value;
        let r = post(&g, "chat/send-chat-message", body).await;
        assert_eq!(r.status(), 400, "{field}");
    }
    assert!(
        recorded(&dev).await.is_empty(),
        "nothing refused reached the upstream"
    );
    let ok = json!({"message": "hi", "surprise": 1, "llm_override": {"model_provider": "openai", "model_version": "gpt-4o"}});
    let r = post(&g, "chat/send-chat-message", ok).await;
    assert_eq!(r.status(), 200);
    let _ = r.text().await;
    let b = &recorded(&dev).await[0]["body"];
    assert!(b.get("surprise").is_none(), "unknown field dropped");
    assert_eq!(b["llm_override"]["model_version"], "gpt-4o");
    let long = "x".repeat(2001);
    assert_eq!(
        post(&g, "chat/send-chat-message", json!({"message": long}))
            .await
            .status(),
        400
    );
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn origins_paths_and_sizes() {
    let dev = devserver(1).await;
    let g = gate(args("onyx", up(&dev))).await;
    let url = format!("http://{}/api/chat/send-chat-message", g.addr);
    let foreign = client()
        .post(&url)
        .header("origin", "https://evil.example")
        .json(&json!({"message": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403);
    assert!(foreign
        .headers()
        .get("access-control-allow-origin")
        .is_none());
    let missing = client()
        .post(&url)
        .json(&json!({"message": "hi"}))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 403);
    let pre = client()
        .request(reqwest::Method::OPTIONS, &url)
        .header("origin", ORIGIN)
        .send()
        .await
        .unwrap();
    assert_eq!(pre.headers()["access-control-allow-origin"], ORIGIN);
    for path in [
        "chat/send-message",
        "chat/get-user-chat-sessions",
        "manage/admin/api-key",
        "_test/requests",
        "persona/8",
    ] {
        let r = client()
            .get(format!("http://{}/api/{path}", g.addr))
            .header("origin", ORIGIN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404, "{path}");
    }
    let big = json!({"message": "x".repeat(70_000)});
    assert_eq!(post(&g, "chat/send-chat-message", big).await.status(), 413);
    assert!(recorded(&dev).await.is_empty());
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn visitor_rate_and_daily_cap() {
    let dev = devserver(0).await;
    let mut a = args("onyx-simple", up(&dev));
    a.rate = Some("2/hour".into());
    let g = gate(a).await;
    for _ in 0..2 {
        let r = post(&g, "chat/send-message-simple-api", json!({"message": "hi"})).await;
        assert_eq!(r.status(), 200);
        let _ = r.text().await;
    }
    let r = post(&g, "chat/send-message-simple-api", json!({"message": "hi"})).await;
    assert_eq!(r.status(), 429);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry > 0 && retry <= 3600);
    g.shutdown(Duration::from_secs(1)).await;

    let mut a = args("onyx-simple", up(&dev));
    a.daily_questions = Some(1);
    let g = gate(a).await;
    let r = post(&g, "chat/send-message-simple-api", json!({"message": "hi"})).await;
    assert_eq!(r.status(), 200);
    let _ = r.text().await;
    let r = post(&g, "chat/send-message-simple-api", json!({"message": "hi"})).await;
    assert_eq!(r.status(), 429);
    assert!(r.headers().contains_key("retry-after"));
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn feedback_and_stop_only_on_what_the_gate_streamed() {
    let dev = devserver(0).await;
    let g = gate(args("onyx", up(&dev))).await;
    let fb = |id: i64| json!({"chat_message_id": id, "is_positive": true});
    assert_eq!(
        post(&g, "chat/create-chat-message-feedback", fb(12345))
            .await
            .status(),
        403
    );
    assert_eq!(
        post(&g, "chat/stop-chat-session/not-mine", json!({}))
            .await
            .status(),
        403
    );
    let sid = session(&g).await;
    let id = streamed_message_id(&g, &sid)
        .await
        .expect("a message id streamed");
    assert_eq!(
        post(&g, "chat/create-chat-message-feedback", fb(id))
            .await
            .status(),
        200
    );
    let r = post(&g, &format!("chat/stop-chat-session/{sid}"), json!({})).await;
    assert_ne!(r.status(), 403);
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn first_byte_before_a_slow_upstream_finishes() {
    let dev = devserver(0).await;
    let upstream = format!("http://{}/f/pace=150/api", dev.addr);
    let g = gate(args("onyx-legacy", upstream)).await;
    let sid = session(&g).await;
    let started = Instant::now();
    let mut r = post(&g, "chat/send-message", legacy_question(&sid)).await;
    let first = r.chunk().await.unwrap().expect("a first chunk");
    let t_first = started.elapsed();
    assert!(!first.is_empty());
    while r.chunk().await.unwrap().is_some() {}
    let t_end = started.elapsed();
    assert!(
        t_end > Duration::from_millis(1000),
        "the upstream is slow: {t_end:?}"
    );
    assert!(
        t_first * 3 < t_end,
        "first byte {t_first:?} well before the end {t_end:?}"
    );
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

/// An upstream whose accept queue is full: the kernel drops further SYNs, so a connect
/// neither succeeds nor fails. Returns the listener and the connections that fill it.
async fn unanswering_upstream() -> (tokio::net::TcpListener, Vec<tokio::net::TcpStream>) {
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = sock.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    loop {
        assert!(held.len() < 64, "the accept queue never filled");
        let c = tokio::net::TcpStream::connect(addr);
        match tokio::time::timeout(Duration::from_millis(500), c).await {
            Ok(Ok(s)) => held.push(s),
            Ok(Err(e)) => panic!("connect failed instead of hanging: {e}"),
            Err(_) => return (listener, held),
        }
    }
}

#[tokio::test]
async fn upstream_connect_timeout() {
    let (listener, _held) = unanswering_upstream().await;
    let mut a = args(
        "onyx",
        format!("http://{}/api", listener.local_addr().unwrap()),
    );
    a.connect_timeout = Some(1);
    let g = gate(a).await;
    let started = Instant::now();
    // Generous, yet below the 5 s default: only the configured 1 s passes.
    let r = tokio::time::timeout(
        Duration::from_secs(4),
        post(&g, "chat/create-chat-session", json!({})),
    )
    .await
    .expect("the gate gave up connecting within its 1 s connect timeout");
    let took = started.elapsed();
    assert_eq!(r.status(), 504);
    let v: Value = r.json().await.unwrap();
    assert!(v["detail"]
        .as_str()
        .is_some_and(|d| d.contains("could not be reached")));
    assert!(
        took >= Duration::from_millis(900),
        "not before 1 s: {took:?}"
    );
    g.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn upstream_idle_timeout_ends_a_stalled_stream() {
    let dev = devserver(0).await;
    // The dev server's `stall`: headers and the ids line, then silence (no heartbeats).
    let mut a = args("onyx-legacy", format!("http://{}/f/stall/api", dev.addr));
    a.idle_timeout = Some(1);
    let g = gate(a).await;
    let sid = session(&g).await;
    let mut r = post(&g, "chat/send-message", legacy_question(&sid)).await;
    assert_eq!(r.status(), 200);
    let first = r
        .chunk()
        .await
        .expect("the ids line")
        .expect("a first chunk");
    assert!(!first.is_empty());
    let silent_since = Instant::now();
    let end = tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            match r.chunk().await {
                Ok(Some(_)) => continue,
                Ok(None) => return "clean end",
                Err(_) => return "cut",
            }
        }
    })
    .await
    .expect("the gate ended the stalled stream (the default idle timeout is 60 s)");
    assert_eq!(end, "cut", "a timed-out answer must not look complete");
    let silent = silent_since.elapsed();
    assert!(
        silent >= Duration::from_millis(900),
        "not before the 1 s idle timeout: {silent:?}"
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while !metrics(&g).await.contains("sherpa_gate_open_streams 0") {
        assert!(
            Instant::now() < deadline,
            "the stream is still counted open"
        );
        tokio::task::yield_now().await;
    }
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn visitor_disconnect_cancels_upstream() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 65536];
        let _ = sock.read(&mut buf).await.unwrap();
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/x-ndjson\r\ntransfer-encoding: chunked\r\n\r\n";
        sock.write_all(head.as_bytes()).await.unwrap();
        sock.write_all(b"6\r\n{\"a\":1\r\n").await.unwrap();
        // Never finishes: waits until the gate closes the connection.
        while sock.read(&mut buf).await.map(|n| n > 0).unwrap_or(false) {}
        let _ = tx.send(());
    });
    let g = gate(args("onyx-legacy", format!("http://{addr}/api"))).await;
    let mut r = post(&g, "chat/send-message", json!({"message": "hi"})).await;
    assert!(r.chunk().await.unwrap().is_some());
    drop(r);
    tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .expect("upstream connection closed")
        .unwrap();
    g.shutdown(Duration::from_secs(1)).await;
}

#[tokio::test]
async fn healthz_and_metrics() {
    let dev = devserver(0).await;
    let g = gate(args("onyx", up(&dev))).await;
    let _ = client()
        .post(format!("http://{}/api/chat/send-chat-message", g.addr))
        .json(&json!({}))
        .send()
        .await;
    let h = client()
        .get(format!("http://{}/healthz", g.addr))
        .send()
        .await
        .unwrap();
    assert_eq!(h.status(), 200);
    let m = metrics(&g).await;
    assert!(
        m.contains("sherpa_gate_refusals_total{reason=\"origin\"} 1"),
        "{m}"
    );
    assert!(m.contains("sherpa_gate_open_streams 0"));
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[test]
fn config_errors_one_line_each() {
    let errs = config::load(Args::default(), None).unwrap_err();
    let text = errs.join("\n");
    for want in ["upstream:", "backend:", "allow-origin:", "api key:"] {
        assert!(text.contains(want), "{want} in {text}");
    }
    let dir = std::env::temp_dir().join(format!("gate-cfg-{}", std::process::id()));
    std::fs::write(&dir, "api_key = \"x\"\n").unwrap();
    let a = Args {
        config: Some(dir.clone()),
        ..Default::default()
    };
    let errs = config::load(a, Some(KEY.into())).unwrap_err();
    assert!(errs[0].contains("api_key is not allowed"), "{errs:?}");
    std::fs::write(&dir, "upstream = \"http://x/api\"\nbackend = \"onyx\"\nallow-origin = [\"https://a.example\"]\nrate = \"5/minute\"\n").unwrap();
    let a = Args {
        config: Some(dir.clone()),
        rate: Some("9/hour".into()),
        ..Default::default()
    };
    let cfg = config::load(a, Some(KEY.into())).expect("file + flags");
    assert_eq!(cfg.rate.0, 9, "flags override the file");
    assert_eq!(cfg.allow_origins, ["https://a.example"]);
    let _ = std::fs::remove_file(dir);
}

/// A real redis-server on a free loopback port, killed on drop. Fails loudly when absent.
struct Redis {
    child: std::process::Child,
    url: String,
}

impl Redis {
    async fn start() -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server must be installed (scripts/setup installs it)");
        let url = format!("redis://127.0.0.1:{port}/");
        let deadline = Instant::now() + Duration::from_secs(10);
        while tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
        {
            assert!(Instant::now() < deadline, "redis-server did not start");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        Redis { child, url }
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Two gate processes' worth of state: the same configuration, one shared Redis.
async fn two_gates(mut a: Args, redis: &Redis) -> (sherpa_gate::Server, sherpa_gate::Server) {
    a.redis = Some(redis.url.clone());
    (gate(a.clone()).await, gate(a).await)
}

#[tokio::test]
async fn two_gates_share_limits_and_ownership_through_redis() {
    let redis = Redis::start().await;
    let dev = devserver(0).await;
    let mut a = args("onyx", up(&dev));
    a.rate = Some("3/hour".into());
    let (g1, g2) = two_gates(a, &redis).await;
    let sid = session(&g1).await;
    let id = streamed_message_id(&g2, &sid)
        .await
        .expect("session made on g1 usable on g2");
    let fb = json!({"chat_message_id": id, "is_positive": false});
    assert_eq!(
        post(&g1, "chat/create-chat-message-feedback", fb)
            .await
            .status(),
        200,
        "g1 knows g2's message"
    );
    let r = post(&g1, "chat/send-chat-message", json!({"message": "hi"})).await;
    assert_eq!(r.status(), 200);
    let _ = r.text().await;
    let r = post(&g2, "chat/send-chat-message", json!({"message": "hi"})).await;
    assert_eq!(r.status(), 200);
    let _ = r.text().await;
    let r = post(&g1, "chat/send-chat-message", json!({"message": "hi"})).await;
    assert_eq!(
        r.status(),
        429,
        "the fourth question across both gates is refused"
    );
    assert!(r.headers().contains_key("retry-after"));
    g1.shutdown(Duration::from_secs(1)).await;
    g2.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn two_gates_share_the_daily_cap_through_redis() {
    let redis = Redis::start().await;
    let dev = devserver(0).await;
    let mut a = args("onyx-simple", up(&dev));
    a.daily_questions = Some(3);
    let (ga, gb) = two_gates(a, &redis).await;
    let q = || json!({"message": "hi"});
    // Three questions in all pass: two through A, one through B.
    for (g, n) in [(&ga, 1), (&ga, 2), (&gb, 3)] {
        let r = post(g, "chat/send-message-simple-api", q()).await;
        assert_eq!(r.status(), 200, "question {n} is within the cap");
        let _ = r.text().await;
    }
    // The fourth, B's second, is over the shared cap (a per-process cap would let it through).
    let r = post(&gb, "chat/send-message-simple-api", q()).await;
    assert_eq!(r.status(), 429, "the cap holds across both gates");
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        retry > 0 && retry <= 86400,
        "until the UTC day ends: {retry}"
    );
    let m = metrics(&gb).await;
    assert!(
        m.contains("sherpa_gate_refusals_total{reason=\"daily_cap\"} 1"),
        "refused for the daily cap, not the visitor rate: {m}"
    );
    let upstream_asks = recorded(&dev)
        .await
        .iter()
        .filter(|r| {
            r["path"]
                .as_str()
                .is_some_and(|p| p.ends_with("simple-api"))
        })
        .count();
    assert_eq!(
        upstream_asks, 3,
        "the refused question never reached the upstream"
    );
    ga.shutdown(Duration::from_secs(1)).await;
    gb.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

/// A request from `origin` with an optional `X-Forwarded-For` (the peer is always 127.0.0.1).
async fn post_as(g: &sherpa_gate::Server, path: &str, xff: Option<&str>) -> reqwest::Response {
    let mut req = client()
        .post(format!("http://{}/api/{path}", g.addr))
        .header("origin", ORIGIN)
        .json(&json!({"message": "hi"}));
    if let Some(x) = xff {
        req = req.header("x-forwarded-for", x);
    }
    req.send().await.expect("gate answers")
}

/// Polls `/metrics` until the open-stream gauge reads `n`.
async fn open_streams_become(g: &sherpa_gate::Server, n: usize) {
    let want = format!("sherpa_gate_open_streams {n}\n");
    let deadline = Instant::now() + Duration::from_secs(10);
    while !metrics(g).await.contains(&want) {
        assert!(Instant::now() < deadline, "open streams never became {n}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn open_streams_per_visitor_are_capped() {
    // A slow upstream keeps each streamed answer open for seconds.
    let dev = devserver(300).await;
    let mut a = args("onyx", up(&dev));
    a.max_streams_per_visitor = Some(2);
    let g = gate(a).await;
    let sid = session(&g).await;
    let ask = || {
        post(
            &g,
            "chat/send-chat-message",
            json!({"message": "hi", "chat_session_id": sid}),
        )
    };
    let mut open = Vec::new();
    for _ in 0..2 {
        let r = ask().await;
        assert_eq!(r.status(), 200);
        open.push(r);
    }
    open_streams_become(&g, 2).await;
    let third = ask().await;
    assert_eq!(third.status(), 429, "a third open stream is refused");
    assert!(third.headers().contains_key("retry-after"));
    let m = metrics(&g).await;
    assert!(
        m.contains("sherpa_gate_refusals_total{reason=\"visitor_streams\"} 1"),
        "{m}"
    );
    // Closing one stream frees its slot.
    drop(open.pop());
    open_streams_become(&g, 1).await;
    let again = ask().await;
    assert_eq!(again.status(), 200, "a freed slot is usable again");
    drop(again);
    drop(open);
    open_streams_become(&g, 0).await;
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

#[tokio::test]
async fn forwarded_for_is_trusted_only_from_configured_proxies() {
    let dev = devserver(0).await;
    let path = "chat/send-message-simple-api";
    let status = |r: reqwest::Response| r.status().as_u16();

    // No trusted proxy: the header is ignored, every request is the peer 127.0.0.1.
    let mut a = args("onyx-simple", up(&dev));
    a.rate = Some("1/hour".into());
    let g = gate(a.clone()).await;
    assert_eq!(status(post_as(&g, path, Some("203.0.113.1")).await), 200);
    assert_eq!(
        status(post_as(&g, path, Some("203.0.113.2")).await),
        429,
        "a forged X-Forwarded-For must not buy a fresh limit"
    );
    g.shutdown(Duration::from_secs(1)).await;

    // 127.0.0.1 trusted: each forwarded address is its own visitor.
    a.trusted_proxy = Some(vec!["127.0.0.1".parse().unwrap()]);
    let g = gate(a).await;
    assert_eq!(status(post_as(&g, path, Some("203.0.113.1")).await), 200);
    assert_eq!(status(post_as(&g, path, Some("203.0.113.2")).await), 200);
    assert_eq!(status(post_as(&g, path, Some("203.0.113.1")).await), 429);
    // A visitor who prepends an address of their own is still known by the hop the proxy
    // added (the last untrusted one).
    let spoofed = "198.51.100.9, 203.0.113.2";
    assert_eq!(status(post_as(&g, path, Some(spoofed)).await), 429);
    // Trusted hops at the end are skipped.
    let chained = "203.0.113.1, 127.0.0.1";
    assert_eq!(status(post_as(&g, path, Some(chained)).await), 429);
    assert_eq!(status(post_as(&g, path, Some("203.0.113.3")).await), 200);
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}

/// The `sherpa-gate` binary, started with `extra` flags; returns it and its address.
async fn gate_process(upstream: String, extra: &[&str]) -> (tokio::process::Child, String) {
    use tokio::io::AsyncBufReadExt;
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_sherpa-gate"));
    cmd.args(["--listen", "127.0.0.1:0", "--backend", "onyx-legacy"])
        .args(["--allow-origin", ORIGIN, "--upstream", &upstream])
        .args(extra)
        .env("SHERPA_GATE_API_KEY", KEY)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true);
    let mut child = cmd.spawn().expect("sherpa-gate starts");
    let out = child.stdout.take().unwrap();
    let mut lines = tokio::io::BufReader::new(out).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the gate says where it listens")
        .unwrap()
        .expect("a line");
    let addr = line
        .rsplit("http://")
        .next()
        .expect("an address")
        .to_string();
    (child, addr)
}

/// Opens a legacy Onyx answer through the gate process at `addr` and reads its first chunk.
async fn open_answer(addr: &str) -> reqwest::Response {
    let base = format!("http://{addr}/api/chat");
    let s: Value = client()
        .post(format!("{base}/create-chat-session"))
        .header("origin", ORIGIN)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = s["chat_session_id"].as_str().expect("a session");
    let mut r = client()
        .post(format!("{base}/send-message"))
        .header("origin", ORIGIN)
        .json(&legacy_question(sid))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let first = r.chunk().await.unwrap().expect("a first chunk");
    assert!(!first.is_empty());
    r
}

/// Reads the rest of a response: its text and whether it ended cleanly.
async fn rest(mut r: reqwest::Response) -> (String, bool) {
    let mut text = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(c)) => text.extend_from_slice(&c),
            Ok(None) => return (String::from_utf8_lossy(&text).into(), true),
            Err(_) => return (String::from_utf8_lossy(&text).into(), false),
        }
    }
}

/// Sends SIGTERM, as a service manager does.
fn terminate(child: &tokio::process::Child) {
    let pid = child.id().expect("running").to_string();
    let ok = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill runs");
    assert!(ok.success());
}

#[tokio::test]
async fn graceful_shutdown_lets_open_streams_finish_within_the_grace() {
    // A paced answer takes a few seconds; on SIGTERM it still arrives whole.
    let dev = devserver(40).await;
    let (mut child, addr) = gate_process(up(&dev), &["--shutdown-grace", "30"]).await;
    let answer = open_answer(&addr).await;
    terminate(&child);
    // The gate stops accepting at once …
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let r = client().get(format!("http://{addr}/healthz")).send().await;
        if r.is_err() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the gate still accepts after SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // … while the open answer runs to its end.
    let (text, clean) = rest(answer).await;
    assert!(clean, "the open stream was cut: {text}");
    assert!(
        text.lines().any(|l| l.contains("\"message_id\"")),
        "the final message packet arrived: {text}"
    );
    let code = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the gate exits once its streams are done")
        .unwrap();
    assert!(code.success(), "{code:?}");

    // A stream that would never end is cut when the grace runs out.
    let stall = format!("http://{}/f/stall/api", dev.addr);
    let flags = ["--shutdown-grace", "1", "--idle-timeout", "600"];
    let (mut child, addr) = gate_process(stall, &flags).await;
    let answer = open_answer(&addr).await;
    terminate(&child);
    let signalled = Instant::now();
    let (_, clean) = tokio::time::timeout(Duration::from_secs(20), rest(answer))
        .await
        .expect("the stalled stream ended after the grace");
    assert!(!clean, "a stream cut at shutdown must not look complete");
    assert!(signalled.elapsed() >= Duration::from_millis(900));
    let code = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("the gate exits after the grace")
        .unwrap();
    assert!(code.success(), "{code:?}");
    dev.shutdown().await;
}

// Several worker threads, as in the binary: a record made on the side could lose the race.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_session_is_usable_as_soon_as_its_id_arrives() {
    // Ownership is recorded before the reply that carries the id is passed on, so a widget
    // that asks at once is never refused (with Redis each record is a round trip).
    let redis = Redis::start().await;
    let dev = devserver(0).await;
    let mut a = args("onyx", up(&dev));
    a.redis = Some(redis.url.clone());
    a.rate = Some("1000/hour".into());
    let g = gate(a).await;
    for _ in 0..30 {
        let sid = session(&g).await;
        let body = json!({"message": "hi", "chat_session_id": sid});
        let r = post(&g, "chat/send-chat-message", body).await;
        assert_eq!(r.status(), 200, "the fresh session was refused");
        drop(r);
        let stop = post(&g, &format!("chat/stop-chat-session/{sid}"), json!({})).await;
        assert_ne!(stop.status(), 403, "stop on the fresh session was refused");
    }
    g.shutdown(Duration::from_secs(1)).await;
    dev.shutdown().await;
}
