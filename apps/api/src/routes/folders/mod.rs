//! Folders: create, read with breadcrumbs, rename, move, list children.

pub mod trash;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cabinet_bootstrap::App;
use cabinet_domain::documents::Document;
use cabinet_domain::folders::{ChildCursor, ChildOrder, Folder};
use cabinet_domain::{FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::idempotency::idempotent;
use crate::problem::{ApiError, Problem};

/// `POST /workspaces/{ws}/folders`
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateFolderRequest {
    /// The name: 1 to 255 characters, no `/`.
    pub name: String,
    /// The parent folder; the workspace's `root_folder_id` for the top level.
    pub parent_id: Uuid,
}

/// `PATCH /workspaces/{ws}/folders/{id}`: rename, move, or both.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateFolderRequest {
    /// A new name.
    pub name: Option<String>,
    /// A new parent.
    pub parent_id: Option<Uuid>,
}

/// A folder.
#[derive(Debug, Serialize, ToSchema)]
pub struct FolderDto {
    /// Always `folder`, to tell folders from documents in listings.
    #[schema(pattern = "^folder$")]
    pub kind: &'static str,
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// Parent; null for the root.
    pub parent_id: Option<Uuid>,
    /// Who created it, when a person did.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Folder> for FolderDto {
    fn from(f: Folder) -> Self {
        Self {
            kind: "folder",
            id: f.id.as_uuid(),
            name: f.name.as_str().to_owned(),
            parent_id: f.parent_id.map(|p| p.as_uuid()),
            created_by: f.created_by.map(|u| u.as_uuid()),
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

/// One step of a folder's path.
#[derive(Debug, Serialize, ToSchema)]
pub struct CrumbDto {
    /// Folder id.
    pub id: Uuid,
    /// Folder name.
    pub name: String,
}

/// A folder with its breadcrumbs.
#[derive(Debug, Serialize, ToSchema)]
pub struct FolderDetailDto {
    /// The folder.
    #[serde(flatten)]
    pub folder: FolderDto,
    /// The path from the root to the folder, both included.
    pub breadcrumbs: Vec<CrumbDto>,
}

/// A document as listed among a folder's children.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentSummaryDto {
    /// Always `document`.
    #[schema(pattern = "^document$")]
    pub kind: &'static str,
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The newest version's number.
    pub current_version: u32,
    /// The newest version's size in bytes.
    pub size: u64,
    /// The newest version's media type.
    pub content_type: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<Document> for DocumentSummaryDto {
    fn from(d: Document) -> Self {
        Self {
            kind: "document",
            id: d.id.as_uuid(),
            name: d.name.as_str().to_owned(),
            current_version: d.current_version,
            size: d.size,
            content_type: d.content_type,
            created_at: d.created_at,
            updated_at: d.updated_at,
        }
    }
}

/// A child of a folder: a subfolder or a document, told apart by `kind`.
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ChildDto {
    /// A subfolder.
    Folder(FolderDto),
    /// A document.
    Document(DocumentSummaryDto),
}

/// A page of children.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChildrenDto {
    /// Subfolders first, then documents, each in the requested order.
    pub items: Vec<ChildDto>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// `?sort=&limit=&cursor=`
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ChildrenQuery {
    /// `name` (default), `-name`, `updated`, `-updated`.
    pub sort: Option<String>,
    /// Items per page: default 50, from 1 to 200; other values are refused.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CursorWire {
    /// `f` after a folder, `d` after a document.
    t: char,
    k: String,
    i: Uuid,
}

fn encode_cursor(cursor: &ChildCursor) -> String {
    let wire = match cursor {
        ChildCursor::Folder { key, id } => CursorWire { t: 'f', k: key.clone(), i: *id },
        ChildCursor::Document { key, id } => CursorWire { t: 'd', k: key.clone(), i: *id },
    };
    URL_SAFE_NO_PAD.encode(serde_json::to_vec(&wire).unwrap_or_default())
}

fn decode_cursor(raw: &str) -> Result<ChildCursor, ApiError> {
    let invalid = ApiError::invalid_cursor;
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    let wire: CursorWire = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    match wire.t {
        'f' => Ok(ChildCursor::Folder { key: wire.k, id: wire.i }),
        'd' => Ok(ChildCursor::Document { key: wire.k, id: wire.i }),
        _ => Err(invalid()),
    }
}

/// Create a folder (editors and above).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/folders", tag = "folders", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    request_body = CreateFolderRequest,
    responses(
        (status = 201, description = "Created", body = FolderDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or parent", body = Problem),
        (status = 409, description = "Name taken, or too deep", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    ))]
pub async fn create(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    ws: web::Path<WorkspaceId>,
    body: Json<CreateFolderRequest>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let content = serde_json::to_vec(&*body).unwrap_or_default();
    idempotent(&app, &req, &caller.0, &content, || async {
        let folder = app.folders.create(&caller.0, ws, FolderId::from_uuid(body.parent_id), &body.name).await?;
        let location = format!("/api/v1/workspaces/{ws}/folders/{}", folder.id);
        Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(FolderDto::from(folder)))
    })
    .await
}

/// A folder with its breadcrumbs.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/folders/{id}", tag = "folders", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id")),
    responses(
        (status = 200, description = "The folder", body = FolderDetailDto),
        (status = 404, description = "No such workspace or folder", body = Problem),
    ))]
