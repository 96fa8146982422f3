//! Typed configuration: built-in defaults, then an optional file, then
//! `CABINET__SECTION__KEY` environment variables. Secrets are
//! [`SecretString`]s and never appear in `Debug` output or logs.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use ::config::{Config, Environment, File, FileFormat};
use secrecy::SecretString;
use serde::Deserialize;

const DEFAULTS: &str = include_str!("defaults.toml");

/// Everything Cabinet can be told.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    /// Folder for the embedded database, generated keys and local files.
    pub data_dir: PathBuf,
    /// The HTTP server.
    pub http: HttpSettings,
    /// The relational database.
    pub database: DatabaseSettings,
    /// The shared cache.
    pub cache: CacheSettings,
    /// File contents.
    pub storage: StorageSettings,
    /// Share links.
    pub sharing: SharingSettings,
    /// The trash.
    pub trash: TrashSettings,
    /// Background workers.
    pub worker: WorkerSettings,
    /// Recurring maintenance, as cron expressions.
    pub schedule: ScheduleSettings,
    /// Webhook delivery.
    pub webhooks: WebhookConfig,
    /// Text extraction and thumbnails.
    pub extract: ExtractSettings,
    /// Identity and tokens.
    pub auth: AuthConfig,
    /// Logging.
    pub log: LogSettings,
    /// Who may read `/metrics`.
    pub metrics: MetricsSettings,
}

/// Who may read `/metrics` on the API's port.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsSettings {
    /// A bearer token that lets a scraper read `/metrics` from anywhere;
    /// without it only loopback clients that came through no proxy may.
    #[serde(default)]
    pub token: Option<SecretString>,
}

/// The HTTP server.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// Address to bind.
    pub host: String,
    /// Port to bind; 0 picks a free one.
    pub port: u16,
    /// Exact origins allowed by CORS.
    pub cors_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For`, `X-Forwarded-Host` and `Forwarded`
    /// headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The address people reach Cabinet at (`https://cabinet.example.com`):
    /// browsers' `Origin` is compared with it before the refresh cookie is
    /// used. Unset: the request's own `Host` (or a trusted proxy's forwarded host).
    #[serde(default)]
    pub public_url: Option<String>,
    /// Longest pause, in seconds, between two pieces of a request body;
    /// also how long a body may start slowly before `body_min_rate` applies.
    pub body_idle_timeout_secs: u64,
    /// Slowest average a request body may arrive at, in bytes per second,
    /// once `body_idle_timeout_secs` have passed; 0 turns the check off.
    pub body_min_rate: u64,
    /// Seconds an `Idempotency-Key` claim may go without a sign of life from
    /// its request (whose process died) before a retry takes it over.
    pub idempotency_abandoned_secs: u64,
    /// Largest JSON body in bytes.
    pub json_limit: usize,
    /// Seconds allowed for in-flight requests at shutdown.
    pub shutdown_timeout: u64,
    /// The built web app (`index.html` and `assets/`); when missing, only
    /// the API is served.
    pub web_dir: PathBuf,
}

/// The relational database.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// `postgres://…`; unset means SQLite in the data folder.
    pub url: Option<SecretString>,
    /// Pool size.
    pub max_connections: u32,
    /// Seconds to wait for a connection before answering 503.
    pub acquire_timeout: u64,
    /// PostgreSQL: seconds a statement or lock wait may take before it is
    /// cancelled and the request answered 503; 0 leaves the server's default.
    pub statement_timeout_secs: u64,
    /// Whether to migrate at start; unset means "for SQLite only".
    pub migrate_on_start: Option<bool>,
}

/// The cache.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CacheSettings {
    /// `redis://…`; unset means the in-process cache.
    pub redis_url: Option<SecretString>,
    /// Namespace of every key, so instances can share one Redis.
    pub key_prefix: String,
    /// Seconds any one cache call may take, waiting for a connection
    /// included, before it counts as the cache being unavailable.
    pub timeout: u64,
    /// Connections to Redis per process: enough that requests in flight do
    /// not queue for one.
    pub pool_size: usize,
}

/// Which blob store holds file contents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageBackend {
    /// A local folder.
    Local,
    /// An S3-compatible service.
    S3,
    /// Memory; contents vanish with the process (tests only).
    Memory,
}

/// File contents.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorageSettings {
    /// The backend.
    pub backend: StorageBackend,
    /// The largest file accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The most distinct content one workspace may hold; 0 means no limit.
    pub workspace_quota_bytes: u64,
    /// Seconds released content is kept before it is deleted.
    pub release_grace_secs: u64,
    /// The local backend's folder; unset means `<data_dir>/blobs`.
    pub path: Option<PathBuf>,
    /// The S3 backend's connection.
    pub s3: Option<S3Settings>,
}

