//! Share links: managed by members under `/api/v1`, opened by anyone under `/s/{token}`.

use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::sharing::{LinkGone, ShareLink};
use cabinet_domain::sharing::{NewShareLink, SharedDocument};
use cabinet_domain::{Actor, DocumentId, ShareLinkId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{Authenticated, RequestOrigin};
use crate::http::conditional::parse_if_none_match;
use crate::http::files::{file_response, parse_range};
use crate::http::json::Json;
use crate::problem::{ApiError, Problem};

/// The header a client sends a link's password in.
pub const PASSWORD_HEADER: &str = "x-share-password";

/// `POST /documents/{id}/shares`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateShareRequest {
    /// Serve this version for good; omitted, the link follows the current version.
    pub version: Option<u32>,
    /// When the link stops working (at most a year ahead).
    pub expires_at: Option<DateTime<Utc>>,
    /// A password visitors must give (8 characters or more).
    pub password: Option<String>,
    /// How many downloads the link allows.
    pub max_downloads: Option<u32>,
}

/// A share link, as its managers see it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLinkDto {
    /// Id.
    pub id: Uuid,
    /// The document shared.
    pub document_id: Uuid,
    /// The pinned version, or null for the current one.
    pub version: Option<u32>,
    /// When it stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whether visitors must give a password.
    pub password_protected: bool,
    /// The download limit.
    pub max_downloads: Option<u32>,
    /// Downloads so far.
    pub downloads: u32,
    /// `active`, `revoked`, `expired` or `exhausted`.
    pub state: &'static str,
    /// Creator.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
    /// The secret token: present only in the response that created the link.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The link's path (`/s/{token}`), likewise only at creation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

fn state(gone: Option<LinkGone>) -> &'static str {
    match gone {
        None => "active",
        Some(LinkGone::Revoked) => "revoked",
        Some(LinkGone::Expired) => "expired",
        Some(LinkGone::Exhausted) => "exhausted",
    }
}

fn link_dto(link: ShareLink, gone: Option<LinkGone>, token: Option<String>) -> ShareLinkDto {
    ShareLinkDto {
        id: link.id.as_uuid(),
        document_id: link.document_id.as_uuid(),
        version: link.version,
        expires_at: link.expires_at,
        password_protected: link.password_hash.is_some(),
        max_downloads: link.max_downloads,
        downloads: link.downloads,
        state: state(gone),
        created_by: link.created_by.map(|u| u.as_uuid()),
        created_at: link.created_at,
        revoked_at: link.revoked_at,
        path: token.as_ref().map(|t| format!("/s/{t}")),
        token,
    }
}

/// A document's share links.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShareLinkListDto {
    /// Newest first.
    pub items: Vec<ShareLinkDto>,
    /// Always null: a document has few links.
    pub next_cursor: Option<String>,
}

/// Share a document by link (editors and above). The token is in this
/// response only; Cabinet keeps just its hash, so a retried request makes a
/// second link rather than replaying the first.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/documents/{id}/shares", tag = "sharing", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    request_body = CreateShareRequest,
    responses(
        (status = 201, description = "Created; the token is shown once", body = ShareLinkDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, document or version", body = Problem),
        (status = 422, description = "Invalid expiry, password or limit", body = Problem),
    ))]
pub async fn create(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
    body: Json<CreateShareRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let body = body.into_inner();
    let new = NewShareLink {
        version: body.version,
        expires_at: body.expires_at,
        password: body.password,
        max_downloads: body.max_downloads,
    };
    let (link, token) = app.shares.create(&caller.0, ws, id, new).await?;
    let location = format!("/api/v1/workspaces/{ws}/shares/{}", link.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(link_dto(link, None, Some(token))))
}

/// A document's share links, without their tokens.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/shares", tag = "sharing", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The links", body = ShareLinkListDto),
        (status = 404, description = "No such workspace or document", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let links = app.shares.list(&caller.0, ws, id).await?;
    let items = links.into_iter().map(|(link, gone)| link_dto(link, gone, None)).collect();
    Ok(HttpResponse::Ok().json(ShareLinkListDto { items, next_cursor: None }))
}

/// Revoke a share link (editors and above); it stops working at once.
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/shares/{link_id}", tag = "sharing", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("link_id" = Uuid, Path, description = "Share link id")),
    responses(
        (status = 204, description = "Revoked (or already was)"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or link", body = Problem),
    ))]
