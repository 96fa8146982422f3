//! The blob ledger: which content each workspace holds, under which key, and
//! which uploads are in flight.

use async_trait::async_trait;
use cabinet_domain::documents::{BlobKey, BlobLedger, BlobWrite, Sha256, StoredBlob};
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use super::{size, unreferenced};
use crate::conn::Conn;
use crate::entities::{blobs, uploads};
use crate::error::{DbResultExt, db_err};

/// The blob ledger in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlBlobLedger {
    db: Conn,
}

impl SqlBlobLedger {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

#[async_trait]
impl BlobLedger for SqlBlobLedger {
    async fn begin_upload(&self, workspace: WorkspaceId, write: &BlobWrite, now: DateTime<Utc>) -> DomainResult<()> {
        let row = uploads::ActiveModel {
            storage_key: Set(write.key.as_str().to_owned()),
            workspace_id: Set(workspace.as_uuid()),
            started_at: Set(now),
            store_upload_id: Set(write.upload_id.clone()),
        };
        uploads::Entity::insert(row).exec_without_returning(&self.db).await.or_domain()?;
        Ok(())
    }

    async fn end_upload(&self, key: &BlobKey) -> DomainResult<()> {
        uploads::Entity::delete_by_id(key.as_str().to_owned()).exec(&self.db).await.or_domain()?;
        Ok(())
    }

    async fn abandoned_uploads(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<BlobWrite>> {
        let rows: Vec<(String, Option<String>)> = uploads::Entity::find()
            .select_only()
            .column(uploads::Column::StorageKey)
            .column(uploads::Column::StoreUploadId)
            .filter(uploads::Column::StartedAt.lt(before))
            .order_by_asc(uploads::Column::StartedAt)
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.db)
            .await
            .or_domain()?;
        Ok(rows.into_iter().map(|(key, upload_id)| BlobWrite { key: BlobKey::new(key), upload_id }).collect())
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %workspace), err(level = "debug"))]
    async fn reserve_blob(
        &self,
        workspace: WorkspaceId,
        blob: &StoredBlob,
        now: DateTime<Utc>,
    ) -> DomainResult<BlobKey> {
        let txn = crate::error::begin_write(&self.db).await?;
        let row = blobs::ActiveModel {
            workspace_id: Set(workspace.as_uuid()),
            sha256: Set(blob.sha256.as_str().to_owned()),
            size: Set(size(blob.size)?),
            created_at: Set(now),
            released_at: Set(Some(now)),
            storage_key: Set(blob.key.as_str().to_owned()),
        };
        // Held content stays held; released content is released anew, which
        // restarts its grace. Either way it stays where it is. On PostgreSQL
        // this waits for a collection that is deleting the row, and then
        // inserts it afresh.
        blobs::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([blobs::Column::WorkspaceId, blobs::Column::Sha256])
                    .value(
                        blobs::Column::ReleasedAt,
                        Expr::cust("CASE WHEN blobs.released_at IS NULL THEN NULL ELSE excluded.released_at END"),
                    )
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await
            .or_domain()?;
        let kept = blobs::Entity::find_by_id((workspace.as_uuid(), blob.sha256.as_str().to_owned()))
            .one(&txn)
            .await
            .or_domain()?
            .ok_or_else(|| DomainError::internal("reserved content vanished"))?
            .storage_key;
        if kept == blob.key.as_str() {
            // The upload is now the content's home; a sweep that took it for
            // abandoned already deleted it, and then nothing may point at it.
            let ended = uploads::Entity::delete_by_id(kept.clone()).exec(&txn).await.or_domain()?;
            if ended.rows_affected != 1 {
                txn.rollback().await.map_err(db_err)?;
                return Err(DomainError::UploadAborted("the upload was removed as abandoned".into()));
            }
        }
        txn.commit().await.map_err(db_err)?;
        Ok(BlobKey::new(kept))
    }

    async fn blob_key(&self, workspace: WorkspaceId, sha256: &Sha256) -> DomainResult<Option<BlobKey>> {
        let key: Option<String> = blobs::Entity::find_by_id((workspace.as_uuid(), sha256.as_str().to_owned()))
            .select_only()
            .column(blobs::Column::StorageKey)
            .into_tuple()
            .one(&self.db)
            .await
            .or_domain()?;
        Ok(key.map(BlobKey::new))
    }

    async fn released_blobs(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, Sha256)>> {
        let rows: Vec<(uuid::Uuid, String)> = blobs::Entity::find()
            .select_only()
            .column(blobs::Column::WorkspaceId)
            .column(blobs::Column::Sha256)
            .filter(blobs::Column::ReleasedAt.lt(before))
            .order_by_asc(blobs::Column::ReleasedAt)
            .limit(u64::from(limit))
            .into_tuple()
            .all(&self.db)
            .await
            .or_domain()?;
        rows.into_iter().map(|(w, sha)| Ok((WorkspaceId::from_uuid(w), Sha256::parse(&sha)?))).collect()
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %workspace), err(level = "debug"))]
    async fn retire_blob(
        &self,
        workspace: WorkspaceId,
        sha256: &Sha256,
        before: DateTime<Utc>,
    ) -> DomainResult<Option<BlobKey>> {
        let txn = crate::error::begin_write(&self.db).await?;
        // A record's key never changes, so it can be read before the delete.
        let Some(row) =
            blobs::Entity::find_by_id((workspace.as_uuid(), sha256.as_str().to_owned())).one(&txn).await.or_domain()?
        else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        };
        // The delete takes the row's lock: a reservation of the same bytes
        // either came first (the content is released anew, or held, and the
        // filters keep it) or waits and then records its own copy.
        let deleted = blobs::Entity::delete_many()
            .filter(blobs::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(blobs::Column::Sha256.eq(sha256.as_str()))
            .filter(blobs::Column::ReleasedAt.lt(before))
            .filter(unreferenced())
            .exec(&txn)
            .await
            .or_domain()?;
        if deleted.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(None);
        }
        let upload = uploads::ActiveModel {
            storage_key: Set(row.storage_key.clone()),
            workspace_id: Set(workspace.as_uuid()),
            started_at: Set(row.released_at.unwrap_or(before)),
            store_upload_id: Set(None),
        };
        uploads::Entity::insert(upload)
            .on_conflict(OnConflict::column(uploads::Column::StorageKey).do_nothing().to_owned())
            .exec_without_returning(&txn)
            .await
            .or_domain()?;
        txn.commit().await.map_err(db_err)?;
        Ok(Some(BlobKey::new(row.storage_key)))
    }
}
