//! The settings of the identity use cases, the ports they share, and the
//! helpers they have in common.

use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;

use crate::actor::{ActorKind, ActorRef};
use crate::error::{AuthFailure, DomainError};
use crate::identity::{
    AccessTokenCodec, ApiKeyRepository, PasswordHasher, RateLimiter, RevocationList, SessionRepository, UserRepository,
};
use crate::ids::{SessionId, UserId};
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

/// The ports the identity use cases need.
#[allow(missing_debug_implementations)]
#[derive(Clone)]
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

/// A duration as a time delta, saturating.
pub(super) fn delta(d: Duration) -> TimeDelta {
    TimeDelta::from_std(d).unwrap_or(TimeDelta::MAX)
}

/// The signed-in user and session behind an actor.
pub(super) fn signed_in(actor: &Actor) -> DomainResult<(UserId, SessionId)> {
    match actor.principal {
        Principal::User { user_id, session_id, .. } => Ok((user_id, session_id)),
        Principal::Anonymous => Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials)),
        _ => Err(DomainError::Forbidden("this needs a signed-in user")),
    }
}

/// Events of anonymous requests (sign-in, refresh) are attributed to the user
/// they concern, keeping the request's origin.
pub(super) fn user_actor(actor: &Actor, user_id: UserId) -> ActorRef {
    match actor.principal {
        Principal::Anonymous => ActorRef { kind: ActorKind::User, id: Some(user_id.as_uuid()) },
        _ => actor.reference(),
    }
}
