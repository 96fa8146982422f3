//! Webhooks: admins register endpoints, list their deliveries and redeliver;
//! sending is in [`super::delivery`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::audit::EventPayload;
use crate::error::{DomainError, Entity};
use crate::ids::{DeliveryId, JobId, WebhookId, WorkspaceId};
use crate::jobs::Job;
use crate::jobs::JobSignal;
use crate::jobs::{NewJob, RetryPolicy};
use crate::policy::Action;
use crate::system::Runtime;
use crate::webhooks::delivery::job_payload;
use crate::webhooks::{
    Breaker, Delivery, PING_EVENT, WebhookEndpoint, validate_event_types, validate_url, webhook_body,
};
use crate::webhooks::{DELIVER_JOB, SendFailure, WebhookRepository, WebhookSender};
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

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
    pub(super) rt: Runtime,
    pub(super) webhooks: Arc<dyn WebhookRepository>,
    pub(super) sender: Arc<dyn WebhookSender>,
    pub(super) signal: Arc<dyn JobSignal>,
    pub(super) access: WorkspaceAccess,
    pub(super) settings: WebhookSettings,
}

impl std::fmt::Debug for WebhookService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebhookService").field("settings", &self.settings).finish_non_exhaustive()
    }
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

    pub(super) fn job(&self, delivery: DeliveryId, now: DateTime<Utc>) -> Job {
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
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
