//! Documents, versions, the blob ledger and uploads in flight.

pub mod documents {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub folder_id: Uuid,
        pub name: String,
        pub name_key: String,
        pub current_version: i32,
        pub current_size: i64,
        pub current_content_type: String,
        pub description: String,
        pub tags: Json,
        pub metadata: Json,
        pub revision: i64,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub trashed_at: Option<DateTimeUtc>,
    }

    no_relations!();
}

pub mod document_versions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "document_versions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub document_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub number: i32,
        pub workspace_id: Uuid,
        pub sha256: String,
        pub size: i64,
        pub content_type: String,
        pub filename: String,
        pub author: Option<Uuid>,
        pub note: Option<String>,
        pub created_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod blobs {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "blobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub sha256: String,
        pub size: i64,
        pub created_at: DateTimeUtc,
        pub released_at: Option<DateTimeUtc>,
        pub storage_key: String,
    }

    no_relations!();
}

pub mod uploads {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "uploads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub storage_key: String,
        pub workspace_id: Uuid,
        pub started_at: DateTimeUtc,
        /// The object store's id for the unfinished upload (S3 multipart).
        pub store_upload_id: Option<String>,
    }

    no_relations!();
}
