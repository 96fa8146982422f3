//! Full-text search: the query language, ranked hits with snippets, and the
//! index it runs on.

mod model;
mod ports;
mod service;

pub use model::{
    MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_SEARCH_OFFSET, MAX_SEARCH_PAGE, Match, SearchFilters, SearchHit, SearchPage,
    SearchQuery, SearchResults, SnippetPart, Term, snippet_parts,
};
pub use ports::SearchIndex;
pub use service::SearchService;

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockSearchIndex;
