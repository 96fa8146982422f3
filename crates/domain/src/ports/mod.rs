//! The traits through which the domain reaches the outside world.
//!
//! Every port is object-safe, `Send + Sync` and injected as `Arc<dyn Port>`.
//! Each method documents, under `# Errors`, what an implementation must return,
//! and every adapter of a port passes the same contract test suite. With the
//! `mocks` feature each port also gets a mockall mock (`MockClock`, …).

mod audit;
mod blobs;
mod cache;
mod content;
mod credentials;
mod health;
mod idempotency;
mod jobs;
mod repositories;
mod search;
mod system;
mod webhooks;

pub use audit::{AuditTrail, EventStream, Projections};
pub use blobs::{BlobContent, BlobKey, BlobStore, ByteStream, StoredBlob};
pub use cache::{Counter, RateLimiter, RevocationList};
pub use content::{ContentAnalyzer, ContentRecord, ContentRepository};
pub use credentials::{AccessClaims, AccessTokenCodec, DeviceClaims, PasswordCheck, PasswordHasher};
pub use health::HealthCheck;
pub use idempotency::{Claim, IdempotencyStore, StoredResponse};
pub use jobs::{JobQueue, JobSignal};
pub use repositories::{
    ApiKeyRepository, DocumentRepository, DownloadCharge, FolderRepository, SessionRepository, ShareLinkRepository,
    StaticBlobStore, UserRepository, WorkspaceRepository,
};
pub use search::SearchIndex;
pub use system::{Clock, IdGenerator, SecretGenerator};
pub use webhooks::{Attempt, SendFailure, WebhookRepository, WebhookRequest, WebhookResponse, WebhookSender};

#[cfg(any(test, feature = "mocks"))]
pub use audit::{MockAuditTrail, MockProjections};
#[cfg(any(test, feature = "mocks"))]
pub use blobs::MockBlobStore;
#[cfg(any(test, feature = "mocks"))]
pub use cache::{MockRateLimiter, MockRevocationList};
#[cfg(any(test, feature = "mocks"))]
pub use content::{MockContentAnalyzer, MockContentRepository};
#[cfg(any(test, feature = "mocks"))]
pub use credentials::{MockAccessTokenCodec, MockPasswordHasher};
#[cfg(any(test, feature = "mocks"))]
pub use health::MockHealthCheck;
#[cfg(any(test, feature = "mocks"))]
pub use idempotency::MockIdempotencyStore;
#[cfg(any(test, feature = "mocks"))]
pub use jobs::{MockJobQueue, MockJobSignal};
#[cfg(any(test, feature = "mocks"))]
pub use repositories::{
    MockApiKeyRepository, MockDocumentRepository, MockFolderRepository, MockSessionRepository, MockShareLinkRepository,
    MockUserRepository, MockWorkspaceRepository,
};
#[cfg(any(test, feature = "mocks"))]
pub use search::MockSearchIndex;
#[cfg(any(test, feature = "mocks"))]
pub use system::{MockClock, MockIdGenerator, MockSecretGenerator};
#[cfg(any(test, feature = "mocks"))]
pub use webhooks::{MockWebhookRepository, MockWebhookSender};
