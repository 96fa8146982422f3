//! Running jobs: claiming under a lease, retrying with backoff, burying in
//! the dead letter, and the administrators' view of the queue.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::error::{DomainError, Entity};
use crate::ids::JobId;
use crate::jobs::{Job, JobState, backoff};
use crate::jobs::{JobQueue, JobSignal};
use crate::system::Runtime;
use crate::{Actor, DomainResult, Principal};

/// Why a job did not finish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// Worth trying again later (a receiver answered 500, a store was down).
    Retry(String),
    /// Trying again cannot help (the payload is malformed, the subject is gone).
    Fatal(String),
    /// Not now, and not the job's fault (a circuit is open): run again at
    /// `until` without counting the attempt.
    Defer {
        /// When to run again.
        until: DateTime<Utc>,
        /// Why, for the logs.
        reason: String,
    },
}

impl From<DomainError> for JobError {
    fn from(err: DomainError) -> Self {
        match err {
            DomainError::Unavailable(_) | DomainError::StorageFull(_) | DomainError::Internal(_) => {
                JobError::Retry(err.to_string())
            }
            other => JobError::Fatal(other.to_string()),
        }
    }
}

/// How long to wait between attempts of one kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the job is dead.
    pub max_attempts: u32,
    /// The first delay; it doubles with each failure.
    pub base: Duration,
    /// The longest delay.
    pub cap: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self { max_attempts: 5, base: Duration::from_secs(10), cap: Duration::from_secs(600) }
    }
}

/// Does the work of one kind of job. Handlers are idempotent: a job whose
/// worker died after the work but before recording it runs again.
#[async_trait]
pub trait JobHandler: Send + Sync {
    /// The kind of job it handles, e.g. `webhook.deliver`.
    fn kind(&self) -> &'static str;

    /// How its failures are retried.
    fn retry(&self) -> RetryPolicy {
        RetryPolicy::default()
    }

    /// Does the job's work.
    ///
    /// # Errors
    /// A [`JobError`] saying whether and when to try again.
    async fn run(&self, job: &Job) -> Result<(), JobError>;
}

/// What became of a job a worker ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    /// It finished.
    Done,
    /// It failed and runs again at this time.
    Retrying(DateTime<Utc>),
    /// It failed for the last time (or could not run at all) and is dead.
    Dead(String),
    /// It waits, without using an attempt.
    Deferred {
        /// Until when.
        until: DateTime<Utc>,
        /// Why.
        reason: String,
    },
    /// Its lease lapsed while it ran, and another worker may have it now;
    /// nothing was recorded.
    LeaseLost,
}

/// A job to enqueue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    /// The id; derive it from what the job is for to enqueue it only once.
    pub id: JobId,
    /// Its kind.
    pub kind: String,
    /// Its input, as JSON text.
    pub payload: String,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// Attempts allowed.
    pub max_attempts: u32,
}

impl NewJob {
    /// The job as stored: queued, no attempt made yet, enqueued at `now`.
    #[must_use]
    pub fn queued(self, now: DateTime<Utc>) -> Job {
        Job {
            id: self.id,
            kind: self.kind,
            payload: self.payload,
            run_at: self.run_at,
            attempts: 0,
            max_attempts: self.max_attempts.max(1),
            crashes: 0,
            state: JobState::Queued,
            lease_until: None,
            last_error: None,
            created_at: now,
        }
    }
}

/// The job queue's use cases.
#[derive(Clone)]
pub struct JobService {
    rt: Runtime,
    queue: Arc<dyn JobQueue>,
    signal: Arc<dyn JobSignal>,
    handlers: HashMap<&'static str, Arc<dyn JobHandler>>,
}

impl std::fmt::Debug for JobService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JobService").field("kinds", &self.handlers.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}

