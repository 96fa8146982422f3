//! The full-text index: a read model refreshed from the documents tables
//! whenever a document's events are projected, and searched through the
//! domain's `SearchIndex` port. PostgreSQL keeps a weighted `tsvector`
//! (GIN-indexed) and ranks with `ts_rank_cd`; SQLite keeps an FTS5 table and
//! ranks with `bm25`. Both stem English words (Porter).

use async_trait::async_trait;
use cabinet_domain::search::SearchIndex;
use cabinet_domain::search::{Match, SearchFilters, SearchHit, SearchPage, SearchQuery, snippet_parts};
use cabinet_domain::{DocumentId, DomainError, DomainResult, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DatabaseBackend, Statement, Value};

use crate::conn::Conn;
use crate::error::DbResultExt;

mod index;

pub(crate) use index::{clear, forget, forget_workspace, refresh};

/// Bytes of a version's text that are indexed. PostgreSQL refuses a
/// `tsvector` over 1 MiB, which 256 KiB of text cannot reach.
pub const INDEXED_TEXT_BYTES: usize = 256 * 1024;

/// Marks around matches in snippets; extracted text never holds control characters.
const START: char = '\u{2}';
const STOP: char = '\u{3}';

/// A statement under construction, numbering its parameters for the backend.
pub(super) struct Sql {
    backend: DatabaseBackend,
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub(super) fn new(backend: DatabaseBackend) -> Self {
        Self { backend, text: String::new(), values: Vec::new() }
    }

    /// Adds a parameter and returns its placeholder.
    pub(super) fn bind(&mut self, value: impl Into<Value>) -> String {
        self.values.push(value.into());
        match self.backend {
            DatabaseBackend::Postgres => format!("${}", self.values.len()),
            _ => "?".to_owned(),
        }
    }

    pub(super) fn push(&mut self, text: &str) {
        self.text.push_str(text);
    }

    pub(super) fn statement(self) -> Statement {
        Statement::from_sql_and_values(self.backend, self.text, self.values)
    }
}

/// The full-text index in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlSearchIndex {
    db: Conn,
}

