//! Counters for `/metrics` (Prometheus text format).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Mutex;

/// The gate's counters.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<String, u64>>,
    refusals: Mutex<BTreeMap<String, u64>>,
    upstream: Mutex<BTreeMap<u16, u64>>,
    latency_us: AtomicU64,
    latency_count: AtomicU64,
    pub open_streams: AtomicI64,
}

fn bump<K: Ord>(m: &Mutex<BTreeMap<K, u64>>, k: K) {
    if let Ok(mut m) = m.lock() {
        *m.entry(k).or_default() += 1;
    }
}

impl Metrics {
    pub fn request(&self, route: &str) {
        bump(&self.requests, route.to_string());
    }
    pub fn refusal(&self, reason: &str) {
        bump(&self.refusals, reason.to_string());
    }
    /// An upstream answer's status and time to headers.
    pub fn upstream(&self, status: u16, micros: u64) {
        bump(&self.upstream, status);
        self.latency_us.fetch_add(micros, Ordering::Relaxed);
        self.latency_count.fetch_add(1, Ordering::Relaxed);
    }

    /// The Prometheus text.
    pub fn render(&self) -> String {
        let mut s = String::new();
        s.push_str("# TYPE sherpa_gate_requests_total counter\n");
        for (k, v) in self.requests.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "sherpa_gate_requests_total{{route=\"{k}\"}} {v}");
        }
        s.push_str("# TYPE sherpa_gate_refusals_total counter\n");
        for (k, v) in self.refusals.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(s, "sherpa_gate_refusals_total{{reason=\"{k}\"}} {v}");
        }
        s.push_str("# TYPE sherpa_gate_upstream_responses_total counter\n");
        for (k, v) in self.upstream.lock().map(|m| m.clone()).unwrap_or_default() {
            let _ = writeln!(
                s,
                "sherpa_gate_upstream_responses_total{{status=\"{k}\"}} {v}"
            );
        }
        let secs = self.latency_us.load(Ordering::Relaxed) as f64 / 1e6;
        let n = self.latency_count.load(Ordering::Relaxed);
        s.push_str("# TYPE sherpa_gate_upstream_latency_seconds summary\n");
        let _ = writeln!(s, "sherpa_gate_upstream_latency_seconds_sum {secs}");
        let _ = writeln!(s, "sherpa_gate_upstream_latency_seconds_count {n}");
        s.push_str("# TYPE sherpa_gate_open_streams gauge\n");
        let _ = writeln!(
            s,
            "sherpa_gate_open_streams {}",
            self.open_streams.load(Ordering::Relaxed)
        );
        s
    }
}
