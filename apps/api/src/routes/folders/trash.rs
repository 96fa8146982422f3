//! The trash: deleting moves things here; restoring brings them back.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::{DocumentId, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

/// Something in the trash.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashItemDto {
    /// `folder` or `document`.
    pub kind: &'static str,
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Where it was.
    pub parent_id: Option<Uuid>,
    /// When it went to the trash.
    pub trashed_at: DateTime<Utc>,
}

/// The trash's content.
#[derive(Debug, Serialize, ToSchema)]
pub struct TrashDto {
    /// Items trashed on their own, newest first (a trashed folder stands for what was in it).
    pub items: Vec<TrashItemDto>,
    /// Always null.
    pub next_cursor: Option<String>,
}

/// What the workspace's trash holds.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/trash", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The trash", body = TrashDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    let trash = app.folders.trash_items(&caller.0, ws.into_inner()).await?;
    let mut items: Vec<TrashItemDto> = trash
        .folders
        .into_iter()
        .map(|(f, at)| TrashItemDto {
            kind: "folder",
            id: f.id.as_uuid(),
            name: f.name.as_str().to_owned(),
            parent_id: f.parent_id.map(|p| p.as_uuid()),
            trashed_at: at,
        })
        .chain(trash.documents.into_iter().map(|(d, at)| TrashItemDto {
            kind: "document",
            id: d.id.as_uuid(),
            name: d.name.as_str().to_owned(),
            parent_id: Some(d.folder_id.as_uuid()),
            trashed_at: at,
        }))
        .collect();
    items.sort_by_key(|item| std::cmp::Reverse(item.trashed_at));
    Ok(HttpResponse::Ok().json(TrashDto { items, next_cursor: None }))
}

/// Move a document to the trash (editors and above).
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/documents/{id}", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 204, description = "In the trash"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or live document", body = Problem),
    ))]
pub async fn trash_document(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.documents.trash(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bring a document back from the trash (editors and above).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/documents/{id}/restore", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 204, description = "Restored"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "Not in the trash, or its folder is", body = Problem),
        (status = 409, description = "Its name was taken meanwhile", body = Problem),
    ))]
pub async fn restore_document(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.documents.restore(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Move a folder, with everything in it, to the trash (editors and above).
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/folders/{id}", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id")),
    responses(
        (status = 204, description = "In the trash"),
        (status = 403, description = "Role too low, or the root folder", body = Problem),
        (status = 404, description = "No such workspace or live folder", body = Problem),
    ))]
pub async fn trash_folder(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.folders.trash(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Bring a folder back from the trash with what was trashed with it.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/folders/{id}/restore", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id")),
    responses(
        (status = 204, description = "Restored"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "Not in the trash, or its parent is", body = Problem),
        (status = 409, description = "Its name was taken meanwhile", body = Problem),
    ))]
pub async fn restore_folder(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.folders.restore(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a trashed document for good, with every version and share link
/// (admins and owners). Its content goes once no other version uses it.
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/trash/documents/{id}", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not in the trash", body = Problem),
    ))]
pub async fn purge_document(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.documents.purge(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Delete a trashed folder for good, with everything below it (admins and owners).
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/trash/folders/{id}", tag = "trash", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id")),
    responses(
        (status = 204, description = "Deleted for good"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not in the trash", body = Problem),
    ))]
pub async fn purge_folder(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.folders.purge(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
