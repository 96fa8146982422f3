//! Read models projected from the event store: each workspace's activity
//! feed and usage figures, and the full-text index. Adding a version also
//! enqueues the job that extracts its text and makes its thumbnail.
//!
//! Events are applied per chain in chain order, because a chain's positions
//! are assigned under its head's lock and so commit in order: a cursor per
//! chain never skips an event that committed late, as a cursor over the
//! global sequence could. Each batch is applied in one transaction with a
//! conditional move of its cursor, so two workers never apply it twice.

use async_trait::async_trait;
use cabinet_domain::audit::Projections;
use cabinet_domain::audit::chain::ACCOUNT_CHAIN;
use cabinet_domain::audit::{Activity, UsageFigures};
use cabinet_domain::processing::{PROCESS_RETRY, VersionRef};
use cabinet_domain::{DocumentId, DomainError, DomainResult, WorkspaceId};
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
    process_versions: bool,
}

impl SqlProjections {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db, process_versions: true }
    }

    /// Whether adding a version enqueues its processing (text extraction
    /// and thumbnail); on unless extraction is turned off.
    #[must_use]
    pub fn processing_versions(mut self, on: bool) -> Self {
        self.process_versions = on;
        self
    }

    /// Applies up to `batch` events of one chain after its cursor; returns
    /// how many (0 when another worker moved the cursor first).
    async fn apply_chain(&self, chain: Uuid, batch: u32) -> DomainResult<u64> {
        let cursor = projection_cursors::ActiveModel { chain_id: Set(chain), last_seq: Set(0) };
        projection_cursors::Entity::insert(cursor)
            .on_conflict(OnConflict::column(projection_cursors::Column::ChainId).do_nothing().to_owned())
            .exec_without_returning(&self.db)
            .await
            .or_domain()?;
        let txn = crate::error::begin_write(&self.db).await?;
        let from = projection_cursors::Entity::find_by_id(chain).one(&txn).await.or_domain()?.map_or(0, |c| c.last_seq);
        let rows = events::Entity::find()
            .filter(events::Column::ChainId.eq(chain))
            .filter(events::Column::ChainSeq.gt(from))
            .order_by_asc(events::Column::ChainSeq)
            .limit(u64::from(batch))
            .all(&txn)
            .await
            .or_domain()?;
        let Some(to) = rows.last().and_then(|r| r.chain_seq) else {
            txn.rollback().await.map_err(db_err)?;
            return Ok(0);
        };
        let moved = projection_cursors::Entity::update_many()
            .col_expr(projection_cursors::Column::LastSeq, Expr::value(to))
            .filter(projection_cursors::Column::ChainId.eq(chain))
            .filter(projection_cursors::Column::LastSeq.eq(from))
            .exec(&txn)
            .await
            .or_domain()?;
        if moved.rows_affected != 1 {
            txn.rollback().await.map_err(db_err)?;
            return Ok(0);
        }
        let applied = rows.len() as u64;
        for row in rows {
            apply(&txn, row, self.process_versions).await?;
        }
        txn.commit().await.map_err(db_err)?;
        Ok(applied)
    }
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

fn uuid_field(payload: &serde_json::Value, field: &str) -> DomainResult<Uuid> {
    payload[field]
        .as_str()
        .and_then(|s| Uuid::parse_str(s).ok())
        .ok_or_else(|| DomainError::Internal(format!("event payload without {field}")))
}

/// Enqueues the processing of a version that has none recorded (a replay
/// after a rebuild finds most processed already; the job id is derived
/// from the version, so a job still queued is not added twice).
async fn enqueue_processing<C: ConnectionTrait>(
    conn: &C,
    workspace: Uuid,
    payload: &serde_json::Value,
    at: chrono::DateTime<chrono::Utc>,
) -> DomainResult<()> {
    let document = uuid_field(payload, "document_id")?;
    let number = payload["number"].as_u64().and_then(|n| u32::try_from(n).ok());
    let number = number.ok_or_else(|| DomainError::internal("a version without a number"))?;
    let processed =
        version_content::Entity::find_by_id((document, i32::try_from(number).map_err(DomainError::internal)?))
            .one(conn)
            .await
            .or_domain()?;
    if processed.is_none() {
        let target = VersionRef {
            workspace_id: WorkspaceId::from_uuid(workspace),
            document_id: DocumentId::from_uuid(document),
            version: number,
        };
        crate::jobs::insert_job(conn, &target.process_job(PROCESS_RETRY, at).queued(at)).await?;
    }
    Ok(())
}

