//! Secrets every process of an instance must share, such as the token
//! signing key generated when none is configured: on a shared database the
//! first process to start stores one and the others take it.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum InstanceSecrets {
    Table,
    Name,
    Value,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(InstanceSecrets::Table)
                    .col(ColumnDef::new(InstanceSecrets::Name).string().not_null().primary_key())
                    .col(ColumnDef::new(InstanceSecrets::Value).string().not_null())
                    .col(ColumnDef::new(InstanceSecrets::CreatedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(InstanceSecrets::Table).to_owned()).await
    }
}
