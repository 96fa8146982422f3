//! Builders shared by the service unit tests.

use std::sync::Arc;

use chrono::{DateTime, TimeZone, Utc};
use uuid::Uuid;

use crate::identity::{DisplayName, Email, PasswordHash, User};
use crate::ids::{ApiKeyId, FolderId, SessionId, UserId, WorkspaceId};
use crate::system::Runtime;
use crate::system::{MockClock, MockIdGenerator};
use crate::workspaces::{Membership, Workspace, WorkspaceName};
use crate::{Actor, Origin, Principal, Role};

/// The fixed "now" of every test.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).single().expect("valid date")
}

/// A runtime whose clock is stopped at [`now`] and whose ids are random.
pub fn runtime() -> Runtime {
    let mut clock = MockClock::new();
    clock.expect_now().returning(now);
    let mut ids = MockIdGenerator::new();
    ids.expect_new_id().returning(Uuid::new_v4);
    Runtime { clock: Arc::new(clock), ids: Arc::new(ids) }
}

pub fn user(email: &str) -> User {
    User {
        id: UserId::from_uuid(Uuid::new_v4()),
        email: Email::parse(email).expect("valid email"),
        display_name: DisplayName::parse("Test User").expect("valid name"),
        password_hash: PasswordHash::from_phc("$argon2id$stub".into()),
        instance_admin: false,
        disabled_at: None,
        created_at: now(),
        updated_at: now(),
    }
}

pub fn user_actor(user_id: UserId) -> Actor {
    Actor {
        principal: Principal::User {
            user_id,
            session_id: SessionId::from_uuid(Uuid::new_v4()),
            token_id: Uuid::new_v4(),
            token_expires_at: now() + chrono::TimeDelta::minutes(10),
            instance_admin: false,
        },
        origin: Origin {
            request_id: Some("req-1".into()),
            ip: Some("127.0.0.1".parse().expect("ip")),
            user_agent: None,
        },
    }
}

pub fn key_actor(workspace_id: WorkspaceId, role: Role) -> Actor {
    Actor {
        principal: Principal::ApiKey { key_id: ApiKeyId::from_uuid(Uuid::new_v4()), workspace_id, role },
        origin: Origin::default(),
    }
}

/// An active key of `workspace_id` made by `created_by`, acting as `role`.
pub fn api_key(workspace_id: WorkspaceId, created_by: UserId, role: Role) -> crate::identity::ApiKey {
    crate::identity::ApiKey {
        id: ApiKeyId::from_uuid(Uuid::new_v4()),
        workspace_id,
        name: crate::identity::ApiKeyName::parse("ci").expect("name"),
        role,
        prefix: "cab_abcdefgh".into(),
        hash: crate::system::TokenHash::from_hex("h(cab_secret)".into()),
        created_by,
        created_at: now(),
        expires_at: Some(now() + chrono::TimeDelta::days(1)),
        last_used_at: None,
        revoked_at: None,
    }
}

pub fn workspace(id: WorkspaceId) -> Workspace {
    Workspace {
        id,
        name: WorkspaceName::parse("Acme").expect("valid name"),
        root_folder_id: FolderId::from_uuid(Uuid::new_v4()),
        created_by: UserId::from_uuid(Uuid::new_v4()),
        created_at: now(),
        updated_at: now(),
    }
}

pub fn membership(workspace_id: WorkspaceId, user_id: UserId, role: Role) -> Membership {
    Membership { workspace_id, user_id, role, created_at: now() }
}

pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    futures::executor::block_on(f)
}

/// Workspaces in which `user` holds `role` in `ws` and belongs nowhere else.
pub fn member_repo(ws: WorkspaceId, user: UserId, role: Role) -> Arc<crate::workspaces::MockWorkspaceRepository> {
    let mut workspaces = crate::workspaces::MockWorkspaceRepository::new();
    workspaces.expect_membership().returning(move |w, u| Ok((w == ws && u == user).then(|| membership(w, u, role))));
    Arc::new(workspaces)
}

/// The digest of `abc`.
pub const ABC_DIGEST: &str = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

/// A document of `ws` at version `current`, named `name`.
pub fn document(ws: WorkspaceId, id: crate::ids::DocumentId, current: u32, name: &str) -> crate::documents::Document {
    crate::documents::Document {
        id,
        workspace_id: ws,
        folder_id: FolderId::from_uuid(Uuid::new_v4()),
        name: crate::folders::ItemName::parse(name).expect("name"),
        current_version: current,
        size: 3,
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

/// Version `number` of `doc`: three bytes, `abc`, named `name`.
pub fn version(doc: crate::ids::DocumentId, number: u32, name: &str) -> crate::documents::DocumentVersion {
    crate::documents::DocumentVersion {
        document_id: doc,
        number,
        sha256: crate::documents::Sha256::parse(ABC_DIGEST).expect("digest"),
        size: 3,
        content_type: "application/octet-stream".into(),
        filename: crate::folders::ItemName::parse(name).expect("name"),
        author: None,
        note: None,
        created_at: now(),
    }
}
