//! The durable job queue.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::ids::JobId;
use crate::jobs::{Job, JobState};

/// Jobs stored with the rest of Cabinet's data, claimed by workers under a lease.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobQueue: Send + Sync {
    /// Stores a queued job; `false` when a job with its id exists already
    /// (so a job with an id derived from what it is for is enqueued once,
    /// however many workers try).
    ///
    /// # Errors
    /// Storage failures.
    async fn enqueue(&self, job: &Job) -> DomainResult<bool>;

    /// Claims up to `limit` jobs that are due at `now` — queued with a past
    /// `run_at`, or running under a lapsed lease (their worker died) — for
    /// `worker` until `now + lease`, counting an attempt for each. Concurrent
    /// claimers never get the same job.
    ///
    /// # Errors
    /// Storage failures.
    async fn claim(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> DomainResult<Vec<Job>>;

    /// Extends the leases of the listed jobs `worker` still holds to `until`
    /// (a job still running shows it is alive) and returns how many it holds.
    ///
    /// # Errors
    /// Storage failures.
    async fn renew(&self, ids: &[JobId], worker: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> DomainResult<u64>;

    /// Marks a job `worker` holds as done; `false` when its lease was lost.
    ///
    /// # Errors
    /// Storage failures.
    async fn complete(&self, id: JobId, worker: &str, now: DateTime<Utc>) -> DomainResult<bool>;

    /// Records a failed attempt: queued again for `retry_at`, or dead with
    /// `error` when `retry_at` is `None`. `false` when the lease was lost.
    ///
    /// # Errors
    /// Storage failures.
    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> DomainResult<bool>;

    /// Gives a claimed job back without counting the attempt, to run again
    /// at `run_at` (a worker shutting down, or a job waiting for something).
    /// `false` when the lease was lost.
    ///
    /// # Errors
    /// Storage failures.
    async fn release(&self, id: JobId, worker: &str, run_at: DateTime<Utc>, now: DateTime<Utc>) -> DomainResult<bool>;

    /// Deletes jobs done before `before`, returning how many.
    ///
    /// # Errors
    /// Storage failures.
    async fn prune(&self, before: DateTime<Utc>) -> DomainResult<u64>;

    /// A job.
    ///
    /// # Errors
    /// Storage failures.
    async fn get(&self, id: JobId) -> DomainResult<Option<Job>>;

    /// Queues a dead job again with fresh attempts; `false` when it is not dead.
    ///
    /// # Errors
    /// Storage failures.
    async fn retry_dead(&self, id: JobId, now: DateTime<Utc>) -> DomainResult<bool>;

    /// Jobs in `state`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn list(&self, state: JobState, limit: u32) -> DomainResult<Vec<Job>>;
}

/// Wakes idle workers when a job is enqueued, so it starts within
/// milliseconds rather than at the next poll. Losing a signal costs only
/// latency: workers poll as well.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait JobSignal: Send + Sync {
    /// Tells every waiting worker (in any process sharing the signal) that jobs are due.
    async fn notify(&self);

    /// Waits for a notification, at most `timeout`; `true` when one came.
    async fn wait(&self, timeout: Duration) -> bool;
}
