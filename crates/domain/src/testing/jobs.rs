//! A job queue in memory.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ids::JobId;
use crate::jobs::{Job, JobQueue, JobState};
use crate::{DomainError, DomainResult};

/// A stored job, with who holds it and when it last changed.
#[derive(Debug, Clone)]
struct Stored {
    job: Job,
    locked_by: Option<String>,
    updated_at: DateTime<Utc>,
}

/// A [`JobQueue`] in memory, keeping the queue's contract: a job is held by
/// one worker under a lease; a lapsed lease is a crash, not an attempt; a
/// release gives the attempt back; only finished jobs are pruned.
#[derive(Debug, Default)]
pub struct MemoryJobQueue {
    jobs: Mutex<BTreeMap<JobId, Stored>>,
}

/// Longest error text kept with a job, as the SQL queue keeps it.
const MAX_ERROR: usize = 2000;

impl MemoryJobQueue {
    fn jobs(&self) -> std::sync::MutexGuard<'_, BTreeMap<JobId, Stored>> {
        self.jobs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Applies `change` to the job if `worker` holds it; says whether it did.
    fn if_held(&self, id: JobId, worker: &str, now: DateTime<Utc>, change: impl FnOnce(&mut Job)) -> bool {
        let mut jobs = self.jobs();
        match jobs.get_mut(&id) {
            Some(stored) if stored.job.state == JobState::Running && stored.locked_by.as_deref() == Some(worker) => {
                change(&mut stored.job);
                stored.job.lease_until = None;
                stored.locked_by = None;
                stored.updated_at = now;
                true
            }
            _ => false,
        }
    }
}

#[async_trait]
impl JobQueue for MemoryJobQueue {
    async fn enqueue(&self, job: &Job) -> DomainResult<bool> {
        let mut jobs = self.jobs();
        if jobs.contains_key(&job.id) {
            return Ok(false);
        }
        jobs.insert(job.id, Stored { job: job.clone(), locked_by: None, updated_at: job.created_at });
        Ok(true)
    }

    async fn claim(&self, worker: &str, now: DateTime<Utc>, lease: Duration, limit: u32) -> DomainResult<Vec<Job>> {
        let until = now + chrono::Duration::from_std(lease).map_err(DomainError::internal)?;
        let mut jobs = self.jobs();
        let lapsed = |s: &Stored| s.job.state == JobState::Running && s.job.lease_until.is_some_and(|l| l < now);
        let due = |s: &Stored| s.job.state == JobState::Queued && s.job.run_at <= now;
        let mut chosen: Vec<(DateTime<Utc>, JobId)> =
            jobs.values().filter(|s| lapsed(s)).map(|s| (s.job.lease_until.unwrap_or(now), s.job.id)).collect();
        chosen.sort();
        let mut queued: Vec<(DateTime<Utc>, JobId)> =
            jobs.values().filter(|s| due(s)).map(|s| (s.job.run_at, s.job.id)).collect();
        queued.sort();
        chosen.extend(queued);
        chosen.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut claimed = Vec::new();
        for (_, id) in chosen {
            let Some(stored) = jobs.get_mut(&id) else { continue };
            if stored.job.state == JobState::Running {
                stored.job.crashes += 1;
            } else {
                stored.job.attempts += 1;
            }
            stored.job.state = JobState::Running;
            stored.job.lease_until = Some(until);
            stored.locked_by = Some(worker.to_owned());
            stored.updated_at = now;
            claimed.push(stored.job.clone());
        }
        claimed.sort_by_key(|j| j.run_at);
        Ok(claimed)
    }

    async fn renew(&self, ids: &[JobId], worker: &str, until: DateTime<Utc>, now: DateTime<Utc>) -> DomainResult<u64> {
        let mut jobs = self.jobs();
        let mut renewed = 0;
        for id in ids {
            if let Some(stored) = jobs.get_mut(id)
                && stored.job.state == JobState::Running
                && stored.locked_by.as_deref() == Some(worker)
            {
                stored.job.lease_until = Some(until);
                stored.updated_at = now;
                renewed += 1;
            }
        }
        Ok(renewed)
    }

    async fn complete(&self, id: JobId, worker: &str, now: DateTime<Utc>) -> DomainResult<bool> {
        Ok(self.if_held(id, worker, now, |job| job.state = JobState::Done))
    }

    async fn fail(
        &self,
        id: JobId,
        worker: &str,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> DomainResult<bool> {
        Ok(self.if_held(id, worker, now, |job| {
            job.last_error = Some(error.chars().take(MAX_ERROR).collect());
            match retry_at {
                Some(at) => {
                    job.state = JobState::Queued;
                    job.run_at = at;
                }
                None => job.state = JobState::Dead,
            }
        }))
    }

    async fn release(&self, id: JobId, worker: &str, run_at: DateTime<Utc>, now: DateTime<Utc>) -> DomainResult<bool> {
        Ok(self.if_held(id, worker, now, |job| {
            job.state = JobState::Queued;
            job.run_at = run_at;
            job.attempts = job.attempts.saturating_sub(1);
        }))
    }

    async fn prune(&self, before: DateTime<Utc>) -> DomainResult<u64> {
        let mut jobs = self.jobs();
        let was = jobs.len();
        jobs.retain(|_, s| !(s.job.state == JobState::Done && s.updated_at < before));
        Ok((was - jobs.len()) as u64)
    }

    async fn get(&self, id: JobId) -> DomainResult<Option<Job>> {
        Ok(self.jobs().get(&id).map(|s| s.job.clone()))
    }

    async fn retry_dead(&self, id: JobId, now: DateTime<Utc>) -> DomainResult<bool> {
        let mut jobs = self.jobs();
        match jobs.get_mut(&id) {
            Some(stored) if stored.job.state == JobState::Dead => {
                stored.job.state = JobState::Queued;
                stored.job.attempts = 0;
                stored.job.crashes = 0;
                stored.job.run_at = now;
                stored.updated_at = now;
                Ok(true)
            }
            _ => Ok(false),
        }
    }

    async fn list(&self, state: JobState, limit: u32) -> DomainResult<Vec<Job>> {
        let jobs = self.jobs();
        let mut found: Vec<Job> = jobs.values().filter(|s| s.job.state == state).map(|s| s.job.clone()).collect();
        found.sort_by_key(|j| (j.run_at, j.id));
        found.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::testing::contracts::job_queue as contract;

    #[test]
    fn the_memory_queue_keeps_the_job_queue_contract() {
        let now = crate::testkit::now();
        block_on(contract::jobs_are_claimed_under_a_lease_retried_and_buried(&MemoryJobQueue::default(), now));
        block_on(contract::a_renewed_lease_keeps_its_job(&MemoryJobQueue::default(), now));
        block_on(contract::concurrent_claimers_take_each_job_once(&MemoryJobQueue::default(), now));
    }
}
