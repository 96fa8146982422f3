//! Throw-away databases for tests: a fresh PostgreSQL database per test, or a
//! SQLite file in a temporary folder, each fully migrated.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use cabinet_domain::{DomainError, DomainResult};
use sea_orm::{ConnectionTrait, Statement};

use crate::{Database, DatabaseOptions};

/// Name prefix of every test database, so stale ones can be found and dropped.
const PREFIX: &str = "cabinet_test_";
/// Test databases older than this are assumed abandoned by a killed run.
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// A PostgreSQL database created for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// The URL of the new database.
    pub url: String,
    name: String,
    admin_url: String,
}

fn options(url: &str) -> DatabaseOptions {
    DatabaseOptions {
        url: url.to_owned(),
        max_connections: 10,
        acquire_timeout: Duration::from_secs(10),
        statement_timeout: Some(Duration::from_secs(60)),
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

fn with_database(admin_url: &str, name: &str) -> String {
    let base = admin_url.rsplit_once('/').map_or(admin_url, |(base, _)| base);
    format!("{base}/{name}")
}

impl TestDatabase {
    /// Creates and migrates a new database on the server behind `admin_url`
    /// (a URL to an existing database with the right to create others), and
    /// drops test databases that earlier, killed runs left behind.
    ///
    /// # Errors
    /// When the server cannot be reached or the migration fails.
    pub async fn postgres(admin_url: &str) -> DomainResult<(Self, Database)> {
        let (handle, db) = Self::postgres_unmigrated(admin_url).await?;
        db.migrate().await?;
        Ok((handle, db))
    }

    /// As [`TestDatabase::postgres`], without running the migrations.
    ///
    /// # Errors
    /// When the server cannot be reached.
    pub async fn postgres_unmigrated(admin_url: &str) -> DomainResult<(Self, Database)> {
        let admin = Database::connect(&options(admin_url)).await?;
        let conn = admin.connection();
        let now = unix_now();
        let stale = conn
            .query_all_raw(Statement::from_string(
                conn.get_database_backend(),
                format!("SELECT datname FROM pg_database WHERE datname LIKE '{PREFIX}%'"),
            ))
            .await
            .map_err(DomainError::internal)?;
        for row in stale {
            let name: String = row.try_get("", "datname").map_err(DomainError::internal)?;
            let created = name.trim_start_matches(PREFIX).split('_').next().and_then(|t| t.parse::<u64>().ok());
            if created.is_some_and(|t| now.saturating_sub(t) > STALE_AFTER.as_secs()) {
                let _ = conn.execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).await;
            }
        }
        let name = format!("{PREFIX}{now}_{}", uuid::Uuid::new_v4().simple());
        conn.execute_unprepared(&format!("CREATE DATABASE \"{name}\"")).await.map_err(DomainError::internal)?;
        admin.close().await;
        let url = with_database(admin_url, &name);
        let db = Database::connect(&options(&url)).await?;
        Ok((Self { url, name, admin_url: admin_url.to_owned() }, db))
    }

    /// Drops the database.
    ///
    /// # Errors
    /// When the server cannot be reached.
    pub async fn drop_database(self) -> DomainResult<()> {
        let admin = Database::connect(&options(&self.admin_url)).await?;
        admin
            .connection()
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .await
            .map_err(DomainError::internal)?;
        admin.close().await;
        Ok(())
    }
}

/// A migrated SQLite database in `dir`.
///
/// # Errors
/// When the file cannot be created or migrated.
pub async fn sqlite(dir: &std::path::Path) -> DomainResult<Database> {
    let db = sqlite_unmigrated(dir).await?;
    db.migrate().await?;
    Ok(db)
}

/// An empty SQLite database in `dir`, for migration tests.
///
/// # Errors
/// When the file cannot be created.
pub async fn sqlite_unmigrated(dir: &std::path::Path) -> DomainResult<Database> {
    let url = format!("sqlite://{}?mode=rwc", dir.join("cabinet.db").display());
    Database::connect(&options(&url)).await
}

/// The admin URL of the PostgreSQL used by tests: `CABINET_TEST_POSTGRES_URL`,
/// or the server on 127.0.0.1:5432.
#[must_use]
pub fn postgres_admin_url() -> String {
    std::env::var("CABINET_TEST_POSTGRES_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// Runs `sql` (with `?` placeholders) on the event store with its
/// append-only triggers lifted, as someone with the database owner's rights
/// could, and returns how many rows it changed. For tests of the audit
/// chain's tamper evidence.
///
/// # Errors
/// When a statement fails.
pub async fn tamper_with_events(db: &Database, sql: &str, values: Vec<sea_orm::Value>) -> DomainResult<u64> {
    let conn = db.connection();
    let backend = conn.get_database_backend();
    let postgres = backend == sea_orm::DatabaseBackend::Postgres;
    let (lift, restore): (&[&str], &[&str]) = if postgres {
        (&["ALTER TABLE events DISABLE TRIGGER USER"], &["ALTER TABLE events ENABLE TRIGGER USER"])
    } else {
        (
            &["DROP TRIGGER events_no_update", "DROP TRIGGER events_no_delete"],
            &[
                "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
                 BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
                "CREATE TRIGGER events_no_delete BEFORE DELETE ON events \
                 BEGIN SELECT RAISE(ABORT, 'events are append-only'); END",
            ],
        )
    };
    let sql = if postgres {
        let mut numbered = String::new();
        for (i, part) in sql.split('?').enumerate() {
            if i > 0 {
                numbered.push_str(&format!("${i}"));
            }
            numbered.push_str(part);
        }
        numbered
    } else {
        sql.to_owned()
    };
    // One transaction, so one connection sees the triggers gone and back.
    let txn = crate::error::begin_write(conn).await?;
    for statement in lift {
        txn.execute_unprepared(statement).await.map_err(crate::error::db_err)?;
    }
    let changed =
        txn.execute_raw(Statement::from_sql_and_values(backend, sql, values)).await.map_err(crate::error::db_err)?;
    for statement in restore {
        txn.execute_unprepared(statement).await.map_err(crate::error::db_err)?;
    }
    txn.commit().await.map_err(crate::error::db_err)?;
    Ok(changed.rows_affected())
}
