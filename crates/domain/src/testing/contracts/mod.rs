//! Contract suites: each function states one behaviour a port's every
//! implementation must have, takes the port as `&dyn Port`, and panics
//! with a message when the implementation falls short. Run them from an
//! adapter's tests against the real thing.

pub mod blob_store;
pub mod idempotency;
pub mod job_queue;
pub mod limits;
