//! When a share link's expiry was recorded as an event.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShareLinks {
    Table,
    ExpiryRecordedAt,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(ShareLinks::Table)
                    .add_column(ColumnDef::new(ShareLinks::ExpiryRecordedAt).timestamp_with_time_zone().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("share_links_expires_at")
                    .table(ShareLinks::Table)
                    .col(ShareLinks::ExpiresAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("share_links_expires_at").table(ShareLinks::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(ShareLinks::Table).drop_column(ShareLinks::ExpiryRecordedAt).to_owned())
            .await
    }
}
