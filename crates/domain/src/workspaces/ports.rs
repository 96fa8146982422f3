//! Persistence of workspaces and their memberships.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::folders::Folder;
use crate::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::page::{Page, PageRequest};
use crate::policy::Role;
use crate::workspaces::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};

/// Workspaces and memberships.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WorkspaceRepository: Send + Sync {
    /// Stores a new workspace with its first owner and its root folder
    /// (whose id is `workspace.root_folder_id`).
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(
        &self,
        workspace: &Workspace,
        owner: &Membership,
        root: &Folder,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// The workspace with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn get(&self, id: WorkspaceId) -> DomainResult<Option<Workspace>>;

    /// The workspaces `user` belongs to, with their role, in id order.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn list_for_user(&self, user: UserId, page: PageRequest) -> DomainResult<Page<WorkspaceSummary>>;

    /// Renames a workspace.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when it does not exist; storage failures.
    async fn rename(
        &self,
        id: WorkspaceId,
        name: &WorkspaceName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Deletes a workspace and everything it holds (events are kept).
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when it does not exist; storage failures.
    async fn delete(&self, id: WorkspaceId, events: &[NewEvent]) -> DomainResult<()>;

    /// `user`'s membership of `workspace`.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn membership(&self, workspace: WorkspaceId, user: UserId) -> DomainResult<Option<Membership>>;

    /// The members of a workspace with their profiles, in user-id order.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn list_members(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<Member>>;

    /// Adds a member.
    ///
    /// # Errors
    /// [`crate::Conflict::AlreadyMember`] when the user is a member already;
    /// storage failures.
    async fn add_member(&self, membership: &Membership, events: &[NewEvent]) -> DomainResult<()>;

    /// Changes a member's role. Serialised per workspace with every other
    /// membership change, and refused when no owner would remain.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] (member) when not a member;
    /// [`crate::Conflict::LastOwner`] when it would leave no owner; storage failures.
    async fn change_role(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        role: Role,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Removes a member, with the same serialisation and owner guard as
    /// [`WorkspaceRepository::change_role`], and revokes (at `now`) the
    /// listed API keys of the workspace that are still active, in the same
    /// transaction.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::change_role`].
    async fn remove_member(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        revoke_keys: &[ApiKeyId],
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;
}
