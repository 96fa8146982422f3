//! Documents: upload, new versions, metadata, download.

use std::sync::Arc;

use crate::audit::EventPayload;
use crate::documents::{BlobLedger, BlobStore, ByteStream, DocumentRepository, StoredBlob};
use crate::documents::{Document, DocumentVersion};
use crate::documents::{Upload, UploadLimits};
use crate::error::{DomainError, Entity};
use crate::folders::ItemName;
use crate::ids::{DocumentId, FolderId, WorkspaceId};
use crate::policy::Action;
use crate::system::Runtime;
use crate::workspaces::WorkspaceAccess;
use crate::{Actor, DomainResult};

/// Attempts to append a version when other uploads to the same document race.
const VERSION_ATTEMPTS: usize = 5;

/// Requested changes to a document; `None` leaves a field as it is.
#[derive(Debug, Default)]
pub struct DocumentChanges {
    /// A new name.
    pub name: Option<String>,
    /// A new folder.
    pub folder_id: Option<FolderId>,
    /// A new description.
    pub description: Option<String>,
    /// New tags, replacing the old.
    pub tags: Option<Vec<String>>,
    /// New metadata, replacing the old.
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// The document use cases.
pub struct DocumentService {
    pub(super) rt: Runtime,
    pub(super) documents: Arc<dyn DocumentRepository>,
    pub(super) ledger: Arc<dyn BlobLedger>,
    pub(super) blobs: Arc<dyn BlobStore>,
    pub(super) access: WorkspaceAccess,
    pub(super) limits: UploadLimits,
}

impl std::fmt::Debug for DocumentService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DocumentService").field("limits", &self.limits).finish_non_exhaustive()
    }
}

fn note(raw: Option<String>) -> DomainResult<Option<String>> {
    match raw.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > 1000 => Err(DomainError::invalid("note", "must be at most 1000 characters")),
        Some(n) if n.chars().any(|c| c.is_control() && c != '\n') => {
            Err(DomainError::invalid("note", "must not contain control characters"))
        }
        other => Ok(other),
    }
}

impl DocumentService {
    /// The document use cases over the given ports, within `limits`.
    #[must_use]
    pub fn new(
        rt: Runtime,
        documents: Arc<dyn DocumentRepository>,
        ledger: Arc<dyn BlobLedger>,
        blobs: Arc<dyn BlobStore>,
        workspaces: Arc<dyn crate::workspaces::WorkspaceRepository>,
        limits: UploadLimits,
    ) -> Self {
        Self { rt, documents, ledger, blobs, access: WorkspaceAccess::new(workspaces), limits }
    }

    /// Streams an upload into the store, cut off at the file size limit.
    /// The upload is recorded as in flight before its first byte, so that
    /// one its process never finished is found and removed. Its content is
    /// then reserved under its digest, so collection cannot remove it from
    /// under the version about to be recorded; when the workspace holds the
    /// same bytes already, the new copy goes and the version shares the old.
    /// The quota is checked when the version is recorded, atomically, since
    /// only then is it known whether the workspace already held the content
    /// (identical files count once). Content refused there stays released
    /// and is collected after the grace period.
    async fn store(&self, workspace: WorkspaceId, body: ByteStream) -> DomainResult<StoredBlob> {
        let write = self.blobs.open(self.blobs.allocate(workspace)).await?;
        if let Err(err) = self.ledger.begin_upload(workspace, &write, self.rt.clock.now()).await {
            // Unrecorded, nobody would ever find it: it goes now.
            let _ = self.blobs.discard_upload(&write).await;
            return Err(err);
        }
        let key = write.key.clone();
        // Best effort below: what cannot be removed now is swept after the grace period.
        let written = match self.blobs.write(&write, body, self.limits.max_upload_bytes).await {
            Ok(written) => written,
            Err(err) => {
                // The store aborts a failed write itself; this removes what an
                // abort that failed left behind (an S3 upload's parts).
                if self.blobs.discard_upload(&write).await.is_ok() {
                    let _ = self.ledger.end_upload(&key).await;
                }
                return Err(err);
            }
        };
        let reserved = self.ledger.reserve_blob(workspace, &written, self.rt.clock.now()).await;
        if reserved.as_ref().map_or(true, |kept| *kept != key) {
            // A complete object, and nothing else: the workspace holds the
            // same bytes already, or the reservation failed.
            if self.blobs.delete(&key).await.is_ok() {
                let _ = self.ledger.end_upload(&key).await;
            }
        }
        Ok(StoredBlob { key: reserved?, ..written })
    }

