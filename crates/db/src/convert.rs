//! Conversions from rows to domain types. Stored values were valid when
//! written; a row that no longer parses is reported as corrupt, not skipped.

use cabinet_domain::documents::{Document, DocumentVersion, Sha256};
use cabinet_domain::folders::{Folder, ItemName};
use cabinet_domain::identity::{ApiKey, ApiKeyName, DisplayName, Email, PasswordHash, RefreshToken, Session, User};
use cabinet_domain::sharing::ShareLink;
use cabinet_domain::system::TokenHash;
use cabinet_domain::workspaces::{Membership, Workspace, WorkspaceName};
use cabinet_domain::{
    ApiKeyId, DocumentId, DomainError, DomainResult, FolderId, Role, SessionId, ShareLinkId, UserId, WorkspaceId,
};

use crate::entities::{
    api_keys, document_versions, documents, folders, memberships, refresh_tokens, sessions, share_links, users,
    workspaces,
};

fn corrupt(table: &str, what: impl std::fmt::Display) -> DomainError {
    DomainError::Internal(format!("corrupt {table} row: {what}"))
}

fn corrupt_name(table: &str) -> DomainError {
    corrupt(table, "empty or path-like name")
}

pub(crate) fn role(raw: &str) -> DomainResult<Role> {
    Role::parse(raw).ok_or_else(|| corrupt("role", raw))
}

pub(crate) fn user(m: users::Model) -> DomainResult<User> {
    Ok(User {
        id: UserId::from_uuid(m.id),
        email: Email::parse(&m.email).map_err(|e| corrupt("users", e))?,
        display_name: DisplayName::parse(&m.display_name).map_err(|e| corrupt("users", e))?,
        password_hash: PasswordHash::from_phc(m.password_hash),
        instance_admin: m.instance_admin,
        disabled_at: m.disabled_at,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn session(m: sessions::Model) -> Session {
    Session {
        id: SessionId::from_uuid(m.id),
        user_id: UserId::from_uuid(m.user_id),
        created_at: m.created_at,
        last_used_at: m.last_used_at,
        expires_at: m.expires_at,
        revoked_at: m.revoked_at,
        user_agent: m.user_agent,
        ip: m.ip,
    }
}

pub(crate) fn refresh_token(m: refresh_tokens::Model) -> RefreshToken {
    RefreshToken {
        hash: TokenHash::from_hex(m.token_hash),
        session_id: SessionId::from_uuid(m.session_id),
        created_at: m.created_at,
        expires_at: m.expires_at,
        used_at: m.used_at,
    }
}

pub(crate) fn workspace(m: workspaces::Model) -> DomainResult<Workspace> {
    Ok(Workspace {
        id: WorkspaceId::from_uuid(m.id),
        name: WorkspaceName::parse(&m.name).map_err(|e| corrupt("workspaces", e))?,
        root_folder_id: FolderId::from_uuid(m.root_folder_id.ok_or_else(|| corrupt("workspaces", "no root folder"))?),
        created_by: UserId::from_uuid(m.created_by),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn membership(m: memberships::Model) -> DomainResult<Membership> {
    Ok(Membership {
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        user_id: UserId::from_uuid(m.user_id),
        role: role(&m.role)?,
        created_at: m.created_at,
    })
}

pub(crate) fn api_key(m: api_keys::Model) -> DomainResult<ApiKey> {
    Ok(ApiKey {
        id: ApiKeyId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        name: ApiKeyName::parse(&m.name).map_err(|e| corrupt("api_keys", e))?,
        role: role(&m.role)?,
        prefix: m.prefix,
        hash: TokenHash::from_hex(m.key_hash),
        created_by: UserId::from_uuid(m.created_by),
        created_at: m.created_at,
        expires_at: m.expires_at,
        last_used_at: m.last_used_at,
        revoked_at: m.revoked_at,
    })
}

pub(crate) fn folder(m: folders::Model) -> DomainResult<Folder> {
    Ok(Folder {
        id: FolderId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        parent_id: m.parent_id.map(FolderId::from_uuid),
        name: ItemName::stored(&m.name).ok_or_else(|| corrupt_name("folders"))?,
        created_by: m.created_by.map(UserId::from_uuid),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn document(m: documents::Model) -> DomainResult<Document> {
    Ok(Document {
        id: DocumentId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        folder_id: FolderId::from_uuid(m.folder_id),
        name: ItemName::stored(&m.name).ok_or_else(|| corrupt_name("documents"))?,
        current_version: u32::try_from(m.current_version).map_err(|e| corrupt("documents", e))?,
        size: u64::try_from(m.current_size).map_err(|e| corrupt("documents", e))?,
        content_type: m.current_content_type,
        description: m.description,
        tags: serde_json::from_value(m.tags).map_err(|e| corrupt("documents", e))?,
        metadata: serde_json::from_value(m.metadata).map_err(|e| corrupt("documents", e))?,
        revision: u64::try_from(m.revision).map_err(|e| corrupt("documents", e))?,
        created_by: m.created_by.map(UserId::from_uuid),
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn version(m: document_versions::Model) -> DomainResult<DocumentVersion> {
    Ok(DocumentVersion {
        document_id: DocumentId::from_uuid(m.document_id),
        number: u32::try_from(m.number).map_err(|e| corrupt("document_versions", e))?,
        sha256: Sha256::parse(&m.sha256).map_err(|e| corrupt("document_versions", e))?,
        size: u64::try_from(m.size).map_err(|e| corrupt("document_versions", e))?,
        content_type: m.content_type,
        filename: ItemName::stored(&m.filename).ok_or_else(|| corrupt_name("document_versions"))?,
        author: m.author.map(UserId::from_uuid),
        note: m.note,
        created_at: m.created_at,
    })
}

pub(crate) fn share_link(m: share_links::Model) -> DomainResult<ShareLink> {
    let count = |n: i32| u32::try_from(n).map_err(DomainError::internal);
    Ok(ShareLink {
        id: ShareLinkId::from_uuid(m.id),
        workspace_id: WorkspaceId::from_uuid(m.workspace_id),
        document_id: DocumentId::from_uuid(m.document_id),
        version: m.version_number.map(count).transpose()?,
        token_hash: TokenHash::from_hex(m.token_hash),
        password_hash: m.password_hash.map(PasswordHash::from_phc),
        expires_at: m.expires_at,
        max_downloads: m.max_downloads.map(count).transpose()?,
        downloads: count(m.downloads)?,
        created_by: m.created_by.map(UserId::from_uuid),
        created_at: m.created_at,
        revoked_at: m.revoked_at,
    })
}
