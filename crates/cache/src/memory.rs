//! The in-process cache for a single Cabinet process.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use cabinet_domain::DomainResult;
use cabinet_domain::health::HealthCheck;
use cabinet_domain::identity::{Counter, RateLimiter, RevocationList};

/// Entries kept before expired ones are swept, so memory stays bounded by the
/// number of live windows.
const SWEEP_AT: usize = 10_000;

/// Counters and revocations in a map guarded by a mutex. The lock is never
/// held across an await.
#[derive(Debug, Default)]
pub struct MemoryCache {
    counters: Mutex<HashMap<String, (u64, Instant)>>,
    revoked: Mutex<HashMap<String, Instant>>,
}

impl MemoryCache {
    /// An empty cache.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic while holding the lock leaves plain data behind; keep serving.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[async_trait]
impl RateLimiter for MemoryCache {
    async fn hit(&self, key: &str, window: Duration) -> DomainResult<Counter> {
        let now = Instant::now();
        let mut counters = lock(&self.counters);
        if counters.len() >= SWEEP_AT {
            counters.retain(|_, (_, ends)| *ends > now);
        }
        let entry = counters.entry(key.to_owned()).or_insert((0, now + window));
        if entry.1 <= now {
            *entry = (0, now + window);
        }
        entry.0 += 1;
        Ok(Counter { count: entry.0, resets_in: entry.1 - now })
    }

    async fn peek(&self, key: &str) -> DomainResult<Option<Counter>> {
        let now = Instant::now();
        Ok(lock(&self.counters)
            .get(key)
            .filter(|(_, ends)| *ends > now)
            .map(|&(count, ends)| Counter { count, resets_in: ends - now }))
    }

    async fn reset(&self, key: &str) -> DomainResult<()> {
        lock(&self.counters).remove(key);
        Ok(())
    }
}

#[async_trait]
impl RevocationList for MemoryCache {
    async fn revoke(&self, id: &str, ttl: Duration) -> DomainResult<()> {
        let now = Instant::now();
        let mut revoked = lock(&self.revoked);
        if revoked.len() >= SWEEP_AT {
            revoked.retain(|_, until| *until > now);
        }
        revoked.insert(id.to_owned(), now + ttl);
        Ok(())
    }

    async fn is_revoked(&self, id: &str) -> DomainResult<bool> {
        Ok(lock(&self.revoked).get(id).is_some_and(|until| *until > Instant::now()))
    }
}

#[async_trait]
impl HealthCheck for MemoryCache {
    fn component(&self) -> &'static str {
        "cache"
    }

    async fn check(&self) -> DomainResult<()> {
        Ok(())
    }
}
