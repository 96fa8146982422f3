//! Persistence of share links and what their downloads take from their limits.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::ids::{DocumentId, ShareLinkId, WorkspaceId};
use crate::sharing::ShareLink;
use crate::system::TokenHash;

/// What one request of a share link takes from its download limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadCharge {
    /// The bytes this request serves.
    pub bytes: u64,
    /// The size of one whole copy of what the link serves.
    pub copy_bytes: u64,
    /// Whether it starts a copy (the whole file, or a range from byte 0),
    /// which counts as a download.
    pub starts_copy: bool,
}

/// Share links.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ShareLinkRepository: Send + Sync {
    /// Stores a new link.
    ///
    /// # Errors
    /// `NotFound(Document)` when the document is not a live document of the workspace.
    async fn create(&self, link: &ShareLink, events: &[NewEvent]) -> DomainResult<()>;

    /// A link of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn get(&self, workspace: WorkspaceId, id: ShareLinkId) -> DomainResult<Option<ShareLink>>;

    /// The links of a document, newest first.
    ///
    /// # Errors
    /// Storage failures.
    async fn list(&self, workspace: WorkspaceId, document: DocumentId) -> DomainResult<Vec<ShareLink>>;

    /// The link whose token hashes to `hash`.
    ///
    /// # Errors
    /// Storage failures.
    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<ShareLink>>;

    /// Revokes a link that is not revoked yet; `false` when it already was.
    ///
    /// # Errors
    /// `NotFound(ShareLink)`.
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ShareLinkId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Charges one request against the link's download limit, atomically with
    /// the check that the link still works at `now` (not revoked, expired or
    /// used up): the bytes served so far plus `charge.bytes` stay within
    /// `max_downloads × charge.copy_bytes`, and a request that starts a copy
    /// also needs a download left. Of racing requests for the last bytes
    /// exactly one is charged. `false` (nothing stored) when the link no
    /// longer works or the charge does not fit.
    ///
    /// # Errors
    /// Storage failures.
    async fn count_download(
        &self,
        id: ShareLinkId,
        charge: DownloadCharge,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Links, of any workspace, that expired before `now` without being
    /// revoked and whose expiry is not recorded yet, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn expired_unrecorded(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<ShareLink>>;

    /// Records a link's expiry with `events`, once: `false` when it was already recorded.
    ///
    /// # Errors
    /// Storage failures.
    async fn record_expiry(&self, id: ShareLinkId, at: DateTime<Utc>, events: &[NewEvent]) -> DomainResult<bool>;
}
