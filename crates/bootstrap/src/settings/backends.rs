//! The settings of the adapters a deployment chooses: database, cache, blob storage.

use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

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

/// Which relational database to use, decided from the settings.
#[derive(Debug, Clone)]
pub enum DatabaseBackend {
    /// The embedded SQLite file.
    Sqlite(PathBuf),
    /// A PostgreSQL server.
    Postgres(SecretString),
}
