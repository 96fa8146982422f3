//! Idempotency keys: a retried create returns the first result instead of
//! creating twice.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;

/// A response kept to be replayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    /// The HTTP status.
    pub status: u16,
    /// The `Content-Type`.
    pub content_type: Option<String>,
    /// The `Location`, for creates.
    pub location: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new: the caller runs the request and completes or releases the key.
    Claimed,
    /// A request with this key is still running.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
    /// The request already ran; replay this.
    Completed(StoredResponse),
}

/// Keys and the responses they produced, per caller.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Claims `key` for `scope` (the caller) and a request `fingerprint`.
    /// Of concurrent claims of one key exactly one gets [`Claim::Claimed`].
    /// A claim whose request last showed it was alive (claimed or
    /// [`IdempotencyStore::renew`]ed) before `stale_before` is abandoned (its
    /// process died): the same request takes it over, again exactly once.
    ///
    /// # Errors
    /// Storage failures.
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> DomainResult<Claim>;

    /// Records that the claimed key's request is still running at `now`.
    ///
    /// # Errors
    /// Storage failures.
    async fn renew(&self, scope: &str, key: &str, now: DateTime<Utc>) -> DomainResult<()>;

    /// Records the response of a claimed key.
    ///
    /// # Errors
    /// Storage failures.
    async fn complete(&self, scope: &str, key: &str, response: &StoredResponse) -> DomainResult<()>;

    /// Forgets a claimed key (the request was refused or failed; a retry may reuse it).
    ///
    /// # Errors
    /// Storage failures.
    async fn release(&self, scope: &str, key: &str) -> DomainResult<()>;
}
