//! Time, identifiers and randomness, so services stay deterministic under test:
//! the ports, the hash of a secret they produce, and the [`Runtime`] every
//! service holds.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use std::fmt;
use std::sync::Arc;

use crate::Actor;
use crate::actor::ActorRef;
use crate::audit::{EventPayload, NewEvent};

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

/// The SHA-256 of a high-entropy secret (refresh token, API key, share token),
/// hex-encoded. Only hashes are stored, so a database leak yields no usable secret.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    /// Wraps a hex digest computed by the `SecretGenerator` port.
    #[must_use]
    pub fn from_hex(hex: String) -> Self {
        Self(hex)
    }

    /// The hex digest.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TokenHash({}…)", self.0.get(..8).unwrap_or_default())
    }
}

/// Time and ids, which every service needs.
#[derive(Clone)]
pub struct Runtime {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The id generator.
    pub ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime")
    }
}

impl Runtime {
    /// An event caused by `actor` now.
    pub(crate) fn event(&self, actor: &Actor, payload: EventPayload) -> NewEvent {
        self.event_by(actor.reference(), actor, payload)
    }

    /// An event attributed to `by`, with the origin of `request`'s actor.
    pub(crate) fn event_by(&self, by: ActorRef, request: &Actor, payload: EventPayload) -> NewEvent {
        NewEvent {
            id: self.ids.new_id(),
            payload,
            actor: by,
            origin: request.origin.clone(),
            occurred_at: self.clock.now(),
        }
    }
}
