//! Request authentication: a bearer access token or API key becomes the
//! [`Actor`] every use case is asked by.

use chrono::TimeDelta;

use crate::error::{AuthFailure, DomainError};
use crate::identity::{API_KEY_PREFIX, AuthPorts};
use crate::system::Runtime;
use crate::{Actor, DomainResult, Principal};

/// Authenticates requests.
pub struct AuthenticationService {
    rt: Runtime,
    ports: AuthPorts,
}

impl std::fmt::Debug for AuthenticationService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthenticationService").finish_non_exhaustive()
    }
}

impl AuthenticationService {
    /// Request authentication over `ports`.
    #[must_use]
    pub fn new(rt: Runtime, ports: &AuthPorts) -> Self {
        Self { rt, ports: ports.clone() }
    }

    /// Turns a bearer credential (an access token or an API key) into an actor.
    ///
    /// Access tokens are checked for signature and claims, then against the
    /// revocation list, the session and the user, so signing out, revoking a
    /// session or disabling a user takes effect on the next request.
    ///
    /// The session and the user, in the database, decide; the revocation
    /// list in the cache only refuses a token sooner. When the cache does not
    /// answer, tokens and API keys alike are judged by the database alone
    /// (the degradation docs/security.md states), rather than failing.
    ///
    /// # Errors
    /// `Unauthenticated(InvalidToken)` for anything that does not authenticate;
    /// `Unavailable` when the database cannot be read.
    pub async fn authenticate(&self, bearer: &str, origin: crate::Origin) -> DomainResult<Actor> {
        if bearer.starts_with(API_KEY_PREFIX) {
            return self.authenticate_api_key(bearer, origin).await;
        }
        let invalid = || DomainError::Unauthenticated(AuthFailure::InvalidToken);
        let claims = self.ports.tokens.verify(bearer)?;
        if self.ports.revocations.is_revoked(&format!("jti:{}", claims.token_id)).await.unwrap_or(false) {
            return Err(invalid());
        }
        let now = self.rt.clock.now();
        match self.ports.sessions.get(claims.session_id).await? {
            Some(session) if session.user_id == claims.user_id && session.is_active(now) => {}
            _ => return Err(invalid()),
        }
        let user = match self.ports.users.get(claims.user_id).await? {
            Some(user) if user.is_active() => user,
            _ => return Err(invalid()),
        };
        Ok(Actor {
            principal: Principal::User {
                user_id: user.id,
                session_id: claims.session_id,
                token_id: claims.token_id,
                token_expires_at: claims.expires_at,
                instance_admin: user.instance_admin,
            },
            origin,
        })
    }

    async fn authenticate_api_key(&self, secret: &str, origin: crate::Origin) -> DomainResult<Actor> {
        let invalid = || DomainError::Unauthenticated(AuthFailure::InvalidToken);
        if secret.len() > 256 {
            return Err(invalid());
        }
        let now = self.rt.clock.now();
        let key = match self.ports.api_keys.find_by_hash(&self.ports.secrets.hash(secret)).await? {
            Some(key) if key.is_active(now) => key,
            _ => return Err(invalid()),
        };
        // A key acts for its creator and can never do more than they can now:
        // a creator who left, was disabled or was demoted takes the key down too.
        let creator_active = self.ports.users.get(key.created_by).await?.is_some_and(|u| u.is_active());
        let creator_role = match self.ports.workspaces.membership(key.workspace_id, key.created_by).await? {
            Some(membership) if creator_active => membership.role,
            _ => return Err(invalid()),
        };
        let role = key.role.min(creator_role);
        // Recording every use would turn each read into a write; a minute's
        // precision is enough to tell live keys from dead ones.
        if key.last_used_at.is_none_or(|at| now - at > TimeDelta::minutes(1)) {
            self.ports.api_keys.touch(key.id, now).await?;
        }
        Ok(Actor { principal: Principal::ApiKey { key_id: key.id, workspace_id: key.workspace_id, role }, origin })
    }
}

#[cfg(test)]
#[path = "authentication_tests.rs"]
mod tests;
