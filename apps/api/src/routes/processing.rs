//! Processing: a version's text extraction state and its thumbnails.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::processing::{TextStatus, VersionContent};
use cabinet_domain::{DocumentId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

/// What processing found of a version.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProcessingDto {
    /// The version.
    pub version: u32,
    /// `pending`, `extracted`, `unsupported` (found by name and metadata
    /// only), `too_large`, `malformed`, `refused` (a decompression or pixel
    /// bomb), `timed_out` or `failed`.
    pub text_status: &'static str,
    /// Why no text could be extracted, or no thumbnail made.
    pub detail: Option<String>,
    /// Bytes of text extracted.
    pub text_bytes: u64,
    /// Whether `…/thumbnail` has a picture of it.
    pub thumbnail: bool,
    /// When it was processed.
    pub processed_at: Option<DateTime<Utc>>,
}

fn processing_dto(version: u32, record: Option<VersionContent>) -> ProcessingDto {
    match record {
        Some(r) => ProcessingDto {
            version: r.version,
            text_status: r.text_status.as_str(),
            detail: r.detail,
            text_bytes: r.text_bytes,
            thumbnail: r.thumbnail.is_some(),
            processed_at: Some(r.processed_at),
        },
        None => ProcessingDto {
            version,
            text_status: TextStatus::Pending.as_str(),
            detail: None,
            text_bytes: 0,
            thumbnail: false,
            processed_at: None,
        },
    }
}

/// Whether a version's text was extracted for search and a thumbnail made.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/processing", tag = "documents",
    security(("bearer" = [])),
    params(
        ("ws" = Uuid, Path, description = "Workspace id"),
        ("id" = Uuid, Path, description = "Document id"),
        ("n" = u32, Path, description = "Version number"),
    ),
    responses(
        (status = 200, description = "The version's processing", body = ProcessingDto),
        (status = 404, description = "No such workspace, document or version", body = Problem),
    ))]
pub async fn processing(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    let record = app.content.status(&caller.0, ws, id, Some(n)).await?;
    Ok(HttpResponse::Ok().json(processing_dto(n, record)))
}

/// The current version's thumbnail (PNG), once processing made one.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/thumbnail", tag = "documents",
    security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace or document, or no thumbnail (yet)", body = Problem),
    ))]
pub async fn thumbnail(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    send_thumbnail(&app, &caller, &req, ws, id, None).await
}

/// One version's thumbnail (PNG).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/thumbnail", tag = "documents",
    security(("bearer" = [])),
    params(
        ("ws" = Uuid, Path, description = "Workspace id"),
        ("id" = Uuid, Path, description = "Document id"),
        ("n" = u32, Path, description = "Version number"),
    ),
    responses(
        (status = 200, description = "The thumbnail", content_type = "image/png"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace, document or version, or no thumbnail (yet)", body = Problem),
    ))]
pub async fn version_thumbnail(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    send_thumbnail(&app, &caller, &req, ws, id, Some(n)).await
}

async fn send_thumbnail(
    app: &App,
    caller: &Authenticated,
    req: &HttpRequest,
    ws: WorkspaceId,
    id: DocumentId,
    number: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let (record, content) = app.content.thumbnail(&caller.0, ws, id, number).await?;
    // A version's thumbnail never changes; the document's changes with its
    // current version, which the tag names.
    let etag = format!("\"thumb-v{}\"", record.version);
    let cache = if number.is_some() { "private, max-age=31536000, immutable" } else { "private, no-cache" };
    let current = req.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok());
    if current.is_some_and(|tags| tags.split(',').any(|t| t.trim().trim_start_matches("W/") == etag)) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "image/png"))
        .insert_header((header::ETAG, etag))
        .insert_header((header::CACHE_CONTROL, cache))
        .insert_header((header::CONTENT_DISPOSITION, "inline; filename=\"thumbnail.png\""))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'"))
        .no_chunking(content.size)
        .streaming(content.body))
}
