//! Share links, and released content awaiting collection.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShareLinks {
    Table,
    Id,
    WorkspaceId,
    DocumentId,
    VersionNumber,
    TokenHash,
    PasswordHash,
    ExpiresAt,
    MaxDownloads,
    Downloads,
    CreatedBy,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Blobs {
    Table,
    ReleasedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Documents {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Content no version references any more (or not yet: an upload in
        // flight reserves it) carries the time it was released; collection
        // deletes it only after a grace period. Held content has NULL here.
        manager
            .alter_table(
                Table::alter()
                    .table(Blobs::Table)
                    .add_column(ColumnDef::new(Blobs::ReleasedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("blobs_released_at").table(Blobs::Table).col(Blobs::ReleasedAt).to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ShareLinks::Table)
                    .col(ColumnDef::new(ShareLinks::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ShareLinks::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(ShareLinks::DocumentId).uuid().not_null())
                    // NULL follows the document's current version.
                    .col(ColumnDef::new(ShareLinks::VersionNumber).integer().null())
                    .col(ColumnDef::new(ShareLinks::TokenHash).string().not_null().unique_key())
                    .col(ColumnDef::new(ShareLinks::PasswordHash).string().null())
                    .col(ColumnDef::new(ShareLinks::ExpiresAt).timestamp_with_time_zone().null())
                    .col(ColumnDef::new(ShareLinks::MaxDownloads).integer().null())
                    .col(ColumnDef::new(ShareLinks::Downloads).integer().not_null())
                    .col(ColumnDef::new(ShareLinks::CreatedBy).uuid().null())
                    .col(ColumnDef::new(ShareLinks::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ShareLinks::RevokedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShareLinks::Table, ShareLinks::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ShareLinks::Table, ShareLinks::DocumentId)
                            .to(Documents::Table, Documents::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("share_links_document")
                    .table(ShareLinks::Table)
                    .col(ShareLinks::DocumentId)
                    .col(ShareLinks::CreatedAt)
                    .to_owned(),
            )
            .await
    }
}
