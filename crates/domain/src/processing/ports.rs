//! Reading a version's bytes for text and thumbnails, and recording what was found.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::audit::NewEvent;
use crate::documents::{BlobKey, ByteStream};
use crate::ids::{DocumentId, WorkspaceId};
use crate::processing::{Analysis, Subject, TextStatus, VersionContent};

/// Extracts text and makes thumbnails, within limits on the bytes read, the
/// time taken and the memory used, so that a hostile file cannot exhaust
/// the process that asks.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ContentAnalyzer: Send + Sync {
    /// Analyses `content`, which streams the bytes `subject` describes. The
    /// analyzer may stop reading early. A file it cannot read is not an
    /// error: the analysis says why in its status.
    ///
    /// # Errors
    /// `Unavailable` when `content` fails (the store stopped answering) or
    /// the analyzer cannot be started.
    async fn analyze(&self, content: ByteStream, subject: &Subject) -> DomainResult<Analysis>;
}

/// What the repository records of an analysis.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProcessingRecord<'a> {
    /// What became of the text.
    pub text_status: TextStatus,
    /// The text.
    pub text: &'a str,
    /// Why, when there is no text.
    pub detail: Option<&'a str>,
    /// The stored thumbnail, reserved with `begin_upload` before it was written.
    pub thumbnail: Option<&'a BlobKey>,
}

/// Processed versions: their text and thumbnails.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ProcessingRepository: Send + Sync {
    /// What is recorded of a version, if it was processed.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn get(
        &self,
        workspace: WorkspaceId,
        document: DocumentId,
        version: u32,
    ) -> DomainResult<Option<VersionContent>>;

    /// Records a version's analysis with `event`, in one transaction that
    /// also ends the thumbnail's upload. Returns `false`, recording nothing,
    /// when the version is gone or was recorded already (the caller then
    /// deletes the thumbnail it wrote).
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn record<'a>(
        &self,
        workspace: WorkspaceId,
        document: DocumentId,
        version: u32,
        record: ProcessingRecord<'a>,
        at: DateTime<Utc>,
        event: &NewEvent,
    ) -> DomainResult<bool>;

    /// Thumbnails of versions that no longer exist (purged), up to `limit`.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn orphaned_thumbnails(&self, limit: u32) -> DomainResult<Vec<BlobKey>>;

    /// Forgets an orphaned thumbnail once its object is deleted.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn forget_thumbnail(&self, key: &BlobKey) -> DomainResult<()>;
}
