//! The [`RateLimiter`] and [`RevocationList`] contracts, as Cabinet's
//! in-process cache and Redis keep them.
//!
//! Windows and time-to-live are checked by letting time pass: each function
//! takes a `wait` that does so (a real sleep for a real cache, a clock moved
//! on for [`crate::testing::MemoryLimits`]).

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::identity::{RateLimiter, RevocationList};

/// What a `wait` returns: done once the time has passed.
pub type Waited<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

/// Lets `Duration` pass for the implementation under test.
pub type Wait<'a> = dyn Fn(Duration) -> Waited<'a> + Sync + 'a;

/// Hits count up within a window, per key.
pub async fn counters_count_within_a_window(limiter: &dyn RateLimiter) {
    let window = Duration::from_secs(60);
    assert_eq!(limiter.peek("k").await.expect("peek"), None);
    for expected in 1..=3 {
        let counter = limiter.hit("k", window).await.expect("hit");
        assert_eq!(counter.count, expected);
        assert!(counter.resets_in <= window && counter.resets_in > Duration::from_secs(50));
    }
    assert_eq!(limiter.peek("k").await.expect("peek").map(|c| c.count), Some(3));
    assert_eq!(limiter.peek("other").await.expect("peek"), None, "keys are independent");
}

/// A hit does not move the end of the window it lands in.
pub async fn a_running_window_is_not_extended_by_hits(limiter: &dyn RateLimiter) {
    let first = limiter.hit("w", Duration::from_millis(400)).await.expect("hit");
    let second = limiter.hit("w", Duration::from_secs(60)).await.expect("hit");
    assert_eq!(second.count, 2);
    assert!(second.resets_in <= first.resets_in, "the window keeps its original end");
}

/// Once its window ends a counter is gone, and the next hit starts at one.
pub async fn counters_reset_when_the_window_ends(limiter: &dyn RateLimiter, wait: &Wait<'_>) {
    limiter.hit("short", Duration::from_millis(150)).await.expect("hit");
    limiter.hit("short", Duration::from_millis(150)).await.expect("hit");
    wait(Duration::from_millis(300)).await;
    assert_eq!(limiter.peek("short").await.expect("peek"), None);
    assert_eq!(limiter.hit("short", Duration::from_secs(5)).await.expect("hit").count, 1);
}

/// `reset` forgets a counter; resetting what is not there succeeds.
pub async fn reset_forgets_a_counter(limiter: &dyn RateLimiter) {
    limiter.hit("r", Duration::from_secs(60)).await.expect("hit");
    limiter.reset("r").await.expect("reset");
    assert_eq!(limiter.peek("r").await.expect("peek"), None);
    limiter.reset("never-set").await.expect("resetting a missing key is fine");
}

/// Hits at the same time are each counted once.
pub async fn concurrent_hits_are_all_counted(limiter: &dyn RateLimiter) {
    let hits = (0..50).map(|_| limiter.hit("c", Duration::from_secs(60)));
    let counts: Vec<u64> = futures::future::join_all(hits).await.into_iter().map(|c| c.expect("hit").count).collect();
    let mut sorted = counts.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=50).collect::<Vec<_>>(), "every hit sees a distinct count");
}

/// A revocation holds for its time-to-live, and only for it.
pub async fn revocations_hold_until_their_ttl(revocations: &dyn RevocationList, wait: &Wait<'_>) {
    assert!(!revocations.is_revoked("jti:a").await.expect("read"));
    revocations.revoke("jti:a", Duration::from_millis(200)).await.expect("revoke");
    revocations.revoke("jti:b", Duration::from_secs(60)).await.expect("revoke");
    assert!(revocations.is_revoked("jti:a").await.expect("read"));
    wait(Duration::from_millis(350)).await;
    assert!(!revocations.is_revoked("jti:a").await.expect("read"), "expired revocation is forgotten");
    assert!(revocations.is_revoked("jti:b").await.expect("read"));
}

/// Every rule above, in turn.
pub async fn every_rule(limiter: &dyn RateLimiter, revocations: &dyn RevocationList, wait: &Wait<'_>) {
    counters_count_within_a_window(limiter).await;
    a_running_window_is_not_extended_by_hits(limiter).await;
    counters_reset_when_the_window_ends(limiter, wait).await;
    reset_forgets_a_counter(limiter).await;
    concurrent_hits_are_all_counted(limiter).await;
    revocations_hold_until_their_ttl(revocations, wait).await;
}