/// Only Cabinet itself and instance administrators see and steer the queue:
/// jobs belong to no workspace.
fn require_operator(actor: &Actor) -> DomainResult<()> {
    match actor.principal {
        Principal::System | Principal::User { instance_admin: true, .. } => Ok(()),
        _ => Err(DomainError::Forbidden("the job queue is for instance administrators")),
    }
}

/// A spread in `[0, 1)` for a job's retries, from the random bits of its
/// id: jobs that failed together come back apart.
fn jitter(id: JobId, attempt: u32) -> f64 {
    let bits = id.as_uuid().as_u128() as u64;
    let mixed =
        bits.rotate_left(attempt.wrapping_mul(13) % 64) ^ u64::from(attempt).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 11) as f64 / (1u64 << 53) as f64
}

impl JobService {
    /// The queue, with a handler for each kind of job.
    #[must_use]
    pub fn new(
        rt: Runtime,
        queue: Arc<dyn JobQueue>,
        signal: Arc<dyn JobSignal>,
        handlers: Vec<Arc<dyn JobHandler>>,
    ) -> Self {
        let handlers = handlers.into_iter().map(|h| (h.kind(), h)).collect();
        Self { rt, queue, signal, handlers }
    }

    /// The same queue, able to run `handlers` as well (a worker adds the
    /// handlers only it needs).
    #[must_use]
    pub fn with_handlers(mut self, handlers: Vec<Arc<dyn JobHandler>>) -> Self {
        self.handlers.extend(handlers.into_iter().map(|h| (h.kind(), h)));
        self
    }

