//! Translation of database failures into domain errors, where they happen.

use std::sync::atomic::{AtomicBool, Ordering};

use cabinet_domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Set once SQLite has failed to write for want of space. A COMMIT that
/// fails that way leaves SQLite inside its transaction, still holding the
/// write lock, while the connection goes back to the pool: every other
/// writer then waits out the busy timeout and fails with "database is
/// locked" long after space was freed. From then on a released connection
/// is rolled back before reuse (see `Database::connect`).
pub(crate) static SQLITE_WRITE_FAILED: AtomicBool = AtomicBool::new(false);

/// Maps a database error to the domain: lost connections, pool timeouts,
/// a server shutting down or starting, a statement cut off by its timeout and
/// a busy SQLite are `Unavailable` (the caller may retry); a full disk is
/// `StorageFull`; everything else `Internal`.
pub(crate) fn db_err(err: DbErr) -> DomainError {
    match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => DomainError::Unavailable(format!("database: {err}")),
        _ => match database_code(&err).as_deref() {
            // PostgreSQL: disk full; SQLite: SQLITE_FULL.
            Some("53100" | "13") => {
                SQLITE_WRITE_FAILED.store(true, Ordering::Relaxed);
                DomainError::StorageFull(format!("database: {err}"))
            }
            // PostgreSQL: resources (53…), operator intervention (57…: shutdown,
            // starting up, statement timeout), connection exceptions (08…),
            // serialization failures and deadlocks; SQLite: busy, locked.
            Some(code)
                if code.starts_with("53")
                    || code.starts_with("57")
                    || code.starts_with("08")
                    || matches!(code, "40001" | "40P01" | "55P03" | "5" | "6" | "517" | "261") =>
            {
                DomainError::Unavailable(format!("database: {err}"))
            }
            _ if is_lost_connection(&err) => DomainError::Unavailable(format!("database: {err}")),
            _ => DomainError::Internal(format!("database: {err}")),
        },
    }
}

/// The SQLSTATE (PostgreSQL) or result code (SQLite) of a failed statement.
fn database_code(err: &DbErr) -> Option<String> {
    let runtime = match err {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => e,
        _ => return None,
    };
    match runtime.as_ref() {
        sea_orm::sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// A statement that failed because the connection broke under it (the
/// server went away): the caller may retry on a fresh one.
fn is_lost_connection(err: &DbErr) -> bool {
    let runtime = match err {
        DbErr::Exec(sea_orm::RuntimeErr::SqlxError(e)) | DbErr::Query(sea_orm::RuntimeErr::SqlxError(e)) => e,
        _ => return false,
    };
    matches!(
        runtime.as_ref(),
        sea_orm::sqlx::Error::Io(_)
            | sea_orm::sqlx::Error::PoolTimedOut
            | sea_orm::sqlx::Error::PoolClosed
            | sea_orm::sqlx::Error::WorkerCrashed
    )
}

/// Like [`db_err`], but a unique-key violation becomes `on_unique`.
pub(crate) fn db_err_unique(err: DbErr, on_unique: DomainError) -> DomainError {
    match err.sql_err() {
        Some(SqlErr::UniqueConstraintViolation(_)) => on_unique,
        _ => db_err(err),
    }
}

/// Extension to map `Result<T, DbErr>` in one call.
pub(crate) trait DbResultExt<T> {
    fn or_domain(self) -> Result<T, DomainError>;
}

impl<T> DbResultExt<T> for Result<T, DbErr> {
    fn or_domain(self) -> Result<T, DomainError> {
        self.map_err(db_err)
    }
}

/// Begins a transaction that will write. On SQLite it takes the write lock
/// at once (`BEGIN IMMEDIATE`), so a busy database makes it wait out the
/// busy timeout; a deferred transaction that read first would instead fail
/// with "database is locked" when another connection wrote meanwhile.
pub(crate) async fn begin_write<C: sea_orm::TransactionTrait>(db: &C) -> crate::DomainResult<C::Transaction> {
    db.begin_with_options(sea_orm::TransactionOptions {
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
    .map_err(db_err)
}
