//! Users, sessions, workspaces, memberships, API keys and the append-only event store.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DatabaseBackend;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    InstanceAdmin,
    DisabledAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    UserId,
    CreatedAt,
    LastUsedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    UserAgent,
    Ip,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    TokenHash,
    SessionId,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Name,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ApiKeys {
    Table,
    Id,
    WorkspaceId,
    Name,
    Role,
    Prefix,
    KeyHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Seq,
    Id,
    WorkspaceId,
    AggregateType,
    AggregateId,
    EventType,
    ActorKind,
    ActorId,
    RequestId,
    Ip,
    UserAgent,
    Payload,
    OccurredAt,
}

fn ts(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().not_null().to_owned()
}

fn ts_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).timestamp_with_time_zone().null().to_owned()
}

fn id(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).uuid().not_null().to_owned()
}

fn text(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().not_null().to_owned()
}

fn text_null(name: impl IntoIden) -> ColumnDef {
    ColumnDef::new(name).string().null().to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(id(Users::Id).primary_key())
                    .col(text(Users::Email).unique_key())
                    .col(text(Users::DisplayName))
                    .col(text(Users::PasswordHash))
                    .col(ColumnDef::new(Users::InstanceAdmin).boolean().not_null().default(false))
                    .col(ts_null(Users::DisabledAt))
                    .col(ts(Users::CreatedAt))
                    .col(ts(Users::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    .col(id(Sessions::Id).primary_key())
                    .col(id(Sessions::UserId))
                    .col(ts(Sessions::CreatedAt))
                    .col(ts(Sessions::LastUsedAt))
                    .col(ts(Sessions::ExpiresAt))
                    .col(ts_null(Sessions::RevokedAt))
                    .col(text_null(Sessions::RevokedReason))
                    .col(text_null(Sessions::UserAgent))
                    .col(text_null(Sessions::Ip))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("sessions_user_id").table(Sessions::Table).col(Sessions::UserId).to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(text(RefreshTokens::TokenHash).primary_key())
                    .col(id(RefreshTokens::SessionId))
                    .col(ts(RefreshTokens::CreatedAt))
                    .col(ts(RefreshTokens::ExpiresAt))
                    .col(ts_null(RefreshTokens::UsedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::SessionId)
                            .to(Sessions::Table, Sessions::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("refresh_tokens_session_id")
                    .table(RefreshTokens::Table)
                    .col(RefreshTokens::SessionId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Workspaces::Table)
                    .col(id(Workspaces::Id).primary_key())
                    .col(text(Workspaces::Name))
                    .col(id(Workspaces::CreatedBy))
                    .col(ts(Workspaces::CreatedAt))
                    .col(ts(Workspaces::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(id(Memberships::WorkspaceId))
                    .col(id(Memberships::UserId))
                    .col(text(Memberships::Role))
                    .col(ts(Memberships::CreatedAt))
                    .primary_key(Index::create().col(Memberships::WorkspaceId).col(Memberships::UserId))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("memberships_user_id")
                    .table(Memberships::Table)
                    .col(Memberships::UserId)
                    .col(Memberships::WorkspaceId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiKeys::Table)
                    .col(id(ApiKeys::Id).primary_key())
                    .col(id(ApiKeys::WorkspaceId))
                    .col(text(ApiKeys::Name))
                    .col(text(ApiKeys::Role))
                    .col(text(ApiKeys::Prefix))
                    .col(text(ApiKeys::KeyHash).unique_key())
                    .col(id(ApiKeys::CreatedBy))
                    .col(ts(ApiKeys::CreatedAt))
                    .col(ts_null(ApiKeys::ExpiresAt))
                    .col(ts_null(ApiKeys::LastUsedAt))
                    .col(ts_null(ApiKeys::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ApiKeys::Table, ApiKeys::WorkspaceId)
                            .to(Workspaces::Table, Workspaces::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("api_keys_workspace_id")
                    .table(ApiKeys::Table)
                    .col(ApiKeys::WorkspaceId)
                    .col(ApiKeys::Id)
                    .to_owned(),
            )
            .await?;

        // SQLite only auto-increments an INTEGER PRIMARY KEY; PostgreSQL wants BIGINT.
        let mut seq = ColumnDef::new(Events::Seq);
        match manager.get_database_backend() {
            DatabaseBackend::Sqlite => seq.integer(),
            _ => seq.big_integer(),
        };
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(seq.not_null().auto_increment().primary_key())
                    .col(id(Events::Id).unique_key())
                    // No foreign key: a workspace's trail outlives the workspace.
                    .col(ColumnDef::new(Events::WorkspaceId).uuid().null())
                    .col(text(Events::AggregateType))
                    .col(id(Events::AggregateId))
                    .col(text(Events::EventType))
                    .col(text(Events::ActorKind))
                    .col(ColumnDef::new(Events::ActorId).uuid().null())
                    .col(text_null(Events::RequestId))
                    .col(text_null(Events::Ip))
                    .col(text_null(Events::UserAgent))
                    .col(ColumnDef::new(Events::Payload).json().not_null())
                    .col(ts(Events::OccurredAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("events_workspace_seq")
                    .table(Events::Table)
                    .col(Events::WorkspaceId)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("events_aggregate")
                    .table(Events::Table)
                    .col(Events::AggregateType)
                    .col(Events::AggregateId)
                    .col(Events::Seq)
                    .to_owned(),
            )
            .await?;

        // The event store is append-only, enforced by the database itself.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION cabinet_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
                     BEGIN RAISE EXCEPTION 'events are append-only'; END $$;
                     CREATE TRIGGER events_no_update BEFORE UPDATE OR DELETE ON events
                       FOR EACH ROW EXECUTE FUNCTION cabinet_events_append_only();
                     CREATE TRIGGER events_no_truncate BEFORE TRUNCATE ON events
                       FOR EACH STATEMENT EXECUTE FUNCTION cabinet_events_append_only();",
                )
                .await?;
            }
            _ => {
                db.execute_unprepared(
                    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events
                       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
                     CREATE TRIGGER events_no_delete BEFORE DELETE ON events
                       BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",
                )
                .await?;
            }
        }
        Ok(())
    }
}
