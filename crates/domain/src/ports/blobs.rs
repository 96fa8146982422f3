//! File contents: streamed in and out, stored once per workspace by SHA-256.

use std::pin::Pin;

use async_trait::async_trait;
use bytes::Bytes;
use futures_core::Stream;

use crate::DomainResult;
use crate::ids::WorkspaceId;
use crate::model::{ByteRange, Sha256};

/// A stream of bytes flowing through the domain without being buffered whole.
/// An `Err` item means the producer failed (a client dropped the connection,
/// a store stopped answering).
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// What a completed upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredBlob {
    /// The digest of the content, computed while it streamed.
    pub sha256: Sha256,
    /// The number of bytes.
    pub size: u64,
    /// `true` when the workspace already held this content and nothing new was stored.
    pub deduplicated: bool,
    /// The media type recognised from the content's first bytes (magic
    /// numbers), if any.
    pub sniffed_type: Option<String>,
}

/// An upload held under a temporary key until it is committed or discarded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedBlob {
    /// The workspace it was uploaded to.
    pub workspace_id: WorkspaceId,
    /// The store's temporary key; opaque outside the adapter.
    pub key: String,
    /// The digest of the content, computed while it streamed.
    pub sha256: Sha256,
    /// The number of bytes.
    pub size: u64,
    /// The media type recognised from the content's first bytes, if any.
    pub sniffed_type: Option<String>,
}

/// A blob, or a range of it, on its way out.
pub struct BlobContent {
    /// The whole blob's size.
    pub size: u64,
    /// The range being sent, or `None` for the whole blob.
    pub range: Option<ByteRange>,
    /// The bytes.
    pub body: ByteStream,
}

impl std::fmt::Debug for BlobContent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BlobContent").field("size", &self.size).field("range", &self.range).finish_non_exhaustive()
    }
}

/// Content-addressed file storage, partitioned by workspace.
///
/// Keys are derived from the workspace and the digest only; nothing a user
/// names ever reaches a storage key.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait BlobStore: Send + Sync {
    /// Streams `body` into the store while computing its SHA-256, in constant
    /// memory, under a temporary key: nothing can reference it yet. Follow
    /// with [`BlobStore::commit`] or [`BlobStore::discard`].
    ///
    /// # Errors
    /// [`crate::DomainError::TooLarge`] once more than `max_bytes` arrive;
    /// [`crate::DomainError::UploadAborted`] when `body` yields an error.
    /// In both cases nothing remains stored. `Unavailable`/`Internal` when the
    /// store fails.
    async fn stage(&self, workspace: WorkspaceId, body: ByteStream, max_bytes: u64) -> DomainResult<StagedBlob>;

    /// Makes staged content visible under its digest. If the workspace
    /// already holds the same content, the staged copy is dropped instead.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn commit(&self, staged: &StagedBlob) -> DomainResult<StoredBlob>;

    /// Drops staged content.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn discard(&self, staged: &StagedBlob) -> DomainResult<()>;

    /// Stages and commits in one step, for callers with nothing to record in
    /// between.
    ///
    /// # Errors
    /// As [`BlobStore::stage`] and [`BlobStore::commit`].
    async fn put(&self, workspace: WorkspaceId, body: ByteStream, max_bytes: u64) -> DomainResult<StoredBlob> {
        let staged = self.stage(workspace, body, max_bytes).await?;
        self.commit(&staged).await
    }

    /// Removes staged uploads older than `before` that were never committed
    /// or discarded (their process died), returning how many went.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn sweep_staged(&self, before: chrono::DateTime<chrono::Utc>) -> DomainResult<u64>;

    /// Streams a blob, or the bytes of `range` (which must lie within it).
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] with [`crate::Entity::Blob`] when the
    /// workspace holds no such content; `Unavailable`/`Internal` otherwise.
    async fn get(&self, workspace: WorkspaceId, sha256: &Sha256, range: Option<ByteRange>)
    -> DomainResult<BlobContent>;

    /// The size of a stored blob, or `None` when there is none.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn size(&self, workspace: WorkspaceId, sha256: &Sha256) -> DomainResult<Option<u64>>;

    /// Removes a blob; removing a missing blob succeeds.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the store fails.
    async fn delete(&self, workspace: WorkspaceId, sha256: &Sha256) -> DomainResult<()>;
}
