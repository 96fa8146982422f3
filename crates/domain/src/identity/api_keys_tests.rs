use std::sync::Arc;

use chrono::TimeDelta;
use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::identity::MockApiKeyRepository;
use crate::ids::UserId;
use crate::system::MockSecretGenerator;
use crate::system::TokenHash;
use crate::testkit::{self, block_on, key_actor, membership, now, user_actor};
use crate::workspaces::MockWorkspaceRepository;

fn service(role: Option<Role>, me: UserId, ws: WorkspaceId, keys: MockApiKeyRepository) -> ApiKeyService {
    let mut workspaces = MockWorkspaceRepository::new();
    workspaces.expect_membership().with(eq(ws), eq(me)).returning(move |w, u| Ok(role.map(|r| membership(w, u, r))));
    let mut secrets = MockSecretGenerator::new();
    secrets.expect_generate().returning(|p| format!("{p}0123456789abcdefSECRET"));
    secrets.expect_hash().returning(|s| TokenHash::from_hex(format!("h({s})")));
    ApiKeyService::new(testkit::runtime(), Arc::new(keys), Arc::new(secrets), Arc::new(workspaces))
}

fn request(role: Role) -> CreateApiKey {
    CreateApiKey { name: "deploy bot".into(), role, expires_at: Some(now() + TimeDelta::days(30)) }
}

#[test]
fn an_admin_creates_a_key_and_sees_its_secret_once() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()));
    let mut keys = MockApiKeyRepository::new();
    keys.expect_create()
        .withf(|k, events| {
            k.hash.as_str() == "h(cab_0123456789abcdefSECRET)"
                && k.prefix == "cab_01234567"
                && events[0].payload.event_type() == "api_key.created.v1"
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let created = block_on(service(Some(Role::Admin), me, ws, keys).create(&user_actor(me), ws, request(Role::Editor)))
        .expect("created");
    assert_eq!(created.secret, "cab_0123456789abcdefSECRET");
    assert_eq!(created.key.role, Role::Editor);
    assert_eq!(created.key.created_by, me);
}

#[test]
fn key_roles_are_capped_by_the_creators_role_and_only_admins_create_keys() {
    // (creator, key role, allowed)
    let cases = [
        (Role::Owner, Role::Owner, true),
        (Role::Admin, Role::Admin, true),
        (Role::Admin, Role::Owner, false),
        (Role::Editor, Role::Viewer, false),
        (Role::Viewer, Role::Viewer, false),
    ];
    for (creator, role, allowed) in cases {
        let (ws, me) = (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()));
        let mut keys = MockApiKeyRepository::new();
        keys.expect_create().returning(|_, _| Ok(()));
        let result = block_on(service(Some(creator), me, ws, keys).create(&user_actor(me), ws, request(role)));
        match (allowed, result) {
            (true, Ok(_)) | (false, Err(DomainError::Forbidden(_))) => {}
            (_, other) => panic!("{creator} creating a {role} key: {other:?}"),
        }
    }
}

#[test]
fn keys_cannot_mint_keys() {
    let ws = WorkspaceId::from_uuid(Uuid::new_v4());
    let mut keys = MockApiKeyRepository::new();
    keys.expect_create().never();
    let svc = service(None, UserId::from_uuid(Uuid::new_v4()), ws, keys);
    let err = block_on(svc.create(&key_actor(ws, Role::Owner), ws, request(Role::Viewer)));
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}

#[test]
fn an_expiry_in_the_past_is_invalid() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()));
    let mut keys = MockApiKeyRepository::new();
    keys.expect_create().never();
    let input = CreateApiKey { expires_at: Some(now()), ..request(Role::Viewer) };
    let err = block_on(service(Some(Role::Owner), me, ws, keys).create(&user_actor(me), ws, input));
    assert!(matches!(err, Err(DomainError::Invalid(ref f)) if f[0].field == "expires_at"));
}

#[test]
fn revoking_an_unknown_key_is_not_found() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()));
    let mut keys = MockApiKeyRepository::new();
    keys.expect_revoke().returning(|_, _, _, _| Ok(false));
    let err = block_on(service(Some(Role::Admin), me, ws, keys).revoke(
        &user_actor(me),
        ws,
        ApiKeyId::from_uuid(Uuid::new_v4()),
    ));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::ApiKey))));
}

#[test]
fn viewers_cannot_list_keys() {
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()));
    let mut keys = MockApiKeyRepository::new();
    keys.expect_list().never();
    let err = block_on(service(Some(Role::Viewer), me, ws, keys).list(&user_actor(me), ws, PageRequest::first()));
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}
