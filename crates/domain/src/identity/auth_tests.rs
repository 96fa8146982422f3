use std::sync::Arc;
use std::time::Duration;

use chrono::TimeDelta;
use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::identity::PasswordHash;
use crate::identity::{
    Counter, MockAccessTokenCodec, MockApiKeyRepository, MockPasswordHasher, MockRateLimiter, MockRevocationList,
    MockSessionRepository, MockUserRepository,
};
use crate::system::MockSecretGenerator;
use crate::system::TokenHash;
use crate::testkit::{self, block_on, now, user, user_actor};
use crate::workspaces::MockWorkspaceRepository;
use crate::{Actor, Origin};

struct Mocks {
    users: MockUserRepository,
    sessions: MockSessionRepository,
    api_keys: MockApiKeyRepository,
    workspaces: MockWorkspaceRepository,
    hasher: MockPasswordHasher,
    tokens: MockAccessTokenCodec,
    secrets: MockSecretGenerator,
    limiter: MockRateLimiter,
    revocations: MockRevocationList,
}

impl Mocks {
    /// Mocks with the harmless plumbing (secrets, token signing) answered.
    fn new() -> Self {
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

    fn service(self) -> AuthService {
        self.service_with(AuthSettings::default())
    }

    fn service_with(self, settings: AuthSettings) -> AuthService {
        AuthService::new(
            testkit::runtime(),
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
            },
            settings,
        )
    }

    /// No throttling counters are running.
    fn quiet_limiter(&mut self) {
        self.limiter.expect_hit().returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
        self.limiter.expect_peek().returning(|_| Ok(None));
        self.limiter.expect_reset().returning(|_| Ok(()));
    }
}

fn anonymous() -> Actor {
    Actor::anonymous(Origin { request_id: None, ip: Some("127.0.0.9".parse().expect("ip")), user_agent: None })
}

fn registration(email: &str) -> Registration {
    Registration { email: email.into(), password: "correct horse battery".into(), display_name: "Alice".into() }
}

fn session_of(user_id: UserId) -> Session {
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

fn token_of(session: &Session, used: bool) -> RefreshToken {
    RefreshToken {
        hash: TokenHash::from_hex("h(cabr_old)".into()),
        session_id: session.id,
        created_at: now(),
        expires_at: now() + TimeDelta::days(14),
        used_at: used.then(now),
    }
}

#[test]
fn the_first_user_becomes_instance_admin() {
    let mut m = Mocks::new();
    m.quiet_limiter();
    m.users.expect_count().returning(|| Ok(0));
    m.hasher.expect_hash().returning(|_| Ok(PasswordHash::from_phc("$argon2id$x".into())));
    m.users
        .expect_create()
        .withf(|u, events| {
            u.instance_admin && events.len() == 1 && events[0].payload.event_type() == "user.registered.v1"
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let user = block_on(m.service().register(&anonymous(), registration("alice@example.com"))).expect("registered");
    assert!(user.instance_admin);
    assert_eq!(user.email.as_str(), "alice@example.com");
}

#[test]
fn later_users_are_not_admins() {
    let mut m = Mocks::new();
    m.quiet_limiter();
    m.users.expect_count().returning(|| Ok(3));
    m.hasher.expect_hash().returning(|_| Ok(PasswordHash::from_phc("$argon2id$x".into())));
    m.users.expect_create().withf(|u, _| !u.instance_admin).times(1).returning(|_, _| Ok(()));
    let user = block_on(m.service().register(&anonymous(), registration("bob@example.com"))).expect("registered");
    assert!(!user.instance_admin);
}

#[test]
fn closed_registration_refuses_all_but_the_first_user() {
    let mut m = Mocks::new();
    m.users.expect_count().returning(|| Ok(1));
    m.users.expect_create().never();
    let settings = AuthSettings { allow_registration: false, ..AuthSettings::default() };
    let err = block_on(m.service_with(settings).register(&anonymous(), registration("bob@example.com")));
    assert!(matches!(err, Err(DomainError::RegistrationClosed)));
}

#[test]
fn mass_registration_from_one_address_is_throttled() {
    let mut m = Mocks::new();
    m.users.expect_count().returning(|| Ok(5));
    m.limiter
        .expect_hit()
        .with(eq("register:ip:127.0.0.9"), mockall::predicate::always())
        .returning(|_, _| Ok(Counter { count: 21, resets_in: Duration::from_secs(600) }));
    m.hasher.expect_hash().never();
    m.users.expect_create().never();
    let err = block_on(m.service().register(&anonymous(), registration("bot@example.com")));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })));
}