    /// How many bytes the workspace holds, and its quota.
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member.
    pub async fn usage(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<(u64, Option<u64>)> {
        self.access.authorize(actor, workspace, Action::ViewWorkspace).await?;
        Ok((self.documents.usage(workspace).await?, self.limits.workspace_quota_bytes))
    }

    #[allow(clippy::too_many_arguments, reason = "the parts of one version, named at the call sites")]
    fn version_of(
        &self,
        actor: &Actor,
        document: DocumentId,
        number: u32,
        filename: ItemName,
        note: Option<String>,
        declared: Option<&str>,
        blob: StoredBlob,
    ) -> DocumentVersion {
        DocumentVersion {
            document_id: document,
            number,
            sha256: blob.sha256,
            size: blob.size,
            content_type: crate::documents::decide_media_type(
                declared,
                filename.as_str(),
                blob.sniffed_type.as_deref(),
            ),
            filename,
            author: actor.user_id(),
            note,
            created_at: self.rt.clock.now(),
        }
    }

    fn version_added(workspace: WorkspaceId, v: &DocumentVersion) -> EventPayload {
        EventPayload::VersionAdded {
            workspace_id: workspace,
            document_id: v.document_id,
            number: v.number,
            sha256: v.sha256.as_str().to_owned(),
            size: v.size,
            content_type: v.content_type.clone(),
        }
    }

    /// Creates a document in `folder` from an upload (editors and above).
    /// The content is streamed to the blob store first; the document and its
    /// first version are recorded only once every byte is stored.
    ///
    /// # Errors
    /// `NotFound` (workspace or folder); `Forbidden`; `Invalid` name or note;
    /// `TooLarge`; `QuotaExceeded`; `UploadAborted`; `Conflict(NameTaken)`.
    pub async fn upload(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        folder: FolderId,
        name: &str,
        upload: Upload,
    ) -> DomainResult<(Document, DocumentVersion)> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let name = ItemName::parse(name)?;
        let filename = ItemName::parse(&upload.filename)
            .map_err(|_| DomainError::invalid("filename", "is not a valid file name"))?;
        let note = note(upload.note)?;
        let blob = self.store(workspace, upload.body).await?;
        let now = self.rt.clock.now();
        let id = DocumentId::from_uuid(self.rt.ids.new_id());
        let version = self.version_of(actor, id, 1, filename, note, upload.declared_type.as_deref(), blob);
        let document = Document {
            id,
            workspace_id: workspace,
            folder_id: folder,
            name,
            current_version: 1,
            size: version.size,
            content_type: version.content_type.clone(),
            description: String::new(),
            tags: Vec::new(),
            metadata: std::collections::BTreeMap::new(),
            revision: 1,
            created_by: actor.user_id(),
            created_at: now,
            updated_at: now,
        };
        let events = [
            self.rt.event(
                actor,
                EventPayload::DocumentCreated {
                    workspace_id: workspace,
                    document_id: document.id,
                    folder_id: folder,
                    name: document.name.as_str().to_owned(),
                },
            ),
            self.rt.event(actor, Self::version_added(workspace, &version)),
        ];
        // If this fails, the stored content is referenced by nothing; it is
        // left for the collection of unreferenced blobs, because deleting it
        // here could race a concurrent upload of the same bytes.
        self.documents.create(&document, &version, self.limits.workspace_quota_bytes, &events).await?;
        Ok((document, version))
    }

