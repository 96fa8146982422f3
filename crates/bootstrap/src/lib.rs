//! Cabinet's composition root: the one place that names concrete adapters.
//!
//! [`Settings`] says which database and cache to use; [`build`] connects
//! them, migrates where configured, and hands back the domain services,
//! ready for the API and the worker.

pub mod schedule;
mod settings;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use cabinet_auth::{Argon2Hasher, HasherLimits, RandomSecrets, SystemClock, UuidV7Ids};
use cabinet_cache::{LocalJobSignal, MemoryCache, RedisCache, RedisJobSignal};
use cabinet_db::{Database, DatabaseOptions};
use cabinet_domain::audit::{AuditService, Projector};
use cabinet_domain::documents::BlobStore;
use cabinet_domain::documents::DocumentService;
use cabinet_domain::folders::FolderService;
use cabinet_domain::health::HealthCheck;
use cabinet_domain::idempotency::IdempotencyStore;
use cabinet_domain::identity::{AccountService, ApiKeyService, AuthenticationService, SessionService};
use cabinet_domain::identity::{RateLimiter, RevocationList};
use cabinet_domain::jobs::JobService;
use cabinet_domain::jobs::JobSignal;
use cabinet_domain::processing::ProcessingService;
use cabinet_domain::search::SearchService;
use cabinet_domain::sharing::ShareService;
use cabinet_domain::system::Runtime;
use cabinet_domain::webhooks::WebhookService;
use cabinet_domain::workspaces::WorkspaceService;
pub use cabinet_extract::run_child as run_extract_child;
pub use schedule::ScheduledTask;
use secrecy::ExposeSecret;
pub use settings::{
    AuthConfig, CacheSettings, DatabaseBackend, DatabaseSettings, ExtractSettings, HttpSettings, JwtKeyConfig,
    LogSettings, LoginThrottleConfig, S3Settings, ScheduleSettings, Settings, SharingSettings, StorageBackend,
    StorageSettings, TrashSettings, WebhookConfig, WorkerSettings,
};

mod adapters;
mod keys;
mod wiring;

use adapters::blob_store;
use wiring::Shared;

/// Everything the apps need, built once at start-up.
#[derive(Clone)]
pub struct App {
    /// Accounts: registration, password change, the caller's account.
    pub accounts: Arc<AccountService>,
    /// Sign-in, refresh, sign-out and the caller's sessions.
    pub sessions: Arc<SessionService>,
    /// Turns a request's bearer credential into an actor.
    pub authentication: Arc<AuthenticationService>,
    /// Workspace use cases.
    pub workspaces: Arc<WorkspaceService>,
    /// API key use cases.
    pub api_keys: Arc<ApiKeyService>,
    /// Folder use cases.
    pub folders: Arc<FolderService>,
    /// Document use cases.
    pub documents: Arc<DocumentService>,
    /// Share link use cases.
    pub shares: Arc<ShareService>,
    /// Text extraction and thumbnails of versions.
    pub content: Arc<ProcessingService>,
    /// Full-text search.
    pub search: Arc<SearchService>,
    /// The audit trail.
    pub audit: Arc<AuditService>,
    /// Webhook endpoints and deliveries.
    pub webhooks: Arc<WebhookService>,
    /// The job queue (enqueueing and administration; workers add handlers).
    pub jobs: Arc<JobService>,
    /// The maintenance schedule.
    pub schedule: Arc<Vec<ScheduledTask>>,
    /// File contents.
    pub blobs: Arc<dyn BlobStore>,
    /// Idempotency keys of creating requests.
    pub idempotency: Arc<dyn IdempotencyStore>,
    /// Dependencies probed by readiness checks.
    pub health: Vec<Arc<dyn HealthCheck>>,
    /// The pool, kept to be closed: the apps reach the database only
    /// through the services' ports.
    database: Database,
    /// The settings the app was built from.
    pub settings: Arc<Settings>,
}

impl App {
    /// Closes the database pool once the apps are done with it.
    pub async fn close(&self) {
        self.database.clone().close().await;
    }

    /// Which database the app runs on, for the start-up log.
    #[must_use]
    pub fn database_backend(&self) -> &'static str {
        self.database.backend_name()
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App").field("settings", &self.settings).finish_non_exhaustive()
    }
}

/// Connects to the configured database.
///
/// # Errors
/// When the data folder cannot be created or the database cannot be reached.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<Database> {
    let url = match settings.database_backend() {
        DatabaseBackend::Sqlite(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            }
            format!("sqlite://{}?mode=rwc", path.display())
        }
        DatabaseBackend::Postgres(url) => url.expose_secret().to_owned(),
    };
    let options = DatabaseOptions {
        url,
        max_connections: settings.database.max_connections,
        acquire_timeout: Duration::from_secs(settings.database.acquire_timeout),
        statement_timeout: Some(Duration::from_secs(settings.database.statement_timeout_secs)).filter(|t| !t.is_zero()),
    };
    Ok(Database::connect(&options).await?)
}

