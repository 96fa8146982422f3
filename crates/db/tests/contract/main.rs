//! One contract for the SQL repositories, run against SQLite (a temporary
//! file) and PostgreSQL (a fresh database per test on the server named by
//! `CABINET_TEST_POSTGRES_URL`, by default the one on 127.0.0.1:5432).

use std::sync::Arc;

use cabinet_db::Database;
use cabinet_db::testing::{self, TestDatabase};
use cabinet_domain::actor::{ActorKind, ActorRef};
use cabinet_domain::audit::{AuditTrail as _, EventPayload, NewEvent, RevocationReason, verify_chain};
use cabinet_domain::documents::{BlobKey, BlobLedger, BlobWrite, DocumentRepository, StoredBlob};
use cabinet_domain::documents::{Document, DocumentVersion, Sha256};
use cabinet_domain::folders::FolderRepository;
use cabinet_domain::folders::{ChildCursor, ChildOrder, Folder, ItemName};
use cabinet_domain::identity::{ApiKey, ApiKeyName, DisplayName, Email, PasswordHash, RefreshToken, Session, User};
use cabinet_domain::identity::{ApiKeyRepository, SessionRepository, UserRepository};
use cabinet_domain::page::PageRequest;
use cabinet_domain::sharing::ShareLink;
use cabinet_domain::sharing::{DownloadCharge, ShareLinkRepository};
use cabinet_domain::system::TokenHash;
use cabinet_domain::testing::contracts::job_queue;
use cabinet_domain::workspaces::WorkspaceRepository;
use cabinet_domain::workspaces::{Membership, Workspace, WorkspaceName};
use cabinet_domain::{
    ApiKeyId, Conflict, DomainError, Entity, FolderId, Origin, Role, SessionId, ShareLinkId, UserId, WorkspaceId,
};
use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use sea_orm::{ConnectionTrait, Statement};
use uuid::Uuid;

/// A request for the whole of a 10-byte file.
const WHOLE: DownloadCharge = DownloadCharge { bytes: 10, copy_bytes: 10, starts_copy: true };

fn now() -> DateTime<Utc> {
    // Both databases keep microseconds; compare like with like.
    Utc::now().trunc_subsecs(6)
}

fn event(payload: EventPayload) -> NewEvent {
    NewEvent {
        id: Uuid::now_v7(),
        payload,
        actor: ActorRef { kind: ActorKind::System, id: None },
        origin: Origin {
            request_id: Some("req-test".into()),
            ip: Some("127.0.0.1".parse().expect("ip")),
            user_agent: None,
        },
        occurred_at: now(),
    }
}

fn new_user(email: &str) -> User {
    User {
        id: UserId::from_uuid(Uuid::now_v7()),
        email: Email::parse(email).expect("email"),
        display_name: DisplayName::parse("Someone").expect("name"),
        password_hash: PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        instance_admin: false,
        disabled_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn registered(user: &User) -> NewEvent {
    event(EventPayload::UserRegistered {
        user_id: user.id,
        email: user.email.as_str().into(),
        display_name: user.display_name.as_str().into(),
        instance_admin: false,
    })
}

async fn count(db: &Database, sql: &str) -> i64 {
    let conn = db.connection();
    let row = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), sql.to_owned()))
        .await
        .expect("query")
        .expect("a row");
    row.try_get_by_index::<i64>(0).expect("a count")
}

async fn events_of_type(db: &Database, event_type: &str) -> i64 {
    count(db, &format!("SELECT COUNT(*) FROM events WHERE event_type = '{event_type}'")).await
}

async fn user_in(db: &Database, email: &str) -> User {
    let user = new_user(email);
    db.users().create(&user, &[registered(&user)]).await.expect("user created");
    user
}

fn session_for(user: UserId) -> (Session, RefreshToken) {
    let session = Session {
        id: SessionId::from_uuid(Uuid::now_v7()),
        user_id: user,
        created_at: now(),
        last_used_at: now(),
        expires_at: now() + TimeDelta::days(30),
        revoked_at: None,
        user_agent: Some("test".into()),
        ip: Some("127.0.0.1".into()),
    };
    let token = refresh_token(session.id);
    (session, token)
}

fn refresh_token(session: SessionId) -> RefreshToken {
    RefreshToken {
        hash: TokenHash::from_hex(Uuid::new_v4().simple().to_string()),
        session_id: session,
        created_at: now(),
        expires_at: now() + TimeDelta::days(14),
        used_at: None,
    }
}

async fn workspace_owned_by(db: &Database, owner: UserId) -> Workspace {
    let ws = Workspace {
        id: WorkspaceId::from_uuid(Uuid::now_v7()),
        name: WorkspaceName::parse("Acme").expect("name"),
        root_folder_id: FolderId::from_uuid(Uuid::now_v7()),
        created_by: owner,
        created_at: now(),
        updated_at: now(),
    };
    let root = Folder {
        id: ws.root_folder_id,
        workspace_id: ws.id,
        parent_id: None,
        name: ItemName::parse("Root").expect("name"),
        created_by: Some(owner),
        created_at: now(),
        updated_at: now(),
    };
    let owner_membership = Membership { workspace_id: ws.id, user_id: owner, role: Role::Owner, created_at: now() };
    let created = event(EventPayload::WorkspaceCreated { workspace_id: ws.id, name: "Acme".into(), owner_id: owner });
    db.workspaces().create(&ws, &owner_membership, &root, &[created]).await.expect("workspace created");
    ws
}

async fn member_of(db: &Database, ws: WorkspaceId, email: &str, role: Role) -> User {
    let user = user_in(db, email).await;
    let m = Membership { workspace_id: ws, user_id: user.id, role, created_at: now() };
    db.workspaces()
        .add_member(&m, &[event(EventPayload::MemberAdded { workspace_id: ws, user_id: user.id, role })])
        .await
        .expect("member added");
    user
}

// ---------------------------------------------------------------- users

async fn users_round_trip_and_emails_are_unique(db: &Database) {
    let repo = db.users();
    assert_eq!(repo.count().await.expect("count"), 0);
    let alice = user_in(db, "alice@example.com").await;
    assert_eq!(repo.get(alice.id).await.expect("get"), Some(alice.clone()));
    let by_email = repo.find_by_email(&Email::parse("ALICE@example.com").expect("email")).await.expect("find");
    assert_eq!(by_email.map(|u| u.id), Some(alice.id));
    assert_eq!(repo.get(UserId::from_uuid(Uuid::now_v7())).await.expect("get"), None);

    let twin = new_user("alice@example.com");
    let err = repo.create(&twin, &[registered(&twin)]).await.expect_err("duplicate email");
    assert!(matches!(err, DomainError::Conflict(Conflict::EmailTaken)), "{err:?}");
    assert_eq!(repo.count().await.expect("count"), 1);
    assert_eq!(events_of_type(db, "user.registered.v1").await, 1, "the failed create stored no event");
}

async fn a_failed_event_append_rolls_back_the_change(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let bob = new_user("bob@example.com");
    // Reusing an event id violates the event store's unique key after the
    // user row was written in the same transaction.
    let mut clash = registered(&bob);
    let first = count(db, "SELECT COUNT(*) FROM events").await;
    let existing: Uuid = {
        let conn = db.connection();
        let row = conn
            .query_one_raw(Statement::from_string(conn.get_database_backend(), "SELECT id FROM events".to_owned()))
            .await
            .expect("query")
            .expect("row");
        row.try_get_by_index(0).expect("id")
    };
    clash.id = existing;
    assert!(db.users().create(&bob, &[clash]).await.is_err());
    assert_eq!(db.users().get(bob.id).await.expect("get"), None, "no user without its event");
    assert_eq!(count(db, "SELECT COUNT(*) FROM events").await, first);
    assert!(db.users().get(alice.id).await.expect("get").is_some());
    // The chain's head moved with nothing: the next append continues it intact.

    db.users().create(&bob, &[registered(&bob)]).await.expect("created");
    let report = verify_chain(&db.audit(), None).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (u64::try_from(first).expect("count") + 1, None));
}

async fn events_are_append_only(db: &Database) {
    user_in(db, "alice@example.com").await;
    let conn = db.connection();
    for sql in ["UPDATE events SET event_type = 'forged'", "DELETE FROM events"] {
        let result = conn.execute_unprepared(sql).await;
        assert!(result.is_err(), "{sql} must be refused");
    }
    assert_eq!(events_of_type(db, "user.registered.v1").await, 1);
}

async fn setting_a_password_revokes_other_sessions(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let sessions = db.sessions();
    let (keep, keep_token) = session_for(alice.id);
    let (other, other_token) = session_for(alice.id);
    sessions.create(&keep, &keep_token, &[]).await.expect("session");
    sessions.create(&other, &other_token, &[]).await.expect("session");
    let new_hash = PasswordHash::from_phc("$argon2id$new".into());
    let changed = event(EventPayload::PasswordChanged { user_id: alice.id, revoked_sessions: vec![other.id] });
    let revoked = db.users().set_password(alice.id, &new_hash, Some(keep.id), now(), &[changed]).await.expect("set");
    assert_eq!(revoked, vec![other.id]);
    let active: Vec<SessionId> =
        sessions.list_active(alice.id, now()).await.expect("list").iter().map(|s| s.id).collect();
    assert_eq!(active, vec![keep.id]);
    assert_eq!(db.users().get(alice.id).await.expect("get").expect("user").password_hash, new_hash);
    assert_eq!(events_of_type(db, "user.password_changed.v1").await, 1);

    let missing = db.users().set_password(UserId::from_uuid(Uuid::now_v7()), &new_hash, None, now(), &[]).await;
    assert!(matches!(missing, Err(DomainError::NotFound(_))));
}

