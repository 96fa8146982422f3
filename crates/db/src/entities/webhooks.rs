//! Webhook endpoints and deliveries.

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
