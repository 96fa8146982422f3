//! Share links: members create, list and revoke them, and the worker
//! records their expiries; what a link's holder may do is in [`super::public`].

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::audit::EventPayload;
use crate::documents::{BlobLedger, BlobStore, DocumentRepository};
use crate::documents::{Document, DocumentVersion};
use crate::error::{DomainError, Entity};
use crate::identity::Password;
use crate::identity::{PasswordHasher, RateLimiter};
use crate::ids::{DocumentId, ShareLinkId, WorkspaceId};
use crate::policy::Action;
use crate::sharing::ShareLinkRepository;
use crate::sharing::{LinkGone, MAX_SHARE_DOWNLOADS, ShareLink};
use crate::system::Runtime;
use crate::system::SecretGenerator;
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult};

/// Share tokens start with this, so they are recognisable wherever they leak.
pub const SHARE_TOKEN_PREFIX: &str = "cabs_";
/// The furthest a link's expiry may lie ahead.
pub const MAX_SHARE_LIFETIME: Duration = Duration::from_secs(366 * 24 * 3600);

/// How hard guessing is made.
#[derive(Debug, Clone, Copy)]
pub struct ShareSettings {
    /// Unknown tokens one address may present per window.
    pub misses_per_ip: u64,
    /// Wrong passwords one link accepts per window.
    pub password_failures: u64,
    /// The window of both counters.
    pub window: Duration,
}

impl Default for ShareSettings {
    fn default() -> Self {
        Self { misses_per_ip: 30, password_failures: 10, window: Duration::from_secs(15 * 60) }
    }
}

/// What a new link allows.
#[derive(Debug, Default)]
pub struct NewShareLink {
    /// Pin a version; `None` follows the current one.
    pub version: Option<u32>,
    /// When the link stops working.
    pub expires_at: Option<DateTime<Utc>>,
    /// A password to ask for.
    pub password: Option<String>,
    /// How many downloads it allows.
    pub max_downloads: Option<u32>,
}

/// What a link opens: the document and the version it serves.
#[derive(Debug, Clone)]
pub struct SharedDocument {
    /// The link.
    pub link: ShareLink,
    /// The document.
    pub document: Document,
    /// The version the link serves.
    pub version: DocumentVersion,
}

/// The ports the share service needs.
#[derive(Clone)]
pub struct SharePorts {
    /// Time and ids.
    pub rt: Runtime,
    /// Links.
    pub links: Arc<dyn ShareLinkRepository>,
    /// Documents.
    pub documents: Arc<dyn DocumentRepository>,
    /// Where each version's content is kept.
    pub ledger: Arc<dyn BlobLedger>,
    /// Content.
    pub blobs: Arc<dyn BlobStore>,
    /// Workspaces, for access checks.
    pub workspaces: Arc<dyn WorkspaceRepository>,
    /// Link passwords.
    pub hasher: Arc<dyn PasswordHasher>,
    /// Tokens.
    pub secrets: Arc<dyn SecretGenerator>,
    /// Guessing limits.
    pub limiter: Arc<dyn RateLimiter>,
}

impl std::fmt::Debug for SharePorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharePorts")
    }
}

/// The share link use cases.
pub struct ShareService {
    pub(super) ports: SharePorts,
    pub(super) access: WorkspaceAccess,
    pub(super) settings: ShareSettings,
}

