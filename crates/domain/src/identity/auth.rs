//! Identity: registration, sign-in, token refresh with rotation and reuse
//! detection, sign-out, sessions, password change, and authentication of
//! every request.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::actor::{ActorKind, ActorRef};
use crate::audit::{EventPayload, RevocationReason};
use crate::error::{AuthFailure, DomainError, Entity};
use crate::identity::{
    AccessClaims, AccessTokenCodec, ApiKeyRepository, DeviceClaims, PasswordCheck, PasswordHasher, RateLimiter,
    RevocationList, SessionRepository, UserRepository,
};
use crate::identity::{DisplayName, Email, Password, RefreshToken, Session, User};
use crate::ids::{SessionId, UserId};
use crate::system::Runtime;
use crate::system::SecretGenerator;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// The prefix of every API key secret, so keys are recognisable in configs and leaks.
pub const API_KEY_PREFIX: &str = "cab_";
/// The prefix of every refresh token.
pub const REFRESH_TOKEN_PREFIX: &str = "cabr_";

/// Lifetimes and switches of the identity use cases.
#[derive(Debug, Clone)]
pub struct AuthSettings {
    /// Whether anyone may register (the first user always may).
    pub allow_registration: bool,
    /// Lifetime of an access token.
    pub access_ttl: Duration,
    /// A refresh token unused this long stops working.
    pub refresh_idle_ttl: Duration,
    /// A session ends this long after sign-in, however active.
    pub session_ttl: Duration,
    /// Sign-in throttling.
    pub throttle: ThrottleSettings,
}

/// Limits on sign-in attempts. Failures are counted per account and source
/// address, per known device, and per account for all unknown devices
/// together: a guesser locks out only their own address, spreading guesses
/// over many addresses is bounded by the account-wide limit, and even then
/// the owner still signs in from a device they signed in from before.
#[derive(Debug, Clone)]
pub struct ThrottleSettings {
    /// Failed attempts allowed on one account from one address per window.
    pub account_ip_failures: u64,
    /// Failed attempts allowed on one account from all devices it was never
    /// signed in from, together, per window.
    pub account_failures: u64,
    /// Failed attempts allowed from one device the account signed in from before.
    pub device_failures: u64,
    /// The window of the three account counters.
    pub account_window: Duration,
    /// How long a device stays known after a sign-in on it.
    pub device_ttl: Duration,
    /// Attempts allowed from one address per window.
    pub ip_attempts: u64,
    /// The address window.
    pub ip_window: Duration,
    /// Registrations allowed from one address per window (mass sign-up and
    /// email probing).
    pub register_attempts: u64,
    /// The registration window.
    pub register_window: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        Self {
            allow_registration: true,
            access_ttl: Duration::from_secs(10 * 60),
            refresh_idle_ttl: Duration::from_secs(14 * 24 * 3600),
            session_ttl: Duration::from_secs(30 * 24 * 3600),
            throttle: ThrottleSettings::default(),
        }
    }
}

impl Default for ThrottleSettings {
    fn default() -> Self {
        Self {
            account_ip_failures: 10,
            account_failures: 100,
            device_failures: 10,
            account_window: Duration::from_secs(3600),
            device_ttl: Duration::from_secs(180 * 24 * 3600),
            ip_attempts: 100,
            ip_window: Duration::from_secs(15 * 60),
            register_attempts: 20,
            register_window: Duration::from_secs(3600),
        }
    }
}

/// A sign-up request.
#[derive(Debug)]
pub struct Registration {
    /// The email, unvalidated.
    pub email: String,
    /// The password, unvalidated.
    pub password: String,
    /// The display name, unvalidated.
    pub display_name: String,
}

impl Registration {
    /// Validates every field, reporting all invalid ones together.
    fn parse(self) -> DomainResult<(Email, DisplayName, Password)> {
        collect_fields(
            Email::parse(&self.email),
            DisplayName::parse(&self.display_name),
            Password::new_checked("password", self.password),
        )
    }
}

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

/// The identity use cases.
pub struct AuthService {
    rt: Runtime,
    users: Arc<dyn UserRepository>,
    sessions: Arc<dyn SessionRepository>,
    api_keys: Arc<dyn ApiKeyRepository>,
    workspaces: Arc<dyn WorkspaceRepository>,
    hasher: Arc<dyn PasswordHasher>,
    tokens: Arc<dyn AccessTokenCodec>,
    secrets: Arc<dyn SecretGenerator>,
    limiter: Arc<dyn RateLimiter>,
    revocations: Arc<dyn RevocationList>,
    settings: AuthSettings,
}