pub async fn revoke(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, ShareLinkId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.shares.revoke(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What a share link shows anyone holding it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicShareDto {
    /// The document's name.
    pub name: String,
    /// The file name downloads get.
    pub filename: String,
    /// Bytes.
    pub size: u64,
    /// Media type.
    pub content_type: String,
    /// The version served.
    pub version: u32,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// Downloads left, if limited.
    pub downloads_left: Option<u32>,
    /// The download URL's path.
    pub download_path: String,
}

/// A browser's password form.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SharePasswordForm {
    /// The link's password.
    pub password: String,
}

fn password_header(req: &HttpRequest) -> Option<String> {
    req.headers().get(PASSWORD_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// What a share link serves. Password-protected links want the password in
/// the `X-Share-Password` header.
#[utoipa::path(get, path = "/s/{token}", tag = "sharing",
    params(
        ("token" = String, Path, description = "The link's token"),
        ("X-Share-Password" = Option<String>, Header, description = "The link's password, if it has one"),
    ),
    responses(
        (status = 200, description = "The shared document", body = PublicShareDto),
        (status = 401, description = "Password required or wrong", body = Problem),
        (status = 404, description = "No such link", body = Problem),
        (status = 410, description = "Revoked, expired or used up", body = Problem),
        (status = 429, description = "Too many unknown tokens or wrong passwords", body = Problem),
    ))]
pub async fn open(
    app: web::Data<App>,
    origin: RequestOrigin,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::anonymous(origin.0);
    let SharedDocument { link, document, version } = app.shares.open(&actor, &token, password_header(&req)).await?;
    Ok(HttpResponse::Ok().json(PublicShareDto {
        name: document.name.as_str().to_owned(),
        filename: version.filename.as_str().to_owned(),
        size: version.size,
        content_type: version.content_type,
        version: version.number,
        expires_at: link.expires_at,
        downloads_left: link.downloads_left(),
        download_path: format!("/s/{token}/download"),
    }))
}

async fn share_download(
    app: &App,
    origin: RequestOrigin,
    req: &HttpRequest,
    token: &str,
    password: Option<String>,
) -> Result<HttpResponse, ApiError> {
    let actor = Actor::anonymous(origin.0);
    let range = parse_range(req.headers());
    let tags = parse_if_none_match(req.headers());
    let result = app.shares.download(&actor, token, password, range, &tags).await.map(|(_, download)| download);
    let mut response = file_response(result)?;
    // Capability URLs must not linger in shared caches.
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, no-store"));
    Ok(response)
}

/// Download what a share link serves (with `X-Share-Password` if needed).
/// A request for the whole file, or a range from its first byte, counts
/// against the link's download limit.
#[utoipa::path(get, path = "/s/{token}/download", tag = "sharing",
    params(
        ("token" = String, Path, description = "The link's token"),
        ("X-Share-Password" = Option<String>, Header, description = "The link's password, if it has one"),
    ),
    responses(
        (status = 200, description = "The content, as the type it was stored with", content_type = "*/*"),
        (status = 206, description = "A range of it"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 401, description = "Password required or wrong", body = Problem),
        (status = 404, description = "No such link", body = Problem),
        (status = 410, description = "Revoked, expired or used up", body = Problem),
        (status = 416, description = "Range not satisfiable", body = Problem),
        (status = 429, description = "Too many unknown tokens or wrong passwords", body = Problem),
    ))]
pub async fn download(
    app: web::Data<App>,
    origin: RequestOrigin,
    req: HttpRequest,
    token: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    share_download(&app, origin, &req, &token, password_header(&req)).await
}

/// Download with the password from an HTML form, so a browser can save
/// the file directly instead of buffering it in a script.
#[utoipa::path(post, path = "/s/{token}/download", tag = "sharing",
    params(("token" = String, Path, description = "The link's token")),
    request_body(content = SharePasswordForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 200, description = "The content, as the type it was stored with", content_type = "*/*"),
        (status = 401, description = "Password required or wrong", body = Problem),
        (status = 404, description = "No such link", body = Problem),
        (status = 410, description = "Revoked, expired or used up", body = Problem),
        (status = 429, description = "Too many unknown tokens or wrong passwords", body = Problem),
    ))]
pub async fn download_with_form(
    app: web::Data<App>,
    origin: RequestOrigin,
    req: HttpRequest,
    token: web::Path<String>,
    form: web::Form<SharePasswordForm>,
) -> Result<HttpResponse, ApiError> {
    share_download(&app, origin, &req, &token, Some(form.into_inner().password)).await
}
