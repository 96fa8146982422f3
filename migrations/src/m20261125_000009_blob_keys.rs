//! Content stays where it was uploaded: each blob records its object's key,
//! and uploads in flight are recorded so that those a dead process left
//! behind can be found without listing the store.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::Statement;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Blobs {
    Table,
    WorkspaceId,
    Sha256,
    StorageKey,
}

#[derive(DeriveIden)]
enum Uploads {
    Table,
    StorageKey,
    WorkspaceId,
    StartedAt,
}

/// Content stored before this migration lives at its content address.
async fn backfill(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    let conn = manager.get_connection();
    let rows = conn
        .query_all_raw(Statement::from_string(
            manager.get_database_backend(),
            "SELECT workspace_id, sha256 FROM blobs WHERE storage_key IS NULL",
        ))
        .await?;
    for row in rows {
        let workspace_id: uuid::Uuid = row.try_get("", "workspace_id")?;
        let sha256: String = row.try_get("", "sha256")?;
        let prefix = sha256.get(..2).unwrap_or_default();
        let update = Query::update()
            .table(Blobs::Table)
            .value(Blobs::StorageKey, format!("workspaces/{workspace_id}/blobs/{prefix}/{sha256}"))
            .and_where(Expr::col(Blobs::WorkspaceId).eq(workspace_id))
            .and_where(Expr::col(Blobs::Sha256).eq(sha256.as_str()))
            .to_owned();
        manager.exec_stmt(update).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Blobs::Table)
                    .add_column(ColumnDef::new(Blobs::StorageKey).string().null())
                    .to_owned(),
            )
            .await?;
        backfill(manager).await?;
        manager
            .create_table(
                Table::create()
                    .table(Uploads::Table)
                    .col(ColumnDef::new(Uploads::StorageKey).string().not_null().primary_key())
                    .col(ColumnDef::new(Uploads::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(Uploads::StartedAt).timestamp_with_time_zone().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("uploads_started_at").table(Uploads::Table).col(Uploads::StartedAt).to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Uploads::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(Blobs::Table).drop_column(Blobs::StorageKey).to_owned()).await
    }
}
