//! Passwords and access tokens.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::DomainResult;
use crate::identity::{Password, PasswordHash};
use crate::ids::{SessionId, UserId};

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordCheck {
    /// The password does not match.
    Mismatch,
    /// It matches and the hash uses current parameters.
    Match,
    /// It matches, but the hash uses older or weaker parameters and should be replaced.
    MatchNeedsRehash,
}

/// Hashes and verifies passwords (argon2id).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait PasswordHasher: Send + Sync {
    /// Hashes a password with a fresh salt and the current parameters.
    ///
    /// # Errors
    /// [`crate::DomainError::Unavailable`] when the hasher is saturated;
    /// [`crate::DomainError::Internal`] on any other failure.
    async fn hash(&self, password: &Password) -> DomainResult<PasswordHash>;

    /// Checks a password against a stored hash in constant time.
    ///
    /// # Errors
    /// As [`PasswordHasher::hash`]; an unparsable stored hash is `Internal`.
    async fn verify(&self, password: &Password, hash: &PasswordHash) -> DomainResult<PasswordCheck>;

    /// Spends the same work as a verification without a stored hash, so that
    /// an unknown account takes as long to refuse as a wrong password.
    ///
    /// # Errors
    /// As [`PasswordHasher::hash`].
    async fn verify_dummy(&self, password: &Password) -> DomainResult<()>;
}

/// What an access token asserts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessClaims {
    /// The user (`sub`).
    pub user_id: UserId,
    /// The session that issued it (`sid`).
    pub session_id: SessionId,
    /// The token's own id (`jti`), for revocation.
    pub token_id: Uuid,
    /// When it was issued (`iat`).
    pub issued_at: DateTime<Utc>,
    /// When it expires (`exp`).
    pub expires_at: DateTime<Utc>,
}

/// What a device token asserts: this browser signed in as `user_id` before,
/// so its sign-in attempts are throttled on their own rather than with
/// everyone guessing at the account (OWASP's device cookies).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceClaims {
    /// The user who signed in.
    pub user_id: UserId,
    /// The device's own id, which its failures are counted under.
    pub device_id: Uuid,
    /// When it was issued.
    pub issued_at: DateTime<Utc>,
    /// When it stops counting.
    pub expires_at: DateTime<Utc>,
}

/// Signs and verifies short-lived access tokens (JWT).
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
pub trait AccessTokenCodec: Send + Sync {
    /// Signs the claims with the current key.
    ///
    /// # Errors
    /// [`crate::DomainError::Internal`] if signing fails.
    fn issue(&self, claims: &AccessClaims) -> DomainResult<String>;

    /// Verifies signature, algorithm, key id, type, issuer, audience and
    /// times, and returns the claims.
    ///
    /// # Errors
    /// [`crate::DomainError::Unauthenticated`] with
    /// [`crate::AuthFailure::InvalidToken`] for any token that is not a valid,
    /// unexpired access token of this instance.
    fn verify(&self, token: &str) -> DomainResult<AccessClaims>;

    /// Signs a device token, typed so it can never pass as an access token.
    ///
    /// # Errors
    /// [`crate::DomainError::Internal`] if signing fails.
    fn issue_device(&self, claims: &DeviceClaims) -> DomainResult<String>;

    /// The claims of a valid, unexpired device token of this instance, or
    /// `None` for anything else.
    fn verify_device(&self, token: &str) -> Option<DeviceClaims>;
}
