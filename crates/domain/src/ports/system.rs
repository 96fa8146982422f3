//! Time, identifiers and randomness, so services stay deterministic under test.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::model::TokenHash;

/// The current time.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait Clock: Send + Sync {
    /// Now, in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// Mints new identifiers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait IdGenerator: Send + Sync {
    /// A new, unique, time-ordered id (UUIDv7).
    fn new_id(&self) -> Uuid;
}

/// Creates and fingerprints high-entropy secrets: refresh tokens, API keys, share tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait SecretGenerator: Send + Sync {
    /// A new secret of at least 256 random bits from a CSPRNG, URL-safe,
    /// starting with `prefix` so its kind is recognisable.
    fn generate(&self, prefix: &str) -> String;

    /// The SHA-256 of `secret`, as stored in place of the secret.
    fn hash(&self, secret: &str) -> TokenHash;
}
