//! Processing: the text and thumbnail each document version gets, made by a
//! job after its upload.

mod model;
mod ports;
mod service;

pub use model::{Analysis, Subject, TextStatus, Thumbnail, VersionContent};
pub use ports::{ContentAnalyzer, ProcessingRecord, ProcessingRepository};
pub use service::{PROCESS_JOB, PROCESS_RETRY, ProcessingPorts, ProcessingService, VersionRef};

#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockContentAnalyzer, MockProcessingRepository};
