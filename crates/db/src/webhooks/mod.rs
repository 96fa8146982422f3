//! Webhook endpoints and deliveries. Each endpoint keeps a cursor into its
//! workspace's event chain; chain positions commit in order (appends lock
//! the chain's head), so reading past the cursor never skips an event that
//! commits late.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::jobs::Job;
use cabinet_domain::webhooks::WebhookRepository;
use cabinet_domain::webhooks::{Delivery, DeliveryStatus, OutboxEvent, WebhookEndpoint};
use cabinet_domain::{DeliveryId, DomainError, DomainResult, Entity, WebhookId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::store::{append, in_transaction};
use crate::entities::{audit_heads, events, webhook_deliveries, webhook_endpoints};
use crate::error::{DbResultExt, db_err};
use crate::jobs::insert_job;

mod rows;

use crate::conn::Conn;
use rows::{delivery, delivery_row, endpoint, failure_count};

/// Webhooks in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlWebhookRepository {
    db: Conn,
}

impl SqlWebhookRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

/// The position the workspace's chain has reached.
async fn chain_head<C: ConnectionTrait>(conn: &C, workspace: WorkspaceId) -> DomainResult<i64> {
    Ok(audit_heads::Entity::find_by_id(workspace.as_uuid()).one(conn).await.or_domain()?.map_or(0, |h| h.last_seq))
}

