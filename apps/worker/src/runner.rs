//! The job loop: claim what is due while slots are free, run each claimed
//! job on its own task, sleep until a wake-up or the next poll, and on
//! shutdown stop claiming, give in-flight jobs their grace, then hand back
//! what is still running.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use cabinet_domain::JobId;
use cabinet_domain::jobs::{JobOutcome, JobService};
use tokio::task::JoinSet;

/// How a worker takes jobs.
#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// This worker's name in leases (unique among live workers).
    pub worker_id: String,
    /// Jobs run at once.
    pub concurrency: usize,
    /// How long a claim lasts.
    pub lease: Duration,
    /// The longest sleep between looks at the queue.
    pub poll: Duration,
    /// How long in-flight jobs get to finish once shutdown begins.
    pub grace: Duration,
}

/// Runs jobs until `shutdown` resolves, then drains. Returns how many jobs
/// were handed back unfinished.
pub async fn run(jobs: Arc<JobService>, options: RunnerOptions, shutdown: impl Future<Output = ()>) -> usize {
    let concurrency = options.concurrency.max(1);
    let mut running: JoinSet<()> = JoinSet::new();
    let mut held: HashMap<tokio::task::Id, JobId> = HashMap::new();
    tokio::pin!(shutdown);
    // Leases are renewed a few times per lease, so one slow write loses none.
    let mut renewals = tokio::time::interval((options.lease / 3).max(Duration::from_millis(100)));
    renewals.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tracing::info!(worker = %options.worker_id, concurrency, kinds = ?jobs.kinds(), "taking jobs");
    'outer: loop {
        // Claim as long as there are free slots and due jobs.
        loop {
            let free = concurrency - running.len();
            if free == 0 {
                break;
            }
            let claimed = match jobs.claim(&options.worker_id, options.lease, u32::try_from(free).unwrap_or(1)).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming jobs failed; trying again at the next poll");
                    break;
                }
            };
            let full = claimed.len() == free;
            for job in claimed {
                let (jobs, worker) = (jobs.clone(), options.worker_id.clone());
                let id = job.id;
                let handle = running.spawn(async move {
                    let started = std::time::Instant::now();
                    match jobs.run(&worker, &job).await {
                        Ok(outcome) => log_outcome(&job.kind, job.id, job.attempts, &outcome, started.elapsed()),
                        Err(e) => tracing::warn!(job_id = %job.id, kind = %job.kind, error = %e,
                            "recording a job's outcome failed; it runs again after its lease"),
                    }
                });
                held.insert(handle.id(), id);
            }
            if !full {
                break;
            }
        }
        tokio::select! {
            biased;
            () = &mut shutdown => break 'outer,
            Some(done) = running.join_next_with_id(), if !running.is_empty() => {
                finished(&mut held, done);
            }
            _ = renewals.tick(), if !held.is_empty() => renew(&jobs, &options, &held).await,
            _ = jobs.wait(options.poll), if running.len() < concurrency => {}
        }
    }

    let in_flight = running.len();
    if in_flight > 0 {
        tracing::info!(in_flight, grace_secs = options.grace.as_secs(), "stopping: letting in-flight jobs finish");
    }
    let deadline = tokio::time::Instant::now() + options.grace;
    while !running.is_empty() {
        let next = tokio::select! {
            next = tokio::time::timeout_at(deadline, running.join_next_with_id()) => next,
            _ = renewals.tick() => {
                renew(&jobs, &options, &held).await;
                continue;
            }
        };
        match next {
            Ok(Some(done)) => finished(&mut held, done),
            Ok(None) => break,
            Err(_) => {
                running.abort_all();
                while let Some(done) = running.join_next_with_id().await {
                    finished(&mut held, done);
                }
            }
        }
    }
    // What is left was aborted mid-run: its next worker starts it afresh.
    let mut handed_back = 0;
    for id in held.into_values() {
        match jobs.release(&options.worker_id, id).await {
            Ok(true) => handed_back += 1,
            Ok(false) => {}
            Err(e) => {
                tracing::warn!(job_id = %id, error = %e, "handing a job back failed; it runs again after its lease")
            }
        }
    }
    if handed_back > 0 {
        tracing::info!(handed_back, "handed unfinished jobs back to the queue");
    }
    handed_back
}

/// Renews the leases of the jobs this worker runs.
async fn renew(jobs: &JobService, options: &RunnerOptions, held: &HashMap<tokio::task::Id, JobId>) {
    let ids: Vec<JobId> = held.values().copied().collect();
    match jobs.renew(&options.worker_id, &ids, options.lease).await {
        Ok(renewed) if renewed < ids.len() as u64 => {
            tracing::warn!(held = ids.len(), renewed, "some running jobs' leases had lapsed; others may run them too");
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, "renewing job leases failed; trying again shortly"),
    }
}

/// Forgets a job whose task ended; one that was aborted stays held so it is handed back.
fn finished(held: &mut HashMap<tokio::task::Id, JobId>, done: Result<(tokio::task::Id, ()), tokio::task::JoinError>) {
    match done {
        Ok((id, ())) => {
            held.remove(&id);
        }
        Err(e) if e.is_cancelled() => {}
        Err(e) => {
            // A handler panicked: its job was not recorded and runs again after the lease.
            tracing::error!(error = %e, "a job's task panicked");
            held.remove(&e.id());
        }
    }
}

fn log_outcome(kind: &str, id: JobId, attempt: u32, outcome: &JobOutcome, took: Duration) {
    let ms = u64::try_from(took.as_millis()).unwrap_or(u64::MAX);
    let label = match outcome {
        JobOutcome::Done => "done",
        JobOutcome::Retrying(_) => "retrying",
        JobOutcome::Dead(_) => "dead",
        JobOutcome::Deferred { .. } => "deferred",
        JobOutcome::LeaseLost => "lease_lost",
    };
    metrics::counter!("cabinet_jobs_total", "kind" => kind.to_owned(), "outcome" => label).increment(1);
    metrics::histogram!("cabinet_job_seconds", "kind" => kind.to_owned()).record(took.as_secs_f64());
    match outcome {
        JobOutcome::Done => tracing::info!(job_id = %id, kind, attempt, ms, "job done"),
        JobOutcome::Retrying(at) => {
            tracing::warn!(job_id = %id, kind, attempt, ms, retry_at = %at, "job failed; retrying")
        }
        JobOutcome::Dead(error) => tracing::error!(job_id = %id, kind, attempt, ms, error, "job failed for good"),
        JobOutcome::Deferred { until, reason } => {
            tracing::info!(job_id = %id, kind, until = %until, reason, "job deferred");
        }
        JobOutcome::LeaseLost => {
            tracing::warn!(job_id = %id, kind, attempt, ms, "job outlived its lease; not recorded")
        }
    }
}