/// Applies one event to every read model.
async fn apply<C: ConnectionTrait>(conn: &C, row: events::Model, process_versions: bool) -> DomainResult<()> {
    let Some(workspace) = row.workspace_id else {
        return Ok(());
    };
    let feed = activity_feed::ActiveModel {
        seq: Set(row.seq),
        workspace_id: Set(workspace),
        chain_seq: Set(row.chain_seq.unwrap_or_default()),
        occurred_at: Set(row.occurred_at),
        actor_kind: Set(row.actor_kind.clone()),
        actor_id: Set(row.actor_id),
        event_type: Set(row.event_type.clone()),
        aggregate_type: Set(row.aggregate_type.clone()),
        aggregate_id: Set(row.aggregate_id),
    };
    activity_feed::Entity::insert(feed).exec_without_returning(conn).await.or_domain()?;
    let payload = &row.payload;
    if row.aggregate_type == "document" {
        crate::search::refresh(conn, row.aggregate_id).await?;
    }
    match row.event_type.as_str() {
        "document.created.v1" => {
            let document = projected_documents::ActiveModel {
                document_id: Set(uuid_field(payload, "document_id")?),
                workspace_id: Set(workspace),
                versions: Set(0),
                bytes: Set(0),
            };
            projected_documents::Entity::insert(document).exec_without_returning(conn).await.or_domain()?;
            add_usage(conn, workspace, 1, 0, 0).await?;
        }
        "document.version_added.v1" => {
            let document = uuid_field(payload, "document_id")?;
            let size = payload["size"].as_i64().ok_or_else(|| DomainError::internal("a version without a size"))?;
            projected_documents::Entity::update_many()
                .col_expr(
                    projected_documents::Column::Versions,
                    Expr::col(projected_documents::Column::Versions).add(1),
                )
                .col_expr(projected_documents::Column::Bytes, Expr::col(projected_documents::Column::Bytes).add(size))
                .filter(projected_documents::Column::DocumentId.eq(document))
                .exec(conn)
                .await
                .or_domain()?;
            add_usage(conn, workspace, 0, 1, size).await?;
            if process_versions {
                enqueue_processing(conn, workspace, payload, row.occurred_at).await?;
            }
        }
        "document.purged.v1" => forget_document(conn, workspace, uuid_field(payload, "document_id")?).await?,
        "workspace.deleted.v1" => crate::search::forget_workspace(conn, workspace).await?,
        "folder.purged.v1" => {
            for id in payload["document_ids"].as_array().into_iter().flatten() {
                let id = id.as_str().and_then(|s| Uuid::parse_str(s).ok());
                let id = id.ok_or_else(|| DomainError::internal("a purge naming a malformed document"))?;
                forget_document(conn, workspace, id).await?;
                crate::search::forget(conn, id).await?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[async_trait]
impl Projections for SqlProjections {
    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn catch_up(&self, batch: u32) -> DomainResult<u64> {
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
        let mut applied = 0;
        for row in rows {
            let chain: Uuid = row.try_get("", "chain_id").or_domain()?;
            applied += self.apply_chain(chain, batch).await?;
        }
        Ok(applied)
    }

    #[tracing::instrument(skip(self), err(level = "debug"))]
    async fn rebuild(&self) -> DomainResult<u64> {
        let txn = crate::error::begin_write(&self.db).await?;
        activity_feed::Entity::delete_many().exec(&txn).await.or_domain()?;
        workspace_usage::Entity::delete_many().exec(&txn).await.or_domain()?;
        projected_documents::Entity::delete_many().exec(&txn).await.or_domain()?;
        projection_cursors::Entity::delete_many().exec(&txn).await.or_domain()?;
        crate::search::clear(&txn).await?;
        txn.commit().await.map_err(db_err)?;
        let mut total = 0;
        loop {
            let applied = self.catch_up(1000).await?;
            if applied == 0 {
                return Ok(total);
            }
            total += applied;
        }
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
