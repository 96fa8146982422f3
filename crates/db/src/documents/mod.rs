//! The document repository: documents and their versions; the ledger of the
//! content each workspace holds is in [`ledger`].

pub(crate) mod ledger;

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::documents::DocumentRepository;
use cabinet_domain::documents::{Document, DocumentVersion};
use cabinet_domain::{Conflict, DocumentId, DomainError, DomainResult, Entity, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::store::{append, in_transaction, update_one_with_events};
use crate::conn::Conn;
use crate::convert;
use crate::entities::{blobs, document_versions, documents, folders};
use crate::error::{DbResultExt, db_err, db_err_unique};
use crate::workspaces::lock_workspace;

mod purge;

pub(crate) use purge::delete_documents;

/// Documents in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlDocumentRepository {
    db: Conn,
}

impl SqlDocumentRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn number(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(DomainError::internal)
}

pub(crate) fn size(n: u64) -> DomainResult<i64> {
    i64::try_from(n).map_err(DomainError::internal)
}

fn revision(n: u64) -> DomainResult<i64> {
    i64::try_from(n).map_err(DomainError::internal)
}

/// Refuses a document whose folder is not a live folder of its workspace.
async fn ensure_folder<C: ConnectionTrait>(conn: &C, document: &Document) -> DomainResult<()> {
    let folder = folders::Entity::find_by_id(document.folder_id.as_uuid())
        .filter(folders::Column::WorkspaceId.eq(document.workspace_id.as_uuid()))
        .filter(folders::Column::TrashedAt.is_null())
        .one(conn)
        .await
        .or_domain()?;
    folder.map(|_| ()).ok_or(DomainError::NotFound(Entity::Folder))
}

