//! Shared state: counters with expiry and ownership marks, in memory (one process) or in
//! Redis (several replicas; atomic INCR + EXPIRE in one script).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Where limits and ownership live.
pub enum Store {
    Memory(Mutex<HashMap<String, (i64, Instant)>>),
    Redis(redis::aio::ConnectionManager),
}

/// INCRBY, and EXPIRE when the key is new: one atomic step.
const ADD: &str = r"
local n = redis.call('INCRBY', KEYS[1], ARGV[1])
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[2]) end
return n
";

impl Store {
    /// An in-memory store.
    pub fn memory() -> Store {
        Store::Memory(Mutex::new(HashMap::new()))
    }

    /// A Redis store (the connection manager reconnects by itself).
    pub async fn redis(url: &str) -> Result<Store, String> {
        let client = redis::Client::open(url).map_err(|e| format!("redis: {e}"))?;
        let conn = redis::aio::ConnectionManager::new(client)
            .await
            .map_err(|e| format!("redis: {e}"))?;
        Ok(Store::Redis(conn))
    }

    /// Adds `by` to the counter `key` (created with `ttl`), returning the new value.
    pub async fn add(&self, key: &str, by: i64, ttl: Duration) -> Result<i64, String> {
        match self {
            Store::Memory(m) => {
                let mut m = m.lock().map_err(|_| "store poisoned")?;
                let now = Instant::now();
                if m.len() > 100_000 {
                    m.retain(|_, (_, exp)| *exp > now);
                }
                let e = m.entry(key.to_string()).or_insert((0, now + ttl));
                if e.1 <= now {
                    *e = (0, now + ttl);
                }
                e.0 += by;
                Ok(e.0)
            }
            Store::Redis(c) => {
                let script = redis::Script::new(ADD);
                let mut inv = script.key(key);
                inv.arg(by).arg(ttl.as_secs().max(1));
                inv.invoke_async(&mut c.clone())
                    .await
                    .map_err(|e| e.to_string())
            }
        }
    }

    /// Marks `key` as present for `ttl`.
    pub async fn mark(&self, key: &str, ttl: Duration) -> Result<(), String> {
        match self {
            Store::Memory(m) => {
                let mut m = m.lock().map_err(|_| "store poisoned")?;
                m.insert(key.to_string(), (1, Instant::now() + ttl));
                Ok(())
            }
            Store::Redis(c) => redis::cmd("SET")
                .arg(key)
                .arg(1)
                .arg("EX")
                .arg(ttl.as_secs().max(1))
                .query_async(&mut c.clone())
                .await
                .map_err(|e| e.to_string()),
        }
    }

    /// Whether `key` is marked (and not expired).
    pub async fn has(&self, key: &str) -> Result<bool, String> {
        match self {
            Store::Memory(m) => {
                let m = m.lock().map_err(|_| "store poisoned")?;
                Ok(m.get(key).is_some_and(|(_, exp)| *exp > Instant::now()))
            }
            Store::Redis(c) => redis::cmd("EXISTS")
                .arg(key)
                .query_async(&mut c.clone())
                .await
                .map_err(|e| e.to_string()),
        }
    }
}