impl std::fmt::Debug for AuthService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthService").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// The ports the identity use cases need.
#[allow(missing_debug_implementations)]
pub struct AuthPorts {
    /// Users.
    pub users: Arc<dyn UserRepository>,
    /// Sessions.
    pub sessions: Arc<dyn SessionRepository>,
    /// API keys, to authenticate scripts.
    pub api_keys: Arc<dyn ApiKeyRepository>,
    /// Memberships, to cap an API key by its creator's current role.
    pub workspaces: Arc<dyn WorkspaceRepository>,
    /// The password hasher.
    pub hasher: Arc<dyn PasswordHasher>,
    /// The access token codec.
    pub tokens: Arc<dyn AccessTokenCodec>,
    /// Random secrets and their hashes.
    pub secrets: Arc<dyn SecretGenerator>,
    /// Throttling counters.
    pub limiter: Arc<dyn RateLimiter>,
    /// Revoked access tokens.
    pub revocations: Arc<dyn RevocationList>,
}

fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

impl AuthService {
    /// The identity use cases over `ports`.
    #[must_use]
    pub fn new(rt: Runtime, ports: AuthPorts, settings: AuthSettings) -> Self {
        Self {
            rt,
            users: ports.users,
            sessions: ports.sessions,
            api_keys: ports.api_keys,
            workspaces: ports.workspaces,
            hasher: ports.hasher,
            tokens: ports.tokens,
            secrets: ports.secrets,
            limiter: ports.limiter,
            revocations: ports.revocations,
            settings,
        }
    }

    /// Registers a user. The first user of the instance becomes its
    /// administrator and may always register; after that, registration must
    /// be open.
    ///
    /// # Errors
    /// `RegistrationClosed`; `Invalid` fields; `Conflict(EmailTaken)`.
    pub async fn register(&self, actor: &Actor, input: Registration) -> DomainResult<User> {
        let (email, display_name, password) = input.parse()?;
        let first = self.users.count().await? == 0;
        if !first && !self.settings.allow_registration {
            return Err(DomainError::RegistrationClosed);
        }
        if let Some(ip) = actor.origin.ip {
            let throttle = &self.settings.throttle;
            let counter = self.limiter.hit(&format!("register:ip:{ip}"), throttle.register_window).await?;
            if counter.count > throttle.register_attempts {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        self.create_user(actor, email, display_name, &password, first).await
    }

    /// Creates an instance administrator (the `create-admin` command).
    ///
    /// # Errors
    /// `Forbidden` unless the actor is the system; as [`AuthService::register`] otherwise.
    pub async fn create_admin(&self, actor: &Actor, input: Registration) -> DomainResult<User> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only the system creates administrators"));
        }
        let (email, display_name, password) = input.parse()?;
        self.create_user(actor, email, display_name, &password, true).await
    }

    async fn create_user(
        &self,
        actor: &Actor,
        email: Email,
        display_name: DisplayName,
        password: &Password,
        instance_admin: bool,
    ) -> DomainResult<User> {
        let now = self.rt.clock.now();
        let user = User {
            id: UserId::from_uuid(self.rt.ids.new_id()),
            email,
            display_name,
            password_hash: self.hasher.hash(password).await?,
            instance_admin,
            disabled_at: None,
            created_at: now,
            updated_at: now,
        };
        let event = self.rt.event(
            actor,
            EventPayload::UserRegistered {
                user_id: user.id,
                email: user.email.as_str().to_owned(),
                display_name: user.display_name.as_str().to_owned(),
                instance_admin,
            },
        );
        self.users.create(&user, &[event]).await?;
        Ok(user)
    }

