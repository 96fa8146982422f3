//! Webhook endpoints and deliveries, and sending them.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::ids::{DeliveryId, WebhookId, WorkspaceId};
use crate::jobs::Job;
use crate::webhooks::{Delivery, OutboxEvent, WebhookEndpoint};

/// What one attempt to deliver found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attempt {
    /// When it was made.
    pub at: DateTime<Utc>,
    /// Whether the receiver answered 2xx.
    pub succeeded: bool,
    /// The response's status code, if a response came.
    pub status: Option<u16>,
    /// The start of the response's body.
    pub body: Option<String>,
    /// Why no response came.
    pub error: Option<String>,
    /// How long it took.
    pub duration_ms: u64,
}

/// Webhook endpoints, their deliveries and the outbox cursor of each.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookRepository: Send + Sync {
    /// Stores a new endpoint; it receives the events that follow its creation.
    ///
    /// # Errors
    /// Storage failures.
    async fn create(&self, endpoint: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()>;

    /// An endpoint of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn get(&self, workspace: WorkspaceId, id: WebhookId) -> DomainResult<Option<WebhookEndpoint>>;

    /// The workspace's endpoints, oldest first.
    ///
    /// # Errors
    /// Storage failures.
    async fn list(&self, workspace: WorkspaceId) -> DomainResult<Vec<WebhookEndpoint>>;

    /// Stores an endpoint's new settings and breaker state.
    ///
    /// # Errors
    /// `NotFound(Webhook)`; storage failures.
    async fn update(&self, endpoint: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()>;

    /// Deletes an endpoint with its deliveries; `false` when there was none.
    ///
    /// # Errors
    /// Storage failures.
    async fn delete(&self, workspace: WorkspaceId, id: WebhookId, events: &[NewEvent]) -> DomainResult<bool>;

    /// Active endpoints whose workspace has events they have not been
    /// offered yet, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn lagging(&self, limit: u32) -> DomainResult<Vec<WebhookEndpoint>>;

    /// The events of the endpoint's workspace after its cursor, in order,
    /// at most `limit`, and the cursor they start after.
    ///
    /// # Errors
    /// Storage failures.
    async fn outbox(&self, endpoint: WebhookId, limit: u32) -> DomainResult<(u64, Vec<OutboxEvent>)>;

    /// Records `deliveries` with their `jobs` and moves the endpoint's
    /// cursor from `from` to `to`, in one transaction, only if the cursor
    /// is still at `from` (`false`, nothing stored, otherwise): two workers
    /// dispatching at once never deliver an event twice.
    ///
    /// # Errors
    /// Storage failures.
    async fn dispatch(
        &self,
        endpoint: WebhookId,
        from: u64,
        to: u64,
        deliveries: &[Delivery],
        jobs: &[Job],
    ) -> DomainResult<bool>;

    /// Stores a delivery asked for by hand (a ping) with its job and events.
    ///
    /// # Errors
    /// Storage failures.
    async fn request(&self, delivery: &Delivery, job: &Job, events: &[NewEvent]) -> DomainResult<()>;

    /// Puts a delivery back to pending and enqueues `job` for it, with `events`.
    ///
    /// # Errors
    /// `NotFound(Delivery)`; storage failures.
    async fn redeliver(&self, delivery: DeliveryId, job: &Job, events: &[NewEvent]) -> DomainResult<()>;

    /// A delivery with its endpoint (`None` when either is gone).
    ///
    /// # Errors
    /// Storage failures.
    async fn delivery(&self, id: DeliveryId) -> DomainResult<Option<(Delivery, WebhookEndpoint)>>;

    /// An endpoint's deliveries, newest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn deliveries(&self, endpoint: WebhookId, limit: u32) -> DomainResult<Vec<Delivery>>;

    /// Takes the one probe a half-open circuit allows: moves the endpoint's
    /// lapsed `breaker_until` to `until` if no other delivery did so first.
    /// `false` when the circuit is not half-open at `now` (another delivery
    /// is probing, or it closed).
    ///
    /// # Errors
    /// Storage failures.
    async fn claim_probe(&self, endpoint: WebhookId, now: DateTime<Utc>, until: DateTime<Utc>) -> DomainResult<bool>;

    /// Counts an attempt against the endpoint, atomically (deliveries to one
    /// endpoint run concurrently): a success clears its failures, a failure
    /// adds one and starts the outage clock if it is not running. Returns
    /// the endpoint as it is now.
    ///
    /// # Errors
    /// `NotFound(Webhook)`; storage failures.
    async fn count_attempt(
        &self,
        endpoint: WebhookId,
        succeeded: bool,
        at: DateTime<Utc>,
    ) -> DomainResult<WebhookEndpoint>;

    /// Records, before a request goes out, that attempt `attempts` of the
    /// delivery started at `at`: if the worker dies before the answer is
    /// recorded, the log still shows every attempt the receiver may have got.
    ///
    /// # Errors
    /// Storage failures.
    async fn start_attempt(&self, id: DeliveryId, attempts: u32, at: DateTime<Utc>) -> DomainResult<()>;

    /// Records an attempt on the delivery (and its final status when it
    /// has one) and the endpoint's breaker and on/off state, with `events`.
    ///
    /// # Errors
    /// Storage failures.
    async fn record(&self, delivery: &Delivery, endpoint: &WebhookEndpoint, events: &[NewEvent]) -> DomainResult<()>;
}

/// A signed webhook on its way out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookRequest {
    /// Where to post it.
    pub url: String,
    /// The `webhook-id` header.
    pub message_id: String,
    /// The `webhook-timestamp` header.
    pub timestamp: DateTime<Utc>,
    /// The JSON body.
    pub body: String,
    /// The endpoint's `whsec_…` secret.
    pub secret: String,
}

/// Why a webhook could not be sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// The URL may not be reached (a private, loopback or metadata address,
    /// or plain HTTP where it is not allowed); trying again cannot help.
    #[error("refused: {0}")]
    Refused(String),
    /// No response: connection refused, timeout, TLS failure.
    #[error("{error}")]
    NoResponse {
        /// What went wrong.
        error: String,
        /// How long it took.
        duration_ms: u64,
    },
}

/// The receiver's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookResponse {
    /// The status code.
    pub status: u16,
    /// The start of the body.
    pub body: String,
    /// How long the request took.
    pub duration_ms: u64,
}

/// Signs and posts webhooks, guarding against requests into private networks.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WebhookSender: Send + Sync {
    /// Checks that `url` may be used: its scheme, and every address its host
    /// resolves to.
    ///
    /// # Errors
    /// [`SendFailure::Refused`] saying why.
    async fn check_url(&self, url: &str) -> Result<(), SendFailure>;

    /// A new signing secret, `whsec_` followed by base64.
    fn new_secret(&self) -> String;

    /// Signs and posts `request` (no redirects followed, bounded in time).
    ///
    /// # Errors
    /// [`SendFailure`] when no response came or the URL is refused.
    async fn send(&self, request: &WebhookRequest) -> Result<WebhookResponse, SendFailure>;
}
