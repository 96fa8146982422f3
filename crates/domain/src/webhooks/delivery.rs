//! Delivery: the worker turns each workspace's events into deliveries (the
//! event store is the outbox) and sends them, signed, with retries, a
//! circuit breaker per endpoint and automatic disabling after a long outage.

use crate::audit::EventPayload;
use crate::error::DomainError;
use crate::ids::DeliveryId;
use crate::jobs::Job;
use crate::jobs::JobError;
use crate::webhooks::{Attempt, SendFailure, WebhookRequest, WebhookService};
use crate::webhooks::{Breaker, Delivery, DeliveryStatus, MAX_RESPONSE_BODY, webhook_body};
use crate::{Actor, DomainResult, Principal};

/// The job kind that delivers one delivery.
pub const DELIVER_JOB: &str = "webhook.deliver";

/// The payload of a delivery job.
#[derive(serde::Serialize, serde::Deserialize)]
struct DeliveryJob {
    delivery_id: DeliveryId,
}

pub(super) fn job_payload(delivery: DeliveryId) -> String {
    serde_json::to_string(&DeliveryJob { delivery_id: delivery }).unwrap_or_default()
}

/// The delivery a job's payload names.
///
/// # Errors
/// [`JobError::Fatal`] when the payload is not one this service wrote.
pub fn delivery_of(job: &Job) -> Result<DeliveryId, JobError> {
    serde_json::from_str::<DeliveryJob>(&job.payload)
        .map(|p| p.delivery_id)
        .map_err(|e| JobError::Fatal(format!("not a delivery job payload ({e}): {}", job.payload)))
}

