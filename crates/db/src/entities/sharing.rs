//! Share links.

pub mod share_links {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "share_links")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub document_id: Uuid,
        pub version_number: Option<i32>,
        pub token_hash: String,
        pub password_hash: Option<String>,
        pub expires_at: Option<DateTimeUtc>,
        pub max_downloads: Option<i32>,
        pub downloads: i32,
        pub bytes_served: i64,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub expiry_recorded_at: Option<DateTimeUtc>,
    }

    no_relations!();
}
