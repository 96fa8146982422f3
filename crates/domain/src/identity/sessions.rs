//! Sessions: sign-in with throttling, refresh-token rotation with reuse
//! detection, sign-out, and the caller's list of sessions.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::audit::{EventPayload, RevocationReason};
use crate::error::{AuthFailure, DomainError, Entity};
use crate::identity::settings::{delta, signed_in, user_actor};
use crate::identity::{
    AccessClaims, AuthPorts, AuthSettings, DeviceClaims, Email, Password, PasswordCheck, REFRESH_TOKEN_PREFIX,
    RefreshToken, Session,
};
use crate::ids::{SessionId, UserId};
use crate::system::Runtime;
use crate::{Actor, DomainResult, Principal};

/// A sign-in request.
#[derive(Debug)]
pub struct Credentials {
    /// The email, unvalidated.
    pub email: String,
    /// The password, unvalidated.
    pub password: String,
    /// The device token a previous sign-in on this device returned, if any.
    pub device_token: Option<String>,
}

/// What a successful sign-in or refresh returns.
#[derive(Clone)]
pub struct TokenPair {
    /// The signed access token.
    pub access_token: String,
    /// The new refresh token; the previous one no longer works.
    pub refresh_token: String,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The session both belong to.
    pub session_id: SessionId,
    /// After a sign-in: a token marking this device as one the user signed
    /// in from, to present on later sign-ins (the web app keeps it in a cookie).
    pub device_token: Option<String>,
}

impl std::fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenPair")
            .field("session_id", &self.session_id)
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

/// A session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// The session.
    pub session: Session,
    /// Whether the request was made with this session.
    pub current: bool,
}

/// The session use cases.
pub struct SessionService {
    rt: Runtime,
    ports: AuthPorts,
    settings: AuthSettings,
}

impl std::fmt::Debug for SessionService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionService").finish_non_exhaustive()
    }
}

impl SessionService {
    /// The session use cases over `ports`.
    #[must_use]
    pub fn new(rt: Runtime, ports: &AuthPorts, settings: AuthSettings) -> Self {
        Self { rt, ports: ports.clone(), settings }
    }