/// Inserts the version row and records its content as held by the workspace.
async fn insert_version<C: ConnectionTrait>(conn: &C, workspace: WorkspaceId, v: &DocumentVersion) -> DomainResult<()> {
    let row = document_versions::ActiveModel {
        document_id: Set(v.document_id.as_uuid()),
        number: Set(number(v.number)?),
        workspace_id: Set(workspace.as_uuid()),
        sha256: Set(v.sha256.as_str().to_owned()),
        size: Set(size(v.size)?),
        content_type: Set(v.content_type.clone()),
        filename: Set(v.filename.as_str().to_owned()),
        author: Set(v.author.map(|a| a.as_uuid())),
        note: Set(v.note.clone()),
        created_at: Set(v.created_at),
    };
    document_versions::Entity::insert(row).exec_without_returning(conn).await.or_domain()?;
    // The upload reserved the content; released content is held again.
    let held = blobs::Entity::update_many()
        .col_expr(blobs::Column::ReleasedAt, Expr::value(Option::<DateTime<Utc>>::None))
        .filter(blobs::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(blobs::Column::Sha256.eq(v.sha256.as_str()))
        .exec(conn)
        .await
        .or_domain()?;
    if held.rows_affected == 0 {
        return Err(DomainError::internal("a version's content must be reserved before it is recorded"));
    }
    Ok(())
}

/// No version of the blob's workspace references the blob row being filtered.
pub(crate) fn unreferenced() -> Expr {
    Expr::cust(
        "NOT EXISTS (SELECT 1 FROM document_versions v \
         WHERE v.workspace_id = blobs.workspace_id AND v.sha256 = blobs.sha256)",
    )
}

async fn usage_of<C: ConnectionTrait>(conn: &C, workspace: WorkspaceId) -> DomainResult<u64> {
    // SUM over BIGINT is NUMERIC on PostgreSQL; cast so both databases return BIGINT.
    let total: Option<i64> = blobs::Entity::find()
        .select_only()
        .column_as(Expr::cust("CAST(COALESCE(SUM(size), 0) AS BIGINT)"), "total")
        .filter(blobs::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(blobs::Column::ReleasedAt.is_null())
        .into_tuple()
        .one(conn)
        .await
        .or_domain()?;
    u64::try_from(total.unwrap_or(0)).map_err(DomainError::internal)
}

/// Refuses content the workspace does not hold yet if it would push the
/// workspace past `quota`. Runs under the workspace lock, so concurrent
/// uploads cannot each fit on their own and together overflow.
async fn enforce_quota<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    v: &DocumentVersion,
    quota: Option<u64>,
) -> DomainResult<()> {
    let Some(quota) = quota else {
        return Ok(());
    };
    lock_workspace(conn, workspace).await?;
    let held = blobs::Entity::find_by_id((workspace.as_uuid(), v.sha256.as_str().to_owned()))
        .filter(blobs::Column::ReleasedAt.is_null())
        .one(conn)
        .await
        .or_domain()?;
    if held.is_none() && usage_of(conn, workspace).await?.saturating_add(v.size) > quota {
        return Err(DomainError::QuotaExceeded { quota });
    }
    Ok(())
}

#[async_trait]
impl DocumentRepository for SqlDocumentRepository {
    #[tracing::instrument(skip_all, fields(document_id = %document.id), err(level = "debug"))]
    async fn create(
        &self,
        document: &Document,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            enforce_quota(&txn, document.workspace_id, version, quota).await?;
            ensure_folder(&txn, document).await?;
            let row = documents::ActiveModel {
                id: Set(document.id.as_uuid()),
                workspace_id: Set(document.workspace_id.as_uuid()),
                folder_id: Set(document.folder_id.as_uuid()),
                name: Set(document.name.as_str().to_owned()),
                name_key: Set(document.name.key()),
                current_version: Set(number(document.current_version)?),
                current_size: Set(size(document.size)?),
                current_content_type: Set(document.content_type.clone()),
                description: Set(document.description.clone()),
                tags: Set(serde_json::to_value(&document.tags).map_err(DomainError::internal)?),
                metadata: Set(serde_json::to_value(&document.metadata).map_err(DomainError::internal)?),
                revision: Set(revision(document.revision)?),
                created_by: Set(document.created_by.map(|u| u.as_uuid())),
                created_at: Set(document.created_at),
                updated_at: Set(document.updated_at),
                trashed_at: Set(None),
            };
            documents::Entity::insert(row)
                .exec_without_returning(&txn)
                .await
                .map_err(|e| db_err_unique(e, DomainError::Conflict(Conflict::NameTaken)))?;
            insert_version(&txn, document.workspace_id, version).await?;
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(document_id = %version.document_id), err(level = "debug"))]
    async fn add_version(
        &self,
        workspace: WorkspaceId,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let previous = number(version.number.saturating_sub(1))?;
        let txn = crate::error::begin_write(&self.db).await?;
        enforce_quota(&txn, workspace, version, quota).await?;
        // The conditional bump is the arbiter between concurrent uploads.
        let bumped = documents::Entity::update_many()
            .col_expr(documents::Column::CurrentVersion, Expr::value(number(version.number)?))
            .col_expr(documents::Column::CurrentSize, Expr::value(size(version.size)?))
            .col_expr(documents::Column::CurrentContentType, Expr::value(version.content_type.clone()))
            .col_expr(documents::Column::Revision, Expr::col(documents::Column::Revision).add(1))
            .col_expr(documents::Column::UpdatedAt, Expr::value(version.created_at))
            .filter(documents::Column::Id.eq(version.document_id.as_uuid()))
            .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(documents::Column::CurrentVersion.eq(previous))
            .filter(documents::Column::TrashedAt.is_null())
            .exec(&txn)
            .await
            .or_domain()?;
        if bumped.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            // Only now is it worth asking why: gone, or a lost race.
            return match self.get(workspace, version.document_id).await? {
                Some(_) => Ok(false),
                None => Err(DomainError::NotFound(Entity::Document)),
            };
        }
        insert_version(&txn, workspace, version).await?;
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(document_id = %document.id), err(level = "debug"))]
    async fn update(&self, document: &Document, events: &[NewEvent]) -> DomainResult<bool> {
        let txn = crate::error::begin_write(&self.db).await?;
        ensure_folder(&txn, document).await?;
        let updated = documents::Entity::update_many()
            .col_expr(documents::Column::Name, Expr::value(document.name.as_str()))
            .col_expr(documents::Column::NameKey, Expr::value(document.name.key()))
            .col_expr(documents::Column::FolderId, Expr::value(document.folder_id.as_uuid()))
            .col_expr(documents::Column::Description, Expr::value(document.description.clone()))
            .col_expr(
                documents::Column::Tags,
                Expr::value(serde_json::to_value(&document.tags).map_err(DomainError::internal)?),
            )
            .col_expr(
                documents::Column::Metadata,
                Expr::value(serde_json::to_value(&document.metadata).map_err(DomainError::internal)?),
            )
            .col_expr(documents::Column::Revision, Expr::value(revision(document.revision)?))
            .col_expr(documents::Column::UpdatedAt, Expr::value(document.updated_at))
            .filter(documents::Column::Id.eq(document.id.as_uuid()))
            .filter(documents::Column::WorkspaceId.eq(document.workspace_id.as_uuid()))
            .filter(documents::Column::TrashedAt.is_null())
            .filter(documents::Column::Revision.eq(revision(document.revision.saturating_sub(1))?))
            .exec(&txn)
            .await
            .map_err(|e| db_err_unique(e, DomainError::Conflict(Conflict::NameTaken)))?;
        if updated.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    #[tracing::instrument(skip_all, fields(document_id = %id), err(level = "debug"))]
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        let trash = documents::Entity::update_many()
            .col_expr(documents::Column::TrashedAt, Expr::value(now))
            .filter(documents::Column::Id.eq(id.as_uuid()))
            .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(documents::Column::TrashedAt.is_null());
        if update_one_with_events(&self.db, trash, events).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(Entity::Document))
        }
    }

    #[tracing::instrument(skip_all, fields(document_id = %id), err(level = "debug"))]
    async fn restore(&self, workspace: WorkspaceId, id: DocumentId, events: &[NewEvent]) -> DomainResult<()> {
        let txn = crate::error::begin_write(&self.db).await?;
        let trashed = documents::Entity::find_by_id(id.as_uuid())
            .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(documents::Column::TrashedAt.is_not_null())
            .one(&txn)
            .await
            .or_domain()?
            .ok_or(DomainError::NotFound(Entity::Document))?;
        ensure_folder(&txn, &convert::document(trashed)?).await?;
        documents::Entity::update_many()
            .col_expr(documents::Column::TrashedAt, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(documents::Column::Id.eq(id.as_uuid()))
            .exec(&txn)
            .await
            .map_err(|e| db_err_unique(e, DomainError::Conflict(Conflict::NameTaken)))?;
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(document_id = %id), err(level = "debug"))]
    async fn purge(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            lock_workspace(&txn, workspace).await?;
            documents::Entity::find_by_id(id.as_uuid())
                .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
                .filter(documents::Column::TrashedAt.is_not_null())
                .one(&txn)
                .await
                .or_domain()?
                .ok_or(DomainError::NotFound(Entity::Document))?;
            delete_documents(&txn, workspace, vec![id.as_uuid()], now).await
        })
    }

    async fn usage(&self, workspace: WorkspaceId) -> DomainResult<u64> {
        usage_of(&self.db, workspace).await
    }

    async fn get(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Option<Document>> {
        documents::Entity::find_by_id(id.as_uuid())
            .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(documents::Column::TrashedAt.is_null())
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::document)
            .transpose()
    }

    async fn version(&self, workspace: WorkspaceId, id: DocumentId, n: u32) -> DomainResult<Option<DocumentVersion>> {
        document_versions::Entity::find_by_id((id.as_uuid(), number(n)?))
            .filter(document_versions::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::version)
            .transpose()
    }

    async fn versions(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Vec<DocumentVersion>> {
        document_versions::Entity::find()
            .filter(document_versions::Column::DocumentId.eq(id.as_uuid()))
            .filter(document_versions::Column::WorkspaceId.eq(workspace.as_uuid()))
            .order_by_desc(document_versions::Column::Number)
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(convert::version)
            .collect()
    }
}
