//! Members of a workspace and their roles.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::{UserId, WorkspaceId};
use uuid::Uuid;

use crate::dto::{AddMemberRequest, ChangeRoleRequest, ListDto, MemberDto, PageQuery, RoleDto};
use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::idempotency::idempotent;
use crate::problem::{ApiError, Problem};

/// The members of a workspace.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/members", tag = "members", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), PageQuery),
    responses(
        (status = 200, description = "Members", body = ListDto<MemberDto>),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    query: web::Query<PageQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app.workspaces.members(&caller.0, ws.into_inner(), query.to_request()?).await?;
    Ok(HttpResponse::Ok().json(ListDto::from_page(page, MemberDto::from)))
}

/// Add an existing user by email (admins and owners; no role above the caller's).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/members", tag = "members", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    request_body = AddMemberRequest,
    responses(
        (status = 201, description = "Added", body = MemberDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or user", body = Problem),
        (status = 409, description = "Already a member", body = Problem),
    ))]
pub async fn add(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    ws: web::Path<WorkspaceId>,
    body: Json<AddMemberRequest>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let content = serde_json::to_vec(&*body).unwrap_or_default();
    idempotent(&app, &req, &caller.0, &content, || async {
        let member = app.workspaces.add_member(&caller.0, ws, &body.email, body.role.into()).await?;
        let location = format!("/api/v1/workspaces/{ws}/members/{}", member.membership.user_id);
        Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(MemberDto::from(member)))
    })
    .await
}

/// Change a member's role.
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    request_body = ChangeRoleRequest,
    responses(
        (status = 200, description = "Changed", body = MemberRoleDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or member", body = Problem),
        (status = 409, description = "Would leave no owner", body = Problem),
    ))]
pub async fn change_role(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, UserId)>,
    body: Json<ChangeRoleRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    let m = app.workspaces.change_role(&caller.0, ws, user, body.role.into()).await?;
    Ok(HttpResponse::Ok().json(MemberRoleDto { user_id: m.user_id.as_uuid(), role: m.role.into() }))
}

/// Remove a member, or leave.
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/members/{user_id}", tag = "members", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("user_id" = Uuid, Path, description = "Member's user id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or member", body = Problem),
        (status = 409, description = "Would leave no owner", body = Problem),
    ))]
pub async fn remove(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, UserId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, user) = path.into_inner();
    app.workspaces.remove_member(&caller.0, ws, user).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A member's new role.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct MemberRoleDto {
    /// The member.
    pub user_id: Uuid,
    /// Their role now.
    pub role: RoleDto,
}
