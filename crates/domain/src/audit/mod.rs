//! The audit trail: the domain events every change produces, stored in the
//! same transaction as the change and hash-chained per workspace; the audit
//! queries; and the projector, which turns events into the activity, usage
//! and search read models and starts the work a new version needs.

pub mod chain;
mod event_meta;
mod events;
mod model;
mod ports;
pub mod projector;
mod service;

pub use chain::{ChainLink, ChainWalk, verify_chain};
pub use event_meta::NewEvent;
pub use events::{EventPayload, RevocationReason};
pub use model::{Activity, AuditEvent, ChainBreak, ChainReport, EventQuery, UsageFigures};
pub use ports::{AuditTrail, EventStream};
pub use projector::{Projector, ReadModelChange, ReadModels, RecordedEvent, UnappliedEvents};
pub use service::AuditService;

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockAuditTrail;
#[cfg(any(test, feature = "mocks"))]
pub use projector::MockReadModels;
