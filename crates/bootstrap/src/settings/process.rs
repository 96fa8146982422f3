//! How a process runs: its HTTP server, metrics, logs, worker and schedule.

use std::net::IpAddr;
use std::path::PathBuf;

use secrecy::SecretString;
use serde::Deserialize;

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

/// Logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// An `EnvFilter` directive.
    pub level: String,
    /// `json` or `pretty`.
    pub format: String,
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
