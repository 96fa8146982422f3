//! The audit trail's hash chain: a position and a hash for every event, one
//! chain per workspace (and one for account-level events), and each chain's
//! head, whose row serialises appends to the chain.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend, Statement};

use cabinet_domain::audit::chain::{ACCOUNT_CHAIN, ChainedEvent, GENESIS, event_hash};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Events {
    Table,
    ChainId,
    ChainSeq,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditHeads {
    Table,
    ChainId,
    LastSeq,
    LastHash,
}

/// Chains every event written before this migration, oldest first. The
/// append-only triggers are lifted for this one transaction.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let backend = manager.get_database_backend();
    let rows = conn
        .query_all_raw(Statement::from_string(
            backend,
            "SELECT seq, id, workspace_id, aggregate_type, aggregate_id, event_type, actor_kind, actor_id, \
             request_id, ip, user_agent, payload, occurred_at FROM events ORDER BY seq",
        ))
        .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let (lift, restore) = match backend {
        DatabaseBackend::Postgres => (
            "ALTER TABLE events DISABLE TRIGGER events_no_update",
            "ALTER TABLE events ENABLE TRIGGER events_no_update",
        ),
        _ => (
            "DROP TRIGGER events_no_update",
            "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
             BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
        ),
    };
    conn.execute_unprepared(lift).await?;
    let mut heads: std::collections::HashMap<uuid::Uuid, (i64, String)> = std::collections::HashMap::new();
    for row in rows {
        let seq: i64 = row.try_get("", "seq")?;
        let workspace_id: Option<uuid::Uuid> = row.try_get("", "workspace_id")?;
        let chain = workspace_id.unwrap_or(ACCOUNT_CHAIN);
        let (last_seq, last_hash) = heads.entry(chain).or_insert_with(|| (0, GENESIS.to_owned()));
        let payload: serde_json::Value = row.try_get("", "payload")?;
        let occurred_at: chrono::DateTime<chrono::Utc> = row.try_get("", "occurred_at")?;
        let (aggregate_type, event_type, actor_kind): (String, String, String) =
            (row.try_get("", "aggregate_type")?, row.try_get("", "event_type")?, row.try_get("", "actor_kind")?);
        let (request_id, ip, user_agent): (Option<String>, Option<String>, Option<String>) =
            (row.try_get("", "request_id")?, row.try_get("", "ip")?, row.try_get("", "user_agent")?);
        let event = ChainedEvent {
            workspace_id,
            workspace_seq: *last_seq + 1,
            id: row.try_get("", "id")?,
            aggregate_type: &aggregate_type,
            aggregate_id: row.try_get("", "aggregate_id")?,
            event_type: &event_type,
            actor_kind: &actor_kind,
            actor_id: row.try_get("", "actor_id")?,
            request_id: request_id.as_deref(),
            ip: ip.as_deref(),
            user_agent: user_agent.as_deref(),
            occurred_at,
            payload: &payload,
        };
        let hash = event_hash(last_hash, &event);
        let update = Query::update()
            .table(Events::Table)
            .value(Events::ChainId, chain)
            .value(Events::ChainSeq, event.workspace_seq)
            .value(Events::PrevHash, last_hash.clone())
            .value(Events::Hash, hash.clone())
            .and_where(Expr::col(Alias::new("seq")).eq(seq))
            .to_owned();
        manager.exec_stmt(update).await?;
        *last_seq = event.workspace_seq;
        *last_hash = hash;
    }
    conn.execute_unprepared(restore).await?;
    for (chain, (last_seq, last_hash)) in heads {
        let insert = Query::insert()
            .into_table(AuditHeads::Table)
            .columns([AuditHeads::ChainId, AuditHeads::LastSeq, AuditHeads::LastHash])
            .values_panic([chain.into(), last_seq.into(), last_hash.into()])
            .to_owned();
        manager.exec_stmt(insert).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            ColumnDef::new(Events::ChainId).uuid().null().to_owned(),
            ColumnDef::new(Events::ChainSeq).big_integer().null().to_owned(),
            ColumnDef::new(Events::PrevHash).string().null().to_owned(),
            ColumnDef::new(Events::Hash).string().null().to_owned(),
        ] {
            // SQLite adds one column per statement.
            manager.alter_table(Table::alter().table(Events::Table).add_column(column).to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditHeads::Table)
                    .col(ColumnDef::new(AuditHeads::ChainId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(AuditHeads::LastSeq).big_integer().not_null())
                    .col(ColumnDef::new(AuditHeads::LastHash).string().not_null())
                    .to_owned(),
            )
            .await?;
        backfill(manager).await?;
        manager
            .create_index(
                Index::create()
                    .name("events_chain_position")
                    .table(Events::Table)
                    .col(Events::ChainId)
                    .col(Events::ChainSeq)
                    .unique()
                    .to_owned(),
            )
            .await
    }
}
