//! Persistence of folders, the tree they form and the trash.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::folders::{ChildCursor, ChildOrder, Children, Folder, ItemName, Subtree, Trash, TrashedItem};
use crate::ids::{FolderId, WorkspaceId};

/// Folders.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FolderRepository: Send + Sync {
    /// Stores a new folder under its parent.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] when a sibling has the same name (case-insensitively);
    /// [`crate::DomainError::NotFound`] with [`crate::Entity::Folder`] when the parent is not in the workspace.
    async fn create(&self, folder: &Folder, events: &[NewEvent]) -> DomainResult<()>;

    /// A folder of the workspace.
    ///
    /// # Errors
    /// Storage failures; a folder of another workspace is `Ok(None)`.
    async fn get(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Folder>>;

    /// The folder and its ancestors, the root first and the folder last.
    ///
    /// # Errors
    /// `NotFound(Folder)` when the folder is not in the workspace.
    async fn path(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Vec<Folder>>;

    /// Renames a folder.
    ///
    /// # Errors
    /// `Conflict(NameTaken)`; `NotFound(Folder)`.
    async fn rename(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        name: &ItemName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Moves a folder under `parent`. Serialised per workspace with other
    /// moves, and refused when `parent` is the folder or lies below it.
    ///
    /// # Errors
    /// `Conflict(FolderCycle)`, `Conflict(NameTaken)`, `Conflict(TooDeep)`; `NotFound(Folder)`.
    async fn move_to(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        parent: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Moves a folder and everything below it that is not in the trash yet
    /// to the trash, stamped with `now`.
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not a live folder of the workspace.
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Brings a trashed folder back, with everything that went to the trash
    /// with it (the same stamp).
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not in the trash or its parent is not
    /// live; `Conflict(NameTaken)` when a sibling took its name meanwhile.
    async fn restore(&self, workspace: WorkspaceId, id: FolderId, events: &[NewEvent]) -> DomainResult<()>;

    /// What the workspace's trash shows: folders and documents trashed on
    /// their own (not as part of a trashed folder), newest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn trash_items(&self, workspace: WorkspaceId, limit: u32) -> DomainResult<Trash>;

    /// Folders and documents trashed on their own (not as part of a
    /// trashed folder) before `before`, in every workspace, oldest first,
    /// at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn expired_trash(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, TrashedItem)>>;

    /// What purging a trashed folder would delete: the folder, everything
    /// below it, and their documents. `None` when it is not a trashed folder
    /// of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn trashed_subtree(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Subtree>>;

    /// Deletes a trashed folder for good with everything below it, but only
    /// if that is still exactly `expected` (`false`, nothing deleted,
    /// otherwise). Content no remaining version references is released.
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not a trashed folder of the workspace.
    async fn purge(
        &self,
        workspace: WorkspaceId,
        expected: &Subtree,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// A page of a folder's children in `order`.
    ///
    /// # Errors
    /// Storage failures.
    async fn children(
        &self,
        workspace: WorkspaceId,
        parent: FolderId,
        order: ChildOrder,
        after: Option<ChildCursor>,
        limit: u32,
    ) -> DomainResult<Children>;
}
