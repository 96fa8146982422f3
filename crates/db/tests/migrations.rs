//! Migrations upgrade existing data, on SQLite and PostgreSQL.

use cabinet_db::Database;
use cabinet_db::testing::{self, TestDatabase};
use chrono::SubsecRound as _;
use sea_orm::{ConnectionTrait, Statement};

async fn workspaces_from_before_folders_get_a_root(db: &Database) {
    db.migrate_steps(1).await.expect("the first migration");
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let (user, ws) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let now = chrono::Utc::now();
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO users (id, email, display_name, password_hash, instance_admin, created_at, updated_at) VALUES ($1, 'old@example.com', 'Old', 'x', false, $2, $2)"
            }
            _ => "INSERT INTO users (id, email, display_name, password_hash, instance_admin, created_at, updated_at) VALUES (?, 'old@example.com', 'Old', 'x', false, ?, ?)",
        },
        match backend {
            sea_orm::DatabaseBackend::Postgres => vec![user.into(), now.into()],
            _ => vec![user.into(), now.into(), now.into()],
        },
    ))
    .await
    .expect("user");
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO workspaces (id, name, created_by, created_at, updated_at) VALUES ($1, 'Old', $2, $3, $3)"
            }
            _ => "INSERT INTO workspaces (id, name, created_by, created_at, updated_at) VALUES (?, 'Old', ?, ?, ?)",
        },
        match backend {
            sea_orm::DatabaseBackend::Postgres => vec![ws.into(), user.into(), now.into()],
            _ => vec![ws.into(), user.into(), now.into(), now.into()],
        },
    ))
    .await
    .expect("workspace");

    db.migrate().await.expect("the remaining migrations");
    use cabinet_domain::folders::FolderRepository as _;
    use cabinet_domain::workspaces::WorkspaceRepository as _;
    let workspace =
        db.workspaces().get(cabinet_domain::WorkspaceId::from_uuid(ws)).await.expect("readable").expect("kept");
    let root = db.folders().get(workspace.id, workspace.root_folder_id).await.expect("get").expect("a root folder");
    assert!(root.is_root());
    assert_eq!(root.name.as_str(), "Root");
}

#[tokio::test]
async fn sqlite_workspaces_from_before_folders_get_a_root() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = testing::sqlite_unmigrated(dir.path()).await.expect("sqlite");
    workspaces_from_before_folders_get_a_root(&db).await;
}

#[tokio::test]
async fn postgres_workspaces_from_before_folders_get_a_root() {
    let (handle, db) = TestDatabase::postgres_unmigrated(&testing::postgres_admin_url()).await.expect("postgres");
    workspaces_from_before_folders_get_a_root(&db).await;
    db.close().await;
    handle.drop_database().await.expect("drop");
}

