//! Rate-limit counters and revoked ids in memory, on a clock tests move.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::identity::{Counter, RateLimiter, RevocationList};
use crate::system::Clock;

/// A [`RateLimiter`] and [`RevocationList`] in memory whose windows and
/// time-to-live run on `clock`, so that a test expires them by moving a
/// [`crate::testing::FixedClock`] instead of waiting.
pub struct MemoryLimits {
    clock: Arc<dyn Clock>,
    counters: Mutex<HashMap<String, (u64, DateTime<Utc>)>>,
    revoked: Mutex<HashMap<String, DateTime<Utc>>>,
}

impl std::fmt::Debug for MemoryLimits {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryLimits").finish_non_exhaustive()
    }
}

impl MemoryLimits {
    /// Limits on `clock`.
    #[must_use]
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, counters: Mutex::default(), revoked: Mutex::default() }
    }

    fn counters(&self) -> std::sync::MutexGuard<'_, HashMap<String, (u64, DateTime<Utc>)>> {
        self.counters.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn left(&self, until: DateTime<Utc>) -> Option<Duration> {
        (until - self.clock.now()).to_std().ok().filter(|left| !left.is_zero())
    }
}

#[async_trait]
impl RateLimiter for MemoryLimits {
    async fn hit(&self, key: &str, window: Duration) -> DomainResult<Counter> {
        let now = self.clock.now();
        let mut counters = self.counters();
        let entry = counters.entry(key.to_owned()).or_insert((0, now));
        if self.left(entry.1).is_none() {
            let ends = now + chrono::Duration::from_std(window).unwrap_or(chrono::Duration::MAX);
            *entry = (0, ends);
        }
        entry.0 += 1;
        Ok(Counter { count: entry.0, resets_in: self.left(entry.1).unwrap_or_default() })
    }

    async fn peek(&self, key: &str) -> DomainResult<Option<Counter>> {
        let counters = self.counters();
        Ok(counters
            .get(key)
            .and_then(|(count, ends)| self.left(*ends).map(|resets_in| Counter { count: *count, resets_in })))
    }

    async fn reset(&self, key: &str) -> DomainResult<()> {
        self.counters().remove(key);
        Ok(())
    }
}

#[async_trait]
impl RevocationList for MemoryLimits {
    async fn revoke(&self, id: &str, ttl: Duration) -> DomainResult<()> {
        let until = self.clock.now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX);
        self.revoked.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(id.to_owned(), until);
        Ok(())
    }

    async fn is_revoked(&self, id: &str) -> DomainResult<bool> {
        let revoked = self.revoked.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        Ok(revoked.get(id).is_some_and(|until| self.left(*until).is_some()))
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::testing::FixedClock;
    use crate::testing::contracts::limits as contract;

    #[test]
    fn memory_limits_keep_the_rate_limiter_and_revocation_contracts() {
        let clock = Arc::new(FixedClock::at(crate::testkit::now()));
        let limits = MemoryLimits::new(clock.clone());
        let wait = |by: Duration| -> contract::Waited<'_> {
            clock.advance(chrono::Duration::from_std(by).expect("a short wait"));
            Box::pin(async {})
        };
        block_on(contract::every_rule(&limits, &limits, &wait));
    }
}
