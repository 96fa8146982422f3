//! Background jobs: the queue with leases, retries and dead letters, and the
//! service workers run them through.

mod model;
mod ports;
mod service;

pub use model::{Job, JobState, MAX_CRASHES, backoff};
pub use ports::{JobQueue, JobSignal};
pub use service::{JobError, JobHandler, JobOutcome, JobService, NewJob, RetryPolicy};

#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockJobQueue, MockJobSignal};
