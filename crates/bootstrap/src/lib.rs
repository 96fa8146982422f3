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
use cabinet_auth::{Argon2Hasher, HasherLimits, JwtCodec, JwtSettings, RandomSecrets, SystemClock, UuidV7Ids};
use cabinet_cache::{LocalJobSignal, MemoryCache, RedisCache, RedisJobSignal};
use cabinet_db::{Database, DatabaseOptions};
use cabinet_domain::audit::{AuditService, Projector};
use cabinet_domain::documents::BlobStore;
use cabinet_domain::documents::{DocumentService, UploadLimits};
use cabinet_domain::folders::FolderService;
use cabinet_domain::health::HealthCheck;
use cabinet_domain::idempotency::IdempotencyStore;
use cabinet_domain::identity::{
    AccountService, ApiKeyService, AuthPorts, AuthSettings, AuthenticationService, SessionService, ThrottleSettings,
};
use cabinet_domain::identity::{PasswordHasher, RateLimiter, RevocationList};
use cabinet_domain::jobs::JobService;
use cabinet_domain::jobs::JobSignal;
use cabinet_domain::processing::{ProcessingPorts, ProcessingService};
use cabinet_domain::search::SearchService;
use cabinet_domain::sharing::{SharePorts, ShareService, ShareSettings};
use cabinet_domain::system::Runtime;
use cabinet_domain::system::SecretGenerator;
use cabinet_domain::webhooks::{WebhookService, WebhookSettings};
use cabinet_domain::workspaces::WorkspaceService;
pub use cabinet_extract::run_child as run_extract_child;
use cabinet_webhooks::{GuardOptions, HttpWebhookSender};
pub use schedule::ScheduledTask;
use secrecy::ExposeSecret;
pub use settings::{
    AuthConfig, CacheSettings, DatabaseBackend, DatabaseSettings, ExtractSettings, HttpSettings, JwtKeyConfig,
    LogSettings, LoginThrottleConfig, S3Settings, ScheduleSettings, Settings, SharingSettings, StorageBackend,
    StorageSettings, TrashSettings, WebhookConfig, WorkerSettings,
};

mod adapters;
mod keys;

