//! Cabinet's background worker. It runs beside the API in `cabinet serve`,
//! or alone as `cabinet worker`, and stops when its shutdown future resolves.
//!
//! Today it keeps the read models (activity feeds, usage figures) caught up
//! with the event store and collects content nothing references any more;
//! the job queue and schedules plug into the same loop.

use std::future::Future;
use std::time::Duration;

use cabinet_bootstrap::App;
use cabinet_domain::Actor;

/// Runs the worker until `shutdown` resolves.
///
/// # Errors
/// Never yet; failing collections are logged and retried at the next tick.
pub async fn run(app: App, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    tracing::info!(database = ?app.database.backend(), "worker started");
    let storage = &app.settings.storage;
    let grace = Duration::from_secs(storage.release_grace_secs);
    let mut collections = tokio::time::interval(Duration::from_secs(storage.collect_interval_secs.max(1)));
    collections.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut projections = tokio::time::interval(PROJECTION_INTERVAL);
    projections.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = projections.tick() => project(&app).await,
            _ = collections.tick() => collect(&app, grace).await,
        }
    }
    tracing::info!("worker stopped");
    Ok(())
}

/// How often the read models catch up with the event store.
const PROJECTION_INTERVAL: Duration = Duration::from_millis(500);

/// The longest one round of projecting runs before the worker looks at its
/// other duties and at shutdown again.
const PROJECTION_ROUND: Duration = Duration::from_secs(1);

/// Applies new events to the read models until none are left or the round is over.
async fn project(app: &App) {
    let started = tokio::time::Instant::now();
    while started.elapsed() < PROJECTION_ROUND {
        match app.audit.catch_up(&Actor::system()).await {
            Ok(0) => return,
            Ok(applied) => tracing::debug!(applied, "projected events"),
            Err(e) => {
                tracing::warn!(error = %e, "projecting events failed; retrying shortly");
                return;
            }
        }
    }
}

/// One collection of released content and abandoned uploads.
async fn collect(app: &App, grace: Duration) {
    match app.documents.collect_garbage(&Actor::system(), grace).await {
        Ok(done) if done.blobs + done.abandoned_uploads > 0 => {
            tracing::info!(
                blobs = done.blobs,
                abandoned_uploads = done.abandoned_uploads,
                "collected unreferenced content"
            );
        }
        Ok(_) => tracing::debug!("nothing to collect"),
        Err(e) => tracing::warn!(error = %e, "collecting unreferenced content failed; retrying at the next tick"),
    }
}