// ------------------------------------------------------------- sessions

async fn refresh_tokens_rotate_exactly_once(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let repo = db.sessions();
    let (session, first) = session_for(alice.id);
    repo.create(&session, &first, &[]).await.expect("session");
    let (found, found_session) = repo.find_refresh_token(&first.hash).await.expect("find").expect("token exists");
    assert_eq!(found, first);
    assert_eq!(found_session, session);

    let second = refresh_token(session.id);
    let refreshed = event(EventPayload::SessionRefreshed { user_id: alice.id, session_id: session.id });
    assert!(repo.rotate_refresh_token(&first.hash, &second, &[refreshed]).await.expect("rotate"));
    let third = refresh_token(session.id);
    assert!(
        !repo.rotate_refresh_token(&first.hash, &third, &[]).await.expect("rotate"),
        "a used token does not rotate"
    );
    assert!(repo.find_refresh_token(&third.hash).await.expect("find").is_none(), "the loser stored nothing");
    let (used, _) = repo.find_refresh_token(&first.hash).await.expect("find").expect("kept");
    assert!(used.used_at.is_some());
    assert_eq!(events_of_type(db, "auth.session_refreshed.v1").await, 1);
}

async fn concurrent_rotations_of_one_token_have_one_winner(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let repo = Arc::new(db.sessions());
    let (session, first) = session_for(alice.id);
    repo.create(&session, &first, &[]).await.expect("session");
    let attempts = (0..20).map(|_| {
        let repo = repo.clone();
        let old = first.hash.clone();
        let new = refresh_token(session.id);
        tokio::spawn(async move { repo.rotate_refresh_token(&old, &new, &[]).await })
    });
    let results = futures::future::join_all(attempts).await;
    let wins = results.into_iter().filter(|r| matches!(r, Ok(Ok(true)))).count();
    assert_eq!(wins, 1);
}

async fn sessions_revoke_once_and_leave_the_active_list(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let repo = db.sessions();
    let (session, token) = session_for(alice.id);
    repo.create(&session, &token, &[]).await.expect("session");
    let (expired, expired_token) = {
        let (mut s, t) = session_for(alice.id);
        s.expires_at = now() - TimeDelta::seconds(1);
        (s, t)
    };
    repo.create(&expired, &expired_token, &[]).await.expect("session");
    assert_eq!(repo.list_active(alice.id, now()).await.expect("list").len(), 1, "expired sessions are not active");

    let revoked = event(EventPayload::SessionRevoked {
        user_id: alice.id,
        session_id: session.id,
        reason: RevocationReason::Logout,
    });
    assert!(
        repo.revoke(session.id, RevocationReason::Logout, now(), std::slice::from_ref(&revoked)).await.expect("revoke")
    );
    assert!(!repo.revoke(session.id, RevocationReason::Logout, now(), &[revoked]).await.expect("revoke"));
    assert_eq!(events_of_type(db, "auth.session_revoked.v1").await, 1, "a repeated revoke records nothing");
    assert!(repo.list_active(alice.id, now()).await.expect("list").is_empty());
    assert!(repo.get(session.id).await.expect("get").expect("kept").revoked_at.is_some());
}

// ----------------------------------------------------------- workspaces

async fn workspaces_list_their_members_and_paginate(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let mut created = Vec::new();
    for _ in 0..3 {
        created.push(workspace_owned_by(db, alice.id).await.id);
    }
    let repo = db.workspaces();
    let first = repo.list_for_user(alice.id, PageRequest::new(Some(2), None)).await.expect("page 1");
    assert_eq!(first.items.len(), 2);
    assert!(first.items.iter().all(|s| s.role == Role::Owner));
    let after = first.next_after.expect("a second page");
    let second = repo.list_for_user(alice.id, PageRequest::new(Some(2), Some(after))).await.expect("page 2");
    assert_eq!(second.items.len(), 1);
    assert_eq!(second.next_after, None);
    let mut seen: Vec<WorkspaceId> = first.items.iter().chain(&second.items).map(|s| s.workspace.id).collect();
    seen.sort();
    created.sort();
    assert_eq!(seen, created);

    let bob = member_of(db, created[0], "bob@example.com", Role::Viewer).await;
    let members = repo.list_members(created[0], PageRequest::first()).await.expect("members");
    assert_eq!(members.items.len(), 2);
    let bobs = members.items.iter().find(|m| m.membership.user_id == bob.id).expect("bob is listed");
    assert_eq!(bobs.membership.role, Role::Viewer);
    assert_eq!(bobs.email.as_str(), "bob@example.com");
    assert_eq!(repo.list_for_user(bob.id, PageRequest::first()).await.expect("bob's").items.len(), 1);
}

async fn members_are_unique_and_the_last_owner_stays(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.workspaces();
    let again = Membership { workspace_id: ws.id, user_id: alice.id, role: Role::Viewer, created_at: now() };
    let err = repo.add_member(&again, &[]).await.expect_err("already a member");
    assert!(matches!(err, DomainError::Conflict(Conflict::AlreadyMember)));

    let demote = event(EventPayload::MemberRoleChanged {
        workspace_id: ws.id,
        user_id: alice.id,
        from: Role::Owner,
        to: Role::Admin,
    });
    let err = repo.change_role(ws.id, alice.id, Role::Admin, &[demote]).await.expect_err("last owner");
    assert!(matches!(err, DomainError::Conflict(Conflict::LastOwner)));
    let err = repo.remove_member(ws.id, alice.id, &[], now(), &[]).await.expect_err("last owner");
    assert!(matches!(err, DomainError::Conflict(Conflict::LastOwner)));
    assert_eq!(repo.membership(ws.id, alice.id).await.expect("get").map(|m| m.role), Some(Role::Owner));
    assert_eq!(events_of_type(db, "member.role_changed.v1").await, 0, "the refused change left no event");

    let bob = member_of(db, ws.id, "bob@example.com", Role::Editor).await;
    repo.change_role(ws.id, bob.id, Role::Owner, &[]).await.expect("promote");
    repo.change_role(ws.id, alice.id, Role::Viewer, &[]).await.expect("alice may step down now");
    let missing = repo.change_role(ws.id, UserId::from_uuid(Uuid::now_v7()), Role::Viewer, &[]).await;
    assert!(matches!(missing, Err(DomainError::NotFound(_))));
}

async fn two_owners_demoting_each_other_at_once_leave_one_owner(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let bob = member_of(db, ws.id, "bob@example.com", Role::Owner).await;
    let repo = Arc::new(db.workspaces());
    let tasks = [alice.id, bob.id].map(|user| {
        let repo = repo.clone();
        tokio::spawn(async move { repo.change_role(ws.id, user, Role::Admin, &[]).await })
    });
    let results = futures::future::join_all(tasks).await;
    let ok = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    assert_eq!(ok, 1, "{results:?}");
    let owners = repo
        .list_members(ws.id, PageRequest::first())
        .await
        .expect("members")
        .items
        .into_iter()
        .filter(|m| m.membership.role == Role::Owner)
        .count();
    assert_eq!(owners, 1);
}

async fn deleting_a_workspace_removes_it_but_keeps_its_events(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.workspaces();
    repo.rename(ws.id, &WorkspaceName::parse("Renamed").expect("name"), now(), &[]).await.expect("rename");
    assert_eq!(repo.get(ws.id).await.expect("get").expect("ws").name.as_str(), "Renamed");
    repo.delete(ws.id, &[event(EventPayload::WorkspaceDeleted { workspace_id: ws.id })]).await.expect("delete");
    assert_eq!(repo.get(ws.id).await.expect("get"), None);
    assert_eq!(repo.membership(ws.id, alice.id).await.expect("get"), None, "memberships go with it");
    assert_eq!(events_of_type(db, "workspace.created.v1").await, 1, "the trail outlives the workspace");
    assert_eq!(events_of_type(db, "workspace.deleted.v1").await, 1);
    assert!(matches!(repo.delete(ws.id, &[]).await, Err(DomainError::NotFound(_))));
    assert!(matches!(
        repo.rename(ws.id, &WorkspaceName::parse("x").expect("name"), now(), &[]).await,
        Err(DomainError::NotFound(_))
    ));
}

// ------------------------------------------------------------- api keys

fn api_key(ws: WorkspaceId, creator: UserId, n: u32) -> ApiKey {
    ApiKey {
        id: ApiKeyId::from_uuid(Uuid::now_v7()),
        workspace_id: ws,
        name: ApiKeyName::parse(&format!("key {n}")).expect("name"),
        role: Role::Editor,
        prefix: format!("cab_{n:08}"),
        hash: TokenHash::from_hex(format!("hash-{}", Uuid::new_v4())),
        created_by: creator,
        created_at: now(),
        expires_at: Some(now() + TimeDelta::days(1)),
        last_used_at: None,
        revoked_at: None,
    }
}

