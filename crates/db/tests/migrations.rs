//! Migrations upgrade existing data, on SQLite and PostgreSQL.

use cabinet_db::Database;
use cabinet_db::testing::{self, TestDatabase};
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
    use cabinet_domain::ports::{FolderRepository as _, WorkspaceRepository as _};
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