    /// Signs in with email and password and starts a session.
    ///
    /// Throttled per address (every attempt counts) and, for failures, per
    /// account and address, per known device, and per account across unknown
    /// devices (see [`ThrottleSettings`]); an unknown email costs as much time
    /// as a wrong password and gets the same answer. A successful sign-in
    /// returns a device token for the next one.
    ///
    /// # Errors
    /// `RateLimited`; `Unauthenticated(InvalidCredentials)`.
    pub async fn login(&self, actor: &Actor, input: Credentials) -> DomainResult<TokenPair> {
        let throttle = &self.settings.throttle;
        if let Some(ip) = actor.origin.ip {
            let counter = self.limiter.hit(&format!("login:ip:{ip}"), throttle.ip_window).await?;
            if counter.count > throttle.ip_attempts {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        let invalid = || DomainError::Unauthenticated(AuthFailure::InvalidCredentials);
        let password = Password::presented("password", input.password).map_err(|_| invalid())?;
        let Ok(email) = Email::parse(&input.email) else {
            self.hasher.verify_dummy(&password).await?;
            return Err(invalid());
        };
        let user = self.users.find_by_email(&email).await?;
        let device = input
            .device_token
            .as_deref()
            .and_then(|t| self.tokens.verify_device(t))
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
            if let Some(counter) = self.limiter.peek(key).await?
                && counter.count >= *limit
            {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        let failed = || async {
            for (key, _) in &counters {
                self.limiter.hit(key, throttle.account_window).await?;
            }
            Err::<TokenPair, _>(invalid())
        };
        let Some(user) = user else {
            self.hasher.verify_dummy(&password).await?;
            return failed().await;
        };
        let check = self.hasher.verify(&password, &user.password_hash).await?;
        if check == PasswordCheck::Mismatch || !user.is_active() {
            return failed().await;
        }
        for (key, _) in &counters {
            self.limiter.reset(key).await?;
        }
        if check == PasswordCheck::MatchNeedsRehash {
            let hash = self.hasher.hash(&password).await?;
            self.users.set_password(user.id, &hash, None, self.rt.clock.now(), &[]).await?;
        }
        let mut pair = self.start_session(actor, user.id).await?;
        let now = self.rt.clock.now();
        let device = DeviceClaims {
            user_id: user.id,
            device_id: device.map_or_else(|| self.rt.ids.new_id(), |d| d.device_id),
            issued_at: now,
            expires_at: now + delta(throttle.device_ttl),
        };
        pair.device_token = Some(self.tokens.issue_device(&device)?);
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
        self.sessions.create(&session, &record, &[event]).await?;
        self.token_pair(user_id, session.id, refresh_token, now)
    }

    fn new_refresh_token(
        &self,
        session_id: SessionId,
        now: DateTime<Utc>,
        session_end: DateTime<Utc>,
    ) -> (String, RefreshToken) {
        let token = self.secrets.generate(REFRESH_TOKEN_PREFIX);
        let record = RefreshToken {
            hash: self.secrets.hash(&token),
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
            access_token: self.tokens.issue(&claims)?,
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
        let hash = self.secrets.hash(refresh_token);
        let Some((token, session)) = self.sessions.find_refresh_token(&hash).await? else {
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
        match self.users.get(session.user_id).await? {
            Some(user) if user.is_active() => {}
            _ => return Err(invalid()),
        }
        let (new_token, record) = self.new_refresh_token(session.id, now, session.expires_at);
        let event = self.rt.event_by(
            user_actor(actor, session.user_id),
            actor,
            EventPayload::SessionRefreshed { user_id: session.user_id, session_id: session.id },
        );
        if !self.sessions.rotate_refresh_token(&hash, &record, &[event]).await? {
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
        self.sessions.revoke(session.id, RevocationReason::RefreshTokenReused, self.rt.clock.now(), &events).await?;
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
        let _ = self.revocations.revoke(&format!("jti:{token_id}"), remaining + Duration::from_secs(60)).await;
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
        self.sessions.revoke(session_id, reason, self.rt.clock.now(), &[event]).await
    }

    /// The caller's active sessions, newest first.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a signed-in user.
    pub async fn list_sessions(&self, actor: &Actor) -> DomainResult<Vec<SessionView>> {
        let (user_id, current) = signed_in(actor)?;
        let sessions = self.sessions.list_active(user_id, self.rt.clock.now()).await?;
        Ok(sessions.into_iter().map(|session| SessionView { current: session.id == current, session }).collect())
    }

    /// Revokes one of the caller's own sessions.
    ///
    /// # Errors
    /// `NotFound(Session)` when it is not the caller's or not active.
    pub async fn revoke_session(&self, actor: &Actor, session_id: SessionId) -> DomainResult<()> {
        let (user_id, _) = signed_in(actor)?;
        match self.sessions.get(session_id).await? {
            Some(session) if session.user_id == user_id => {}
            _ => return Err(DomainError::NotFound(Entity::Session)),
        }
        if self.end_session(actor, user_id, session_id, RevocationReason::RevokedByUser).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(Entity::Session))
        }
    }

    /// Changes the caller's password after checking the current one, and
    /// ends every other session.
    ///
    /// # Errors
    /// `Invalid` on `current_password` when it is wrong, on `new_password`
    /// when it breaks the policy.
    pub async fn change_password(&self, actor: &Actor, current: String, new: String) -> DomainResult<()> {
        let (user_id, session_id) = signed_in(actor)?;
        let user = self.users.get(user_id).await?.ok_or(DomainError::NotFound(Entity::User))?;
        let new = Password::new_checked("new_password", new)?;
        let current = Password::presented("current_password", current)?;
        if self.hasher.verify(&current, &user.password_hash).await? == PasswordCheck::Mismatch {
            return Err(DomainError::invalid("current_password", "is not your current password"));
        }
        let hash = self.hasher.hash(&new).await?;
        let active = self.sessions.list_active(user_id, self.rt.clock.now()).await?;
        let revoked: Vec<SessionId> = active.iter().map(|s| s.id).filter(|id| *id != session_id).collect();
        let mut events =
            vec![self.rt.event(actor, EventPayload::PasswordChanged { user_id, revoked_sessions: revoked.clone() })];
        events.extend(revoked.iter().map(|&id| {
            self.rt.event(
                actor,
                EventPayload::SessionRevoked { user_id, session_id: id, reason: RevocationReason::PasswordChanged },
            )
        }));
        self.users.set_password(user_id, &hash, Some(session_id), self.rt.clock.now(), &events).await?;
        Ok(())
    }

    /// The caller's own account.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a signed-in user.
    pub async fn me(&self, actor: &Actor) -> DomainResult<User> {
        let (user_id, _) = signed_in(actor)?;
        self.users.get(user_id).await?.ok_or(DomainError::NotFound(Entity::User))
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
        let claims = self.tokens.verify(bearer)?;
        if self.revocations.is_revoked(&format!("jti:{}", claims.token_id)).await.unwrap_or(false) {
            return Err(invalid());
        }
        let now = self.rt.clock.now();
        match self.sessions.get(claims.session_id).await? {
            Some(session) if session.user_id == claims.user_id && session.is_active(now) => {}
            _ => return Err(invalid()),
        }
        let user = match self.users.get(claims.user_id).await? {
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
        let key = match self.api_keys.find_by_hash(&self.secrets.hash(secret)).await? {
            Some(key) if key.is_active(now) => key,
            _ => return Err(invalid()),
        };
        // A key acts for its creator and can never do more than they can now:
        // a creator who left, was disabled or was demoted takes the key down too.
        let creator_active = self.users.get(key.created_by).await?.is_some_and(|u| u.is_active());
        let creator_role = match self.workspaces.membership(key.workspace_id, key.created_by).await? {
            Some(membership) if creator_active => membership.role,
            _ => return Err(invalid()),
        };
        let role = key.role.min(creator_role);
        // Recording every use would turn each read into a write; a minute's
        // precision is enough to tell live keys from dead ones.
        if key.last_used_at.is_none_or(|at| now - at > TimeDelta::minutes(1)) {
            self.api_keys.touch(key.id, now).await?;
        }
        Ok(Actor { principal: Principal::ApiKey { key_id: key.id, workspace_id: key.workspace_id, role }, origin })
    }
}

/// The signed-in user and session behind an actor.
fn signed_in(actor: &Actor) -> DomainResult<(UserId, SessionId)> {
    match actor.principal {
        Principal::User { user_id, session_id, .. } => Ok((user_id, session_id)),
        Principal::Anonymous => Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials)),
        _ => Err(DomainError::Forbidden("this needs a signed-in user")),
    }
}

/// Events of anonymous requests (sign-in, refresh) are attributed to the user
/// they concern, keeping the request's origin.
fn user_actor(actor: &Actor, user_id: UserId) -> ActorRef {
    match actor.principal {
        Principal::Anonymous => ActorRef { kind: ActorKind::User, id: Some(user_id.as_uuid()) },
        _ => actor.reference(),
    }
}

/// Gathers every field error of a form instead of stopping at the first.
fn collect_fields<A, B, C>(a: DomainResult<A>, b: DomainResult<B>, c: DomainResult<C>) -> DomainResult<(A, B, C)> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => {
            let mut errors = Vec::new();
            for err in [a.err(), b.err(), c.err()].into_iter().flatten() {
                match err {
                    DomainError::Invalid(fields) => errors.extend(fields),
                    other => return Err(other),
                }
            }
            Err(DomainError::Invalid(errors))
        }
    }
}

#[cfg(test)]
#[path = "auth_tests.rs"]
mod tests;
