//! Webhook endpoints and their deliveries over HTTP.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use cabinet_domain::webhooks::{WebhookService, WebhookSettings};
use cabinet_webhooks::{GuardOptions, HttpWebhookSender};

use super::Shared;
use crate::Settings;

pub(crate) fn build(shared: &Shared, settings: &Settings) -> anyhow::Result<WebhookService> {
    let hooks = &settings.webhooks;
    let sender = HttpWebhookSender::new(
        GuardOptions { allow_loopback: hooks.allow_loopback },
        Duration::from_secs(hooks.connect_timeout_secs),
        Duration::from_secs(hooks.timeout_secs),
    )
    .context("building the webhook client")?;
    Ok(WebhookService::new(
        shared.rt.clone(),
        Arc::new(shared.database.webhooks()),
        Arc::new(sender),
        shared.signal.clone(),
        shared.workspaces.clone(),
        WebhookSettings {
            max_attempts: hooks.max_attempts.max(1),
            retry_base: Duration::from_secs(hooks.retry_base_secs),
            retry_cap: Duration::from_secs(hooks.retry_cap_secs),
            breaker_threshold: hooks.breaker_threshold.max(1),
            breaker_open: Duration::from_secs(hooks.breaker_open_secs),
            disable_after: Duration::from_secs(hooks.disable_after_secs),
        },
    ))
}
