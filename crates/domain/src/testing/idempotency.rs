//! Idempotency keys in memory.

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::idempotency::{Claim, IdempotencyStore, StoredResponse};

/// A claimed key: its request's fingerprint, when its request last showed
/// it was alive, and its response once there is one.
#[derive(Debug, Clone)]
struct Entry {
    fingerprint: String,
    alive_at: DateTime<Utc>,
    response: Option<StoredResponse>,
}

/// An [`IdempotencyStore`] in memory: one claim per key, a mismatched
/// request refused, a completed one replayed, an abandoned one taken over.
#[derive(Debug, Default)]
pub struct MemoryIdempotency {
    keys: Mutex<HashMap<(String, String), Entry>>,
}

impl MemoryIdempotency {
    fn keys(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Entry>> {
        self.keys.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl IdempotencyStore for MemoryIdempotency {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> DomainResult<Claim> {
        let mut keys = self.keys();
        let entry = keys.entry((scope.to_owned(), key.to_owned()));
        let std::collections::hash_map::Entry::Occupied(mut held) = entry else {
            entry.or_insert(Entry { fingerprint: fingerprint.to_owned(), alive_at: now, response: None });
            return Ok(Claim::Claimed);
        };
        let held = held.get_mut();
        if held.fingerprint != fingerprint {
            return Ok(Claim::Mismatch);
        }
        Ok(match &held.response {
            Some(response) => Claim::Completed(response.clone()),
            None if held.alive_at < stale_before => {
                held.alive_at = now;
                Claim::Claimed
            }
            None => Claim::InProgress,
        })
    }

    async fn renew(&self, scope: &str, key: &str, now: DateTime<Utc>) -> DomainResult<()> {
        if let Some(entry) = self.keys().get_mut(&(scope.to_owned(), key.to_owned()))
            && entry.response.is_none()
        {
            entry.alive_at = now;
        }
        Ok(())
    }

    async fn complete(&self, scope: &str, key: &str, response: &StoredResponse) -> DomainResult<()> {
        if let Some(entry) = self.keys().get_mut(&(scope.to_owned(), key.to_owned())) {
            entry.response = Some(response.clone());
        }
        Ok(())
    }

    async fn release(&self, scope: &str, key: &str) -> DomainResult<()> {
        self.keys().remove(&(scope.to_owned(), key.to_owned()));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::testing::contracts::idempotency as contract;

    #[test]
    fn memory_keys_keep_the_idempotency_contract() {
        block_on(contract::keys_claim_once_and_replay(&MemoryIdempotency::default(), crate::testkit::now()));
    }
}
