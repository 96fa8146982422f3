//! API keys of a workspace.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::identity::CreateApiKey;
use cabinet_domain::{ApiKeyId, WorkspaceId};

use crate::dto::{ApiKeyDto, CreateApiKeyRequest, ListDto, NewApiKeyDto, PageQuery};
use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::problem::{ApiError, Problem};

/// Create a key (admins and owners). The secret is in this response only.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/api-keys", tag = "api-keys", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 201, description = "Created; the secret is shown once", body = NewApiKeyDto),
        (status = 403, description = "Role too low, or role above the caller's", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid name or expiry", body = Problem),
    ))]
pub async fn create(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    body: Json<CreateApiKeyRequest>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let body = body.into_inner();
    let created = app
        .api_keys
        .create(&caller.0, ws, CreateApiKey { name: body.name, role: body.role.into(), expires_at: body.expires_at })
        .await?;
    let location = format!("/api/v1/workspaces/{ws}/api-keys/{}", created.key.id);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(NewApiKeyDto::from(created)))
}

/// The workspace's keys, revoked ones included.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/api-keys", tag = "api-keys", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), PageQuery),
    responses(
        (status = 200, description = "Keys", body = ListDto<ApiKeyDto>),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app.api_keys.list(&caller.0, ws.into_inner(), query.to_request()?).await?;
    Ok(HttpResponse::Ok().json(ListDto::from_page(page, ApiKeyDto::from)))
}

/// Revoke a key.
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/api-keys/{key_id}", tag = "api-keys", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("key_id" = Uuid, Path, description = "Key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or active key", body = Problem),
    ))]
pub async fn revoke(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, ApiKeyId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, key) = path.into_inner();
    app.api_keys.revoke(&caller.0, ws, key).await?;
    Ok(HttpResponse::NoContent().finish())
}
