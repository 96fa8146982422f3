//! Cabinet's domain: what a document hub is, independent of HTTP, SQL, caches or files.
//!
//! The crate is organised by capability. Each of [`identity`], [`workspaces`],
//! [`folders`], [`documents`], [`sharing`], [`audit`], [`jobs`], [`webhooks`],
//! [`search`] and [`processing`] holds its model, the ports (traits) through
//! which it reaches storage and the outside world, its use-case service and its
//! tests. The shared kernel stays at the top: ids ([`ids`]), the caller
//! ([`actor`]), the authorization policy ([`policy`]), paging ([`page`]),
//! errors ([`error`]), and time, ids and randomness as ports ([`system`]).
//!
//! It performs no I/O of its own: time, ids, randomness, storage and
//! credentials all come through ports, so every service is deterministic under
//! test. Enable the `mocks` feature to get a mockall mock of every port.

#![deny(missing_docs)]
// Tests build their fixtures with real clocks and random ids; the code under
// test cannot (crates/domain/clippy.toml).
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod actor;
pub mod audit;
pub mod documents;
pub mod error;
pub mod folders;
pub mod health;
pub mod idempotency;
pub mod identity;
pub mod ids;
pub mod jobs;
mod names;
pub mod page;
pub mod policy;
pub mod processing;
pub mod search;
pub mod sharing;
pub mod system;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod webhooks;
pub mod workspaces;

#[cfg(test)]
mod testkit;

pub use actor::{Actor, Origin, Principal};
pub use error::{AuthFailure, Conflict, DomainError, Entity, FieldError};
pub use ids::{
    ApiKeyId, DeliveryId, DocumentId, FolderId, JobId, SessionId, ShareLinkId, UserId, WebhookId, WorkspaceId,
};
pub use policy::{Action, Role};

/// The result type of every fallible domain operation.
pub type DomainResult<T> = Result<T, DomainError>;
