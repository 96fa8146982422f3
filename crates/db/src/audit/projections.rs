//! Read models projected from the event store: each workspace's activity
//! feed and usage figures, and the full-text index, stored as the domain's
//! projector decides (`cabinet_domain::audit::projector`). A batch's changes
//! are stored in one transaction with a conditional move of its chain's
//! cursor, so two workers never apply it twice.

use async_trait::async_trait;
use cabinet_domain::audit::chain::ACCOUNT_CHAIN;
use cabinet_domain::audit::{Activity, ReadModelChange, ReadModels, RecordedEvent, UnappliedEvents, UsageFigures};
use cabinet_domain::processing::{PROCESS_RETRY, VersionRef};
use cabinet_domain::{DomainError, DomainResult, WorkspaceId};
use sea_orm::sea_query::{Expr, ExprTrait as _, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement};
use uuid::Uuid;

use crate::conn::Conn;
use crate::entities::{
    activity_feed, events, projected_documents, projection_cursors, version_content, workspace_usage,
};
use crate::error::{DbResultExt, db_err};

/// The read models in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlProjections {
    db: Conn,
}

impl SqlProjections {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn recorded(row: events::Model) -> DomainResult<RecordedEvent> {
    Ok(RecordedEvent {
        seq: u64::try_from(row.seq).map_err(DomainError::internal)?,
        chain_seq: row.chain_seq.and_then(|s| u64::try_from(s).ok()).unwrap_or_default(),
        workspace: row.workspace_id.map(WorkspaceId::from_uuid),
        occurred_at: row.occurred_at,
        actor_kind: row.actor_kind,
        actor_id: row.actor_id,
        event_type: row.event_type,
        aggregate_type: row.aggregate_type,
        aggregate_id: row.aggregate_id,
        payload: row.payload,
    })
}

fn position(seq: u64) -> DomainResult<i64> {
    i64::try_from(seq).map_err(DomainError::internal)
}

/// Adds to a workspace's figures.
async fn add_usage<C: ConnectionTrait>(
    conn: &C,
    workspace: Uuid,
    documents: i64,
    versions: i64,
    bytes: i64,
) -> DomainResult<()> {
    let zero = workspace_usage::ActiveModel {
        workspace_id: Set(workspace),
        documents: Set(0),
        versions: Set(0),
        bytes: Set(0),
    };
    workspace_usage::Entity::insert(zero)
        .on_conflict(OnConflict::column(workspace_usage::Column::WorkspaceId).do_nothing().to_owned())
        .exec_without_returning(conn)
        .await
        .or_domain()?;
    workspace_usage::Entity::update_many()
        .col_expr(workspace_usage::Column::Documents, Expr::col(workspace_usage::Column::Documents).add(documents))
        .col_expr(workspace_usage::Column::Versions, Expr::col(workspace_usage::Column::Versions).add(versions))
        .col_expr(workspace_usage::Column::Bytes, Expr::col(workspace_usage::Column::Bytes).add(bytes))
        .filter(workspace_usage::Column::WorkspaceId.eq(workspace))
        .exec(conn)
        .await
        .or_domain()?;
    Ok(())
}

/// Takes a purged document out of its workspace's figures.
async fn forget_document<C: ConnectionTrait>(conn: &C, workspace: Uuid, document: Uuid) -> DomainResult<()> {
    if let Some(doc) = projected_documents::Entity::find_by_id(document).one(conn).await.or_domain()? {
        add_usage(conn, workspace, -1, -doc.versions, -doc.bytes).await?;
        projected_documents::Entity::delete_by_id(document).exec(conn).await.or_domain()?;
    }
    Ok(())
}

/// Queues the processing of a version that has none recorded (a replay
/// after a rebuild finds most processed already; the job id is derived
/// from the version, so a job still queued is not added twice).
async fn enqueue_processing<C: ConnectionTrait>(
    conn: &C,
    version: &VersionRef,
    at: chrono::DateTime<chrono::Utc>,
) -> DomainResult<()> {
    let number = i32::try_from(version.version).map_err(DomainError::internal)?;
    let processed =
        version_content::Entity::find_by_id((version.document_id.as_uuid(), number)).one(conn).await.or_domain()?;
    if processed.is_none() {
        crate::jobs::insert_job(conn, &version.process_job(PROCESS_RETRY, at).queued(at)).await?;
    }
    Ok(())
}

/// Stores one change.
async fn store<C: ConnectionTrait>(conn: &C, change: &ReadModelChange) -> DomainResult<()> {
    match change {
        ReadModelChange::Activity { workspace, chain_seq, entry } => {
            let feed = activity_feed::ActiveModel {
                seq: Set(position(entry.seq)?),
                workspace_id: Set(workspace.as_uuid()),
                chain_seq: Set(position(*chain_seq)?),
                occurred_at: Set(entry.occurred_at),
                actor_kind: Set(entry.actor_kind.clone()),
                actor_id: Set(entry.actor_id),
                event_type: Set(entry.event_type.clone()),
                aggregate_type: Set(entry.aggregate_type.clone()),
                aggregate_id: Set(entry.aggregate_id),
            };
            activity_feed::Entity::insert(feed).exec_without_returning(conn).await.or_domain()?;
        }
        ReadModelChange::CountDocument { workspace, document } => {
            let row = projected_documents::ActiveModel {
                document_id: Set(document.as_uuid()),
                workspace_id: Set(workspace.as_uuid()),
                versions: Set(0),
                bytes: Set(0),
            };
            projected_documents::Entity::insert(row).exec_without_returning(conn).await.or_domain()?;
            add_usage(conn, workspace.as_uuid(), 1, 0, 0).await?;
        }
        ReadModelChange::CountVersion { workspace, document, size } => {
            let size = i64::try_from(*size).map_err(DomainError::internal)?;
            projected_documents::Entity::update_many()
                .col_expr(
                    projected_documents::Column::Versions,
                    Expr::col(projected_documents::Column::Versions).add(1),
                )
                .col_expr(projected_documents::Column::Bytes, Expr::col(projected_documents::Column::Bytes).add(size))
                .filter(projected_documents::Column::DocumentId.eq(document.as_uuid()))
                .exec(conn)
                .await
                .or_domain()?;
            add_usage(conn, workspace.as_uuid(), 0, 1, size).await?;
        }
        ReadModelChange::UncountDocument { workspace, document } => {
            forget_document(conn, workspace.as_uuid(), document.as_uuid()).await?;
        }
        ReadModelChange::RefreshSearch(document) => crate::search::refresh(conn, document.as_uuid()).await?,
        ReadModelChange::ForgetSearch(document) => crate::search::forget(conn, document.as_uuid()).await?,
        ReadModelChange::ForgetWorkspaceSearch(workspace) => {
            crate::search::forget_workspace(conn, workspace.as_uuid()).await?;
        }
        ReadModelChange::ProcessVersion { version, added_at } => enqueue_processing(conn, version, *added_at).await?,
        other => {
            return Err(DomainError::Internal(format!("a read model change this adapter does not know: {other:?}")));
        }
    }
    Ok(())
}

#[async_trait]
impl ReadModels for SqlProjections {
    async fn lagging_chains(&self) -> DomainResult<Vec<Uuid>> {
        // Only chains whose head is past their cursor: the worker asks twice
        // a second, and most chains are idle.
        let backend = self.db.get_database_backend();
        let placeholder = if backend == sea_orm::DatabaseBackend::Postgres { "$1" } else { "?" };
        let lagging = format!(
            "SELECT h.chain_id FROM audit_heads h LEFT JOIN projection_cursors c ON c.chain_id = h.chain_id \
             WHERE h.chain_id <> {placeholder} AND h.last_seq > COALESCE(c.last_seq, 0)"
        );
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(backend, lagging, [ACCOUNT_CHAIN.into()]))
            .await
            .or_domain()?;
        rows.into_iter().map(|row| row.try_get("", "chain_id").or_domain()).collect()
    }

