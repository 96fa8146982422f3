//! The audit trail: the event store, read back and verified.

use async_trait::async_trait;

use crate::DomainResult;
use crate::audit::{AuditEvent, ChainLink, EventQuery};
use crate::ids::WorkspaceId;

/// Events flowing out of the store in constant memory.
pub type EventStream = std::pin::Pin<Box<dyn futures_core::Stream<Item = DomainResult<AuditEvent>> + Send>>;

/// Reads the event store's hash chains.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait AuditTrail: Send + Sync {
    /// Up to `limit` events of one chain (a workspace's, or the
    /// account-level chain for `None`) from position `from` on, in chain
    /// order, as stored: [`crate::audit::verify_chain`] walks them.
    ///
    /// # Errors
    /// Storage failures.
    async fn chain_links(&self, workspace: Option<WorkspaceId>, from: u64, limit: u32) -> DomainResult<Vec<ChainLink>>;

    /// The last position the chain's head handed out (0 for a chain without
    /// events), which deleting events does not move back.
    ///
    /// # Errors
    /// Storage failures.
    async fn chain_head(&self, workspace: Option<WorkspaceId>) -> DomainResult<u64>;

    /// Every chain with at least one event, workspaces of deleted
    /// workspaces included.
    ///
    /// # Errors
    /// Storage failures.
    async fn chains(&self) -> DomainResult<Vec<Option<WorkspaceId>>>;

    /// Up to `limit` events matching `query`, in its order.
    ///
    /// # Errors
    /// Storage failures.
    async fn events(&self, query: &EventQuery, limit: u32) -> DomainResult<Vec<AuditEvent>>;

    /// Every event matching `query`, read in batches as the stream is
    /// consumed, so any number of events is exported in constant memory.
    fn stream(&self, query: EventQuery) -> EventStream;
}