/// Events written before the hash chain existed are chained by the
/// migration, and new events continue their chains.
async fn events_from_before_the_chain_are_chained(db: &Database) {
    db.migrate_steps(5).await.expect("the migrations before the chain");
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let ws = uuid::Uuid::now_v7();
    let sql = match backend {
        sea_orm::DatabaseBackend::Postgres => {
            "INSERT INTO events (id, workspace_id, aggregate_type, aggregate_id, event_type, actor_kind, payload, occurred_at) \
             VALUES ($1, $2, 'workspace', $3, $4, 'system', $5, $6)"
        }
        _ => {
            "INSERT INTO events (id, workspace_id, aggregate_type, aggregate_id, event_type, actor_kind, payload, occurred_at) \
             VALUES (?, ?, 'workspace', ?, ?, 'system', ?, ?)"
        }
    };
    for (workspace, event_type) in [
        (Some(ws), "workspace.created.v1"),
        (None, "user.registered.v1"),
        (Some(ws), "workspace.renamed.v1"),
        (Some(ws), "workspace.renamed.v1"),
    ] {
        let payload = serde_json::json!({"old": {"z": 1, "a": [true, null]}});
        let at = chrono::Utc::now().trunc_subsecs(6);
        let values: Vec<sea_orm::Value> = vec![
            uuid::Uuid::now_v7().into(),
            workspace.into(),
            ws.into(),
            event_type.into(),
            payload.into(),
            at.into(),
        ];
        conn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.expect("an old event");
    }

    db.migrate().await.expect("the chain migration");
    let trail = db.audit();
    let id = cabinet_domain::WorkspaceId::from_uuid(ws);
    let report = cabinet_domain::audit::verify_chain(&trail, Some(id)).await.expect("verify");
    assert_eq!((report.intact_up_to, report.broken_at), (3, None));
    assert_eq!(cabinet_domain::audit::verify_chain(&trail, None).await.expect("verify").intact_up_to, 1);

    // New events continue the chain the migration built.
    use cabinet_domain::identity::UserRepository as _;
    let user = cabinet_domain::identity::User {
        id: cabinet_domain::UserId::from_uuid(uuid::Uuid::now_v7()),
        email: cabinet_domain::identity::Email::parse("new@example.com").expect("email"),
        display_name: cabinet_domain::identity::DisplayName::parse("New").expect("name"),
        password_hash: cabinet_domain::identity::PasswordHash::from_phc("$argon2id$x".into()),
        instance_admin: false,
        disabled_at: None,
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
    };
    let registered = cabinet_domain::audit::NewEvent {
        id: uuid::Uuid::now_v7(),
        payload: cabinet_domain::audit::EventPayload::UserRegistered {
            user_id: user.id,
            email: "new@example.com".into(),
            display_name: "New".into(),
            instance_admin: false,
        },
        actor: cabinet_domain::actor::ActorRef { kind: cabinet_domain::actor::ActorKind::System, id: None },
        origin: cabinet_domain::Origin::default(),
        occurred_at: chrono::Utc::now(),
    };
    db.users().create(&user, &[registered]).await.expect("a new user");
    let account = cabinet_domain::audit::verify_chain(&trail, None).await.expect("verify");
    assert_eq!((account.intact_up_to, account.broken_at), (2, None));
}

#[tokio::test]
async fn sqlite_events_from_before_the_chain_are_chained() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = testing::sqlite_unmigrated(dir.path()).await.expect("sqlite");
    events_from_before_the_chain_are_chained(&db).await;
}

#[tokio::test]
async fn postgres_events_from_before_the_chain_are_chained() {
    let (handle, db) = TestDatabase::postgres_unmigrated(&testing::postgres_admin_url()).await.expect("postgres");
    events_from_before_the_chain_are_chained(&db).await;
    db.close().await;
    handle.drop_database().await.expect("drop");
}

/// Content stored before blobs recorded their keys lives at its content
/// address; the migration records that address as the key.
async fn content_from_before_keys_is_found_where_it_was_stored(db: &Database) {
    db.migrate_steps(8).await.expect("migrations before keys");
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let ws = uuid::Uuid::now_v7();
    let digest = "ab".repeat(32);
    let now = chrono::Utc::now().trunc_subsecs(6);
    conn.execute_raw(Statement::from_sql_and_values(
        backend,
        match backend {
            sea_orm::DatabaseBackend::Postgres => {
                "INSERT INTO blobs (workspace_id, sha256, size, created_at) VALUES ($1, $2, 10, $3)"
            }
            _ => "INSERT INTO blobs (workspace_id, sha256, size, created_at) VALUES (?, ?, 10, ?)",
        },
        vec![ws.into(), digest.clone().into(), now.into()],
    ))
    .await
    .expect("blob");

    db.migrate().await.expect("the remaining migrations");
    use cabinet_domain::documents::BlobLedger as _;
    let sha = cabinet_domain::documents::Sha256::parse(&digest).expect("digest");
    let key = db.blob_ledger().blob_key(cabinet_domain::WorkspaceId::from_uuid(ws), &sha).await.expect("read");
    assert_eq!(key.expect("recorded").as_str(), format!("workspaces/{ws}/blobs/ab/{digest}"));
}

#[tokio::test]
async fn sqlite_content_from_before_keys_is_found_where_it_was_stored() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = testing::sqlite_unmigrated(dir.path()).await.expect("sqlite");
    content_from_before_keys_is_found_where_it_was_stored(&db).await;
}