    /// Uploads a new version of a document (editors and above).
    ///
    /// # Errors
    /// `NotFound` (workspace or document); `Forbidden`; `Invalid`; `TooLarge`;
    /// `UploadAborted`; `Unavailable` when concurrent uploads keep winning.
    pub async fn add_version(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
        upload: Upload,
    ) -> DomainResult<DocumentVersion> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let filename = ItemName::parse(&upload.filename)
            .map_err(|_| DomainError::invalid("filename", "is not a valid file name"))?;
        let note = note(upload.note)?;
        let declared = upload.declared_type;
        self.existing(workspace, id).await?;
        let blob = self.store(workspace, upload.body).await?;
        for _ in 0..VERSION_ATTEMPTS {
            let current = self.existing(workspace, id).await?.current_version;
            let version = self.version_of(
                actor,
                id,
                current + 1,
                filename.clone(),
                note.clone(),
                declared.as_deref(),
                blob.clone(),
            );
            let event = self.rt.event(actor, Self::version_added(workspace, &version));
            if self.documents.add_version(workspace, &version, self.limits.workspace_quota_bytes, &[event]).await? {
                return Ok(version);
            }
        }
        Err(DomainError::Unavailable("too many concurrent uploads to this document; retry".into()))
    }

    /// Changes a document's name, folder, description, tags or metadata
    /// (editors and above). With `if_match`, the change applies only if the
    /// document is still at that revision.
    ///
    /// # Errors
    /// `NotFound` (workspace, document or folder); `Forbidden`; `Invalid`;
    /// `Conflict(NameTaken)`; `PreconditionFailed`.
    pub async fn update(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
        changes: DocumentChanges,
        if_match: Option<u64>,
    ) -> DomainResult<Document> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let name = changes.name.as_deref().map(ItemName::parse).transpose()?;
        let tags = changes.tags.map(crate::documents::validate_tags).transpose()?;
        let metadata = changes.metadata.map(crate::documents::validate_metadata).transpose()?;
        let description = changes.description.as_deref().map(crate::documents::validate_description).transpose()?;
        let mut document = self.existing(workspace, id).await?;
        if if_match.is_some_and(|expected| expected != document.revision) {
            return Err(DomainError::PreconditionFailed);
        }
        let event = EventPayload::DocumentUpdated {
            workspace_id: workspace,
            document_id: id,
            name: name.as_ref().map(|n| n.as_str().to_owned()),
            folder_id: changes.folder_id,
            tags: tags.clone(),
            metadata_keys: metadata.as_ref().map(|m| m.keys().cloned().collect()),
            description_changed: description.is_some(),
        };
        if let Some(name) = name {
            document.name = name;
        }
        if let Some(folder) = changes.folder_id {
            document.folder_id = folder;
        }
        if let Some(tags) = tags {
            document.tags = tags;
        }
        if let Some(metadata) = metadata {
            document.metadata = metadata;
        }
        if let Some(description) = description {
            document.description = description;
        }
        document.revision += 1;
        document.updated_at = self.rt.clock.now();
        if self.documents.update(&document, &[self.rt.event(actor, event)]).await? {
            Ok(document)
        } else {
            // Someone else changed it between our read and our write.
            Err(DomainError::PreconditionFailed)
        }
    }

    /// Moves a document to the trash (editors and above).
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn trash(&self, actor: &Actor, workspace: WorkspaceId, id: DocumentId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let event = self.rt.event(actor, EventPayload::DocumentTrashed { workspace_id: workspace, document_id: id });
        self.documents.trash(workspace, id, self.rt.clock.now(), &[event]).await
    }

    /// Brings a document back from the trash (editors and above).
    ///
    /// # Errors
    /// `NotFound` (also when its folder is in the trash); `Forbidden`; `Conflict(NameTaken)`.
    pub async fn restore(&self, actor: &Actor, workspace: WorkspaceId, id: DocumentId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::WriteContent).await?;
        let event = self.rt.event(actor, EventPayload::DocumentRestored { workspace_id: workspace, document_id: id });
        self.documents.restore(workspace, id, &[event]).await
    }

    /// Deletes a trashed document for good, with its versions and share
    /// links (admins and owners). Its content is released, and collected
    /// after the grace period unless another version still uses it.
    ///
    /// # Errors
    /// `NotFound` (workspace, or no such document in the trash); `Forbidden`.
    pub async fn purge(&self, actor: &Actor, workspace: WorkspaceId, id: DocumentId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::PurgeContent).await?;
        let event = self.rt.event(actor, EventPayload::DocumentPurged { workspace_id: workspace, document_id: id });
        self.documents.purge(workspace, id, self.rt.clock.now(), &[event]).await
    }

    pub(super) async fn existing(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Document> {
        self.documents.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::Document))
    }

    /// A document with its current version.
    ///
    /// # Errors
    /// `NotFound` (workspace or document).
    pub async fn get(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
    ) -> DomainResult<(Document, DocumentVersion)> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let document = self.existing(workspace, id).await?;
        let current = self
            .documents
            .version(workspace, id, document.current_version)
            .await?
            .ok_or_else(|| DomainError::internal("current version missing"))?;
        Ok((document, current))
    }

    /// Every version of a document, newest first.
    ///
    /// # Errors
    /// `NotFound` (workspace or document).
    pub async fn versions(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
    ) -> DomainResult<Vec<DocumentVersion>> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        self.existing(workspace, id).await?;
        self.documents.versions(workspace, id).await
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
