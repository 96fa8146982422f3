use std::sync::Arc;

use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::identity::{MockApiKeyRepository, MockUserRepository};
use crate::page::Page;
use crate::testkit::{self, api_key, block_on, key_actor, membership, now, user, user_actor, workspace};
use crate::workspaces::Member;
use crate::workspaces::MockWorkspaceRepository;

fn ws_id() -> WorkspaceId {
    WorkspaceId::from_uuid(Uuid::new_v4())
}

fn uid() -> UserId {
    UserId::from_uuid(Uuid::new_v4())
}

fn service(workspaces: MockWorkspaceRepository, users: MockUserRepository) -> WorkspaceService {
    let mut keys = MockApiKeyRepository::new();
    keys.expect_list().returning(|_, _| Ok(Page { items: Vec::new(), next_after: None }));
    service_with_keys(workspaces, users, keys)
}

fn service_with_keys(
    workspaces: MockWorkspaceRepository,
    users: MockUserRepository,
    keys: MockApiKeyRepository,
) -> WorkspaceService {
    WorkspaceService::new(testkit::runtime(), Arc::new(workspaces), Arc::new(users), Arc::new(keys))
}

/// A repository in which `actor` holds `role` in `ws`.
fn repo_with_role(ws: WorkspaceId, actor: UserId, role: Option<Role>) -> MockWorkspaceRepository {
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_membership().with(eq(ws), eq(actor)).returning(move |w, u| Ok(role.map(|r| membership(w, u, r))));
    repo.expect_get().returning(|id| Ok(Some(workspace(id))));
    repo
}

fn members_page(ws: WorkspaceId, members: &[(UserId, Role)]) -> Page<Member> {
    let items = members
        .iter()
        .map(|&(u, r)| Member {
            membership: membership(ws, u, r),
            email: crate::identity::Email::parse("m@example.com").expect("email"),
            display_name: crate::identity::DisplayName::parse("M").expect("name"),
        })
        .collect();
    Page { items, next_after: None }
}

#[test]
fn the_creator_owns_a_new_workspace() {
    let owner = uid();
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_create()
        .withf(move |w, m, root, events| {
            m.user_id == owner
                && m.workspace_id == w.id
                && m.role == Role::Owner
                && root.id == w.root_folder_id
                && root.is_root()
                && root.workspace_id == w.id
                && events.iter().map(|e| e.payload.event_type()).collect::<Vec<_>>()
                    == ["workspace.created.v1", "member.added.v1", "folder.created.v1"]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let created =
        block_on(service(repo, MockUserRepository::new()).create(&user_actor(owner), " Acme ")).expect("created");
    assert_eq!(created.role, Role::Owner);
    assert_eq!(created.workspace.name.as_str(), "Acme");
}

#[test]
fn api_keys_cannot_create_workspaces() {
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_create().never();
    let err = block_on(service(repo, MockUserRepository::new()).create(&key_actor(ws_id(), Role::Owner), "Acme"));
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}

#[test]
fn a_non_member_gets_not_found_for_everything() {
    let (ws, stranger) = (ws_id(), uid());
    let svc = service(repo_with_role(ws, stranger, None), MockUserRepository::new());
    let actor = user_actor(stranger);
    let not_found = |r: DomainResult<()>| matches!(r, Err(DomainError::NotFound(Entity::Workspace)));
    assert!(not_found(block_on(svc.get(&actor, ws)).map(|_| ())));
    assert!(not_found(block_on(svc.rename(&actor, ws, "x")).map(|_| ())));
    assert!(not_found(block_on(svc.delete(&actor, ws))));
    assert!(not_found(block_on(svc.members(&actor, ws, PageRequest::first())).map(|_| ())));
    assert!(not_found(block_on(svc.add_member(&actor, ws, "a@example.com", Role::Viewer)).map(|_| ())));
    assert!(not_found(block_on(svc.change_role(&actor, ws, uid(), Role::Viewer)).map(|_| ())));
    assert!(not_found(block_on(svc.remove_member(&actor, ws, uid()))));
}

#[test]
fn an_api_key_of_another_workspace_gets_not_found() {
    let ws = ws_id();
    let svc = service(MockWorkspaceRepository::new(), MockUserRepository::new());
    let err = block_on(svc.get(&key_actor(ws_id(), Role::Owner), ws));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Workspace))));
}

