//! What each event is called and what it is about: the stable type names
//! and aggregates of [`EventPayload`], and the event as it is appended.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::actor::{ActorRef, Origin};
use crate::audit::EventPayload;
use crate::ids::WorkspaceId;

/// An event about to be appended, together with the change that produced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    /// The event id (UUIDv7).
    pub id: Uuid,
    /// What happened.
    pub payload: EventPayload,
    /// Who did it.
    pub actor: ActorRef,
    /// Where the request came from.
    pub origin: Origin,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

impl EventPayload {
    /// The stable, versioned event type.
    #[must_use]
    pub const fn event_type(&self) -> &'static str {
        match self {
            EventPayload::UserRegistered { .. } => "user.registered.v1",
            EventPayload::PasswordChanged { .. } => "user.password_changed.v1",
            EventPayload::SessionStarted { .. } => "auth.session_started.v1",
            EventPayload::SessionRefreshed { .. } => "auth.session_refreshed.v1",
            EventPayload::SessionRevoked { .. } => "auth.session_revoked.v1",
            EventPayload::RefreshReuseDetected { .. } => "auth.refresh_reuse_detected.v1",
            EventPayload::WorkspaceCreated { .. } => "workspace.created.v1",
            EventPayload::WorkspaceRenamed { .. } => "workspace.renamed.v1",
            EventPayload::WorkspaceDeleted { .. } => "workspace.deleted.v1",
            EventPayload::MemberAdded { .. } => "member.added.v1",
            EventPayload::MemberRoleChanged { .. } => "member.role_changed.v1",
            EventPayload::MemberRemoved { .. } => "member.removed.v1",
            EventPayload::ApiKeyCreated { .. } => "api_key.created.v1",
            EventPayload::ApiKeyRevoked { .. } => "api_key.revoked.v1",
            EventPayload::FolderCreated { .. } => "folder.created.v1",
            EventPayload::FolderRenamed { .. } => "folder.renamed.v1",
            EventPayload::FolderMoved { .. } => "folder.moved.v1",
            EventPayload::DocumentCreated { .. } => "document.created.v1",
            EventPayload::VersionAdded { .. } => "document.version_added.v1",
            EventPayload::VersionProcessed { .. } => "document.version_processed.v1",
            EventPayload::DocumentUpdated { .. } => "document.updated.v1",
            EventPayload::DocumentTrashed { .. } => "document.trashed.v1",
            EventPayload::DocumentRestored { .. } => "document.restored.v1",
            EventPayload::FolderTrashed { .. } => "folder.trashed.v1",
            EventPayload::FolderRestored { .. } => "folder.restored.v1",
            EventPayload::DocumentPurged { .. } => "document.purged.v1",
            EventPayload::FolderPurged { .. } => "folder.purged.v1",
            EventPayload::ShareLinkCreated { .. } => "share_link.created.v1",
            EventPayload::ShareLinkRevoked { .. } => "share_link.revoked.v1",
            EventPayload::ShareLinkDownloaded { .. } => "share_link.downloaded.v1",
            EventPayload::ShareLinkExpired { .. } => "share_link.expired.v1",
            EventPayload::WebhookCreated { .. } => "webhook.created.v1",
            EventPayload::WebhookUpdated { .. } => "webhook.updated.v1",
            EventPayload::WebhookDeleted { .. } => "webhook.deleted.v1",
            EventPayload::WebhookDisabled { .. } => "webhook.disabled.v1",
            EventPayload::WebhookDeliveryRequested { .. } => "webhook.delivery_requested.v1",
        }
    }

    /// The aggregate the event belongs to: its type name and id.
    #[must_use]
    pub fn aggregate(&self) -> (&'static str, Uuid) {
        match self {
            EventPayload::UserRegistered { user_id, .. } | EventPayload::PasswordChanged { user_id, .. } => {
                ("user", user_id.as_uuid())
            }
            EventPayload::SessionStarted { session_id, .. }
            | EventPayload::SessionRefreshed { session_id, .. }
            | EventPayload::SessionRevoked { session_id, .. }
            | EventPayload::RefreshReuseDetected { session_id, .. } => ("session", session_id.as_uuid()),
            EventPayload::WorkspaceCreated { workspace_id, .. }
            | EventPayload::WorkspaceRenamed { workspace_id, .. }
            | EventPayload::WorkspaceDeleted { workspace_id } => ("workspace", workspace_id.as_uuid()),
            EventPayload::MemberAdded { workspace_id, .. }
            | EventPayload::MemberRoleChanged { workspace_id, .. }
            | EventPayload::MemberRemoved { workspace_id, .. } => ("workspace", workspace_id.as_uuid()),
            EventPayload::ApiKeyCreated { key_id, .. } | EventPayload::ApiKeyRevoked { key_id, .. } => {
                ("api_key", key_id.as_uuid())
            }
            EventPayload::FolderCreated { folder_id, .. }
            | EventPayload::FolderRenamed { folder_id, .. }
            | EventPayload::FolderMoved { folder_id, .. } => ("folder", folder_id.as_uuid()),
            EventPayload::DocumentCreated { document_id, .. }
            | EventPayload::VersionAdded { document_id, .. }
            | EventPayload::VersionProcessed { document_id, .. }
            | EventPayload::DocumentUpdated { document_id, .. }
            | EventPayload::DocumentTrashed { document_id, .. }
            | EventPayload::DocumentRestored { document_id, .. }
            | EventPayload::DocumentPurged { document_id, .. } => ("document", document_id.as_uuid()),
            EventPayload::FolderTrashed { folder_id, .. }
            | EventPayload::FolderRestored { folder_id, .. }
            | EventPayload::FolderPurged { folder_id, .. } => ("folder", folder_id.as_uuid()),
            EventPayload::ShareLinkCreated { link_id, .. }
            | EventPayload::ShareLinkRevoked { link_id, .. }
            | EventPayload::ShareLinkDownloaded { link_id, .. }
            | EventPayload::ShareLinkExpired { link_id, .. } => ("share_link", link_id.as_uuid()),
            EventPayload::WebhookCreated { webhook_id, .. }
            | EventPayload::WebhookUpdated { webhook_id, .. }
            | EventPayload::WebhookDeleted { webhook_id, .. }
            | EventPayload::WebhookDisabled { webhook_id, .. }
            | EventPayload::WebhookDeliveryRequested { webhook_id, .. } => ("webhook", webhook_id.as_uuid()),
        }
    }

    /// The workspace whose audit trail the event belongs to; account-level
    /// events belong to none.
    #[must_use]
    pub fn workspace_id(&self) -> Option<WorkspaceId> {
        match self {
            EventPayload::WorkspaceCreated { workspace_id, .. }
            | EventPayload::WorkspaceRenamed { workspace_id, .. }
            | EventPayload::WorkspaceDeleted { workspace_id }
            | EventPayload::MemberAdded { workspace_id, .. }
            | EventPayload::MemberRoleChanged { workspace_id, .. }
            | EventPayload::MemberRemoved { workspace_id, .. }
            | EventPayload::ApiKeyCreated { workspace_id, .. }
            | EventPayload::ApiKeyRevoked { workspace_id, .. }
            | EventPayload::FolderCreated { workspace_id, .. }
            | EventPayload::FolderRenamed { workspace_id, .. }
            | EventPayload::FolderMoved { workspace_id, .. }
            | EventPayload::DocumentCreated { workspace_id, .. }
            | EventPayload::VersionAdded { workspace_id, .. }
            | EventPayload::VersionProcessed { workspace_id, .. }
            | EventPayload::DocumentUpdated { workspace_id, .. }
            | EventPayload::DocumentTrashed { workspace_id, .. }
            | EventPayload::DocumentRestored { workspace_id, .. }
            | EventPayload::FolderTrashed { workspace_id, .. }
            | EventPayload::FolderRestored { workspace_id, .. }
            | EventPayload::DocumentPurged { workspace_id, .. }
            | EventPayload::FolderPurged { workspace_id, .. }
            | EventPayload::ShareLinkCreated { workspace_id, .. }
            | EventPayload::ShareLinkRevoked { workspace_id, .. }
            | EventPayload::ShareLinkDownloaded { workspace_id, .. }
            | EventPayload::ShareLinkExpired { workspace_id, .. }
            | EventPayload::WebhookCreated { workspace_id, .. }
            | EventPayload::WebhookUpdated { workspace_id, .. }
            | EventPayload::WebhookDeleted { workspace_id, .. }
            | EventPayload::WebhookDisabled { workspace_id, .. }
            | EventPayload::WebhookDeliveryRequested { workspace_id, .. } => Some(*workspace_id),
            EventPayload::UserRegistered { .. }
            | EventPayload::PasswordChanged { .. }
            | EventPayload::SessionStarted { .. }
            | EventPayload::SessionRefreshed { .. }
            | EventPayload::SessionRevoked { .. }
            | EventPayload::RefreshReuseDetected { .. } => None,
        }
    }
}
