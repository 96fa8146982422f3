//! Webhooks: endpoints per workspace, signed deliveries with retries and a
//! circuit breaker, and the delivery log.

mod delivery;
mod model;
mod ports;
mod service;

pub use delivery::{DELIVER_JOB, delivery_of};
pub use model::{
    Breaker, Delivery, DeliveryStatus, MAX_RESPONSE_BODY, OutboxEvent, PING_EVENT, WebhookEndpoint,
    validate_event_types, validate_url, webhook_body,
};
pub use ports::{Attempt, SendFailure, WebhookRepository, WebhookRequest, WebhookResponse, WebhookSender};
pub use service::{WebhookChanges, WebhookInput, WebhookService, WebhookSettings};

#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockWebhookRepository, MockWebhookSender};
