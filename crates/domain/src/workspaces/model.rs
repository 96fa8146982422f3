//! Workspaces (tenants) and their members.

use chrono::{DateTime, Utc};

use crate::identity::{DisplayName, Email};
use crate::ids::{FolderId, UserId, WorkspaceId};
use crate::policy::Role;

crate::names::name_type!(
    /// A workspace's name: 1 to 100 characters, no control characters.
    WorkspaceName,
    "name",
    100
);

/// A tenant: everything in Cabinet belongs to exactly one workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workspace {
    /// The workspace id.
    pub id: WorkspaceId,
    /// Its name.
    pub name: WorkspaceName,
    /// The folder at the top of its tree.
    pub root_folder_id: FolderId,
    /// Who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A workspace as seen by one member, with their role in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkspaceSummary {
    /// The workspace.
    pub workspace: Workspace,
    /// The caller's role in it.
    pub role: Role,
}

/// A user's role in a workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Membership {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The member.
    pub user_id: UserId,
    /// Their role.
    pub role: Role,
    /// When they joined.
    pub created_at: DateTime<Utc>,
}

/// A membership with the member's public profile, for member lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// The membership.
    pub membership: Membership,
    /// The member's email.
    pub email: Email,
    /// The member's display name.
    pub display_name: DisplayName,
}
