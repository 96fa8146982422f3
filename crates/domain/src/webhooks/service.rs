//! Webhooks: admins register endpoints; the worker turns each workspace's
//! events into deliveries (the event store is the outbox) and delivers
//! them, signed, with retries, a circuit breaker per endpoint and automatic
//! disabling after a long outage.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::audit::EventPayload;
use crate::error::{DomainError, Entity};
use crate::ids::{DeliveryId, JobId, WebhookId, WorkspaceId};
use crate::jobs::Job;
use crate::jobs::JobSignal;
use crate::jobs::{JobError, NewJob, RetryPolicy};
use crate::policy::Action;
use crate::system::Runtime;
use crate::webhooks::{Attempt, SendFailure, WebhookRepository, WebhookRequest, WebhookSender};
use crate::webhooks::{
    Breaker, Delivery, DeliveryStatus, MAX_RESPONSE_BODY, PING_EVENT, WebhookEndpoint, validate_event_types,
    validate_url, webhook_body,
};
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// The job kind that delivers one delivery.
pub const DELIVER_JOB: &str = "webhook.deliver";

/// How deliveries are retried and when endpoints are cut off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Attempts of one delivery, spread by [`WebhookSettings::retry_base`]
    /// doubling up to [`WebhookSettings::retry_cap`].
    pub max_attempts: u32,
    /// The first retry's delay.
    pub retry_base: Duration,
    /// The longest delay between attempts.
    pub retry_cap: Duration,
    /// Failures in a row that open an endpoint's breaker.
    pub breaker_threshold: u32,
    /// How long the breaker stays open before a probe.
    pub breaker_open: Duration,
    /// How long an endpoint may fail without a single success before it is
    /// turned off.
    pub disable_after: Duration,
}

/// What an admin asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookInput {
    /// Where to post.
    pub url: String,
    /// What it is for.
    pub description: String,
    /// The event types wanted; empty for all.
    pub event_types: Vec<String>,
}

/// A change to an endpoint; absent fields stay.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WebhookChanges {
    /// A new URL.
    pub url: Option<String>,
    /// A new description.
    pub description: Option<String>,
    /// A new filter.
    pub event_types: Option<Vec<String>>,
    /// Turn deliveries on or off; turning on clears the breaker.
    pub active: Option<bool>,
}

/// The webhook use cases.
#[derive(Clone)]
pub struct WebhookService {
    rt: Runtime,
    webhooks: Arc<dyn WebhookRepository>,
    sender: Arc<dyn WebhookSender>,
    signal: Arc<dyn JobSignal>,
    access: WorkspaceAccess,
    settings: WebhookSettings,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// The payload of a delivery job.
#[derive(serde::Serialize, serde::Deserialize)]
struct DeliveryJob {
    delivery_id: DeliveryId,
}

fn job_payload(delivery: DeliveryId) -> String {
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

fn refused(failure: &SendFailure) -> DomainError {
    DomainError::Invalid(vec![crate::error::FieldError { field: "url", message: failure.to_string() }])
}

impl WebhookService {
    /// The use cases over the given ports.
    #[must_use]
    pub fn new(
        rt: Runtime,
        webhooks: Arc<dyn WebhookRepository>,
        sender: Arc<dyn WebhookSender>,
        signal: Arc<dyn JobSignal>,
        workspaces: Arc<dyn WorkspaceRepository>,
        settings: WebhookSettings,
    ) -> Self {
        Self { rt, webhooks, sender, signal, access: WorkspaceAccess::new(workspaces), settings }
    }

    /// Where an endpoint's circuit stands now, by this service's clock.
    #[must_use]
    pub fn circuit(&self, endpoint: &WebhookEndpoint) -> Breaker {
        endpoint.breaker(self.rt.clock.now())
    }

    /// How delivery jobs are retried.
    #[must_use]
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_attempts: self.settings.max_attempts,
            base: self.settings.retry_base,
            cap: self.settings.retry_cap,
        }
    }

    fn job(&self, delivery: DeliveryId, now: DateTime<Utc>) -> Job {
        NewJob {
            id: JobId::from_uuid(self.rt.ids.new_id()),
            kind: DELIVER_JOB.to_owned(),
            payload: job_payload(delivery),
            run_at: now,
            max_attempts: self.settings.max_attempts,
        }
        .queued(now)
    }

