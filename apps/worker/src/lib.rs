//! Cabinet's background worker. It runs beside the API in `cabinet serve`,
//! or alone as `cabinet worker`, and stops when its shutdown future resolves.
//!
//! Today it collects content nothing references any more; the job queue
//! and schedules plug into the same loop.

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
    let mut ticks = tokio::time::interval(Duration::from_secs(storage.collect_interval_secs.max(1)));
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            () = &mut shutdown => break,
            _ = ticks.tick() => collect(&app, grace).await,
        }
    }
    tracing::info!("worker stopped");
    Ok(())
}

/// One collection of released content and abandoned uploads.
async fn collect(app: &App, grace: Duration) {
    match app.documents.collect_garbage(&Actor::system(), grace).await {
        Ok(done) if done.blobs + done.staged_uploads > 0 => {
            tracing::info!(blobs = done.blobs, staged_uploads = done.staged_uploads, "collected unreferenced content");
        }
        Ok(_) => tracing::debug!("nothing to collect"),
        Err(e) => tracing::warn!(error = %e, "collecting unreferenced content failed; retrying at the next tick"),
    }
}
