//! Webhooks: endpoints that receive a workspace's events, and the record of
//! each delivery.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::error::{DomainError, FieldError};
use crate::ids::{DeliveryId, UserId, WebhookId, WorkspaceId};

/// The longest URL accepted.
pub const MAX_WEBHOOK_URL: usize = 2048;
/// The most event types one endpoint may filter on.
pub const MAX_EVENT_TYPES: usize = 64;
/// How much of a receiver's response body is kept.
pub const MAX_RESPONSE_BODY: usize = 2048;
/// The event type of a test ping.
pub const PING_EVENT: &str = "webhook.ping";

/// Where an endpoint's circuit breaker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Breaker {
    /// Deliveries go out.
    Closed,
    /// Too many failures in a row: deliveries wait until `until`.
    Open {
        /// When one probe delivery may try again.
        until: DateTime<Utc>,
    },
    /// The wait is over: the next delivery probes the receiver.
    HalfOpen,
}

/// A receiver of a workspace's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEndpoint {
    /// Its id.
    pub id: WebhookId,
    /// The workspace whose events it receives.
    pub workspace_id: WorkspaceId,
    /// Where events are posted.
    pub url: String,
    /// What it is for, for people.
    pub description: String,
    /// The event types it wants; empty means all.
    pub event_types: Vec<String>,
    /// The signing secret (`whsec_…`), shown once at creation.
    pub secret: String,
    /// Whether deliveries go out.
    pub active: bool,
    /// Why it was turned off automatically, if it was.
    pub disabled_reason: Option<String>,
    /// Failed attempts since the last success.
    pub consecutive_failures: u32,
    /// While the breaker is open: until when.
    pub breaker_until: Option<DateTime<Utc>>,
    /// When the current run of failures began.
    pub failing_since: Option<DateTime<Utc>>,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl WebhookEndpoint {
    /// Whether it wants events of this type.
    #[must_use]
    pub fn wants(&self, event_type: &str) -> bool {
        self.event_types.is_empty() || self.event_types.iter().any(|t| t == event_type)
    }

    /// The breaker's state at `now`.
    #[must_use]
    pub fn breaker(&self, now: DateTime<Utc>) -> Breaker {
        match self.breaker_until {
            Some(until) if until > now => Breaker::Open { until },
            Some(_) => Breaker::HalfOpen,
            None => Breaker::Closed,
        }
    }
}

/// Checks a webhook URL's shape; whether its host may be reached is the
/// URL guard's to decide.
///
/// # Errors
/// `Invalid` naming the field.
pub fn validate_url(url: &str) -> Result<(), DomainError> {
    let url = url.trim();
    let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://"));
    let problem = match rest {
        _ if url.len() > MAX_WEBHOOK_URL => Some("must be at most 2048 characters".to_owned()),
        None => Some("must be an https:// URL".to_owned()),
        Some(rest) if rest.split(['/', '?', '#']).next().is_none_or(str::is_empty) => {
            Some("must name a host".to_owned())
        }
        Some(rest) if rest.split(['/', '?', '#']).next().is_some_and(|h| h.contains('@')) => {
            Some("must not carry credentials".to_owned())
        }
        Some(_) if url.chars().any(char::is_whitespace) => Some("must not contain spaces".to_owned()),
        Some(_) => None,
    };
    match problem {
        Some(message) => Err(DomainError::Invalid(vec![FieldError { field: "url", message }])),
        None => Ok(()),
    }
}

/// Checks an event-type filter: known-looking names, not too many.
///
/// # Errors
/// `Invalid` naming the field.
pub fn validate_event_types(types: &[String]) -> Result<(), DomainError> {
    let bad = types.iter().find(|t| {
        t.is_empty()
            || t.len() > 100
            || !t.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._".contains(c))
    });
    let message = if types.len() > MAX_EVENT_TYPES {
        Some(format!("at most {MAX_EVENT_TYPES} event types"))
    } else {
        bad.map(|t| format!("{t:?} is not an event type (e.g. document.created.v1)"))
    };
    match message {
        Some(message) => Err(DomainError::Invalid(vec![FieldError { field: "event_types", message }])),
        None => Ok(()),
    }
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Not delivered yet; attempts may follow.
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Given up on (or the endpoint went away).
    Failed,
}