    /// Signs in with email and password and starts a session.
    ///
    /// Throttled per address (every attempt counts) and, for failures, per
    /// account and address, per known device, and per account across unknown
    /// devices (see [`crate::identity::ThrottleSettings`]); an unknown email costs as much time
    /// as a wrong password and gets the same answer. A successful sign-in
    /// returns a device token for the next one.
    ///
    /// # Errors
    /// `RateLimited`; `Unauthenticated(InvalidCredentials)`.
    pub async fn login(&self, actor: &Actor, input: Credentials) -> DomainResult<TokenPair> {
        let throttle = &self.settings.throttle;
        if let Some(ip) = actor.origin.ip {
            let counter = self.ports.limiter.hit(&format!("login:ip:{ip}"), throttle.ip_window).await?;
            if counter.count > throttle.ip_attempts {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        let invalid = || DomainError::Unauthenticated(AuthFailure::InvalidCredentials);
        let password = Password::presented("password", input.password).map_err(|_| invalid())?;
        let Ok(email) = Email::parse(&input.email) else {
            self.ports.hasher.verify_dummy(&password).await?;
            return Err(invalid());
        };
        let user = self.ports.users.find_by_email(&email).await?;
        let device = input
            .device_token
            .as_deref()
            .and_then(|t| self.ports.tokens.verify_device(t))
            .filter(|d| user.as_ref().is_some_and(|u| u.id == d.user_id));
        let counters = match &device {
            Some(device) => vec![(format!("login:device:{}", device.device_id), throttle.device_failures)],
            None => {
                let ip = actor.origin.ip.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string());
                vec![
                    (format!("login:account-ip:{}:{ip}", email.as_str()), throttle.account_ip_failures),
                    (format!("login:account:{}", email.as_str()), throttle.account_failures),
                ]
            }
        };
        for (key, limit) in &counters {
            if let Some(counter) = self.ports.limiter.peek(key).await?
                && counter.count >= *limit
            {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        let failed = || async {
            for (key, _) in &counters {
                self.ports.limiter.hit(key, throttle.account_window).await?;
            }
            Err::<TokenPair, _>(invalid())
        };
        let Some(user) = user else {
            self.ports.hasher.verify_dummy(&password).await?;
            return failed().await;
        };
        let check = self.ports.hasher.verify(&password, &user.password_hash).await?;
        if check == PasswordCheck::Mismatch || !user.is_active() {
            return failed().await;
        }
        for (key, _) in &counters {
            self.ports.limiter.reset(key).await?;
        }
        if check == PasswordCheck::MatchNeedsRehash {
            let hash = self.ports.hasher.hash(&password).await?;
            self.ports.users.set_password(user.id, &hash, None, self.rt.clock.now(), &[]).await?;
        }
        let mut pair = self.start_session(actor, user.id).await?;
        let now = self.rt.clock.now();
        let device = DeviceClaims {
            user_id: user.id,
            device_id: device.map_or_else(|| self.rt.ids.new_id(), |d| d.device_id),
            issued_at: now,
            expires_at: now + delta(throttle.device_ttl),
        };
        pair.device_token = Some(self.ports.tokens.issue_device(&device)?);
        Ok(pair)
    }

    async fn start_session(&self, actor: &Actor, user_id: UserId) -> DomainResult<TokenPair> {
        let now = self.rt.clock.now();
        let session = Session {
            id: SessionId::from_uuid(self.rt.ids.new_id()),
            user_id,
            created_at: now,
            last_used_at: now,
            expires_at: now + delta(self.settings.session_ttl),
            revoked_at: None,
            user_agent: actor.origin.user_agent.clone(),
            ip: actor.origin.ip.map(|ip| ip.to_string()),
        };
        let (refresh_token, record) = self.new_refresh_token(session.id, now, session.expires_at);
        let event = self.rt.event_by(
            user_actor(actor, user_id),
            actor,
            EventPayload::SessionStarted { user_id, session_id: session.id },
        );
        self.ports.sessions.create(&session, &record, &[event]).await?;
        self.token_pair(user_id, session.id, refresh_token, now)
    }

    fn new_refresh_token(
        &self,
        session_id: SessionId,
        now: DateTime<Utc>,
        session_end: DateTime<Utc>,
    ) -> (String, RefreshToken) {
        let token = self.ports.secrets.generate(REFRESH_TOKEN_PREFIX);
        let record = RefreshToken {
            hash: self.ports.secrets.hash(&token),
            session_id,
            created_at: now,
            expires_at: (now + delta(self.settings.refresh_idle_ttl)).min(session_end),
            used_at: None,
        };
        (token, record)
    }

    fn token_pair(
        &self,
        user_id: UserId,
        session_id: SessionId,
        refresh_token: String,
        now: DateTime<Utc>,
    ) -> DomainResult<TokenPair> {
        let claims = AccessClaims {
            user_id,
            session_id,
            token_id: self.rt.ids.new_id(),
            issued_at: now,
            expires_at: now + delta(self.settings.access_ttl),
        };
        Ok(TokenPair {
            access_token: self.ports.tokens.issue(&claims)?,
            refresh_token,
            expires_in: self.settings.access_ttl.as_secs(),
            session_id,
            device_token: None,
        })
    }

    /// Exchanges a refresh token for a new pair. The presented token stops
    /// working; presenting it again revokes the whole session.
    ///
    /// # Errors
    /// `Unauthenticated(InvalidRefreshToken)` for unknown, expired, revoked or
    /// reused tokens.
    pub async fn refresh(&self, actor: &Actor, refresh_token: &str) -> DomainResult<TokenPair> {
        let invalid = || DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken);
        if !refresh_token.starts_with(REFRESH_TOKEN_PREFIX) || refresh_token.len() > 256 {
            return Err(invalid());
        }
        let hash = self.ports.secrets.hash(refresh_token);
        let Some((token, session)) = self.ports.sessions.find_refresh_token(&hash).await? else {
            return Err(invalid());
        };
        if token.used_at.is_some() {
            self.revoke_reused_family(actor, &session).await?;
            return Err(invalid());
        }
        let now = self.rt.clock.now();
        if !session.is_active(now) || token.expires_at <= now {
            return Err(invalid());
        }
        match self.ports.users.get(session.user_id).await? {
            Some(user) if user.is_active() => {}
            _ => return Err(invalid()),
        }
        let (new_token, record) = self.new_refresh_token(session.id, now, session.expires_at);
        let event = self.rt.event_by(
            user_actor(actor, session.user_id),
            actor,
            EventPayload::SessionRefreshed { user_id: session.user_id, session_id: session.id },
        );
        if !self.ports.sessions.rotate_refresh_token(&hash, &record, &[event]).await? {
            // Another request exchanged the same token first: a reuse.
            self.revoke_reused_family(actor, &session).await?;
            return Err(invalid());
        }
        self.token_pair(session.user_id, session.id, new_token, now)
    }

    async fn revoke_reused_family(&self, actor: &Actor, session: &Session) -> DomainResult<()> {
        let by = user_actor(actor, session.user_id);
        let events = [
            self.rt.event_by(
                by,
                actor,
                EventPayload::RefreshReuseDetected { user_id: session.user_id, session_id: session.id },
            ),
            self.rt.event_by(
                by,
                actor,
                EventPayload::SessionRevoked {
                    user_id: session.user_id,
                    session_id: session.id,
                    reason: RevocationReason::RefreshTokenReused,
                },
            ),
        ];
        // Only the first detection revokes and records; later presentations of
        // the same stolen token find the family already revoked.
        self.ports
            .sessions
            .revoke(session.id, RevocationReason::RefreshTokenReused, self.rt.clock.now(), &events)
            .await?;
        Ok(())
    }

    /// Ends the caller's session and revokes the access token used for the call.
    ///
    /// The session ends in the database, which every request checks, so a
    /// sign-out holds even while the cache is down; the token's entry in the
    /// revocation list is a second line, written when the cache answers.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a signed-in user; storage failures.
    pub async fn logout(&self, actor: &Actor) -> DomainResult<()> {
        let Principal::User { user_id, session_id, token_id, token_expires_at, .. } = actor.principal else {
            return Err(DomainError::Forbidden("only signed-in users can sign out"));
        };
        self.end_session(actor, user_id, session_id, RevocationReason::Logout).await?;
        let now = self.rt.clock.now();
        let remaining = (token_expires_at - now).to_std().unwrap_or(Duration::ZERO);
        // The ended session already refuses the token: a cache outage only
        // loses the shortcut.
        let _ = self.ports.revocations.revoke(&format!("jti:{token_id}"), remaining + Duration::from_secs(60)).await;
        Ok(())
    }

    async fn end_session(
        &self,
        actor: &Actor,
        user_id: UserId,
        session_id: SessionId,
        reason: RevocationReason,
    ) -> DomainResult<bool> {
        let event = self.rt.event(actor, EventPayload::SessionRevoked { user_id, session_id, reason });
        self.ports.sessions.revoke(session_id, reason, self.rt.clock.now(), &[event]).await
    }

    /// The caller's active sessions, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a signed-in user.
    pub async fn list_sessions(&self, actor: &Actor) -> DomainResult<Vec<SessionView>> {
        let (user_id, current) = signed_in(actor)?;
        let sessions = self.ports.sessions.list_active(user_id, self.rt.clock.now()).await?;
        Ok(sessions.into_iter().map(|session| SessionView { current: session.id == current, session }).collect())
    }

    /// Revokes one of the caller's own sessions.
    ///
    /// # Errors
    /// `NotFound(Session)` when it is not the caller's or not active.
    pub async fn revoke_session(&self, actor: &Actor, session_id: SessionId) -> DomainResult<()> {
        let (user_id, _) = signed_in(actor)?;
        match self.ports.sessions.get(session_id).await? {
            Some(session) if session.user_id == user_id => {}
            _ => return Err(DomainError::NotFound(Entity::Session)),
        }
        if self.end_session(actor, user_id, session_id, RevocationReason::RevokedByUser).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(Entity::Session))
        }
    }
}

#[cfg(test)]
#[path = "sessions_tests.rs"]
mod tests;
