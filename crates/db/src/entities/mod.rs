//! SeaORM entities, one module per table, in one file per capability (named
//! `*_tables` where a table has the capability's name). They never leave
//! this crate: repositories convert them to and from domain types.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

mod audit;
mod documents_tables;
mod folders_tables;
mod idempotency;
mod identity;
mod jobs_tables;
mod processing;
mod sharing;
mod webhooks;
mod workspaces_tables;

pub use audit::{activity_feed, audit_heads, events, projected_documents, projection_cursors, workspace_usage};
pub use documents_tables::{blobs, document_versions, documents, uploads};
pub use folders_tables::folders;
pub use idempotency::idempotency_keys;
pub use identity::{api_keys, refresh_tokens, sessions, users};
pub use jobs_tables::jobs;
pub use processing::version_content;
pub use sharing::share_links;
pub use webhooks::{webhook_deliveries, webhook_endpoints};
pub use workspaces_tables::{memberships, workspaces};