#[async_trait]
impl WebhookRepository for SqlWebhookRepository {
    async fn create(&self, e: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()> {
        let txn = crate::error::begin_write(&self.db).await?;
        let row = webhook_endpoints::ActiveModel {
            workspace_id: Set(e.workspace_id.as_uuid()),
            secret: Set(e.secret.clone()),
            cursor: Set(0),
            created_by: Set(e.created_by.map(|u| u.as_uuid())),
            created_at: Set(e.created_at),
            ..failure_count(e)?
        };
        webhook_endpoints::Entity::insert(row).exec_without_returning(&txn).await.or_domain()?;
        append(&txn, events).await?;
        // It receives what happens after it was created, its own creation excluded.
        let head = chain_head(&txn, e.workspace_id).await?;
        webhook_endpoints::Entity::update_many()
            .col_expr(webhook_endpoints::Column::Cursor, Expr::value(head))
            .filter(webhook_endpoints::Column::Id.eq(e.id.as_uuid()))
            .exec(&txn)
            .await
            .or_domain()?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn get(&self, workspace: WorkspaceId, id: WebhookId) -> DomainResult<Option<WebhookEndpoint>> {
        webhook_endpoints::Entity::find_by_id(id.as_uuid())
            .filter(webhook_endpoints::Column::WorkspaceId.eq(workspace.as_uuid()))
            .one(&self.db)
            .await
            .or_domain()?
            .map(endpoint)
            .transpose()
    }

    async fn list(&self, workspace: WorkspaceId) -> DomainResult<Vec<WebhookEndpoint>> {
        webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::WorkspaceId.eq(workspace.as_uuid()))
            .order_by_asc(webhook_endpoints::Column::CreatedAt)
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(endpoint)
            .collect()
    }

    async fn update(&self, e: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let updated = webhook_endpoints::Entity::update_many()
                .set(failure_count(e)?)
                .filter(webhook_endpoints::Column::Id.eq(e.id.as_uuid()))
                .filter(webhook_endpoints::Column::WorkspaceId.eq(e.workspace_id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            if updated.rows_affected == 1 { Ok(()) } else { Err(DomainError::NotFound(Entity::Webhook)) }
        })
    }

    async fn delete(&self, workspace: WorkspaceId, id: WebhookId, events: &[NewEvent]) -> DomainResult<bool> {
        let txn = crate::error::begin_write(&self.db).await?;
        webhook_deliveries::Entity::delete_many()
            .filter(webhook_deliveries::Column::EndpointId.eq(id.as_uuid()))
            .filter(webhook_deliveries::Column::WorkspaceId.eq(workspace.as_uuid()))
            .exec(&txn)
            .await
            .or_domain()?;
        let deleted = webhook_endpoints::Entity::delete_many()
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .filter(webhook_endpoints::Column::WorkspaceId.eq(workspace.as_uuid()))
            .exec(&txn)
            .await
            .or_domain()?;
        if deleted.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        append(&txn, events).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn lagging(&self, limit: u32) -> DomainResult<Vec<WebhookEndpoint>> {
        webhook_endpoints::Entity::find()
            .filter(webhook_endpoints::Column::Active.eq(true))
            .filter(Expr::cust(
                "webhook_endpoints.cursor < (SELECT h.last_seq FROM audit_heads h \
                 WHERE h.chain_id = webhook_endpoints.workspace_id)",
            ))
            .order_by_asc(webhook_endpoints::Column::UpdatedAt)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(endpoint)
            .collect()
    }

    async fn outbox(&self, id: WebhookId, limit: u32) -> DomainResult<(u64, Vec<OutboxEvent>)> {
        let Some(row) = webhook_endpoints::Entity::find_by_id(id.as_uuid()).one(&self.db).await.or_domain()? else {
            return Ok((0, Vec::new()));
        };
        let rows = events::Entity::find()
            .filter(events::Column::ChainId.eq(row.workspace_id))
            .filter(events::Column::ChainSeq.gt(row.cursor))
            .order_by_asc(events::Column::ChainSeq)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?;
        let from = u64::try_from(row.cursor).map_err(DomainError::internal)?;
        let events = rows
            .into_iter()
            .map(|e| {
                let seq = e.chain_seq.ok_or_else(|| DomainError::internal("an unchained event"))?;
                Ok(OutboxEvent {
                    chain_seq: u64::try_from(seq).map_err(DomainError::internal)?,
                    id: e.id,
                    event_type: e.event_type,
                    payload: e.payload.to_string(),
                    occurred_at: e.occurred_at,
                })
            })
            .collect::<DomainResult<_>>()?;
        Ok((from, events))
    }

    async fn dispatch(
        &self,
        id: WebhookId,
        from: u64,
        to: u64,
        deliveries: &[Delivery],
        jobs: &[Job],
    ) -> DomainResult<bool> {
        let (from, to) =
            (i64::try_from(from).map_err(DomainError::internal)?, i64::try_from(to).map_err(DomainError::internal)?);
        let txn = crate::error::begin_write(&self.db).await?;
        let moved = webhook_endpoints::Entity::update_many()
            .col_expr(webhook_endpoints::Column::Cursor, Expr::value(to))
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .filter(webhook_endpoints::Column::Cursor.eq(from))
            .exec(&txn)
            .await
            .or_domain()?;
        if moved.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        if !deliveries.is_empty() {
            let rows = deliveries.iter().map(delivery_row).collect::<DomainResult<Vec<_>>>()?;
            webhook_deliveries::Entity::insert_many(rows).exec_without_returning(&txn).await.or_domain()?;
        }
        for job in jobs {
            insert_job(&txn, job).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn request(&self, d: &Delivery, job: &Job, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            webhook_deliveries::Entity::insert(delivery_row(d)?).exec_without_returning(&txn).await.or_domain()?;
            insert_job(&txn, job).await.map(|_| ())
        })
    }

    async fn redeliver(&self, id: DeliveryId, job: &Job, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let reset = webhook_deliveries::Entity::update_many()
                .col_expr(webhook_deliveries::Column::Status, Expr::value(DeliveryStatus::Pending.as_str()))
                .filter(webhook_deliveries::Column::Id.eq(id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            if reset.rows_affected != 1 {
                return Err(DomainError::NotFound(Entity::Delivery));
            }
            insert_job(&txn, job).await.map(|_| ())
        })
    }

    async fn delivery(&self, id: DeliveryId) -> DomainResult<Option<(Delivery, WebhookEndpoint)>> {
        let Some(row) = webhook_deliveries::Entity::find_by_id(id.as_uuid()).one(&self.db).await.or_domain()? else {
            return Ok(None);
        };
        let Some(owner) = webhook_endpoints::Entity::find_by_id(row.endpoint_id).one(&self.db).await.or_domain()?
        else {
            return Ok(None);
        };
        Ok(Some((delivery(row)?, endpoint(owner)?)))
    }

    async fn deliveries(&self, id: WebhookId, limit: u32) -> DomainResult<Vec<Delivery>> {
        webhook_deliveries::Entity::find()
            .filter(webhook_deliveries::Column::EndpointId.eq(id.as_uuid()))
            .order_by_desc(webhook_deliveries::Column::CreatedAt)
            .order_by_desc(webhook_deliveries::Column::Id)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(delivery)
            .collect()
    }

    async fn claim_probe(&self, id: WebhookId, now: DateTime<Utc>, until: DateTime<Utc>) -> DomainResult<bool> {
        let claimed = webhook_endpoints::Entity::update_many()
            .col_expr(webhook_endpoints::Column::BreakerUntil, Expr::value(until))
            .filter(webhook_endpoints::Column::Id.eq(id.as_uuid()))
            .filter(webhook_endpoints::Column::BreakerUntil.lte(now))
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(claimed.rows_affected == 1)
    }

    async fn count_attempt(&self, id: WebhookId, succeeded: bool, at: DateTime<Utc>) -> DomainResult<WebhookEndpoint> {
        let txn = crate::error::begin_write(&self.db).await?;
        let update = webhook_endpoints::Entity::update_many().filter(webhook_endpoints::Column::Id.eq(id.as_uuid()));
        let update = if succeeded {
            update
                .col_expr(webhook_endpoints::Column::ConsecutiveFailures, Expr::value(0))
                .col_expr(webhook_endpoints::Column::FailingSince, Expr::value(Option::<DateTime<Utc>>::None))
                .col_expr(webhook_endpoints::Column::BreakerUntil, Expr::value(Option::<DateTime<Utc>>::None))
        } else {
            update
                .col_expr(
                    webhook_endpoints::Column::ConsecutiveFailures,
                    Expr::col(webhook_endpoints::Column::ConsecutiveFailures).add(1),
                )
                .col_expr(
                    webhook_endpoints::Column::FailingSince,
                    Func::coalesce([Expr::col(webhook_endpoints::Column::FailingSince), Expr::value(at)]).into(),
                )
        };
        update.exec(&txn).await.or_domain()?;
        let row = webhook_endpoints::Entity::find_by_id(id.as_uuid())
            .one(&txn)
            .await
            .or_domain()?
            .ok_or(DomainError::NotFound(Entity::Webhook))?;
        txn.commit().await.map_err(db_err)?;
        endpoint(row)
    }

    async fn start_attempt(&self, id: DeliveryId, attempts: u32, at: DateTime<Utc>) -> DomainResult<()> {
        webhook_deliveries::Entity::update_many()
            .col_expr(webhook_deliveries::Column::Attempts, Expr::value(i32::try_from(attempts).unwrap_or(i32::MAX)))
            .col_expr(webhook_deliveries::Column::LastAttemptAt, Expr::value(at))
            .col_expr(
                webhook_deliveries::Column::Error,
                Expr::value("sent; no answer was recorded (the worker stopped while waiting for it)"),
            )
            .filter(webhook_deliveries::Column::Id.eq(id.as_uuid()))
            .exec(&self.db)
            .await
            .or_domain()?;
        Ok(())
    }

    async fn record(&self, d: &Delivery, e: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            webhook_deliveries::Entity::update_many()
                .set(delivery_row(d)?)
                .filter(webhook_deliveries::Column::Id.eq(d.id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            // Only what this attempt decided: attempts run concurrently, and
            // one that saw fewer failures must not close a circuit another opened
            // (successes clear it in `count_attempt`).
            let mut change = webhook_endpoints::ActiveModel { updated_at: Set(e.updated_at), ..Default::default() };
            if e.breaker_until.is_some() {
                change.breaker_until = Set(e.breaker_until);
            }
            if !e.active {
                change.active = Set(false);
                change.disabled_reason = Set(e.disabled_reason.clone());
            }
            webhook_endpoints::Entity::update_many()
                .set(change)
                .filter(webhook_endpoints::Column::Id.eq(e.id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            Ok(())
        })
    }
}
