//! The [`JobQueue`] contract, as Cabinet's SQL queue keeps it on SQLite and
//! PostgreSQL. Each function takes an empty queue and the time to call "now".

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};

use crate::ids::JobId;
use crate::jobs::{Job, JobQueue, JobState};

/// A queued job of `kind`, due at `at`, with an id of its own.
#[must_use]
pub fn job_due(at: DateTime<Utc>, kind: &str) -> Job {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = u128::from(NEXT.fetch_add(1, Ordering::Relaxed));
    Job {
        id: JobId::from_uuid(uuid::Uuid::from_u128((u128::from(std::process::id()) << 64) | n)),
        kind: kind.into(),
        payload: r#"{"n":1}"#.into(),
        run_at: at,
        attempts: 0,
        max_attempts: 5,
        crashes: 0,
        state: JobState::Queued,
        lease_until: None,
        last_error: None,
        created_at: at,
    }
}

/// Due jobs are claimed oldest first under a lease by one worker at a
/// time; failures retry at their time or bury the job; a dead worker's
/// lapsed lease is a crash, not an attempt; a release gives the attempt
/// back; only finished jobs are pruned.
pub async fn jobs_are_claimed_under_a_lease_retried_and_buried(queue: &dyn JobQueue, t0: DateTime<Utc>) {
    let (a, b) = (job_due(t0 - TimeDelta::seconds(2), "a"), job_due(t0 - TimeDelta::seconds(1), "b"));
    let later = job_due(t0 + TimeDelta::minutes(5), "later");
    for job in [&a, &b, &later] {
        assert!(queue.enqueue(job).await.expect("enqueued"));
    }
    assert!(!queue.enqueue(&a).await.expect("enqueued"), "a job with the same id is enqueued once");
    let lease = Duration::from_secs(30);
    let claimed = queue.claim("w1", t0, lease, 10).await.expect("claim");
    assert_eq!(claimed.iter().map(|j| j.id).collect::<Vec<_>>(), [a.id, b.id], "due jobs, oldest first");
    assert!(claimed.iter().all(|j| j.attempts == 1 && j.state == JobState::Running));
    assert_eq!(claimed[0].lease_until, Some(t0 + TimeDelta::seconds(30)));
    assert!(queue.claim("w2", t0, lease, 10).await.expect("claim").is_empty(), "held jobs are not claimed twice");

    assert!(!queue.complete(a.id, "w2", t0).await.expect("complete"), "only the holder completes");
    assert!(queue.complete(a.id, "w1", t0).await.expect("complete"));
    assert!(queue.fail(b.id, "w1", "receiver said 500", Some(t0 + TimeDelta::seconds(10)), t0).await.expect("fail"));
    assert!(queue.claim("w1", t0, lease, 10).await.expect("claim").is_empty(), "not before its retry time");
    let retried = queue.claim("w2", t0 + TimeDelta::seconds(11), lease, 10).await.expect("claim");
    assert_eq!((retried.len(), retried[0].attempts), (1, 2));
    assert_eq!(retried[0].last_error.as_deref(), Some("receiver said 500"));
    assert!(queue.fail(b.id, "w2", "gave up", None, t0).await.expect("bury"));
    let dead = queue.list(JobState::Dead, 10).await.expect("dead");
    assert_eq!((dead.len(), dead[0].last_error.as_deref()), (1, Some("gave up")));
    assert!(queue.retry_dead(b.id, t0).await.expect("retry"));
    assert!(!queue.retry_dead(b.id, t0).await.expect("retry"), "only dead jobs");
    assert_eq!(queue.list(JobState::Queued, 10).await.expect("queued").iter().filter(|j| j.id == b.id).count(), 1);
    assert_eq!(queue.list(JobState::Done, 10).await.expect("done")[0].id, a.id);

    // A worker that dies loses its jobs when the lease lapses.
    let t1 = t0 + TimeDelta::minutes(6);
    let short = Duration::from_secs(1);
    let taken = queue.claim("doomed", t1, short, 10).await.expect("claim");
    assert_eq!(taken.len(), 2, "b again and the later job");
    assert!(queue.claim("w3", t1, short, 10).await.expect("claim").is_empty());
    let rescued = queue.claim("w3", t1 + TimeDelta::seconds(2), short, 10).await.expect("claim");
    assert_eq!(rescued.len(), 2);
    let later_job = rescued.iter().find(|j| j.id == later.id).expect("the later job");
    assert_eq!((later_job.attempts, later_job.crashes), (1, 1), "a dead worker's run is a crash, not an attempt");
    assert!(!queue.complete(later.id, "doomed", t1).await.expect("complete"), "the dead worker's lease is gone");
    let deferred = t1 + TimeDelta::minutes(1);
    assert!(queue.release(later.id, "w3", deferred, t1).await.expect("release"));
    let back = queue.get(later.id).await.expect("get").expect("kept");
    assert_eq!((back.state, back.attempts), (JobState::Queued, 0), "a release is not an attempt");
    assert_eq!(back.run_at, deferred);
    let soon = queue.claim("w3", t1 + TimeDelta::seconds(30), short, 10).await.expect("claim");
    assert!(soon.iter().all(|j| j.id != later.id), "a released job waits for its time");

    // Finished jobs are pruned after a while; nothing else is.
    assert_eq!(queue.prune(t0 - TimeDelta::seconds(1)).await.expect("prune"), 0, "done too recently");
    assert_eq!(queue.prune(t1 + TimeDelta::hours(1)).await.expect("prune"), 1, "only a, which is done");
    assert_eq!(queue.get(a.id).await.expect("get"), None);
    assert!(queue.get(later.id).await.expect("get").is_some());
}

/// Renewing a lease keeps a job from being taken for lapsed; only the
/// holder renews.
pub async fn a_renewed_lease_keeps_its_job(queue: &dyn JobQueue, t0: DateTime<Utc>) {
    let job = job_due(t0, "long");
    queue.enqueue(&job).await.expect("enqueued");
    let short = Duration::from_secs(1);
    assert_eq!(queue.claim("w1", t0, short, 1).await.expect("claim").len(), 1);
    assert_eq!(queue.renew(&[job.id], "w2", t0 + TimeDelta::seconds(60), t0).await.expect("renew"), 0, "not w2's");
    assert_eq!(queue.renew(&[job.id], "w1", t0 + TimeDelta::seconds(60), t0).await.expect("renew"), 1);
    let later = t0 + TimeDelta::seconds(30);
    assert!(queue.claim("w2", later, short, 1).await.expect("claim").is_empty(), "still held");
    assert!(queue.complete(job.id, "w1", later).await.expect("complete"));
}

/// Workers claiming at the same time take each job exactly once.
pub async fn concurrent_claimers_take_each_job_once(queue: &dyn JobQueue, t0: DateTime<Utc>) {
    for i in 0..200 {
        queue.enqueue(&job_due(t0 - TimeDelta::milliseconds(i), "n")).await.expect("enqueued");
    }
    let workers = (0..4).map(|w| async move {
        let mut mine = Vec::new();
        loop {
            let batch = queue.claim(&format!("w{w}"), t0, Duration::from_secs(60), 7).await.expect("claim");
            if batch.is_empty() {
                return mine;
            }
            mine.extend(batch.into_iter().map(|j| j.id));
        }
    });
    let all: Vec<JobId> = futures::future::join_all(workers).await.into_iter().flatten().collect();
    let distinct: std::collections::HashSet<_> = all.iter().collect();
    assert_eq!((all.len(), distinct.len()), (200, 200), "every job claimed exactly once");
}
