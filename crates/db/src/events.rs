//! Appending domain events inside the transaction of the change they describe.

use cabinet_domain::DomainResult;
use cabinet_domain::events::NewEvent;
use sea_orm::{
    ActiveValue::NotSet, ConnectionTrait, DatabaseConnection, EntityTrait, Set, TransactionTrait, UpdateMany,
};

use crate::entities::events;
use crate::error::db_err;

/// Appends `events` on `conn`, which must be the transaction of the change.
pub(crate) async fn append<C: ConnectionTrait>(conn: &C, events: &[NewEvent]) -> DomainResult<()> {
    if events.is_empty() {
        return Ok(());
    }
    let rows = events
        .iter()
        .map(|e| {
            let (aggregate_type, aggregate_id) = e.payload.aggregate();
            let payload = serde_json::to_value(&e.payload).map_err(cabinet_domain::DomainError::internal)?;
            Ok(events::ActiveModel {
                seq: NotSet,
                id: Set(e.id),
                workspace_id: Set(e.payload.workspace_id().map(|w| w.as_uuid())),
                aggregate_type: Set(aggregate_type.to_owned()),
                aggregate_id: Set(aggregate_id),
                event_type: Set(e.payload.event_type().to_owned()),
                actor_kind: Set(e.actor.kind.as_str().to_owned()),
                actor_id: Set(e.actor.id),
                request_id: Set(e.origin.request_id.clone()),
                ip: Set(e.origin.ip.map(|ip| ip.to_string())),
                user_agent: Set(e.origin.user_agent.clone()),
                payload: Set(payload),
                occurred_at: Set(e.occurred_at),
            })
        })
        .collect::<DomainResult<Vec<_>>>()?;
    events::Entity::insert_many(rows).exec(conn).await.map_err(db_err)?;
    Ok(())
}

/// Runs `work` and appends `events` in one transaction on `db`.
macro_rules! in_transaction {
    ($db:expr, $events:expr, |$txn:ident| $work:block) => {{
        use sea_orm::TransactionTrait as _;
        let $txn = $db.begin().await.map_err($crate::error::db_err)?;
        let out = async { $work }.await?;
        $crate::events::append(&$txn, $events).await?;
        $txn.commit().await.map_err($crate::error::db_err)?;
        Ok(out)
    }};
}
pub(crate) use in_transaction;

/// Runs a conditional `update` and, when it changed exactly one row, appends
/// `events` and commits; otherwise rolls back and stores nothing. The row
/// condition makes the state transition (revoke once, use once) atomic.
pub(crate) async fn update_one_with_events<E: EntityTrait>(
    db: &DatabaseConnection,
    update: UpdateMany<E>,
    events: &[NewEvent],
) -> DomainResult<bool> {
    let txn = db.begin().await.map_err(db_err)?;
    let changed = update.exec(&txn).await.map_err(db_err)?;
    if changed.rows_affected != 1 {
        txn.rollback().await.map_err(db_err)?;
        return Ok(false);
    }
    append(&txn, events).await?;
    txn.commit().await.map_err(db_err)?;
    Ok(true)
}
