//! The audit trail read back: walking and verifying the hash chains.

use async_trait::async_trait;
use cabinet_domain::model::{ChainBreak, ChainReport};
use cabinet_domain::ports::AuditTrail;
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use cabinet_migrations::chain::{ACCOUNT_CHAIN, ChainedEvent, GENESIS, event_hash};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

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

#[async_trait]
impl AuditTrail for SqlAuditTrail {
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
