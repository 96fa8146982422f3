use std::time::Duration;

use chrono::TimeDelta;
use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::Principal;
use crate::audit::RevocationReason;
use crate::error::{AuthFailure, DomainError, Entity};
use crate::identity::Counter;
use crate::identity::PasswordHash;
use crate::identity::test_support::*;
use crate::identity::*;
use crate::ids::UserId;
use crate::testkit::{block_on, now, user, user_actor};

#[test]
fn an_unknown_email_costs_a_dummy_verification_and_gets_the_generic_answer() {
    let mut m = Mocks::new();
    m.quiet_limiter();
    m.users.expect_find_by_email().returning(|_| Ok(None));
    m.hasher.expect_verify_dummy().times(1).returning(|_| Ok(()));
    m.hasher.expect_verify().never();
    let err = block_on(m.sessions().login(
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
    let err = block_on(m.sessions().login(
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
    let err = block_on(m.sessions().login(
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
    let err = block_on(m.sessions().login(
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
    let pair = block_on(m.sessions().login(
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
        mocks_with_a_guessed_at_account(&alice, alice.id, device).sessions().login(&anonymous(), known("right-pass")),
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
    let err = block_on(m.sessions().login(&anonymous(), known("wrong-pass")));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidCredentials))));
    // Without the device (or with someone else's), the spent budget applies.
    let unknown = Credentials { device_token: Some("forged".into()), ..known("right-pass") };
    let err =
        block_on(mocks_with_a_guessed_at_account(&alice, alice.id, device).sessions().login(&anonymous(), unknown));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })), "{err:?}");
    let someone_else = UserId::from_uuid(Uuid::new_v4());
    let m = mocks_with_a_guessed_at_account(&alice, someone_else, device);
    let err = block_on(m.sessions().login(&anonymous(), known("right-pass")));
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
    block_on(m.sessions().login(
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
    let pair = block_on(m.sessions().refresh(&anonymous(), "cabr_old")).expect("refreshed");
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
    let err = block_on(m.sessions().refresh(&anonymous(), "cabr_old"));
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
    let err = block_on(m.sessions().refresh(&anonymous(), "cabr_old"));
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
        let err = block_on(m.sessions().refresh(&anonymous(), "cabr_old"));
        assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))));
    }
    let mut m = Mocks::new();
    m.sessions.expect_find_refresh_token().never();
    let err = block_on(m.sessions().refresh(&anonymous(), "not-a-refresh-token"));
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
    block_on(m.sessions().logout(&actor)).expect("signed out");
}
#[test]
fn a_user_cannot_revoke_someone_elses_session() {
    let mut m = Mocks::new();
    let actor = user_actor(UserId::from_uuid(Uuid::new_v4()));
    let foreign = session_of(UserId::from_uuid(Uuid::new_v4()));
    let id = foreign.id;
    m.sessions.expect_get().returning(move |_| Ok(Some(foreign.clone())));
    m.sessions.expect_revoke().never();
    let err = block_on(m.sessions().revoke_session(&actor, id));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Session))));
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
    let views = block_on(m.sessions().list_sessions(&actor)).expect("listed");
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
    block_on(m.sessions().revoke_session(&actor, id)).expect("revoked");
}
#[test]
fn api_keys_and_anonymous_callers_have_no_account_or_sessions() {
    let key = crate::testkit::key_actor(crate::WorkspaceId::from_uuid(Uuid::new_v4()), crate::Role::Owner);
    let svc = Mocks::new().sessions();
    let accounts = Mocks::new().accounts();
    assert!(matches!(block_on(accounts.me(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(block_on(svc.logout(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(block_on(svc.list_sessions(&key)), Err(DomainError::Forbidden(_))));
    assert!(matches!(
        block_on(accounts.me(&anonymous())),
        Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials))
    ));
}
