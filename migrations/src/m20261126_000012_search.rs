//! Processed versions (extracted text, thumbnails) and the full-text index:
//! a weighted `tsvector` with a GIN index on PostgreSQL, an FTS5 table on
//! SQLite.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DatabaseBackend};

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum VersionContent {
    Table,
    DocumentId,
    Version,
    WorkspaceId,
    TextStatus,
    Detail,
    Text,
    TextBytes,
    ThumbnailKey,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum SearchRows {
    Table,
    Id,
    DocumentId,
    WorkspaceId,
}

/// PostgreSQL: one row per document; the vector weighs the name and file
/// name (A) over tags (B), metadata and description (C) and the text (D).
const POSTGRES_INDEX: &[&str] = &[
    "CREATE TABLE search_documents (
        document_id uuid PRIMARY KEY,
        workspace_id uuid NOT NULL,
        title text NOT NULL,
        filename text NOT NULL,
        tags text NOT NULL,
        meta text NOT NULL,
        body text NOT NULL,
        tsv tsvector GENERATED ALWAYS AS (
            setweight(to_tsvector('english'::regconfig, title), 'A') ||
            setweight(to_tsvector('english'::regconfig, filename), 'A') ||
            setweight(to_tsvector('english'::regconfig, tags), 'B') ||
            setweight(to_tsvector('english'::regconfig, meta), 'C') ||
            setweight(to_tsvector('english'::regconfig, body), 'D')
        ) STORED
    )",
    "CREATE INDEX search_documents_tsv ON search_documents USING GIN (tsv)",
    "CREATE INDEX search_documents_workspace ON search_documents (workspace_id)",
];

/// SQLite: FTS5 keyed by the rowid of `search_rows`, which maps documents
/// to rows; Porter stemming like PostgreSQL's English configuration.
const SQLITE_INDEX: &str = "CREATE VIRTUAL TABLE search_fts USING fts5(\
     title, filename, tags, meta, body, tokenize = 'porter unicode61 remove_diacritics 2')";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VersionContent::Table)
                    .col(ColumnDef::new(VersionContent::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(VersionContent::Version).integer().not_null())
                    .col(ColumnDef::new(VersionContent::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(VersionContent::TextStatus).string_len(16).not_null())
                    .col(ColumnDef::new(VersionContent::Detail).text().null())
                    .col(ColumnDef::new(VersionContent::Text).text().not_null())
                    .col(ColumnDef::new(VersionContent::TextBytes).big_integer().not_null())
                    .col(ColumnDef::new(VersionContent::ThumbnailKey).string().null())
                    .col(ColumnDef::new(VersionContent::ProcessedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(VersionContent::DocumentId).col(VersionContent::Version))
                    .to_owned(),
            )
            .await?;
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                for sql in POSTGRES_INDEX {
                    conn.execute_unprepared(sql).await?;
                }
            }
            _ => {
                manager
                    .create_table(
                        Table::create()
                            .table(SearchRows::Table)
                            .col(ColumnDef::new(SearchRows::Id).integer().not_null().auto_increment().primary_key())
                            .col(ColumnDef::new(SearchRows::DocumentId).uuid().not_null().unique_key())
                            .col(ColumnDef::new(SearchRows::WorkspaceId).uuid().not_null())
                            .to_owned(),
                    )
                    .await?;
                conn.execute_unprepared(SQLITE_INDEX).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let conn = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                conn.execute_unprepared("DROP TABLE search_documents").await?;
            }
            _ => {
                conn.execute_unprepared("DROP TABLE search_fts").await?;
                manager.drop_table(Table::drop().table(SearchRows::Table).to_owned()).await?;
            }
        }
        manager.drop_table(Table::drop().table(VersionContent::Table).to_owned()).await
    }
}
