//! What processing found of each version.

pub mod version_content {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "version_content")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub document_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub version: i32,
        pub workspace_id: Uuid,
        pub text_status: String,
        pub detail: Option<String>,
        pub text: String,
        pub text_bytes: i64,
        pub thumbnail_key: Option<String>,
        pub processed_at: DateTimeUtc,
    }

    no_relations!();
}
