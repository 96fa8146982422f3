//! The audit trail read back: walking and verifying the hash chains.

use async_trait::async_trait;
use cabinet_domain::audit::{AuditEvent, ChainBreak, ChainReport, EventQuery};
use cabinet_domain::audit::{AuditTrail, EventStream};
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use cabinet_migrations::chain::{ACCOUNT_CHAIN, ChainedEvent, GENESIS, event_hash};
use futures::StreamExt as _;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::entities::{audit_heads, events};
use crate::error::DbResultExt;

/// Events read per query while walking a chain.
const BATCH: u64 = 1000;

/// The event store's chains in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlAuditTrail {
    db: DatabaseConnection,
}

impl SqlAuditTrail {
    pub(crate) fn new(db: DatabaseConnection) -> Self {
        Self { db }
    }
}

fn position(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// The hash `row` should carry after `prev_hash`.
fn recompute(prev_hash: &str, row: &events::Model, seq: i64) -> String {
    event_hash(
        prev_hash,
        &ChainedEvent {
            workspace_id: row.workspace_id,
            workspace_seq: seq,
            id: row.id,
            aggregate_type: &row.aggregate_type,
            aggregate_id: row.aggregate_id,
            event_type: &row.event_type,
            actor_kind: &row.actor_kind,
            actor_id: row.actor_id,
            request_id: row.request_id.as_deref(),
            ip: row.ip.as_deref(),
            user_agent: row.user_agent.as_deref(),
            occurred_at: row.occurred_at,
            payload: &row.payload,
        },
    )
}

fn audit_event(row: events::Model) -> DomainResult<AuditEvent> {
    let count = |n: i64| u64::try_from(n).map_err(DomainError::internal);
    Ok(AuditEvent {
        seq: count(row.seq)?,
        chain_seq: count(row.chain_seq.unwrap_or_default())?,
        id: row.id,
        workspace_id: row.workspace_id.map(WorkspaceId::from_uuid),
        aggregate_type: row.aggregate_type,
        aggregate_id: row.aggregate_id,
        event_type: row.event_type,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        request_id: row.request_id,
        ip: row.ip,
        user_agent: row.user_agent,
        occurred_at: row.occurred_at,
        payload: row.payload.to_string(),
        hash: row.hash.unwrap_or_default(),
    })
}

/// The events `query` selects, in its order, after its cursor.
fn select(query: &EventQuery) -> DomainResult<Select<events::Entity>> {
    let mut select = events::Entity::find();
    let workspace = query.workspace.ok_or_else(|| DomainError::internal("audit queries name a workspace"))?;
    select = select.filter(events::Column::WorkspaceId.eq(workspace.as_uuid()));
    if let Some(from) = query.from {
        select = select.filter(events::Column::OccurredAt.gte(from));
    }
    if let Some(to) = query.to {
        select = select.filter(events::Column::OccurredAt.lt(to));
    }
    if let Some(actor) = query.actor_id {
        select = select.filter(events::Column::ActorId.eq(actor));
    }
    if let Some(event_type) = &query.event_type {
        select = select.filter(events::Column::EventType.eq(event_type.as_str()));
    }
    if let Some(aggregate_type) = &query.aggregate_type {
        select = select.filter(events::Column::AggregateType.eq(aggregate_type.as_str()));
    }
    if let Some(aggregate_id) = query.aggregate_id {
        select = select.filter(events::Column::AggregateId.eq(aggregate_id));
    }
    let after = query.after.map(|a| i64::try_from(a).unwrap_or(i64::MAX));
    Ok(if query.oldest_first {
        if let Some(after) = after {
            select = select.filter(events::Column::Seq.gt(after));
        }
        select.order_by_asc(events::Column::Seq)
    } else {
        if let Some(after) = after {
            select = select.filter(events::Column::Seq.lt(after));
        }
        select.order_by_desc(events::Column::Seq)
    })
}

async fn fetch(db: &DatabaseConnection, query: &EventQuery, limit: u64) -> DomainResult<Vec<AuditEvent>> {
    select(query)?.limit(limit).all(db).await.or_domain()?.into_iter().map(audit_event).collect()
}

#[async_trait]
impl AuditTrail for SqlAuditTrail {
    async fn events(&self, query: &EventQuery, limit: u32) -> DomainResult<Vec<AuditEvent>> {
        fetch(&self.db, query, u64::from(limit)).await
    }

    fn stream(&self, query: EventQuery) -> EventStream {
        let state = Some((self.db.clone(), query));
        futures::stream::unfold(state, |state| async move {
            let (db, mut query) = state?;
            match fetch(&db, &query, BATCH).await {
                Ok(batch) if batch.is_empty() => None,
                Ok(batch) => {
                    let last = batch.last().map(|e| e.seq);
                    let done = (batch.len() as u64) < BATCH;
                    query.after = last;
                    let items: Vec<DomainResult<AuditEvent>> = batch.into_iter().map(Ok).collect();
                    let items = futures::stream::iter(items);
                    Some((items, (!done).then_some((db, query))))
                }
                Err(e) => Some((futures::stream::iter(vec![Err(e)]), None)),
            }
        })
        .flatten()
        .boxed()
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn verify(&self, workspace: Option<WorkspaceId>) -> DomainResult<ChainReport> {
        let chain = workspace.map_or(ACCOUNT_CHAIN, |w| w.as_uuid());
        let mut report = ChainReport { workspace, intact_up_to: 0, broken_at: None };
        let (mut expected, mut prev_hash) = (1_i64, GENESIS.to_owned());
        loop {
            let batch = events::Entity::find()
                .filter(events::Column::ChainId.eq(chain))
                .filter(events::Column::ChainSeq.gte(expected))
                .order_by_asc(events::Column::ChainSeq)
                .limit(BATCH)
                .all(&self.db)
                .await
                .or_domain()?;
            let full = batch.len() as u64 == BATCH;
            for row in batch {
                let seq = row.chain_seq.ok_or_else(|| DomainError::internal("a chained event without a position"))?;
                let broken = if seq != expected {
                    Some((position(expected), ChainBreak::Missing))
                } else if row.prev_hash.as_deref() != Some(prev_hash.as_str()) {
                    Some((position(seq), ChainBreak::Relinked))
                } else if row.hash.as_deref() != Some(recompute(&prev_hash, &row, seq).as_str()) {
                    Some((position(seq), ChainBreak::Altered))
                } else {
                    None
                };
                if broken.is_some() {
                    report.broken_at = broken;
                    return Ok(report);
                }
                report.intact_up_to = position(seq);
                prev_hash = row.hash.unwrap_or_default();
                expected += 1;
            }
            if !full {
                break;
            }
        }
        // Events deleted from the end leave the head ahead of the last event.
        let head = audit_heads::Entity::find_by_id(chain).one(&self.db).await.or_domain()?;
        if head.is_some_and(|h| h.last_seq >= expected) {
            report.broken_at = Some((position(expected), ChainBreak::Missing));
        }
        Ok(report)
    }

    async fn chains(&self) -> DomainResult<Vec<Option<WorkspaceId>>> {
        let ids: Vec<uuid::Uuid> = audit_heads::Entity::find()
            .select_only()
            .column(audit_heads::Column::ChainId)
            .order_by_asc(audit_heads::Column::ChainId)
            .into_tuple()
            .all(&self.db)
            .await
            .or_domain()?;
        Ok(ids.into_iter().map(|id| (id != ACCOUNT_CHAIN).then(|| WorkspaceId::from_uuid(id))).collect())
    }
}