/// How hard guessing share links is made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingSettings {
    /// Unknown tokens one address may present per window.
    pub misses_per_ip: u64,
    /// Wrong passwords one link accepts per window.
    pub password_failures: u64,
    /// The window, in seconds.
    pub window_secs: u64,
}

/// Text extraction and thumbnails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractSettings {
    /// Whether new versions are processed at all.
    pub enabled: bool,
    /// The executable run as `<program> extract`; empty: the running one.
    pub program: String,
    /// Bytes of a file read at most.
    pub max_input_bytes: u64,
    /// Bytes of text kept per version.
    pub max_text_bytes: usize,
    /// Pixels an image may declare.
    pub max_pixels: u64,
    /// Entries an office file may hold.
    pub max_archive_entries: usize,
    /// Bytes an office file's document part may expand to.
    pub max_expanded_bytes: u64,
    /// The longest side of a thumbnail.
    pub thumbnail_px: u32,
    /// Seconds per file.
    pub timeout_secs: u64,
    /// Address space per analysis, in MiB.
    pub memory_mb: u64,
    /// `auto`, `off`, or the path of pdftoppm.
    pub pdf_renderer: String,
}

/// Webhook delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Allow `http://` URLs and loopback addresses (development only);
    /// private, link-local and metadata addresses are refused regardless.
    pub allow_loopback: bool,
    /// Seconds to connect to a receiver.
    pub connect_timeout_secs: u64,
    /// Seconds for a whole delivery.
    pub timeout_secs: u64,
    /// Attempts per delivery.
    pub max_attempts: u32,
    /// Seconds before the first retry; doubles with each failure.
    pub retry_base_secs: u64,
    /// The longest wait between attempts, in seconds.
    pub retry_cap_secs: u64,
    /// Failures in a row that open an endpoint's circuit.
    pub breaker_threshold: u32,
    /// Seconds an open circuit waits before a probe.
    pub breaker_open_secs: u64,
    /// Seconds of failures without a success after which an endpoint is turned off.
    pub disable_after_secs: u64,
}

/// The trash.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrashSettings {
    /// Days an item stays in the trash before it is deleted for good.
    pub retention_days: u32,
}

/// Background workers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkerSettings {
    /// Jobs one worker runs at once.
    pub concurrency: usize,
    /// Seconds a claimed job is reserved for its worker; after that, if the
    /// worker died, another takes it.
    pub lease_secs: u64,
    /// Milliseconds between looks at the queue when no wake-up arrives.
    pub poll_ms: u64,
    /// Seconds in-flight jobs get to finish on shutdown before they are
    /// given back to the queue.
    pub shutdown_grace_secs: u64,
    /// Days finished jobs are kept.
    pub keep_done_days: u32,
    /// Where a standalone `cabinet worker` serves `/metrics` (`host:port`);
    /// empty for nowhere. In `cabinet serve` the API's port serves them.
    pub metrics_listen: String,
}

/// Recurring maintenance. Each value is a cron expression with seconds
/// (`sec min hour day month weekday`, UTC); an empty one turns the task off.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSettings {
    /// Delete content nothing references, after its grace period.
    pub collect_blobs: String,
    /// Delete what stayed in the trash longer than its retention.
    pub purge_trash: String,
    /// Record share links that expired.
    pub expire_share_links: String,
    /// Verify every audit chain and alert on a break.
    pub verify_audit: String,
    /// Forget finished jobs.
    pub prune_jobs: String,
}

impl ScheduleSettings {
    /// Every task with its expression, in a fixed order.
    #[must_use]
    pub fn entries(&self) -> [(&'static str, &str); 5] {
        [
            ("collect_blobs", &self.collect_blobs),
            ("purge_trash", &self.purge_trash),
            ("expire_share_links", &self.expire_share_links),
            ("verify_audit", &self.verify_audit),
            ("prune_jobs", &self.prune_jobs),
        ]
    }
}

/// An S3-compatible service.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Settings {
    /// The endpoint; unset means AWS for the region.
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The region.
    #[serde(default = "default_region")]
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: SecretString,
    /// Path-style bucket addressing (MinIO, Garage, s3s).
    #[serde(default)]
    pub path_style: bool,
    /// Allow a plain-HTTP endpoint.
    #[serde(default)]
    pub allow_http: bool,
}

fn default_region() -> String {
    "us-east-1".into()
}

