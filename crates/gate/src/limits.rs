//! Visitors and their limits: client address (X-Forwarded-For only from trusted proxies),
//! per-visitor rate, open streams per visitor, the global daily cap.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;

use crate::store::Store;
use crate::Gate;

/// A refusal: the reason (for metrics) and the seconds to wait.
#[derive(Debug)]
pub struct Refusal {
    pub reason: &'static str,
    pub retry_after: u64,
}

/// The visitor's address: the peer, or the last untrusted hop of X-Forwarded-For when the
/// peer is a trusted proxy.
pub fn visitor(peer: SocketAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    let mut ip = peer.ip();
    if !trusted.contains(&ip) {
        return ip;
    }
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|h| h.trim().parse::<IpAddr>().ok())
        .collect::<Vec<_>>();
    for hop in hops.into_iter().rev() {
        ip = hop;
        if !trusted.contains(&hop) {
            break;
        }
    }
    ip
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Counts one question for `ip` against the visitor rate and the daily cap.
pub async fn question(gate: &Gate, ip: IpAddr) -> Result<(), Refusal> {
    let c = &gate.cfg;
    let now = now_secs();
    let (n, window) = c.rate;
    let w = window.as_secs().max(1);
    let key = format!("{}rate:{ip}:{}", c.redis_prefix, now / w);
    let count = gate.store.add(&key, 1, window).await.map_err(store_down)?;
    if count > n as i64 {
        return Err(Refusal {
            reason: "visitor_rate",
            retry_after: w - now % w,
        });
    }
    let day = format!("{}day:{}", c.redis_prefix, now / 86400);
    let count = gate
        .store
        .add(&day, 1, Duration::from_secs(86400))
        .await
        .map_err(store_down)?;
    if count > c.daily_questions as i64 {
        return Err(Refusal {
            reason: "daily_cap",
            retry_after: 86400 - now % 86400,
        });
    }
    Ok(())
}

fn store_down(_: String) -> Refusal {
    Refusal {
        reason: "store_unavailable",
        retry_after: 5,
    }
}

/// An open stream of one visitor; dropping it frees the slot.
pub struct StreamSlot {
    store: Arc<Gate>,
    key: String,
}

/// Takes a stream slot for `ip`, or refuses.
pub async fn stream_slot(gate: &Arc<Gate>, ip: IpAddr) -> Result<StreamSlot, Refusal> {
    let key = format!("{}streams:{ip}", gate.cfg.redis_prefix);
    let ttl = gate.cfg.idle_timeout * 4 + Duration::from_secs(60);
    let n = gate.store.add(&key, 1, ttl).await.map_err(store_down)?;
    let slot = StreamSlot {
        store: gate.clone(),
        key,
    };
    if n > gate.cfg.max_streams_per_visitor as i64 {
        return Err(Refusal {
            reason: "visitor_streams",
            retry_after: 5,
        });
    }
    Ok(slot)
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let gate = self.store.clone();
        let key = std::mem::take(&mut self.key);
        tokio::spawn(async move {
            let _ = release(&gate.store, &key).await;
        });
    }
}

async fn release(store: &Store, key: &str) -> Result<i64, String> {
    store.add(key, -1, Duration::from_secs(3600)).await
}
