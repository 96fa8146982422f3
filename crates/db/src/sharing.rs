//! The share link repository.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::sharing::ShareLink;
use cabinet_domain::sharing::{DownloadCharge, ShareLinkRepository};
use cabinet_domain::system::TokenHash;
use cabinet_domain::{DocumentId, DomainError, DomainResult, Entity, ShareLinkId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::store::{in_transaction, update_one_with_events};
use crate::conn::Conn;
use crate::convert;
use crate::entities::{documents, share_links};
use crate::error::DbResultExt;

/// Share links in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlShareLinkRepository {
    db: Conn,
}

impl SqlShareLinkRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn count(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(DomainError::internal)
}

#[async_trait]
impl ShareLinkRepository for SqlShareLinkRepository {
    #[tracing::instrument(skip_all, fields(link_id = %link.id), err(level = "debug"))]
    async fn create(&self, link: &ShareLink, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            documents::Entity::find_by_id(link.document_id.as_uuid())
                .filter(documents::Column::WorkspaceId.eq(link.workspace_id.as_uuid()))
                .filter(documents::Column::TrashedAt.is_null())
                .one(&txn)
                .await
                .or_domain()?
                .ok_or(DomainError::NotFound(Entity::Document))?;
            let row = share_links::ActiveModel {
                id: Set(link.id.as_uuid()),
                workspace_id: Set(link.workspace_id.as_uuid()),
                document_id: Set(link.document_id.as_uuid()),
                version_number: Set(link.version.map(count).transpose()?),
                token_hash: Set(link.token_hash.as_str().to_owned()),
                password_hash: Set(link.password_hash.as_ref().map(|h| h.as_phc().to_owned())),
                expires_at: Set(link.expires_at),
                max_downloads: Set(link.max_downloads.map(count).transpose()?),
                downloads: Set(count(link.downloads)?),
                bytes_served: Set(0),
                created_by: Set(link.created_by.map(|u| u.as_uuid())),
                created_at: Set(link.created_at),
                revoked_at: Set(link.revoked_at),
                expiry_recorded_at: Set(None),
            };
            share_links::Entity::insert(row).exec_without_returning(&txn).await.or_domain()?;
            Ok::<_, DomainError>(())
        })
    }

    async fn get(&self, workspace: WorkspaceId, id: ShareLinkId) -> DomainResult<Option<ShareLink>> {
        share_links::Entity::find_by_id(id.as_uuid())
            .filter(share_links::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::share_link)
            .transpose()
    }

    async fn list(&self, workspace: WorkspaceId, document: DocumentId) -> DomainResult<Vec<ShareLink>> {
        share_links::Entity::find()
            .filter(share_links::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(share_links::Column::DocumentId.eq(document.as_uuid()))
            .order_by_desc(share_links::Column::CreatedAt)
            .order_by_desc(share_links::Column::Id)
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(convert::share_link)
            .collect()
    }

    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<ShareLink>> {
        share_links::Entity::find()
            .filter(share_links::Column::TokenHash.eq(hash.as_str()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::share_link)
            .transpose()
    }

    #[tracing::instrument(skip_all, fields(link_id = %id), err(level = "debug"))]
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ShareLinkId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let revoke = share_links::Entity::update_many()
            .col_expr(share_links::Column::RevokedAt, Expr::value(now))
            .filter(share_links::Column::Id.eq(id.as_uuid()))
            .filter(share_links::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(share_links::Column::RevokedAt.is_null());
        if update_one_with_events(&self.db, revoke, events).await? {
            return Ok(true);
        }
        match self.get(workspace, id).await? {
            Some(_) => Ok(false),
            None => Err(DomainError::NotFound(Entity::ShareLink)),
        }
    }

    async fn expired_unrecorded(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<ShareLink>> {
        share_links::Entity::find()
            .filter(share_links::Column::ExpiresAt.lt(now))
            .filter(share_links::Column::RevokedAt.is_null())
            .filter(share_links::Column::ExpiryRecordedAt.is_null())
            .order_by_asc(share_links::Column::ExpiresAt)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(convert::share_link)
            .collect()
    }

    async fn record_expiry(&self, id: ShareLinkId, at: DateTime<Utc>, events: &[NewEvent]) -> DomainResult<bool> {
        let record = share_links::Entity::update_many()
            .col_expr(share_links::Column::ExpiryRecordedAt, Expr::value(at))
            .filter(share_links::Column::Id.eq(id.as_uuid()))
            .filter(share_links::Column::ExpiryRecordedAt.is_null());
        update_one_with_events(&self.db, record, events).await
    }

    #[tracing::instrument(skip_all, fields(link_id = %id), err(level = "debug"))]
    async fn count_download(
        &self,
        id: ShareLinkId,
        charge: DownloadCharge,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        // The conditions make charging the last bytes atomic: of racing
        // requests exactly one fits what is left.
        let bytes = i64::try_from(charge.bytes).unwrap_or(i64::MAX);
        let copy_bytes = i64::try_from(charge.copy_bytes).unwrap_or(i64::MAX);
        let served = Expr::col(share_links::Column::BytesServed);
        let mut within = Condition::all()
            .add(served.clone().add(bytes).lte(Expr::col(share_links::Column::MaxDownloads).mul(copy_bytes)));
        let mut count = share_links::Entity::update_many()
            .col_expr(share_links::Column::BytesServed, served.add(bytes))
            .filter(share_links::Column::Id.eq(id.as_uuid()))
            .filter(share_links::Column::RevokedAt.is_null())
            .filter(
                Condition::any()
                    .add(share_links::Column::ExpiresAt.is_null())
                    .add(share_links::Column::ExpiresAt.gt(now)),
            );
        if charge.starts_copy {
            count = count.col_expr(share_links::Column::Downloads, Expr::col(share_links::Column::Downloads).add(1));
            within =
                within.add(Expr::col(share_links::Column::Downloads).lt(Expr::col(share_links::Column::MaxDownloads)));
        }
        let count = count.filter(Condition::any().add(share_links::Column::MaxDownloads.is_null()).add(within));
        update_one_with_events(&self.db, count, events).await
    }
}
