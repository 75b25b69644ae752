//! Load benchmark (not a test): N concurrent streamed answers through the gate, against the
//! dev server directly, on loopback, all in this one process (Onyx v2 `send-chat-message`).
//! Prints median/p95 time to first byte for both, the added median, the gate's open-streams
//! gauge at the peak, RSS per open stream through the gate (peak RSS with N streams open
//! through the gate minus peak RSS with N open directly, over N), and errors.
//! Run: scripts/bench-gate [N]; figures in BENCHMARKS.md ("sherpa-gate under load").

use std::sync::Arc;
use std::time::{Duration, Instant};

use sherpa_gate::config::{self, Args};
use tokio::sync::Barrier;

fn rss_kib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Streams open one after another at this spacing (1,000 in 1 s) and, paced at PACE_MS per
/// line (an answer of 54 lines takes 2.7 s), are all still open when the last one has its
/// first byte: the figure is latency with N streams open, not the cost of N simultaneous
/// TCP handshakes on one listener.
const RAMP: Duration = Duration::from_millis(1);
const PACE_MS: u64 = 50;

struct Run {
    ttfb: Vec<Duration>,
    errors: usize,
    peak_rss_kib: u64,
    /// The gate's own open-streams gauge at the peak (when probed).
    open_at_peak: Option<u64>,
}

async fn open_streams(metrics_url: &str) -> Option<u64> {
    let text = reqwest::get(metrics_url).await.ok()?.text().await.ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("sherpa_gate_open_streams "))
        .and_then(|v| v.trim().parse().ok())
}

async fn run(url: String, n: usize, probe: Option<&str>) -> Run {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let opened = Arc::new(Barrier::new(n + 1));
    let release = Arc::new(Barrier::new(n + 1));
    let mut tasks = Vec::with_capacity(n);
    let t0 = tokio::time::Instant::now();
    for i in 0..n {
        let (c, url, opened, release) =
            (client.clone(), url.clone(), opened.clone(), release.clone());
        let start = t0 + RAMP * i as u32;
        tasks.push(tokio::spawn(async move {
            tokio::time::sleep_until(start).await;
            let body = format!("{{\"message\":\"How do I export my notes? {i}\"}}");
            let t = Instant::now();
            let resp = c
                .post(url)
                .header("origin", "http://bench.local")
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await;
            let mut first = None;
            let mut ok = false;
            if let Ok(mut r) = resp {
                ok = r.status().is_success();
                if let Ok(Some(_)) = r.chunk().await {
                    first = Some(t.elapsed());
                }
                opened.wait().await;
                release.wait().await;
                while let Ok(Some(_)) = r.chunk().await {}
            } else {
                opened.wait().await;
                release.wait().await;
            }
            (first.filter(|_| ok), t)
        }));
    }
    opened.wait().await;
    let peak = rss_kib();
    let open_at_peak = match probe {
        Some(u) => open_streams(u).await,
        None => None,
    };
    release.wait().await;
    let mut ttfb = Vec::new();
    let mut errors = 0;
    for t in tasks {
        match t.await.unwrap().0 {
            Some(d) => ttfb.push(d),
            None => errors += 1,
        }
    }
    ttfb.sort();
    Run {
        ttfb,
        errors,
        peak_rss_kib: peak,
        open_at_peak,
    }
}

fn pct(v: &[Duration], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v[((v.len() - 1) as f64 * p) as usize].as_secs_f64() * 1000.0
}

#[tokio::main]
async fn main() {
    let n: usize = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(1000);
    let dev_cfg = sherpa_devserver::Config {
        port: 0,
        pace_ms: PACE_MS,
        ..Default::default()
    };
    let dev = sherpa_devserver::serve(dev_cfg).await.unwrap();
    let args = Args {
        listen: Some("127.0.0.1:0".into()),
        upstream: Some(format!("http://{}/api", dev.addr)),
        backend: Some("onyx".into()),
        allow_origin: Some(vec!["http://bench.local".into()]),
        rate: Some("100000000/hour".into()),
        daily_questions: Some(100_000_000),
        max_streams_per_visitor: Some(100_000),
        ..Default::default()
    };
    let gate =
        sherpa_gate::serve(config::load(args, Some("on_bench_key_0123456789".into())).unwrap())
            .await
            .unwrap();
    let direct_url = format!("http://{}/api/chat/send-chat-message", dev.addr);
    let gate_url = format!("http://{}/api/chat/send-chat-message", gate.addr);
    let probe = format!("http://{}/metrics", gate.addr);
    let _ = run(direct_url.clone(), 50, None).await; // warm-up
    let _ = run(gate_url.clone(), 50, None).await;
    let base = rss_kib();
    let d = run(direct_url, n, None).await;
    let g = run(gate_url, n, Some(&probe)).await;
    let per_stream = (g.peak_rss_kib as f64 - d.peak_rss_kib as f64) / n as f64;
    println!(
        "concurrent streams: {n} (gate's open-streams gauge at the peak: {:?})",
        g.open_at_peak
    );
    println!(
        "direct: median TTFB {:.2} ms, p95 {:.2} ms, errors {}",
        pct(&d.ttfb, 0.5),
        pct(&d.ttfb, 0.95),
        d.errors
    );
    println!(
        "gate:   median TTFB {:.2} ms, p95 {:.2} ms, errors {}",
        pct(&g.ttfb, 0.5),
        pct(&g.ttfb, 0.95),
        g.errors
    );
    println!(
        "added median TTFB: {:.2} ms",
        pct(&g.ttfb, 0.5) - pct(&d.ttfb, 0.5)
    );
    println!("RSS before {base} KiB; peak direct {} KiB; peak gate {} KiB; gate ≈ {per_stream:.1} KiB per open stream", d.peak_rss_kib, g.peak_rss_kib);
    gate.shutdown(Duration::from_secs(2)).await;
    dev.shutdown().await;
}