#[test]
fn registration_reports_every_invalid_field_at_once() {
    let mut m = Mocks::new();
    m.users.expect_create().never();
    let input = Registration { email: "nope".into(), password: "short".into(), display_name: " ".into() };
    match block_on(m.service().register(&anonymous(), input)) {
        Err(DomainError::Invalid(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field).collect();
            assert_eq!(names, ["email", "display_name", "password"]);
        }
        other => panic!("expected invalid fields, got {other:?}"),
    }
}

#[test]
fn an_unknown_email_costs_a_dummy_verification_and_gets_the_generic_answer() {
    let mut m = Mocks::new();
    m.quiet_limiter();
    m.users.expect_find_by_email().returning(|_| Ok(None));
    m.hasher.expect_verify_dummy().times(1).returning(|_| Ok(()));
    m.hasher.expect_verify().never();
    let err = block_on(m.service().login(
        &anonymous(),
        Credentials { email: "ghost@example.com".into(), password: "whatever1".into(), device_token: None },
    ));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidCredentials))));
}

#[test]
fn a_wrong_password_counts_a_failure_against_the_account() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    m.limiter
        .expect_hit()
        .with(eq("login:ip:127.0.0.9"), mockall::predicate::always())
        .returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter.expect_peek().returning(|_| Ok(None));
    for key in ["login:account-ip:alice@example.com:127.0.0.9", "login:account:alice@example.com"] {
        m.limiter
            .expect_hit()
            .with(eq(key), mockall::predicate::always())
            .times(1)
            .returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    }
    m.users.expect_find_by_email().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::Mismatch));
    m.sessions.expect_create().never();
    let err = block_on(m.service().login(
        &anonymous(),
        Credentials { email: "alice@example.com".into(), password: "wrong-pass".into(), device_token: None },
    ));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidCredentials))));
}

#[test]
fn an_account_over_its_limit_refuses_unknown_devices_even_the_right_password() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    m.limiter.expect_hit().returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter.expect_peek().returning(|_| Ok(Some(Counter { count: 100, resets_in: Duration::from_secs(1800) })));
    m.hasher.expect_verify().never();
    m.users.expect_find_by_email().returning(move |_| Ok(Some(alice.clone())));
    let err = block_on(m.service().login(
        &anonymous(),
        Credentials { email: "alice@example.com".into(), password: "right-pass".into(), device_token: None },
    ));
    match err {
        Err(DomainError::RateLimited { retry_after }) => assert_eq!(retry_after, Duration::from_secs(1800)),
        other => panic!("expected rate limited, got {other:?}"),
    }
}

#[test]
fn too_many_attempts_from_one_address_are_refused_before_any_hashing() {
    let mut m = Mocks::new();
    m.limiter.expect_hit().returning(|_, _| Ok(Counter { count: 101, resets_in: Duration::from_secs(60) }));
    m.hasher.expect_verify().never();
    m.hasher.expect_verify_dummy().never();
    let err = block_on(m.service().login(
        &anonymous(),
        Credentials { email: "alice@example.com".into(), password: "anything1".into(), device_token: None },
    ));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })));
}

#[test]
fn a_successful_login_starts_a_session_and_clears_failures() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let alice_id = alice.id;
    m.limiter.expect_hit().returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter.expect_peek().returning(|_| Ok(Some(Counter { count: 3, resets_in: Duration::from_secs(60) })));
    for key in ["login:account-ip:alice@example.com:127.0.0.9", "login:account:alice@example.com"] {
        m.limiter.expect_reset().with(eq(key)).times(1).returning(|_| Ok(()));
    }
    m.users.expect_find_by_email().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::Match));
    m.users.expect_set_password().never();
    m.sessions
        .expect_create()
        .withf(move |s, t, events| {
            s.user_id == alice_id
                && t.session_id == s.id
                && t.used_at.is_none()
                && events[0].payload.event_type() == "auth.session_started.v1"
        })
        .times(1)
        .returning(|_, _, _| Ok(()));
    let pair = block_on(m.service().login(
        &anonymous(),
        Credentials { email: "Alice@Example.com".into(), password: "right-pass".into(), device_token: None },
    ))
    .expect("signed in");
    assert!(pair.refresh_token.starts_with(REFRESH_TOKEN_PREFIX));
    assert_eq!(pair.expires_in, 600);
    assert!(
        pair.device_token.is_some_and(|d| d.starts_with(&format!("device-{alice_id}-"))),
        "the device is known now"
    );
}

