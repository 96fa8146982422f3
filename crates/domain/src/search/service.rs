//! Finding documents by the words in and about them.

use std::sync::Arc;

use crate::ids::WorkspaceId;
use crate::policy::Action;
use crate::search::SearchIndex;
use crate::search::{SearchFilters, SearchPage, SearchQuery, SearchResults};
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult};

/// The search use case.
pub struct SearchService {
    access: WorkspaceAccess,
    index: Arc<dyn SearchIndex>,
}

impl std::fmt::Debug for SearchService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SearchService")
    }
}

impl SearchService {
    /// Search over `index`.
    #[must_use]
    pub fn new(index: Arc<dyn SearchIndex>, workspaces: Arc<dyn WorkspaceRepository>) -> Self {
        Self { access: WorkspaceAccess::new(workspaces), index }
    }

    /// The workspace's documents matching `query` and `filters`, best first.
    /// Anyone who may read the workspace's documents may search them; the
    /// trash is never searched.
    ///
    /// # Errors
    /// `NotFound(Workspace)` for non-members; `Invalid` query (`q`) or
    /// filters.
    pub async fn search(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        query: &str,
        filters: &SearchFilters,
        page: SearchPage,
    ) -> DomainResult<SearchResults> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let query = SearchQuery::parse(query)?;
        filters.validate()?;
        let overfetch = SearchPage { offset: page.offset, limit: page.limit + 1 };
        let mut hits = self.index.search(workspace, &query, filters, overfetch).await?;
        let next_offset = (hits.len() > page.limit as usize).then(|| page.offset + page.limit);
        hits.truncate(page.limit as usize);
        Ok(SearchResults { hits, next_offset })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use uuid::Uuid;

    use super::*;
    use crate::Role;
    use crate::error::{DomainError, Entity};
    use crate::ids::{DocumentId, FolderId, UserId};
    use crate::search::MockSearchIndex;
    use crate::search::SearchHit;
    use crate::testkit::{block_on, member_repo, now, user_actor};

    fn hit(n: u128) -> SearchHit {
        SearchHit {
            document_id: DocumentId::from_uuid(Uuid::from_u128(n)),
            folder_id: FolderId::from_uuid(Uuid::from_u128(1)),
            name: format!("doc {n}"),
            content_type: "text/plain".into(),
            updated_at: now(),
            score: 1.0,
            snippet: Vec::new(),
        }
    }

    fn ids() -> (WorkspaceId, UserId) {
        (WorkspaceId::from_uuid(Uuid::new_v4()), UserId::from_uuid(Uuid::new_v4()))
    }

    #[test]
    fn a_viewer_searches_and_pages_through_hits() {
        let (ws, me) = ids();
        let mut index = MockSearchIndex::new();
        index
            .expect_search()
            .withf(move |w, q, _, page| *w == ws && q.terms().len() == 2 && page.offset == 20 && page.limit == 3)
            .returning(|_, _, _, _| Ok(vec![hit(1), hit(2), hit(3)]));
        let service = SearchService::new(Arc::new(index), member_repo(ws, me, Role::Viewer));
        let page = SearchPage::new(20, Some(2)).expect("page");
        let results = block_on(service.search(&user_actor(me), ws, "budget plan*", &SearchFilters::default(), page))
            .expect("searches");
        assert_eq!(results.hits, vec![hit(1), hit(2)]);
        assert_eq!(results.next_offset, Some(22));
    }

    #[test]
    fn the_last_page_has_no_next_offset() {
        let (ws, me) = ids();
        let mut index = MockSearchIndex::new();
        index.expect_search().returning(|_, _, _, _| Ok(vec![hit(1)]));
        let service = SearchService::new(Arc::new(index), member_repo(ws, me, Role::Viewer));
        let page = SearchPage::new(0, Some(2)).expect("page");
        let results =
            block_on(service.search(&user_actor(me), ws, "budget", &SearchFilters::default(), page)).expect("searches");
        assert_eq!(results.next_offset, None);
    }

    #[test]
    fn outsiders_and_bad_queries_never_reach_the_index() {
        let (ws, me) = ids();
        let (other_ws, _) = ids();
        let page = SearchPage::new(0, None).expect("page");
        let mut index = MockSearchIndex::new();
        index.expect_search().never();
        let service = SearchService::new(Arc::new(index), member_repo(other_ws, me, Role::Owner));
        let err = block_on(service.search(&user_actor(me), ws, "x", &SearchFilters::default(), page))
            .expect_err("not a member");
        assert!(matches!(err, DomainError::NotFound(Entity::Workspace)), "{err:?}");

        let mut index = MockSearchIndex::new();
        index.expect_search().never();
        let service = SearchService::new(Arc::new(index), member_repo(ws, me, Role::Viewer));
        let err = block_on(service.search(&user_actor(me), ws, "-only", &SearchFilters::default(), page))
            .expect_err("only exclusions");
        assert!(matches!(err, DomainError::Invalid(ref f) if f[0].field == "q"), "{err:?}");
        let filters = SearchFilters { content_type: Some("nonsense".into()), ..SearchFilters::default() };
        let err = block_on(service.search(&user_actor(me), ws, "x", &filters, page)).expect_err("bad filter");
        assert!(matches!(err, DomainError::Invalid(ref f) if f[0].field == "type"), "{err:?}");
    }
}
