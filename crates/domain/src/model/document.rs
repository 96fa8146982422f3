//! Documents and their immutable versions.

use chrono::{DateTime, Utc};

use super::blob::{ByteRange, Sha256};
use super::folder::ItemName;
use crate::ids::{DocumentId, FolderId, UserId, WorkspaceId};

/// A document: a named, versioned file in a folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// The document id.
    pub id: DocumentId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// The folder it sits in.
    pub folder_id: FolderId,
    /// Its name, unique among the folder's documents.
    pub name: ItemName,
    /// The number of its newest version.
    pub current_version: u32,
    /// The newest version's size in bytes.
    pub size: u64,
    /// The newest version's media type.
    pub content_type: String,
    /// The person who created it, if a person did.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// One immutable version of a document's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentVersion {
    /// The document.
    pub document_id: DocumentId,
    /// 1 for the first upload, then one more for each.
    pub number: u32,
    /// The content's digest, which is also its address in the blob store.
    pub sha256: Sha256,
    /// The content's size in bytes.
    pub size: u64,
    /// The media type Cabinet decided on from the content, never the client's claim.
    pub content_type: String,
    /// The file name the uploader gave.
    pub filename: ItemName,
    /// Who uploaded it, if a person did.
    pub author: Option<UserId>,
    /// The uploader's note.
    pub note: Option<String>,
    /// When it was uploaded.
    pub created_at: DateTime<Utc>,
}

/// A `Range` request before it is resolved against a size (RFC 9110 §14.1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `bytes=first-` or `bytes=first-last`.
    From {
        /// The first byte.
        first: u64,
        /// The last byte, inclusive, if given.
        last: Option<u64>,
    },
    /// `bytes=-n`: the last `n` bytes.
    Suffix(u64),
}

impl RangeSpec {
    /// The bytes this asks for in a representation of `size` bytes, or
    /// `None` when none of them exist (416).
    #[must_use]
    pub fn resolve(self, size: u64) -> Option<ByteRange> {
        match self {
            RangeSpec::From { first, last } => {
                let last = last.unwrap_or(u64::MAX).min(size.checked_sub(1)?);
                ByteRange::within(first, last, size)
            }
            RangeSpec::Suffix(0) => None,
            RangeSpec::Suffix(n) => ByteRange::within(size.saturating_sub(n), size.checked_sub(1)?, size),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair(r: Option<ByteRange>) -> Option<(u64, u64)> {
        r.map(|r| (r.start(), r.end()))
    }

    #[test]
    fn ranges_resolve_as_http_says() {
        let from = |first, last| RangeSpec::From { first, last };
        assert_eq!(pair(from(0, Some(9)).resolve(100)), Some((0, 9)));
        assert_eq!(pair(from(90, None).resolve(100)), Some((90, 99)));
        assert_eq!(pair(from(90, Some(500)).resolve(100)), Some((90, 99)), "a last byte past the end is clamped");
        assert_eq!(pair(RangeSpec::Suffix(10).resolve(100)), Some((90, 99)));
        assert_eq!(pair(RangeSpec::Suffix(500).resolve(100)), Some((0, 99)));
        assert_eq!(from(100, None).resolve(100), None, "starts past the end");
        assert_eq!(from(5, Some(4)).resolve(100), None);
        assert_eq!(RangeSpec::Suffix(0).resolve(100), None);
        assert_eq!(from(0, None).resolve(0), None, "nothing to send of an empty file");
    }
}
