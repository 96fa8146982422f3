//! The caller's own account and sessions.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::SessionId;

use crate::dto::{ChangePasswordRequest, ListDto, SessionDto, UserDto};
use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::problem::{ApiError, Problem};

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "The caller", body = UserDto),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "API keys have no account", body = Problem),
    ))]
pub async fn get(app: web::Data<App>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(UserDto::from(app.accounts.me(&caller.0).await?)))
}

/// The caller's active sessions, newest first.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "me", security(("bearer" = [])),
    responses(
        (status = 200, description = "Sessions, all on one page (`next_cursor` is always null)", body = ListDto<SessionDto>),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "API keys have no sessions", body = Problem),
    ))]
pub async fn sessions(app: web::Data<App>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    let items: Vec<SessionDto> = app.sessions.list_sessions(&caller.0).await?.into_iter().map(Into::into).collect();
    Ok(HttpResponse::Ok().json(ListDto { items, next_cursor: None }))
}

/// Revoke one of the caller's sessions.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "me", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 404, description = "No such active session of yours", body = Problem),
    ))]
pub async fn revoke_session(
    app: web::Data<App>,
    caller: Authenticated,
    id: web::Path<SessionId>,
) -> Result<HttpResponse, ApiError> {
    app.sessions.revoke_session(&caller.0, id.into_inner()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Change the password; every other session ends.
#[utoipa::path(put, path = "/api/v1/me/password", tag = "me", security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 422, description = "Wrong current password or weak new one", body = Problem),
    ))]
pub async fn change_password(
    app: web::Data<App>,
    caller: Authenticated,
    body: Json<ChangePasswordRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    app.accounts.change_password(&caller.0, body.current_password, body.new_password).await?;
    Ok(HttpResponse::NoContent().finish())
}
