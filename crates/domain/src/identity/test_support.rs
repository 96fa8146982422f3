//! Mocks of the identity ports and builders shared by the identity service tests.

use std::sync::Arc;

use chrono::TimeDelta;
use uuid::Uuid;

use crate::identity::*;
use crate::identity::{AccountService, AuthPorts, AuthSettings, AuthenticationService, Registration, SessionService};
use crate::identity::{
    Counter, MockAccessTokenCodec, MockApiKeyRepository, MockPasswordHasher, MockRateLimiter, MockRevocationList,
    MockSessionRepository, MockUserRepository,
};
use crate::ids::{SessionId, UserId};
use crate::system::MockSecretGenerator;
use crate::system::TokenHash;
use crate::testkit::{self, now};
use crate::workspaces::MockWorkspaceRepository;
use crate::{Actor, Origin};

pub struct Mocks {
    pub users: MockUserRepository,
    pub sessions: MockSessionRepository,
    pub api_keys: MockApiKeyRepository,
    pub workspaces: MockWorkspaceRepository,
    pub hasher: MockPasswordHasher,
    pub tokens: MockAccessTokenCodec,
    pub secrets: MockSecretGenerator,
    pub limiter: MockRateLimiter,
    pub revocations: MockRevocationList,
}

impl Mocks {
    /// Mocks with the harmless plumbing (secrets, token signing) answered.
    pub fn new() -> Self {
        let mut secrets = MockSecretGenerator::new();
        secrets.expect_generate().returning(|prefix| format!("{prefix}{}", Uuid::new_v4().simple()));
        secrets.expect_hash().returning(|s| TokenHash::from_hex(format!("h({s})")));
        let mut tokens = MockAccessTokenCodec::new();
        tokens.expect_issue().returning(|c| Ok(format!("jwt-for-{}", c.user_id)));
        tokens.expect_issue_device().returning(|d| Ok(format!("device-{}-{}", d.user_id, d.device_id)));
        Self {
            users: MockUserRepository::new(),
            sessions: MockSessionRepository::new(),
            api_keys: MockApiKeyRepository::new(),
            workspaces: MockWorkspaceRepository::new(),
            hasher: MockPasswordHasher::new(),
            tokens,
            secrets,
            limiter: MockRateLimiter::new(),
            revocations: MockRevocationList::new(),
        }
    }

    pub fn accounts(self) -> AccountService {
        self.accounts_with(AuthSettings::default())
    }

    pub fn accounts_with(self, settings: AuthSettings) -> AccountService {
        AccountService::new(testkit::runtime(), &self.ports(), settings)
    }

    pub fn sessions(self) -> SessionService {
        self.sessions_with(AuthSettings::default())
    }

    pub fn sessions_with(self, settings: AuthSettings) -> SessionService {
        SessionService::new(testkit::runtime(), &self.ports(), settings)
    }

    pub fn authentication(self) -> AuthenticationService {
        AuthenticationService::new(testkit::runtime(), &self.ports())
    }

    fn ports(self) -> AuthPorts {
        AuthPorts {
            users: Arc::new(self.users),
            sessions: Arc::new(self.sessions),
            api_keys: Arc::new(self.api_keys),
            workspaces: Arc::new(self.workspaces),
            hasher: Arc::new(self.hasher),
            tokens: Arc::new(self.tokens),
            secrets: Arc::new(self.secrets),
            limiter: Arc::new(self.limiter),
            revocations: Arc::new(self.revocations),
        }
    }

    /// No throttling counters are running.
    pub fn quiet_limiter(&mut self) {
        self.limiter.expect_hit().returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
        self.limiter.expect_peek().returning(|_| Ok(None));
        self.limiter.expect_reset().returning(|_| Ok(()));
    }
}

pub fn anonymous() -> Actor {
    Actor::anonymous(Origin { request_id: None, ip: Some("127.0.0.9".parse().expect("ip")), user_agent: None })
}

pub fn registration(email: &str) -> Registration {
    Registration { email: email.into(), password: "correct horse battery".into(), display_name: "Alice".into() }
}

pub fn session_of(user_id: UserId) -> Session {
    Session {
        id: SessionId::from_uuid(Uuid::new_v4()),
        user_id,
        created_at: now(),
        last_used_at: now(),
        expires_at: now() + TimeDelta::days(30),
        revoked_at: None,
        user_agent: None,
        ip: None,
    }
}

pub fn token_of(session: &Session, used: bool) -> RefreshToken {
    RefreshToken {
        hash: TokenHash::from_hex("h(cabr_old)".into()),
        session_id: session.id,
        created_at: now(),
        expires_at: now() + TimeDelta::days(14),
        used_at: used.then(now),
    }
}
