use std::time::Duration;

use mockall::predicate::eq;

use super::*;
use crate::Actor;
use crate::Principal;
use crate::audit::EventPayload;
use crate::error::DomainError;
use crate::identity::Counter;
use crate::identity::PasswordHash;
use crate::identity::test_support::*;
use crate::identity::*;
use crate::testkit::{block_on, user, user_actor};

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
    let user = block_on(m.accounts().register(&anonymous(), registration("alice@example.com"))).expect("registered");
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
    let user = block_on(m.accounts().register(&anonymous(), registration("bob@example.com"))).expect("registered");
    assert!(!user.instance_admin);
}
#[test]
fn closed_registration_refuses_all_but_the_first_user() {
    let mut m = Mocks::new();
    m.users.expect_count().returning(|| Ok(1));
    m.users.expect_create().never();
    let settings = AuthSettings { allow_registration: false, ..AuthSettings::default() };
    let err = block_on(m.accounts_with(settings).register(&anonymous(), registration("bob@example.com")));
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
    let err = block_on(m.accounts().register(&anonymous(), registration("bot@example.com")));
    assert!(matches!(err, Err(DomainError::RateLimited { .. })));
}
#[test]
fn registration_reports_every_invalid_field_at_once() {
    let mut m = Mocks::new();
    m.users.expect_create().never();
    let input = Registration { email: "nope".into(), password: "short".into(), display_name: " ".into() };
    match block_on(m.accounts().register(&anonymous(), input)) {
        Err(DomainError::Invalid(fields)) => {
            let names: Vec<_> = fields.iter().map(|f| f.field).collect();
            assert_eq!(names, ["email", "display_name", "password"]);
        }
        other => panic!("expected invalid fields, got {other:?}"),
    }
}
#[test]
fn changing_the_password_needs_the_current_one() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    m.users.expect_get().returning(move |_| Ok(Some(alice.clone())));
    m.hasher.expect_verify().returning(|_, _| Ok(PasswordCheck::Mismatch));
    m.users.expect_set_password().never();
    let err = block_on(m.accounts().change_password(&actor, "wrong-one".into(), "a new passphrase".into()));
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
    block_on(m.accounts().change_password(&actor, "old-password".into(), "a new passphrase".into())).expect("changed");
}
#[test]
fn only_the_system_creates_administrators() {
    let mut m = Mocks::new();
    m.hasher.expect_hash().returning(|_| Ok(PasswordHash::from_phc("$argon2id$x".into())));
    m.users.expect_create().withf(|u, _| u.instance_admin).times(1).returning(|_, _| Ok(()));
    let svc = m.accounts();
    let admin = block_on(svc.create_admin(&Actor::system(), registration("root@example.com"))).expect("created");
    assert!(admin.instance_admin);
    let err = block_on(svc.create_admin(&anonymous(), registration("evil@example.com")));
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}
#[test]
fn me_returns_the_signed_in_user() {
    let mut m = Mocks::new();
    let alice = user("alice@example.com");
    let actor = user_actor(alice.id);
    let expected = alice.clone();
    m.users.expect_get().with(eq(alice.id)).returning(move |_| Ok(Some(alice.clone())));
    assert_eq!(block_on(m.accounts().me(&actor)).expect("me"), expected);
}
