//! The full-text index, kept up to date from events by the projections.

use async_trait::async_trait;

use crate::DomainResult;
use crate::ids::WorkspaceId;
use crate::search::{SearchFilters, SearchHit, SearchPage, SearchQuery};

/// Finds a workspace's documents by their words.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SearchIndex: Send + Sync {
    /// Documents of `workspace` that match `query` and `filters`, best first
    /// (ties: most recently changed first), skipping `page.offset` and
    /// returning at most `page.limit`. Documents in the trash never match.
    ///
    /// # Errors
    /// `Unavailable`/`Internal` when the index fails.
    async fn search(
        &self,
        workspace: WorkspaceId,
        query: &SearchQuery,
        filters: &SearchFilters,
        page: SearchPage,
    ) -> DomainResult<Vec<SearchHit>>;
}
