//! Wake-ups for idle workers: a `tokio` notification inside one process
//! (the embedded default, where `cabinet serve` runs API and worker
//! together), or Redis pub/sub between processes.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cabinet_domain::jobs::JobSignal;
use cabinet_domain::{DomainError, DomainResult};
use deadpool_redis::redis::{self, AsyncCommands as _};
use futures::StreamExt as _;
use tokio::sync::Notify;

/// Waiters in this process only.
#[derive(Debug, Clone, Default)]
pub struct LocalJobSignal {
    notify: Arc<Notify>,
}

impl LocalJobSignal {
    /// A signal no one waits on yet.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl JobSignal for LocalJobSignal {
    async fn notify(&self) {
        self.notify.notify_waiters();
    }

    async fn wait(&self, timeout: Duration) -> bool {
        tokio::time::timeout(timeout, self.notify.notified()).await.is_ok()
    }
}

/// Publishes on a Redis channel; a background task subscribed to it wakes
/// this process's waiters, reconnecting after a lost connection.
#[derive(Clone)]
pub struct RedisJobSignal {
    client: redis::Client,
    channel: String,
    local: LocalJobSignal,
    /// Kept between publishes; dropped after an error and opened again.
    publisher: Arc<tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>>,
}

impl std::fmt::Debug for RedisJobSignal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisJobSignal").field("channel", &self.channel).finish_non_exhaustive()
    }
}

impl RedisJobSignal {
    /// Signals on `{prefix}:jobs` at `url`, and starts listening.
    ///
    /// # Errors
    /// `Unavailable` when the URL is invalid.
    pub fn start(url: &str, prefix: &str) -> DomainResult<Self> {
        let client = redis::Client::open(url).map_err(|e| DomainError::Unavailable(format!("job signal: {e}")))?;
        let signal =
            Self { client, channel: format!("{prefix}:jobs"), local: LocalJobSignal::new(), publisher: Arc::default() };
        tokio::spawn(signal.clone().listen());
        Ok(signal)
    }

    async fn listen(self) {
        loop {
            match self.subscribe().await {
                Ok(()) => tracing::warn!("job signal subscription ended; resubscribing"),
                Err(e) => tracing::warn!(error = %e, "job signal subscription failed; workers poll until it is back"),
            }
            // Whatever was published meanwhile was missed; polling covers it.
            self.local.notify().await;
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn subscribe(&self) -> redis::RedisResult<()> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(&self.channel).await?;
        let mut messages = pubsub.on_message();
        while messages.next().await.is_some() {
            self.local.notify().await;
        }
        Ok(())
    }
}

#[async_trait]
impl JobSignal for RedisJobSignal {
    async fn notify(&self) {
        let published: redis::RedisResult<()> = async {
            let mut publisher = self.publisher.lock().await;
            let mut conn = match publisher.as_ref() {
                Some(conn) => conn.clone(),
                None => publisher.insert(self.client.get_multiplexed_async_connection().await?).clone(),
            };
            drop(publisher);
            let sent = conn.publish(&self.channel, 1).await;
            if sent.is_err() {
                self.publisher.lock().await.take();
            }
            sent
        }
        .await;
        if let Err(e) = published {
            tracing::debug!(error = %e, "publishing a job signal failed; workers find the job at their next poll");
        }
        // Waiters in this process need no round trip.
        self.local.notify().await;
    }

    async fn wait(&self, timeout: Duration) -> bool {
        self.local.wait(timeout).await
    }
}
