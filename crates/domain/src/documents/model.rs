//! Documents and their immutable versions.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::documents::{ByteRange, Sha256};
use crate::error::DomainError;
use crate::folders::ItemName;
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
    /// A free-text description.
    pub description: String,
    /// Labels, unique ignoring case.
    pub tags: Vec<String>,
    /// Custom string fields.
    pub metadata: BTreeMap<String, String>,
    /// Bumped by every change; compared by `If-Match`.
    pub revision: u64,
    /// The person who created it, if a person did.
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// Most tags a document may carry.
pub const MAX_TAGS: usize = 50;
/// Most metadata fields a document may carry.
pub const MAX_METADATA: usize = 50;

/// Checks and normalises tags: trimmed, 1 to 50 characters, no control
/// characters, at most [`MAX_TAGS`], duplicates (ignoring case) dropped.
///
/// # Errors
/// [`DomainError::Invalid`] on `tags`.
pub fn validate_tags(raw: Vec<String>) -> Result<Vec<String>, DomainError> {
    let mut tags: Vec<String> = Vec::new();
    for tag in raw {
        let tag = tag.trim().to_owned();
        if tag.is_empty() || tag.chars().count() > 50 || tag.chars().any(char::is_control) {
            return Err(DomainError::invalid("tags", "each tag must be 1 to 50 characters without control characters"));
        }
        if !tags.iter().any(|t| t.to_lowercase() == tag.to_lowercase()) {
            tags.push(tag);
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(DomainError::invalid("tags", format!("at most {MAX_TAGS} tags")));
    }
    Ok(tags)
}

/// Checks metadata: keys of 1 to 64 letters, digits, `_`, `-` or `.`; values
/// of at most 1000 characters without control characters; at most
/// [`MAX_METADATA`] fields.
///
/// # Errors
/// [`DomainError::Invalid`] on `metadata`.
pub fn validate_metadata(raw: BTreeMap<String, String>) -> Result<BTreeMap<String, String>, DomainError> {
    if raw.len() > MAX_METADATA {
        return Err(DomainError::invalid("metadata", format!("at most {MAX_METADATA} fields")));
    }
    for (key, value) in &raw {
        let key_ok =
            (1..=64).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if !key_ok {
            return Err(DomainError::invalid(
                "metadata",
                format!("the key {key:?} must be 1 to 64 letters, digits, _, - or ."),
            ));
        }
        if value.chars().count() > 1000 || value.chars().any(char::is_control) {
            return Err(DomainError::invalid(
                "metadata",
                format!("the value of {key} must be at most 1000 characters without control characters"),
            ));
        }
    }
    Ok(raw)
}

/// Checks a description: at most 5000 characters; line breaks and tabs allowed.
///
/// # Errors
/// [`DomainError::Invalid`] on `description`.
pub fn validate_description(raw: &str) -> Result<String, DomainError> {
    let text = raw.trim();
    if text.chars().count() > 5000 || text.chars().any(|c| c.is_control() && !matches!(c, '\n' | '\t')) {
        return Err(DomainError::invalid("description", "must be at most 5000 characters without control characters"));
    }
    Ok(text.to_owned())
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
    fn tags_are_trimmed_deduplicated_and_bounded() {
        let tags = validate_tags(vec![" Finance ".into(), "finance".into(), "Q3".into()]).expect("valid");
        assert_eq!(tags, ["Finance", "Q3"]);
        assert!(validate_tags(vec![String::new()]).is_err());
        assert!(validate_tags(vec!["x".repeat(51)]).is_err());
        assert!(validate_tags((0..51).map(|i| format!("t{i}")).collect()).is_err());
    }

    #[test]
    fn metadata_keys_and_values_are_bounded() {
        let ok: BTreeMap<String, String> = [("client.id".to_owned(), "ACME-7".to_owned())].into();
        assert!(validate_metadata(ok).is_ok());
        for (k, v) in [("", "x"), ("with space", "x"), ("k", "line\nbreak")] {
            let bad: BTreeMap<String, String> = [(k.to_owned(), v.to_owned())].into();
            assert!(validate_metadata(bad).is_err(), "{k:?}={v:?}");
        }
        assert!(validate_description("line one\nline two").is_ok());
        assert!(validate_description(&"d".repeat(5001)).is_err());
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
