//! The API key repository.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::identity::ApiKey;
use cabinet_domain::identity::ApiKeyRepository;
use cabinet_domain::page::{Page, PageRequest};
use cabinet_domain::system::TokenHash;
use cabinet_domain::{ApiKeyId, DomainError, DomainResult, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::store::{in_transaction, update_one_with_events};
use crate::conn::Conn;
use crate::convert;
use crate::entities::api_keys;
use crate::error::DbResultExt;

/// API keys in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlApiKeyRepository {
    db: Conn,
}

impl SqlApiKeyRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

#[async_trait]
impl ApiKeyRepository for SqlApiKeyRepository {
    #[tracing::instrument(skip_all, fields(key_id = %key.id), err(level = "debug"))]
    async fn create(&self, key: &ApiKey, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let row = api_keys::ActiveModel {
                id: Set(key.id.as_uuid()),
                workspace_id: Set(key.workspace_id.as_uuid()),
                name: Set(key.name.as_str().to_owned()),
                role: Set(key.role.as_str().to_owned()),
                prefix: Set(key.prefix.clone()),
                key_hash: Set(key.hash.as_str().to_owned()),
                created_by: Set(key.created_by.as_uuid()),
                created_at: Set(key.created_at),
                expires_at: Set(key.expires_at),
                last_used_at: Set(key.last_used_at),
                revoked_at: Set(key.revoked_at),
            };
            api_keys::Entity::insert(row).exec_without_returning(&txn).await.or_domain()?;
            Ok::<_, DomainError>(())
        })
    }

    async fn find_by_hash(&self, hash: &TokenHash) -> DomainResult<Option<ApiKey>> {
        api_keys::Entity::find()
            .filter(api_keys::Column::KeyHash.eq(hash.as_str()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::api_key)
            .transpose()
    }

    async fn list(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<ApiKey>> {
        let mut query = api_keys::Entity::find()
            .filter(api_keys::Column::WorkspaceId.eq(workspace.as_uuid()))
            .order_by_asc(api_keys::Column::Id)
            .limit(u64::from(page.limit()) + 1);
        if let Some(after) = page.after() {
            query = query.filter(api_keys::Column::Id.gt(after));
        }
        let items = query
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(convert::api_key)
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page, |k| k.id.as_uuid()))
    }

    #[tracing::instrument(skip_all, fields(key_id = %id), err(level = "debug"))]
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ApiKeyId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool> {
        let revoke = api_keys::Entity::update_many()
            .col_expr(api_keys::Column::RevokedAt, Expr::value(now))
            .filter(api_keys::Column::Id.eq(id.as_uuid()))
            .filter(api_keys::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(api_keys::Column::RevokedAt.is_null());
        update_one_with_events(&self.db, revoke, events).await
    }

    async fn touch(&self, id: ApiKeyId, now: DateTime<Utc>) -> DomainResult<()> {
        api_keys::Entity::update_many()
            .col_expr(api_keys::Column::LastUsedAt, Expr::value(now))
            .filter(api_keys::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(())
    }
}
