//! What each kind of job does. Maintenance jobs are enqueued by the
//! scheduler; each is idempotent, so a tick that runs twice (a worker died
//! after the work, before recording it) does no harm.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cabinet_bootstrap::App;
use cabinet_domain::Actor;
use cabinet_domain::jobs::Job;
use cabinet_domain::jobs::{JobError, JobHandler, RetryPolicy};
use cabinet_domain::processing::{PROCESS_JOB, PROCESS_RETRY, VersionRef};
use cabinet_domain::webhooks::{DELIVER_JOB, delivery_of};
use serde::Deserialize;

/// The handlers a worker runs, over the application's services.
pub fn all(app: &App) -> Vec<Arc<dyn JobHandler>> {
    let mut handlers: Vec<Arc<dyn JobHandler>> = vec![Arc::new(Probe), Arc::new(Deliver(app.clone()))];
    if app.settings.extract.enabled {
        handlers.push(Arc::new(Process(app.clone())));
    }
    handlers.extend(maintenance(app).into_iter().map(|m| Arc::new(m) as Arc<dyn JobHandler>));
    handlers
}

/// Delivers one webhook delivery.
struct Deliver(App);

#[async_trait]
impl JobHandler for Deliver {
    fn kind(&self) -> &'static str {
        DELIVER_JOB
    }

    fn retry(&self) -> RetryPolicy {
        self.0.webhooks.retry_policy()
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        self.0.webhooks.deliver(delivery_of(job)?, job.attempts).await
    }
}

/// Extracts a new version's text and makes its thumbnail.
struct Process(App);

#[async_trait]
impl JobHandler for Process {
    fn kind(&self) -> &'static str {
        PROCESS_JOB
    }

    fn retry(&self) -> RetryPolicy {
        PROCESS_RETRY
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let target = VersionRef::of_job(job)?;
        let started = std::time::Instant::now();
        if let Some(done) = self.0.content.process(&Actor::system(), target).await? {
            let status = done.text_status.as_str();
            metrics::counter!("cabinet_versions_processed_total", "text" => status).increment(1);
            metrics::histogram!("cabinet_version_processing_seconds").record(started.elapsed().as_secs_f64());
            tracing::info!(
                document_id = %target.document_id,
                version = target.version,
                text = status,
                text_bytes = done.text_bytes,
                thumbnail = done.thumbnail.is_some(),
                detail = done.detail.as_deref().unwrap_or(""),
                "processed a version"
            );
        }
        Ok(())
    }
}

/// Scheduled tasks run once and are not retried: the next tick comes soon.
const ONCE: RetryPolicy = RetryPolicy { max_attempts: 1, base: Duration::from_secs(1), cap: Duration::from_secs(1) };

type TaskFuture = std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), JobError>> + Send>>;

/// A scheduled maintenance task: `maintenance.{name}` runs `task` once per tick.
struct Maintenance {
    kind: &'static str,
    app: App,
    task: fn(App) -> TaskFuture,
}

#[async_trait]
impl JobHandler for Maintenance {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        (self.task)(self.app.clone()).await
    }
}

fn maintenance(app: &App) -> [Maintenance; 5] {
    let task = |kind, task| Maintenance { kind, app: app.clone(), task };
    [
        task("maintenance.collect_blobs", |app| Box::pin(collect_blobs(app))),
        task("maintenance.purge_trash", |app| Box::pin(purge_trash(app))),
        task("maintenance.verify_audit", |app| Box::pin(verify_audit(app))),
        task("maintenance.prune_jobs", |app| Box::pin(prune_jobs(app))),
        task("maintenance.expire_share_links", |app| Box::pin(expire_share_links(app))),
    ]
}

/// Deletes content released longer than the grace period ago, and abandoned uploads.
async fn collect_blobs(app: App) -> Result<(), JobError> {
    let grace = Duration::from_secs(app.settings.storage.release_grace_secs);
    let done = app.documents.collect_garbage(&Actor::system(), grace).await?;
    let thumbnails = app.content.collect_thumbnails(&Actor::system()).await?;
    if done.blobs + done.abandoned_uploads + thumbnails > 0 {
        tracing::info!(
            blobs = done.blobs,
            abandoned_uploads = done.abandoned_uploads,
            thumbnails,
            "collected unreferenced content"
        );
    }
    Ok(())
}

/// Deletes for good what stayed in the trash longer than its retention.
async fn purge_trash(app: App) -> Result<(), JobError> {
    let retention = Duration::from_secs(u64::from(app.settings.trash.retention_days) * 86_400);
    let purged = app.folders.purge_expired_trash(&Actor::system(), retention, &app.documents).await?;
    if purged > 0 {
        tracing::info!(purged, "purged expired trash");
    }
    Ok(())
}

/// Verifies every audit chain; a break is an alert (log and metric).
async fn verify_audit(app: App) -> Result<(), JobError> {
    let reports = app.audit.verify_chains(&Actor::system(), None).await?;
    let mut broken = 0u32;
    for report in &reports {
        if let Some((sequence, why)) = &report.broken_at {
            broken += 1;
            tracing::error!(
                alert = "audit_chain_broken",
                chain = report.chain_name(),
                sequence,
                reason = why.describe(),
                "ALERT: an audit chain is broken"
            );
        }
    }
    metrics::gauge!("cabinet_audit_chains_broken").set(f64::from(broken));
    metrics::counter!("cabinet_audit_verifications_total").increment(1);
    if broken > 0 {
        metrics::counter!("cabinet_audit_chain_breaks_total").increment(u64::from(broken));
    }
    tracing::info!(chains = reports.len(), broken, "verified the audit chains");
    Ok(())
}

/// Records the expiry of share links as events (for the audit trail and webhooks).
async fn expire_share_links(app: App) -> Result<(), JobError> {
    let recorded = app.shares.record_expiries(&Actor::system()).await?;
    if recorded > 0 {
        tracing::info!(recorded, "recorded expired share links");
    }
    Ok(())
}

/// Forgets jobs finished long ago.
async fn prune_jobs(app: App) -> Result<(), JobError> {
    let keep = Duration::from_secs(u64::from(app.settings.worker.keep_done_days) * 86_400);
    let pruned = app.jobs.prune(&Actor::system(), keep).await?;
    tracing::info!(pruned, "pruned finished jobs");
    Ok(())
}

/// A job that does nothing but (optionally) wait: `cabinet jobs probe`
/// enqueues it to check that workers take jobs, and to measure how fast.
struct Probe;

/// The longest a probe may wait.
const MAX_PROBE_WAIT_MS: u64 = 60_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProbePayload {
    #[serde(default)]
    sleep_ms: u64,
}

#[async_trait]
impl JobHandler for Probe {
    fn kind(&self) -> &'static str {
        "system.probe"
    }

    async fn run(&self, job: &Job) -> Result<(), JobError> {
        let payload: ProbePayload =
            serde_json::from_str(&job.payload).map_err(|e| JobError::Fatal(format!("invalid probe payload: {e}")))?;
        tokio::time::sleep(Duration::from_millis(payload.sleep_ms.min(MAX_PROBE_WAIT_MS))).await;
        tracing::info!(job_id = %job.id, attempt = job.attempts, "probe ran");
        Ok(())
    }
}
