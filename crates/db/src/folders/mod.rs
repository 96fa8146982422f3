//! The folder repository: the tree of each workspace.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::folders::FolderRepository;
use cabinet_domain::folders::{
    ChildCursor, ChildOrder, Children, Folder, ItemName, MAX_FOLDER_DEPTH, Subtree, Trash, TrashedItem,
};
use cabinet_domain::{Conflict, DocumentId, DomainError, DomainResult, Entity, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use uuid::Uuid;

use crate::audit::store::{append, in_transaction};
use crate::convert;
use crate::documents::delete_documents;
use crate::entities::{documents, folders};
use crate::error::{DbResultExt, db_err, db_err_unique};
use crate::workspaces::lock_workspace;

mod listing;
mod tree;

use crate::conn::Conn;
use tree::{Which, subtree, trashed_subtree_of};

/// Folders in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlFolderRepository {
    db: Conn,
}

impl SqlFolderRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

pub(crate) fn folder_row(f: &Folder) -> folders::ActiveModel {
    folders::ActiveModel {
        id: Set(f.id.as_uuid()),
        workspace_id: Set(f.workspace_id.as_uuid()),
        parent_id: Set(f.parent_id.map(|p| p.as_uuid())),
        name: Set(f.name.as_str().to_owned()),
        name_key: Set(f.name.key()),
        created_by: Set(f.created_by.map(|u| u.as_uuid())),
        created_at: Set(f.created_at),
        updated_at: Set(f.updated_at),
        trashed_at: Set(None),
    }
}

fn name_taken() -> DomainError {
    DomainError::Conflict(Conflict::NameTaken)
}

async fn find<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    id: FolderId,
) -> DomainResult<Option<folders::Model>> {
    folders::Entity::find_by_id(id.as_uuid())
        .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(folders::Column::TrashedAt.is_null())
        .one(conn)
        .await
        .or_domain()
}

/// The folder and its ancestors, root first; bounded so a corrupt cycle in
/// the data cannot loop forever.
async fn path_of<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    id: FolderId,
) -> DomainResult<Vec<folders::Model>> {
    let mut path = Vec::new();
    let mut next = Some(id);
    while let Some(current) = next {
        if path.len() > MAX_FOLDER_DEPTH {
            return Err(DomainError::Internal(format!("folder {id} is deeper than the limit")));
        }
        let folder = find(conn, workspace, current).await?.ok_or(DomainError::NotFound(Entity::Folder))?;
        next = folder.parent_id.map(FolderId::from_uuid);
        path.push(folder);
    }
    path.reverse();
    Ok(path)
}

