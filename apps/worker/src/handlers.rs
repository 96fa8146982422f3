//! What each kind of job does. Maintenance jobs are enqueued by the
//! scheduler; each is idempotent, so a tick that runs twice (a worker died
//! after the work, before recording it) does no harm.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cabinet_bootstrap::App;
use cabinet_domain::Actor;
use cabinet_domain::model::Job;
use cabinet_domain::services::{DELIVER_JOB, JobError, JobHandler, RetryPolicy, delivery_of};
use serde::Deserialize;

/// The handlers a worker runs, over the application's services.
pub fn all(app: &App) -> Vec<Arc<dyn JobHandler>> {
    vec![
        Arc::new(CollectBlobs(app.clone())),
        Arc::new(PurgeTrash(app.clone())),
        Arc::new(VerifyAudit(app.clone())),
        Arc::new(PruneJobs(app.clone())),
        Arc::new(ExpireShareLinks(app.clone())),
        Arc::new(Probe),
        Arc::new(Deliver(app.clone())),
    ]
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

/// Scheduled tasks run once and are not retried: the next tick comes soon.
const ONCE: RetryPolicy = RetryPolicy { max_attempts: 1, base: Duration::from_secs(1), cap: Duration::from_secs(1) };

/// Deletes content released longer than the grace period ago, and abandoned uploads.
struct CollectBlobs(App);

#[async_trait]
impl JobHandler for CollectBlobs {
    fn kind(&self) -> &'static str {
        "maintenance.collect_blobs"
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let grace = Duration::from_secs(self.0.settings.storage.release_grace_secs);
        let done = self.0.documents.collect_garbage(&Actor::system(), grace).await?;
        if done.blobs + done.abandoned_uploads > 0 {
            tracing::info!(
                blobs = done.blobs,
                abandoned_uploads = done.abandoned_uploads,
                "collected unreferenced content"
            );
        }
        Ok(())
    }
}

/// Deletes for good what stayed in the trash longer than its retention.
struct PurgeTrash(App);

#[async_trait]
impl JobHandler for PurgeTrash {
    fn kind(&self) -> &'static str {
        "maintenance.purge_trash"
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let retention = Duration::from_secs(u64::from(self.0.settings.trash.retention_days) * 86_400);
        let purged = self.0.folders.purge_expired_trash(&Actor::system(), retention, &self.0.documents).await?;
        if purged > 0 {
            tracing::info!(purged, "purged expired trash");
        }
        Ok(())
    }
}

/// Verifies every audit chain; a break is an alert.
struct VerifyAudit(App);

#[async_trait]
impl JobHandler for VerifyAudit {
    fn kind(&self) -> &'static str {
        "maintenance.verify_audit"
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let reports = self.0.audit.verify_chains(&Actor::system(), None).await?;
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
}

/// Records the expiry of share links as events (for the audit trail and webhooks).
struct ExpireShareLinks(App);

#[async_trait]
impl JobHandler for ExpireShareLinks {
    fn kind(&self) -> &'static str {
        "maintenance.expire_share_links"
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let recorded = self.0.shares.record_expiries(&Actor::system()).await?;
        if recorded > 0 {
            tracing::info!(recorded, "recorded expired share links");
        }
        Ok(())
    }
}

/// Forgets jobs finished long ago.
struct PruneJobs(App);

#[async_trait]
impl JobHandler for PruneJobs {
    fn kind(&self) -> &'static str {
        "maintenance.prune_jobs"
    }

    fn retry(&self) -> RetryPolicy {
        ONCE
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        let keep = Duration::from_secs(u64::from(self.0.settings.worker.keep_done_days) * 86_400);
        let pruned = self.0.jobs.prune(&Actor::system(), keep).await?;
        tracing::info!(pruned, "pruned finished jobs");
        Ok(())
    }
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
