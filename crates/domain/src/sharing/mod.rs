//! Sharing: links to a document with expiry, password and download limit,
//! and the public downloads they allow.

mod model;
mod ports;
mod public;
mod service;

pub use model::{LinkGone, MAX_SHARE_DOWNLOADS, ShareLink};
pub use ports::{DownloadCharge, ShareLinkRepository};
pub use service::{
    MAX_SHARE_LIFETIME, NewShareLink, SHARE_TOKEN_PREFIX, SharePorts, ShareService, ShareSettings, SharedDocument,
};

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockShareLinkRepository;
