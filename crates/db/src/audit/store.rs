//! Appending domain events inside the transaction of the change they describe.

use cabinet_domain::audit::NewEvent;
use cabinet_domain::audit::chain::{ACCOUNT_CHAIN, ChainedEvent, GENESIS, event_hash};
use cabinet_domain::{DomainError, DomainResult};
use chrono::SubsecRound as _;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::NotSet, ColumnTrait as _, ConnectionTrait, EntityTrait, QueryFilter as _, Set, UpdateMany};
use uuid::Uuid;

use crate::conn::Conn;
use crate::entities::{audit_heads, events};
use crate::error::db_err;

/// Appends `events` on `conn`, which must be the transaction of the change,
/// each at the end of its chain (its workspace's, or the account chain).
///
/// The chain heads are locked first, in a fixed order, by a no-op update of
/// their rows (a row lock on PostgreSQL, the write lock on SQLite): appends
/// to one chain are serialised until commit, so positions have no gaps or
/// duplicates and every event names the hash of the one before it.
pub(crate) async fn append<C: ConnectionTrait>(conn: &C, events: &[NewEvent]) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let chain_of = |e: &NewEvent| e.payload.workspace_id().map_or(ACCOUNT_CHAIN, |w| w.as_uuid());
    let chains: std::collections::BTreeSet<Uuid> = events.iter().map(chain_of).collect();
    let mut heads = std::collections::HashMap::new();
    for chain in chains {
        heads.insert(chain, lock_head(conn, chain).await?);
    }
    for e in events {
        let chain = chain_of(e);
        let (last_seq, last_hash) = heads.get_mut(&chain).ok_or_else(|| DomainError::internal("chain not locked"))?;
        let (aggregate_type, aggregate_id) = e.payload.aggregate();
        let payload = serde_json::to_value(&e.payload).map_err(DomainError::internal)?;
        // Both databases keep microseconds; hash what is stored.
        let occurred_at = e.occurred_at.trunc_subsecs(6);
        let ip = e.origin.ip.map(|ip| ip.to_string());
        let chained = ChainedEvent {
            workspace_id: e.payload.workspace_id().map(|w| w.as_uuid()),
            workspace_seq: *last_seq + 1,
            id: e.id,
            aggregate_type,
            aggregate_id,
            event_type: e.payload.event_type(),
            actor_kind: e.actor.kind.as_str(),
            actor_id: e.actor.id,
            request_id: e.origin.request_id.as_deref(),
            ip: ip.as_deref(),
            user_agent: e.origin.user_agent.as_deref(),
            occurred_at,
            payload: &payload,
        };
        let hash = event_hash(last_hash, &chained);
        let row = events::ActiveModel {
            seq: NotSet,
            id: Set(e.id),
            workspace_id: Set(chained.workspace_id),
            aggregate_type: Set(aggregate_type.to_owned()),
            aggregate_id: Set(aggregate_id),
            event_type: Set(e.payload.event_type().to_owned()),
            actor_kind: Set(e.actor.kind.as_str().to_owned()),
            actor_id: Set(e.actor.id),
            request_id: Set(e.origin.request_id.clone()),
            ip: Set(ip.clone()),
            user_agent: Set(e.origin.user_agent.clone()),
            payload: Set(payload.clone()),
            occurred_at: Set(occurred_at),
            chain_id: Set(Some(chain)),
            chain_seq: Set(Some(chained.workspace_seq)),
            prev_hash: Set(Some(last_hash.clone())),
            hash: Set(Some(hash.clone())),
        };
        events::Entity::insert(row).exec_without_returning(conn).await.map_err(db_err)?;
        *last_seq = chained.workspace_seq;
        *last_hash = hash;
    }
    for (chain, (last_seq, last_hash)) in heads {
        audit_heads::Entity::update_many()
            .col_expr(audit_heads::Column::LastSeq, Expr::value(last_seq))
            .col_expr(audit_heads::Column::LastHash, Expr::value(last_hash))
            .filter(audit_heads::Column::ChainId.eq(chain))
            .exec(conn)
            .await
            .map_err(db_err)?;
    }
    Ok(())
}

/// Locks a chain's head for the rest of the transaction, creating it on the
/// chain's first event, and returns its position and hash.
async fn lock_head<C: ConnectionTrait>(conn: &C, chain: Uuid) -> DomainResult<(i64, String)> {
    let genesis =
        audit_heads::ActiveModel { chain_id: Set(chain), last_seq: Set(0), last_hash: Set(GENESIS.to_owned()) };
    audit_heads::Entity::insert(genesis)
        .on_conflict(OnConflict::column(audit_heads::Column::ChainId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .map_err(db_err)?;
    audit_heads::Entity::update_many()
        .col_expr(audit_heads::Column::LastSeq, Expr::col(audit_heads::Column::LastSeq))
        .filter(audit_heads::Column::ChainId.eq(chain))
        .exec(conn)
        .await
        .map_err(db_err)?;
    let head = audit_heads::Entity::find_by_id(chain)
        .one(conn)
        .await
        .map_err(db_err)?
        .ok_or_else(|| DomainError::internal("chain head vanished"))?;
    Ok((head.last_seq, head.last_hash))
}

/// Runs `work` and appends `events` in one transaction on `db`.
macro_rules! in_transaction {
    ($db:expr, $events:expr, |$txn:ident| $work:block) => {{
        let $txn = $crate::error::begin_write(&$db).await?;
        let out = async { $work }.await?;
        $crate::audit::store::append(&$txn, $events).await?;
        $txn.commit().await.map_err($crate::error::db_err)?;
        Ok(out)
    }};
}
pub(crate) use in_transaction;

/// Runs a conditional `update` and, when it changed exactly one row, appends
/// `events` and commits; otherwise rolls back and stores nothing. The row
/// condition makes the state transition (revoke once, use once) atomic.
pub(crate) async fn update_one_with_events<E: EntityTrait>(
    db: &Conn,
    update: UpdateMany<E>,
    events: &[NewEvent],
) -> DomainResult<bool> {
    let txn = crate::error::begin_write(db).await?;
    let changed = update.exec(&txn).await.map_err(db_err)?;
    if changed.rows_affected != 1 {
        txn.rollback().await.map_err(db_err)?;
        return Ok(false);
    }
    append(&txn, events).await?;
    txn.commit().await.map_err(db_err)?;
    Ok(true)
}
