//! Documents: immutable versions, content stored once per workspace by
//! SHA-256, media types, streaming upload and download with ranges, and the
//! blob store the content lives in.

mod blob;
mod collection;
mod download;
mod ledger;
mod media_type;
mod model;
mod ports;
mod service;
mod store;
mod upload;

pub use blob::{ByteRange, Sha256};
pub use collection::Collected;
pub use download::Download;
pub(crate) use download::{Serving, content_key, serving};
pub use ledger::BlobLedger;
pub use media_type::{decide_media_type, looks_like_text};
pub use model::{
    Document, DocumentVersion, MAX_METADATA, MAX_TAGS, RangeSpec, validate_description, validate_metadata,
    validate_tags,
};
pub use ports::DocumentRepository;
pub use service::{DocumentChanges, DocumentService};
pub use store::{BlobContent, BlobKey, BlobStore, BlobWrite, ByteStream, StoredBlob};
pub use upload::{OPAQUE_CONTENT_TYPE, Upload, UploadLimits};

#[cfg(any(test, feature = "mocks"))]
pub use ledger::MockBlobLedger;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockDocumentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use store::MockBlobStore;
