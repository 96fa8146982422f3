use chrono::TimeDelta;
use uuid::Uuid;

use crate::Origin;
use crate::Principal;
use crate::error::{AuthFailure, DomainError};
use crate::identity::test_support::*;
use crate::identity::*;
use crate::ids::{SessionId, UserId};
use crate::testkit::{self, block_on, now, user};

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
    let actor = block_on(m.authentication().authenticate("jwt", Origin::default())).expect("authenticated");
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
        let err = block_on(m.authentication().authenticate("jwt", Origin::default()));
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
    let actor = block_on(m.authentication().authenticate("cab_secret", Origin::default())).expect("authenticated");
    assert!(matches!(
        actor.principal,
        Principal::ApiKey { workspace_id: w, role: crate::Role::Editor, .. } if w == workspace_id
    ));

    let mut expired = key;
    expired.expires_at = Some(now());
    let mut m = key_mocks(&expired, Some(crate::Role::Admin), false);
    m.api_keys.expect_touch().never();
    let err = block_on(m.authentication().authenticate("cab_secret", Origin::default()));
    assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))));
}
#[test]
fn an_api_key_never_acts_above_its_creators_current_role() {
    let workspace_id = crate::WorkspaceId::from_uuid(Uuid::new_v4());
    let key = testkit::api_key(workspace_id, UserId::from_uuid(Uuid::new_v4()), crate::Role::Admin);
    let mut m = key_mocks(&key, Some(crate::Role::Viewer), false);
    m.api_keys.expect_touch().returning(|_, _| Ok(()));
    let actor = block_on(m.authentication().authenticate("cab_secret", Origin::default())).expect("authenticated");
    assert!(matches!(actor.principal, Principal::ApiKey { role: crate::Role::Viewer, .. }), "capped at viewer");
}
#[test]
fn an_api_key_stops_working_when_its_creator_leaves_or_is_disabled() {
    let workspace_id = crate::WorkspaceId::from_uuid(Uuid::new_v4());
    let key = testkit::api_key(workspace_id, UserId::from_uuid(Uuid::new_v4()), crate::Role::Editor);
    for (role, disabled) in [(None, false), (Some(crate::Role::Owner), true)] {
        let mut m = key_mocks(&key, role, disabled);
        m.api_keys.expect_touch().never();
        let err = block_on(m.authentication().authenticate("cab_secret", Origin::default()));
        assert!(matches!(err, Err(DomainError::Unauthenticated(AuthFailure::InvalidToken))), "{role:?} {disabled}");
    }
}
