//! SeaORM entities, one module per table. They never leave this crate:
//! repositories convert them to and from domain types.

macro_rules! no_relations {
    () => {
        #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
        pub enum Relation {}

        impl ActiveModelBehavior for ActiveModel {}
    };
}

pub mod users {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "users")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        #[sea_orm(unique)]
        pub email: String,
        pub display_name: String,
        pub password_hash: String,
        pub instance_admin: bool,
        pub disabled_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod sessions {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "sessions")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub user_id: Uuid,
        pub created_at: DateTimeUtc,
        pub last_used_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub revoked_at: Option<DateTimeUtc>,
        pub revoked_reason: Option<String>,
        pub user_agent: Option<String>,
        pub ip: Option<String>,
    }

    no_relations!();
}

pub mod refresh_tokens {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "refresh_tokens")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub token_hash: String,
        pub session_id: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: DateTimeUtc,
        pub used_at: Option<DateTimeUtc>,
    }

    no_relations!();
}

pub mod workspaces {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspaces")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub name: String,
        pub root_folder_id: Option<Uuid>,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod memberships {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "memberships")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        #[sea_orm(primary_key, auto_increment = false)]
        pub user_id: Uuid,
        pub role: String,
        pub created_at: DateTimeUtc,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {
        #[sea_orm(
            belongs_to = "super::workspaces::Entity",
            from = "Column::WorkspaceId",
            to = "super::workspaces::Column::Id"
        )]
        Workspace,
        #[sea_orm(belongs_to = "super::users::Entity", from = "Column::UserId", to = "super::users::Column::Id")]
        User,
    }

    impl Related<super::workspaces::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::Workspace.def()
        }
    }

    impl Related<super::users::Entity> for Entity {
        fn to() -> RelationDef {
            Relation::User.def()
        }
    }

    impl ActiveModelBehavior for ActiveModel {}
}

pub mod api_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "api_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub name: String,
        pub role: String,
        pub prefix: String,
        #[sea_orm(unique)]
        pub key_hash: String,
        pub created_by: Uuid,
        pub created_at: DateTimeUtc,
        pub expires_at: Option<DateTimeUtc>,
        pub last_used_at: Option<DateTimeUtc>,
        pub revoked_at: Option<DateTimeUtc>,
    }

    no_relations!();
}

pub mod events {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "events")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub seq: i64,
        #[sea_orm(unique)]
        pub id: Uuid,
        pub workspace_id: Option<Uuid>,
        pub aggregate_type: String,
        pub aggregate_id: Uuid,
        pub event_type: String,
        pub actor_kind: String,
        pub actor_id: Option<Uuid>,
        pub request_id: Option<String>,
        pub ip: Option<String>,
        pub user_agent: Option<String>,
        pub payload: Json,
        pub occurred_at: DateTimeUtc,
        pub chain_id: Option<Uuid>,
        pub chain_seq: Option<i64>,
        pub prev_hash: Option<String>,
        pub hash: Option<String>,
    }

    no_relations!();
}

pub mod audit_heads {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "audit_heads")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub chain_id: Uuid,
        pub last_seq: i64,
        pub last_hash: String,
    }

    no_relations!();
}

pub mod folders {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "folders")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub parent_id: Option<Uuid>,
        pub name: String,
        pub name_key: String,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
        pub trashed_at: Option<DateTimeUtc>,
    }

    no_relations!();
}

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
    }

    no_relations!();
}

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

pub mod idempotency_keys {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "idempotency_keys")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub scope: String,
        #[sea_orm(primary_key, auto_increment = false)]
        pub key: String,
        pub fingerprint: String,
        pub status: Option<i32>,
        pub content_type: Option<String>,
        pub location: Option<String>,
        pub body: Option<Vec<u8>>,
        pub created_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod projection_cursors {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projection_cursors")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub chain_id: Uuid,
        pub last_seq: i64,
    }

    no_relations!();
}

pub mod activity_feed {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "activity_feed")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub seq: i64,
        pub workspace_id: Uuid,
        pub chain_seq: i64,
        pub occurred_at: DateTimeUtc,
        pub actor_kind: String,
        pub actor_id: Option<Uuid>,
        pub event_type: String,
        pub aggregate_type: String,
        pub aggregate_id: Uuid,
    }

    no_relations!();
}

pub mod workspace_usage {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "workspace_usage")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub workspace_id: Uuid,
        pub documents: i64,
        pub versions: i64,
        pub bytes: i64,
    }

    no_relations!();
}

pub mod projected_documents {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "projected_documents")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub document_id: Uuid,
        pub workspace_id: Uuid,
        pub versions: i64,
        pub bytes: i64,
    }

    no_relations!();
}

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

pub mod jobs {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "jobs")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub kind: String,
        pub payload: String,
        pub run_at: DateTimeUtc,
        pub attempts: i32,
        pub max_attempts: i32,
        pub crashes: i32,
        pub state: String,
        pub lease_until: Option<DateTimeUtc>,
        pub locked_by: Option<String>,
        pub last_error: Option<String>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod webhook_endpoints {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_endpoints")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub workspace_id: Uuid,
        pub url: String,
        pub description: String,
        pub event_types: String,
        pub secret: String,
        pub active: bool,
        pub disabled_reason: Option<String>,
        pub consecutive_failures: i32,
        pub breaker_until: Option<DateTimeUtc>,
        pub failing_since: Option<DateTimeUtc>,
        pub cursor: i64,
        pub created_by: Option<Uuid>,
        pub created_at: DateTimeUtc,
        pub updated_at: DateTimeUtc,
    }

    no_relations!();
}

pub mod webhook_deliveries {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
    #[sea_orm(table_name = "webhook_deliveries")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub endpoint_id: Uuid,
        pub workspace_id: Uuid,
        pub event_id: Uuid,
        pub event_type: String,
        pub body: String,
        pub status: String,
        pub attempts: i32,
        pub response_status: Option<i32>,
        pub response_body: Option<String>,
        pub error: Option<String>,
        pub duration_ms: Option<i64>,
        pub last_attempt_at: Option<DateTimeUtc>,
        pub created_at: DateTimeUtc,
    }

    no_relations!();
}
