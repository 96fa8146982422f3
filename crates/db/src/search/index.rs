//! Keeping the search index current: a document's row refreshed from its
//! name, tags, metadata and extracted text, or forgotten.

use cabinet_domain::{DomainError, DomainResult};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, QueryOrder, Statement, Value};
use uuid::Uuid;

use super::{INDEXED_TEXT_BYTES, Sql};
use crate::entities::{document_versions, documents, version_content};
use crate::error::DbResultExt;

/// Words only: punctuation in names (`q3_report-final.pdf`) separates words
/// for every tokenizer alike.
pub(super) fn words_of(text: &str) -> String {
    text.chars().map(|c| if c.is_alphanumeric() { c } else { ' ' }).collect()
}

pub(super) fn truncated(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What the index holds of one document.
pub(super) struct Fields {
    workspace: Uuid,
    title: String,
    filename: String,
    tags: String,
    meta: String,
    body: String,
}

pub(super) async fn fields<C: ConnectionTrait>(conn: &C, doc: &documents::Model) -> DomainResult<Fields> {
    let filename = document_versions::Entity::find_by_id((doc.id, doc.current_version))
        .one(conn)
        .await
        .or_domain()?
        .map(|v| v.filename)
        .unwrap_or_default();
    // The newest processed version's text: a version still being processed
    // leaves the previous one's words findable meanwhile.
    let body = version_content::Entity::find()
        .filter(version_content::Column::DocumentId.eq(doc.id))
        .filter(version_content::Column::Version.lte(doc.current_version))
        .order_by_desc(version_content::Column::Version)
        .one(conn)
        .await
        .or_domain()?
        .map(|c| truncated(&c.text, INDEXED_TEXT_BYTES).to_owned())
        .unwrap_or_default();
    let strings = |json: &serde_json::Value| -> Vec<String> {
        match json {
            serde_json::Value::Array(items) => items.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            serde_json::Value::Object(map) => map.values().filter_map(|v| v.as_str().map(str::to_owned)).collect(),
            _ => Vec::new(),
        }
    };
    let mut meta = strings(&doc.metadata);
    meta.push(doc.description.clone());
    Ok(Fields {
        workspace: doc.workspace_id,
        title: words_of(&doc.name),
        filename: words_of(&filename),
        tags: strings(&doc.tags).join("\n"),
        meta: meta.join("\n"),
        body,
    })
}

/// Re-reads a document and replaces what the index holds of it; a
/// document that no longer exists leaves the index.
pub(crate) async fn refresh<C: ConnectionTrait>(conn: &C, document: Uuid) -> DomainResult<()> {
    let Some(doc) = documents::Entity::find_by_id(document).one(conn).await.or_domain()? else {
        return forget(conn, document).await;
    };
    let f = fields(conn, &doc).await?;
    let backend = conn.get_database_backend();
    let texts = [f.title, f.filename, f.tags, f.meta, f.body];
    if backend == DatabaseBackend::Postgres {
        let mut sql = Sql::new(backend);
        let id = sql.bind(document);
        let ws = sql.bind(f.workspace);
        let placeholders: Vec<String> = texts.into_iter().map(|t| sql.bind(t)).collect();
        sql.push(&format!(
            "INSERT INTO search_documents (document_id, workspace_id, title, filename, tags, meta, body) \
             VALUES ({id}, {ws}, {}) ON CONFLICT (document_id) DO UPDATE SET workspace_id = EXCLUDED.workspace_id, \
             title = EXCLUDED.title, filename = EXCLUDED.filename, tags = EXCLUDED.tags, meta = EXCLUDED.meta, \
             body = EXCLUDED.body",
            placeholders.join(", ")
        ));
        conn.execute_raw(sql.statement()).await.or_domain()?;
        return Ok(());
    }
    let row = match sqlite_row(conn, document).await? {
        Some(row) => {
            let delete =
                Statement::from_sql_and_values(backend, "DELETE FROM search_fts WHERE rowid = ?", [row.into()]);
            conn.execute_raw(delete).await.or_domain()?;
            row
        }
        None => {
            let insert = Statement::from_sql_and_values(
                backend,
                "INSERT INTO search_rows (document_id, workspace_id) VALUES (?, ?) RETURNING id",
                [document.into(), f.workspace.into()],
            );
            let created = conn.query_one_raw(insert).await.or_domain()?;
            created.ok_or_else(|| DomainError::internal("no search row id"))?.try_get("", "id").or_domain()?
        }
    };
    let mut values: Vec<Value> = vec![row.into()];
    values.extend(texts.into_iter().map(Value::from));
    let insert = Statement::from_sql_and_values(
        backend,
        "INSERT INTO search_fts (rowid, title, filename, tags, meta, body) VALUES (?, ?, ?, ?, ?, ?)",
        values,
    );
    conn.execute_raw(insert).await.or_domain()?;
    Ok(())
}

pub(super) async fn sqlite_row<C: ConnectionTrait>(conn: &C, document: Uuid) -> DomainResult<Option<i64>> {
    let find = Statement::from_sql_and_values(
        conn.get_database_backend(),
        "SELECT id FROM search_rows WHERE document_id = ?",
        [document.into()],
    );
    let row = conn.query_one_raw(find).await.or_domain()?;
    row.map(|r| r.try_get("", "id").or_domain()).transpose()
}

/// Takes a document out of the index.
pub(crate) async fn forget<C: ConnectionTrait>(conn: &C, document: Uuid) -> DomainResult<()> {
    let backend = conn.get_database_backend();
    if backend == DatabaseBackend::Postgres {
        let delete = Statement::from_sql_and_values(
            backend,
            "DELETE FROM search_documents WHERE document_id = $1",
            [document.into()],
        );
        conn.execute_raw(delete).await.or_domain()?;
        return Ok(());
    }
    if let Some(row) = sqlite_row(conn, document).await? {
        for sql in ["DELETE FROM search_fts WHERE rowid = ?", "DELETE FROM search_rows WHERE id = ?"] {
            conn.execute_raw(Statement::from_sql_and_values(backend, sql, [row.into()])).await.or_domain()?;
        }
    }
    Ok(())
}

/// Takes a deleted workspace's documents out of the index.
pub(crate) async fn forget_workspace<C: ConnectionTrait>(conn: &C, workspace: Uuid) -> DomainResult<()> {
    let backend = conn.get_database_backend();
    let statements: &[&str] = if backend == DatabaseBackend::Postgres {
        &["DELETE FROM search_documents WHERE workspace_id = $1"]
    } else {
        &[
            "DELETE FROM search_fts WHERE rowid IN (SELECT id FROM search_rows WHERE workspace_id = ?)",
            "DELETE FROM search_rows WHERE workspace_id = ?",
        ]
    };
    for sql in statements {
        conn.execute_raw(Statement::from_sql_and_values(backend, *sql, [workspace.into()])).await.or_domain()?;
    }
    Ok(())
}

/// Empties the index, before a rebuild.
pub(crate) async fn clear<C: ConnectionTrait>(conn: &C) -> DomainResult<()> {
    let backend = conn.get_database_backend();
    let statements: &[&str] = if backend == DatabaseBackend::Postgres {
        &["DELETE FROM search_documents"]
    } else {
        &["DELETE FROM search_fts", "DELETE FROM search_rows"]
    };
    for sql in statements {
        conn.execute_unprepared(sql).await.or_domain()?;
    }
    Ok(())
}
