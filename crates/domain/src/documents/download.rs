//! Downloads: a version's bytes, whole or a range, unless the client's copy
//! is current; where a version's content is kept.

use crate::documents::BlobContent;
use crate::documents::{BlobKey, BlobLedger, ByteRange, DocumentService, DocumentVersion, RangeSpec, Sha256};
use crate::error::{DomainError, Entity};
use crate::ids::{DocumentId, WorkspaceId};
use crate::policy::Action;
use crate::{Actor, DomainResult};

/// A download: the version, and its bytes unless the client already has them.
#[derive(Debug)]
pub struct Download {
    /// The version being sent.
    pub version: DocumentVersion,
    /// The bytes, or `None` when the client's `If-None-Match` matched.
    pub content: Option<BlobContent>,
}

impl DocumentService {
    /// The bytes of a version (the current one when `number` is `None`), or
    /// of a range of it. When `if_none_match` holds the version's digest (its
    /// ETag) the content is not opened at all.
    ///
    /// # Errors
    /// `NotFound` (workspace, document or version); `RangeNotSatisfiable`.
    pub async fn download(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        id: DocumentId,
        number: Option<u32>,
        range: Option<RangeSpec>,
        if_none_match: &[Sha256],
    ) -> DomainResult<Download> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let number = match number {
            Some(n) => n,
            None => self.existing(workspace, id).await?.current_version,
        };
        let version =
            self.documents.version(workspace, id, number).await?.ok_or(DomainError::NotFound(Entity::Version))?;
        match serving(&version, range, if_none_match)? {
            Serving::NotModified => Ok(Download { version, content: None }),
            Serving::Bytes(range) => {
                let key = content_key(self.ledger.as_ref(), workspace, &version).await?;
                let content = self.blobs.get(&key, range).await?;
                Ok(Download { version, content: Some(content) })
            }
        }
    }
}

/// Where the workspace keeps a version's content.
pub(crate) async fn content_key(
    ledger: &dyn BlobLedger,
    workspace: WorkspaceId,
    version: &DocumentVersion,
) -> DomainResult<BlobKey> {
    ledger.blob_key(workspace, &version.sha256).await?.ok_or(DomainError::NotFound(Entity::Blob))
}

/// What a download of a version sends, decided before the content is opened.
pub(crate) enum Serving {
    /// The client's copy is current (`If-None-Match` names the digest).
    NotModified,
    /// The whole content, or this range of it.
    Bytes(Option<ByteRange>),
}

/// Decides a download: `If-None-Match` first, then the range.
///
/// # Errors
/// `RangeNotSatisfiable` when none of the requested bytes exist.
pub(crate) fn serving(
    version: &DocumentVersion,
    range: Option<RangeSpec>,
    if_none_match: &[Sha256],
) -> DomainResult<Serving> {
    if if_none_match.contains(&version.sha256) {
        return Ok(Serving::NotModified);
    }
    let range = range
        .map(|spec| spec.resolve(version.size).ok_or(DomainError::RangeNotSatisfiable { size: version.size }))
        .transpose()?;
    Ok(Serving::Bytes(range))
}
