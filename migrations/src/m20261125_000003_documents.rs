//! Documents, their immutable versions, and the content each workspace holds.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
    WorkspaceId,
    FolderId,
    Name,
    NameKey,
    CurrentVersion,
    CurrentSize,
    CurrentContentType,
    Description,
    Tags,
    Metadata,
    Revision,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    TrashedAt,
}

#[derive(DeriveIden)]
enum DocumentVersions {
    Table,
    DocumentId,
    Number,
    WorkspaceId,
    Sha256,
    Size,
    ContentType,
    Filename,
    Author,
    Note,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    WorkspaceId,
    Sha256,
    Size,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Folders {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Documents::Table)
                    .col(ColumnDef::new(Documents::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Documents::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(Documents::FolderId).uuid().not_null())
                    .col(ColumnDef::new(Documents::Name).string().not_null())
                    .col(ColumnDef::new(Documents::NameKey).string().not_null())
                    .col(ColumnDef::new(Documents::CurrentVersion).integer().not_null())
                    // The current version's size and type, kept here so listings need no join.
                    .col(ColumnDef::new(Documents::CurrentSize).big_integer().not_null())
                    .col(ColumnDef::new(Documents::CurrentContentType).string().not_null())
                    .col(ColumnDef::new(Documents::Description).text().not_null())
                    .col(ColumnDef::new(Documents::Tags).json().not_null())
                    .col(ColumnDef::new(Documents::Metadata).json().not_null())
                    // Bumped by every change; the ETag that If-Match compares.
                    .col(ColumnDef::new(Documents::Revision).big_integer().not_null())
                    .col(ColumnDef::new(Documents::CreatedBy).uuid().null())
                    .col(ColumnDef::new(Documents::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Documents::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Documents::TrashedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Documents::Table, Documents::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Documents::Table, Documents::FolderId)
                            .to(Folders::Table, Folders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX documents_unique_name ON documents (folder_id, name_key) WHERE trashed_at IS NULL",
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("documents_by_updated")
                    .table(Documents::Table)
                    .col(Documents::FolderId)
                    .col(Documents::UpdatedAt)
                    .col(Documents::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(DocumentVersions::Table)
                    .col(ColumnDef::new(DocumentVersions::DocumentId).uuid().not_null())
                    .col(ColumnDef::new(DocumentVersions::Number).integer().not_null())
                    .col(ColumnDef::new(DocumentVersions::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(DocumentVersions::Sha256).string().not_null())
                    .col(ColumnDef::new(DocumentVersions::Size).big_integer().not_null())
                    .col(ColumnDef::new(DocumentVersions::ContentType).string().not_null())
                    .col(ColumnDef::new(DocumentVersions::Filename).string().not_null())
                    .col(ColumnDef::new(DocumentVersions::Author).uuid().null())
                    .col(ColumnDef::new(DocumentVersions::Note).text().null())
                    .col(ColumnDef::new(DocumentVersions::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(DocumentVersions::DocumentId).col(DocumentVersions::Number))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DocumentVersions::Table, DocumentVersions::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        // Which versions use a blob, for collecting unreferenced content.
        manager
            .create_index(
                Index::create()
                    .name("document_versions_by_blob")
                    .table(DocumentVersions::Table)
                    .col(DocumentVersions::WorkspaceId)
                    .col(DocumentVersions::Sha256)
                    .to_owned(),
            )
            .await?;

        // Content a workspace holds, once per digest: its usage is the sum of
        // these sizes. No foreign key to workspaces: rows outlive a deleted
        // workspace until the collector has removed the objects.
        manager
            .create_table(
                Table::create()
                    .table(Blobs::Table)
                    .col(ColumnDef::new(Blobs::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(Blobs::Sha256).string().not_null())
                    .col(ColumnDef::new(Blobs::Size).big_integer().not_null())
                    .col(ColumnDef::new(Blobs::CreatedAt).timestamp_with_time_zone().not_null())
                    .primary_key(Index::create().col(Blobs::WorkspaceId).col(Blobs::Sha256))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}
