//! One contract for every cache adapter: the in-process cache and Redis
//! (`CABINET_TEST_REDIS_URL`, default the Redis on 127.0.0.1:6379), each run
//! under a key prefix of its own.

use std::time::Duration;

use cabinet_cache::{MemoryCache, RedisCache};
use cabinet_domain::health::HealthCheck;
use cabinet_domain::identity::{RateLimiter, RevocationList};

trait Cache: RateLimiter + RevocationList + HealthCheck {}
impl<T: RateLimiter + RevocationList + HealthCheck> Cache for T {}

fn redis() -> RedisCache {
    let url = std::env::var("CABINET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("cabinet-test-{}", uuid::Uuid::new_v4());
    RedisCache::new(&url, &prefix, Duration::from_secs(2), 16).expect("redis pool")
}

async fn counters_count_within_a_window(cache: &dyn Cache) {
    let window = Duration::from_secs(60);
    assert_eq!(cache.peek("k").await.expect("peek"), None);
    for expected in 1..=3 {
        let counter = cache.hit("k", window).await.expect("hit");
        assert_eq!(counter.count, expected);
        assert!(counter.resets_in <= window && counter.resets_in > Duration::from_secs(50));
    }
    assert_eq!(cache.peek("k").await.expect("peek").map(|c| c.count), Some(3));
    assert_eq!(cache.peek("other").await.expect("peek"), None, "keys are independent");
}

async fn a_running_window_is_not_extended_by_hits(cache: &dyn Cache) {
    let first = cache.hit("w", Duration::from_millis(400)).await.expect("hit");
    let second = cache.hit("w", Duration::from_secs(60)).await.expect("hit");
    assert_eq!(second.count, 2);
    assert!(second.resets_in <= first.resets_in, "the window keeps its original end");
}

async fn counters_reset_when_the_window_ends(cache: &dyn Cache) {
    cache.hit("short", Duration::from_millis(150)).await.expect("hit");
    cache.hit("short", Duration::from_millis(150)).await.expect("hit");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(cache.peek("short").await.expect("peek"), None);
    assert_eq!(cache.hit("short", Duration::from_secs(5)).await.expect("hit").count, 1);
}

async fn reset_forgets_a_counter(cache: &dyn Cache) {
    cache.hit("r", Duration::from_secs(60)).await.expect("hit");
    cache.reset("r").await.expect("reset");
    assert_eq!(cache.peek("r").await.expect("peek"), None);
    cache.reset("never-set").await.expect("resetting a missing key is fine");
}

async fn revocations_hold_until_their_ttl(cache: &dyn Cache) {
    assert!(!cache.is_revoked("jti:a").await.expect("read"));
    cache.revoke("jti:a", Duration::from_millis(200)).await.expect("revoke");
    cache.revoke("jti:b", Duration::from_secs(60)).await.expect("revoke");
    assert!(cache.is_revoked("jti:a").await.expect("read"));
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert!(!cache.is_revoked("jti:a").await.expect("read"), "expired revocation is forgotten");
    assert!(cache.is_revoked("jti:b").await.expect("read"));
}

async fn concurrent_hits_are_all_counted(cache: &dyn Cache) {
    let hits = (0..50).map(|_| cache.hit("c", Duration::from_secs(60)));
    let counts: Vec<u64> = futures::future::join_all(hits).await.into_iter().map(|c| c.expect("hit").count).collect();
    let mut sorted = counts.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (1..=50).collect::<Vec<_>>(), "every hit sees a distinct count");
}

async fn health_check_answers(cache: &dyn Cache) {
    assert_eq!(cache.component(), "cache");
    cache.check().await.expect("healthy");
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod memory {
            use super::*;
            $(#[tokio::test] async fn $name() { super::$name(&MemoryCache::new()).await; })*
        }
        mod redis {
            use super::*;
            $(#[tokio::test] async fn $name() { super::$name(&redis()).await; })*
        }
    };
}

contract!(
    counters_count_within_a_window,
    a_running_window_is_not_extended_by_hits,
    counters_reset_when_the_window_ends,
    reset_forgets_a_counter,
    revocations_hold_until_their_ttl,
    concurrent_hits_are_all_counted,
    health_check_answers,
);

#[tokio::test]
async fn an_unreachable_redis_is_unavailable_not_a_panic() {
    let cache = RedisCache::new("redis://127.0.0.1:1", "x", Duration::from_millis(300), 4).expect("pool");
    let err = cache.hit("k", Duration::from_secs(1)).await.expect_err("no redis there");
    assert!(matches!(err, cabinet_domain::DomainError::Unavailable(_)), "{err:?}");
    assert!(cache.check().await.is_err());
}

// ------------------------------------------------------------- job wake-ups

mod job_signal {
    use std::time::{Duration, Instant};

    use cabinet_cache::{LocalJobSignal, RedisJobSignal};
    use cabinet_domain::jobs::JobSignal;

    fn redis_url() -> String {
        std::env::var("CABINET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
    }

    /// `waiter` wakes within milliseconds of `notifier`'s signal, and sleeps
    /// out its timeout without one.
    async fn wakes_waiters(notifier: &dyn JobSignal, waiter: std::sync::Arc<dyn JobSignal>) {
        assert!(!waiter.wait(Duration::from_millis(50)).await, "no signal, no wake-up");
        let waiting = tokio::spawn({
            let waiter = waiter.clone();
            async move {
                let started = Instant::now();
                (waiter.wait(Duration::from_secs(5)).await, started.elapsed())
            }
        });
        tokio::time::sleep(Duration::from_millis(100)).await;
        notifier.notify().await;
        let (woken, after) = waiting.await.expect("waiter");
        assert!(woken, "the waiter was woken");
        assert!(after < Duration::from_secs(1), "within milliseconds of the signal, not at the timeout: {after:?}");
    }

    #[tokio::test]
    async fn a_local_signal_wakes_waiters_in_the_process() {
        let signal = LocalJobSignal::new();
        wakes_waiters(&signal, std::sync::Arc::new(signal.clone())).await;
    }

    #[tokio::test]
    async fn a_redis_signal_wakes_waiters_in_another_process() {
        // Two signals with their own connections stand for two processes.
        let prefix = format!("cabinet-test-{}", uuid::Uuid::now_v7());
        let api = RedisJobSignal::start(&redis_url(), &prefix).expect("signal");
        let worker = RedisJobSignal::start(&redis_url(), &prefix).expect("signal");
        tokio::time::sleep(Duration::from_millis(200)).await; // let the worker subscribe
        wakes_waiters(&api, std::sync::Arc::new(worker)).await;
        let elsewhere = RedisJobSignal::start(&redis_url(), &format!("{prefix}-other")).expect("signal");
        tokio::time::sleep(Duration::from_millis(200)).await;
        api.notify().await;
        assert!(!elsewhere.wait(Duration::from_millis(300)).await, "other prefixes are other instances");
    }
}
