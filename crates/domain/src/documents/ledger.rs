//! The blob ledger: which content each workspace holds and where, and which
//! uploads are in flight, so that content is stored once per workspace and
//! nothing is deleted that a version or a running upload needs.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::documents::{BlobKey, BlobWrite, Sha256, StoredBlob};
use crate::ids::WorkspaceId;

/// The record of stored content, beside the [`crate::documents::BlobStore`]
/// that holds the bytes. Content a version references is held; content no
/// version references is released, and collection removes it after a grace.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobLedger: Send + Sync {
    /// Records that content is being written (its key, and the store's id
    /// for the unfinished upload, if any), so that an upload a dead process
    /// abandoned can be found and removed.
    ///
    /// # Errors
    /// Storage failures.
    async fn begin_upload(&self, workspace: WorkspaceId, write: &BlobWrite, now: DateTime<Utc>) -> DomainResult<()>;

    /// Forgets an upload in flight whose content was removed (or never written).
    ///
    /// # Errors
    /// Storage failures.
    async fn end_upload(&self, key: &BlobKey) -> DomainResult<()>;

    /// Uploads begun before `before` and never finished, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn abandoned_uploads(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<BlobWrite>>;

    /// Records that the upload written to `key` holds `sha256`, so that
    /// collection cannot delete that content while the upload is between
    /// writing it and recording its version. Content the workspace does not
    /// hold yet is recorded at `key`, released at `now`: if no version ever
    /// references it, collection removes it after its grace. Content the
    /// workspace holds already stays where it is, and the upload at `key`
    /// stays recorded as in flight until the caller removes it.
    ///
    /// Returns where the content is kept.
    ///
    /// # Errors
    /// [`crate::DomainError::UploadAborted`] when the upload is no longer
    /// recorded (it was taken for abandoned); storage failures.
    async fn reserve_blob(
        &self,
        workspace: WorkspaceId,
        blob: &StoredBlob,
        now: DateTime<Utc>,
    ) -> DomainResult<BlobKey>;

    /// Where the workspace keeps the content with this digest.
    ///
    /// # Errors
    /// Storage failures.
    async fn blob_key(&self, workspace: WorkspaceId, sha256: &Sha256) -> DomainResult<Option<BlobKey>>;

    /// Content released before `before`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn released_blobs(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, Sha256)>>;

    /// Takes released content out of the ledger for deletion, if it is
    /// still released since before `before` and no version references it:
    /// its record goes and its key is recorded as an upload in flight begun
    /// then (so an interrupted deletion is finished by the sweep of
    /// abandoned uploads). Atomic with [`BlobLedger::reserve_blob`]: an
    /// upload of the same bytes either reserves the content first (and it
    /// stays) or, after this, stores its own copy. Returns the key whose
    /// object the caller deletes, then ends with [`BlobLedger::end_upload`].
    ///
    /// # Errors
    /// Storage failures; nothing changes then.
    async fn retire_blob(
        &self,
        workspace: WorkspaceId,
        sha256: &Sha256,
        before: DateTime<Utc>,
    ) -> DomainResult<Option<BlobKey>>;
}
