//! Full-text search over names, tags, metadata and the text inside documents.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::search::{SearchFilters, SearchHit, SearchPage, SnippetPart};
use cabinet_domain::{FolderId, UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

/// A search: words and filters.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct SearchParams {
    /// Words (stemmed), `"phrases"`, `-exclusions` and `prefix*`; every
    /// word must match. Title and file name weigh most, then tags, then
    /// metadata and description, then the text inside.
    pub q: String,
    /// Only documents in this folder or below it.
    pub folder: Option<Uuid>,
    /// Only documents with this tag (ignoring case).
    pub tag: Option<String>,
    /// Only this media type, or a family such as `image/*`.
    #[serde(rename = "type")]
    #[param(rename = "type")]
    pub content_type: Option<String>,
    /// Only documents this user created.
    pub author: Option<Uuid>,
    /// Changed at or after this time (RFC 3339).
    pub updated_from: Option<DateTime<Utc>>,
    /// Changed before this time (RFC 3339).
    pub updated_to: Option<DateTime<Utc>>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Page size, 1 to 100 (default 20).
    pub limit: Option<u32>,
}

/// Part of a snippet; `highlight` marks where the query matched.
#[derive(Debug, Serialize, ToSchema)]
pub struct SnippetPartDto {
    /// Plain text (never markup).
    pub text: String,
    /// Whether this part matched.
    pub highlight: bool,
}

/// One search result.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchHitDto {
    /// The document.
    pub document_id: Uuid,
    /// Its folder.
    pub folder_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its media type.
    pub content_type: String,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
    /// Relevance; higher is better, comparable within one result list.
    pub score: f64,
    /// Where its text matched.
    pub snippet: Vec<SnippetPartDto>,
}

/// A page of search results, best first.
#[derive(Debug, Serialize, ToSchema)]
pub struct SearchResultsDto {
    /// The hits.
    pub items: Vec<SearchHitDto>,
    /// Pass as `cursor` for the next page; absent on the last.
    pub next_cursor: Option<String>,
}

impl From<SnippetPart> for SnippetPartDto {
    fn from(p: SnippetPart) -> Self {
        Self { text: p.text, highlight: p.highlight }
    }
}

impl From<SearchHit> for SearchHitDto {
    fn from(h: SearchHit) -> Self {
        Self {
            document_id: h.document_id.as_uuid(),
            folder_id: h.folder_id.as_uuid(),
            name: h.name,
            content_type: h.content_type,
            updated_at: h.updated_at,
            score: h.score,
            snippet: h.snippet.into_iter().map(Into::into).collect(),
        }
    }
}

/// Search the workspace's documents (anyone who may read them). The trash
/// is not searched.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/search", tag = "search", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), SearchParams),
    responses(
        (status = 200, description = "Results, best first", body = SearchResultsDto),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid query or filter", body = Problem),
    ))]
pub async fn search(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let params = params.into_inner();
    let offset = crate::dto::position_cursor::<u32>(params.cursor.as_deref())?.unwrap_or(0);
    let page = SearchPage::new(offset, params.limit)?;
    let filters = SearchFilters {
        folder: params.folder.map(FolderId::from_uuid),
        tag: params.tag,
        content_type: params.content_type,
        author: params.author.map(UserId::from_uuid),
        updated_from: params.updated_from,
        updated_to: params.updated_to,
    };
    let results = app.search.search(&caller.0, ws.into_inner(), &params.q, &filters, page).await?;
    Ok(HttpResponse::Ok().json(SearchResultsDto {
        items: results.hits.into_iter().map(Into::into).collect(),
        next_cursor: results.next_offset.map(|o| o.to_string()),
    }))
}
