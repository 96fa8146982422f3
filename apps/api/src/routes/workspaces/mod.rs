//! Workspaces.

pub mod members;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::WorkspaceId;

use crate::dto::{ListDto, PageQuery, WorkspaceDto, WorkspaceRequest};
use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::idempotency::idempotent;
use crate::problem::{ApiError, Problem};

/// Create a workspace; the caller becomes its owner.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    request_body = WorkspaceRequest,
    responses(
        (status = 201, description = "Created", body = WorkspaceDto),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "API keys cannot create workspaces", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    ))]
pub async fn create(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    body: Json<WorkspaceRequest>,
) -> Result<HttpResponse, ApiError> {
    let content = serde_json::to_vec(&*body).unwrap_or_default();
    idempotent(&app, &req, &caller.0, &content, || async {
        let created = app.workspaces.create(&caller.0, &body.name).await?;
        let location = format!("/api/v1/workspaces/{}", created.workspace.id);
        Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(WorkspaceDto::from(created)))
    })
    .await
}

/// The workspaces the caller belongs to.
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "Workspaces", body = ListDto<WorkspaceDto>),
        (status = 400, description = "Invalid cursor", body = Problem),
        (status = 401, description = "Not signed in", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app.workspaces.list(&caller.0, query.to_request()?).await?;
    Ok(HttpResponse::Ok().json(ListDto::from_page(page, WorkspaceDto::from)))
}

/// One workspace.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The workspace", body = WorkspaceDto),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn get(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    let found = app.workspaces.get(&caller.0, ws.into_inner()).await?;
    Ok(HttpResponse::Ok().json(WorkspaceDto::from(found)))
}

/// Rename a workspace (admins and owners).
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    request_body = WorkspaceRequest,
    responses(
        (status = 200, description = "Renamed", body = WorkspaceDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    ))]
pub async fn rename(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    body: Json<WorkspaceRequest>,
) -> Result<HttpResponse, ApiError> {
    let renamed = app.workspaces.rename(&caller.0, ws.into_inner(), &body.name).await?;
    Ok(HttpResponse::Ok().json(WorkspaceDto::from(renamed)))
}

/// Delete a workspace (owners only).
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Not an owner", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn delete(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    app.workspaces.delete(&caller.0, ws.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// How much content a workspace holds.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct UsageDto {
    /// Bytes of distinct content held (identical files count once).
    pub bytes: u64,
    /// The quota in bytes, if there is one.
    pub quota_bytes: Option<u64>,
    /// Documents, live or in the trash (projected from events).
    pub documents: u64,
    /// Their versions (projected).
    pub versions: u64,
    /// The bytes of all versions, identical content counted each time (projected).
    pub version_bytes: u64,
}

/// Storage used by a workspace, and its quota.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/usage", tag = "workspaces", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "Usage", body = UsageDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn usage(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let (bytes, quota_bytes) = app.documents.usage(&caller.0, ws).await?;
    let figures = app.audit.figures(&caller.0, ws).await?;
    Ok(HttpResponse::Ok().json(UsageDto {
        bytes,
        quota_bytes,
        documents: figures.documents,
        versions: figures.versions,
        version_bytes: figures.bytes,
    }))
}