async fn api_keys_are_found_by_hash_listed_and_revoked(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let other = workspace_owned_by(db, alice.id).await;
    let repo = db.api_keys();
    let keys: Vec<ApiKey> = (0..3).map(|n| api_key(ws.id, alice.id, n)).collect();
    for key in &keys {
        repo.create(key, &[]).await.expect("create");
    }
    repo.create(&api_key(other.id, alice.id, 9), &[]).await.expect("create");
    assert_eq!(repo.find_by_hash(&keys[1].hash).await.expect("find"), Some(keys[1].clone()));
    assert_eq!(repo.find_by_hash(&TokenHash::from_hex("nope".into())).await.expect("find"), None);

    let page = repo.list(ws.id, PageRequest::new(Some(2), None)).await.expect("list");
    assert_eq!(page.items.len(), 2);
    let rest = repo.list(ws.id, PageRequest::new(Some(2), page.next_after)).await.expect("list");
    assert_eq!(rest.items.len(), 1, "keys of other workspaces are not listed");

    let at = now();
    repo.touch(keys[0].id, at).await.expect("touch");
    assert_eq!(repo.find_by_hash(&keys[0].hash).await.expect("find").expect("key").last_used_at, Some(at));

    assert!(!repo.revoke(other.id, keys[0].id, now(), &[]).await.expect("revoke"), "not from another workspace");
    let revoked = event(EventPayload::ApiKeyRevoked { workspace_id: ws.id, key_id: keys[0].id });
    assert!(repo.revoke(ws.id, keys[0].id, now(), &[revoked]).await.expect("revoke"));
    assert!(!repo.revoke(ws.id, keys[0].id, now(), &[]).await.expect("revoke"), "only once");
    assert!(repo.find_by_hash(&keys[0].hash).await.expect("find").expect("kept").revoked_at.is_some());
    assert_eq!(events_of_type(db, "api_key.revoked.v1").await, 1);
}

// --------------------------------------------------------------- folders

fn folder_in(ws: &Workspace, parent: FolderId, name: &str) -> Folder {
    Folder {
        id: FolderId::from_uuid(Uuid::now_v7()),
        workspace_id: ws.id,
        parent_id: Some(parent),
        name: ItemName::parse(name).expect("name"),
        created_by: None,
        created_at: now(),
        updated_at: now(),
    }
}

async fn new_folder(db: &Database, ws: &Workspace, parent: FolderId, name: &str) -> Folder {
    let folder = folder_in(ws, parent, name);
    let created = event(EventPayload::FolderCreated {
        workspace_id: ws.id,
        folder_id: folder.id,
        parent_id: Some(parent),
        name: name.into(),
    });
    db.folders().create(&folder, &[created]).await.expect("folder created");
    folder
}

async fn folders_form_a_tree_with_unique_sibling_names(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.folders();
    let root = repo.get(ws.id, ws.root_folder_id).await.expect("get").expect("the workspace has its root");
    assert!(root.is_root());
    let plans = new_folder(db, &ws, root.id, "Plans").await;
    let q3 = new_folder(db, &ws, plans.id, "Q3").await;
    let path: Vec<String> =
        repo.path(ws.id, q3.id).await.expect("path").iter().map(|f| f.name.as_str().to_owned()).collect();
    assert_eq!(path, ["Root", "Plans", "Q3"]);

    let clash = folder_in(&ws, root.id, "PLANS");
    let err = repo.create(&clash, &[]).await.expect_err("names are unique among siblings, ignoring case");
    assert!(matches!(err, DomainError::Conflict(Conflict::NameTaken)), "{err:?}");
    new_folder(db, &ws, q3.id, "Plans").await; // the same name elsewhere is fine
    assert_eq!(events_of_type(db, "folder.created.v1").await, 3);

    let other = workspace_owned_by(db, alice.id).await;
    assert_eq!(repo.get(other.id, plans.id).await.expect("get"), None, "folders belong to one workspace");
    let stray = folder_in(&other, plans.id, "stray");
    assert!(
        matches!(repo.create(&stray, &[]).await, Err(DomainError::NotFound(Entity::Folder))),
        "no parent across workspaces"
    );
    assert!(matches!(repo.path(other.id, q3.id).await, Err(DomainError::NotFound(Entity::Folder))));
}

async fn folders_rename_and_move_without_cycles(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.folders();
    let a = new_folder(db, &ws, ws.root_folder_id, "a").await;
    let b = new_folder(db, &ws, a.id, "b").await;
    let c = new_folder(db, &ws, ws.root_folder_id, "c").await;

    let err = repo.move_to(ws.id, a.id, b.id, now(), &[]).await.expect_err("a cannot move below itself");
    assert!(matches!(err, DomainError::Conflict(Conflict::FolderCycle)));
    repo.move_to(ws.id, b.id, c.id, now(), &[]).await.expect("b moves under c");
    assert_eq!(repo.get(ws.id, b.id).await.expect("get").expect("b").parent_id, Some(c.id));

    let err = repo.rename(ws.id, c.id, &ItemName::parse("A").expect("name"), now(), &[]).await.expect_err("taken");
    assert!(matches!(err, DomainError::Conflict(Conflict::NameTaken)));
    repo.rename(ws.id, c.id, &ItemName::parse("Cee").expect("name"), now(), &[]).await.expect("renamed");
    let _ = new_folder(db, &ws, ws.root_folder_id, "b").await;
    let err = repo.move_to(ws.id, b.id, ws.root_folder_id, now(), &[]).await.expect_err("a sibling named b exists");
    assert!(matches!(err, DomainError::Conflict(Conflict::NameTaken)));
    assert!(matches!(
        repo.move_to(ws.id, ws.root_folder_id, c.id, now(), &[]).await,
        Err(DomainError::Conflict(Conflict::FolderCycle) | DomainError::NotFound(_))
    ));
}

async fn concurrent_crossing_moves_never_make_a_loop(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let a = new_folder(db, &ws, ws.root_folder_id, "a").await;
    let b = new_folder(db, &ws, ws.root_folder_id, "b").await;
    let repo = Arc::new(db.folders());
    let moves = [(a.id, b.id), (b.id, a.id)].map(|(id, parent)| {
        let repo = repo.clone();
        let ws = ws.id;
        tokio::spawn(async move { repo.move_to(ws, id, parent, now(), &[]).await })
    });
    let results = futures::future::join_all(moves).await;
    assert_eq!(results.iter().filter(|r| matches!(r, Ok(Ok(())))).count(), 1, "{results:?}");
    for id in [a.id, b.id] {
        let path = repo.path(ws.id, id).await.expect("every folder still reaches the root");
        assert_eq!(path[0].id, ws.root_folder_id);
    }
}

async fn all_children(db: &Database, ws: WorkspaceId, parent: FolderId, order: ChildOrder) -> Vec<String> {
    let mut seen = Vec::new();
    let mut after: Option<ChildCursor> = None;
    loop {
        let page = db.folders().children(ws, parent, order, after.clone(), 2).await.expect("page");
        assert!(page.folders.len() <= 2);
        seen.extend(page.folders.iter().map(|f| f.name.as_str().to_owned()));
        match page.next {
            Some(next) => after = Some(next),
            None => return seen,
        }
    }
}

async fn children_page_in_every_order(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let names = ["delta", "Alpha", "charlie", "Bravo", "echo"];
    for name in names {
        new_folder(db, &ws, ws.root_folder_id, name).await;
    }
    let root = ws.root_folder_id;
    assert_eq!(
        all_children(db, ws.id, root, ChildOrder::NameAsc).await,
        ["Alpha", "Bravo", "charlie", "delta", "echo"]
    );
    assert_eq!(
        all_children(db, ws.id, root, ChildOrder::NameDesc).await,
        ["echo", "delta", "charlie", "Bravo", "Alpha"]
    );
    assert_eq!(all_children(db, ws.id, root, ChildOrder::UpdatedAsc).await, names);
    let mut newest_first = names.to_vec();
    newest_first.reverse();
    assert_eq!(all_children(db, ws.id, root, ChildOrder::UpdatedDesc).await, newest_first);
    let leaf = db.folders().children(ws.id, root, ChildOrder::NameAsc, None, 50).await.expect("page");
    assert_eq!(leaf.folders.len(), 5);
    assert!(leaf.next.is_none());
}

// ------------------------------------------------------------- documents

fn doc_in(ws: &Workspace, folder: FolderId, name: &str) -> Document {
    Document {
        id: cabinet_domain::DocumentId::from_uuid(Uuid::now_v7()),
        workspace_id: ws.id,
        folder_id: folder,
        name: ItemName::parse(name).expect("name"),
        current_version: 1,
        size: 10,
        content_type: "application/octet-stream".into(),
        description: String::new(),
        tags: vec![],
        metadata: std::collections::BTreeMap::new(),
        revision: 1,
        created_by: None,
        created_at: now(),
        updated_at: now(),
    }
}

/// Reserves a version's content as an upload does before its version is recorded.
async fn held(db: &Database, workspace: WorkspaceId, version: DocumentVersion) -> DocumentVersion {
    let ledger = db.blob_ledger();
    let key = BlobKey::new(format!("workspaces/{workspace}/objects/{}", uuid::Uuid::now_v7()));
    ledger.begin_upload(workspace, &BlobWrite::plain(key.clone()), now()).await.expect("upload begun");
    let blob = StoredBlob { key: key.clone(), sha256: version.sha256.clone(), size: version.size, sniffed_type: None };
    if ledger.reserve_blob(workspace, &blob, now()).await.expect("reserved") != key {
        ledger.end_upload(&key).await.expect("the copy is not kept");
    }
    version
}

fn version_of(doc: &Document, number: u32, content: &str) -> DocumentVersion {
    DocumentVersion {
        document_id: doc.id,
        number,
        sha256: Sha256::parse(&format!("{:0>64}", content)).expect("digest"),
        size: 10,
        content_type: "application/octet-stream".into(),
        filename: ItemName::parse("file.bin").expect("name"),
        author: None,
        note: Some("first".into()),
        created_at: now(),
    }
}

