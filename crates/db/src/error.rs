//! Translation of database failures into domain errors, where they happen.

use cabinet_domain::DomainError;
use sea_orm::{DbErr, SqlErr};

/// Maps a database error to the domain: lost connections and pool timeouts
/// are `Unavailable` (the caller may retry), everything else `Internal`.
pub(crate) fn db_err(err: DbErr) -> DomainError {
    match &err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => DomainError::Unavailable(format!("database: {err}")),
        _ => DomainError::Internal(format!("database: {err}")),
    }
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
