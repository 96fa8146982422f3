//! Idempotency keys in the SQL database.

use async_trait::async_trait;
use cabinet_domain::idempotency::{Claim, IdempotencyStore, StoredResponse};
use cabinet_domain::{DomainError, DomainResult};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};

use crate::conn::Conn;
use crate::entities::idempotency_keys;
use crate::error::DbResultExt;

/// Idempotency keys in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlIdempotencyStore {
    db: Conn,
}

impl SqlIdempotencyStore {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn by_key(scope: &str, key: &str) -> sea_orm::Condition {
    sea_orm::Condition::all().add(idempotency_keys::Column::Scope.eq(scope)).add(idempotency_keys::Column::Key.eq(key))
}

#[async_trait]
impl IdempotencyStore for SqlIdempotencyStore {
    async fn claim(
        &self,
        scope: &str,
        key: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
    ) -> DomainResult<Claim> {
        let row = idempotency_keys::ActiveModel {
            scope: Set(scope.to_owned()),
            key: Set(key.to_owned()),
            fingerprint: Set(fingerprint.to_owned()),
            status: Set(None),
            content_type: Set(None),
            location: Set(None),
            body: Set(None),
            created_at: Set(now),
        };
        // The primary key decides between concurrent first requests.
        let inserted = idempotency_keys::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([idempotency_keys::Column::Scope, idempotency_keys::Column::Key])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&self.db)
            .await
            .or_domain()?;
        if inserted == 1 {
            return Ok(Claim::Claimed);
        }
        let existing = idempotency_keys::Entity::find()
            .filter(by_key(scope, key))
            .one(&self.db)
            .await
            .or_domain()?
            .ok_or_else(|| DomainError::internal("idempotency key vanished"))?;
        if existing.fingerprint != fingerprint {
            return Ok(Claim::Mismatch);
        }
        Ok(match existing.status {
            // While a request runs, `created_at` is its last sign of life.
            None if existing.created_at < stale_before => {
                let taken = idempotency_keys::Entity::update_many()
                    .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
                    .filter(by_key(scope, key))
                    .filter(idempotency_keys::Column::Status.is_null())
                    .filter(idempotency_keys::Column::CreatedAt.eq(existing.created_at))
                    .exec(&self.db)
                    .await
                    .or_domain()?;
                if taken.rows_affected == 1 { Claim::Claimed } else { Claim::InProgress }
            }
            None => Claim::InProgress,
            Some(status) => Claim::Completed(StoredResponse {
                status: u16::try_from(status).map_err(DomainError::internal)?,
                content_type: existing.content_type,
                location: existing.location,
                body: existing.body.unwrap_or_default(),
            }),
        })
    }

    async fn complete(&self, scope: &str, key: &str, response: &StoredResponse) -> DomainResult<()> {
        idempotency_keys::Entity::update_many()
            .col_expr(idempotency_keys::Column::Status, Expr::value(i32::from(response.status)))
            .col_expr(idempotency_keys::Column::ContentType, Expr::value(response.content_type.clone()))
            .col_expr(idempotency_keys::Column::Location, Expr::value(response.location.clone()))
            .col_expr(idempotency_keys::Column::Body, Expr::value(response.body.clone()))
            .filter(by_key(scope, key))
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(())
    }

    async fn renew(&self, scope: &str, key: &str, now: DateTime<Utc>) -> DomainResult<()> {
        idempotency_keys::Entity::update_many()
            .col_expr(idempotency_keys::Column::CreatedAt, Expr::value(now))
            .filter(by_key(scope, key))
            .filter(idempotency_keys::Column::Status.is_null())
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(())
    }

    async fn release(&self, scope: &str, key: &str) -> DomainResult<()> {
        idempotency_keys::Entity::delete_many().filter(by_key(scope, key)).exec(&self.db).await.or_domain()?;
        Ok(())
    }
}
