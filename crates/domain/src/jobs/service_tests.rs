use std::sync::{Arc, Mutex};

use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::UserId;
use crate::jobs::{MockJobQueue, MockJobSignal};
use crate::testkit::{self, block_on, now, user_actor};

/// A handler that answers with what the test gives it and counts its runs.
struct Scripted {
    answer: Mutex<Vec<Result<(), JobError>>>,
    runs: Mutex<u32>,
}

impl Scripted {
    fn new(answers: Vec<Result<(), JobError>>) -> Arc<Self> {
        Arc::new(Self { answer: Mutex::new(answers), runs: Mutex::new(0) })
    }

    fn runs(&self) -> u32 {
        *self.runs.lock().expect("lock")
    }
}

#[async_trait]
impl JobHandler for Scripted {
    fn kind(&self) -> &'static str {
        "test.kind"
    }

    fn retry(&self) -> RetryPolicy {
        RetryPolicy { max_attempts: 3, base: Duration::from_secs(60), cap: Duration::from_secs(3600) }
    }

    async fn run(&self, _job: &Job) -> Result<(), JobError> {
        *self.runs.lock().expect("lock") += 1;
        self.answer.lock().expect("lock").remove(0)
    }
}

fn job(kind: &str, attempts: u32) -> Job {
    Job {
        id: JobId::from_uuid(Uuid::now_v7()),
        kind: kind.into(),
        payload: "{}".into(),
        run_at: now(),
        attempts,
        max_attempts: 3,
        crashes: 0,
        state: JobState::Running,
        lease_until: Some(now() + chrono::TimeDelta::minutes(1)),
        last_error: None,
        created_at: now(),
    }
}

fn service(queue: MockJobQueue, signal: MockJobSignal, handler: Arc<Scripted>) -> JobService {
    JobService::new(testkit::runtime(), Arc::new(queue), Arc::new(signal), vec![handler])
}

fn quiet() -> MockJobSignal {
    let mut signal = MockJobSignal::new();
    signal.expect_notify().never();
    signal
}

#[test]
fn a_finished_job_is_completed_by_its_worker() {
    let handler = Scripted::new(vec![Ok(())]);
    let j = job("test.kind", 1);
    let mut queue = MockJobQueue::new();
    queue.expect_complete().with(eq(j.id), eq("w1"), eq(now())).times(1).returning(|_, _, _| Ok(true));
    let outcome = block_on(service(queue, quiet(), handler.clone()).run("w1", &j)).expect("ran");
    assert_eq!(outcome, JobOutcome::Done);
    assert_eq!(handler.runs(), 1);
}

#[test]
fn a_failure_is_retried_later_with_growing_jittered_delays() {
    for (attempt, low, high) in [(1u32, 30i64, 60i64), (2, 60, 120)] {
        let handler = Scripted::new(vec![Err(JobError::Retry("receiver said 500".into()))]);
        let j = job("test.kind", attempt);
        let mut queue = MockJobQueue::new();
        queue
            .expect_fail()
            .withf(move |_, worker, error, retry_at, at| {
                let delay = retry_at.map(|r| (r - now()).num_seconds());
                worker == "w1"
                    && error == "receiver said 500"
                    && *at == now()
                    && delay.is_some_and(|d| (low..=high).contains(&d))
            })
            .times(1)
            .returning(|_, _, _, _, _| Ok(true));
        let outcome = block_on(service(queue, quiet(), handler).run("w1", &j)).expect("ran");
        assert!(matches!(outcome, JobOutcome::Retrying(at) if at > now()), "{outcome:?}");
    }
}

#[test]
fn the_last_failed_attempt_and_fatal_errors_bury_the_job() {
    for (attempts, error) in
        [(3, JobError::Retry("still failing".into())), (1, JobError::Fatal("the document is gone".into()))]
    {
        let handler = Scripted::new(vec![Err(error)]);
        let j = job("test.kind", attempts);
        let mut queue = MockJobQueue::new();
        queue
            .expect_fail()
            .withf(|_, _, _, retry_at, _| retry_at.is_none())
            .times(1)
            .returning(|_, _, _, _, _| Ok(true));
        let outcome = block_on(service(queue, quiet(), handler).run("w1", &j)).expect("ran");
        assert!(matches!(outcome, JobOutcome::Dead(_)), "{outcome:?}");
    }
}

#[test]
fn a_deferred_job_waits_without_using_an_attempt() {
    let until = now() + chrono::TimeDelta::minutes(5);
    let handler = Scripted::new(vec![Err(JobError::Defer { until, reason: "circuit open".into() })]);
    let j = job("test.kind", 2);
    let mut queue = MockJobQueue::new();
    queue.expect_release().with(eq(j.id), eq("w1"), eq(until), eq(now())).times(1).returning(|_, _, _, _| Ok(true));
    queue.expect_fail().never();
    let outcome = block_on(service(queue, quiet(), handler).run("w1", &j)).expect("ran");
    assert_eq!(outcome, JobOutcome::Deferred { until, reason: "circuit open".into() });
}