/// Mocks in which alice's password is `right-pass`, her device token
/// `known-device` names device `device`, and every account-wide counter of
/// unknown devices is spent.
fn mocks_with_a_guessed_at_account(alice: &crate::identity::User, device_owner: UserId, device: Uuid) -> Mocks {
    let mut m = Mocks::new();
    let (found, alice_id) = (alice.clone(), device_owner);
    m.limiter.expect_hit().returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter.expect_reset().returning(|_| Ok(()));
    m.limiter.expect_peek().returning(|key| {
        Ok(key.starts_with("login:account").then_some(Counter { count: 500, resets_in: Duration::from_secs(900) }))
    });
    m.tokens.expect_verify_device().returning(move |t| {
        (t == "known-device").then(|| crate::identity::DeviceClaims {
            user_id: alice_id,
            device_id: device,
            issued_at: now(),
            expires_at: now() + TimeDelta::days(30),
        })
    });
    m.users.expect_find_by_email().returning(move |_| Ok(Some(found.clone())));
    m.hasher
        .expect_verify()
        .returning(|p, _| Ok(if p.expose() == "right-pass" { PasswordCheck::Match } else { PasswordCheck::Mismatch }));
    m.sessions.expect_create().returning(|_, _, _| Ok(()));
    m
}

#[test]
fn a_device_the_owner_signed_in_from_is_throttled_on_its_own() {
    let alice = user("alice@example.com");
    let device = Uuid::new_v4();
    let known = |password: &str| Credentials {
        email: "alice@example.com".into(),
        password: password.into(),
        device_token: Some("known-device".into()),
    };
    // Guessers spent the account's budget for unknown devices: her own still signs in.
    let pair = block_on(
        mocks_with_a_guessed_at_account(&alice, alice.id, device).service().login(&anonymous(), known("right-pass")),
    )
    .expect("signed in from a known device");
    assert!(pair.device_token.is_some_and(|d| d.ends_with(&device.to_string())), "the device keeps its id");
    // A wrong password there counts against that device alone.
    let mut m = mocks_with_a_guessed_at_account(&alice, alice.id, device);
    m.limiter.checkpoint();
    m.limiter
        .expect_hit()
        .with(eq("login:ip:127.0.0.9"), mockall::predicate::always())
        .returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter
        .expect_hit()
        .with(eq(format!("login:device:{device}")), mockall::predicate::always())
        .times(1)
        .returning(|_, w| Ok(Counter { count: 1, resets_in: w }));
    m.limiter.expect_peek().returning(|_| Ok(None));
    let err = block_on(m.service().login(&anonymous(), known("wrong-pass")));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidCredentials))));
    // Without the device (or with someone else's), the spent budget applies.
    let unknown = Credentials { device_token: Some("forged".into()), ..known("right-pass") };
    let err =
        block_on(mocks_with_a_guessed_at_account(&alice, alice.id, device).service().login(&anonymous(), unknown));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })), "{err:?}");
    let someone_else = UserId::from_uuid(Uuid::new_v4());
    let m = mocks_with_a_guessed_at_account(&alice, someone_else, device);
    let err = block_on(m.service().login(&anonymous(), known("right-pass")));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })), "another user's device token is no pass: {err:?}");
}

#[test]
fn a_hash_with_old_parameters_is_replaced_on_login() {
    let mut m = Mocks::new();
    m.quiet_limiter();
    let alice = user("alice@example.com");
    m.users.expect_find_by_email().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::MatchNeedsRehash));
    m.hasher.expect_hash().times(1).returning(|_| Ok(PasswordHash::from_phc("$argon2id$new".into())));
    m.users
        .expect_set_password()
        .withf(|_, h, keep, _, events| h.as_phc() == "$argon2id$new" && keep.is_none() && events.is_empty())
        .times(1)
        .returning(|_, _, _, _, _| Ok(vec![]));
    m.sessions.expect_create().returning(|_, _, _| Ok(()));
    block_on(m.service().login(
        &anonymous(),
        Credentials { email: "alice@example.com".into(), password: "pw-123456".into(), device_token: None },
    ))
    .expect("signed in");
}

