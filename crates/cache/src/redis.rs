//! The Redis cache, shared by every API replica.

use std::time::Duration;

use async_trait::async_trait;
use cabinet_domain::health::HealthCheck;
use cabinet_domain::identity::{Counter, RateLimiter, RevocationList};
use cabinet_domain::{DomainError, DomainResult};
use deadpool_redis::redis::{self, AsyncCommands};
use deadpool_redis::{Config, Connection, Pool, Runtime};

/// Counters and revocations in Redis under a key prefix.
#[derive(Clone)]
pub struct RedisCache {
    pool: Pool,
    prefix: String,
    timeout: Duration,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL may hold a password: never print it.
        f.debug_struct("RedisCache").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

fn unavailable(err: impl std::fmt::Display) -> DomainError {
    DomainError::Unavailable(format!("cache: {err}"))
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX).max(1)
}

impl RedisCache {
    /// A pool of up to `pool_size` connections to `url`; keys are namespaced
    /// under `prefix` so several instances (or test runs) can share one
    /// Redis. Every call, waiting for a connection included, gives up after
    /// `timeout` with `Unavailable`, so a frozen Redis never holds a request.
    ///
    /// # Errors
    /// `Unavailable` when the URL is invalid. Connections are opened lazily.
    pub fn new(url: &str, prefix: &str, timeout: Duration, pool_size: usize) -> DomainResult<Self> {
        let mut config = Config::from_url(url);
        let mut pool_config = deadpool_redis::PoolConfig::new(pool_size.max(1));
        pool_config.timeouts.wait = Some(timeout);
        pool_config.timeouts.create = Some(timeout);
        pool_config.timeouts.recycle = Some(timeout);
        config.pool = Some(pool_config);
        let pool = config.create_pool(Some(Runtime::Tokio1)).map_err(unavailable)?;
        Ok(Self { pool, prefix: prefix.to_owned(), timeout })
    }

    async fn conn(&self) -> DomainResult<Connection> {
        self.pool.get().await.map_err(unavailable)
    }

    /// Runs one cache call within the timeout.
    async fn bounded<T>(&self, call: impl std::future::Future<Output = DomainResult<T>>) -> DomainResult<T> {
        tokio::time::timeout(self.timeout, call).await.unwrap_or_else(|_| Err(unavailable("timed out")))
    }

    fn key(&self, kind: &str, key: &str) -> String {
        format!("{}:{kind}:{key}", self.prefix)
    }
}

#[async_trait]
impl RateLimiter for RedisCache {
    async fn hit(&self, key: &str, window: Duration) -> DomainResult<Counter> {
        self.bounded(async {
            let key = self.key("rl", key);
            let mut conn = self.conn().await?;
            // One atomic round trip: count, start the window if this is its first
            // hit (NX leaves a running window alone), and read what remains.
            let (count, ttl): (u64, i64) = redis::pipe()
                .atomic()
                .incr(&key, 1)
                .cmd("PEXPIRE")
                .arg(&key)
                .arg(millis(window))
                .arg("NX")
                .ignore()
                .pttl(&key)
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            let resets_in = u64::try_from(ttl).map_or(window, Duration::from_millis);
            Ok(Counter { count, resets_in })
        })
        .await
    }

    async fn peek(&self, key: &str) -> DomainResult<Option<Counter>> {
        self.bounded(async {
            let key = self.key("rl", key);
            let mut conn = self.conn().await?;
            let (count, ttl): (Option<u64>, i64) =
                redis::pipe().get(&key).pttl(&key).query_async(&mut conn).await.map_err(unavailable)?;
            Ok(match (count, u64::try_from(ttl)) {
                (Some(count), Ok(ms)) => Some(Counter { count, resets_in: Duration::from_millis(ms) }),
                _ => None,
            })
        })
        .await
    }

    async fn reset(&self, key: &str) -> DomainResult<()> {
        self.bounded(async {
            let mut conn = self.conn().await?;
            let _: () = conn.del(self.key("rl", key)).await.map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}

#[async_trait]
impl RevocationList for RedisCache {
    async fn revoke(&self, id: &str, ttl: Duration) -> DomainResult<()> {
        self.bounded(async {
            let mut conn = self.conn().await?;
            let _: () = redis::cmd("SET")
                .arg(self.key("revoked", id))
                .arg(1)
                .arg("PX")
                .arg(millis(ttl))
                .query_async(&mut conn)
                .await
                .map_err(unavailable)?;
            Ok(())
        })
        .await
    }

    async fn is_revoked(&self, id: &str) -> DomainResult<bool> {
        self.bounded(async {
            let mut conn = self.conn().await?;
            conn.exists(self.key("revoked", id)).await.map_err(unavailable)
        })
        .await
    }
}

#[async_trait]
impl HealthCheck for RedisCache {
    fn component(&self) -> &'static str {
        "cache"
    }

    async fn check(&self) -> DomainResult<()> {
        self.bounded(async {
            let mut conn = self.conn().await?;
            let _: String = redis::cmd("PING").query_async(&mut conn).await.map_err(unavailable)?;
            Ok(())
        })
        .await
    }
}
