//! What a team needs to test code built on this crate without Cabinet's
//! adapters: in-memory fakes of ports, and contract suites that hold any
//! implementation of a port to the behaviour the services rely on.
//!
//! Behind the `testing` feature. The fakes keep the contracts they are
//! offered with: each contract suite runs against its fake in this crate's
//! own tests, and against every adapter of the port in the adapter's tests.
//!
//! ```
//! use cabinet_domain::documents::BlobStore as _;
//! use cabinet_domain::testing::{MemoryBlobStore, contracts};
//!
//! let store = MemoryBlobStore::default();
//! futures::executor::block_on(async {
//!     // The same suite Cabinet runs on a local folder and on S3.
//!     contracts::blob_store::content_round_trips_with_its_digest(&store).await;
//!     contracts::blob_store::ranges_return_exactly_their_bytes(&store).await;
//! });
//! ```

pub mod blob_store;
pub mod contracts;
pub mod idempotency;
pub mod jobs;
pub mod limits;
pub mod system;

pub use blob_store::MemoryBlobStore;
pub use idempotency::MemoryIdempotency;
pub use jobs::MemoryJobQueue;
pub use limits::MemoryLimits;
pub use system::{CountingSecrets, FixedClock, SequentialIds};
