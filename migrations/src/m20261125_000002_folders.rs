//! Folders: a tree per workspace, with a root folder for every workspace.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Folders {
    Table,
    Id,
    WorkspaceId,
    ParentId,
    Name,
    NameKey,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    TrashedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    RootFolderId,
    CreatedBy,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Folders::Table)
                    .col(ColumnDef::new(Folders::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Folders::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(Folders::ParentId).uuid().null())
                    .col(ColumnDef::new(Folders::Name).string().not_null())
                    .col(ColumnDef::new(Folders::NameKey).string().not_null())
                    .col(ColumnDef::new(Folders::CreatedBy).uuid().null())
                    .col(ColumnDef::new(Folders::CreatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Folders::UpdatedAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(Folders::TrashedAt).timestamp_with_time_zone().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Folders::Table, Folders::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Folders::Table, Folders::ParentId)
                            .to(Folders::Table, Folders::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("folders_by_updated")
                    .table(Folders::Table)
                    .col(Folders::ParentId)
                    .col(Folders::UpdatedAt)
                    .col(Folders::Id)
                    .to_owned(),
            )
            .await?;
        // Partial unique indexes (both databases support them): siblings
        // differ by name ignoring case, trashed folders aside, and each
        // workspace has exactly one root.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX folders_unique_sibling_name ON folders (parent_id, name_key) WHERE trashed_at IS NULL",
        )
        .await?;
        db.execute_unprepared("CREATE UNIQUE INDEX folders_one_root ON folders (workspace_id) WHERE parent_id IS NULL")
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(Workspaces::Table)
                    .add_column(ColumnDef::new(Workspaces::RootFolderId).uuid().null())
                    .to_owned(),
            )
            .await?;

        // Give workspaces created before folders existed their root.
        let existing = db
            .query_all(
                &Query::select()
                    .columns([Workspaces::Id, Workspaces::CreatedBy, Workspaces::CreatedAt])
                    .from(Workspaces::Table)
                    .and_where(Expr::col(Workspaces::RootFolderId).is_null())
                    .to_owned(),
            )
            .await?;
        for row in existing {
            let workspace: uuid::Uuid = row.try_get("", "id")?;
            let created_by: uuid::Uuid = row.try_get("", "created_by")?;
            let created_at: chrono::DateTime<chrono::Utc> = row.try_get("", "created_at")?;
            let root = uuid::Uuid::now_v7();
            db.execute(
                &Query::insert()
                    .into_table(Folders::Table)
                    .columns([
                        Folders::Id,
                        Folders::WorkspaceId,
                        Folders::Name,
                        Folders::NameKey,
                        Folders::CreatedBy,
                        Folders::CreatedAt,
                        Folders::UpdatedAt,
                    ])
                    .values_panic([
                        root.into(),
                        workspace.into(),
                        "Root".into(),
                        "root".into(),
                        created_by.into(),
                        created_at.into(),
                        created_at.into(),
                    ])
                    .to_owned(),
            )
            .await?;
            db.execute(
                &Query::update()
                    .table(Workspaces::Table)
                    .value(Workspaces::RootFolderId, root)
                    .and_where(Expr::col(Workspaces::Id).eq(workspace))
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
