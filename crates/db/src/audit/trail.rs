//! The audit trail read back: events, exports and the links of the hash
//! chains that the domain verifies.

use async_trait::async_trait;
use cabinet_domain::audit::chain::ACCOUNT_CHAIN;
use cabinet_domain::audit::{AuditEvent, ChainLink, EventQuery};
use cabinet_domain::audit::{AuditTrail, EventStream};
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use futures::StreamExt as _;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select};

use crate::conn::Conn;
use crate::entities::{audit_heads, events};
use crate::error::DbResultExt;

/// Events read per query while walking a chain.
const BATCH: u64 = 1000;

/// The event store's chains in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlAuditTrail {
    db: Conn,
}

impl SqlAuditTrail {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn position(n: i64) -> u64 {
    u64::try_from(n).unwrap_or_default()
}

/// A stored event as a link of its chain.
fn link(row: events::Model) -> DomainResult<ChainLink> {
    Ok(ChainLink {
        workspace_id: row.workspace_id,
        workspace_seq: row.chain_seq.ok_or_else(|| DomainError::internal("a chained event without a position"))?,
        id: row.id,
        aggregate_type: row.aggregate_type,
        aggregate_id: row.aggregate_id,
        event_type: row.event_type,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        request_id: row.request_id,
        ip: row.ip,
        user_agent: row.user_agent,
        occurred_at: row.occurred_at,
        payload: row.payload,
        prev_hash: row.prev_hash,
        hash: row.hash,
    })
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

async fn fetch(db: &Conn, query: &EventQuery, limit: u64) -> DomainResult<Vec<AuditEvent>> {
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

    async fn chain_links(&self, workspace: Option<WorkspaceId>, from: u64, limit: u32) -> DomainResult<Vec<ChainLink>> {
        let chain = workspace.map_or(ACCOUNT_CHAIN, |w| w.as_uuid());
        let rows = events::Entity::find()
            .filter(events::Column::ChainId.eq(chain))
            .filter(events::Column::ChainSeq.gte(i64::try_from(from).map_err(DomainError::internal)?))
            .order_by_asc(events::Column::ChainSeq)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?;
        rows.into_iter().map(link).collect()
    }

    async fn chain_head(&self, workspace: Option<WorkspaceId>) -> DomainResult<u64> {
        let chain = workspace.map_or(ACCOUNT_CHAIN, |w| w.as_uuid());
        let head = audit_heads::Entity::find_by_id(chain).one(&self.db).await.or_domain()?;
        Ok(head.map_or(0, |h| position(h.last_seq)))
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