#[test]
fn a_job_whose_workers_died_a_few_times_still_runs() {
    let handler = Scripted::new(vec![Ok(())]);
    let mut queue = MockJobQueue::new();
    queue.expect_complete().times(1).returning(|_, _, _| Ok(true));
    let survivor = Job { crashes: 3, ..job("test.kind", 1) };
    let outcome = block_on(service(queue, quiet(), handler.clone()).run("w1", &survivor)).expect("ran");
    assert!(matches!(outcome, JobOutcome::Done), "three crashes use up none of its attempts: {outcome:?}");
}

#[test]
fn jobs_nobody_can_run_or_that_killed_every_worker_are_buried_unrun() {
    let poison = Job { crashes: crate::jobs::MAX_CRASHES, ..job("test.kind", 1) };
    for j in [job("unknown.kind", 1), poison] {
        let handler = Scripted::new(vec![]);
        let mut queue = MockJobQueue::new();
        queue
            .expect_fail()
            .withf(|_, _, _, retry_at, _| retry_at.is_none())
            .times(1)
            .returning(|_, _, _, _, _| Ok(true));
        let outcome = block_on(service(queue, quiet(), handler.clone()).run("w1", &j)).expect("ran");
        assert!(matches!(outcome, JobOutcome::Dead(_)), "{outcome:?}");
        assert_eq!(handler.runs(), 0);
    }
}

#[test]
fn a_worker_that_lost_its_lease_records_nothing() {
    let handler = Scripted::new(vec![Ok(())]);
    let mut queue = MockJobQueue::new();
    queue.expect_complete().returning(|_, _, _| Ok(false));
    let outcome = block_on(service(queue, quiet(), handler).run("w1", &job("test.kind", 1))).expect("ran");
    assert_eq!(outcome, JobOutcome::LeaseLost);
}

#[test]
fn enqueueing_a_due_job_wakes_the_workers_once() {
    let new =
        |id: JobId, run_at| NewJob { id, kind: "test.kind".into(), payload: "{}".into(), run_at, max_attempts: 3 };
    let (due, later, twice) =
        (JobId::from_uuid(Uuid::now_v7()), JobId::from_uuid(Uuid::now_v7()), JobId::from_uuid(Uuid::now_v7()));
    let mut queue = MockJobQueue::new();
    queue
        .expect_enqueue()
        .withf(|j| j.state == JobState::Queued && j.attempts == 0)
        .returning(move |j| Ok(j.id != twice));
    let mut signal = MockJobSignal::new();
    signal.expect_notify().times(1).returning(|| ());
    let svc = service(queue, signal, Scripted::new(vec![]));
    assert!(block_on(svc.enqueue(new(due, now()))).expect("enqueued"));
    assert!(block_on(svc.enqueue(new(later, now() + chrono::TimeDelta::hours(1)))).expect("enqueued"));
    assert!(!block_on(svc.enqueue(new(twice, now()))).expect("duplicate"), "an existing id is not enqueued again");
}

#[test]
fn only_instance_administrators_see_and_retry_jobs() {
    let svc = service(MockJobQueue::new(), quiet(), Scripted::new(vec![]));
    let member = user_actor(UserId::from_uuid(Uuid::new_v4()));
    assert!(matches!(block_on(svc.list(&member, JobState::Dead, 10)), Err(DomainError::Forbidden(_))));
    let id = JobId::from_uuid(Uuid::now_v7());
    assert!(matches!(block_on(svc.retry_dead(&member, id)), Err(DomainError::Forbidden(_))));
}

#[test]
fn retrying_a_job_that_is_not_dead_is_a_conflict() {
    let mut admin = user_actor(UserId::from_uuid(Uuid::new_v4()));
    if let Principal::User { instance_admin, .. } = &mut admin.principal {
        *instance_admin = true;
    }
    let (queued, missing) = (job("test.kind", 0), JobId::from_uuid(Uuid::now_v7()));
    let queued_id = queued.id;
    let mut queue = MockJobQueue::new();
    queue.expect_retry_dead().returning(|_, _| Ok(false));
    queue.expect_get().returning(move |id| Ok((id == queued_id).then(|| queued.clone())));
    let svc = service(queue, quiet(), Scripted::new(vec![]));
    assert!(matches!(
        block_on(svc.retry_dead(&admin, queued_id)),
        Err(DomainError::Conflict(crate::Conflict::JobNotDead))
    ));
    assert!(matches!(block_on(svc.retry_dead(&admin, missing)), Err(DomainError::NotFound(Entity::Job))));
}
