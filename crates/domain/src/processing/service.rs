//! Processing each new version: its text for search, its thumbnail for
//! previews. A job per version, enqueued when the projections see the
//! version added; the result is recorded with an event, which the search
//! projection then reads.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use futures_core::Stream;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::audit::EventPayload;
use crate::documents::content_key;
use crate::documents::{BlobContent, BlobLedger, BlobStore, ByteStream, DocumentRepository};
use crate::error::{DomainError, Entity};
use crate::ids::{DocumentId, JobId, WorkspaceId};
use crate::jobs::Job;
use crate::jobs::RetryPolicy;
use crate::jobs::{JobError, NewJob};
use crate::policy::Action;
use crate::processing::{ContentAnalyzer, ProcessingRecord, ProcessingRepository};
use crate::processing::{Subject, VersionContent};
use crate::system::Runtime;
use crate::workspaces::WorkspaceAccess;
use crate::{Actor, DomainResult, Principal};

/// The kind of the job that processes one version.
pub const PROCESS_JOB: &str = "document.process";

/// Largest thumbnail accepted from the analyzer.
const MAX_THUMBNAIL_BYTES: u64 = 4 * 1024 * 1024;

/// Names the namespace of process-job ids, so a version's job id is always the same.
const PROCESS_JOB_NAMESPACE: Uuid = Uuid::from_u128(0x5c1e_7a3d_94b2_4f0e_8d61_0c2a_b7e4_1f93);

/// Which version a process job is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRef {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The document.
    pub document_id: DocumentId,
    /// The version number.
    pub version: u32,
}

impl VersionRef {
    /// The job that processes this version; its id is derived from the
    /// version, so enqueueing it twice (a replay of the events) adds nothing.
    #[must_use]
    pub fn process_job(&self, policy: RetryPolicy, now: chrono::DateTime<chrono::Utc>) -> NewJob {
        let name = format!("{}/{}", self.document_id.as_uuid(), self.version);
        NewJob {
            id: JobId::from_uuid(Uuid::new_v5(&PROCESS_JOB_NAMESPACE, name.as_bytes())),
            kind: PROCESS_JOB.to_owned(),
            payload: serde_json::to_string(self).unwrap_or_default(),
            run_at: now,
            max_attempts: policy.max_attempts,
        }
    }

    /// The version a process job's payload names.
    ///
    /// # Errors
    /// [`JobError::Fatal`] when the payload is not one [`VersionRef::process_job`] wrote.
    pub fn of_job(job: &Job) -> Result<Self, JobError> {
        serde_json::from_str(&job.payload)
            .map_err(|e| JobError::Fatal(format!("not a process job payload ({e}): {}", job.payload)))
    }
}

/// How process jobs retry: the analyzer's failures are results, so only a
/// store that stopped answering is retried.
pub const PROCESS_RETRY: RetryPolicy =
    RetryPolicy { max_attempts: 5, base: std::time::Duration::from_secs(10), cap: std::time::Duration::from_secs(600) };

/// The content-processing use cases.
pub struct ProcessingService {
    rt: Runtime,
    access: WorkspaceAccess,
    documents: Arc<dyn DocumentRepository>,
    ledger: Arc<dyn BlobLedger>,
    content: Arc<dyn ProcessingRepository>,
    blobs: Arc<dyn BlobStore>,
    analyzer: Arc<dyn ContentAnalyzer>,
}

impl std::fmt::Debug for ProcessingService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcessingService")
    }
}

/// The ports the content service works with.
pub struct ProcessingPorts {
    /// Time and ids.
    pub rt: Runtime,
    /// Documents and their versions.
    pub documents: Arc<dyn DocumentRepository>,
    /// Where each version's content is kept, and uploads in flight.
    pub ledger: Arc<dyn BlobLedger>,
    /// Processed versions.
    pub content: Arc<dyn ProcessingRepository>,
    /// File contents.
    pub blobs: Arc<dyn BlobStore>,
    /// Text extraction and thumbnails.
    pub analyzer: Arc<dyn ContentAnalyzer>,
    /// Workspaces, for access decisions.
    pub workspaces: Arc<dyn crate::workspaces::WorkspaceRepository>,
}

impl std::fmt::Debug for ProcessingPorts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ProcessingPorts")
    }
}

/// A stream of one chunk.
struct Once(Option<Bytes>);

impl Stream for Once {
    type Item = Result<Bytes, std::io::Error>;

    fn poll_next(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        Poll::Ready(self.0.take().map(Ok))
    }
}

impl ProcessingService {
    /// The use cases over `ports`.
    #[must_use]
    pub fn new(ports: ProcessingPorts) -> Self {
        Self {
            rt: ports.rt,
            access: WorkspaceAccess::new(ports.workspaces),
            documents: ports.documents,
            ledger: ports.ledger,
            content: ports.content,
            blobs: ports.blobs,
            analyzer: ports.analyzer,
        }
    }

