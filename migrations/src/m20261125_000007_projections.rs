//! Read models built from the event store: each workspace's activity feed
//! and usage figures, and how far into each chain they have applied.

use sea_orm_migration::prelude::*;

#[derive(Debug, DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ProjectionCursors {
    Table,
    ChainId,
    LastSeq,
}

#[derive(DeriveIden)]
enum ActivityFeed {
    Table,
    Seq,
    WorkspaceId,
    ChainSeq,
    OccurredAt,
    ActorKind,
    ActorId,
    EventType,
    AggregateType,
    AggregateId,
}

#[derive(DeriveIden)]
enum WorkspaceUsage {
    Table,
    WorkspaceId,
    Documents,
    Versions,
    Bytes,
}

#[derive(DeriveIden)]
enum ProjectedDocuments {
    Table,
    DocumentId,
    WorkspaceId,
    Versions,
    Bytes,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ProjectionCursors::Table)
                    .col(ColumnDef::new(ProjectionCursors::ChainId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ProjectionCursors::LastSeq).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ActivityFeed::Table)
                    .col(ColumnDef::new(ActivityFeed::Seq).big_integer().not_null().primary_key())
                    .col(ColumnDef::new(ActivityFeed::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(ActivityFeed::ChainSeq).big_integer().not_null())
                    .col(ColumnDef::new(ActivityFeed::OccurredAt).timestamp_with_time_zone().not_null())
                    .col(ColumnDef::new(ActivityFeed::ActorKind).string().not_null())
                    .col(ColumnDef::new(ActivityFeed::ActorId).uuid().null())
                    .col(ColumnDef::new(ActivityFeed::EventType).string().not_null())
                    .col(ColumnDef::new(ActivityFeed::AggregateType).string().not_null())
                    .col(ColumnDef::new(ActivityFeed::AggregateId).uuid().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_feed_workspace")
                    .table(ActivityFeed::Table)
                    .col(ActivityFeed::WorkspaceId)
                    .col(ActivityFeed::Seq)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WorkspaceUsage::Table)
                    .col(ColumnDef::new(WorkspaceUsage::WorkspaceId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(WorkspaceUsage::Documents).big_integer().not_null())
                    .col(ColumnDef::new(WorkspaceUsage::Versions).big_integer().not_null())
                    .col(ColumnDef::new(WorkspaceUsage::Bytes).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectedDocuments::Table)
                    .col(ColumnDef::new(ProjectedDocuments::DocumentId).uuid().not_null().primary_key())
                    .col(ColumnDef::new(ProjectedDocuments::WorkspaceId).uuid().not_null())
                    .col(ColumnDef::new(ProjectedDocuments::Versions).big_integer().not_null())
                    .col(ColumnDef::new(ProjectedDocuments::Bytes).big_integer().not_null())
                    .to_owned(),
            )
            .await
    }
}
