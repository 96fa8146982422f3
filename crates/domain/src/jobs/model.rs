//! Background jobs: durable units of work with retries and a dead letter.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ids::JobId;

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobState {
    /// Waiting for its `run_at`, or for a worker.
    Queued,
    /// Claimed by a worker whose lease has not expired.
    Running,
    /// Finished.
    Done,
    /// Failed on its last attempt; kept with its last error until retried by hand.
    Dead,
}

impl JobState {
    /// Every state.
    pub const ALL: [JobState; 4] = [JobState::Queued, JobState::Running, JobState::Done, JobState::Dead];

    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Dead => "dead",
        }
    }

    /// Parses a stored name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|state| state.as_str() == s)
    }
}

/// A job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    /// Id; handlers use it to make their effects idempotent.
    pub id: JobId,
    /// What to do, e.g. `webhook.deliver`.
    pub kind: String,
    /// The handler's input, as JSON text.
    pub payload: String,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// Attempts started so far; a run whose worker died is not one of them.
    pub attempts: u32,
    /// Attempts allowed before the job is dead.
    pub max_attempts: u32,
    /// Times its worker died (its lease lapsed) while it ran.
    pub crashes: u32,
    /// Its state.
    pub state: JobState,
    /// While running: when the claim lapses and another worker may take it.
    pub lease_until: Option<DateTime<Utc>>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
}

/// How often a job may take its worker down before it is buried as dead:
/// crashes are no failures of the job, but one that kills every worker that
/// runs it must stop.
pub const MAX_CRASHES: u32 = 10;

/// The delay before attempt `attempt + 1` after `attempt` failed:
/// exponential from `base`, capped at `cap`, with "equal jitter" — half the
/// delay fixed, half scaled by `jitter` in `[0, 1)` — so retries of many jobs
/// that failed together spread out instead of returning in step.
#[must_use]
pub fn backoff(attempt: u32, base: Duration, cap: Duration, jitter: f64) -> Duration {
    let exponential = base.saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1).min(30)));
    let delay = exponential.min(cap);
    let half = delay / 2;
    half + half.mul_f64(jitter.clamp(0.0, 1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap_and_jitter_spreads_the_upper_half() {
        let (base, cap) = (Duration::from_secs(10), Duration::from_secs(3600));
        assert_eq!(backoff(1, base, cap, 0.0), Duration::from_secs(5));
        assert_eq!(backoff(1, base, cap, 1.0), Duration::from_secs(10));
        assert_eq!(backoff(3, base, cap, 1.0), Duration::from_secs(40));
        assert_eq!(backoff(3, base, cap, 0.5), Duration::from_secs(30));
        assert_eq!(backoff(30, base, cap, 1.0), cap, "capped");
        assert_eq!(backoff(u32::MAX, base, cap, 0.0), cap / 2, "no overflow");
    }

    #[test]
    fn states_round_trip_their_names() {
        for state in JobState::ALL {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("lost"), None);
    }
}
