//! Webhook endpoints and their delivery log, for workspace admins.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::webhooks::{Delivery, WebhookEndpoint};
use cabinet_domain::webhooks::{WebhookChanges, WebhookInput};
use cabinet_domain::{DeliveryId, WebhookId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::http::json::Json;
use crate::problem::{ApiError, Problem};

/// `POST /webhooks`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where events are posted (https).
    pub url: String,
    /// What it is for.
    #[serde(default)]
    pub description: String,
    /// Event types to receive, e.g. `document.created.v1`; empty or omitted for all.
    #[serde(default)]
    pub event_types: Vec<String>,
}

/// `PATCH /webhooks/{id}`; absent fields stay.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    /// A new URL.
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new filter.
    pub event_types: Option<Vec<String>>,
    /// Turn deliveries on or off; turning on clears the circuit breaker.
    pub active: Option<bool>,
}

/// A webhook endpoint.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookDto {
    /// Id.
    pub id: Uuid,
    /// Where events are posted.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types it receives; empty for all.
    pub event_types: Vec<String>,
    /// Whether deliveries go out.
    pub active: bool,
    /// Why Cabinet turned it off, if it did.
    pub disabled_reason: Option<String>,
    /// `closed`, `open` (deliveries wait) or `half_open` (the next one probes).
    pub circuit: &'static str,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The signing secret: in the response that created the endpoint only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

fn webhook_dto(app: &App, e: WebhookEndpoint, with_secret: bool) -> WebhookDto {
    let circuit = match app.webhooks.circuit(&e) {
        cabinet_domain::webhooks::Breaker::Closed => "closed",
        cabinet_domain::webhooks::Breaker::Open { .. } => "open",
        cabinet_domain::webhooks::Breaker::HalfOpen => "half_open",
    };
    WebhookDto {
        id: e.id.as_uuid(),
        url: e.url,
        description: e.description,
        event_types: e.event_types,
        active: e.active,
        disabled_reason: e.disabled_reason,
        circuit,
        consecutive_failures: e.consecutive_failures,
        created_at: e.created_at,
        updated_at: e.updated_at,
        secret: with_secret.then_some(e.secret),
    }
}

/// A workspace's webhook endpoints.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookListDto {
    /// Oldest first.
    pub items: Vec<WebhookDto>,
}

/// One delivery, with its last attempt.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryDto {
    /// Id (the `webhook-id` header the receiver saw).
    pub id: Uuid,
    /// The event delivered.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: &'static str,
    /// Attempts made.
    pub attempts: u32,
    /// The last response's status code.
    pub response_status: Option<u16>,
    /// The start of the last response's body.
    pub response_body: Option<String>,
    /// Why the last attempt got no response.
    pub error: Option<String>,
    /// How long the last attempt took.
    pub duration_ms: Option<u64>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the delivery was created.
    pub created_at: DateTime<Utc>,
}

fn delivery_dto(d: Delivery) -> DeliveryDto {
    DeliveryDto {
        id: d.id.as_uuid(),
        event_id: d.event_id,
        event_type: d.event_type,
        status: d.status.as_str(),
        attempts: d.attempts,
        response_status: d.response_status,
        response_body: d.response_body,
        error: d.error,
        duration_ms: d.duration_ms,
        last_attempt_at: d.last_attempt_at,
        created_at: d.created_at,
    }
}

/// An endpoint's delivery log.
#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryListDto {
    /// Newest first.
    pub items: Vec<DeliveryDto>,
}

/// `?limit=` of the delivery log.
#[derive(Debug, Deserialize, IntoParams)]
pub struct DeliveryQuery {
    /// At most this many (1–200, default 50); other values are refused.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// Register a webhook endpoint (admins). The signing secret is in this response only.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Created; the secret is shown once", body = WebhookDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace", body = Problem),
        (status = 422, description = "Invalid or refused URL (private, loopback or metadata address), or event types", body = Problem),
    ))]
pub async fn create(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<WorkspaceId>,
    body: Json<CreateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let ws = path.into_inner();
    let body = body.into_inner();
    let input = WebhookInput { url: body.url, description: body.description, event_types: body.event_types };
    let endpoint = app.webhooks.create(&caller.0, ws, input).await?;
    let location = format!("/api/v1/workspaces/{ws}/webhooks/{}", endpoint.id);
    Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(webhook_dto(&app, endpoint, true)))
}

/// A workspace's webhook endpoints (admins).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/webhooks", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The endpoints", body = WebhookListDto),
        (status = 403, description = "Role too low", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    let endpoints = app.webhooks.list(&caller.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok()
        .json(WebhookListDto { items: endpoints.into_iter().map(|e| webhook_dto(&app, e, false)).collect() }))
}

/// One webhook endpoint (admins).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "The endpoint", body = WebhookDto),
        (status = 404, description = "No such workspace or webhook", body = Problem),
    ))]
pub async fn get(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, WebhookId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let endpoint = app.webhooks.get(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok().json(webhook_dto(&app, endpoint, false)))
}

/// Change a webhook endpoint (admins).
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Webhook id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "Changed", body = WebhookDto),
        (status = 404, description = "No such workspace or webhook", body = Problem),
        (status = 422, description = "Invalid or refused URL, or event types", body = Problem),
    ))]
pub async fn update(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, WebhookId)>,
    body: Json<UpdateWebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let body = body.into_inner();
    let changes = WebhookChanges {
        url: body.url,
        description: body.description,
        event_types: body.event_types,
        active: body.active,
    };
    let endpoint = app.webhooks.update(&caller.0, ws, id, changes).await?;
    Ok(HttpResponse::Ok().json(webhook_dto(&app, endpoint, false)))
}

/// Delete a webhook endpoint with its delivery log (admins).
#[utoipa::path(delete, path = "/api/v1/workspaces/{ws}/webhooks/{id}", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such workspace or webhook", body = Problem),
    ))]
pub async fn delete(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, WebhookId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.webhooks.delete(&caller.0, ws, id).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Send a test ping (`webhook.ping`) through the delivery path (admins).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/webhooks/{id}/ping", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Webhook id")),
    responses(
        (status = 202, description = "Queued; follow it in the delivery log", body = DeliveryDto),
        (status = 404, description = "No such workspace or webhook", body = Problem),
    ))]
pub async fn ping(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, WebhookId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let delivery = app.webhooks.ping(&caller.0, ws, id).await?;
    Ok(HttpResponse::Accepted().json(delivery_dto(delivery)))
}

/// An endpoint's delivery log, newest first (admins).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/webhooks/{id}/deliveries", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Webhook id"), DeliveryQuery),
    responses(
        (status = 200, description = "The deliveries", body = DeliveryListDto),
        (status = 404, description = "No such workspace or webhook", body = Problem),
    ))]
pub async fn deliveries(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, WebhookId)>,
    query: web::Query<DeliveryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let limit = crate::dto::page_limit(query.limit)?;
    let items = app.webhooks.deliveries(&caller.0, ws, id, limit).await?;
    Ok(HttpResponse::Ok().json(DeliveryListDto { items: items.into_iter().map(delivery_dto).collect() }))
}

/// Send a delivery again, whatever became of it (admins).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/deliveries/{id}/redeliver", tag = "webhooks", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Delivery id")),
    responses(
        (status = 202, description = "Queued"),
        (status = 404, description = "No such workspace or delivery", body = Problem),
    ))]
pub async fn redeliver(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DeliveryId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    app.webhooks.redeliver(&caller.0, ws, id).await?;
    Ok(HttpResponse::Accepted().finish())
}
