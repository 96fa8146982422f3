//! The domain's rate-limiter and revocation contracts
//! (`cabinet_domain::testing::contracts::limits`) for every cache adapter:
//! the in-process cache and Redis (`CABINET_TEST_REDIS_URL`, default the
//! Redis on 127.0.0.1:6379), each run under a key prefix of its own.

use std::time::Duration;

use cabinet_cache::{MemoryCache, RedisCache};
use cabinet_domain::health::HealthCheck;
use cabinet_domain::identity::{RateLimiter, RevocationList};
use cabinet_domain::testing::contracts::limits::{self, Waited};

trait Cache: RateLimiter + RevocationList + HealthCheck {}
impl<T: RateLimiter + RevocationList + HealthCheck> Cache for T {}

fn redis() -> RedisCache {
    let url = std::env::var("CABINET_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
    let prefix = format!("cabinet-test-{}", uuid::Uuid::new_v4());
    RedisCache::new(&url, &prefix, Duration::from_secs(2), 16).expect("redis pool")
}

/// A real wait: these caches keep time with the system clock.
fn sleep(by: Duration) -> Waited<'static> {
    Box::pin(tokio::time::sleep(by))
}

async fn counters_count_within_a_window(cache: &dyn Cache) {
    limits::counters_count_within_a_window(cache).await;
}

async fn a_running_window_is_not_extended_by_hits(cache: &dyn Cache) {
    limits::a_running_window_is_not_extended_by_hits(cache).await;
}

async fn counters_reset_when_the_window_ends(cache: &dyn Cache) {
    limits::counters_reset_when_the_window_ends(cache, &sleep).await;
}

async fn reset_forgets_a_counter(cache: &dyn Cache) {
    limits::reset_forgets_a_counter(cache).await;
}

async fn revocations_hold_until_their_ttl(cache: &dyn Cache) {
    limits::revocations_hold_until_their_ttl(cache, &sleep).await;
}

async fn concurrent_hits_are_all_counted(cache: &dyn Cache) {
    limits::concurrent_hits_are_all_counted(cache).await;
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