async fn documents_keep_every_version_and_hold_content_once(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.documents();
    let doc = doc_in(&ws, ws.root_folder_id, "Plan.pdf");
    let created = event(EventPayload::DocumentCreated {
        workspace_id: ws.id,
        document_id: doc.id,
        folder_id: ws.root_folder_id,
        name: "Plan.pdf".into(),
    });
    repo.create(&doc, &held(db, ws.id, version_of(&doc, 1, "a1")).await, None, &[created]).await.expect("created");
    assert_eq!(repo.get(ws.id, doc.id).await.expect("get"), Some(doc.clone()));
    assert!(repo.add_version(ws.id, &held(db, ws.id, version_of(&doc, 2, "b2")).await, None, &[]).await.expect("v2"));
    assert!(
        !repo.add_version(ws.id, &held(db, ws.id, version_of(&doc, 2, "c3")).await, None, &[]).await.expect("stale"),
        "a stale number loses"
    );
    assert!(
        repo.add_version(ws.id, &held(db, ws.id, version_of(&doc, 3, "a1")).await, None, &[])
            .await
            .expect("v3, same content as v1")
    );
    let numbers: Vec<u32> = repo.versions(ws.id, doc.id).await.expect("versions").iter().map(|v| v.number).collect();
    assert_eq!(numbers, [3, 2, 1]);
    assert_eq!(repo.get(ws.id, doc.id).await.expect("get").expect("doc").current_version, 3);
    assert_eq!(
        repo.version(ws.id, doc.id, 2).await.expect("v2").expect("kept").sha256.as_str(),
        format!("{:0>64}", "b2")
    );
    assert_eq!(count(db, "SELECT COUNT(*) FROM blobs WHERE released_at IS NULL").await, 2, "content a1 is held once");
    assert_eq!(events_of_type(db, "document.created.v1").await, 1);

    let other = workspace_owned_by(db, alice.id).await;
    assert_eq!(repo.get(other.id, doc.id).await.expect("get"), None);
    assert_eq!(repo.version(other.id, doc.id, 1).await.expect("get"), None);
    assert!(matches!(
        repo.add_version(other.id, &held(db, ws.id, version_of(&doc, 4, "d4")).await, None, &[]).await,
        Err(DomainError::NotFound(_))
    ));
}

async fn document_names_are_unique_in_their_folder(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.documents();
    let first = doc_in(&ws, ws.root_folder_id, "Notes.txt");
    repo.create(&first, &held(db, ws.id, version_of(&first, 1, "1")).await, None, &[]).await.expect("created");
    let twin = doc_in(&ws, ws.root_folder_id, "NOTES.TXT");
    let err =
        repo.create(&twin, &held(db, ws.id, version_of(&twin, 1, "2")).await, None, &[]).await.expect_err("taken");
    assert!(matches!(err, DomainError::Conflict(Conflict::NameTaken)), "{err:?}");
    assert_eq!(count(db, "SELECT COUNT(*) FROM document_versions").await, 1, "the refused document left no version");
    let elsewhere = workspace_owned_by(db, alice.id).await;
    let stray = doc_in(&elsewhere, ws.root_folder_id, "stray");
    let err = repo
        .create(&stray, &held(db, ws.id, version_of(&stray, 1, "3")).await, None, &[])
        .await
        .expect_err("folder of another workspace");
    assert!(matches!(err, DomainError::NotFound(Entity::Folder)));
}

async fn children_list_folders_then_documents_across_pages(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    for name in ["b-folder", "a-folder", "c-folder"] {
        new_folder(db, &ws, ws.root_folder_id, name).await;
    }
    for (i, name) in ["z.txt", "x.txt", "y.txt"].into_iter().enumerate() {
        let doc = doc_in(&ws, ws.root_folder_id, name);
        db.documents()
            .create(&doc, &held(db, ws.id, version_of(&doc, 1, &i.to_string())).await, None, &[])
            .await
            .expect("doc");
    }
    for page_size in [1, 2, 3, 4, 6, 7] {
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = db
                .folders()
                .children(ws.id, ws.root_folder_id, ChildOrder::NameAsc, after, page_size)
                .await
                .expect("page");
            assert!(page.folders.len() + page.documents.len() <= page_size as usize);
            seen.extend(page.folders.iter().map(|f| f.name.as_str().to_owned()));
            seen.extend(page.documents.iter().map(|d| d.name.as_str().to_owned()));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        assert_eq!(seen, ["a-folder", "b-folder", "c-folder", "x.txt", "y.txt", "z.txt"], "pages of {page_size}");
    }
    let newest =
        db.folders().children(ws.id, ws.root_folder_id, ChildOrder::UpdatedDesc, None, 10).await.expect("page");
    let docs: Vec<&str> = newest.documents.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(docs, ["y.txt", "x.txt", "z.txt"]);
}

async fn document_updates_are_conditional_on_the_revision(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let sub = new_folder(db, &ws, ws.root_folder_id, "sub").await;
    let repo = db.documents();
    let doc = doc_in(&ws, ws.root_folder_id, "report.pdf");
    repo.create(&doc, &held(db, ws.id, version_of(&doc, 1, "1")).await, None, &[]).await.expect("created");
    let mut changed = doc.clone();
    changed.name = ItemName::parse("Final report.pdf").expect("name");
    changed.folder_id = sub.id;
    changed.tags = vec!["finance".into()];
    changed.metadata = [("client".to_owned(), "ACME".to_owned())].into();
    changed.description = "Signed copy".into();
    changed.revision = 2;
    assert!(repo.update(&changed, &[]).await.expect("update"));
    let stored = repo.get(ws.id, doc.id).await.expect("get").expect("doc");
    assert_eq!((stored.name.as_str(), stored.folder_id, stored.revision), ("Final report.pdf", sub.id, 2));
    assert_eq!(stored.tags, ["finance"]);
    assert_eq!(stored.metadata.get("client").map(String::as_str), Some("ACME"));
    assert_eq!(stored.description, "Signed copy");
    assert!(!repo.update(&changed, &[]).await.expect("stale"), "revision 1 is gone");
    assert!(repo.add_version(ws.id, &held(db, ws.id, version_of(&doc, 2, "2")).await, None, &[]).await.expect("v2"));
    assert_eq!(
        repo.get(ws.id, doc.id).await.expect("get").expect("doc").revision,
        3,
        "a new version bumps the revision"
    );
    let mut elsewhere = stored.clone();
    elsewhere.folder_id = FolderId::from_uuid(Uuid::now_v7());
    elsewhere.revision = 4;
    assert!(matches!(repo.update(&elsewhere, &[]).await, Err(DomainError::NotFound(Entity::Folder))));
}

async fn idempotency_keys_claim_once_and_replay(db: &Database) {
    cabinet_domain::testing::contracts::idempotency::keys_claim_once_and_replay(&db.idempotency(), now()).await;
}

async fn the_quota_holds_under_concurrent_uploads(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = Arc::new(db.documents());
    // Twenty uploads of 10 distinct bytes each race for a 100-byte quota.
    let mut versions = Vec::new();
    for i in 0..20 {
        let doc = doc_in(&ws, ws.root_folder_id, &format!("file-{i}"));
        let version = held(db, ws.id, version_of(&doc, 1, &format!("{:x}", 0x100 + i))).await;
        versions.push((doc, version));
    }
    let uploads = versions.into_iter().map(|(doc, version)| {
        let repo = repo.clone();
        tokio::spawn(async move { repo.create(&doc, &version, Some(100), &[]).await })
    });
    let results = futures::future::join_all(uploads).await;
    let stored = results.iter().filter(|r| matches!(r, Ok(Ok(())))).count();
    let refused = results.iter().filter(|r| matches!(r, Ok(Err(DomainError::QuotaExceeded { quota: 100 })))).count();
    assert_eq!((stored, refused), (10, 10), "{results:?}");
    assert_eq!(repo.usage(ws.id).await.expect("usage"), 100);

    // Content the workspace already holds costs nothing more.
    let again = doc_in(&ws, ws.root_folder_id, "same-content");
    let existing = repo
        .versions(ws.id, {
            let page =
                db.folders().children(ws.id, ws.root_folder_id, ChildOrder::NameAsc, None, 1).await.expect("page");
            page.documents[0].id
        })
        .await
        .expect("versions")[0]
        .sha256
        .clone();
    let mut same = version_of(&again, 1, "0");
    same.sha256 = existing;
    repo.create(&again, &same, Some(100), &[]).await.expect("deduplicated content fits");
    assert_eq!(repo.usage(ws.id).await.expect("usage"), 100);
}

async fn concurrent_new_versions_get_distinct_numbers(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let doc = doc_in(&ws, ws.root_folder_id, "race.bin");
    db.documents().create(&doc, &held(db, ws.id, version_of(&doc, 1, "0")).await, None, &[]).await.expect("created");
    let repo = Arc::new(db.documents());
    let mut versions = Vec::new();
    for i in 0..8 {
        versions.push(held(db, ws.id, version_of(&doc, 2, &format!("{i}f"))).await);
    }
    let attempts = versions.into_iter().map(|v| {
        let repo = repo.clone();
        let ws = ws.id;
        tokio::spawn(async move { repo.add_version(ws, &v, None, &[]).await })
    });
    let results = futures::future::join_all(attempts).await;
    assert_eq!(results.iter().filter(|r| matches!(r, Ok(Ok(true)))).count(), 1, "{results:?}");
    assert_eq!(repo.versions(ws.id, doc.id).await.expect("versions").len(), 2);
}

