//! Folders: create, rename, move, browse.

use std::sync::Arc;

use crate::audit::EventPayload;
use crate::error::{Conflict, DomainError, Entity};
use crate::folders::FolderRepository;
use crate::folders::{ChildCursor, ChildOrder, Children, Folder, ItemName, MAX_FOLDER_DEPTH, TrashedItem};
use crate::ids::{FolderId, WorkspaceId};
use crate::page::MAX_PAGE_SIZE;
use crate::policy::Action;
use crate::system::Runtime;
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult};

/// Attempts to purge a folder whose subtree changes meanwhile.
const PURGE_ATTEMPTS: usize = 3;

/// The folder use cases.
pub struct FolderService {
    rt: Runtime,
    folders: Arc<dyn FolderRepository>,
    access: WorkspaceAccess,
}

impl std::fmt::Debug for FolderService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FolderService")
    }
}

impl FolderService {
    /// The folder use cases over the given ports.
    #[must_use]
    pub fn new(rt: Runtime, folders: Arc<dyn FolderRepository>, workspaces: Arc<dyn WorkspaceRepository>) -> Self {
        Self { rt, folders, access: WorkspaceAccess::new(workspaces) }
    }

    async fn existing(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Folder> {
        self.folders.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::Folder))
    }

    /// Creates a folder under `parent` (editors and above).
    ///
    /// # Errors
    /// `NotFound` (workspace or parent); `Forbidden`; `Invalid` name;
    /// `Conflict(NameTaken)`; `Conflict(TooDeep)`.
    pub async fn create(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        parent: FolderId,
        name: &str,
    ) -> DomainResult<Folder> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let name = ItemName::parse(name)?;
        let path = self.folders.path(workspace, parent).await?;
        if path.len() >= MAX_FOLDER_DEPTH {
            return Err(DomainError::Conflict(Conflict::TooDeep));
        }
        let now = self.rt.clock.now();
        let folder = Folder {
            id: FolderId::from_uuid(self.rt.ids.new_id()),
            workspace_id: workspace,
            parent_id: Some(parent),
            name,
            created_by: actor.user_id(),
            created_at: now,
            updated_at: now,
        };
        let event = self.rt.event(
            actor,
            EventPayload::FolderCreated {
                workspace_id: workspace,
                folder_id: folder.id,
                parent_id: Some(parent),
                name: folder.name.as_str().to_owned(),
            },
        );
        self.folders.create(&folder, &[event]).await?;
        Ok(folder)
    }

    /// A folder with its path from the root (breadcrumbs), root first.
    ///
    /// # Errors
    /// `NotFound` (workspace or folder).
    pub async fn get(&self, actor: &Actor, workspace: WorkspaceId, id: FolderId) -> DomainResult<Vec<Folder>> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        self.folders.path(workspace, id).await
    }

    /// Renames a folder (editors and above). The root keeps its name.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; `Invalid` name; `Conflict(NameTaken)`.
    pub async fn rename(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: FolderId,
        name: &str,
    ) -> DomainResult<Folder> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let name = ItemName::parse(name)?;
        let mut folder = self.existing(workspace, id).await?;
        if folder.is_root() {
            return Err(DomainError::Forbidden("the root folder cannot be renamed"));
        }
        if folder.name == name {
            return Ok(folder);
        }
        let event = self.rt.event(
            actor,
            EventPayload::FolderRenamed {
                workspace_id: workspace,
                folder_id: id,
                from: folder.name.as_str().to_owned(),
                to: name.as_str().to_owned(),
            },
        );
        let now = self.rt.clock.now();
        self.folders.rename(workspace, id, &name, now, &[event]).await?;
        folder.name = name;
        folder.updated_at = now;
        Ok(folder)
    }

    /// Moves a folder under another (editors and above). A folder cannot move
    /// into itself or below itself, and the root does not move.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`; `Conflict(FolderCycle | NameTaken | TooDeep)`.
    pub async fn move_to(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: FolderId,
        parent: FolderId,
    ) -> DomainResult<Folder> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let mut folder = self.existing(workspace, id).await?;
        let Some(from) = folder.parent_id else {
            return Err(DomainError::Forbidden("the root folder cannot be moved"));
        };
        if from == parent {
            return Ok(folder);
        }
        let target_path = self.folders.path(workspace, parent).await?;
        if target_path.iter().any(|f| f.id == id) {
            return Err(DomainError::Conflict(Conflict::FolderCycle));
        }
        if target_path.len() >= MAX_FOLDER_DEPTH {
            return Err(DomainError::Conflict(Conflict::TooDeep));
        }
        let event = self
            .rt
            .event(actor, EventPayload::FolderMoved { workspace_id: workspace, folder_id: id, from, to: parent });
        let now = self.rt.clock.now();
        self.folders.move_to(workspace, id, parent, now, &[event]).await?;
        folder.parent_id = Some(parent);
        folder.updated_at = now;
        Ok(folder)
    }

    /// Moves a folder, with everything below it, to the trash (editors and above).
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` (role, or the root folder).
    pub async fn trash(&self, actor: &Actor, workspace: WorkspaceId, id: FolderId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        if self.existing(workspace, id).await?.is_root() {
            return Err(DomainError::Forbidden("the root folder cannot be trashed"));
        }
        let event = self.rt.event(actor, EventPayload::FolderTrashed { workspace_id: workspace, folder_id: id });
        self.folders.trash(workspace, id, self.rt.clock.now(), &[event]).await
    }

    /// Deletes a trashed folder for good with everything below it (admins
    /// and owners). The event names every folder and document deleted; if
    /// the subtree changes between reading it and deleting it (a restore or
    /// purge of part of it), the read is repeated.
    ///
    /// # Errors
    /// `NotFound` (workspace, or no such folder in the trash); `Forbidden`;
    /// `Unavailable` when the subtree keeps changing.
    pub async fn purge(&self, actor: &Actor, workspace: WorkspaceId, id: FolderId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::PurgeContent).await?;
        for _ in 0..PURGE_ATTEMPTS {
            let subtree =
                self.folders.trashed_subtree(workspace, id).await?.ok_or(DomainError::NotFound(Entity::Folder))?;
            let event = self.rt.event(
                actor,
                EventPayload::FolderPurged {
                    workspace_id: workspace,
                    folder_id: id,
                    folder_ids: subtree.folders.clone(),
                    document_ids: subtree.documents.clone(),
                },
            );
            if self.folders.purge(workspace, &subtree, self.rt.clock.now(), &[event]).await? {
                return Ok(());
            }
        }
        Err(DomainError::Unavailable("the folder kept changing while being purged; retry".into()))
    }

    /// Deletes for good what was trashed longer than `retention` ago, in
    /// every workspace, as the workspaces' owners would; returns how many
    /// trashed items went. Only Cabinet itself may. An item restored or
    /// purged meanwhile is skipped.
    ///
    /// # Errors
    /// `Forbidden` for anyone else; storage failures (what was purged
    /// before the failure stays purged).
    pub async fn purge_expired_trash(
        &self,
        actor: &Actor,
        retention: std::time::Duration,
        documents: &crate::documents::DocumentService,
    ) -> DomainResult<u64> {
        if actor.principal != crate::Principal::System {
            return Err(DomainError::Forbidden("only Cabinet purges expired trash"));
        }
        const BATCH: u32 = 100;
        let before = self.rt.clock.now() - chrono::Duration::from_std(retention).map_err(DomainError::internal)?;
        let mut purged = 0;
        loop {
            let batch = self.folders.expired_trash(before, BATCH).await?;
            let mut progressed = false;
            for (workspace, item) in &batch {
                let done = match *item {
                    TrashedItem::Folder(id) => self.purge(actor, *workspace, id).await,
                    TrashedItem::Document(id) => documents.purge(actor, *workspace, id).await,
                };
                match done {
                    Ok(()) => {
                        purged += 1;
                        progressed = true;
                    }
                    Err(DomainError::NotFound(_)) => {}
                    Err(other) => return Err(other),
                }
            }
            if batch.len() < BATCH as usize || !progressed {
                return Ok(purged);
            }
        }
    }

    /// Brings a folder back from the trash with what was trashed with it.
    ///
    /// # Errors
    /// `NotFound` (also when its parent is in the trash); `Forbidden`; `Conflict(NameTaken)`.
    pub async fn restore(&self, actor: &Actor, workspace: WorkspaceId, id: FolderId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let event = self.rt.event(actor, EventPayload::FolderRestored { workspace_id: workspace, folder_id: id });
        self.folders.restore(workspace, id, &[event]).await
    }

    /// The workspace's trash, newest first.
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member.
    pub async fn trash_items(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<crate::folders::Trash> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        self.folders.trash_items(workspace, MAX_PAGE_SIZE).await
    }

    /// A page of a folder's children.
    ///
    /// # Errors
    /// `NotFound` (workspace or folder).
    pub async fn children(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: FolderId,
        order: ChildOrder,
        after: Option<ChildCursor>,
        limit: Option<u32>,
    ) -> DomainResult<Children> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        self.existing(workspace, id).await?;
        let limit = limit.unwrap_or(crate::page::DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE);
        self.folders.children(workspace, id, order, after, limit).await
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