#[test]
fn refreshing_rotates_the_token() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let session = session_of(alice.id);
    let token = token_of(&session, false);
    let s = session.clone();
    m.sessions.expect_find_refresh_token().returning(move |_| Ok(Some((token.clone(), s.clone()))));
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    m.sessions
        .expect_rotate_refresh_token()
        .withf(|old, new, events| {
            old.as_str() == "h(cabr_old)"
                && new.hash != *old
                && events[0].payload.event_type() == "auth.session_refreshed.v1"
        })
        .times(1)
        .returning(|_, _, _| Ok(true));
    m.sessions.expect_revoke().never();
    let pair = block_on(m.service().refresh(&anonymous(), "cabr_old")).expect("refreshed");
    assert_ne!(pair.refresh_token, "cabr_old");
    assert_eq!(pair.session_id, session.id);
}

#[test]
fn a_reused_refresh_token_revokes_the_whole_family() {
    let mut m = Mocks::new();
    let session = session_of(UserId::from_uuid(Uuid::new_v4()));
    let token = token_of(&session, true);
    let s = session.clone();
    m.sessions.expect_find_refresh_token().returning(move |_| Ok(Some((token.clone(), s.clone()))));
    m.sessions
        .expect_revoke()
        .withf(move |id, reason, _, events| {
            *id == session.id
                && *reason == RevocationReason::RefreshTokenReused
                && events.iter().any(|e| e.payload.event_type() == "auth.refresh_reuse_detected.v1")
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    m.sessions.expect_rotate_refresh_token().never();
    let err = block_on(m.service().refresh(&anonymous(), "cabr_old"));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))));
}

#[test]
fn losing_a_concurrent_rotation_counts_as_reuse() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let session = session_of(alice.id);
    let token = token_of(&session, false);
    let s = session.clone();
    m.sessions.expect_find_refresh_token().returning(move |_| Ok(Some((token.clone(), s.clone()))));
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    m.sessions.expect_rotate_refresh_token().returning(|_, _, _| Ok(false));
    m.sessions.expect_revoke().times(1).returning(|_, _, _, _| Ok(true));
    let err = block_on(m.service().refresh(&anonymous(), "cabr_old"));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))));
}

#[test]
fn expired_revoked_or_foreign_refresh_tokens_are_refused() {
    let user_id = UserId::from_uuid(Uuid::new_v4());
    let mut expired = token_of(&session_of(user_id), false);
    expired.expires_at = now() - TimeDelta::seconds(1);
    let mut revoked = session_of(user_id);
    revoked.revoked_at = Some(now());
    let cases = [(expired, session_of(user_id)), (token_of(&revoked, false), revoked)];
    for (token, session) in cases {
        let mut m = Mocks::new();
        m.sessions.expect_find_refresh_token().returning(move |_| Ok(Some((token.clone(), session.clone()))));
        m.sessions.expect_rotate_refresh_token().never();
        let err = block_on(m.service().refresh(&anonymous(), "cabr_old"));
        assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))));
    }
    let mut m = Mocks::new();
    m.sessions.expect_find_refresh_token().never();
    let err = block_on(m.service().refresh(&anonymous(), "not-a-refresh-token"));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))));
}

#[test]
fn logout_revokes_the_session_and_the_access_token() {
    let mut m = Mocks::new();
    let actor = user_actor(UserId::from_uuid(Uuid::new_v4()));
    let Principal::User { session_id, token_id, .. } = actor.principal else { unreachable!() };
    m.revocations
        .expect_revoke()
        .withf(move |id, ttl| id == format!("jti:{token_id}") && *ttl >= Duration::from_secs(600))
        .times(1)
        .returning(|_, _| Ok(()));
    m.sessions
        .expect_revoke()
        .withf(move |id, reason, _, _| *id == session_id && *reason == RevocationReason::Logout)
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    block_on(m.service().logout(&actor)).expect("signed out");
}

#[test]
fn a_user_cannot_revoke_someone_elses_session() {
    let mut m = Mocks::new();
    let actor = user_actor(UserId::from_uuid(Uuid::new_v4()));
    let foreign = session_of(UserId::from_uuid(Uuid::new_v4()));
    let id = foreign.id;
    m.sessions.expect_get().returning(move |_| Ok(Some(foreign.clone())));
    m.sessions.expect_revoke().never();
    let err = block_on(m.service().revoke_session(&actor, id));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Session))));
}

#[test]
fn changing_the_password_needs_the_current_one() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::Mismatch));
    m.users.expect_set_password().never();
    let err = block_on(m.service().change_password(&actor, "wrong-one".into(), "a new passphrase".into()));
    match err {
        Err(DomainError::Invalid(fields)) => assert_eq!(fields[0].field, "current_password"),
        other => panic!("expected invalid current password, got {other:?}"),
    }
}