/// Identity and tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Whether anyone may sign up (the first user always may).
    pub allow_registration: bool,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access token lifetime in seconds.
    pub access_ttl: u64,
    /// Seconds of clock skew tolerated when checking token times.
    pub clock_skew_secs: u64,
    /// Seconds a refresh token may go unused.
    pub refresh_idle_ttl: u64,
    /// Absolute session lifetime in seconds.
    pub session_ttl: u64,
    /// Password hashes computed in parallel.
    pub hasher_concurrency: usize,
    /// Signing keys; the first signs. In the environment they are numbered:
    /// `CABINET__AUTH__JWT_KEYS__0__ID`, `CABINET__AUTH__JWT_KEYS__0__SECRET`.
    #[serde(default, deserialize_with = "indexed_list")]
    pub jwt_keys: Vec<JwtKeyConfig>,
    /// Sign-in throttling.
    pub login: LoginThrottleConfig,
}

/// A configured signing key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKeyConfig {
    /// The key id (`kid`).
    pub id: String,
    /// The secret, at least 32 bytes.
    pub secret: SecretString,
}

/// Sign-in throttling.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginThrottleConfig {
    /// Failures per account and source address per window.
    pub account_ip_failures: u64,
    /// Failures per account from devices it never signed in from, together, per window.
    pub account_failures: u64,
    /// Failures per device the account signed in from before, per window.
    pub device_failures: u64,
    /// Days a device stays known after a sign-in on it.
    pub device_days: u64,
    /// Account window in seconds.
    pub account_window: u64,
    /// Attempts per address per window.
    pub ip_attempts: u64,
    /// Address window in seconds.
    pub ip_window: u64,
    /// Registrations per address per window.
    pub register_attempts: u64,
    /// Registration window in seconds.
    pub register_window: u64,
}

/// Logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// An `EnvFilter` directive.
    pub level: String,
    /// `json` or `pretty`.
    pub format: String,
}

/// A list given either as a list (a file's `[[auth.jwt_keys]]`) or as a map
/// from positions to items, which is what `…__0__ID`-style environment
/// variables become; items are taken in the order of their positions.
fn indexed_list<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    struct Visitor<T>(std::marker::PhantomData<T>);

    impl<'de, T: Deserialize<'de>> serde::de::Visitor<'de> for Visitor<T> {
        type Value = Vec<T>;

        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a list, or items numbered from 0 (…__0__…)")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(item) = seq.next_element()? {
                items.push(item);
            }
            Ok(items)
        }

        fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut items = Vec::new();
            while let Some(position) = map.next_key::<String>()? {
                let Ok(position) = position.parse::<usize>() else {
                    return Err(serde::de::Error::custom(format!(
                        "list items are numbered (…__0__…), not named {position:?}"
                    )));
                };
                items.push((position, map.next_value::<T>()?));
            }
            items.sort_by_key(|(position, _)| *position);
            Ok(items.into_iter().map(|(_, item)| item).collect())
        }
    }

    deserializer.deserialize_any(Visitor(std::marker::PhantomData))
}

/// Which relational database to use, decided from the settings.
#[derive(Debug, Clone)]
pub enum DatabaseBackend {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(SecretString),
}

impl Settings {
    /// Loads defaults, then `file` (or `$CABINET_CONFIG`) if given, then the
    /// environment.
    ///
    /// # Errors
    /// When a file cannot be read or a value has the wrong type or an unknown key.
    pub fn load(file: Option<&Path>) -> Result<Self, ::config::ConfigError> {
        Self::load_with(file, Environment::with_prefix("CABINET"))
    }

    /// As [`Settings::load`] with an explicit environment source (for tests).
    ///
    /// # Errors
    /// As [`Settings::load`].
    pub fn load_with(file: Option<&Path>, env: Environment) -> Result<Self, ::config::ConfigError> {
        let mut builder = Config::builder().add_source(File::from_str(DEFAULTS, FileFormat::Toml));
        let from_env = std::env::var_os("CABINET_CONFIG").map(PathBuf::from);
        if let Some(path) = file.map(Path::to_path_buf).or(from_env) {
            builder = builder.add_source(File::from(path).required(true));
        }
        builder
            .add_source(
                env.prefix_separator("__")
                    .separator("__")
                    .list_separator(",")
                    .with_list_parse_key("http.cors_origins")
                    .with_list_parse_key("http.trusted_proxies")
                    .try_parsing(true),
            )
            .build()?
            .try_deserialize()
    }

    /// The built-in defaults alone, ignoring the environment (for tests and tools).
    ///
    /// # Errors
    /// Only if the built-in defaults were broken.
    pub fn defaults() -> Result<Self, ::config::ConfigError> {
        Self::load_with(None, Environment::with_prefix("CABINET").source(Some(Default::default())))
    }