impl std::fmt::Debug for ShareService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareService").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl ShareService {
    /// The share use cases over `ports`.
    #[must_use]
    pub fn new(ports: SharePorts, settings: ShareSettings) -> Self {
        let access = WorkspaceAccess::new(ports.workspaces.clone());
        Self { ports, access, settings }
    }

    /// Creates a link to a document (editors and above). The token is
    /// returned this once; only its hash is kept.
    ///
    /// # Errors
    /// `NotFound` (workspace, document or pinned version); `Forbidden`; `Invalid`.
    pub async fn create(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        document: DocumentId,
        new: NewShareLink,
    ) -> DomainResult<(ShareLink, String)> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let now = self.ports.rt.clock.now();
        let mut errors = Vec::new();
        if let Some(at) = new.expires_at {
            let latest = now + chrono::Duration::from_std(MAX_SHARE_LIFETIME).map_err(DomainError::internal)?;
            if at <= now {
                errors.push(crate::FieldError::new("expires_at", "must be in the future"));
            } else if at > latest {
                errors.push(crate::FieldError::new("expires_at", "must be within a year"));
            }
        }
        if new.max_downloads.is_some_and(|n| n == 0 || n > MAX_SHARE_DOWNLOADS) {
            errors.push(crate::FieldError::new("max_downloads", format!("must be from 1 to {MAX_SHARE_DOWNLOADS}")));
        }
        let password = match new.password.map(|p| Password::new_checked("password", p)).transpose() {
            Ok(p) => p,
            Err(DomainError::Invalid(mut fields)) => {
                errors.append(&mut fields);
                None
            }
            Err(other) => return Err(other),
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        self.ports.documents.get(workspace, document).await?.ok_or(DomainError::NotFound(Entity::Document))?;
        if let Some(number) = new.version {
            self.ports
                .documents
                .version(workspace, document, number)
                .await?
                .ok_or(DomainError::NotFound(Entity::Version))?;
        }
        let password_hash = match &password {
            Some(p) => Some(self.ports.hasher.hash(p).await?),
            None => None,
        };
        let token = self.ports.secrets.generate(SHARE_TOKEN_PREFIX);
        let link = ShareLink {
            id: ShareLinkId::from_uuid(self.ports.rt.ids.new_id()),
            workspace_id: workspace,
            document_id: document,
            version: new.version,
            token_hash: self.ports.secrets.hash(&token),
            password_hash,
            expires_at: new.expires_at,
            max_downloads: new.max_downloads,
            downloads: 0,
            created_by: actor.user_id(),
            created_at: now,
            revoked_at: None,
        };
        let event = self.ports.rt.event(
            actor,
            EventPayload::ShareLinkCreated {
                workspace_id: workspace,
                link_id: link.id,
                document_id: document,
                version: link.version,
                expires_at: link.expires_at,
                password_protected: link.password_hash.is_some(),
                max_downloads: link.max_downloads,
            },
        );
        self.ports.links.create(&link, &[event]).await?;
        Ok((link, token))
    }

    /// The links of a document, newest first, each with why it no longer
    /// works, if it does not (any member).
    ///
    /// # Errors
    /// `NotFound` (workspace or document).
    pub async fn list(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        document: DocumentId,
    ) -> DomainResult<Vec<(ShareLink, Option<LinkGone>)>> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        self.ports.documents.get(workspace, document).await?.ok_or(DomainError::NotFound(Entity::Document))?;
        let now = self.ports.rt.clock.now();
        let links = self.ports.links.list(workspace, document).await?;
        Ok(links
            .into_iter()
            .map(|link| {
                let gone = link.gone(now);
                (link, gone)
            })
            .collect())
    }

    /// Revokes a link (editors and above); revoking twice changes nothing.
    ///
    /// # Errors
    /// `NotFound` (workspace or link); `Forbidden`.
    pub async fn revoke(&self, actor: &Actor, workspace: WorkspaceId, id: ShareLinkId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let link = self.ports.links.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::ShareLink))?;
        let event = self.ports.rt.event(
            actor,
            EventPayload::ShareLinkRevoked { workspace_id: workspace, link_id: id, document_id: link.document_id },
        );
        self.ports.links.revoke(workspace, id, self.ports.rt.clock.now(), &[event]).await?;
        Ok(())
    }

    /// Records, as events, the expiry of links that expired since the last
    /// look; returns how many. Only Cabinet itself may.
    ///
    /// # Errors
    /// `Forbidden` for anyone else; storage failures.
    pub async fn record_expiries(&self, actor: &Actor) -> DomainResult<u64> {
        if actor.principal != crate::Principal::System {
            return Err(DomainError::Forbidden("only Cabinet records link expiries"));
        }
        const BATCH: u32 = 200;
        let mut recorded = 0;
        loop {
            let now = self.ports.rt.clock.now();
            let batch = self.ports.links.expired_unrecorded(now, BATCH).await?;
            for link in &batch {
                let event = self.ports.rt.event(
                    actor,
                    EventPayload::ShareLinkExpired {
                        workspace_id: link.workspace_id,
                        link_id: link.id,
                        document_id: link.document_id,
                    },
                );
                if self.ports.links.record_expiry(link.id, now, &[event]).await? {
                    recorded += 1;
                }
            }
            if batch.len() < BATCH as usize {
                return Ok(recorded);
            }
        }
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
