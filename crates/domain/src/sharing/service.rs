//! Share links: anyone holding one may read one document, within the link's
//! expiry, download limit and password.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::actor::{ActorKind, ActorRef};
use crate::audit::EventPayload;
use crate::documents::{BlobLedger, BlobStore, DocumentRepository};
use crate::documents::{Document, DocumentVersion, RangeSpec, Sha256};
use crate::documents::{Download, Serving, content_key, serving};
use crate::error::{DomainError, Entity};
use crate::identity::Password;
use crate::identity::{PasswordCheck, PasswordHasher, RateLimiter};
use crate::ids::{DocumentId, ShareLinkId, WorkspaceId};
use crate::policy::Action;
use crate::sharing::{DownloadCharge, ShareLinkRepository};
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
    ports: SharePorts,
    access: WorkspaceAccess,
    settings: ShareSettings,
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

    /// Opens a link presented by anyone: the document and version it serves.
    ///
    /// # Errors
    /// `NotFound(ShareLink)` for an unknown token or a document no longer
    /// live; `LinkGone` for a revoked, expired or used-up link;
    /// `SharePasswordRequired`/`SharePasswordWrong`; `RateLimited` after too
    /// many unknown tokens from one address or wrong passwords for one link.
    pub async fn open(&self, actor: &Actor, token: &str, password: Option<String>) -> DomainResult<SharedDocument> {
        let miss_key = actor.origin.ip.map(|ip| format!("share:miss:ip:{ip}"));
        if let Some(key) = &miss_key
            && let Some(counter) = self.ports.limiter.peek(key).await?
            && counter.count >= self.settings.misses_per_ip
        {
            return Err(DomainError::RateLimited { retry_after: counter.resets_in });
        }
        let link = match self.ports.links.find_by_token(&self.ports.secrets.hash(token)).await? {
            Some(link) => link,
            None => {
                if let Some(key) = &miss_key {
                    self.ports.limiter.hit(key, self.settings.window).await?;
                }
                return Err(DomainError::NotFound(Entity::ShareLink));
            }
        };
        if let Some(gone) = link.gone(self.ports.rt.clock.now()) {
            return Err(DomainError::LinkGone(gone));
        }
        if let Some(hash) = &link.password_hash {
            self.check_password(&link, hash, password).await?;
        }
        let (workspace, id) = (link.workspace_id, link.document_id);
        let document =
            self.ports.documents.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::ShareLink))?;
        let number = link.version.unwrap_or(document.current_version);
        let version = self
            .ports
            .documents
            .version(workspace, id, number)
            .await?
            .ok_or(DomainError::NotFound(Entity::ShareLink))?;
        Ok(SharedDocument { link, document, version })
    }

    async fn check_password(
        &self,
        link: &ShareLink,
        hash: &crate::identity::PasswordHash,
        presented: Option<String>,
    ) -> DomainResult<()> {
        let key = format!("share:password:{}", link.id);
        if let Some(counter) = self.ports.limiter.peek(&key).await?
            && counter.count >= self.settings.password_failures
        {
            return Err(DomainError::RateLimited { retry_after: counter.resets_in });
        }
        let Some(presented) = presented.filter(|p| !p.is_empty()) else {
            return Err(DomainError::SharePasswordRequired);
        };
        let matches = match Password::presented("password", presented) {
            Ok(password) => self.ports.hasher.verify(&password, hash).await? != PasswordCheck::Mismatch,
            Err(_) => false,
        };
        if !matches {
            self.ports.limiter.hit(&key, self.settings.window).await?;
            return Err(DomainError::SharePasswordWrong);
        }
        Ok(())
    }

    /// Downloads what a link serves. A request for the whole file, or for a
    /// range from its first byte, counts as a download (atomically with the
    /// check that one is left), and every request's bytes are charged against
    /// the limit: a limit of N lets at most N whole copies out, however the
    /// ranges are cut. Bytes are charged when a request is answered, not as
    /// they leave, so an interrupted download spends what it asked for.
    ///
    /// # Errors
    /// As [`ShareService::open`]; `RangeNotSatisfiable`; `LinkGone(Exhausted)`
    /// when a concurrent download took the last one.
    pub async fn download(
        &self,
        actor: &Actor,
        token: &str,
        password: Option<String>,
        range: Option<RangeSpec>,
        if_none_match: &[Sha256],
    ) -> DomainResult<(SharedDocument, Download)> {
        let shared = self.open(actor, token, password).await?;
        let version = shared.version.clone();
        let range = match serving(&version, range, if_none_match)? {
            Serving::NotModified => return Ok((shared, Download { version, content: None })),
            Serving::Bytes(range) => range,
        };
        let link = &shared.link;
        let starts_copy = range.is_none_or(|r| r.start() == 0);
        let charge =
            DownloadCharge { bytes: range.map_or(version.size, |r| r.len()), copy_bytes: version.size, starts_copy };
        // A download is one event, however many ranges it is fetched in.
        let events: Vec<_> = starts_copy
            .then(|| {
                self.ports.rt.event_by(
                    ActorRef { kind: ActorKind::ShareLink, id: Some(link.id.as_uuid()) },
                    actor,
                    EventPayload::ShareLinkDownloaded {
                        workspace_id: link.workspace_id,
                        link_id: link.id,
                        document_id: link.document_id,
                        version: version.number,
                    },
                )
            })
            .into_iter()
            .collect();
        let now = self.ports.rt.clock.now();
        if !self.ports.links.count_download(link.id, charge, now, &events).await? {
            // It stopped working since it was opened, or its bytes are spent: say why.
            let current = self.ports.links.get(link.workspace_id, link.id).await?;
            let gone = current.and_then(|l| l.gone(now)).unwrap_or(LinkGone::Exhausted);
            return Err(DomainError::LinkGone(gone));
        }
        let key = content_key(self.ports.ledger.as_ref(), shared.link.workspace_id, &version).await?;
        let content = self.ports.blobs.get(&key, range).await?;
        Ok((shared, Download { version, content: Some(content) }))
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