    /// The kinds this service can run.
    #[must_use]
    pub fn kinds(&self) -> Vec<&'static str> {
        let mut kinds: Vec<_> = self.handlers.keys().copied().collect();
        kinds.sort_unstable();
        kinds
    }

    /// The retry policy of a kind.
    #[must_use]
    pub fn policy(&self, kind: &str) -> RetryPolicy {
        self.handlers.get(kind).map(|h| h.retry()).unwrap_or_default()
    }

    /// Enqueues a job and wakes idle workers; `false` when a job with its
    /// id exists already.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn enqueue(&self, job: NewJob) -> DomainResult<bool> {
        let now = self.rt.clock.now();
        let stored = job.queued(now);
        let added = self.queue.enqueue(&stored).await?;
        if added && stored.run_at <= now {
            self.signal.notify().await;
        }
        Ok(added)
    }

    /// Tells idle workers that something changed (new events to turn into
    /// webhook deliveries, say), so they look now rather than at their next poll.
    pub async fn nudge(&self) {
        self.signal.notify().await;
    }

    /// Waits until jobs may be due (a wake-up), at most `timeout`.
    pub async fn wait(&self, timeout: Duration) -> bool {
        self.signal.wait(timeout).await
    }

    /// Claims up to `limit` due jobs for `worker` under `lease`.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn claim(&self, worker: &str, lease: Duration, limit: u32) -> DomainResult<Vec<Job>> {
        self.queue.claim(worker, self.rt.clock.now(), lease, limit).await
    }

    /// Extends the leases of jobs `worker` is running by `lease` from now, so
    /// a short lease is safe for long jobs: only a worker that died stops
    /// renewing, and its jobs go to another after one lease.
    ///
    /// # Errors
    /// Storage failures.
    pub async fn renew(&self, worker: &str, ids: &[JobId], lease: Duration) -> DomainResult<u64> {
        let now = self.rt.clock.now();
        let until = now + chrono::Duration::from_std(lease).map_err(DomainError::internal)?;
        self.queue.renew(ids, worker, until, now).await
    }

    /// Runs a job `worker` claimed and records the outcome.
    ///
    /// # Errors
    /// Storage failures while recording; the lease then lapses and the job
    /// runs again.
    pub async fn run(&self, worker: &str, job: &Job) -> DomainResult<JobOutcome> {
        let Some(handler) = self.handlers.get(job.kind.as_str()) else {
            return self.bury(worker, job, format!("no handler for jobs of kind {}", job.kind)).await;
        };
        if job.crashes >= crate::jobs::MAX_CRASHES {
            // Its workers died under it every time.
            return self.bury(worker, job, format!("its worker died {} times while running it", job.crashes)).await;
        }
        let result = handler.run(job).await;
        let now = self.rt.clock.now();
        let (recorded, outcome) = match result {
            Ok(()) => (self.queue.complete(job.id, worker, now).await?, JobOutcome::Done),
            Err(JobError::Defer { until, reason }) => {
                (self.queue.release(job.id, worker, until, now).await?, JobOutcome::Deferred { until, reason })
            }
            Err(JobError::Fatal(error)) => {
                (self.queue.fail(job.id, worker, &error, None, now).await?, JobOutcome::Dead(error))
            }
            Err(JobError::Retry(error)) if job.attempts >= job.max_attempts => {
                (self.queue.fail(job.id, worker, &error, None, now).await?, JobOutcome::Dead(error))
            }
            Err(JobError::Retry(error)) => {
                let policy = handler.retry();
                let delay = backoff(job.attempts, policy.base, policy.cap, jitter(job.id, job.attempts));
                let at = now + chrono::Duration::from_std(delay).map_err(DomainError::internal)?;
                (self.queue.fail(job.id, worker, &error, Some(at), now).await?, JobOutcome::Retrying(at))
            }
        };
        Ok(if recorded { outcome } else { JobOutcome::LeaseLost })
    }

    async fn bury(&self, worker: &str, job: &Job, error: String) -> DomainResult<JobOutcome> {
        let recorded = self.queue.fail(job.id, worker, &error, None, self.rt.clock.now()).await?;
        Ok(if recorded { JobOutcome::Dead(error) } else { JobOutcome::LeaseLost })
    }

    /// Gives a job back unfinished, to run again now (its worker is stopping).
    ///
    /// # Errors
    /// Storage failures.
    pub async fn release(&self, worker: &str, id: JobId) -> DomainResult<bool> {
        let now = self.rt.clock.now();
        let released = self.queue.release(id, worker, now, now).await?;
        if released {
            self.signal.notify().await;
        }
        Ok(released)
    }

    /// Deletes jobs done longer than `keep` ago. Only Cabinet itself may.
    ///
    /// # Errors
    /// `Forbidden` for anyone else; storage failures.
    pub async fn prune(&self, actor: &Actor, keep: Duration) -> DomainResult<u64> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only Cabinet prunes finished jobs"));
        }
        let before = self.rt.clock.now() - chrono::Duration::from_std(keep).map_err(DomainError::internal)?;
        self.queue.prune(before).await
    }

    /// Whether the actor may see and steer the queue and the schedule.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an instance administrator.
    pub fn authorize_operator(&self, actor: &Actor) -> DomainResult<()> {
        require_operator(actor)
    }

    /// Jobs in `state`, oldest first.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an instance administrator.
    pub async fn list(&self, actor: &Actor, state: JobState, limit: u32) -> DomainResult<Vec<Job>> {
        require_operator(actor)?;
        self.queue.list(state, limit.clamp(1, 10_000)).await
    }

    /// Queues a dead job again with fresh attempts.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is an instance administrator;
    /// `NotFound(Job)` when there is no such job; `Conflict(JobNotDead)`
    /// when it is not dead.
    pub async fn retry_dead(&self, actor: &Actor, id: JobId) -> DomainResult<Job> {
        require_operator(actor)?;
        if !self.queue.retry_dead(id, self.rt.clock.now()).await? {
            return match self.queue.get(id).await? {
                None => Err(DomainError::NotFound(Entity::Job)),
                Some(_) => Err(DomainError::Conflict(crate::Conflict::JobNotDead)),
            };
        }
        self.signal.notify().await;
        self.queue.get(id).await?.ok_or(DomainError::NotFound(Entity::Job))
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
