//! Deleting documents for good, and releasing the content no version
//! references any more.

use cabinet_domain::{DomainResult, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

use super::unreferenced;
use crate::entities::{blobs, document_versions, documents, share_links};
use crate::error::DbResultExt;

/// Marks content of `workspace` among `digests` that no version references
/// any more as released at `now`; collection deletes it after the grace.
pub(crate) async fn release_unreferenced<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    digests: Vec<String>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if digests.is_empty() {
        return Ok(());
    }
    blobs::Entity::update_many()
        .col_expr(blobs::Column::ReleasedAt, Expr::value(now))
        .filter(blobs::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(blobs::Column::Sha256.is_in(digests))
        .filter(blobs::Column::ReleasedAt.is_null())
        .filter(unreferenced())
        .exec(conn)
        .await
        .or_domain()?;
    Ok(())
}

/// Deletes documents (with their versions and share links) and releases
/// the content nothing references any more.
pub(crate) async fn delete_documents<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    ids: Vec<uuid::Uuid>,
    now: DateTime<Utc>,
) -> DomainResult<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let digests: Vec<String> = document_versions::Entity::find()
        .select_only()
        .column(document_versions::Column::Sha256)
        .distinct()
        .filter(document_versions::Column::DocumentId.is_in(ids.clone()))
        .into_tuple()
        .all(conn)
        .await
        .or_domain()?;
    share_links::Entity::delete_many()
        .filter(share_links::Column::DocumentId.is_in(ids.clone()))
        .exec(conn)
        .await
        .or_domain()?;
    document_versions::Entity::delete_many()
        .filter(document_versions::Column::DocumentId.is_in(ids.clone()))
        .exec(conn)
        .await
        .or_domain()?;
    documents::Entity::delete_many().filter(documents::Column::Id.is_in(ids)).exec(conn).await.or_domain()?;
    release_unreferenced(conn, workspace, digests, now).await
}