use adapters::{analyzer, blob_store};
use keys::signing_keys;

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

    let blob_store = Arc::new(blob_store(&settings)?);

    let rt = Runtime { clock: Arc::new(SystemClock), ids: Arc::new(UuidV7Ids) };
    let secrets: Arc<dyn SecretGenerator> = Arc::new(RandomSecrets);
    let users = Arc::new(database.users());
    let workspaces_repo = Arc::new(database.workspaces());
    let api_key_repo = Arc::new(database.api_keys());
    let auth_cfg = &settings.auth;
    let jwt = JwtCodec::new(JwtSettings {
        issuer: auth_cfg.issuer.clone(),
        audience: auth_cfg.audience.clone(),
        keys: signing_keys(&settings, &database).await?,
        leeway_secs: auth_cfg.clock_skew_secs,
    })?;
    let hasher: Arc<dyn PasswordHasher> = Arc::new(Argon2Hasher::new(HasherLimits {
        concurrency: auth_cfg.hasher_concurrency,
        queue_timeout: Duration::from_secs(5),
    })?);

    let auth_ports = AuthPorts {
        users: users.clone(),
        sessions: Arc::new(database.sessions()),
        api_keys: api_key_repo.clone(),
        workspaces: workspaces_repo.clone(),
        hasher: hasher.clone(),
        tokens: Arc::new(jwt),
        secrets: secrets.clone(),
        limiter: limiter.clone(),
        revocations,
    };
    let auth_settings = AuthSettings {
        allow_registration: auth_cfg.allow_registration,
        access_ttl: Duration::from_secs(auth_cfg.access_ttl),
        refresh_idle_ttl: Duration::from_secs(auth_cfg.refresh_idle_ttl),
        session_ttl: Duration::from_secs(auth_cfg.session_ttl),
        throttle: ThrottleSettings {
            account_ip_failures: auth_cfg.login.account_ip_failures,
            account_failures: auth_cfg.login.account_failures,
            device_failures: auth_cfg.login.device_failures,
            device_ttl: Duration::from_secs(auth_cfg.login.device_days.saturating_mul(24 * 3600)),
            account_window: Duration::from_secs(auth_cfg.login.account_window),
            ip_attempts: auth_cfg.login.ip_attempts,
            ip_window: Duration::from_secs(auth_cfg.login.ip_window),
            register_attempts: auth_cfg.login.register_attempts,
            register_window: Duration::from_secs(auth_cfg.login.register_window),
        },
    };
    let accounts = AccountService::new(rt.clone(), &auth_ports, auth_settings.clone());
    let sessions = SessionService::new(rt.clone(), &auth_ports, auth_settings);
    let authentication = AuthenticationService::new(rt.clone(), &auth_ports);
    let workspaces = WorkspaceService::new(rt.clone(), workspaces_repo.clone(), users, api_key_repo.clone());
    let folders = FolderService::new(rt.clone(), Arc::new(database.folders()), workspaces_repo.clone());
    let documents_repo = Arc::new(database.documents());
    let ledger = Arc::new(database.blob_ledger());
    let documents = DocumentService::new(
        rt.clone(),
        documents_repo.clone(),
        ledger.clone(),
        blob_store.clone(),
        workspaces_repo.clone(),
        UploadLimits {
            max_upload_bytes: settings.storage.max_upload_bytes,
            workspace_quota_bytes: Some(settings.storage.workspace_quota_bytes).filter(|q| *q > 0),
        },
    );
    let content = ProcessingService::new(ProcessingPorts {
        rt: rt.clone(),
        documents: documents_repo.clone(),
        ledger: ledger.clone(),
        content: Arc::new(database.processing()),
        blobs: blob_store.clone(),
        analyzer: Arc::new(analyzer(&settings.extract)?),
        workspaces: workspaces_repo.clone(),
    });
    let search = SearchService::new(Arc::new(database.search()), workspaces_repo.clone());
    let shares = ShareService::new(
        SharePorts {
            rt: rt.clone(),
            links: Arc::new(database.share_links()),
            documents: documents_repo,
            ledger,
            blobs: blob_store.clone(),
            workspaces: workspaces_repo.clone(),
            hasher: hasher.clone(),
            secrets: secrets.clone(),
            limiter: limiter.clone(),
        },
        ShareSettings {
            misses_per_ip: settings.sharing.misses_per_ip,
            password_failures: settings.sharing.password_failures,
            window: Duration::from_secs(settings.sharing.window_secs),
        },
    );
    let signal: Arc<dyn JobSignal> = match &settings.cache.redis_url {
        Some(url) => Arc::new(RedisJobSignal::start(url.expose_secret(), &settings.cache.key_prefix)?),
        None => Arc::new(LocalJobSignal::new()),
    };
    let jobs = JobService::new(rt.clone(), Arc::new(database.jobs()), signal.clone(), Vec::new());
    let hooks = &settings.webhooks;
    let sender = HttpWebhookSender::new(
        GuardOptions { allow_loopback: hooks.allow_loopback },
        Duration::from_secs(hooks.connect_timeout_secs),
        Duration::from_secs(hooks.timeout_secs),
    )
    .context("building the webhook client")?;
    let webhooks = WebhookService::new(
        rt.clone(),
        Arc::new(database.webhooks()),
        Arc::new(sender),
        signal,
        workspaces_repo.clone(),
        WebhookSettings {
            max_attempts: hooks.max_attempts.max(1),
            retry_base: Duration::from_secs(hooks.retry_base_secs),
            retry_cap: Duration::from_secs(hooks.retry_cap_secs),
            breaker_threshold: hooks.breaker_threshold.max(1),
            breaker_open: Duration::from_secs(hooks.breaker_open_secs),
            disable_after: Duration::from_secs(hooks.disable_after_secs),
        },
    );
    let api_keys = ApiKeyService::new(rt, api_key_repo, secrets, workspaces_repo.clone());

    Ok(App {
        accounts: Arc::new(accounts),
        sessions: Arc::new(sessions),
        authentication: Arc::new(authentication),
        workspaces: Arc::new(workspaces),
        api_keys: Arc::new(api_keys),
        folders: Arc::new(folders),
        documents: Arc::new(documents),
        shares: Arc::new(shares),
        content: Arc::new(content),
        search: Arc::new(search),
        audit: Arc::new(AuditService::new(
            Arc::new(database.audit()),
            Projector::new(Arc::new(database.projections()), settings.extract.enabled),
            workspaces_repo.clone(),
        )),
        health: vec![Arc::new(database.clone()), cache_health, blob_store.clone()],
        jobs: Arc::new(jobs),
        webhooks: Arc::new(webhooks),
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