    /// Registers an endpoint (admins). The returned endpoint carries its
    /// secret, which is shown this once.
    ///
    /// # Errors
    /// `Invalid` (URL shape or a refused address, event types); `Forbidden`; `NotFound`.
    pub async fn create(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        input: WebhookInput,
    ) -> DomainResult<WebhookEndpoint> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        let url = input.url.trim().to_owned();
        validate_url(&url)?;
        validate_event_types(&input.event_types)?;
        self.sender.check_url(&url).await.map_err(|f| refused(&f))?;
        let now = self.rt.clock.now();
        let created_by = match actor.principal {
            Principal::User { user_id, .. } => Some(user_id),
            _ => None,
        };
        let endpoint = WebhookEndpoint {
            id: WebhookId::from_uuid(self.rt.ids.new_id()),
            workspace_id: workspace,
            url: url.clone(),
            description: input.description.trim().chars().take(500).collect(),
            event_types: input.event_types,
            secret: self.sender.new_secret(),
            active: true,
            disabled_reason: None,
            consecutive_failures: 0,
            breaker_until: None,
            failing_since: None,
            created_by,
            created_at: now,
            updated_at: now,
        };
        let event = self
            .rt
            .event(actor, EventPayload::WebhookCreated { workspace_id: workspace, webhook_id: endpoint.id, url });
        self.webhooks.create(&endpoint, &[event]).await?;
        Ok(endpoint)
    }

    /// The workspace's endpoints (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn list(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<Vec<WebhookEndpoint>> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        self.webhooks.list(workspace).await
    }

    /// One endpoint (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn get(&self, actor: &Actor, workspace: WorkspaceId, id: WebhookId) -> DomainResult<WebhookEndpoint> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        self.existing(workspace, id).await
    }

    async fn existing(&self, workspace: WorkspaceId, id: WebhookId) -> DomainResult<WebhookEndpoint> {
        self.webhooks.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::Webhook))
    }

    /// Changes an endpoint (admins).
    ///
    /// # Errors
    /// As [`WebhookService::create`].
    pub async fn update(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: WebhookId,
        changes: WebhookChanges,
    ) -> DomainResult<WebhookEndpoint> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        let mut endpoint = self.existing(workspace, id).await?;
        if let Some(url) = changes.url {
            let url = url.trim().to_owned();
            validate_url(&url)?;
            self.sender.check_url(&url).await.map_err(|f| refused(&f))?;
            endpoint.url = url;
        }
        if let Some(types) = changes.event_types {
            validate_event_types(&types)?;
            endpoint.event_types = types;
        }
        if let Some(description) = changes.description {
            endpoint.description = description.trim().chars().take(500).collect();
        }
        if let Some(active) = changes.active {
            if active && !endpoint.active {
                endpoint.disabled_reason = None;
                endpoint.consecutive_failures = 0;
                endpoint.breaker_until = None;
                endpoint.failing_since = None;
            }
            endpoint.active = active;
        }
        endpoint.updated_at = self.rt.clock.now();
        let event = self.rt.event(actor, EventPayload::WebhookUpdated { workspace_id: workspace, webhook_id: id });
        self.webhooks.update(&endpoint, &[event]).await?;
        Ok(endpoint)
    }

    /// Deletes an endpoint with its delivery log (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn delete(&self, actor: &Actor, workspace: WorkspaceId, id: WebhookId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        let event = self.rt.event(actor, EventPayload::WebhookDeleted { workspace_id: workspace, webhook_id: id });
        if self.webhooks.delete(workspace, id, &[event]).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(Entity::Webhook))
        }
    }

    /// Sends a test ping now, through the same path as events (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn ping(&self, actor: &Actor, workspace: WorkspaceId, id: WebhookId) -> DomainResult<Delivery> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        let endpoint = self.existing(workspace, id).await?;
        let now = self.rt.clock.now();
        let event_id = self.rt.ids.new_id();
        let data = serde_json::json!({"webhook_id": endpoint.id, "workspace_id": workspace}).to_string();
        let delivery = Delivery::pending(
            DeliveryId::from_uuid(self.rt.ids.new_id()),
            &endpoint,
            event_id,
            PING_EVENT,
            webhook_body(PING_EVENT, now, &data),
            now,
        );
        let event = self.rt.event(
            actor,
            EventPayload::WebhookDeliveryRequested {
                workspace_id: workspace,
                webhook_id: id,
                delivery_id: delivery.id,
                reason: "ping".into(),
            },
        );
        self.webhooks.request(&delivery, &self.job(delivery.id, now), &[event]).await?;
        self.signal.notify().await;
        Ok(delivery)
    }

    /// An endpoint's delivery log, newest first (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound`.
    pub async fn deliveries(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: WebhookId,
        limit: u32,
    ) -> DomainResult<Vec<Delivery>> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        self.existing(workspace, id).await?;
        self.webhooks.deliveries(id, limit.clamp(1, 200)).await
    }

    /// Sends a delivery again, whatever became of it (admins).
    ///
    /// # Errors
    /// `Forbidden`; `NotFound(Delivery)`.
    pub async fn redeliver(&self, actor: &Actor, workspace: WorkspaceId, id: DeliveryId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::ManageWebhooks).await?;
        let (delivery, _) = self
            .webhooks
            .delivery(id)
            .await?
            .filter(|(d, _)| d.workspace_id == workspace)
            .ok_or(DomainError::NotFound(Entity::Delivery))?;
        let event = self.rt.event(
            actor,
            EventPayload::WebhookDeliveryRequested {
                workspace_id: workspace,
                webhook_id: delivery.endpoint_id,
                delivery_id: id,
                reason: "redelivery".into(),
            },
        );
        self.webhooks.redeliver(id, &self.job(id, self.rt.clock.now()), &[event]).await?;
        self.signal.notify().await;
        Ok(())
    }

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

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