// ------------------------------------------------------------- purging and collection

async fn blob_released(db: &Database, digest: &str) -> Option<bool> {
    let sql = format!("SELECT CASE WHEN released_at IS NULL THEN 0 ELSE 1 END FROM blobs WHERE sha256 = '{digest}'");
    let conn = db.connection();
    let row = conn.query_one_raw(Statement::from_string(conn.get_database_backend(), sql)).await.expect("query")?;
    Some(row.try_get_by_index::<i32>(0).expect("flag") == 1)
}

async fn purging_a_document_releases_only_content_nothing_else_uses(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let repo = db.documents();
    let doc = doc_in(&ws, ws.root_folder_id, "old.bin");
    repo.create(&doc, &held(db, ws.id, version_of(&doc, 1, "a1")).await, None, &[]).await.expect("created");
    assert!(repo.add_version(ws.id, &held(db, ws.id, version_of(&doc, 2, "b2")).await, None, &[]).await.expect("v2"));
    let keeper = doc_in(&ws, ws.root_folder_id, "keeper.bin");
    repo.create(&keeper, &held(db, ws.id, version_of(&keeper, 1, "a1")).await, None, &[])
        .await
        .expect("same content as old v1");
    db.share_links().create(&share_link(&doc), &[]).await.expect("a link to the purged document");

    let purged = || event(EventPayload::DocumentPurged { workspace_id: ws.id, document_id: doc.id });
    let err = repo.purge(ws.id, doc.id, now(), &[purged()]).await.expect_err("live documents are not purged");
    assert!(matches!(err, DomainError::NotFound(Entity::Document)), "{err:?}");
    repo.trash(ws.id, doc.id, now(), &[]).await.expect("trashed");
    repo.purge(ws.id, doc.id, now(), &[purged()]).await.expect("purged");

    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM document_versions WHERE document_id = '{}'", doc.id)).await, 0);
    assert_eq!(count(db, "SELECT COUNT(*) FROM share_links").await, 0);
    assert_eq!(events_of_type(db, "document.purged.v1").await, 1);
    assert_eq!(blob_released(db, &format!("{:0>64}", "a1")).await, Some(false), "still used by the keeper");
    assert_eq!(blob_released(db, &format!("{:0>64}", "b2")).await, Some(true));
    assert_eq!(repo.usage(ws.id).await.expect("usage"), 10, "released content no longer counts");
    let err = repo.purge(ws.id, doc.id, now(), &[purged()]).await.expect_err("gone");
    assert!(matches!(err, DomainError::NotFound(Entity::Document)));
}

async fn released_content_is_collected_after_its_grace_unless_reserved(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let store: Arc<dyn cabinet_domain::documents::BlobStore> = Arc::new(cabinet_storage::ObjectBlobStore::memory());
    let body = |bytes: &'static [u8]| -> cabinet_domain::documents::ByteStream {
        Box::pin(futures::stream::iter([Ok(bytes::Bytes::from_static(bytes))]))
    };
    let (repo, ledger) = (db.documents(), db.blob_ledger());
    let upload = |bytes: &'static [u8]| {
        let (store, ledger) = (store.clone(), db.blob_ledger());
        async move {
            let write = store.open(store.allocate(ws.id)).await.expect("opened");
            ledger.begin_upload(ws.id, &write, now()).await.expect("upload begun");
            let written = store.write(&write, body(bytes), 100).await.expect("written");
            let key = write.key;
            assert_eq!(ledger.reserve_blob(ws.id, &written, now()).await.expect("reserved"), key, "new content");
            written
        }
    };
    let (gone, kept) = (upload(b"released long ago").await, upload(b"uploaded again").await);
    assert_eq!(count(db, "SELECT COUNT(*) FROM uploads").await, 0, "reserved uploads are no longer in flight");
    let released_at = now() - TimeDelta::hours(2);
    for blob in [&gone, &kept] {
        let doc = doc_in(&ws, ws.root_folder_id, blob.sha256.as_str());
        let mut version = version_of(&doc, 1, "0");
        version.sha256 = blob.sha256.clone();
        repo.create(&doc, &version, None, &[]).await.expect("created");
        repo.trash(ws.id, doc.id, now(), &[]).await.expect("trashed");
        repo.purge(ws.id, doc.id, released_at, &[]).await.expect("purged");
    }
    // An upload of the same bytes reserves the content, which stays where it was.
    let again = store.open(store.allocate(ws.id)).await.expect("opened");
    ledger.begin_upload(ws.id, &again, now()).await.expect("upload begun");
    let copy = store.write(&again, body(b"uploaded again"), 100).await.expect("written");
    assert_eq!(ledger.reserve_blob(ws.id, &copy, now()).await.expect("reserved"), kept.key, "the held copy is kept");
    assert_eq!(
        ledger.abandoned_uploads(now() + TimeDelta::seconds(1), 10).await.expect("listed"),
        std::slice::from_ref(&again)
    );
    store.delete(&again.key).await.expect("copy removed");
    ledger.end_upload(&again.key).await.expect("forgotten");

    let cutoff = now() - TimeDelta::hours(1);
    let due = ledger.released_blobs(cutoff, 10).await.expect("released");
    assert_eq!(due, [(ws.id, gone.sha256.clone())], "the reserved content's grace restarted");
    let too_early = now() - TimeDelta::hours(3);
    assert_eq!(ledger.retire_blob(ws.id, &gone.sha256, too_early).await.expect("retire"), None, "still in its grace");
    let retired = ledger.retire_blob(ws.id, &gone.sha256, cutoff).await.expect("retire");
    assert_eq!(retired.as_ref(), Some(&gone.key), "the object to delete");
    assert_eq!(ledger.retire_blob(ws.id, &kept.sha256, cutoff).await.expect("retire"), None, "reserved again");
    assert_eq!(blob_released(db, gone.sha256.as_str()).await, None, "forgotten");
    assert_eq!(ledger.blob_key(ws.id, &gone.sha256).await.expect("key"), None);
    assert_eq!(
        ledger.abandoned_uploads(cutoff, 10).await.expect("listed"),
        [BlobWrite::plain(gone.key.clone())],
        "until its object is gone, a retired key waits as an abandoned upload"
    );
    store.delete(&gone.key).await.expect("deleted");
    ledger.end_upload(&gone.key).await.expect("forgotten");
    assert_eq!(store.size(&gone.key).await.expect("size"), None, "deleted from the store");
    assert_eq!(store.size(&kept.key).await.expect("size"), Some(14));
    assert_eq!(ledger.blob_key(ws.id, &kept.sha256).await.expect("key"), Some(kept.key.clone()));
    assert_eq!(ledger.retire_blob(ws.id, &gone.sha256, cutoff).await.expect("again"), None);
    assert!(ledger.abandoned_uploads(now() + TimeDelta::seconds(1), 10).await.expect("listed").is_empty());
    // The same bytes uploaded after their retirement are stored anew, at the upload's own key.
    let anew = upload(b"released long ago").await;
    assert_ne!(anew.key, gone.key);
    assert_eq!(ledger.blob_key(ws.id, &gone.sha256).await.expect("key"), Some(anew.key));

    // Reserving content a workspace holds leaves it held.
    let holder = doc_in(&ws, ws.root_folder_id, "held");
    repo.create(&holder, &held(db, ws.id, version_of(&holder, 1, "c3")).await, None, &[]).await.expect("created");
    let digest = Sha256::parse(&format!("{:0>64}", "c3")).expect("digest");
    let original = ledger.blob_key(ws.id, &digest).await.expect("key").expect("held");
    let upload = store.allocate(ws.id);
    ledger.begin_upload(ws.id, &BlobWrite::plain(upload.clone()), now()).await.expect("upload begun");
    let copy = StoredBlob { key: upload, sha256: digest.clone(), size: 10, sniffed_type: None };
    assert_eq!(ledger.reserve_blob(ws.id, &copy, now()).await.expect("reserved"), original);
    assert_eq!(blob_released(db, digest.as_str()).await, Some(false));
    assert_eq!(repo.usage(ws.id).await.expect("usage"), 10);
}

async fn uploads_are_tracked_in_flight_until_their_content_is_reserved(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let (repo, ledger) = (db.documents(), db.blob_ledger());
    let started = now() - TimeDelta::hours(2);
    let (old, fresh) = (
        BlobKey::new(format!("workspaces/{}/objects/old", ws.id)),
        BlobKey::new(format!("workspaces/{}/objects/new", ws.id)),
    );
    // The store's id for the upload comes back with it: S3 needs it to abort the parts.
    let stale = BlobWrite { key: old.clone(), upload_id: Some("multipart-7".into()) };
    ledger.begin_upload(ws.id, &stale, started).await.expect("begun");
    ledger.begin_upload(ws.id, &BlobWrite::plain(fresh.clone()), now()).await.expect("begun");
    let cutoff = now() - TimeDelta::hours(1);
    assert_eq!(ledger.abandoned_uploads(cutoff, 10).await.expect("listed"), [stale], "only the stale one");

    // The sweep removed the stale upload while its process was still about to reserve it.
    ledger.end_upload(&old).await.expect("forgotten");
    let late = StoredBlob {
        key: old,
        sha256: Sha256::parse(&format!("{:0>64}", "e5")).expect("digest"),
        size: 10,
        sniffed_type: None,
    };
    let err = ledger.reserve_blob(ws.id, &late, now()).await.expect_err("swept");
    assert!(matches!(err, DomainError::UploadAborted(_)), "{err:?}");
    assert_eq!(ledger.blob_key(ws.id, &late.sha256).await.expect("key"), None, "nothing points at the deleted object");

    // A version's content must be reserved first.
    let doc = doc_in(&ws, ws.root_folder_id, "unreserved.bin");
    let err = repo.create(&doc, &version_of(&doc, 1, "e5"), None, &[]).await.expect_err("not reserved");
    assert!(matches!(err, DomainError::Internal(_)), "{err:?}");
    assert!(repo.get(ws.id, doc.id).await.expect("get").is_none(), "nothing of it was recorded");
}

