//! Shared, disposable state: rate-limit counters and revoked token ids.
//!
//! Nothing here is the only copy of anything that matters: losing the cache
//! resets counters and forgets revocations that the database also knows.

use std::time::Duration;

use async_trait::async_trait;

use crate::DomainResult;

/// A fixed-window counter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counter {
    /// Hits in the current window.
    pub count: u64,
    /// Time until the window ends and the count resets.
    pub resets_in: Duration,
}

/// Fixed-window counters keyed by string, shared by every API replica.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RateLimiter: Send + Sync {
    /// Adds one hit to `key`, starting a window of length `window` if none is
    /// running, and returns the counter after the hit.
    ///
    /// # Errors
    /// [`crate::DomainError::Unavailable`] when the backing store cannot be reached.
    async fn hit(&self, key: &str, window: Duration) -> DomainResult<Counter>;

    /// The counter of `key`, or `None` when no window is running.
    ///
    /// # Errors
    /// As [`RateLimiter::hit`].
    async fn peek(&self, key: &str) -> DomainResult<Option<Counter>>;

    /// Forgets `key`.
    ///
    /// # Errors
    /// As [`RateLimiter::hit`].
    async fn reset(&self, key: &str) -> DomainResult<()>;
}

/// Ids (token ids, session ids) that must be refused until they would have
/// expired anyway.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait RevocationList: Send + Sync {
    /// Refuses `id` for `ttl`.
    ///
    /// # Errors
    /// [`crate::DomainError::Unavailable`] when the backing store cannot be reached.
    async fn revoke(&self, id: &str, ttl: Duration) -> DomainResult<()>;

    /// Whether `id` is currently refused.
    ///
    /// # Errors
    /// As [`RevocationList::revoke`].
    async fn is_revoked(&self, id: &str) -> DomainResult<bool>;
}
