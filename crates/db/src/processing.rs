//! Processed versions: extracted text and thumbnail keys.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::documents::BlobKey;
use cabinet_domain::processing::{ProcessingRecord, ProcessingRepository};
use cabinet_domain::processing::{TextStatus, VersionContent};
use cabinet_domain::{DocumentId, DomainError, DomainResult, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ColumnTrait, ConnectionTrait as _, EntityTrait, QueryFilter, Set, Statement};

use crate::audit::store::append;
use crate::conn::Conn;
use crate::entities::{document_versions, uploads, version_content};
use crate::error::{DbResultExt, db_err};

/// Processed versions in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlProcessingRepository {
    db: Conn,
}

impl SqlProcessingRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn number(version: u32) -> DomainResult<i32> {
    i32::try_from(version).map_err(DomainError::internal)
}

pub(crate) fn to_domain(row: version_content::Model) -> DomainResult<VersionContent> {
    Ok(VersionContent {
        document_id: DocumentId::from_uuid(row.document_id),
        version: u32::try_from(row.version).map_err(DomainError::internal)?,
        text_status: TextStatus::parse(&row.text_status)
            .ok_or_else(|| DomainError::internal(format!("unknown text status {}", row.text_status)))?,
        detail: row.detail,
        text_bytes: u64::try_from(row.text_bytes).map_err(DomainError::internal)?,
        thumbnail: row.thumbnail_key.map(BlobKey::new),
        processed_at: row.processed_at,
    })
}

#[async_trait]
impl ProcessingRepository for SqlProcessingRepository {
    async fn get(
        &self,
        workspace: WorkspaceId,
        document: DocumentId,
        version: u32,
    ) -> DomainResult<Option<VersionContent>> {
        version_content::Entity::find_by_id((document.as_uuid(), number(version)?))
            .filter(version_content::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(to_domain)
            .transpose()
    }

    async fn record<'a>(
        &self,
        workspace: WorkspaceId,
        document: DocumentId,
        version: u32,
        record: ProcessingRecord<'a>,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> DomainResult<bool> {
        let txn = crate::error::begin_write(&self.db).await?;
        let exists = document_versions::Entity::find_by_id((document.as_uuid(), number(version)?))
            .filter(document_versions::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(&txn)
            .await
            .or_domain()?
            .is_some();
        let row = version_content::ActiveModel {
            document_id: Set(document.as_uuid()),
            version: Set(number(version)?),
            workspace_id: Set(workspace.as_uuid()),
            text_status: Set(record.text_status.as_str().to_owned()),
            detail: Set(record.detail.map(str::to_owned)),
            text: Set(record.text.to_owned()),
            text_bytes: Set(i64::try_from(record.text.len()).map_err(DomainError::internal)?),
            thumbnail_key: Set(record.thumbnail.map(|k| k.as_str().to_owned())),
            processed_at: Set(at),
        };
        let inserted = exists
            && version_content::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([version_content::Column::DocumentId, version_content::Column::Version])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&txn)
                .await
                .or_domain()?
                == 1;
        if !inserted {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        if let Some(key) = record.thumbnail {
            uploads::Entity::delete_by_id(key.as_str().to_owned()).exec(&txn).await.or_domain()?;
        }
        append(&txn, std::slice::from_ref(event)).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn orphaned_thumbnails(&self, limit: u32) -> DomainResult<Vec<BlobKey>> {
        let backend = self.db.get_database_backend();
        let orphaned = "NOT EXISTS (SELECT 1 FROM document_versions v \
                        WHERE v.document_id = version_content.document_id AND v.number = version_content.version)";
        // Records of purged versions without a thumbnail have nothing to clean up.
        self.db
            .execute_raw(Statement::from_string(
                backend,
                format!("DELETE FROM version_content WHERE thumbnail_key IS NULL AND {orphaned}"),
            ))
            .await
            .or_domain()?;
        let rows = self
            .db
            .query_all_raw(Statement::from_string(
                backend,
                format!(
                    "SELECT thumbnail_key FROM version_content WHERE thumbnail_key IS NOT NULL AND {orphaned} \
                     LIMIT {limit}"
                ),
            ))
            .await
            .or_domain()?;
        rows.iter().map(|r| r.try_get::<String>("", "thumbnail_key").or_domain().map(BlobKey::new)).collect()
    }

    async fn forget_thumbnail(&self, key: &BlobKey) -> DomainResult<()> {
        version_content::Entity::delete_many()
            .filter(version_content::Column::ThumbnailKey.eq(key.as_str()))
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(())
    }
}
