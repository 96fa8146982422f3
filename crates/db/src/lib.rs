//! Cabinet's relational adapters: repositories and the event store on SeaORM,
//! over PostgreSQL or SQLite, chosen by the connection URL.
//!
//! Every write that the domain hands over together with events runs in one
//! transaction with the events' append, so a change is never stored without
//! its record, nor a record without its change.

mod audit;
mod conn;
mod convert;
mod documents;
mod entities;
mod error;
mod folders;
mod idempotency;
mod identity;
mod jobs;
mod processing;
mod search;
mod sharing;
mod webhooks;
mod workspaces;

#[cfg(feature = "testing")]
pub mod testing;

use std::time::Duration;

use async_trait::async_trait;
use cabinet_domain::health::HealthCheck;
use cabinet_domain::{DomainError, DomainResult};
use cabinet_migrations::Migrator;
use cabinet_migrations::MigratorTrait;
use sea_orm::{ConnectOptions, DatabaseBackend, DatabaseConnection};

pub use audit::projections::SqlProjections;
pub use audit::trail::SqlAuditTrail;
pub use documents::SqlDocumentRepository;
pub use documents::ledger::SqlBlobLedger;
pub use folders::SqlFolderRepository;
pub use idempotency::SqlIdempotencyStore;
pub use identity::api_keys::SqlApiKeyRepository;
pub use identity::sessions::SqlSessionRepository;
pub use identity::users::SqlUserRepository;
pub use jobs::SqlJobQueue;
pub use processing::SqlProcessingRepository;
pub use search::{INDEXED_TEXT_BYTES, SqlSearchIndex, search_statement, search_statement_json};
pub use sharing::SqlShareLinkRepository;
pub use webhooks::SqlWebhookRepository;
pub use workspaces::SqlWorkspaceRepository;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct DatabaseOptions {
    /// `postgres://…` or `sqlite://path?mode=rwc`.
    pub url: String,
    /// Pool size.
    pub max_connections: u32,
    /// How long a request waits for a connection before failing as unavailable.
    pub acquire_timeout: Duration,
    /// On PostgreSQL, the longest a statement (or a wait for a lock) may run
    /// before the server cancels it and the caller gets `Unavailable`; also
    /// how long a transaction may sit idle. `None` leaves the server's default.
    pub statement_timeout: Option<Duration>,
}

/// How long a statement waits for an answer when no statement timeout is
/// set (SQLite, or PostgreSQL with its timeout turned off).
const UNTIMED_STATEMENT: Duration = Duration::from_secs(60);

/// How long the client waits for any one statement's answer: the wait for
/// a connection, the server's own statement timeout (which normally ends
/// a slow statement first, with a clear error), and a second for the answer
/// to travel. Past it the server is taken for gone: frozen or cut off.
fn answer_deadline(options: &DatabaseOptions) -> Duration {
    options.acquire_timeout + options.statement_timeout.unwrap_or(UNTIMED_STATEMENT) + Duration::from_secs(1)
}

/// A connection pool to Cabinet's database.
#[derive(Debug, Clone)]
pub struct Database {
    /// The pool, each statement bounded by [`answer_deadline`]: what the adapters use.
    bounded: conn::Conn,
}

impl Database {
    /// Connects and, for SQLite, turns on WAL and a busy timeout so readers
    /// never block the writer and writers queue instead of failing.
    ///
    /// # Errors
    /// `Unavailable` when the database cannot be reached.
    pub async fn connect(options: &DatabaseOptions) -> DomainResult<Self> {
        let mut opts = ConnectOptions::new(options.url.clone());
        let statement_timeout = options.statement_timeout;
        opts.max_connections(options.max_connections)
            .acquire_timeout(options.acquire_timeout)
            .connect_timeout(options.acquire_timeout)
            .sqlx_logging(false)
            .map_sqlx_postgres_opts(move |o| match statement_timeout {
                Some(limit) => {
                    let ms = format!("{}ms", limit.as_millis().max(1));
                    o.options([
                        ("statement_timeout", ms.as_str()),
                        ("lock_timeout", ms.as_str()),
                        ("idle_in_transaction_session_timeout", ms.as_str()),
                    ])
                }
                None => o,
            })
            .map_sqlx_sqlite_pool_opts(|o| {
                o.after_release(|conn, _| {
                    Box::pin(async move {
                        if error::SQLITE_WRITE_FAILED.load(std::sync::atomic::Ordering::Relaxed) {
                            // Outside a transaction this fails harmlessly ("no transaction is active").
                            let _ = sea_orm::sqlx::Executor::execute(&mut *conn, "ROLLBACK").await;
                        }
                        Ok(true)
                    })
                })
            })
            .map_sqlx_sqlite_opts(|o| {
                o.journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
            });
        let conn = sea_orm::Database::connect(opts)
            .await
            .map_err(|e| DomainError::Unavailable(format!("cannot connect to the database: {e}")))?;
        Ok(Self { bounded: conn::Conn::new(conn, answer_deadline(options)) })
    }

    /// Applies every pending migration.
    ///
    /// # Errors
    /// `Internal` when a migration fails.
    pub async fn migrate(&self) -> DomainResult<()> {
        Migrator::up(self.bounded.raw(), None)
            .await
            .map_err(|e| DomainError::Internal(format!("migration failed: {e}")))
    }

    /// Applies the first `steps` migrations only (for migration tests).
    ///
    /// # Errors
    /// `Internal` when a migration fails.
    pub async fn migrate_steps(&self, steps: u32) -> DomainResult<()> {
        Migrator::up(self.bounded.raw(), Some(steps))
            .await
            .map_err(|e| DomainError::Internal(format!("migration failed: {e}")))
    }