#[async_trait]
impl FolderRepository for SqlFolderRepository {
    #[tracing::instrument(skip_all, fields(folder_id = %folder.id), err(level = "debug"))]
    async fn create(&self, folder: &Folder, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            if let Some(parent) = folder.parent_id
                && find(&txn, folder.workspace_id, parent).await?.is_none()
            {
                return Err(DomainError::NotFound(Entity::Folder));
            }
            folders::Entity::insert(folder_row(folder))
                .exec_without_returning(&txn)
                .await
                .map_err(|e| db_err_unique(e, name_taken()))?;
            Ok::<_, DomainError>(())
        })
    }

    async fn get(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Folder>> {
        find(&self.db, workspace, id).await?.map(convert::folder).transpose()
    }

    async fn path(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Vec<Folder>> {
        path_of(&self.db, workspace, id).await?.into_iter().map(convert::folder).collect()
    }

    #[tracing::instrument(skip_all, fields(folder_id = %id), err(level = "debug"))]
    async fn rename(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        name: &ItemName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let updated = folders::Entity::update_many()
                .col_expr(folders::Column::Name, Expr::value(name.as_str()))
                .col_expr(folders::Column::NameKey, Expr::value(name.key()))
                .col_expr(folders::Column::UpdatedAt, Expr::value(now))
                .filter(folders::Column::Id.eq(id.as_uuid()))
                .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
                .filter(folders::Column::TrashedAt.is_null())
                .exec(&txn)
                .await
                .map_err(|e| db_err_unique(e, name_taken()))?;
            if updated.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Folder));
            }
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(folder_id = %id), err(level = "debug"))]
    async fn move_to(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        parent: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            // Two concurrent moves could each pass the cycle check and
            // together make a loop; one lock per workspace serialises them.
            lock_workspace(&txn, workspace).await?;
            let target = path_of(&txn, workspace, parent).await?;
            if target.iter().any(|f| f.id == id.as_uuid()) {
                return Err(DomainError::Conflict(Conflict::FolderCycle));
            }
            if target.len() >= MAX_FOLDER_DEPTH {
                return Err(DomainError::Conflict(Conflict::TooDeep));
            }
            let moved = folders::Entity::update_many()
                .col_expr(folders::Column::ParentId, Expr::value(parent.as_uuid()))
                .col_expr(folders::Column::UpdatedAt, Expr::value(now))
                .filter(folders::Column::Id.eq(id.as_uuid()))
                .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
                .filter(folders::Column::ParentId.is_not_null())
                .filter(folders::Column::TrashedAt.is_null())
                .exec(&txn)
                .await
                .map_err(|e| db_err_unique(e, name_taken()))?;
            if moved.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Folder));
            }
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(folder_id = %id), err(level = "debug"))]
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            // Serialised with moves, so the subtree walked is the subtree trashed.
            lock_workspace(&txn, workspace).await?;
            let root = find(&txn, workspace, id).await?.ok_or(DomainError::NotFound(Entity::Folder))?;
            if root.parent_id.is_none() {
                return Err(DomainError::NotFound(Entity::Folder));
            }
            let subtree = subtree(&txn, root.id, Which::Live).await?;
            folders::Entity::update_many()
                .col_expr(folders::Column::TrashedAt, Expr::value(now))
                .filter(folders::Column::Id.is_in(subtree.clone()))
                .filter(folders::Column::TrashedAt.is_null())
                .exec(&txn)
                .await
                .or_domain()?;
            documents::Entity::update_many()
                .col_expr(documents::Column::TrashedAt, Expr::value(now))
                .filter(documents::Column::FolderId.is_in(subtree))
                .filter(documents::Column::TrashedAt.is_null())
                .exec(&txn)
                .await
                .or_domain()?;
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(folder_id = %id), err(level = "debug"))]
    async fn restore(&self, workspace: WorkspaceId, id: FolderId, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            lock_workspace(&txn, workspace).await?;
            let folder = folders::Entity::find_by_id(id.as_uuid())
                .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
                .one(&txn)
                .await
                .or_domain()?
                .ok_or(DomainError::NotFound(Entity::Folder))?;
            let (Some(stamp), Some(parent)) = (folder.trashed_at, folder.parent_id) else {
                return Err(DomainError::NotFound(Entity::Folder));
            };
            if find(&txn, workspace, FolderId::from_uuid(parent)).await?.is_none() {
                return Err(DomainError::NotFound(Entity::Folder));
            }
            // Everything trashed together carries the same stamp.
            let subtree = subtree(&txn, folder.id, Which::TrashedAt(stamp)).await?;
            let none = Option::<DateTime<Utc>>::None;
            folders::Entity::update_many()
                .col_expr(folders::Column::TrashedAt, Expr::value(none))
                .filter(folders::Column::Id.is_in(subtree.clone()))
                .exec(&txn)
                .await
                .map_err(|e| db_err_unique(e, name_taken()))?;
            documents::Entity::update_many()
                .col_expr(documents::Column::TrashedAt, Expr::value(none))
                .filter(documents::Column::FolderId.is_in(subtree))
                .filter(documents::Column::TrashedAt.eq(stamp))
                .exec(&txn)
                .await
                .map_err(|e| db_err_unique(e, name_taken()))?;
            Ok::<_, DomainError>(())
        })
    }

    async fn trashed_subtree(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Subtree>> {
        trashed_subtree_of(&self.db, workspace, id).await
    }

    #[tracing::instrument(skip_all, fields(folder_id = %expected.root), err(level = "debug"))]
    async fn purge(
        &self,
        workspace: WorkspaceId,
        expected: &Subtree,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let txn = crate::error::begin_write(&self.db).await?;
        // Serialised with moves, restores and uploads' quota checks.
        lock_workspace(&txn, workspace).await?;
        let current =
            trashed_subtree_of(&txn, workspace, expected.root).await?.ok_or(DomainError::NotFound(Entity::Folder))?;
        if current != *expected {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        let documents = current.documents.iter().map(|d| d.as_uuid()).collect();
        delete_documents(&txn, workspace, documents, now).await?;
        folders::Entity::delete_many()
            .filter(folders::Column::Id.is_in(current.folders.iter().map(|f| f.as_uuid())))
            .exec(&txn)
            .await
            .or_domain()?;
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn expired_trash(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, TrashedItem)>> {
        // Items trashed on their own: their container is live, or went to
        // the trash at another moment.
        let backend = self.db.get_database_backend();
        let (cutoff, max) = match backend {
            sea_orm::DatabaseBackend::Postgres => ("$1", "$2"),
            _ => ("?1", "?2"),
        };
        let queries = [
            (
                true,
                format!(
                    "SELECT f.workspace_id AS workspace_id, f.id AS id, f.trashed_at AS trashed_at FROM folders f \
                     LEFT JOIN folders p ON p.id = f.parent_id \
                     WHERE f.trashed_at < {cutoff} AND (p.trashed_at IS NULL OR p.trashed_at <> f.trashed_at) \
                     ORDER BY f.trashed_at LIMIT {max}"
                ),
            ),
            (
                false,
                format!(
                    "SELECT d.workspace_id AS workspace_id, d.id AS id, d.trashed_at AS trashed_at FROM documents d \
                     JOIN folders p ON p.id = d.folder_id \
                     WHERE d.trashed_at < {cutoff} AND (p.trashed_at IS NULL OR p.trashed_at <> d.trashed_at) \
                     ORDER BY d.trashed_at LIMIT {max}"
                ),
            ),
        ];
        let mut found = Vec::new();
        for (is_folder, sql) in queries {
            let statement =
                sea_orm::Statement::from_sql_and_values(backend, sql, [before.into(), i64::from(limit).into()]);
            for row in self.db.query_all_raw(statement).await.or_domain()? {
                let workspace: Uuid = row.try_get("", "workspace_id").or_domain()?;
                let id: Uuid = row.try_get("", "id").or_domain()?;
                let at: DateTime<Utc> = row.try_get("", "trashed_at").or_domain()?;
                let item = if is_folder {
                    TrashedItem::Folder(FolderId::from_uuid(id))
                } else {
                    TrashedItem::Document(DocumentId::from_uuid(id))
                };
                found.push((at, WorkspaceId::from_uuid(workspace), item));
            }
        }
        found.sort_by_key(|(at, _, _)| *at);
        Ok(found.into_iter().take(limit as usize).map(|(_, w, item)| (w, item)).collect())
    }

    async fn trash_items(&self, workspace: WorkspaceId, limit: u32) -> DomainResult<Trash> {
        let limit = u64::from(limit);
        let trashed_folders = folders::Entity::find()
            .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(folders::Column::TrashedAt.is_not_null())
            .order_by_desc(folders::Column::TrashedAt)
            .limit(limit * 4)
            .all(&self.db)
            .await
            .or_domain()?;
        let stamps: std::collections::HashMap<Uuid, Option<DateTime<Utc>>> =
            trashed_folders.iter().map(|f| (f.id, f.trashed_at)).collect();
        // Shown on their own unless they went to the trash with their parent.
        let own = |container: Option<Uuid>, stamp: Option<DateTime<Utc>>| {
            container.and_then(|c| stamps.get(&c).copied().flatten()) != stamp
        };
        let mut folders_out = Vec::new();
        for f in &trashed_folders {
            if own(f.parent_id, f.trashed_at) && folders_out.len() < limit as usize {
                let stamp = f.trashed_at.ok_or_else(|| DomainError::internal("trashed without a stamp"))?;
                folders_out.push((convert::folder(f.clone())?, stamp));
            }
        }
        let trashed_documents = documents::Entity::find()
            .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(documents::Column::TrashedAt.is_not_null())
            .order_by_desc(documents::Column::TrashedAt)
            .limit(limit * 4)
            .all(&self.db)
            .await
            .or_domain()?;
        let mut documents_out = Vec::new();
        for d in trashed_documents {
            if own(Some(d.folder_id), d.trashed_at) && documents_out.len() < limit as usize {
                let stamp = d.trashed_at.ok_or_else(|| DomainError::internal("trashed without a stamp"))?;
                documents_out.push((convert::document(d)?, stamp));
            }
        }
        Ok(Trash { folders: folders_out, documents: documents_out })
    }

    async fn children(
        &self,
        workspace: WorkspaceId,
        parent: FolderId,
        order: ChildOrder,
        after: Option<ChildCursor>,
        limit: u32,
    ) -> DomainResult<Children> {
        listing::children(&self.db, workspace, parent, order, after, limit).await
    }
}
