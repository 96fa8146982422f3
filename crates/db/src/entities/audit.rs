//! The audit trail: events, chain heads, and the read models projected from them.

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
