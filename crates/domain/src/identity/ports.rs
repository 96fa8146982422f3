//! Persistence of users, their sessions and their API keys.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::{NewEvent, RevocationReason};
use crate::identity::{ApiKey, Email, PasswordHash, RefreshToken, Session, User};
use crate::ids::{ApiKeyId, SessionId, UserId, WorkspaceId};
use crate::page::{Page, PageRequest};
use crate::system::TokenHash;

/// User accounts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user.
    ///
    /// # Errors
    /// [`crate::DomainError::Conflict`] with [`crate::Conflict::EmailTaken`]
    /// when the email is in use; `Internal`/`Unavailable` on storage failures.
    async fn create(&self, user: &User, events: &[NewEvent]) -> DomainResult<()>;

    /// The user with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; a missing user is `Ok(None)`.
    async fn get(&self, id: UserId) -> DomainResult<Option<User>>;

    /// The user with this (normalised) email.
    ///
    /// # Errors
    /// As [`UserRepository::get`].
    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>>;

    /// How many users exist.
    ///
    /// # Errors
    /// As [`UserRepository::get`].
    async fn count(&self) -> DomainResult<u64>;

    /// Replaces the password hash and revokes every active session of the
    /// user except `keep`, returning the ids of the sessions it revoked.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when the user does not exist;
    /// `Internal`/`Unavailable` on storage failures.
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<Vec<SessionId>>;
}

/// Login sessions and their refresh tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session with its first refresh token.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(&self, session: &Session, token: &RefreshToken, events: &[NewEvent]) -> DomainResult<()>;

    /// The session with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn get(&self, id: SessionId) -> DomainResult<Option<Session>>;

    /// The refresh token with this hash and its session.
    ///
    /// # Errors
    /// As [`SessionRepository::get`].
    async fn find_refresh_token(&self, hash: &TokenHash) -> DomainResult<Option<(RefreshToken, Session)>>;

    /// Marks `old` used and stores `new` in the same session, but only if
    /// `old` was still unused: of any number of concurrent calls with the same
    /// `old`, exactly one returns `true`. Also records the session as used at
    /// `new.created_at`. A `false` result stores nothing.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &RefreshToken,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Revokes an active session; returns `false` (and stores nothing) when it
    /// was already revoked or does not exist.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn revoke(
        &self,
        id: SessionId,
        reason: RevocationReason,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// The user's sessions that are active at `now`, newest first.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn list_active(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>>;
}

/// API keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a new key.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(&self, key: &ApiKey, events: &[NewEvent]) -> DomainResult<()>;

    /// The key whose secret hashes to `hash`.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn find_by_hash(&self, hash: &TokenHash) -> DomainResult<Option<ApiKey>>;

    /// A workspace's keys, revoked ones included, in id order.
    ///
    /// # Errors
    /// As [`ApiKeyRepository::find_by_hash`].
    async fn list(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<ApiKey>>;

    /// Revokes an active key of `workspace`; `false` (nothing stored) when it
    /// is unknown there or already revoked.
    ///
    /// # Errors
    /// Storage failures.
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ApiKeyId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Records that the key authenticated a request at `now`.
    ///
    /// # Errors
    /// Storage failures.
    async fn touch(&self, id: ApiKeyId, now: DateTime<Utc>) -> DomainResult<()>;
}
