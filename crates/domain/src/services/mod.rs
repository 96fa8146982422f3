//! Use cases. Each takes the [`crate::Actor`] asking for it and decides, with
//! the pure policy in [`crate::policy`], whether the actor may.

mod access;
mod api_keys;
mod audit;
mod auth;
mod content;
mod documents;
mod folders;
mod jobs;
mod search;
mod shares;
mod webhooks;
mod workspaces;

#[cfg(test)]
mod testkit;

pub use access::WorkspaceAccess;
pub use api_keys::{ApiKeyService, CreateApiKey};
pub use audit::AuditService;
pub use auth::{
    API_KEY_PREFIX, AuthPorts, AuthService, AuthSettings, Credentials, REFRESH_TOKEN_PREFIX, Registration, SessionView,
    ThrottleSettings, TokenPair,
};
pub use content::{ContentPorts, ContentService, PROCESS_JOB, PROCESS_RETRY, VersionRef};
pub use documents::{Collected, DocumentChanges, DocumentService, Download, OPAQUE_CONTENT_TYPE, Upload, UploadLimits};
pub use folders::FolderService;
pub use jobs::{JobError, JobHandler, JobOutcome, JobService, NewJob, RetryPolicy};
pub use search::SearchService;
pub use shares::{
    MAX_SHARE_LIFETIME, NewShareLink, SHARE_TOKEN_PREFIX, SharePorts, ShareService, ShareSettings, SharedDocument,
};
pub use webhooks::{DELIVER_JOB, WebhookChanges, WebhookInput, WebhookService, WebhookSettings, delivery_of};
pub use workspaces::{ROOT_FOLDER_NAME, WorkspaceService};

use std::sync::Arc;

use crate::Actor;
use crate::actor::ActorRef;
use crate::events::{EventPayload, NewEvent};
use crate::ports::{Clock, IdGenerator};

/// Time and ids, which every service needs.
#[derive(Clone)]
pub struct Runtime {
    /// The clock.
    pub clock: Arc<dyn Clock>,
    /// The id generator.
    pub ids: Arc<dyn IdGenerator>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Runtime")
    }
}

impl Runtime {
    /// An event caused by `actor` now.
    fn event(&self, actor: &Actor, payload: EventPayload) -> NewEvent {
        self.event_by(actor.reference(), actor, payload)
    }

    /// An event attributed to `by`, with the origin of `request`'s actor.
    fn event_by(&self, by: ActorRef, request: &Actor, payload: EventPayload) -> NewEvent {
        NewEvent {
            id: self.ids.new_id(),
            payload,
            actor: by,
            origin: request.origin.clone(),
            occurred_at: self.clock.now(),
        }
    }
}
