//! Connections whose every statement has a deadline on the client side.
//!
//! PostgreSQL's `statement_timeout` is enforced by the server: a server
//! that stops answering (frozen, paused, cut off by a network partition
//! that leaves the socket open) enforces nothing, and a request waits as
//! long as the freeze lasts. Every statement, `BEGIN`, `COMMIT` and
//! `ROLLBACK` the adapters send goes through these wrappers, which give up
//! after the deadline with a connection error (`Unavailable`, a 503). The
//! connection it was on is dropped mid-statement, so it is not reused.

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use sea_orm::{
    AccessMode, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult, IsolationLevel,
    QueryResult, RuntimeErr, Statement, TransactionError, TransactionOptions, TransactionSession, TransactionTrait,
};

/// Waits for `work` at most `deadline`.
async fn within<T>(deadline: Duration, work: impl Future<Output = Result<T, DbErr>>) -> Result<T, DbErr> {
    match tokio::time::timeout(deadline, work).await {
        Ok(done) => done,
        Err(_) => Err(DbErr::Conn(RuntimeErr::Internal(format!(
            "the database did not answer within {} ms",
            deadline.as_millis()
        )))),
    }
}

/// The pool, each statement on it bounded by a deadline.
#[derive(Debug, Clone)]
pub(crate) struct Conn {
    inner: DatabaseConnection,
    deadline: Duration,
}

impl Conn {
    pub(crate) fn new(inner: DatabaseConnection, deadline: Duration) -> Self {
        Self { inner, deadline }
    }

    /// The pool itself, without the deadline: for migrations (which may
    /// take long) and for tests.
    pub(crate) fn raw(&self) -> &DatabaseConnection {
        &self.inner
    }

    /// How long a statement may go unanswered.
    pub(crate) fn deadline(&self) -> Duration {
        self.deadline
    }
}

/// A transaction, each statement in it (and its end) bounded by a deadline.
#[derive(Debug)]
pub(crate) struct Txn {
    inner: DatabaseTransaction,
    deadline: Duration,
}

macro_rules! bounded_statements {
    ($type:ty) => {
        #[async_trait::async_trait]
        impl ConnectionTrait for $type {
            fn get_database_backend(&self) -> DbBackend {
                self.inner.get_database_backend()
            }

            async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
                within(self.deadline, self.inner.execute_raw(stmt)).await
            }

            async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
                within(self.deadline, self.inner.execute_unprepared(sql)).await
            }

            async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
                within(self.deadline, self.inner.query_one_raw(stmt)).await
            }

            async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
                within(self.deadline, self.inner.query_all_raw(stmt)).await
            }

            fn support_returning(&self) -> bool {
                self.inner.support_returning()
            }
        }

        #[async_trait::async_trait]
        impl TransactionTrait for $type {
            type Transaction = Txn;

            async fn begin(&self) -> Result<Txn, DbErr> {
                let inner = within(self.deadline, self.inner.begin()).await?;
                Ok(Txn { inner, deadline: self.deadline })
            }

            async fn begin_with_config(
                &self,
                isolation_level: Option<IsolationLevel>,
                access_mode: Option<AccessMode>,
            ) -> Result<Txn, DbErr> {
                let inner = within(self.deadline, self.inner.begin_with_config(isolation_level, access_mode)).await?;
                Ok(Txn { inner, deadline: self.deadline })
            }

            async fn begin_with_options(&self, options: TransactionOptions) -> Result<Txn, DbErr> {
                let inner = within(self.deadline, self.inner.begin_with_options(options)).await?;
                Ok(Txn { inner, deadline: self.deadline })
            }

            async fn transaction<F, T, E>(&self, callback: F) -> Result<T, TransactionError<E>>
            where
                F: for<'c> FnOnce(&'c Txn) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>> + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                self.transaction_with_config(callback, None, None).await
            }

            async fn transaction_with_config<F, T, E>(
                &self,
                callback: F,
                isolation_level: Option<IsolationLevel>,
                access_mode: Option<AccessMode>,
            ) -> Result<T, TransactionError<E>>
            where
                F: for<'c> FnOnce(&'c Txn) -> Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>> + Send,
                T: Send,
                E: std::fmt::Display + std::fmt::Debug + Send,
            {
                let txn =
                    self.begin_with_config(isolation_level, access_mode).await.map_err(TransactionError::Connection)?;
                let outcome = callback(&txn).await;
                match outcome {
                    Ok(value) => {
                        txn.commit().await.map_err(TransactionError::Connection)?;
                        Ok(value)
                    }
                    Err(err) => {
                        let _ = txn.rollback().await;
                        Err(TransactionError::Transaction(err))
                    }
                }
            }
        }
    };
}

bounded_statements!(Conn);
bounded_statements!(Txn);

#[async_trait::async_trait]
impl TransactionSession for Txn {
    async fn commit(self) -> Result<(), DbErr> {
        within(self.deadline, self.inner.commit()).await
    }

    async fn rollback(self) -> Result<(), DbErr> {
        within(self.deadline, self.inner.rollback()).await
    }
}

impl Txn {
    /// Commits (an inherent method, so callers need no trait in scope).
    pub(crate) async fn commit(self) -> Result<(), DbErr> {
        TransactionSession::commit(self).await
    }

    /// Rolls back.
    pub(crate) async fn rollback(self) -> Result<(), DbErr> {
        TransactionSession::rollback(self).await
    }
}