    /// The origin (`scheme://host[:port]`) of [`HttpSettings::public_url`],
    /// lower-cased and without a path, if one is set.
    #[must_use]
    pub fn public_origin(&self) -> Option<String> {
        let url = self.http.public_url.as_deref()?.trim();
        let (scheme, rest) = url.split_once("://")?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        Some(format!("{}://{}", scheme.to_ascii_lowercase(), authority.to_ascii_lowercase()))
    }

    /// The database to use.
    #[must_use]
    pub fn database_backend(&self) -> DatabaseBackend {
        match &self.database.url {
            Some(url) => DatabaseBackend::Postgres(url.clone()),
            None => DatabaseBackend::Sqlite(self.data_dir.join("cabinet.db")),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use secrecy::ExposeSecret;

    use super::*;

    fn env(vars: &[(&str, &str)]) -> Environment {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        Environment::with_prefix("CABINET").source(Some(map))
    }

    #[test]
    fn the_embedded_default_needs_no_configuration() {
        let s = Settings::load_with(None, env(&[])).expect("defaults load");
        assert_eq!(s.http.port, 8080);
        assert!(matches!(s.database_backend(), DatabaseBackend::Sqlite(p) if p.ends_with("cabinet.db")));
        assert!(s.cache.redis_url.is_none());
    }

    #[test]
    fn environment_overrides_switch_adapters() {
        let s = Settings::load_with(
            None,
            env(&[
                ("CABINET__DATABASE__URL", "postgres://u:hunter2@db/cabinet"),
                ("CABINET__CACHE__REDIS_URL", "redis://:hunter2@cache:6379"),
                ("CABINET__HTTP__PORT", "9090"),
                ("CABINET__HTTP__CORS_ORIGINS", "https://a.example,https://b.example"),
            ]),
        )
        .expect("load");
        assert_eq!(s.http.port, 9090);
        assert_eq!(s.http.cors_origins, ["https://a.example", "https://b.example"]);
        match s.database_backend() {
            DatabaseBackend::Postgres(url) => assert!(url.expose_secret().starts_with("postgres://")),
            DatabaseBackend::Sqlite(_) => panic!("a URL selects PostgreSQL"),
        }
        assert!(s.cache.redis_url.is_some());
    }

    #[test]
    fn the_public_url_gives_the_origin_browsers_send() {
        let s = Settings::load_with(None, env(&[("CABINET__HTTP__PUBLIC_URL", "https://Docs.Example.com:8443/app/")]))
            .expect("load");
        assert_eq!(s.public_origin().as_deref(), Some("https://docs.example.com:8443"));
        assert_eq!(Settings::load_with(None, env(&[])).expect("load").public_origin(), None);
    }

    #[test]
    fn signing_keys_are_settable_from_numbered_environment_variables() {
        let s = Settings::load_with(
            None,
            env(&[
                ("CABINET__AUTH__JWT_KEYS__1__ID", "old"),
                ("CABINET__AUTH__JWT_KEYS__1__SECRET", "an older secret of at least 32 bytes!!"),
                ("CABINET__AUTH__JWT_KEYS__0__ID", "new"),
                ("CABINET__AUTH__JWT_KEYS__0__SECRET", "the current secret of at least 32 bytes"),
            ]),
        )
        .expect("load");
        let ids: Vec<_> = s.auth.jwt_keys.iter().map(|k| k.id.as_str()).collect();
        assert_eq!(ids, ["new", "old"], "in the order of their positions");
        assert_eq!(s.auth.jwt_keys[0].secret.expose_secret(), "the current secret of at least 32 bytes");
        let bad = Settings::load_with(None, env(&[("CABINET__AUTH__JWT_KEYS__FIRST__ID", "x")]));
        assert!(bad.is_err());
    }

    #[test]
    fn secrets_never_appear_in_debug_output() {
        let s =
            Settings::load_with(None, env(&[("CABINET__DATABASE__URL", "postgres://u:hunter2@db/x")])).expect("load");
        assert!(!format!("{s:?}").contains("hunter2"));
    }

    #[test]
    fn a_config_file_is_layered_between_defaults_and_environment() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cabinet.toml");
        std::fs::write(&path, "[http]\nport = 7000\nhost = \"0.0.0.0\"\n").expect("write");
        let s = Settings::load_with(Some(&path), env(&[("CABINET__HTTP__PORT", "7001")])).expect("load");
        assert_eq!(s.http.host, "0.0.0.0", "from the file");
        assert_eq!(s.http.port, 7001, "environment wins");
    }

    #[test]
    fn unknown_keys_are_errors_not_silence() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("cabinet.toml");
        std::fs::write(&path, "[http]\nprot = 7000\n").expect("write");
        assert!(Settings::load_with(Some(&path), env(&[])).is_err());
    }
}
