//! Request bodies that arrive too slowly are cut off: a client may pause at
//! most `http.body_idle_timeout_secs` between two pieces and must then keep
//! up `http.body_min_rate` bytes a second on average. Without this a few
//! clients trickling a byte every few seconds hold connections (and upload
//! slots) for ever; actix-web only times the request head.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage as _, ResponseError as _, web};
use bytes::Bytes;
use cabinet_bootstrap::App;
use futures::Stream;
use tokio::time::{Instant, Sleep};

use crate::problem::ApiError;
use crate::problem::ProblemCode;

/// The limits one body is held to.
#[derive(Debug, Clone, Copy)]
struct Limits {
    idle: Duration,
    min_rate: u64,
}

/// A body stream that fails once its client falls below the limits. Only
/// time spent waiting for the client counts: while the server itself is
/// slow to read (a store applying backpressure), the client is not blamed.
struct Guarded<S> {
    inner: S,
    limits: Limits,
    /// Time spent waiting for the client in waits that ended.
    waited: Duration,
    /// When the current wait began, if the server is waiting.
    waiting_since: Option<Instant>,
    received: u64,
    timer: Pin<Box<Sleep>>,
    tripped: Arc<AtomicBool>,
}

impl<S> Guarded<S> {
    fn new(inner: S, limits: Limits, tripped: Arc<AtomicBool>) -> Self {
        let timer = Box::pin(tokio::time::sleep_until(Instant::now() + limits.idle));
        Self { inner, limits, waited: Duration::ZERO, waiting_since: None, received: 0, timer, tripped }
    }

    /// How long the client may have kept the server waiting in all, given
    /// what it has sent: the idle limit, or more at the minimum rate.
    fn allowance(&self) -> Duration {
        if self.limits.min_rate == 0 {
            return Duration::MAX;
        }
        Duration::from_secs_f64(self.received as f64 / self.limits.min_rate as f64).max(self.limits.idle)
    }

    /// When a wait that began at `since` becomes too long.
    fn deadline(&self, since: Instant) -> Instant {
        let left = self.allowance().saturating_sub(self.waited);
        since + self.limits.idle.min(left)
    }

    fn trip(&mut self) -> Poll<Option<Result<Bytes, PayloadError>>> {
        self.tripped.store(true, Ordering::Relaxed);
        let err = std::io::Error::new(std::io::ErrorKind::TimedOut, "the request body arrived too slowly");
        Poll::Ready(Some(Err(PayloadError::Io(err))))
    }
}

impl<S: Stream<Item = Result<Bytes, PayloadError>> + Unpin> Stream for Guarded<S> {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        if self.tripped.load(Ordering::Relaxed) {
            return Poll::Ready(None);
        }
        match Pin::new(&mut self.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(piece))) => {
                let now = Instant::now();
                if let Some(since) = self.waiting_since.take() {
                    let pause = now - since;
                    self.waited += pause;
                    if pause > self.limits.idle {
                        return self.trip();
                    }
                }
                self.received += piece.len() as u64;
                if self.waited > self.allowance() {
                    return self.trip();
                }
                Poll::Ready(Some(Ok(piece)))
            }
            Poll::Pending => {
                let since = *self.waiting_since.get_or_insert_with(Instant::now);
                let deadline = self.deadline(since);
                if self.timer.deadline() != deadline {
                    self.timer.as_mut().reset(deadline);
                }
                match self.timer.as_mut().poll(cx) {
                    Poll::Ready(()) => self.trip(),
                    Poll::Pending => Poll::Pending,
                }
            }
            other => other,
        }
    }
}

