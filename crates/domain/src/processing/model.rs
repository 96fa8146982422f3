//! What Cabinet learns from a version's bytes: its text, for search, and a
//! thumbnail, for previews.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::ids::DocumentId;

/// What became of a version's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TextStatus {
    /// Not looked at yet.
    Pending,
    /// Text was extracted (it may be empty, or cut at the output limit).
    Extracted,
    /// A format Cabinet does not read; found by name and metadata only.
    Unsupported,
    /// Larger than what the extractor reads for this format.
    TooLarge,
    /// The file is damaged or not what its type says.
    Malformed,
    /// Refused before expansion: a decompression or pixel bomb, or more
    /// entries than allowed.
    Refused,
    /// Extraction took longer than allowed and was stopped.
    TimedOut,
    /// The extractor failed in another way (it crashed or ran out of memory).
    Failed,
}

impl TextStatus {
    /// The status as stored and shown.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            TextStatus::Pending => "pending",
            TextStatus::Extracted => "extracted",
            TextStatus::Unsupported => "unsupported",
            TextStatus::TooLarge => "too_large",
            TextStatus::Malformed => "malformed",
            TextStatus::Refused => "refused",
            TextStatus::TimedOut => "timed_out",
            TextStatus::Failed => "failed",
        }
    }

    /// Reads a stored status.
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        [
            TextStatus::Pending,
            TextStatus::Extracted,
            TextStatus::Unsupported,
            TextStatus::TooLarge,
            TextStatus::Malformed,
            TextStatus::Refused,
            TextStatus::TimedOut,
            TextStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.as_str() == raw)
    }
}

/// A version's bytes as the analyzer is told about them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// The media type Cabinet decided from the content.
    pub content_type: String,
    /// The name it was uploaded under (its extension tells text formats apart).
    pub filename: String,
    /// Its whole size; the analyzer may read only a prefix.
    pub size: u64,
}

/// A small PNG picture of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Thumbnail {
    /// The PNG bytes.
    pub png: Bytes,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// What the analyzer found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// What became of the text.
    pub text_status: TextStatus,
    /// The text, when extracted.
    pub text: String,
    /// Why the text or the thumbnail could not be made, for operators.
    pub detail: Option<String>,
    /// A thumbnail, for images and (with a renderer) PDFs.
    pub thumbnail: Option<Thumbnail>,
}

impl Analysis {
    /// An analysis that found nothing, for `status`.
    #[must_use]
    pub fn without_text(status: TextStatus, detail: impl Into<Option<String>>) -> Self {
        Self { text_status: status, text: String::new(), detail: detail.into(), thumbnail: None }
    }
}

/// What is recorded of a processed version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionContent {
    /// The document.
    pub document_id: DocumentId,
    /// The version number.
    pub version: u32,
    /// What became of its text.
    pub text_status: TextStatus,
    /// Why, when no text could be extracted.
    pub detail: Option<String>,
    /// The extracted text's length in bytes.
    pub text_bytes: u64,
    /// Where its thumbnail is stored, if it has one.
    pub thumbnail: Option<crate::documents::BlobKey>,
    /// When it was processed.
    pub processed_at: DateTime<Utc>,
}