#[test]
fn changing_the_password_ends_every_other_session() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    let Principal::User { session_id: current, .. } = actor.principal else { unreachable!() };
    let mut this = session_of(alice.id);
    this.id = current;
    let other = session_of(alice.id);
    let other_id = other.id;
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::Match));
    m.hasher.expect_hash().returning(|_| Ok(PasswordHash::from_phc("$argon2id$new".into())));
    m.sessions.expect_list_active().returning(move |_, _| Ok(vec![this.clone(), other.clone()]));
    m.users
        .expect_set_password()
        .withf(move |_, _, keep, _, events| {
            *keep == Some(current)
                && events[0].payload.event_type() == "user.password_changed.v1"
                && events.iter().any(
                    |e| matches!(e.payload, EventPayload::SessionRevoked { session_id, .. } if session_id == other_id),
                )
                && !events.iter().any(
                    |e| matches!(e.payload, EventPayload::SessionRevoked { session_id, .. } if session_id == current),
                )
        })
        .times(1)
        .returning(move |_, _, _, _, _| Ok(vec![other_id]));
    block_on(m.service().change_password(&actor, "old-password".into(), "a new passphrase".into())).expect("changed");
}

fn claims_for(user_id: UserId, session_id: SessionId) -> AccessClaims {
    AccessClaims {
        user_id,
        session_id,
        token_id: Uuid::new_v4(),
        issued_at: now(),
        expires_at: now() + TimeDelta::minutes(10),
    }
}

#[test]
fn a_valid_access_token_authenticates_its_user() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let session = session_of(alice.id);
    let claims = claims_for(alice.id, session.id);
    m.tokens.expect_verify().returning(move |_| Ok(claims.clone()));
    m.revocations.expect_is_revoked().returning(|_| Ok(false));
    m.sessions.expect_get().returning(move |_| Ok(Some(session.clone())));
    let id = alice.id;
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    let actor = block_on(m.service().authenticate("jwt", Origin::default())).expect("authenticated");
    assert_eq!(actor.user_id(), Some(id));
}

#[test]
fn revoked_tokens_revoked_sessions_and_disabled_users_do_not_authenticate() {
    let alice = user("alice@example.com");
    let session = session_of(alice.id);
    let mut disabled = alice.clone();
    disabled.disabled_at = Some(now());
    let mut ended = session.clone();
    ended.revoked_at = Some(now());
    // (token revoked?, session, user)
    let cases = [
        (true, Some(session.clone()), Some(alice.clone())),
        (false, Some(ended), Some(alice.clone())),
        (false, None, Some(alice.clone())),
        (false, Some(session.clone()), Some(disabled)),
        (false, Some(session.clone()), None),
    ];
    for (revoked, session_row, user_row) in cases {
        let mut m = Mocks::new();
        let claims = claims_for(alice.id, session.id);
        m.tokens.expect_verify().returning(move |_| Ok(claims.clone()));
        m.revocations.expect_is_revoked().returning(move |_| Ok(revoked));
        m.sessions.expect_get().returning(move |_| Ok(session_row.clone()));
        m.users.expect_get().returning(move |_| Ok(user_row.clone()));
        let err = block_on(m.service().authenticate("jwt", Origin::default()));
        assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))));
    }
}

/// Mocks in which `key` is stored and its creator is an active user holding
/// `creator_role` in the key's workspace (no membership when `None`).
fn key_mocks(key: &crate::identity::ApiKey, creator_role: Option<crate::Role>, creator_disabled: bool) -> Mocks {
    let mut m = Mocks::new();
    let stored = key.clone();
    m.api_keys.expect_find_by_hash().returning(move |_| Ok(Some(stored.clone())));
    let creator = key.created_by;
    m.users.expect_get().returning(move |id| {
        let mut u = user("creator@example.com");
        u.id = id;
        u.disabled_at = creator_disabled.then(now);
        Ok((id == creator).then_some(u))
    });
    m.workspaces
        .expect_membership()
        .returning(move |w, u| Ok(creator_role.filter(|_| u == creator).map(|r| testkit::membership(w, u, r))));
    m
}

