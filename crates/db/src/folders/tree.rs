//! Walking a folder's subtree, live or as trashed together.

use cabinet_domain::folders::Subtree;
use cabinet_domain::{DocumentId, DomainResult, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, sea_query::IntoCondition,
};
use uuid::Uuid;

use crate::entities::{documents, folders};
use crate::error::DbResultExt;

/// Which folders below a folder a subtree walk follows.
#[derive(Debug, Clone, Copy)]
pub(super) enum Which {
    /// Those not in the trash.
    Live,
    /// Those that went to the trash at this instant (together).
    TrashedAt(DateTime<Utc>),
    /// All of them: below a trashed folder, everything is in the trash.
    All,
}

/// A trashed folder of the workspace with everything below it, documents included.
pub(super) async fn trashed_subtree_of<C: ConnectionTrait>(
    conn: &C,
    workspace: WorkspaceId,
    id: FolderId,
) -> DomainResult<Option<Subtree>> {
    let trashed = folders::Entity::find_by_id(id.as_uuid())
        .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(folders::Column::TrashedAt.is_not_null())
        .one(conn)
        .await
        .or_domain()?;
    if trashed.is_none() {
        return Ok(None);
    }
    let mut folder_ids = subtree(conn, id.as_uuid(), Which::All).await?;
    let mut document_ids: Vec<Uuid> = documents::Entity::find()
        .select_only()
        .column(documents::Column::Id)
        .filter(documents::Column::FolderId.is_in(folder_ids.clone()))
        .into_tuple()
        .all(conn)
        .await
        .or_domain()?;
    // A stable order, so two reads of the same subtree compare equal.
    folder_ids[1..].sort_unstable();
    document_ids.sort_unstable();
    Ok(Some(Subtree {
        root: id,
        folders: folder_ids.into_iter().map(FolderId::from_uuid).collect(),
        documents: document_ids.into_iter().map(DocumentId::from_uuid).collect(),
    }))
}

/// A folder and the folders below it, level by level: the live ones
/// (`stamp` = `None`) or those trashed at `stamp`.
pub(super) async fn subtree<C: ConnectionTrait>(conn: &C, root: Uuid, which: Which) -> DomainResult<Vec<Uuid>> {
    let mut all = vec![root];
    let mut frontier = vec![root];
    while !frontier.is_empty() {
        let trashed = match which {
            Which::Live => folders::Column::TrashedAt.is_null().into_condition(),
            Which::TrashedAt(at) => folders::Column::TrashedAt.eq(at).into_condition(),
            Which::All => Condition::all(),
        };
        let children: Vec<Uuid> = folders::Entity::find()
            .select_only()
            .column(folders::Column::Id)
            .filter(folders::Column::ParentId.is_in(frontier))
            .filter(trashed)
            .into_tuple()
            .all(conn)
            .await
            .or_domain()?;
        all.extend(&children);
        frontier = children;
    }
    Ok(all)
}
