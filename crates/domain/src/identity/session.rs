//! Login sessions and the refresh tokens that keep them alive.

use chrono::{DateTime, Utc};

use crate::ids::{SessionId, UserId};
use crate::system::TokenHash;

/// A login: one refresh-token family. Revoking it ends every token it issued.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// The session (and family) id.
    pub id: SessionId,
    /// Whose session it is.
    pub user_id: UserId,
    /// When the user signed in.
    pub created_at: DateTime<Utc>,
    /// When a refresh token of the family was last used.
    pub last_used_at: DateTime<Utc>,
    /// The absolute end of the session, however active it is.
    pub expires_at: DateTime<Utc>,
    /// When it was revoked (logout, reuse detected, password change), if it was.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The client's User-Agent at sign-in, to help the user recognise it.
    pub user_agent: Option<String>,
    /// The client's address at sign-in.
    pub ip: Option<String>,
}

impl Session {
    /// Whether the session can still be used at `now`.
    #[must_use]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// One refresh token of a session, stored only as a hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefreshToken {
    /// SHA-256 of the token.
    pub hash: TokenHash,
    /// The family it belongs to.
    pub session_id: SessionId,
    /// When it was issued.
    pub created_at: DateTime<Utc>,
    /// When it stops working if unused (inactivity timeout).
    pub expires_at: DateTime<Utc>,
    /// When it was exchanged; a second exchange is a reuse.
    pub used_at: Option<DateTime<Utc>>,
}
