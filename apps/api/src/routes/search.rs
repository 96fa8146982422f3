//! Full-text search, and what processing found of a version: its text's
//! status and its thumbnail.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::processing::{TextStatus, VersionContent};
use cabinet_domain::search::{SearchFilters, SearchHit, SearchPage, SnippetPart};
use cabinet_domain::{DocumentId, FolderId, UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::ProblemCode;
use crate::problem::{ApiError, Problem};

/// A search: words and filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words (stemmed), `"phrases"`, `-exclusions` and `prefix*`; every
    /// word must match. Title and file name weigh most, then tags, then
    /// metadata and description, then the text inside.
    pub q: String,
    /// Only documents in this folder or below it.
    pub folder: Option<Uuid>,
    /// Only documents with this tag (ignoring case).
    pub tag: Option<String>,
    /// Only this media type, or a family such as `image/*`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub content_type: Option<String>,
    /// Only documents this user created.
    pub author: Option<Uuid>,
    /// Changed at or after this time (RFC 3339).
    pub updated_from: Option<DateTime<Utc>>,
    /// Changed before this time (RFC 3339).
    pub updated_to: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
}

/// Part of a snippet; `highlight` marks where the query matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPartDto {
    /// Plain text (never markup).
    pub text: String,
    /// Whether this part matched.
    pub highlight: bool,
}

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitDto {
    /// The document.
    pub document_id: Uuid,
    /// Its folder.
    pub folder_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Relevance; higher is better, comparable within one result list.
    pub score: f64,
    /// Where its text matched.
    pub snippet: Vec<SnippetPartDto>,
}

/// A page of search results, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultsDto {
    /// The hits.
    pub items: Vec<SearchHitDto>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

impl From<SnippetPart> for SnippetPartDto {
    fn from(p: SnippetPart) -> Self {
        Self { text: p.text, highlight: p.highlight }
    }
}

impl From<SearchHit> for SearchHitDto {
    fn from(h: SearchHit) -> Self {
        Self {
            document_id: h.document_id.as_uuid(),
            folder_id: h.folder_id.as_uuid(),
            name: h.name,
            content_type: h.content_type,
            updated_at: h.updated_at,
            score: h.score,
            snippet: h.snippet.into_iter().map(Into::into).collect(),
        }
    }
}

/// Search the workspace's documents (anyone who may read them). The trash
/// is not searched.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/search", tag = "search", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), SearchParams),
    responses(
        (status = 200, description = "Results, best first", body = SearchResultsDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid query or filter", body = Problem),
    ))]
pub async fn search(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<Uuid>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let offset = match params.cursor.as_deref() {
        None => 0,
        Some(c) => {
            c.parse::<u32>().map_err(|_| ApiError::new(ProblemCode::InvalidCursor, "the cursor is not valid"))?
        }
    };
    let page = SearchPage::new(offset, params.limit)?;
    let filters = SearchFilters {
        folder: params.folder.map(FolderId::from_uuid),
        tag: params.tag,
        content_type: params.content_type,
        author: params.author.map(UserId::from_uuid),
        updated_from: params.updated_from,
        updated_to: params.updated_to,
    };
    let results =
        app.search.search(&caller.0, WorkspaceId::from_uuid(ws.into_inner()), &params.q, &filters, page).await?;
    Ok(HttpResponse::Ok().json(SearchResultsDto {
        items: results.hits.into_iter().map(Into::into).collect(),
        next_cursor: results.next_offset.map(|o| o.to_string()),
    }))
}

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
    path: web::Path<(Uuid, Uuid, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    let record = app.content.status(&caller.0, WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id), Some(n)).await?;
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
    path: web::Path<(Uuid, Uuid)>,
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
    path: web::Path<(Uuid, Uuid, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    send_thumbnail(&app, &caller, &req, ws, id, Some(n)).await
}

async fn send_thumbnail(
    app: &App,
    caller: &Authenticated,
    req: &HttpRequest,
    ws: Uuid,
    id: Uuid,
    number: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let (record, content) =
        app.content.thumbnail(&caller.0, WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id), number).await?;
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
