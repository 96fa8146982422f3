//! Cabinet's background worker. It runs beside the API in `cabinet serve`,
//! or alone as `cabinet worker`, and stops when its shutdown future resolves.
//!
//! Jobs and schedules arrive with the job queue; today the worker owns the
//! process lifecycle that they will plug into.

use std::future::Future;

use cabinet_bootstrap::App;

/// Runs the worker until `shutdown` resolves.
///
/// # Errors
/// Never yet; the signature is the one job handlers will need.
pub async fn run(app: App, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    tracing::info!(database = ?app.database.backend(), "worker started");
    shutdown.await;
    tracing::info!("worker stopped");
    Ok(())
}
