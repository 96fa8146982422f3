//! Domain events: the record of every change, persisted with the change itself.
//!
//! Each event has a stable, versioned type name (`workspace.renamed.v1`); its
//! payload never holds a secret, so the event store can be read, exported and
//! sent to webhooks as it is.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::ids::{ApiKeyId, DocumentId, FolderId, SessionId, ShareLinkId, UserId, WorkspaceId};
use crate::policy::Role;

/// Why a session ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RevocationReason {
    /// The user signed out.
    Logout,
    /// The user revoked it from the session list.
    RevokedByUser,
    /// The password changed.
    PasswordChanged,
    /// A rotated refresh token was presented again.
    RefreshTokenReused,
}

impl RevocationReason {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            RevocationReason::Logout => "logout",
            RevocationReason::RevokedByUser => "revoked_by_user",
            RevocationReason::PasswordChanged => "password_changed",
            RevocationReason::RefreshTokenReused => "refresh_token_reused",
        }
    }
}

/// What happened. The variant decides the event type name and the aggregate.
/// New capabilities add events, so code outside this crate that matches on
/// a payload keeps an arm for the ones it does not know.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum EventPayload {
    /// `user.registered.v1`
    UserRegistered {
        /// The new user.
        user_id: UserId,
        /// Their email.
        email: String,
        /// Their display name.
        display_name: String,
        /// Whether they administer the instance.
        instance_admin: bool,
    },
    /// `user.password_changed.v1`
    PasswordChanged {
        /// The user.
        user_id: UserId,
        /// Sessions ended by the change.
        revoked_sessions: Vec<SessionId>,
    },
    /// `auth.session_started.v1`
    SessionStarted {
        /// The user.
        user_id: UserId,
        /// The new session.
        session_id: SessionId,
    },
    /// `auth.session_refreshed.v1`
    SessionRefreshed {
        /// The user.
        user_id: UserId,
        /// The session whose refresh token rotated.
        session_id: SessionId,
    },
    /// `auth.session_revoked.v1`
    SessionRevoked {
        /// The user.
        user_id: UserId,
        /// The session.
        session_id: SessionId,
        /// Why.
        reason: RevocationReason,
    },
    /// `auth.refresh_reuse_detected.v1`
    RefreshReuseDetected {
        /// The user.
        user_id: UserId,
        /// The family that was revoked.
        session_id: SessionId,
    },
    /// `workspace.created.v1`
    WorkspaceCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// Its name.
        name: String,
        /// Its first owner.
        owner_id: UserId,
    },
    /// `workspace.renamed.v1`
    WorkspaceRenamed {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `workspace.deleted.v1`
    WorkspaceDeleted {
        /// The workspace.
        workspace_id: WorkspaceId,
    },
    /// `member.added.v1`
    MemberAdded {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The new member.
        user_id: UserId,
        /// Their role.
        role: Role,
    },
    /// `member.role_changed.v1`
    MemberRoleChanged {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The member.
        user_id: UserId,
        /// The old role.
        from: Role,
        /// The new role.
        to: Role,
    },
    /// `member.removed.v1`
    MemberRemoved {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The former member.
        user_id: UserId,
    },
    /// `api_key.created.v1`
    ApiKeyCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The key.
        key_id: ApiKeyId,
        /// Its label.
        name: String,
        /// Its role.
        role: Role,
        /// Its visible prefix (never the secret).
        prefix: String,
    },
    /// `api_key.revoked.v1`
    ApiKeyRevoked {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The key.
        key_id: ApiKeyId,
    },
    /// `folder.created.v1`
    FolderCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
        /// Its parent (none for a root folder).
        parent_id: Option<FolderId>,
        /// Its name.
        name: String,
    },
    /// `folder.renamed.v1`
    FolderRenamed {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
        /// The old name.
        from: String,
        /// The new name.
        to: String,
    },
    /// `folder.moved.v1`
    FolderMoved {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
        /// The old parent.
        from: FolderId,
        /// The new parent.
        to: FolderId,
    },
    /// `document.created.v1`
    DocumentCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
        /// Its folder.
        folder_id: FolderId,
        /// Its name.
        name: String,
    },
    /// `document.updated.v1`: only the fields that changed are present.
    DocumentUpdated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
        /// The new name.
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        /// The new folder.
        #[serde(skip_serializing_if = "Option::is_none")]
        folder_id: Option<FolderId>,
        /// The new tags.
        #[serde(skip_serializing_if = "Option::is_none")]
        tags: Option<Vec<String>>,
        /// The metadata keys now set.
        #[serde(skip_serializing_if = "Option::is_none")]
        metadata_keys: Option<Vec<String>>,
        /// Whether the description changed.
        description_changed: bool,
    },
    /// `document.trashed.v1`
    DocumentTrashed {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
    },
    /// `document.restored.v1`
    DocumentRestored {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
    },
    /// `folder.trashed.v1`: the folder and everything below it.
    FolderTrashed {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
    },
    /// `folder.restored.v1`: the folder and what was trashed with it.
    FolderRestored {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
    },
    /// `document.purged.v1`: deleted for good from the trash, with its versions.
    DocumentPurged {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
    },
    /// `folder.purged.v1`: deleted for good from the trash, with everything below it.
    FolderPurged {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The folder.
        folder_id: FolderId,
        /// Every folder deleted, the folder itself included.
        folder_ids: Vec<FolderId>,
        /// Every document deleted.
        document_ids: Vec<DocumentId>,
    },
    /// `share_link.created.v1`
    ShareLinkCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The link.
        link_id: ShareLinkId,
        /// The document it shares.
        document_id: DocumentId,
        /// The version it is pinned to; none follows the current one.
        #[serde(skip_serializing_if = "Option::is_none")]
        version: Option<u32>,
        /// When it stops working.
        #[serde(skip_serializing_if = "Option::is_none")]
        expires_at: Option<DateTime<Utc>>,
        /// Whether it asks for a password (never the password).
        password_protected: bool,
        /// How many downloads it allows.
        #[serde(skip_serializing_if = "Option::is_none")]
        max_downloads: Option<u32>,
    },
    /// `share_link.revoked.v1`
    ShareLinkRevoked {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The link.
        link_id: ShareLinkId,
        /// The document it shared.
        document_id: DocumentId,
    },
    /// `share_link.downloaded.v1`: someone holding the link downloaded the file.
    ShareLinkDownloaded {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The link.
        link_id: ShareLinkId,
        /// The document.
        document_id: DocumentId,
        /// The version sent.
        version: u32,
    },
    /// `webhook.created.v1`
    WebhookCreated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The endpoint.
        webhook_id: crate::ids::WebhookId,
        /// Where it posts.
        url: String,
    },
    /// `webhook.updated.v1`
    WebhookUpdated {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The endpoint.
        webhook_id: crate::ids::WebhookId,
    },
    /// `webhook.deleted.v1`
    WebhookDeleted {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The endpoint.
        webhook_id: crate::ids::WebhookId,
    },
    /// `webhook.disabled.v1`: Cabinet turned an endpoint off after a long outage.
    WebhookDisabled {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The endpoint.
        webhook_id: crate::ids::WebhookId,
        /// Why.
        reason: String,
    },
    /// `webhook.delivery_requested.v1`: a test ping or a redelivery was asked for.
    WebhookDeliveryRequested {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The endpoint.
        webhook_id: crate::ids::WebhookId,
        /// The delivery.
        delivery_id: crate::ids::DeliveryId,
        /// `ping` or `redelivery`.
        reason: String,
    },
    /// `share_link.expired.v1`: a link reached its expiry (recorded by the worker).
    ShareLinkExpired {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The link.
        link_id: ShareLinkId,
        /// The document it shared.
        document_id: DocumentId,
    },
    /// `document.version_added.v1`
    VersionAdded {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
        /// The version number.
        number: u32,
        /// The content digest.
        sha256: String,
        /// The content size.
        size: u64,
        /// The decided media type.
        content_type: String,
    },
    /// `document.version_processed.v1`: its text was extracted for search
    /// and its thumbnail made, or it was found unreadable.
    VersionProcessed {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The document.
        document_id: DocumentId,
        /// The version number.
        number: u32,
        /// What became of its text.
        text: crate::processing::TextStatus,
        /// Whether it has a thumbnail.
        thumbnail: bool,
    },
}
