//! Documents: upload, versions, metadata and streamed downloads.

use actix_web::http::header::{self};
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::documents::DocumentChanges;
use cabinet_domain::documents::{Document, DocumentVersion};
use cabinet_domain::{DocumentId, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::http::conditional::{parse_if_match, revision_etag, revision_matches};
use crate::http::json::Json;
use crate::problem::{ApiError, Problem};

pub mod transfer;

/// One version of a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// 1, 2, 3…
    pub number: u32,
    /// Bytes.
    pub size: u64,
    /// The media type Cabinet decided from the content.
    pub content_type: String,
    /// The uploaded file's name.
    pub filename: String,
    /// SHA-256 of the content, also its ETag.
    pub sha256: String,
    /// The uploader, when a person.
    pub author: Option<Uuid>,
    /// The uploader's note.
    pub note: Option<String>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

impl From<DocumentVersion> for VersionDto {
    fn from(v: DocumentVersion) -> Self {
        Self {
            number: v.number,
            size: v.size,
            content_type: v.content_type,
            filename: v.filename.as_str().to_owned(),
            sha256: v.sha256.as_str().to_owned(),
            author: v.author.map(|a| a.as_uuid()),
            note: v.note,
            created_at: v.created_at,
        }
    }
}

/// A document with its current version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    /// Always `document`.
    #[schema(pattern = "^document$")]
    pub kind: &'static str,
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The folder it is in.
    pub folder_id: Uuid,
    /// Its newest version.
    pub current_version: VersionDto,
    /// Free-text description.
    pub description: String,
    /// Labels.
    pub tags: Vec<String>,
    /// Custom string fields.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Bumped by every change; the ETag is `"r<revision>"`.
    pub revision: u64,
    /// The creator, when a person.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn document_dto(d: Document, current: DocumentVersion) -> DocumentDto {
    DocumentDto {
        kind: "document",
        id: d.id.as_uuid(),
        name: d.name.as_str().to_owned(),
        folder_id: d.folder_id.as_uuid(),
        current_version: current.into(),
        description: d.description,
        tags: d.tags,
        metadata: d.metadata,
        revision: d.revision,
        created_by: d.created_by.map(|u| u.as_uuid()),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// A list of versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionListDto {
    /// Newest first.
    pub items: Vec<VersionDto>,
    /// Always null: every version fits one page.
    pub next_cursor: Option<String>,
}

/// A document with its current version.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentDto),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 404, description = "No such workspace or document", body = Problem),
    ))]
pub async fn get(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let (document, current) = app.documents.get(&caller.0, ws, id).await?;
    let etag = revision_etag(document.revision);
    if revision_matches(req.headers(), &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag)).json(document_dto(document, current)))
}

/// `PATCH /documents/{id}`: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDocumentRequest {
    /// A new name.
    pub name: Option<String>,
    /// Move to this folder.
    pub folder_id: Option<Uuid>,
    /// A new description.
    pub description: Option<String>,
    /// New tags (replacing the old).
    pub tags: Option<Vec<String>>,
    /// New metadata (replacing the old).
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// Rename, move, describe, tag or annotate a document (editors and above).
/// Send `If-Match` with the ETag from `GET` to refuse lost updates.
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    request_body = UpdateDocumentRequest,
    responses(
        (status = 200, description = "Updated", body = DocumentDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, document or folder", body = Problem),
        (status = 409, description = "Name taken", body = Problem),
        (status = 412, description = "The document changed since it was read", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
pub async fn update(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId)>,
    body: Json<UpdateDocumentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let (ws, id) = (ws, id);
    let if_match = parse_if_match(req.headers())?;
    let body = body.into_inner();
    let changes = DocumentChanges {
        name: body.name,
        folder_id: body.folder_id.map(FolderId::from_uuid),
        description: body.description,
        tags: body.tags,
        metadata: body.metadata,
    };
    app.documents.update(&caller.0, ws, id, changes, if_match).await?;
    let (document, current) = app.documents.get(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, revision_etag(document.revision)))
        .json(document_dto(document, current)))
}

/// Every version of a document, newest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/versions", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "Versions", body = VersionListDto),
        (status = 404, description = "No such workspace or document", body = Problem),
    ))]
pub async fn versions(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let versions = app.documents.versions(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok()
        .json(VersionListDto { items: versions.into_iter().map(Into::into).collect(), next_cursor: None }))
}
