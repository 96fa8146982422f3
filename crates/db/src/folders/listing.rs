//! A folder's children, a page at a time: subfolders first, then
//! documents, each in the requested order, by keyset.

use cabinet_domain::folders::{ChildCursor, ChildOrder, Children};
use cabinet_domain::{DomainError, DomainResult, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait as _};
use sea_orm::{ColumnTrait, Condition, EntityTrait, Order, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::conn::Conn;
use crate::convert;
use crate::entities::{documents, folders};
use crate::error::DbResultExt;

/// A page of `parent`'s live children after `after`.
pub(super) async fn children(
    db: &Conn,
    workspace: WorkspaceId,
    parent: FolderId,
    order: ChildOrder,
    after: Option<ChildCursor>,
    limit: u32,
) -> DomainResult<Children> {
    let limit = limit as usize;
    let (folder_after, document_after) = match after {
        None => (None, None),
        Some(ChildCursor::Folder { key, id }) => (Some((key, id)), None),
        Some(ChildCursor::Document { key, id }) => (None, Some((key, id))),
    };
    let mut folders = Vec::new();
    // A document cursor means the subfolders were all listed already.
    if document_after.is_none() {
        let query = folders::Entity::find()
            .filter(folders::Column::WorkspaceId.eq(workspace.as_uuid()))
            .filter(folders::Column::ParentId.eq(parent.as_uuid()))
            .filter(folders::Column::TrashedAt.is_null());
        let (name, updated) = (folders::Column::NameKey, folders::Column::UpdatedAt);
        folders = keyset(db, query, (name, updated, folders::Column::Id), order, folder_after, limit + 1).await?;
        if folders.len() > limit {
            folders.truncate(limit);
            let next = folders
                .last()
                .map(|f| ChildCursor::Folder { key: sort_key(order, &f.name_key, f.updated_at), id: f.id });
            return Ok(Children { folders: convert_all(folders, convert::folder)?, documents: Vec::new(), next });
        }
    }
    let room = limit - folders.len();
    let query = documents::Entity::find()
        .filter(documents::Column::WorkspaceId.eq(workspace.as_uuid()))
        .filter(documents::Column::FolderId.eq(parent.as_uuid()))
        .filter(documents::Column::TrashedAt.is_null());
    let (name, updated) = (documents::Column::NameKey, documents::Column::UpdatedAt);
    let mut docs = keyset(db, query, (name, updated, documents::Column::Id), order, document_after, room + 1).await?;
    let next = if docs.len() > room {
        docs.truncate(room);
        match docs.last() {
            Some(d) => Some(ChildCursor::Document { key: sort_key(order, &d.name_key, d.updated_at), id: d.id }),
            // The page filled up with folders exactly; documents start the next one.
            None => folders
                .last()
                .map(|f| ChildCursor::Folder { key: sort_key(order, &f.name_key, f.updated_at), id: f.id }),
        }
    } else {
        None
    };
    Ok(Children {
        folders: convert_all(folders, convert::folder)?,
        documents: convert_all(docs, convert::document)?,
        next,
    })
}

fn convert_all<M, T>(rows: Vec<M>, f: fn(M) -> DomainResult<T>) -> DomainResult<Vec<T>> {
    rows.into_iter().map(f).collect()
}

fn sort_key(order: ChildOrder, name_key: &str, updated_at: DateTime<Utc>) -> String {
    match order {
        ChildOrder::NameAsc | ChildOrder::NameDesc => name_key.to_owned(),
        ChildOrder::UpdatedAsc | ChildOrder::UpdatedDesc => updated_at.to_rfc3339(),
    }
}

/// One keyset page of `query` ordered by name or update time, then id,
/// strictly after `after` (a sort key and id).
async fn keyset<E>(
    db: &Conn,
    query: sea_orm::Select<E>,
    (name, updated, id): (E::Column, E::Column, E::Column),
    order: ChildOrder,
    after: Option<(String, Uuid)>,
    limit: usize,
) -> DomainResult<Vec<E::Model>>
where
    E: EntityTrait,
{
    let (column, direction) = match order {
        ChildOrder::NameAsc => (name, Order::Asc),
        ChildOrder::NameDesc => (name, Order::Desc),
        ChildOrder::UpdatedAsc => (updated, Order::Asc),
        ChildOrder::UpdatedDesc => (updated, Order::Desc),
    };
    let mut query = query.order_by(column, direction.clone()).order_by(id, direction.clone()).limit(limit as u64);
    if let Some((key, after_id)) = after {
        let key: sea_orm::Value = match order {
            ChildOrder::NameAsc | ChildOrder::NameDesc => key.into(),
            ChildOrder::UpdatedAsc | ChildOrder::UpdatedDesc => DateTime::parse_from_rfc3339(&key)
                .map_err(|_| DomainError::invalid("cursor", "the cursor is not valid"))?
                .with_timezone(&Utc)
                .into(),
        };
        let (beyond_key, beyond_id) = match direction {
            Order::Desc => (Expr::col(column).lt(key.clone()), Expr::col(id).lt(after_id)),
            _ => (Expr::col(column).gt(key.clone()), Expr::col(id).gt(after_id)),
        };
        query = query.filter(
            Condition::any().add(beyond_key).add(Condition::all().add(Expr::col(column).eq(key)).add(beyond_id)),
        );
    }
    query.all(db).await.or_domain()
}
