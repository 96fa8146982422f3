//! The audit trail: verification of a workspace's hash chain, its events, a
//! document's history and the activity feed.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::audit::{AuditEvent, ChainBreak, ChainReport, EventQuery};
use cabinet_domain::{DocumentId, DomainError, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

pub mod export;

/// Where a chain breaks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreakDto {
    /// The first position that does not verify.
    pub sequence: u64,
    /// `altered`, `missing` or `relinked`.
    pub reason: &'static str,
    /// What that means.
    pub message: &'static str,
}

/// The outcome of verifying a workspace's audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReportDto {
    /// The workspace.
    pub workspace_id: Option<Uuid>,
    /// Whether every event verified.
    pub intact: bool,
    /// The last position up to which the chain is intact.
    pub intact_up_to: u64,
    /// The first break, if any.
    pub broken_at: Option<ChainBreakDto>,
}

impl From<ChainReport> for ChainReportDto {
    fn from(report: ChainReport) -> Self {
        Self {
            workspace_id: report.workspace.map(|w| w.as_uuid()),
            intact: report.is_intact(),
            intact_up_to: report.intact_up_to,
            broken_at: report.broken_at.map(|(sequence, why)| ChainBreakDto {
                sequence,
                reason: match why {
                    ChainBreak::Altered => "altered",
                    ChainBreak::Missing => "missing",
                    ChainBreak::Relinked => "relinked",
                },
                message: why.describe(),
            }),
        }
    }
}

/// Verify the workspace's audit trail (admins and owners): every event's
/// hash is recomputed from its content and the hash before it.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/audit/verify", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The chain's state (intact, or where it breaks)", body = ChainReportDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn verify(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
) -> Result<HttpResponse, ApiError> {
    let report = app.audit.verify(&caller.0, ws.into_inner()).await?;
    Ok(HttpResponse::Ok().json(ChainReportDto::from(report)))
}

/// Filters, order and page of an audit query.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// At or after this time (RFC 3339).
    pub from: Option<DateTime<Utc>>,
    /// Before this time.
    pub to: Option<DateTime<Utc>>,
    /// Caused by this user, API key or share link.
    pub actor: Option<Uuid>,
    /// Of this event type, e.g. `document.version_added.v1`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub event_type: Option<String>,
    /// About this kind of aggregate (`document`, `folder`, `workspace`, …).
    pub aggregate_type: Option<String>,
    /// About this aggregate.
    pub aggregate_id: Option<Uuid>,
    /// `newest` (default) or `oldest` first.
    pub order: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50); other values are refused.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Export format: `ndjson` (default) or `csv`.
    pub format: Option<String>,
}

fn cursor(raw: Option<&str>) -> Result<Option<u64>, ApiError> {
    crate::dto::position_cursor(raw)
}

fn event_query(q: &AuditQuery) -> Result<EventQuery, ApiError> {
    let oldest_first = match q.order.as_deref() {
        None | Some("newest") => false,
        Some("oldest") => true,
        Some(_) => return Err(DomainError::invalid("order", "must be newest or oldest").into()),
    };
    Ok(EventQuery {
        workspace: None,
        from: q.from,
        to: q.to,
        actor_id: q.actor,
        event_type: q.event_type.clone(),
        aggregate_type: q.aggregate_type.clone(),
        aggregate_id: q.aggregate_id,
        oldest_first,
        after: cursor(q.cursor.as_deref())?,
    })
}

/// Who caused an event.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventActorDto {
    /// `user`, `api_key`, `share_link`, `system` or `anonymous`.
    pub kind: String,
    /// The user, key or link.
    pub id: Option<Uuid>,
    /// The client address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
}

/// One event of the audit trail.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventDto {
    /// Global sequence.
    pub seq: u64,
    /// Position in the workspace's chain.
    pub chain_seq: u64,
    /// Event id.
    pub id: Uuid,
    /// Versioned type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// Aggregate type.
    pub aggregate_type: String,
    /// Aggregate id.
    pub aggregate_id: Uuid,
    /// Who.
    pub actor: EventActorDto,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// What changed.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// The event's SHA-256 in its chain.
    pub hash: String,
}

