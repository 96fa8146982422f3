//! Cabinet's cache adapters: rate-limit counters and the token revocation
//! list, either in this process (embedded default) or on Redis (shared by
//! every replica).
//!
//! The cache is disposable by design: losing it resets throttling windows and
//! forgets revocations that the database also records.

mod memory;
mod redis;
mod signal;

pub use memory::MemoryCache;
pub use redis::RedisCache;
pub use signal::{LocalJobSignal, RedisJobSignal};