/// Middleware: guards the body of every request and, when a client was cut
/// off, answers 408 `request_body_timeout` and closes the connection.
pub async fn guard_bodies(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let limits = req.app_data::<web::Data<App>>().map(|app| Limits {
        idle: Duration::from_secs(app.settings.http.body_idle_timeout_secs.max(1)),
        min_rate: app.settings.http.body_min_rate,
    });
    // Most requests carry no body: they need no timer.
    let headers = req.headers();
    let has_body = headers.contains_key(header::TRANSFER_ENCODING)
        || headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).is_some_and(|v| v.trim() != "0");
    let (Some(limits), true) = (limits, has_body) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let tripped = Arc::new(AtomicBool::new(false));
    let guarded = Guarded::new(req.take_payload(), limits, tripped.clone());
    let boxed: Pin<Box<dyn Stream<Item = Result<Bytes, PayloadError>>>> = Box::pin(guarded);
    req.set_payload(Payload::from(boxed));
    let response = next.call(req).await?;
    if !tripped.load(Ordering::Relaxed) {
        return Ok(response.map_into_boxed_body());
    }
    let (req, _) = response.into_parts();
    let mut refused = ApiError::new(
        ProblemCode::RequestBodyTimeout,
        "the request body arrived too slowly; send it again at a steady pace",
    )
    .error_response();
    refused.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
    Ok(ServiceResponse::new(req, refused))
}

#[cfg(test)]
mod tests {
    use futures::StreamExt as _;

    use super::*;

    fn guarded(
        pieces: Vec<(u64, &'static [u8])>,
        limits: Limits,
    ) -> (impl Stream<Item = Result<Bytes, PayloadError>>, Arc<AtomicBool>) {
        let trickle = futures::stream::iter(pieces)
            .then(|(after_ms, bytes)| async move {
                tokio::time::sleep(Duration::from_millis(after_ms)).await;
                Ok::<_, PayloadError>(Bytes::from_static(bytes))
            })
            .boxed_local();
        let tripped = Arc::new(AtomicBool::new(false));
        let stream = Guarded::new(trickle, limits, tripped.clone());
        (stream, tripped)
    }

    async fn outcome(pieces: Vec<(u64, &'static [u8])>, limits: Limits) -> (usize, bool) {
        let (stream, tripped) = guarded(pieces, limits);
        let items: Vec<_> = stream.collect().await;
        (items.iter().filter(|i| i.is_ok()).count(), tripped.load(Ordering::Relaxed))
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_body_passes() {
        let limits = Limits { idle: Duration::from_secs(5), min_rate: 100 };
        let pieces = (0..20).map(|_| (1000, &[0u8; 200][..])).collect();
        assert_eq!(outcome(pieces, limits).await, (20, false));
    }

    #[tokio::test(start_paused = true)]
    async fn a_pause_longer_than_the_idle_limit_cuts_the_body_off() {
        let limits = Limits { idle: Duration::from_secs(5), min_rate: 0 };
        let pieces = vec![(1000, &b"ab"[..]), (6000, &b"cd"[..])];
        assert_eq!(outcome(pieces, limits).await, (1, true));
    }

    #[tokio::test(start_paused = true)]
    async fn a_server_slow_to_read_does_not_count_against_the_client() {
        let limits = Limits { idle: Duration::from_secs(5), min_rate: 100 };
        let (mut stream, tripped) = guarded((0..5).map(|_| (0, &b"x"[..])).collect(), limits);
        for _ in 0..5 {
            assert!(stream.next().await.is_some_and(|r| r.is_ok()));
            // The server takes a minute with each piece; the client had it ready.
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        assert!(!tripped.load(Ordering::Relaxed));
    }

    #[tokio::test(start_paused = true)]
    async fn a_trickle_below_the_minimum_rate_is_cut_off_after_the_idle_limit() {
        let limits = Limits { idle: Duration::from_secs(5), min_rate: 100 };
        // A byte every 4 s never pauses too long, but averages 0.25 B/s.
        let pieces = (0..10).map(|_| (4000, &b"x"[..])).collect();
        let (passed, tripped) = outcome(pieces, limits).await;
        assert!(tripped && passed <= 2, "{passed} pieces passed");
    }
}