async fn expired_trash_lists_what_was_trashed_on_its_own_long_enough_ago(db: &Database) {
    use cabinet_domain::folders::TrashedItem;
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let other = workspace_owned_by(db, alice.id).await;
    let old = now() - TimeDelta::days(40);
    let top = new_folder(db, &ws, ws.root_folder_id, "Old").await;
    let inner = new_folder(db, &ws, top.id, "Inner").await;
    let repo = db.documents();
    let inside = doc_in(&ws, inner.id, "inside.bin");
    repo.create(&inside, &held(db, ws.id, version_of(&inside, 1, "f1")).await, None, &[]).await.expect("created");
    let loose = doc_in(&other, other.root_folder_id, "loose.bin");
    repo.create(&loose, &held(db, other.id, version_of(&loose, 1, "f2")).await, None, &[]).await.expect("created");
    let recent = doc_in(&ws, ws.root_folder_id, "recent.bin");
    repo.create(&recent, &held(db, ws.id, version_of(&recent, 1, "f3")).await, None, &[]).await.expect("created");
    db.folders().trash(ws.id, top.id, old, &[]).await.expect("trashed with everything below");
    repo.trash(other.id, loose.id, old + TimeDelta::hours(1), &[]).await.expect("trashed");
    repo.trash(ws.id, recent.id, now(), &[]).await.expect("trashed");

    let cutoff = now() - TimeDelta::days(30);
    let expired = db.folders().expired_trash(cutoff, 10).await.expect("listed");
    assert_eq!(
        expired,
        [(ws.id, TrashedItem::Folder(top.id)), (other.id, TrashedItem::Document(loose.id))],
        "what went with its folder goes with it; the recent item stays"
    );
    assert_eq!(db.folders().expired_trash(cutoff, 1).await.expect("listed").len(), 1, "oldest first, limited");
}

async fn link_expiries_are_recorded_once(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let doc = doc_in(&ws, ws.root_folder_id, "shared.pdf");
    db.documents().create(&doc, &held(db, ws.id, version_of(&doc, 1, "9a")).await, None, &[]).await.expect("created");
    let links = db.share_links();
    let expired = ShareLink { expires_at: Some(now() - TimeDelta::hours(2)), ..share_link(&doc) };
    let revoked = ShareLink {
        expires_at: Some(now() - TimeDelta::hours(1)),
        revoked_at: Some(now() - TimeDelta::hours(3)),
        ..share_link(&doc)
    };
    let live = share_link(&doc);
    let forever = ShareLink { expires_at: None, ..share_link(&doc) };
    for link in [&expired, &revoked, &live, &forever] {
        links.create(link, &[]).await.expect("link");
    }
    let due = links.expired_unrecorded(now(), 10).await.expect("listed");
    assert_eq!(due.iter().map(|l| l.id).collect::<Vec<_>>(), [expired.id], "only the unrevoked expired link");
    let event = event(EventPayload::ShareLinkExpired { workspace_id: ws.id, link_id: expired.id, document_id: doc.id });
    assert!(links.record_expiry(expired.id, now(), std::slice::from_ref(&event)).await.expect("recorded"));
    assert!(!links.record_expiry(expired.id, now(), &[event]).await.expect("once"), "a second record changes nothing");
    assert!(links.expired_unrecorded(now(), 10).await.expect("listed").is_empty());
    assert_eq!(events_of_type(db, "share_link.expired.v1").await, 1);
}

async fn purging_a_folder_deletes_exactly_the_subtree_it_read(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let top = new_folder(db, &ws, ws.root_folder_id, "Top").await;
    let inner = new_folder(db, &ws, top.id, "Inner").await;
    let outside = new_folder(db, &ws, ws.root_folder_id, "Outside").await;
    let repo = db.documents();
    let deep = doc_in(&ws, inner.id, "deep.bin");
    repo.create(&deep, &held(db, ws.id, version_of(&deep, 1, "d1")).await, None, &[]).await.expect("created");
    let other = doc_in(&ws, outside.id, "other.bin");
    repo.create(&other, &held(db, ws.id, version_of(&other, 1, "d1")).await, None, &[]).await.expect("created");

    assert_eq!(db.folders().trashed_subtree(ws.id, top.id).await.expect("read"), None, "not in the trash");
    db.folders().trash(ws.id, top.id, now(), &[]).await.expect("trashed");
    let subtree = db.folders().trashed_subtree(ws.id, top.id).await.expect("read").expect("trashed");
    assert_eq!(subtree.folders, [top.id, inner.id]);
    assert_eq!(subtree.documents, [deep.id]);

    let stale = cabinet_domain::folders::Subtree { documents: vec![], ..subtree.clone() };
    assert!(!db.folders().purge(ws.id, &stale, now(), &[]).await.expect("compared"), "a changed subtree is kept");
    let purged = event(EventPayload::FolderPurged {
        workspace_id: ws.id,
        folder_id: top.id,
        folder_ids: subtree.folders.clone(),
        document_ids: subtree.documents.clone(),
    });
    assert!(db.folders().purge(ws.id, &subtree, now(), &[purged]).await.expect("purged"));
    assert_eq!(db.folders().get(ws.id, inner.id).await.expect("get"), None);
    assert_eq!(count(db, &format!("SELECT COUNT(*) FROM documents WHERE id = '{}'", deep.id)).await, 0);
    assert!(repo.get(ws.id, other.id).await.expect("get").is_some(), "outside the subtree nothing changes");
    assert_eq!(blob_released(db, &format!("{:0>64}", "d1")).await, Some(false), "still used outside");
    assert_eq!(events_of_type(db, "folder.purged.v1").await, 1);
    let err = db.folders().purge(ws.id, &subtree, now(), &[]).await.expect_err("gone");
    assert!(matches!(err, DomainError::NotFound(Entity::Folder)));
}

// ------------------------------------------------------------- share links