pub async fn get(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let path = app.folders.get(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok().json(detail(path)?))
}

fn detail(path: Vec<Folder>) -> Result<FolderDetailDto, ApiError> {
    let breadcrumbs = path.iter().map(|f| CrumbDto { id: f.id.as_uuid(), name: f.name.as_str().to_owned() }).collect();
    let folder = path
        .into_iter()
        .last()
        .ok_or_else(|| ApiError::from(cabinet_domain::DomainError::internal("empty folder path")))?;
    Ok(FolderDetailDto { folder: folder.into(), breadcrumbs })
}

/// Rename and/or move a folder (editors and above).
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}/folders/{id}", tag = "folders", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id")),
    request_body = UpdateFolderRequest,
    responses(
        (status = 200, description = "Updated", body = FolderDetailDto),
        (status = 403, description = "Role too low, or the root folder", body = Problem),
        (status = 404, description = "No such workspace, folder or parent", body = Problem),
        (status = 409, description = "Name taken, cycle, or too deep", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    ))]
pub async fn update(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
    body: Json<UpdateFolderRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let (ws, id) = (ws, id);
    if let Some(name) = &body.name {
        app.folders.rename(&caller.0, ws, id, name).await?;
    }
    if let Some(parent) = body.parent_id {
        app.folders.move_to(&caller.0, ws, id, FolderId::from_uuid(parent)).await?;
    }
    let path = app.folders.get(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok().json(detail(path)?))
}

/// A page of a folder's children: subfolders, then documents.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/folders/{id}/children", tag = "folders", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id"), ChildrenQuery),
    responses(
        (status = 200, description = "Children", body = ChildrenDto),
        (status = 400, description = "Invalid cursor", body = Problem),
        (status = 404, description = "No such workspace or folder", body = Problem),
        (status = 422, description = "Invalid sort", body = Problem),
    ))]
pub async fn children(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, FolderId)>,
    query: web::Query<ChildrenQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let order = query.sort.as_deref().map(ChildOrder::parse).transpose()?.unwrap_or_default();
    let after = query.cursor.as_deref().map(decode_cursor).transpose()?;
    let page =
        app.folders.children(&caller.0, ws, id, order, after, Some(crate::dto::page_limit(query.limit)?)).await?;
    Ok(HttpResponse::Ok().json(ChildrenDto {
        items: page
            .folders
            .into_iter()
            .map(|f| ChildDto::Folder(f.into()))
            .chain(page.documents.into_iter().map(|d| ChildDto::Document(d.into())))
            .collect(),
        next_cursor: page.next.as_ref().map(encode_cursor),
    }))
}
