//! Cabinet's composition root: the one place that names concrete adapters.
//!
//! [`Settings`] says which database and cache to use; [`build`] connects
//! them, migrates where configured, and hands back the domain services,
//! ready for the API and the worker.

pub mod schedule;
mod settings;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use cabinet_auth::{Argon2Hasher, HasherLimits, JwtCodec, JwtKey, JwtSettings, RandomSecrets, SystemClock, UuidV7Ids};
use cabinet_cache::{LocalJobSignal, MemoryCache, RedisCache, RedisJobSignal};
use cabinet_db::{Database, DatabaseOptions};
use cabinet_domain::audit::AuditService;
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
use cabinet_extract::{Limits, SandboxAnalyzer, SandboxOptions, find_pdf_renderer};
use cabinet_storage::{ObjectBlobStore, S3Options};
use cabinet_webhooks::{GuardOptions, HttpWebhookSender};
pub use schedule::ScheduledTask;
use secrecy::{ExposeSecret, SecretString};
pub use settings::{
    AuthConfig, CacheSettings, DatabaseBackend, DatabaseSettings, ExtractSettings, HttpSettings, JwtKeyConfig,
    LogSettings, LoginThrottleConfig, S3Settings, ScheduleSettings, Settings, SharingSettings, StorageBackend,
    StorageSettings, TrashSettings, WebhookConfig, WorkerSettings,
};

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
    /// The database pool (for administrative commands).
    pub database: Database,
    /// The settings the app was built from.
    pub settings: Arc<Settings>,
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
            Arc::new(database.projections().processing_versions(settings.extract.enabled)),
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

/// The content analyzer: `<program> extract` children confined as configured.
fn analyzer(settings: &ExtractSettings) -> anyhow::Result<SandboxAnalyzer> {
    let program = if settings.program.trim().is_empty() {
        std::env::current_exe().context("finding the running executable for `extract`")?
    } else {
        settings.program.clone().into()
    };
    let pdf_renderer = find_pdf_renderer(&settings.pdf_renderer);
    if settings.enabled {
        match &pdf_renderer {
            Some(path) => tracing::info!(renderer = %path.display(), "PDF thumbnails on"),
            None => tracing::info!("PDF thumbnails off: pdftoppm (poppler-utils) not found or turned off"),
        }
    }
    Ok(SandboxAnalyzer::new(SandboxOptions {
        program,
        limits: Limits {
            max_input_bytes: settings.max_input_bytes,
            max_text_bytes: settings.max_text_bytes,
            max_pixels: settings.max_pixels,
            max_archive_entries: settings.max_archive_entries,
            max_expanded_bytes: settings.max_expanded_bytes,
            thumbnail_px: settings.thumbnail_px.clamp(16, 2048),
        },
        timeout: Duration::from_secs(settings.timeout_secs.max(1)),
        memory_bytes: settings.memory_mb.max(64) * 1024 * 1024,
        pdf_renderer,
    }))
}

/// The configured blob store.
fn blob_store(settings: &Settings) -> anyhow::Result<ObjectBlobStore> {
    let storage = &settings.storage;
    Ok(match storage.backend {
        StorageBackend::Local => {
            let root = storage.path.clone().unwrap_or_else(|| settings.data_dir.join("blobs"));
            ObjectBlobStore::local(&root)?
        }
        StorageBackend::Memory => ObjectBlobStore::memory(),
        StorageBackend::S3 => {
            let s3 = storage.s3.as_ref().context("storage.backend is s3 but [storage.s3] is missing")?;
            ObjectBlobStore::s3(&S3Options {
                endpoint: s3.endpoint.clone(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.expose_secret().to_owned(),
                path_style: s3.path_style,
                allow_http: s3.allow_http,
            })?
        }
    })
}

/// The configured signing keys, or one generated once and kept in the data
/// folder so that restarts do not sign everyone out.
/// The configured signing keys or, without any, one generated key that
/// every process of the instance shares: kept in the data folder on SQLite
/// (whose processes share that folder), and in the database on PostgreSQL,
/// where replicas share nothing else; one key per replica would make each
/// refuse the others' tokens.
async fn signing_keys(settings: &Settings, database: &Database) -> anyhow::Result<Vec<JwtKey>> {
    if !settings.auth.jwt_keys.is_empty() {
        return Ok(settings
            .auth
            .jwt_keys
            .iter()
            .map(|k| JwtKey { id: k.id.clone(), secret: k.secret.clone() })
            .collect());
    }
    match settings.database_backend() {
        DatabaseBackend::Sqlite(_) => {
            let path = settings.data_dir.join("jwt-signing.key");
            let secret = load_or_create_secret(&path)?;
            Ok(vec![JwtKey { id: "local".into(), secret }])
        }
        DatabaseBackend::Postgres(_) => {
            let secret = database
                .shared_secret("jwt-signing-key", &RandomSecrets.generate(""))
                .await
                .context("agreeing on a token signing key through the database (run `cabinet migrate` first)")?;
            tracing::warn!(
                "no auth.jwt_keys configured: signing tokens with a key generated and kept in the database; \
                 configure CABINET__AUTH__JWT_KEYS__0__ID and __SECRET to rotate keys"
            );
            Ok(vec![JwtKey { id: "shared".into(), secret: SecretString::from(secret) }])
        }
    }
}

fn read_secret(path: &Path) -> anyhow::Result<SecretString> {
    let existing = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let existing = existing.trim().to_owned();
    anyhow::ensure!(existing.len() >= 32, "{} holds a key shorter than 32 bytes", path.display());
    Ok(SecretString::from(existing))
}

/// Reads the key, or creates it. Processes starting together on a fresh
/// data folder (a worker and an API, say) must all end up with the same
/// key: it is written whole to a private file of its own, then linked into
/// place, which fails for all but the first; the others read the winner's.
fn load_or_create_secret(path: &Path) -> anyhow::Result<SecretString> {
    if path.exists() {
        return read_secret(path);
    }
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let secret = RandomSecrets.generate("");
    let staged = dir.join(format!(".jwt-signing.key.{}", uuid::Uuid::new_v4().simple()));
    write_private(&staged, &secret).with_context(|| format!("writing {}", staged.display()))?;
    let linked = std::fs::hard_link(&staged, path);
    let _ = std::fs::remove_file(&staged);
    match linked {
        Ok(()) => Ok(SecretString::from(secret)),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_secret(path),
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
    }
}

#[cfg(unix)]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(path)?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()
}

#[cfg(not(unix))]
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    std::fs::write(path, contents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_signing_key_is_kept_across_restarts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("keys").join("jwt-signing.key");
        let first = load_or_create_secret(&path).expect("created");
        let second = load_or_create_secret(&path).expect("read back");
        assert_eq!(first.expose_secret(), second.expose_secret());
        assert!(first.expose_secret().len() >= 32);
    }

    #[test]
    fn processes_starting_together_agree_on_one_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("jwt-signing.key");
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let path = path.clone();
                std::thread::spawn(move || load_or_create_secret(&path).expect("a key").expose_secret().to_owned())
            })
            .collect();
        let keys: std::collections::BTreeSet<_> = racers.into_iter().map(|r| r.join().expect("thread")).collect();
        assert_eq!(keys.len(), 1, "one key for all");
        let leftovers = std::fs::read_dir(dir.path()).expect("dir").count();
        assert_eq!(leftovers, 1, "no staged copies remain");
    }
}