#[test]
fn api_keys_authenticate_as_their_own_actor_until_they_expire() {
    let workspace_id = crate::WorkspaceId::from_uuid(Uuid::new_v4());
    let key = testkit::api_key(workspace_id, UserId::from_uuid(Uuid::new_v4()), crate::Role::Editor);
    let mut m = key_mocks(&key, Some(crate::Role::Admin), false);
    m.api_keys.expect_touch().times(1).returning(|_, _| Ok(()));
    let actor = block_on(m.service().authenticate("cab_secret", Origin::default())).expect("authenticated");
    assert!(matches!(
        actor.principal,
        Principal::ApiKey { workspace_id: w, role: crate::Role::Editor, .. } if w == workspace_id
    ));

    let mut expired = key;
    expired.expires_at = Some(now());
    let mut m = key_mocks(&expired, Some(crate::Role::Admin), false);
    m.api_keys.expect_touch().never();
    let err = block_on(m.service().authenticate("cab_secret", Origin::default()));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))));
}

#[test]
fn an_api_key_never_acts_above_its_creators_current_role() {
    let workspace_id = crate::WorkspaceId::from_uuid(Uuid::new_v4());
    let key = testkit::api_key(workspace_id, UserId::from_uuid(Uuid::new_v4()), crate::Role::Admin);
    let mut m = key_mocks(&key, Some(crate::Role::Viewer), false);
    m.api_keys.expect_touch().returning(|_, _| Ok(()));
    let actor = block_on(m.service().authenticate("cab_secret", Origin::default())).expect("authenticated");
    assert!(matches!(actor.principal, Principal::ApiKey { role: crate::Role::Viewer, .. }), "capped at viewer");
}

#[test]
fn an_api_key_stops_working_when_its_creator_leaves_or_is_disabled() {
    let workspace_id = crate::WorkspaceId::from_uuid(Uuid::new_v4());
    let key = testkit::api_key(workspace_id, UserId::from_uuid(Uuid::new_v4()), crate::Role::Editor);
    for (role, disabled) in [(None, false), (Some(crate::Role::Owner), true)] {
        let mut m = key_mocks(&key, role, disabled);
        m.api_keys.expect_touch().never();
        let err = block_on(m.service().authenticate("cab_secret", Origin::default()));
        assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))), "{role:?} {disabled}");
    }
}

#[test]
fn only_the_system_creates_administrators() {
    let mut m = Mocks::new();
    m.hasher.expect_hash().returning(|_| Ok(PasswordHash::from_phc("$argon2id$x".into())));
    m.users.expect_create().withf(|u, _| u.instance_admin).times(1).returning(|_, _| Ok(()));
    let svc = m.service();
    let admin = block_on(svc.create_admin(&Actor::system(), registration("root@example.com"))).expect("created");
    assert!(admin.instance_admin);
    let err = block_on(svc.create_admin(&anonymous(), registration("evil@example.com")));
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}

#[test]
fn the_caller_sees_their_sessions_with_the_current_one_marked() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    let Principal::User { session_id: current, .. } = actor.principal else { unreachable!() };
    let mut this = session_of(alice.id);
    this.id = current;
    let other = session_of(alice.id);
    m.sessions
        .expect_list_active()
        .withf(move |u, _| *u == alice.id)
        .returning(move |_, _| Ok(vec![this.clone(), other.clone()]));
    let views = block_on(m.service().list_sessions(&actor)).expect("listed");
    assert_eq!(views.iter().filter(|v| v.current).count(), 1);
    assert_eq!(views.iter().find(|v| v.current).map(|v| v.session.id), Some(current));
}

#[test]
fn the_caller_revokes_their_own_session() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    let own = session_of(alice.id);
    let id = own.id;
    m.sessions.expect_get().returning(move |_| Ok(Some(own.clone())));
    m.sessions
        .expect_revoke()
        .withf(move |s, reason, _, events| {
            *s == id
                && *reason == RevocationReason::RevokedByUser
                && events[0].payload.event_type() == "auth.session_revoked.v1"
        })
        .times(1)
        .returning(|_, _, _, _| Ok(true));
    block_on(m.service().revoke_session(&actor, id)).expect("revoked");
}

#[test]
fn api_keys_and_anonymous_callers_have_no_account_or_sessions() {
    let key = crate::testkit::key_actor(crate::WorkspaceId::from_uuid(Uuid::new_v4()), crate::Role::Owner);
    let svc = Mocks::new().service();
    assert!(matches!(block_on(svc.me(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(block_on(svc.logout(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(block_on(svc.list_sessions(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(
        block_on(svc.me(&anonymous())),
        Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials))
    ));
}

#[test]
fn me_returns_the_signed_in_user() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    let expected = alice.clone();
    m.users.expect_get().with(eq(alice.id)).returning(move |_| Ok(Some(alice.clone())));
    assert_eq!(block_on(m.service().me(&actor)).expect("me"), expected);
}
