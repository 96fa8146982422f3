//! Persistence of documents and their versions.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::documents::{BlobKey, BlobStore, StoredBlob};
use crate::documents::{Document, DocumentVersion, Sha256};
use crate::ids::{DocumentId, WorkspaceId};

/// A blob store as services hold it (behind an `Arc`).
pub type StaticBlobStore = dyn BlobStore + 'static;

/// Documents and their versions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DocumentRepository: Send + Sync {
    /// Stores a new document with its first version, and records the
    /// version's content as held by the workspace. With a `quota`, content
    /// the workspace does not hold yet must fit in it; the check and the
    /// write are atomic with respect to other uploads to the workspace.
    ///
    /// # Errors
    /// `Conflict(NameTaken)` when a document of the folder has the name;
    /// `NotFound(Folder)` when the folder is not in the workspace;
    /// `QuotaExceeded`.
    async fn create(
        &self,
        document: &Document,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Adds `version` as the document's newest, but only if the document's
    /// current version is still `version.number - 1`: of concurrent uploads
    /// computed from the same state exactly one succeeds, the others get
    /// `false` (and store nothing) and may retry from the new state. The
    /// quota is enforced as in [`DocumentRepository::create`].
    ///
    /// # Errors
    /// `NotFound(Document)` when the document is not in the workspace; `QuotaExceeded`.
    async fn add_version(
        &self,
        workspace: WorkspaceId,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Replaces the document's name, folder, description, tags and metadata
    /// with those of `document`, and sets its revision to
    /// `document.revision`, but only if the stored revision is still
    /// `document.revision - 1`; `false` (nothing stored) otherwise.
    ///
    /// # Errors
    /// `Conflict(NameTaken)`; `NotFound(Folder)` when the new folder is not
    /// in the workspace; `NotFound(Document)`.
    async fn update(&self, document: &Document, events: &[NewEvent]) -> DomainResult<bool>;

    /// Moves a live document to the trash, stamped with `now`.
    ///
    /// # Errors
    /// `NotFound(Document)`.
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Brings a trashed document back.
    ///
    /// # Errors
    /// `NotFound(Document)` when it is not in the trash; `NotFound(Folder)`
    /// when its folder is not live; `Conflict(NameTaken)`.
    async fn restore(&self, workspace: WorkspaceId, id: DocumentId, events: &[NewEvent]) -> DomainResult<()>;

    /// Records that content is being written to `key`, so that an upload a
    /// dead process abandoned can be found and removed.
    ///
    /// # Errors
    /// Storage failures.
    async fn begin_upload(&self, workspace: WorkspaceId, key: &BlobKey, now: DateTime<Utc>) -> DomainResult<()>;

    /// Forgets an upload in flight whose content was removed (or never written).
    ///
    /// # Errors
    /// Storage failures.
    async fn end_upload(&self, key: &BlobKey) -> DomainResult<()>;

    /// Uploads begun before `before` and never finished, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn abandoned_uploads(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<BlobKey>>;

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

    /// Deletes a trashed document for good with its versions and share
    /// links. Content no remaining version references is released.
    ///
    /// # Errors
    /// `NotFound(Document)` when it is not a trashed document of the workspace.
    async fn purge(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Content released before `before`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn released_blobs(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, Sha256)>>;

    /// Deletes released content from `store` and forgets it, if it is still
    /// released since before `before` and unreferenced. The record stays
    /// locked while the store deletes, so a concurrent upload of the same
    /// bytes either reserves it first (and it is kept) or waits and stores
    /// it anew. `true` when it was collected.
    ///
    /// # Errors
    /// Storage or blob store failures; the record is kept then.
    async fn collect_blob(
        &self,
        workspace: WorkspaceId,
        sha256: &Sha256,
        before: DateTime<Utc>,
        store: &StaticBlobStore,
    ) -> DomainResult<bool>;

    /// The bytes of distinct content the workspace holds.
    ///
    /// # Errors
    /// Storage failures.
    async fn usage(&self, workspace: WorkspaceId) -> DomainResult<u64>;

    /// A document of the workspace.
    ///
    /// # Errors
    /// Storage failures; another workspace's document is `Ok(None)`.
    async fn get(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Option<Document>>;

    /// One version of a document of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn version(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        number: u32,
    ) -> DomainResult<Option<DocumentVersion>>;

    /// Every version of a document, newest first.
    ///
    /// # Errors
    /// Storage failures.
    async fn versions(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Vec<DocumentVersion>>;
}
