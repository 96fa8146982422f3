//! Webhook endpoints and deliveries. Each endpoint keeps a cursor into its
//! workspace's event chain; chain positions commit in order (appends lock
//! the chain's head), so reading past the cursor never skips an event that
//! commits late.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::jobs::Job;
use cabinet_domain::webhooks::WebhookRepository;
use cabinet_domain::webhooks::{Delivery, DeliveryStatus, OutboxEvent, WebhookEndpoint};
use cabinet_domain::{DeliveryId, DomainError, DomainResult, Entity, UserId, WebhookId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::audit::store::{append, in_transaction};
use crate::entities::{audit_heads, events, webhook_deliveries, webhook_endpoints};
use crate::error::{DbResultExt, db_err};
use crate::jobs::insert_job;

/// Webhooks in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlWebhookRepository {
    db: DatabaseConnection,
}

impl SqlWebhookRepository {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn count(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(DomainError::internal)
}

fn endpoint(row: webhook_endpoints::Model) -> DomainResult<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: WebhookId::from_uuid(row.id),
        workspace_id: WorkspaceId::from_uuid(row.workspace_id),
        url: row.url,
        description: row.description,
        event_types: serde_json::from_str(&row.event_types).map_err(DomainError::internal)?,
        secret: row.secret,
        active: row.active,
        disabled_reason: row.disabled_reason,
        consecutive_failures: u32::try_from(row.consecutive_failures).map_err(DomainError::internal)?,
        breaker_until: row.breaker_until,
        failing_since: row.failing_since,
        created_by: row.created_by.map(UserId::from_uuid),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What an admin changes, and the breaker and on/off state.
fn endpoint_state(e: &WebhookEndpoint) -> DomainResult<webhook_endpoints::ActiveModel> {
    Ok(webhook_endpoints::ActiveModel {
        id: Set(e.id.as_uuid()),
        url: Set(e.url.clone()),
        description: Set(e.description.clone()),
        event_types: Set(serde_json::to_string(&e.event_types).map_err(DomainError::internal)?),
        active: Set(e.active),
        disabled_reason: Set(e.disabled_reason.clone()),
        breaker_until: Set(e.breaker_until),
        updated_at: Set(e.updated_at),
        ..Default::default()
    })
}

/// The endpoint's failure count, as an admin turning it back on resets it.
fn failure_count(e: &WebhookEndpoint) -> DomainResult<webhook_endpoints::ActiveModel> {
    Ok(webhook_endpoints::ActiveModel {
        consecutive_failures: Set(count(e.consecutive_failures)?),
        failing_since: Set(e.failing_since),
        ..endpoint_state(e)?
    })
}

fn delivery(row: webhook_deliveries::Model) -> DomainResult<Delivery> {
    Ok(Delivery {
        id: DeliveryId::from_uuid(row.id),
        endpoint_id: WebhookId::from_uuid(row.endpoint_id),
        workspace_id: WorkspaceId::from_uuid(row.workspace_id),
        event_id: row.event_id,
        event_type: row.event_type,
        body: row.body,
        status: DeliveryStatus::parse(&row.status).ok_or_else(|| DomainError::internal("unknown delivery status"))?,
        attempts: u32::try_from(row.attempts).map_err(DomainError::internal)?,
        response_status: row.response_status.and_then(|s| u16::try_from(s).ok()),
        response_body: row.response_body,
        error: row.error,
        duration_ms: row.duration_ms.and_then(|d| u64::try_from(d).ok()),
        last_attempt_at: row.last_attempt_at,
        created_at: row.created_at,
    })
}

fn delivery_row(d: &Delivery) -> DomainResult<webhook_deliveries::ActiveModel> {
    Ok(webhook_deliveries::ActiveModel {
        id: Set(d.id.as_uuid()),
        endpoint_id: Set(d.endpoint_id.as_uuid()),
        workspace_id: Set(d.workspace_id.as_uuid()),
        event_id: Set(d.event_id),
        event_type: Set(d.event_type.clone()),
        body: Set(d.body.clone()),
        status: Set(d.status.as_str().to_owned()),
        attempts: Set(count(d.attempts)?),
        response_status: Set(d.response_status.map(i32::from)),
        response_body: Set(d.response_body.clone()),
        error: Set(d.error.clone()),
        duration_ms: Set(d.duration_ms.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX))),
        last_attempt_at: Set(d.last_attempt_at),
        created_at: Set(d.created_at),
    })
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
