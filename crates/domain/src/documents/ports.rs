//! Persistence of documents and their versions.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::documents::{Document, DocumentVersion};
use crate::ids::{DocumentId, WorkspaceId};

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