    async fn unapplied(&self, chain: Uuid, limit: u32) -> DomainResult<UnappliedEvents> {
        let cursor =
            projection_cursors::Entity::find_by_id(chain).one(&self.db).await.or_domain()?.map_or(0, |c| c.last_seq);
        let rows = events::Entity::find()
            .filter(events::Column::ChainId.eq(chain))
            .filter(events::Column::ChainSeq.gt(cursor))
            .order_by_asc(events::Column::ChainSeq)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?;
        Ok(UnappliedEvents {
            cursor: u64::try_from(cursor).map_err(DomainError::internal)?,
            events: rows.into_iter().map(recorded).collect::<DomainResult<_>>()?,
        })
    }

    #[tracing::instrument(skip(self, changes), fields(changes = changes.len()), err(level = "debug"))]
    async fn apply(&self, chain: Uuid, from: u64, to: u64, changes: &[ReadModelChange]) -> DomainResult<bool> {
        let (from, to) = (position(from)?, position(to)?);
        let cursor = projection_cursors::ActiveModel { chain_id: Set(chain), last_seq: Set(0) };
        projection_cursors::Entity::insert(cursor)
            .on_conflict(OnConflict::column(projection_cursors::Column::ChainId).do_nothing().to_owned())
            .exec_without_returning(&self.db)
            .await
            .or_domain()?;
        let txn = crate::error::begin_write(&self.db).await?;
        let moved = projection_cursors::Entity::update_many()
            .col_expr(projection_cursors::Column::LastSeq, Expr::value(to))
            .filter(projection_cursors::Column::ChainId.eq(chain))
            .filter(projection_cursors::Column::LastSeq.eq(from))
            .exec(&txn)
            .await
            .or_domain()?;
        if moved.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(false);
        }
        for change in changes {
            store(&txn, change).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(true)
    }