#[test]
fn every_role_meets_the_policy_on_every_workspace_operation() {
    // (operation, [owner, admin, editor, viewer])
    let expectations: [(&str, [bool; 4]); 4] = [
        ("get", [true, true, true, true]),
        ("members", [true, true, true, true]),
        ("rename", [true, true, false, false]),
        ("delete", [true, false, false, false]),
    ];
    for (op, allowed) in expectations {
        for (role, allowed) in Role::ALL.into_iter().zip(allowed) {
            let (ws, me) = (ws_id(), uid());
            let mut repo = repo_with_role(ws, me, Some(role));
            repo.expect_rename().returning(|_, _, _, _| Ok(()));
            repo.expect_delete().returning(|_, _| Ok(()));
            repo.expect_list_members().returning(move |w, _| Ok(members_page(w, &[])));
            let svc = service(repo, MockUserRepository::new());
            let actor = user_actor(me);
            let result = match op {
                "get" => block_on(svc.get(&actor, ws)).map(|_| ()),
                "members" => block_on(svc.members(&actor, ws, PageRequest::first())).map(|_| ()),
                "rename" => block_on(svc.rename(&actor, ws, "New name")).map(|_| ()),
                "delete" => block_on(svc.delete(&actor, ws)),
                _ => unreachable!(),
            };
            if allowed {
                assert!(result.is_ok(), "{role} may {op}: {result:?}");
            } else {
                assert!(matches!(result, Err(DomainError::Forbidden(_))), "{role} may not {op}: {result:?}");
            }
        }
    }
}

#[test]
fn members_are_added_with_at_most_the_inviters_role() {
    // (inviter, granted role, allowed)
    let cases = [
        (Role::Owner, Role::Owner, true),
        (Role::Admin, Role::Admin, true),
        (Role::Admin, Role::Owner, false),
        (Role::Editor, Role::Viewer, false),
        (Role::Viewer, Role::Viewer, false),
    ];
    for (inviter, granted, allowed) in cases {
        let (ws, me) = (ws_id(), uid());
        let mut repo = repo_with_role(ws, me, Some(inviter));
        repo.expect_add_member()
            .withf(move |m, events| m.role == granted && events[0].payload.event_type() == "member.added.v1")
            .returning(|_, _| Ok(()));
        let mut users = MockUserRepository::new();
        users.expect_find_by_email().returning(|e| Ok(Some(user(e.as_str()))));
        let result = block_on(service(repo, users).add_member(&user_actor(me), ws, "new@example.com", granted));
        assert_eq!(result.is_ok(), allowed, "{inviter} grants {granted}: {result:?}");
    }
}

#[test]
fn inviting_an_unknown_email_is_not_found() {
    let (ws, me) = (ws_id(), uid());
    let mut users = MockUserRepository::new();
    users.expect_find_by_email().returning(|_| Ok(None));
    let svc = service(repo_with_role(ws, me, Some(Role::Admin)), users);
    let err = block_on(svc.add_member(&user_actor(me), ws, "ghost@example.com", Role::Viewer));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::User))));
}

#[test]
fn admins_cannot_demote_or_remove_owners() {
    let (ws, me, owner) = (ws_id(), uid(), uid());
    let mut repo = repo_with_role(ws, me, Some(Role::Admin));
    repo.expect_membership().with(eq(ws), eq(owner)).returning(move |w, u| Ok(Some(membership(w, u, Role::Owner))));
    repo.expect_change_role().never();
    repo.expect_remove_member().never();
    let svc = service(repo, MockUserRepository::new());
    let actor = user_actor(me);
    assert!(matches!(block_on(svc.change_role(&actor, ws, owner, Role::Viewer)), Err(DomainError::Forbidden(_))));
    assert!(matches!(block_on(svc.remove_member(&actor, ws, owner)), Err(DomainError::Forbidden(_))));
}

#[test]
fn the_last_owner_cannot_step_down_or_leave() {
    let (ws, me) = (ws_id(), uid());
    let mut repo = repo_with_role(ws, me, Some(Role::Owner));
    repo.expect_list_members().returning(move |w, _| Ok(members_page(w, &[(me, Role::Owner), (uid(), Role::Admin)])));
    repo.expect_change_role().never();
    repo.expect_remove_member().never();
    let svc = service(repo, MockUserRepository::new());
    let actor = user_actor(me);
    let last_owner = |r: DomainResult<()>| matches!(r, Err(DomainError::Conflict(Conflict::LastOwner)));
    assert!(last_owner(block_on(svc.change_role(&actor, ws, me, Role::Admin)).map(|_| ())));
    assert!(last_owner(block_on(svc.remove_member(&actor, ws, me))));
}

