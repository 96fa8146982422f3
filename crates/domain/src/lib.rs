//! Cabinet's domain: what a document hub is, independent of HTTP, SQL, caches or files.
//!
//! The crate holds entities and validated values ([`model`]), the authorization
//! policy ([`policy`]), the events every change produces ([`events`]), the traits
//! through which the domain reaches the outside world ([`ports`]) and the use-case
//! services that combine them ([`services`]). It performs no I/O of its own: time,
//! ids, randomness, storage and credentials all come through ports, so every
//! service is deterministic under test. Enable the `mocks` feature to get a
//! mockall mock of every port.

pub mod actor;
pub mod error;
pub mod events;
pub mod ids;
pub mod model;
pub mod page;
pub mod policy;
pub mod ports;
pub mod services;

pub use actor::{Actor, Origin, Principal};
pub use error::{AuthFailure, Conflict, DomainError, Entity, FieldError};
pub use ids::{
    ApiKeyId, DeliveryId, DocumentId, FolderId, JobId, SessionId, ShareLinkId, UserId, WebhookId, WorkspaceId,
};
pub use policy::{Action, Role};

/// The result type of every fallible domain operation.
pub type DomainResult<T> = Result<T, DomainError>;
