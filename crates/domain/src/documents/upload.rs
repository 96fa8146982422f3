//! What an upload brings and how much may be uploaded.

use crate::documents::ByteStream;

/// The media type of content nobody recognised: served as a download, never rendered.
pub const OPAQUE_CONTENT_TYPE: &str = "application/octet-stream";
/// An upload on its way in.
pub struct Upload {
    /// The file name the client gave.
    pub filename: String,
    /// The media type the client declared, if any; it may only narrow what
    /// the content itself is (see [`crate::documents::decide_media_type`]).
    pub declared_type: Option<String>,
    /// An optional note for the version.
    pub note: Option<String>,
    /// The bytes.
    pub body: ByteStream,
}

impl std::fmt::Debug for Upload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Upload").field("filename", &self.filename).field("note", &self.note).finish_non_exhaustive()
    }
}

/// How much may be uploaded.
#[derive(Debug, Clone, Copy)]
pub struct UploadLimits {
    /// The largest single file.
    pub max_upload_bytes: u64,
    /// The most distinct content one workspace may hold, if limited.
    pub workspace_quota_bytes: Option<u64>,
}