fn share_link(doc: &Document) -> ShareLink {
    ShareLink {
        id: ShareLinkId::from_uuid(Uuid::now_v7()),
        workspace_id: doc.workspace_id,
        document_id: doc.id,
        version: Some(1),
        token_hash: TokenHash::from_hex(Uuid::new_v4().simple().to_string()),
        password_hash: Some(PasswordHash::from_phc("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into())),
        expires_at: Some(now() + TimeDelta::days(1)),
        max_downloads: Some(3),
        downloads: 0,
        created_by: None,
        created_at: now(),
        revoked_at: None,
    }
}

async fn share_links_count_downloads_atomically_and_revoke_once(db: &Database) {
    let alice = user_in(db, "alice@example.com").await;
    let ws = workspace_owned_by(db, alice.id).await;
    let doc = doc_in(&ws, ws.root_folder_id, "shared.pdf");
    db.documents().create(&doc, &held(db, ws.id, version_of(&doc, 1, "5")).await, None, &[]).await.expect("created");
    let repo = Arc::new(db.share_links());
    let link = share_link(&doc);
    let created = event(EventPayload::ShareLinkCreated {
        workspace_id: ws.id,
        link_id: link.id,
        document_id: doc.id,
        version: Some(1),
        expires_at: link.expires_at,
        password_protected: true,
        max_downloads: Some(3),
    });
    repo.create(&link, &[created]).await.expect("created");
    assert_eq!(repo.find_by_token(&link.token_hash).await.expect("find"), Some(link.clone()));
    assert_eq!(repo.get(ws.id, link.id).await.expect("get"), Some(link.clone()));
    assert_eq!(repo.list(ws.id, doc.id).await.expect("list"), std::slice::from_ref(&link));

    let downloads = (0..10).map(|_| {
        let repo = repo.clone();
        let downloaded = event(EventPayload::ShareLinkDownloaded {
            workspace_id: ws.id,
            link_id: link.id,
            document_id: doc.id,
            version: 1,
        });
        tokio::spawn(async move { repo.count_download(link.id, WHOLE, now(), &[downloaded]).await })
    });
    let counted = futures::future::join_all(downloads).await.into_iter().filter(|r| matches!(r, Ok(Ok(true)))).count();
    assert_eq!(counted, 3, "exactly the allowed downloads count");
    assert_eq!(events_of_type(db, "share_link.downloaded.v1").await, 3);
    assert_eq!(repo.get(ws.id, link.id).await.expect("get").expect("link").downloads, 3);

    // A limit of N is N copies' bytes, however the ranges are cut.
    let ranged = ShareLink { id: ShareLinkId::from_uuid(Uuid::now_v7()), max_downloads: Some(2), ..share_link(&doc) };
    repo.create(&ranged, &[]).await.expect("created");
    let piece = DownloadCharge { bytes: 4, copy_bytes: 10, starts_copy: false };
    let pieces = (0..10).map(|_| {
        let repo = repo.clone();
        tokio::spawn(async move { repo.count_download(ranged.id, piece, now(), &[]).await })
    });
    let charged = futures::future::join_all(pieces).await.into_iter().filter(|r| matches!(r, Ok(Ok(true)))).count();
    assert_eq!(charged, 5, "20 bytes of two 10-byte copies in 4-byte pieces");
    let tail = DownloadCharge { bytes: 1, copy_bytes: 10, starts_copy: false };
    assert!(!repo.count_download(ranged.id, tail, now(), &[]).await.expect("spent"), "no byte past the budget");
    let fresh = ShareLink { id: ShareLinkId::from_uuid(Uuid::now_v7()), max_downloads: Some(1), ..share_link(&doc) };
    repo.create(&fresh, &[]).await.expect("created");
    assert!(repo.count_download(fresh.id, WHOLE, now(), &[]).await.expect("first copy"));
    assert!(!repo.count_download(fresh.id, piece, now(), &[]).await.expect("after the copy"));

    let open = ShareLink { id: ShareLinkId::from_uuid(Uuid::now_v7()), max_downloads: None, ..share_link(&doc) };
    repo.create(&open, &[]).await.expect("created");
    let later = open.expires_at.expect("expiry") + TimeDelta::seconds(1);
    assert!(!repo.count_download(open.id, WHOLE, later, &[]).await.expect("expired"), "an expired link counts nothing");
    assert!(repo.revoke(ws.id, open.id, now(), &[]).await.expect("revoked"));
    assert!(!repo.revoke(ws.id, open.id, now(), &[]).await.expect("again"), "revoking twice changes nothing");
    assert!(!repo.count_download(open.id, WHOLE, now(), &[]).await.expect("revoked"), "a revoked link counts nothing");
    let other = workspace_owned_by(db, alice.id).await;
    let err = repo.revoke(other.id, open.id, now(), &[]).await.expect_err("another workspace's link");
    assert!(matches!(err, DomainError::NotFound(Entity::ShareLink)));
    let stray = ShareLink { workspace_id: other.id, ..share_link(&doc) };
    let err = repo.create(&stray, &[]).await.expect_err("a document of another workspace");
    assert!(matches!(err, DomainError::NotFound(Entity::Document)));
}

// ------------------------------------------------------------- audit chain

fn renamed(ws: WorkspaceId, to: &str) -> NewEvent {
    event(EventPayload::WorkspaceRenamed { workspace_id: ws, from: "Acme".into(), to: to.into() })
}

/// Runs `sql` on one event with the append-only triggers lifted.
async fn tamper(db: &Database, sql: &str, values: Vec<sea_orm::Value>) {
    assert_eq!(testing::tamper_with_events(db, sql, values).await.expect("tampered"), 1);
}

async fn chained_workspace(db: &Database, renames: usize) -> Workspace {
    let alice = user_in(db, &format!("{}@example.com", Uuid::now_v7())).await;
    let ws = workspace_owned_by(db, alice.id).await;
    for i in 0..renames {
        let name = WorkspaceName::parse(&format!("Name {i}")).expect("name");
        db.workspaces().rename(ws.id, &name, now(), &[renamed(ws.id, name.as_str())]).await.expect("renamed");
    }
    ws
}

async fn the_chain_names_the_first_altered_or_deleted_event(db: &Database) {
    use cabinet_domain::audit::ChainBreak;
    let trail = db.audit();
    let altered = chained_workspace(db, 5).await;
    let report = verify_chain(&trail, Some(altered.id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (6, None), "created + 5 renames");
    let account = verify_chain(&trail, None).await.expect("verify");
    assert!(account.is_intact() && account.intact_up_to >= 1, "{account:?}");

    let payload = r#"{"workspace_renamed":{"workspace_id":"x","from":"Acme","to":"Forged"}}"#;
    tamper(
        db,
        "UPDATE events SET payload = ? WHERE chain_id = ? AND chain_seq = 3",
        vec![serde_json::from_str::<serde_json::Value>(payload).expect("json").into(), altered.id.as_uuid().into()],
    )
    .await;
    let report = verify_chain(&trail, Some(altered.id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (2, Some((3, ChainBreak::Altered))));

    let holed = chained_workspace(db, 5).await;
    tamper(db, "DELETE FROM events WHERE chain_id = ? AND chain_seq = 4", vec![holed.id.as_uuid().into()]).await;
    let report = verify_chain(&trail, Some(holed.id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (3, Some((4, ChainBreak::Missing))));

    let cut = chained_workspace(db, 3).await;
    tamper(db, "DELETE FROM events WHERE chain_id = ? AND chain_seq = 4", vec![cut.id.as_uuid().into()]).await;
    let report = verify_chain(&trail, Some(cut.id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (3, Some((4, ChainBreak::Missing))), "the tail too");

    let chains = trail.chains().await.expect("chains");
    for ws in [altered.id, holed.id, cut.id] {
        assert!(chains.contains(&Some(ws)));
    }
    assert!(chains.contains(&None));
}

async fn concurrent_appends_to_one_chain_leave_no_gaps(db: &Database) {
    // The full 8 × 500 on PostgreSQL; SQLite serialises writers anyway.
    let per_task = if db.backend() == sea_orm::DatabaseBackend::Postgres { 500 } else { 50 };
    let ws = chained_workspace(db, 0).await;
    let tasks = (0..8).map(|t| {
        let repo = db.workspaces();
        tokio::spawn(async move {
            for i in 0..per_task {
                let name = WorkspaceName::parse(&format!("T{t} #{i}")).expect("name");
                repo.rename(ws.id, &name, now(), &[renamed(ws.id, name.as_str())]).await.expect("renamed");
            }
        })
    });
    for task in futures::future::join_all(tasks).await {
        task.expect("task");
    }
    let total = 1 + 8 * per_task;
    let report = verify_chain(&db.audit(), Some(ws.id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (total as u64, None));
    assert_eq!(events_of_type(db, "workspace.renamed.v1").await, i64::from(8 * per_task));
}

async fn events_are_filtered_paged_and_streamed(db: &Database) {
    use cabinet_domain::audit::EventQuery;
    use futures::TryStreamExt as _;
    let trail = db.audit();
    // More than one batch of the stream.
    let ws = chained_workspace(db, 1_050).await;
    let query = EventQuery { workspace: Some(ws.id), oldest_first: true, ..EventQuery::default() };
    let all: Vec<_> = trail.stream(query).try_collect().await.expect("streamed");
    assert_eq!(all.len(), 1_051);
    assert!(all.windows(2).all(|w| w[0].seq < w[1].seq), "oldest first");
    assert_eq!(all.iter().map(|e| e.chain_seq).collect::<Vec<_>>(), (1..=1_051).collect::<Vec<u64>>());
    assert_eq!(all[0].event_type, "workspace.created.v1");
    assert!(all[1].payload.contains("Name 0"), "{}", all[1].payload);

    let renames =
        EventQuery { workspace: Some(ws.id), event_type: Some("workspace.renamed.v1".into()), ..EventQuery::default() };
    let first = trail.events(&renames, 10).await.expect("page");
    assert_eq!(first.len(), 10);
    assert!(first.windows(2).all(|w| w[0].seq > w[1].seq), "newest first");
    assert!(first[0].payload.contains("Name 1049"));
    let next = trail.events(&EventQuery { after: Some(first[9].seq), ..renames.clone() }, 10).await.expect("page");
    assert!(next[0].seq < first[9].seq);
    let created = EventQuery {
        workspace: Some(ws.id),
        aggregate_type: Some("workspace".into()),
        aggregate_id: Some(ws.id.as_uuid()),
        event_type: Some("workspace.created.v1".into()),
        ..EventQuery::default()
    };
    assert_eq!(trail.events(&created, 10).await.expect("page").len(), 1);
    let later = EventQuery { from: Some(now() + TimeDelta::hours(1)), ..renames.clone() };
    assert!(trail.events(&later, 10).await.expect("page").is_empty());
    let window = EventQuery {
        from: Some(now() - TimeDelta::hours(1)),
        to: Some(now() + TimeDelta::hours(1)),
        ..renames.clone()
    };
    assert_eq!(trail.events(&window, 10).await.expect("page").len(), 10, "the time window holds them");
    let before = EventQuery { to: Some(now() - TimeDelta::hours(1)), ..renames.clone() };
    assert!(trail.events(&before, 10).await.expect("page").is_empty());
    let other = chained_workspace(db, 1).await;
    let theirs = EventQuery { workspace: Some(other.id), ..renames };
    assert_eq!(trail.events(&theirs, 10).await.expect("page").len(), 1, "one workspace's events only");
}

// ------------------------------------------------------------- projections

/// A document with one version of `size` bytes, recorded with its events.
async fn projected_upload(db: &Database, ws: &Workspace, folder: FolderId, n: u64, size: u64) -> Document {
    let doc = doc_in(ws, folder, &format!("doc-{n}"));
    let mut version = version_of(&doc, 1, &format!("{n:x}"));
    version.size = size;
    let version = held(db, ws.id, version).await;
    let events = [
        event(EventPayload::DocumentCreated {
            workspace_id: ws.id,
            document_id: doc.id,
            folder_id: folder,
            name: doc.name.as_str().into(),
        }),
        version_event(ws.id, &version),
    ];
    db.documents().create(&doc, &version, None, &events).await.expect("created");
    doc
}

fn version_event(ws: WorkspaceId, v: &DocumentVersion) -> NewEvent {
    event(EventPayload::VersionAdded {
        workspace_id: ws,
        document_id: v.document_id,
        number: v.number,
        sha256: v.sha256.as_str().into(),
        size: v.size,
        content_type: v.content_type.clone(),
    })
}

async fn snapshot(
    db: &Database,
    workspaces: &[WorkspaceId],
) -> Vec<(cabinet_domain::audit::UsageFigures, Vec<cabinet_domain::audit::Activity>)> {
    use cabinet_domain::audit::ReadModels as _;
    let projections = db.projections();
    let mut out = Vec::new();
    for ws in workspaces {
        out.push((
            projections.figures(*ws).await.expect("figures"),
            projections.activity(*ws, None, 10_000).await.expect("activity"),
        ));
    }
    out
}

async fn rebuilt_projections_equal_the_live_ones_after_a_random_workload(db: &Database) {
    use cabinet_domain::audit::UsageFigures;
    let alice = user_in(db, "alice@example.com").await;
    let workspaces = [workspace_owned_by(db, alice.id).await, workspace_owned_by(db, alice.id).await];
    let mut expected = [UsageFigures::default(); 2];
    // Per document: (workspace index, folder, versions, bytes, trashed).
    let mut docs: Vec<(usize, Document, u64, u64, bool)> = Vec::new();
    let mut folders: Vec<(usize, Folder)> = Vec::new();
    let mut seed: u64 = 0x5eed;
    let mut next = |bound: u64| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % bound
    };
    for step in 0..120_u64 {
        let w = usize::try_from(next(2)).expect("index");
        let ws = &workspaces[w];
        match next(10) {
            0..=3 => {
                let folder = match folders.iter().find(|(fw, _)| *fw == w) {
                    Some((_, f)) if next(2) == 0 => f.id,
                    _ => ws.root_folder_id,
                };
                let size = 1 + next(5_000);
                let doc = projected_upload(db, ws, folder, step, size).await;
                expected[w].documents += 1;
                expected[w].versions += 1;
                expected[w].bytes += size;
                docs.push((w, doc, 1, size, false));
            }
            4..=5 if !docs.is_empty() => {
                let i = usize::try_from(next(docs.len() as u64)).expect("index");
                let (dw, doc, versions, bytes, trashed) = &mut docs[i];
                if *trashed {
                    continue;
                }
                let mut v = version_of(doc, u32::try_from(*versions + 1).expect("small"), &format!("{step:x}f"));
                v.size = 1 + next(5_000);
                let v = held(db, workspaces[*dw].id, v).await;
                let event = version_event(workspaces[*dw].id, &v);
                assert!(db.documents().add_version(workspaces[*dw].id, &v, None, &[event]).await.expect("v"));
                *versions += 1;
                *bytes += v.size;
                expected[*dw].versions += 1;
                expected[*dw].bytes += v.size;
            }
            6 if !docs.is_empty() => {
                let i = usize::try_from(next(docs.len() as u64)).expect("index");
                let (dw, doc, versions, bytes, trashed) = docs.remove(i);
                let ws = &workspaces[dw];
                if !trashed {
                    db.documents().trash(ws.id, doc.id, now(), &[]).await.expect("trashed");
                }
                let purged = event(EventPayload::DocumentPurged { workspace_id: ws.id, document_id: doc.id });
                db.documents().purge(ws.id, doc.id, now(), &[purged]).await.expect("purged");
                expected[dw].documents -= 1;
                expected[dw].versions -= versions;
                expected[dw].bytes -= bytes;
            }
            7 => {
                let folder = new_folder(db, ws, ws.root_folder_id, &format!("folder-{step}")).await;
                folders.push((w, folder));
            }
            8 if !folders.is_empty() => {
                let i = usize::try_from(next(folders.len() as u64)).expect("index");
                let (fw, folder) = folders.remove(i);
                let ws = &workspaces[fw];
                db.folders().trash(ws.id, folder.id, now(), &[]).await.expect("trashed");
                let subtree = db.folders().trashed_subtree(ws.id, folder.id).await.expect("read").expect("trashed");
                let purged = event(EventPayload::FolderPurged {
                    workspace_id: ws.id,
                    folder_id: folder.id,
                    folder_ids: subtree.folders.clone(),
                    document_ids: subtree.documents.clone(),
                });
                assert!(db.folders().purge(ws.id, &subtree, now(), &[purged]).await.expect("purged"));
                docs.retain(|(dw, doc, versions, bytes, _)| {
                    let gone = *dw == fw && doc.folder_id == folder.id;
                    if gone {
                        expected[fw].documents -= 1;
                        expected[fw].versions -= versions;
                        expected[fw].bytes -= bytes;
                    }
                    !gone
                });
            }
            _ => {
                // The worker catching up now and then, in small batches.
                projector(db).catch_up(3).await.expect("caught up");
            }
        }
    }
    while projector(db).catch_up(3).await.expect("caught up") > 0 {}
    let ids = [workspaces[0].id, workspaces[1].id];
    let live = snapshot(db, &ids).await;
    assert_eq!(live[0].0, expected[0], "the live figures match what happened");
    assert_eq!(live[1].0, expected[1]);
    assert!(!live[0].1.is_empty() && !live[1].1.is_empty());

    let replayed = projector(db).rebuild().await.expect("rebuilt");
    assert!(replayed >= live.iter().map(|(_, feed)| feed.len() as u64).sum::<u64>());
    let rebuilt = snapshot(db, &ids).await;
    for (w, ((live_figures, live_feed), (rebuilt_figures, rebuilt_feed))) in live.iter().zip(&rebuilt).enumerate() {
        assert_eq!(live_figures, rebuilt_figures, "workspace {w}: figures");
        assert_eq!(live_feed.len(), rebuilt_feed.len(), "workspace {w}: feed length");
        for (a, b) in live_feed.iter().zip(rebuilt_feed) {
            assert_eq!(a, b, "workspace {w}: feed entry {}", a.seq);
        }
    }
    assert_eq!(projector(db).catch_up(100).await.expect("nothing left"), 0);
}

// ------------------------------------------------------------- jobs
// The domain's job queue contract (`cabinet_domain::testing::contracts::job_queue`).

async fn jobs_are_claimed_under_a_lease_retried_and_buried(db: &Database) {
    job_queue::jobs_are_claimed_under_a_lease_retried_and_buried(&db.jobs(), now()).await;
}

async fn a_renewed_lease_keeps_its_job(db: &Database) {
    job_queue::a_renewed_lease_keeps_its_job(&db.jobs(), now()).await;
}

async fn concurrent_claimers_take_each_job_once(db: &Database) {
    job_queue::concurrent_claimers_take_each_job_once(&db.jobs(), now()).await;
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let dir = tempfile::tempdir().expect("tempdir");
                    let db = super::testing::sqlite(dir.path()).await.expect("sqlite");
                    super::$name(&db).await;
                    db.close().await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let (handle, db) = super::TestDatabase::postgres(&super::testing::postgres_admin_url())
                        .await
                        .expect("a PostgreSQL server for tests");
                    super::$name(&db).await;
                    db.close().await;
                    handle.drop_database().await.expect("drop");
                }
            )*
        }
    };
}

contract!(
    users_round_trip_and_emails_are_unique,
    a_failed_event_append_rolls_back_the_change,
    events_are_append_only,
    setting_a_password_revokes_other_sessions,
    refresh_tokens_rotate_exactly_once,
    concurrent_rotations_of_one_token_have_one_winner,
    sessions_revoke_once_and_leave_the_active_list,
    workspaces_list_their_members_and_paginate,
    members_are_unique_and_the_last_owner_stays,
    two_owners_demoting_each_other_at_once_leave_one_owner,
    deleting_a_workspace_removes_it_but_keeps_its_events,
    api_keys_are_found_by_hash_listed_and_revoked,
    folders_form_a_tree_with_unique_sibling_names,
    folders_rename_and_move_without_cycles,
    concurrent_crossing_moves_never_make_a_loop,
    children_page_in_every_order,
    documents_keep_every_version_and_hold_content_once,
    document_names_are_unique_in_their_folder,
    concurrent_new_versions_get_distinct_numbers,
    children_list_folders_then_documents_across_pages,
    the_quota_holds_under_concurrent_uploads,
    document_updates_are_conditional_on_the_revision,
    idempotency_keys_claim_once_and_replay,
    purging_a_document_releases_only_content_nothing_else_uses,
    released_content_is_collected_after_its_grace_unless_reserved,
    uploads_are_tracked_in_flight_until_their_content_is_reserved,
    expired_trash_lists_what_was_trashed_on_its_own_long_enough_ago,
    link_expiries_are_recorded_once,
    purging_a_folder_deletes_exactly_the_subtree_it_read,
    share_links_count_downloads_atomically_and_revoke_once,
    the_chain_names_the_first_altered_or_deleted_event,
    concurrent_appends_to_one_chain_leave_no_gaps,
    events_are_filtered_paged_and_streamed,
    rebuilt_projections_equal_the_live_ones_after_a_random_workload,
    jobs_are_claimed_under_a_lease_retried_and_buried,
    a_renewed_lease_keeps_its_job,
    concurrent_claimers_take_each_job_once,
);

mod search;
mod webhooks;

/// The domain's projector over this database's read models, as the worker runs it.
fn projector(db: &Database) -> cabinet_domain::audit::Projector {
    cabinet_domain::audit::Projector::new(std::sync::Arc::new(db.projections()), true)
}