    /// The instance secret `name`: the stored one, or `candidate` if none
    /// was stored yet (then it is stored). Processes racing to store one all
    /// end up with the winner's.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures (an unmigrated database among them).
    pub async fn shared_secret(&self, name: &str, candidate: &str) -> DomainResult<String> {
        use sea_orm::ConnectionTrait as _;
        use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, OnConflict, Query};
        let table = Alias::new("instance_secrets");
        let (name_col, value_col, created_col) = (Alias::new("name"), Alias::new("value"), Alias::new("created_at"));
        let insert = Query::insert()
            .into_table(table.clone())
            .columns([name_col.clone(), value_col.clone(), created_col])
            .values_panic([name.into(), candidate.into(), chrono::Utc::now().into()])
            .on_conflict(OnConflict::column(name_col.clone()).do_nothing().to_owned())
            .to_owned();
        self.bounded.execute(&insert).await.map_err(error::db_err)?;
        let select = Query::select().column(value_col).from(table).and_where(Expr::col(name_col).eq(name)).to_owned();
        let row = self
            .bounded
            .query_one(&select)
            .await
            .map_err(error::db_err)?
            .ok_or_else(|| DomainError::Internal(format!("instance secret {name} vanished")))?;
        row.try_get("", "value").map_err(error::db_err)
    }

    /// Which database this is.
    #[must_use]
    pub fn backend(&self) -> DatabaseBackend {
        self.bounded.raw().get_database_backend()
    }

    /// `postgres` or `sqlite`.
    #[must_use]
    pub fn backend_name(&self) -> &'static str {
        match self.backend() {
            DatabaseBackend::Postgres => "postgres",
            DatabaseBackend::Sqlite => "sqlite",
            _ => "other",
        }
    }

    /// The underlying connection, without the adapters' deadline, for tests.
    #[must_use]
    pub fn connection(&self) -> &DatabaseConnection {
        self.bounded.raw()
    }

    /// The user repository on this database.
    #[must_use]
    pub fn users(&self) -> SqlUserRepository {
        SqlUserRepository::new(self.bounded.clone())
    }

    /// The session repository on this database.
    #[must_use]
    pub fn sessions(&self) -> SqlSessionRepository {
        SqlSessionRepository::new(self.bounded.clone())
    }

    /// The workspace repository on this database.
    #[must_use]
    pub fn workspaces(&self) -> SqlWorkspaceRepository {
        SqlWorkspaceRepository::new(self.bounded.clone())
    }

    /// The document repository on this database.
    #[must_use]
    pub fn documents(&self) -> SqlDocumentRepository {
        SqlDocumentRepository::new(self.bounded.clone())
    }

    /// The blob ledger on this database.
    #[must_use]
    pub fn blob_ledger(&self) -> SqlBlobLedger {
        SqlBlobLedger::new(self.bounded.clone())
    }

    /// The idempotency key store on this database.
    #[must_use]
    pub fn idempotency(&self) -> SqlIdempotencyStore {
        SqlIdempotencyStore::new(self.bounded.clone())
    }

    /// The folder repository on this database.
    #[must_use]
    pub fn folders(&self) -> SqlFolderRepository {
        SqlFolderRepository::new(self.bounded.clone())
    }

    /// The API key repository on this database.
    #[must_use]
    pub fn api_keys(&self) -> SqlApiKeyRepository {
        SqlApiKeyRepository::new(self.bounded.clone())
    }

    /// The audit trail.
    #[must_use]
    pub fn audit(&self) -> SqlAuditTrail {
        SqlAuditTrail::new(self.bounded.clone())
    }

    /// The read models projected from events.
    #[must_use]
    pub fn projections(&self) -> SqlProjections {
        SqlProjections::new(self.bounded.clone())
    }

    /// The job queue.
    #[must_use]
    pub fn jobs(&self) -> SqlJobQueue {
        SqlJobQueue::new(self.bounded.clone())
    }

    /// The share link repository.
    #[must_use]
    pub fn share_links(&self) -> SqlShareLinkRepository {
        SqlShareLinkRepository::new(self.bounded.clone())
    }

    /// Processed versions: extracted text and thumbnails.
    #[must_use]
    pub fn processing(&self) -> SqlProcessingRepository {
        SqlProcessingRepository::new(self.bounded.clone())
    }

    /// The full-text index.
    #[must_use]
    pub fn search(&self) -> SqlSearchIndex {
        SqlSearchIndex::new(self.bounded.clone())
    }

    /// Webhook endpoints and deliveries.
    #[must_use]
    pub fn webhooks(&self) -> SqlWebhookRepository {
        SqlWebhookRepository::new(self.bounded.clone())
    }

    /// Closes the pool.
    pub async fn close(self) {
        let _ = self.bounded.raw().clone().close().await;
    }
}

#[async_trait]
impl HealthCheck for Database {
    fn component(&self) -> &'static str {
        "database"
    }

    async fn check(&self) -> DomainResult<()> {
        // A frozen server would hold a readiness probe as long as it holds statements.
        let deadline = self.bounded.deadline();
        match tokio::time::timeout(deadline, self.bounded.raw().ping()).await {
            Ok(answered) => answered.map_err(|e| DomainError::Unavailable(format!("database: {e}"))),
            Err(_) => Err(DomainError::Unavailable(format!("database: no answer within {} ms", deadline.as_millis()))),
        }
    }
}
