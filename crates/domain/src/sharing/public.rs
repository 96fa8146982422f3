//! What anyone holding a share link may do: open it and download the
//! document it serves, within the link's expiry, download limit and password.

use crate::actor::{ActorKind, ActorRef};
use crate::audit::EventPayload;
use crate::documents::{Download, Serving, content_key, serving};
use crate::documents::{RangeSpec, Sha256};
use crate::error::{DomainError, Entity};
use crate::identity::Password;
use crate::identity::PasswordCheck;
use crate::sharing::DownloadCharge;
use crate::sharing::{LinkGone, ShareLink, ShareService, SharedDocument};
use crate::{Actor, DomainResult};

impl ShareService {
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
