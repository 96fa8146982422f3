//! Cabinet's background worker. It runs beside the API in `cabinet serve`,
//! or alone as `cabinet worker` (as many as needed, against one database),
//! and stops when its shutdown future resolves.
//!
//! It runs jobs from the durable queue (claimed under a lease, woken by
//! the job signal), enqueues the maintenance schedule's ticks (each tick
//! once, however many workers run), and keeps the read models caught up
//! with the event store.

mod handlers;
pub mod runner;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cabinet_bootstrap::App;
use cabinet_domain::Actor;

pub use runner::RunnerOptions;

/// This process's name in job leases: host, process id and a random suffix.
#[must_use]
pub fn worker_id() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_else(|_| "worker".into());
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{}-{}-{}", host.trim(), std::process::id(), &suffix[..8])
}

/// Runs the worker until `shutdown` resolves, then lets in-flight jobs
/// finish within the configured grace and hands back the rest.
///
/// # Errors
/// Never yet; failures of single jobs and rounds are logged and retried.
pub async fn run(app: App, shutdown: impl Future<Output = ()>) -> anyhow::Result<()> {
    let settings = &app.settings.worker;
    let options = RunnerOptions {
        worker_id: worker_id(),
        concurrency: settings.concurrency,
        lease: Duration::from_secs(settings.lease_secs.max(1)),
        poll: Duration::from_millis(settings.poll_ms.max(10)),
        grace: Duration::from_secs(settings.shutdown_grace_secs),
    };
    tracing::info!(database = app.database_backend(), worker = %options.worker_id, "worker started");
    let jobs = Arc::new(app.jobs.as_ref().clone().with_handlers(handlers::all(&app)));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let stopped = |mut rx: tokio::sync::watch::Receiver<bool>| async move {
        let _ = rx.wait_for(|stop| *stop).await;
    };
    let background = tokio::spawn({
        let (app, stopping) = (app.clone(), stopping.clone());
        async move {
            tokio::select! {
                () = stopped(stopping) => {}
                () = maintain(app) => {}
            }
        }
    });
    let runner = tokio::spawn(runner::run(jobs, options, stopped(stopping)));
    shutdown.await;
    let _ = stop.send(true);
    let _ = background.await;
    let _ = runner.await;
    tracing::info!("worker stopped");
    Ok(())
}

/// The schedule and the projections, until the task is dropped.
async fn maintain(app: App) {
    let mut projections = tokio::time::interval(PROJECTION_INTERVAL);
    projections.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut schedule = tokio::time::interval(SCHEDULE_INTERVAL);
    schedule.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut checked = chrono::Utc::now();
    loop {
        tokio::select! {
            _ = projections.tick() => project(&app).await,
            _ = schedule.tick() => checked = enqueue_ticks(&app, checked).await,
            // A change anywhere wakes the dispatcher and the projections (so
            // search sees it at once); the timeouts cover missed wake-ups.
            woken = app.jobs.wait(DISPATCH_INTERVAL) => {
                dispatch(&app).await;
                if woken {
                    project(&app).await;
                }
            }
        }
    }
}

/// The longest wait before new events are looked for to turn into webhook deliveries.
const DISPATCH_INTERVAL: Duration = Duration::from_millis(100);

/// Turns new events into webhook deliveries.
async fn dispatch(app: &App) {
    match app.webhooks.dispatch(&Actor::system(), 200).await {
        Ok(0) => {}
        Ok(created) => tracing::debug!(created, "webhook deliveries created"),
        Err(e) => tracing::warn!(error = %e, "dispatching webhooks failed; retrying shortly"),
    }
}

/// How often the schedule is looked at; ticks are at whole seconds.
const SCHEDULE_INTERVAL: Duration = Duration::from_millis(250);

/// Enqueues the jobs of every tick in `(after, now]` and returns `now`.
/// Every worker does this; a tick's job has the same id everywhere, so it
/// is stored once.
async fn enqueue_ticks(app: &App, after: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Utc::now();
    for task in app.schedule.iter() {
        for tick in task.ticks(after, now) {
            match app.jobs.enqueue(task.job(tick)).await {
                Ok(true) => tracing::debug!(task = task.name, %tick, "scheduled"),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(task = task.name, %tick, error = %e, "enqueueing a scheduled task failed; retrying");
                    return after;
                }
            }
        }
    }
    now
}

/// How often the read models catch up with the event store.
const PROJECTION_INTERVAL: Duration = Duration::from_millis(500);

/// The longest one round of projecting runs before the worker looks at its
/// other duties and at shutdown again.
const PROJECTION_ROUND: Duration = Duration::from_secs(1);

/// Applies new events to the read models until none are left or the round
/// is over; wakes the workers when that enqueued jobs (new versions to process).
async fn project(app: &App) {
    let started = tokio::time::Instant::now();
    let mut projected = false;
    while started.elapsed() < PROJECTION_ROUND {
        match app.audit.catch_up(&Actor::system()).await {
            Ok(0) => break,
            Ok(applied) => {
                projected = true;
                tracing::debug!(applied, "projected events");
            }
            Err(e) => {
                tracing::warn!(error = %e, "projecting events failed; retrying shortly");
                break;
            }
        }
    }
    if projected {
        app.jobs.nudge().await;
    }
}
