//! Webhook endpoints and deliveries to and from their rows.

use cabinet_domain::webhooks::{Delivery, DeliveryStatus, WebhookEndpoint};
use cabinet_domain::{DeliveryId, DomainError, DomainResult, UserId, WebhookId, WorkspaceId};
use sea_orm::Set;

use crate::entities::{webhook_deliveries, webhook_endpoints};

pub(super) fn count(n: u32) -> DomainResult<i32> {
    i32::try_from(n).map_err(DomainError::internal)
}

pub(super) fn endpoint(row: webhook_endpoints::Model) -> DomainResult<WebhookEndpoint> {
    Ok(WebhookEndpoint {
        id: WebhookId::from_uuid(row.id),
        workspace_id: WorkspaceId::from_uuid(row.workspace_id),
        url: row.url,
        description: row.description,
        event_types: serde_json::from_str(&row.event_types).map_err(DomainError::internal)?,
        secret: row.secret,
        active: row.active,
        disabled_reason: row.disabled_reason,
        consecutive_failures: u32::try_from(row.consecutive_failures).map_err(DomainError::internal)?,
        breaker_until: row.breaker_until,
        failing_since: row.failing_since,
        created_by: row.created_by.map(UserId::from_uuid),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

/// What an admin changes, and the breaker and on/off state.
pub(super) fn endpoint_state(e: &WebhookEndpoint) -> DomainResult<webhook_endpoints::ActiveModel> {
    Ok(webhook_endpoints::ActiveModel {
        id: Set(e.id.as_uuid()),
        url: Set(e.url.clone()),
        description: Set(e.description.clone()),
        event_types: Set(serde_json::to_string(&e.event_types).map_err(DomainError::internal)?),
        active: Set(e.active),
        disabled_reason: Set(e.disabled_reason.clone()),
        breaker_until: Set(e.breaker_until),
        updated_at: Set(e.updated_at),
        ..Default::default()
    })
}

/// The endpoint's failure count, as an admin turning it back on resets it.
pub(super) fn failure_count(e: &WebhookEndpoint) -> DomainResult<webhook_endpoints::ActiveModel> {
    Ok(webhook_endpoints::ActiveModel {
        consecutive_failures: Set(count(e.consecutive_failures)?),
        failing_since: Set(e.failing_since),
        ..endpoint_state(e)?
    })
}

pub(super) fn delivery(row: webhook_deliveries::Model) -> DomainResult<Delivery> {
    Ok(Delivery {
        id: DeliveryId::from_uuid(row.id),
        endpoint_id: WebhookId::from_uuid(row.endpoint_id),
        workspace_id: WorkspaceId::from_uuid(row.workspace_id),
        event_id: row.event_id,
        event_type: row.event_type,
        body: row.body,
        status: DeliveryStatus::parse(&row.status).ok_or_else(|| DomainError::internal("unknown delivery status"))?,
        attempts: u32::try_from(row.attempts).map_err(DomainError::internal)?,
        response_status: row.response_status.and_then(|s| u16::try_from(s).ok()),
        response_body: row.response_body,
        error: row.error,
        duration_ms: row.duration_ms.and_then(|d| u64::try_from(d).ok()),
        last_attempt_at: row.last_attempt_at,
        created_at: row.created_at,
    })
}

pub(super) fn delivery_row(d: &Delivery) -> DomainResult<webhook_deliveries::ActiveModel> {
    Ok(webhook_deliveries::ActiveModel {
        id: Set(d.id.as_uuid()),
        endpoint_id: Set(d.endpoint_id.as_uuid()),
        workspace_id: Set(d.workspace_id.as_uuid()),
        event_id: Set(d.event_id),
        event_type: Set(d.event_type.clone()),
        body: Set(d.body.clone()),
        status: Set(d.status.as_str().to_owned()),
        attempts: Set(count(d.attempts)?),
        response_status: Set(d.response_status.map(i32::from)),
        response_body: Set(d.response_body.clone()),
        error: Set(d.error.clone()),
        duration_ms: Set(d.duration_ms.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX))),
        last_attempt_at: Set(d.last_attempt_at),
        created_at: Set(d.created_at),
    })
}