impl WebhookService {
    /// Turns new events into deliveries for every endpoint that is behind,
    /// a batch per endpoint; returns how many deliveries were created.
    /// Only Cabinet itself may.
    ///
    /// # Errors
    /// `Forbidden` for anyone else; storage failures.
    pub async fn dispatch(&self, actor: &Actor, batch: u32) -> DomainResult<u64> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only Cabinet dispatches webhooks"));
        }
        let mut created = 0;
        for endpoint in self.webhooks.lagging(100).await? {
            let (from, events) = self.webhooks.outbox(endpoint.id, batch).await?;
            let Some(to) = events.last().map(|e| e.chain_seq) else { continue };
            let now = self.rt.clock.now();
            let deliveries: Vec<Delivery> = events
                .iter()
                .filter(|e| endpoint.wants(&e.event_type))
                .map(|e| {
                    let body = webhook_body(&e.event_type, e.occurred_at, &e.payload);
                    Delivery::pending(
                        DeliveryId::from_uuid(self.rt.ids.new_id()),
                        &endpoint,
                        e.id,
                        &e.event_type,
                        body,
                        now,
                    )
                })
                .collect();
            let jobs: Vec<Job> = deliveries.iter().map(|d| self.job(d.id, now)).collect();
            if self.webhooks.dispatch(endpoint.id, from, to, &deliveries, &jobs).await? {
                created += deliveries.len() as u64;
            }
        }
        if created > 0 {
            self.signal.notify().await;
        }
        Ok(created)
    }

    /// Delivers one delivery (the `webhook.deliver` job): waits while the
    /// endpoint's breaker is open, records the attempt and the breaker's
    /// new state, and turns the endpoint off after a long outage.
    ///
    /// # Errors
    /// [`JobError::Retry`] after a failed attempt, [`JobError::Defer`] while
    /// the breaker is open, [`JobError::Fatal`] when the delivery or its
    /// endpoint is gone, off, or refused.
    pub async fn deliver(&self, id: DeliveryId, attempt_number: u32) -> Result<(), JobError> {
        let Some((mut delivery, endpoint)) = self.webhooks.delivery(id).await? else {
            return Err(JobError::Fatal("the delivery or its endpoint was deleted".into()));
        };
        if delivery.status == DeliveryStatus::Succeeded {
            return Ok(());
        }
        let now = self.rt.clock.now();
        if !endpoint.active {
            delivery.status = DeliveryStatus::Failed;
            delivery.error = Some("the endpoint is turned off".into());
            self.webhooks.record(&delivery, &endpoint, &[]).await?;
            return Err(JobError::Fatal("the endpoint is turned off".into()));
        }
        match endpoint.breaker(now) {
            Breaker::Closed => {}
            Breaker::Open { until } => {
                return Err(JobError::Defer {
                    until,
                    reason: format!("the circuit of endpoint {} is open", endpoint.id),
                });
            }
            Breaker::HalfOpen => {
                // One delivery probes; the others wait to see how it went.
                let until =
                    now + chrono::Duration::from_std(self.settings.breaker_open).map_err(DomainError::internal)?;
                if !self.webhooks.claim_probe(endpoint.id, now, until).await? {
                    let reason = format!("another delivery is probing endpoint {}", endpoint.id);
                    return Err(JobError::Defer { until, reason });
                }
            }
        }
        delivery.attempts += 1;
        self.webhooks.start_attempt(delivery.id, delivery.attempts, now).await?;
        let request = WebhookRequest {
            url: endpoint.url.clone(),
            message_id: delivery.id.to_string(),
            timestamp: now,
            body: delivery.body.clone(),
            secret: endpoint.secret.clone(),
        };
        let result = self.sender.send(&request).await;
        let at = self.rt.clock.now();
        let attempt = match &result {
            Ok(response) => Attempt {
                at,
                succeeded: (200..300).contains(&response.status),
                status: Some(response.status),
                body: Some(response.body.chars().take(MAX_RESPONSE_BODY).collect()),
                error: None,
                duration_ms: response.duration_ms,
            },
            Err(SendFailure::NoResponse { error, duration_ms }) => Attempt {
                at,
                succeeded: false,
                status: None,
                body: None,
                error: Some(error.clone()),
                duration_ms: *duration_ms,
            },
            Err(refusal @ SendFailure::Refused(_)) => Attempt {
                at,
                succeeded: false,
                status: None,
                body: None,
                error: Some(refusal.to_string()),
                duration_ms: 0,
            },
        };
        delivery.response_status = attempt.status;
        delivery.response_body = attempt.body.clone();
        delivery.error = attempt.error.clone();
        delivery.duration_ms = Some(attempt.duration_ms);
        delivery.last_attempt_at = Some(at);
        let mut endpoint = self.webhooks.count_attempt(endpoint.id, attempt.succeeded, at).await?;
        let mut events = Vec::new();
        let outcome = if attempt.succeeded {
            delivery.status = DeliveryStatus::Succeeded;
            endpoint.breaker_until = None;
            Ok(())
        } else {
            let since = endpoint.failing_since.unwrap_or(at);
            if endpoint.consecutive_failures >= self.settings.breaker_threshold {
                let open = chrono::Duration::from_std(self.settings.breaker_open).map_err(DomainError::internal)?;
                endpoint.breaker_until = Some(at + open);
            }
            let outage = chrono::Duration::from_std(self.settings.disable_after).map_err(DomainError::internal)?;
            let why = match &attempt.status {
                Some(status) => format!("the receiver answered {status}"),
                None => attempt.error.clone().unwrap_or_default(),
            };
            if endpoint.active && at - since >= outage {
                let reason = format!("no successful delivery since {}; last: {why}", since.to_rfc3339());
                endpoint.active = false;
                endpoint.disabled_reason = Some(reason.clone());
                events.push(self.rt.event(
                    &Actor::system(),
                    EventPayload::WebhookDisabled {
                        workspace_id: endpoint.workspace_id,
                        webhook_id: endpoint.id,
                        reason,
                    },
                ));
            }
            let last_attempt = attempt_number >= self.settings.max_attempts;
            if matches!(result, Err(SendFailure::Refused(_))) || !endpoint.active || last_attempt {
                delivery.status = DeliveryStatus::Failed;
                Err(JobError::Fatal(why))
            } else {
                Err(JobError::Retry(why))
            }
        };
        endpoint.updated_at = at;
        self.webhooks.record(&delivery, &endpoint, &events).await?;
        outcome
    }
}
