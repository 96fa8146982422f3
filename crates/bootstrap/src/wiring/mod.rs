//! One builder per capability: each takes what the capabilities share and
//! its own settings, and hands back that capability's services, so that
//! wiring a capability reads in one place, as its domain module does.

pub mod documents;
pub mod identity;
pub mod sharing;
pub mod webhooks;

use std::sync::Arc;

use cabinet_db::Database;
use cabinet_domain::identity::{PasswordHasher, RateLimiter};
use cabinet_domain::jobs::JobSignal;
use cabinet_domain::system::{Runtime, SecretGenerator};
use cabinet_domain::workspaces::WorkspaceRepository;
use cabinet_storage::ObjectBlobStore;

/// What several capabilities use, built once.
pub(crate) struct Shared {
    pub rt: Runtime,
    pub database: Database,
    pub workspaces: Arc<dyn WorkspaceRepository>,
    pub blobs: Arc<ObjectBlobStore>,
    pub limiter: Arc<dyn RateLimiter>,
    pub secrets: Arc<dyn SecretGenerator>,
    pub hasher: Arc<dyn PasswordHasher>,
    pub signal: Arc<dyn JobSignal>,
}