impl SqlSearchIndex {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

/// A PostgreSQL `tsquery` expression for the query, its words bound as parameters.
fn tsquery(sql: &mut Sql, query: &SearchQuery) -> String {
    let mut term = |m: &Match| match m {
        Match::Word(w) => format!("plainto_tsquery('english', {})", sql.bind(w.clone())),
        Match::Phrase(ws) => format!("phraseto_tsquery('english', {})", sql.bind(ws.join(" "))),
        Match::Prefix(p) => format!("to_tsquery('english', {})", sql.bind(format!("{p}:*"))),
    };
    let mut parts: Vec<String> = query.included().map(&mut term).collect();
    parts.extend(query.excluded().map(|m| format!("!!{}", term(m))));
    parts.join(" && ")
}

/// An FTS5 query string. Every word is made of letters and digits only
/// (the domain parsed it so) and is quoted, so no FTS5 syntax can be injected.
fn fts5_query(query: &SearchQuery) -> String {
    let term = |m: &Match| match m {
        Match::Word(w) => format!("\"{w}\""),
        Match::Phrase(ws) => format!("\"{}\"", ws.join(" ")),
        Match::Prefix(p) => format!("\"{p}\"*"),
    };
    let included: Vec<String> = query.included().map(term).collect();
    let mut expr = format!("({})", included.join(" AND "));
    for m in query.excluded() {
        expr.push_str(" NOT ");
        expr.push_str(&term(m));
    }
    expr
}

/// The filters as SQL conditions on `d` (documents), each starting with `AND`.
fn filter_sql(sql: &mut Sql, filters: &SearchFilters) -> String {
    let postgres = sql.backend == DatabaseBackend::Postgres;
    let mut out = String::new();
    if let Some(folder) = filters.folder {
        let root = sql.bind(folder.as_uuid());
        let root = if postgres { format!("CAST({root} AS uuid)") } else { root };
        out.push_str(&format!(
            " AND d.folder_id IN (WITH RECURSIVE sub(id) AS (SELECT {root} UNION ALL \
             SELECT c.id FROM folders c JOIN sub ON c.parent_id = sub.id) SELECT id FROM sub)"
        ));
    }
    if let Some(tag) = &filters.tag {
        let tag = sql.bind(tag.trim().to_lowercase());
        out.push_str(&if postgres {
            format!(" AND EXISTS (SELECT 1 FROM json_array_elements_text(d.tags) t(v) WHERE lower(t.v) = {tag})")
        } else {
            format!(" AND EXISTS (SELECT 1 FROM json_each(d.tags) t WHERE lower(t.value) = {tag})")
        });
    }
    if let Some(family) = filters.content_type_family() {
        out.push_str(&format!(" AND d.current_content_type LIKE {}", sql.bind(format!("{family}/%"))));
    } else if let Some(ct) = &filters.content_type {
        out.push_str(&format!(" AND d.current_content_type = {}", sql.bind(ct.clone())));
    }
    if let Some(author) = filters.author {
        out.push_str(&format!(" AND d.created_by = {}", sql.bind(author.as_uuid())));
    }
    if let Some(from) = filters.updated_from {
        out.push_str(&format!(" AND d.updated_at >= {}", sql.bind(from)));
    }
    if let Some(to) = filters.updated_to {
        out.push_str(&format!(" AND d.updated_at < {}", sql.bind(to)));
    }
    out
}

/// The statement a search runs: also what the search benchmark runs
/// directly, to measure what the API adds.
#[must_use]
pub fn search_statement(
    backend: DatabaseBackend,
    workspace: WorkspaceId,
    query: &SearchQuery,
    filters: &SearchFilters,
    page: SearchPage,
) -> Statement {
    let mut sql = Sql::new(backend);
    if backend == DatabaseBackend::Postgres {
        let q = tsquery(&mut sql, query);
        let ws = sql.bind(workspace.as_uuid());
        let filters = filter_sql(&mut sql, filters);
        let opts = sql.bind(format!("StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=12, MaxFragments=2"));
        // The snippet is drawn only for the page, not for every match.
        sql.push(&format!(
            "SELECT h.document_id, h.folder_id, h.name, h.content_type, h.updated_at, h.score, \
                    ts_headline('english', h.body, h.q, {opts}) AS snippet \
             FROM (SELECT s.document_id, d.folder_id, d.name, d.current_content_type AS content_type, \
                          d.updated_at, s.body, q.q, CAST(ts_rank_cd(s.tsv, q.q) AS float8) AS score \
                   FROM (SELECT {q} AS q) q \
                   JOIN search_documents s ON s.tsv @@ q.q \
                   JOIN documents d ON d.id = s.document_id \
                   WHERE s.workspace_id = {ws} AND d.trashed_at IS NULL{filters} \
                   ORDER BY score DESC, d.updated_at DESC, d.id \
                   LIMIT {} OFFSET {}) h \
             ORDER BY h.score DESC, h.updated_at DESC, h.document_id",
            page.limit, page.offset
        ));
    } else {
        let fts = fts5_query(query);
        let matched = sql.bind(fts.clone());
        let ws = sql.bind(workspace.as_uuid());
        let filters = filter_sql(&mut sql, filters);
        let again = sql.bind(fts);
        sql.push(&format!(
            "WITH page AS (\
                 SELECT search_fts.rowid AS rid, d.id AS id, \
                        -bm25(search_fts, 10.0, 10.0, 5.0, 2.0, 1.0) AS score \
                 FROM search_fts JOIN search_rows r ON r.id = search_fts.rowid \
                 JOIN documents d ON d.id = r.document_id \
                 WHERE search_fts MATCH {matched} AND r.workspace_id = {ws} AND d.trashed_at IS NULL{filters} \
                 ORDER BY score DESC, d.updated_at DESC, d.id \
                 LIMIT {} OFFSET {}) \
             SELECT d.id AS document_id, d.folder_id, d.name, d.current_content_type AS content_type, \
                    d.updated_at, page.score, \
                    snippet(search_fts, -1, char(2), char(3), '…', 24) AS snippet \
             FROM page JOIN search_fts ON search_fts.rowid = page.rid \
             JOIN documents d ON d.id = page.id \
             WHERE search_fts MATCH {again} \
             ORDER BY page.score DESC, d.updated_at DESC, d.id",
            page.limit, page.offset
        ));
    }
    sql.statement()
}

/// [`search_statement`] as JSON: `sql`, and `params` each as
/// `{"uuid": …}`, `{"text": …}` or `{"int": …}`, for running exactly the
/// query a search runs outside Cabinet (the search benchmark does).
///
/// # Errors
/// `Internal` for a parameter of another type (none is made today).
pub fn search_statement_json(
    postgres: bool,
    workspace: WorkspaceId,
    query: &SearchQuery,
    filters: &SearchFilters,
    page: SearchPage,
) -> DomainResult<serde_json::Value> {
    let backend = if postgres { DatabaseBackend::Postgres } else { DatabaseBackend::Sqlite };
    let statement = search_statement(backend, workspace, query, filters, page);
    let params = statement
        .values
        .map(|v| v.0)
        .unwrap_or_default()
        .into_iter()
        .map(|v| match v {
            Value::Uuid(Some(u)) => Ok(serde_json::json!({ "uuid": u.to_string() })),
            Value::String(Some(t)) => Ok(serde_json::json!({ "text": t })),
            Value::BigInt(Some(n)) => Ok(serde_json::json!({ "int": n })),
            Value::Int(Some(n)) => Ok(serde_json::json!({ "int": n })),
            other => Err(DomainError::internal(format!("a search parameter of an unexpected type: {other:?}"))),
        })
        .collect::<DomainResult<Vec<_>>>()?;
    Ok(serde_json::json!({ "sql": statement.sql, "params": params }))
}

#[async_trait]
impl SearchIndex for SqlSearchIndex {
    #[tracing::instrument(skip(self, query, filters), err(level = "debug"))]
    async fn search(
        &self,
        workspace: WorkspaceId,
        query: &SearchQuery,
        filters: &SearchFilters,
        page: SearchPage,
    ) -> DomainResult<Vec<SearchHit>> {
        let statement = search_statement(self.db.get_database_backend(), workspace, query, filters, page);
        let rows = self.db.query_all_raw(statement).await.or_domain()?;
        rows.into_iter()
            .map(|r| {
                let snippet: Option<String> = r.try_get("", "snippet").or_domain()?;
                let updated_at: DateTime<Utc> = r.try_get("", "updated_at").or_domain()?;
                Ok(SearchHit {
                    document_id: DocumentId::from_uuid(r.try_get("", "document_id").or_domain()?),
                    folder_id: FolderId::from_uuid(r.try_get("", "folder_id").or_domain()?),
                    name: r.try_get("", "name").or_domain()?,
                    content_type: r.try_get("", "content_type").or_domain()?,
                    updated_at,
                    score: r.try_get("", "score").or_domain()?,
                    snippet: snippet_parts(snippet.as_deref().unwrap_or(""), START, STOP),
                })
            })
            .collect()
    }
}