    /// Extracts a version's text and makes its thumbnail, and records both
    /// with a `document.version_processed.v1` event. Only Cabinet itself
    /// may. A version that is gone, or was processed already, is skipped.
    ///
    /// # Errors
    /// `Forbidden` for any other actor; `Unavailable` when the store or the
    /// analyzer cannot be reached (the job is retried).
    pub async fn process(&self, actor: &Actor, target: VersionRef) -> DomainResult<Option<VersionContent>> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only Cabinet processes versions"));
        }
        let VersionRef { workspace_id: ws, document_id: doc, version: number } = target;
        if self.content.get(ws, doc, number).await?.is_some() {
            return Ok(None);
        }
        let Some(version) = self.documents.version(ws, doc, number).await? else {
            return Ok(None);
        };
        let key = match content_key(self.ledger.as_ref(), ws, &version).await {
            Ok(key) => key,
            Err(DomainError::NotFound(_)) => return Ok(None),
            Err(e) => return Err(e),
        };
        let content = self.blobs.get(&key, None).await?;
        let subject = Subject {
            content_type: version.content_type.clone(),
            filename: version.filename.as_str().to_owned(),
            size: version.size,
        };
        let analysis = self.analyzer.analyze(content.body, &subject).await?;

        let thumbnail = match &analysis.thumbnail {
            Some(t) => {
                let write = self.blobs.open(self.blobs.allocate(ws)).await?;
                if let Err(err) = self.ledger.begin_upload(ws, &write, self.rt.clock.now()).await {
                    let _ = self.blobs.discard_upload(&write).await;
                    return Err(err);
                }
                let body: ByteStream = Box::pin(Once(Some(t.png.clone())));
                match self.blobs.write(&write, body, MAX_THUMBNAIL_BYTES).await {
                    Ok(_) => Some(write.key),
                    Err(e) => {
                        self.ledger.end_upload(&write.key).await?;
                        return Err(e);
                    }
                }
            }
            None => None,
        };
        let event = self.rt.event(
            actor,
            EventPayload::VersionProcessed {
                workspace_id: ws,
                document_id: doc,
                number,
                text: analysis.text_status,
                thumbnail: thumbnail.is_some(),
            },
        );
        let record = ProcessingRecord {
            text_status: analysis.text_status,
            text: &analysis.text,
            detail: analysis.detail.as_deref(),
            thumbnail: thumbnail.as_ref(),
        };
        let now = self.rt.clock.now();
        let recorded = self.content.record(ws, doc, number, record, now, &event).await;
        if !matches!(recorded, Ok(true))
            && let Some(key) = &thumbnail
        {
            // Not recorded: the thumbnail must not outlive the attempt. A
            // failure here leaves the upload for the collector.
            self.blobs.delete(key).await?;
            self.ledger.end_upload(key).await?;
        }
        if !recorded? {
            return Ok(None);
        }
        Ok(Some(VersionContent {
            document_id: doc,
            version: number,
            text_status: analysis.text_status,
            detail: analysis.detail,
            text_bytes: analysis.text.len() as u64,
            thumbnail,
            processed_at: now,
        }))
    }

    /// What processing found for a version (the current one when `number`
    /// is `None`): `None` while it is pending.
    ///
    /// # Errors
    /// `NotFound` (workspace, document or version).
    pub async fn status(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
        number: Option<u32>,
    ) -> DomainResult<Option<VersionContent>> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let number = self.version_number(workspace, id, number).await?;
        self.content.get(workspace, id, number).await
    }

    /// A version's thumbnail (the current version's when `number` is `None`).
    ///
    /// # Errors
    /// `NotFound` (workspace, document, version, or `Thumbnail` when it has
    /// none, or none yet).
    pub async fn thumbnail(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
        number: Option<u32>,
    ) -> DomainResult<(VersionContent, BlobContent)> {
        let record = self.status(actor, workspace, id, number).await?;
        let Some((record, key)) = record.and_then(|r| r.thumbnail.clone().map(|k| (r, k))) else {
            return Err(DomainError::NotFound(Entity::Thumbnail));
        };
        let content = self.blobs.get(&key, None).await?;
        Ok((record, content))
    }

    async fn version_number(&self, workspace: WorkspaceId, id: DocumentId, number: Option<u32>) -> DomainResult<u32> {
        let document = self.documents.get(workspace, id).await?.ok_or(DomainError::NotFound(Entity::Document))?;
        match number {
            None => Ok(document.current_version),
            Some(n) if n >= 1 && n <= document.current_version => Ok(n),
            Some(_) => Err(DomainError::NotFound(Entity::Version)),
        }
    }

    /// Deletes the thumbnails of purged versions. Only Cabinet itself may.
    ///
    /// # Errors
    /// `Forbidden` for any other actor; storage failures (what was deleted
    /// before the failure stays deleted).
    pub async fn collect_thumbnails(&self, actor: &Actor) -> DomainResult<u64> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only Cabinet collects unreferenced content"));
        }
        const BATCH: u32 = 100;
        let mut collected = 0;
        loop {
            let batch = self.content.orphaned_thumbnails(BATCH).await?;
            for key in &batch {
                self.blobs.delete(key).await?;
                self.content.forget_thumbnail(key).await?;
                collected += 1;
            }
            if batch.len() < BATCH as usize {
                return Ok(collected);
            }
        }
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