impl DeliveryStatus {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [DeliveryStatus::Pending, DeliveryStatus::Succeeded, DeliveryStatus::Failed]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

/// One event on its way to one endpoint, with the outcome of its last attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Its id; also the `webhook-id` header, so receivers can drop duplicates.
    pub id: DeliveryId,
    /// The endpoint.
    pub endpoint_id: WebhookId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The event delivered.
    pub event_id: Uuid,
    /// Its type.
    pub event_type: String,
    /// The JSON body sent.
    pub body: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: u32,
    /// The last response's status code.
    pub response_status: Option<u16>,
    /// The start of the last response's body.
    pub response_body: Option<String>,
    /// Why the last attempt failed, when it got no response.
    pub error: Option<String>,
    /// How long the last attempt took.
    pub duration_ms: Option<u64>,
    /// When the last attempt was made.
    pub last_attempt_at: Option<DateTime<Utc>>,
    /// When the delivery was created.
    pub created_at: DateTime<Utc>,
}

impl Delivery {
    /// A delivery of `event_id` to `endpoint` that no attempt was made for yet.
    #[must_use]
    pub fn pending(
        id: DeliveryId,
        endpoint: &WebhookEndpoint,
        event_id: Uuid,
        event_type: &str,
        body: String,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            id,
            endpoint_id: endpoint.id,
            workspace_id: endpoint.workspace_id,
            event_id,
            event_type: event_type.to_owned(),
            body,
            status: DeliveryStatus::Pending,
            attempts: 0,
            response_status: None,
            response_body: None,
            error: None,
            duration_ms: None,
            last_attempt_at: None,
            created_at: now,
        }
    }
}

/// An event of a workspace's chain, as the outbox reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEvent {
    /// Its position in the chain.
    pub chain_seq: u64,
    /// Its id.
    pub id: Uuid,
    /// Its type.
    pub event_type: String,
    /// Its payload, as JSON text.
    pub payload: String,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
}

/// The body of a webhook: the Standard Webhooks shape `{type, timestamp, data}`.
#[must_use]
pub fn webhook_body(event_type: &str, occurred_at: DateTime<Utc>, data_json: &str) -> String {
    #[derive(serde::Serialize)]
    struct Body<'a> {
        r#type: &'a str,
        timestamp: String,
        data: serde_json::Value,
    }
    let body = Body {
        r#type: event_type,
        timestamp: occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        // Event payloads are stored as JSON; anything else is sent as a string.
        data: serde_json::from_str(data_json).unwrap_or_else(|_| serde_json::Value::String(data_json.to_owned())),
    };
    serde_json::to_string(&body).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_must_be_absolute_http_without_credentials() {
        for good in ["https://hooks.example.com/cabinet", "http://127.0.0.1:9000/hook?x=1"] {
            assert!(validate_url(good).is_ok(), "{good}");
        }
        for bad in ["ftp://x", "https://", "https:///path", "https://user:pw@host/", "example.com/hook", "https://a b"]
        {
            assert!(validate_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn event_type_filters_are_checked() {
        assert!(validate_event_types(&["document.created.v1".into()]).is_ok());
        assert!(validate_event_types(&["Document Created".into()]).is_err());
        assert!(validate_event_types(&vec!["a.b".to_owned(); 65]).is_err());
    }

    #[test]
    fn the_breaker_opens_then_half_opens() {
        let now = Utc::now();
        let mut endpoint = WebhookEndpoint {
            id: WebhookId::from_uuid(Uuid::nil()),
            workspace_id: WorkspaceId::from_uuid(Uuid::nil()),
            url: "https://x".into(),
            description: String::new(),
            event_types: vec!["document.created.v1".into()],
            secret: "whsec_x".into(),
            active: true,
            disabled_reason: None,
            consecutive_failures: 0,
            breaker_until: None,
            failing_since: None,
            created_by: None,
            created_at: now,
            updated_at: now,
        };
        assert!(endpoint.wants("document.created.v1") && !endpoint.wants("document.trashed.v1"));
        assert_eq!(endpoint.breaker(now), Breaker::Closed);
        endpoint.breaker_until = Some(now + chrono::TimeDelta::seconds(30));
        assert!(matches!(endpoint.breaker(now), Breaker::Open { .. }));
        assert_eq!(endpoint.breaker(now + chrono::TimeDelta::seconds(31)), Breaker::HalfOpen);
    }

    #[test]
    fn bodies_follow_the_standard_webhooks_shape() {
        let at = DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(
            webhook_body("document.created.v1", at, r#"{"a":1}"#),
            r#"{"type":"document.created.v1","timestamp":"2026-01-01T12:00:00.000Z","data":{"a":1}}"#
        );
    }
}
