//! Time, ids and secrets that tests decide.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, TimeDelta, Utc};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use crate::system::{Clock, IdGenerator, SecretGenerator, TokenHash};

/// A clock that stands still until a test moves it.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock showing `at`.
    #[must_use]
    pub fn at(at: DateTime<Utc>) -> Self {
        Self(Mutex::new(at))
    }

    /// Moves the clock on by `by`.
    pub fn advance(&self, by: TimeDelta) {
        let mut now = self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        *now += by;
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Ids 1, 2, 3, … (as UUIDs), so that tests can name them and they sort
/// in the order they were handed out, as Cabinet's time-ordered ids do.
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl IdGenerator for SequentialIds {
    fn new_id(&self) -> Uuid {
        Uuid::from_u128(u128::from(self.0.fetch_add(1, Ordering::Relaxed)) + 1)
    }
}

/// Secrets `{prefix}1`, `{prefix}2`, … hashed with SHA-256, as the real
/// generator hashes its random ones.
#[derive(Debug, Default)]
pub struct CountingSecrets(AtomicU64);

impl SecretGenerator for CountingSecrets {
    fn generate(&self, prefix: &str) -> String {
        format!("{prefix}{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn hash(&self, secret: &str) -> TokenHash {
        TokenHash::from_hex(hex::encode(Sha256::digest(secret.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_fake_is_deterministic() {
        let clock = FixedClock::at(crate::testkit::now());
        clock.advance(TimeDelta::seconds(90));
        assert_eq!(clock.now(), crate::testkit::now() + TimeDelta::seconds(90));
        let ids = SequentialIds::default();
        assert!(ids.new_id() < ids.new_id(), "handed out in order");
        let secrets = CountingSecrets::default();
        let secret = secrets.generate("cabs_");
        assert_eq!(secret, "cabs_1");
        assert_eq!(secrets.hash(&secret), secrets.hash("cabs_1"));
        assert_ne!(secrets.hash(&secret), secrets.hash("cabs_2"));
    }
}