    async fn clear(&self) -> DomainResult<()> {
        let txn = crate::error::begin_write(&self.db).await?;
        activity_feed::Entity::delete_many().exec(&txn).await.or_domain()?;
        workspace_usage::Entity::delete_many().exec(&txn).await.or_domain()?;
        projected_documents::Entity::delete_many().exec(&txn).await.or_domain()?;
        projection_cursors::Entity::delete_many().exec(&txn).await.or_domain()?;
        crate::search::clear(&txn).await?;
        txn.commit().await.map_err(db_err)?;
        Ok(())
    }

    async fn activity(&self, workspace: WorkspaceId, before: Option<u64>, limit: u32) -> DomainResult<Vec<Activity>> {
        let mut select =
            activity_feed::Entity::find().filter(activity_feed::Column::WorkspaceId.eq(workspace.as_uuid()));
        if let Some(before) = before {
            select = select.filter(activity_feed::Column::Seq.lt(i64::try_from(before).unwrap_or(i64::MAX)));
        }
        select
            .order_by_desc(activity_feed::Column::Seq)
            .limit(u64::from(limit))
            .all(&self.db)
            .await
            .or_domain()?
            .into_iter()
            .map(|r| {
                Ok(Activity {
                    seq: u64::try_from(r.seq).map_err(DomainError::internal)?,
                    occurred_at: r.occurred_at,
                    actor_kind: r.actor_kind,
                    actor_id: r.actor_id,
                    event_type: r.event_type,
                    aggregate_type: r.aggregate_type,
                    aggregate_id: r.aggregate_id,
                })
            })
            .collect()
    }

    async fn figures(&self, workspace: WorkspaceId) -> DomainResult<UsageFigures> {
        let row = workspace_usage::Entity::find_by_id(workspace.as_uuid()).one(&self.db).await.or_domain()?;
        let count = |n: i64| u64::try_from(n).map_err(DomainError::internal);
        Ok(match row {
            Some(r) => {
                UsageFigures { documents: count(r.documents)?, versions: count(r.versions)?, bytes: count(r.bytes)? }
            }
            None => UsageFigures::default(),
        })
    }
}