impl From<AuditEvent> for AuditEventDto {
    fn from(e: AuditEvent) -> Self {
        Self {
            seq: e.seq,
            chain_seq: e.chain_seq,
            id: e.id,
            event_type: e.event_type,
            aggregate_type: e.aggregate_type,
            aggregate_id: e.aggregate_id,
            actor: EventActorDto { kind: e.actor_kind, id: e.actor_id, ip: e.ip, user_agent: e.user_agent },
            request_id: e.request_id,
            occurred_at: e.occurred_at,
            payload: serde_json::from_str(&e.payload).unwrap_or(serde_json::Value::Null),
            hash: e.hash,
        }
    }
}

/// A page of events.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEventListDto {
    /// The events, in the requested order.
    pub items: Vec<AuditEventDto>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

fn list_dto((events, next): (Vec<AuditEvent>, Option<u64>)) -> AuditEventListDto {
    AuditEventListDto { items: events.into_iter().map(Into::into).collect(), next_cursor: next.map(|n| n.to_string()) }
}

/// The workspace's audit trail, filtered and paginated (admins and owners).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/audit/events", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), AuditQuery),
    responses(
        (status = 200, description = "A page of events", body = AuditEventListDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid filter", body = Problem),
    ))]
pub async fn events(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let page = app
        .audit
        .events(&caller.0, ws.into_inner(), event_query(&query)?, crate::dto::page_limit(query.limit)?)
        .await?;
    Ok(HttpResponse::Ok().json(list_dto(page)))
}

/// `?cursor=&limit=` of a document's history.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 200 (default 50); other values are refused.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
}

/// A document's history from the audit trail, newest first (any member).
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/history", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id"), HistoryQuery),
    responses(
        (status = 200, description = "A page of the document's events", body = AuditEventListDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn document_history(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(WorkspaceId, DocumentId)>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let page = app
        .audit
        .document_history(&caller.0, ws, id, cursor(query.cursor.as_deref())?, crate::dto::page_limit(query.limit)?)
        .await?;
    Ok(HttpResponse::Ok().json(list_dto(page)))
}

/// One line of the activity feed.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityDto {
    /// The event's sequence (also the cursor).
    pub seq: u64,
    /// When.
    pub occurred_at: DateTime<Utc>,
    /// `user`, `api_key`, `share_link` or `system`.
    pub actor_kind: String,
    /// The user, key or link.
    pub actor_id: Option<Uuid>,
    /// The versioned event type.
    #[serde(rename = "type")]
    pub event_type: String,
    /// What it was about.
    pub aggregate_type: String,
    /// Which one.
    pub aggregate_id: Uuid,
}

/// A page of activity.
#[derive(Debug, Serialize, ToSchema)]
pub struct ActivityListDto {
    /// Newest first.
    pub items: Vec<ActivityDto>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

/// The workspace's activity feed, newest first (any member). It is a read
/// model of the audit trail without client addresses, updated by the
/// worker within a second of each change.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/activity", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), HistoryQuery),
    responses(
        (status = 200, description = "A page of activity", body = ActivityListDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn activity(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let (items, next) = app
        .audit
        .activity(&caller.0, ws.into_inner(), cursor(query.cursor.as_deref())?, crate::dto::page_limit(query.limit)?)
        .await?;
    let items = items
        .into_iter()
        .map(|a| ActivityDto {
            seq: a.seq,
            occurred_at: a.occurred_at,
            actor_kind: a.actor_kind,
            actor_id: a.actor_id,
            event_type: a.event_type,
            aggregate_type: a.aggregate_type,
            aggregate_id: a.aggregate_id,
        })
        .collect();
    Ok(HttpResponse::Ok().json(ActivityListDto { items, next_cursor: next.map(|n| n.to_string()) }))
}