#[tokio::test]
async fn postgres_content_from_before_keys_is_found_where_it_was_stored() {
    let (handle, db) = TestDatabase::postgres_unmigrated(&testing::postgres_admin_url()).await.expect("postgres");
    content_from_before_keys_is_found_where_it_was_stored(&db).await;
    db.close().await;
    handle.drop_database().await.expect("drop");
}

#[tokio::test]
async fn a_full_sqlite_database_is_storage_full_not_an_internal_error() {
    use cabinet_domain::identity::UserRepository as _;
    let dir = tempfile::tempdir().expect("tempdir");
    testing::sqlite(dir.path()).await.expect("migrated").close().await;
    // One connection, so the page limit below holds for every statement.
    let url = format!("sqlite://{}?mode=rw", dir.path().join("cabinet.db").display());
    let db = Database::connect(&cabinet_db::DatabaseOptions {
        url,
        max_connections: 1,
        acquire_timeout: std::time::Duration::from_secs(5),
        statement_timeout: None,
    })
    .await
    .expect("connect");
    let conn = db.connection();
    let pages: i64 = conn
        .query_one_raw(Statement::from_string(conn.get_database_backend(), "PRAGMA page_count"))
        .await
        .expect("pages")
        .expect("a row")
        .try_get_by_index(0)
        .expect("count");
    conn.execute_unprepared(&format!("PRAGMA max_page_count = {}", pages + 2)).await.expect("limit");
    let users = db.users();
    let mut outcome = Ok(());
    for i in 0..500 {
        let mut user = cabinet_domain::identity::User {
            id: cabinet_domain::UserId::from_uuid(uuid::Uuid::now_v7()),
            email: cabinet_domain::identity::Email::parse(&format!("u{i}@example.com")).expect("email"),
            display_name: cabinet_domain::identity::DisplayName::parse(&"N".repeat(100)).expect("name"),
            password_hash: cabinet_domain::identity::PasswordHash::from_phc("$argon2id$".to_owned() + &"x".repeat(500)),
            instance_admin: false,
            disabled_at: None,
            created_at: chrono::Utc::now().trunc_subsecs(6),
            updated_at: chrono::Utc::now().trunc_subsecs(6),
        };
        user.updated_at = user.created_at;
        outcome = users.create(&user, &[]).await;
        if outcome.is_err() {
            break;
        }
    }
    assert!(matches!(outcome, Err(cabinet_domain::DomainError::StorageFull(_))), "{outcome:?}");
}

#[tokio::test]
async fn a_statement_past_its_timeout_on_postgres_is_unavailable_not_a_hang() {
    use cabinet_domain::workspaces::WorkspaceRepository as _;
    use sea_orm::TransactionTrait as _;
    let (handle, holder) = TestDatabase::postgres(&testing::postgres_admin_url()).await.expect("postgres");
    let db = Database::connect(&cabinet_db::DatabaseOptions {
        url: handle.url.clone(),
        max_connections: 2,
        acquire_timeout: std::time::Duration::from_secs(5),
        statement_timeout: Some(std::time::Duration::from_secs(1)),
    })
    .await
    .expect("connect");
    // Another session holds the table, as a stuck migration or a frozen writer would.
    let txn = holder.connection().begin().await.expect("begin");
    txn.execute_unprepared("LOCK TABLE workspaces IN ACCESS EXCLUSIVE MODE").await.expect("lock");
    let started = std::time::Instant::now();
    let outcome = db.workspaces().get(cabinet_domain::WorkspaceId::from_uuid(uuid::Uuid::now_v7())).await;
    let waited = started.elapsed();
    txn.rollback().await.expect("rollback");
    assert!(matches!(outcome, Err(cabinet_domain::DomainError::Unavailable(_))), "{outcome:?}");
    assert!(
        waited < std::time::Duration::from_secs(30),
        "cancelled by the timeout, not the lock's release: {waited:?}"
    );
    db.close().await;
    holder.close().await;
    handle.drop_database().await.expect("dropped");
}
