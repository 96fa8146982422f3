//! Cabinet's schema, as an ordered list of migrations that run on PostgreSQL and SQLite alike.
//!
//! Tables are declared with the portable schema builder; where the two
//! databases need different SQL (auto-increment keys, triggers) the migration
//! asks the manager which backend it runs on.

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod m20261125_000001_identity;
mod m20261125_000002_folders;
mod m20261125_000003_documents;
mod m20261125_000004_idempotency;
mod m20261125_000005_sharing;
mod m20261125_000006_audit_chain;
mod m20261125_000007_projections;
mod m20261125_000008_jobs;
mod m20261125_000009_blob_keys;
mod m20261125_000010_webhooks;
mod m20261125_000011_link_expiry;
mod m20261126_000012_search;
mod m20261203_000013_share_bytes;
mod m20261203_000014_instance_secrets;
mod m20261203_000015_job_crashes;
mod m20261208_000016_upload_ids;

/// Every migration, oldest first.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261125_000001_identity::Migration),
            Box::new(m20261125_000002_folders::Migration),
            Box::new(m20261125_000003_documents::Migration),
            Box::new(m20261125_000004_idempotency::Migration),
            Box::new(m20261125_000005_sharing::Migration),
            Box::new(m20261125_000006_audit_chain::Migration),
            Box::new(m20261125_000007_projections::Migration),
            Box::new(m20261125_000008_jobs::Migration),
            Box::new(m20261125_000009_blob_keys::Migration),
            Box::new(m20261125_000010_webhooks::Migration),
            Box::new(m20261125_000011_link_expiry::Migration),
            Box::new(m20261126_000012_search::Migration),
            Box::new(m20261203_000013_share_bytes::Migration),
            Box::new(m20261203_000014_instance_secrets::Migration),
            Box::new(m20261203_000015_job_crashes::Migration),
            Box::new(m20261208_000016_upload_ids::Migration),
        ]
    }
}