#[test]
fn an_owner_may_step_down_when_another_owner_remains() {
    let (ws, me, other) = (ws_id(), uid(), uid());
    let mut repo = repo_with_role(ws, me, Some(Role::Owner));
    repo.expect_list_members().returning(move |w, _| Ok(members_page(w, &[(me, Role::Owner), (other, Role::Owner)])));
    repo.expect_change_role()
        .with(eq(ws), eq(me), eq(Role::Admin), mockall::predicate::always())
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let changed = block_on(service(repo, MockUserRepository::new()).change_role(&user_actor(me), ws, me, Role::Admin))
        .expect("stepped down");
    assert_eq!(changed.role, Role::Admin);
}

#[test]
fn any_member_may_leave() {
    let (ws, me) = (ws_id(), uid());
    let mut repo = repo_with_role(ws, me, Some(Role::Viewer));
    repo.expect_remove_member()
        .withf(move |w, u, keys, _, events| {
            *w == ws && *u == me && keys.is_empty() && events[0].payload.event_type() == "member.removed.v1"
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    block_on(service(repo, MockUserRepository::new()).remove_member(&user_actor(me), ws, me)).expect("left");
}

#[test]
fn a_removed_member_takes_their_active_api_keys_with_them() {
    let (ws, admin, owner, other) = (ws_id(), uid(), uid(), uid());
    let mine = api_key(ws, admin, Role::Admin);
    let mut revoked_before = api_key(ws, admin, Role::Editor);
    revoked_before.revoked_at = Some(now());
    let theirs = api_key(ws, other, Role::Editor);
    let mut keys = MockApiKeyRepository::new();
    let listed = vec![mine.clone(), revoked_before, theirs];
    keys.expect_list().returning(move |_, _| Ok(Page { items: listed.clone(), next_after: None }));
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_membership().returning(move |w, u| {
        Ok(if u == owner { Some(membership(w, u, Role::Owner)) } else { Some(membership(w, u, Role::Admin)) })
    });
    let expected = mine.id;
    repo.expect_remove_member()
        .withf(move |w, u, keys, at, events| {
            let types: Vec<_> = events.iter().map(|e| e.payload.event_type()).collect();
            *w == ws
                && *u == admin
                && keys == [expected]
                && *at == now()
                && types == ["member.removed.v1", "api_key.revoked.v1"]
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    block_on(service_with_keys(repo, MockUserRepository::new(), keys).remove_member(&user_actor(owner), ws, admin))
        .expect("removed");
}

#[test]
fn editors_and_viewers_cannot_manage_members() {
    for role in [Role::Editor, Role::Viewer] {
        let (ws, me, other) = (ws_id(), uid(), uid());
        let mut repo = repo_with_role(ws, me, Some(role));
        repo.expect_remove_member().never();
        repo.expect_change_role().never();
        let svc = service(repo, MockUserRepository::new());
        let actor = user_actor(me);
        assert!(matches!(block_on(svc.remove_member(&actor, ws, other)), Err(DomainError::Forbidden(_))));
        assert!(matches!(block_on(svc.change_role(&actor, ws, other, Role::Viewer)), Err(DomainError::Forbidden(_))));
    }
}

#[test]
fn users_list_their_memberships_and_keys_see_only_their_workspace() {
    let me = uid();
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_list_for_user()
        .with(eq(me), mockall::predicate::always())
        .times(1)
        .returning(|_, _| Ok(Page { items: vec![], next_after: None }));
    repo.expect_get().returning(|id| Ok(Some(workspace(id))));
    let svc = service(repo, MockUserRepository::new());
    block_on(svc.list(&user_actor(me), PageRequest::first())).expect("listed");

    let ws = ws_id();
    let page = block_on(svc.list(&key_actor(ws, Role::Viewer), PageRequest::first())).expect("listed");
    assert_eq!(page.items.len(), 1);
    assert_eq!(page.items[0].workspace.id, ws);
    assert_eq!(page.items[0].role, Role::Viewer);
}

#[test]
fn an_api_key_acts_with_its_own_role() {
    let ws = ws_id();
    let mut repo = MockWorkspaceRepository::new();
    repo.expect_get().returning(|id| Ok(Some(workspace(id))));
    repo.expect_rename().never();
    let svc = service(repo, MockUserRepository::new());
    let viewer_key = key_actor(ws, Role::Viewer);
    assert_eq!(block_on(svc.get(&viewer_key, ws)).expect("visible").role, Role::Viewer);
    assert!(matches!(block_on(svc.rename(&viewer_key, ws, "x")), Err(DomainError::Forbidden(_))));
}