/// Builds the application from settings: connects, migrates where
/// configured, and wires adapters into the domain services.
///
/// # Errors
/// When a dependency cannot be reached or the configuration is unusable.
pub async fn build(settings: Settings) -> anyhow::Result<App> {
    let database = connect_database(&settings).await.context("connecting to the database")?;
    let migrate =
        settings.database.migrate_on_start.unwrap_or(matches!(settings.database_backend(), DatabaseBackend::Sqlite(_)));
    if migrate {
        database.migrate().await.context("migrating the database")?;
    }

    let (limiter, revocations, cache_health): (Arc<dyn RateLimiter>, Arc<dyn RevocationList>, Arc<dyn HealthCheck>) =
        match &settings.cache.redis_url {
            Some(url) => {
                let redis = Arc::new(RedisCache::new(
                    url.expose_secret(),
                    &settings.cache.key_prefix,
                    Duration::from_secs(settings.cache.timeout),
                    settings.cache.pool_size,
                )?);
                (redis.clone(), redis.clone(), redis)
            }
            None => {
                let memory = Arc::new(MemoryCache::new());
                (memory.clone(), memory.clone(), memory)
            }
        };

    let signal: Arc<dyn JobSignal> = match &settings.cache.redis_url {
        Some(url) => Arc::new(RedisJobSignal::start(url.expose_secret(), &settings.cache.key_prefix)?),
        None => Arc::new(LocalJobSignal::new()),
    };
    let shared = Shared {
        rt: Runtime { clock: Arc::new(SystemClock), ids: Arc::new(UuidV7Ids) },
        database: database.clone(),
        workspaces: Arc::new(database.workspaces()),
        blobs: Arc::new(blob_store(&settings)?),
        limiter,
        secrets: Arc::new(RandomSecrets),
        hasher: Arc::new(Argon2Hasher::new(HasherLimits {
            concurrency: settings.auth.hasher_concurrency,
            queue_timeout: Duration::from_secs(5),
        })?),
        signal,
    };
    let identity = wiring::identity::build(&shared, &settings, revocations).await?;
    let documents = wiring::documents::build(&shared, &settings)?;
    let rt = &shared.rt;
    let (workspaces_repo, blob_store) = (shared.workspaces.clone(), shared.blobs.clone());

    Ok(App {
        accounts: Arc::new(identity.accounts),
        sessions: Arc::new(identity.sessions),
        authentication: Arc::new(identity.authentication),
        workspaces: Arc::new(WorkspaceService::new(
            rt.clone(),
            workspaces_repo.clone(),
            Arc::new(database.users()),
            Arc::new(database.api_keys()),
        )),
        api_keys: Arc::new(identity.api_keys),
        folders: Arc::new(FolderService::new(rt.clone(), Arc::new(database.folders()), workspaces_repo.clone())),
        documents: Arc::new(documents.documents),
        shares: Arc::new(wiring::sharing::build(&shared, &settings)),
        content: Arc::new(documents.processing),
        search: Arc::new(SearchService::new(Arc::new(database.search()), workspaces_repo.clone())),
        audit: Arc::new(AuditService::new(
            Arc::new(database.audit()),
            Projector::new(Arc::new(database.projections()), settings.extract.enabled),
            workspaces_repo.clone(),
        )),
        health: vec![Arc::new(database.clone()), cache_health, blob_store.clone()],
        jobs: Arc::new(JobService::new(rt.clone(), Arc::new(database.jobs()), shared.signal.clone(), Vec::new())),
        webhooks: Arc::new(wiring::webhooks::build(&shared, &settings)?),
        schedule: Arc::new(schedule::tasks(&settings.schedule)?),
        blobs: blob_store,
        idempotency: Arc::new(database.idempotency()),
        database,
        settings: Arc::new(settings),
    })
}

/// The SQL a search with these words and filters runs on the configured
/// database, as JSON (`sql`, `params`): to run the very same query directly.
///
/// # Errors
/// An invalid query.
pub fn search_sql(
    settings: &Settings,
    workspace: cabinet_domain::WorkspaceId,
    query: &str,
    filters: &cabinet_domain::search::SearchFilters,
    page: cabinet_domain::search::SearchPage,
) -> cabinet_domain::DomainResult<serde_json::Value> {
    let query = cabinet_domain::search::SearchQuery::parse(query)?;
    filters.validate()?;
    let postgres = matches!(settings.database_backend(), DatabaseBackend::Postgres(_));
    cabinet_db::search_statement_json(postgres, workspace, &query, filters, page)
}
