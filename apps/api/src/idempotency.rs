//! `Idempotency-Key` on creating requests: a retry with the same key and
//! request returns the first response instead of creating a second thing.
//!
//! Keys are per caller, up to 255 visible ASCII characters. The first
//! request claims the key; concurrent retries get 409 until it finishes; a
//! different request under a used key gets 422. Only completed outcomes are
//! replayed: refused requests (4xx) and failures (5xx, such as a store that
//! was down) do not keep their key, so a retry runs again. A running request
//! renews its claim several times per `http.idempotency_abandoned_secs`; one
//! whose process died stops, and once that long has passed a retry with the
//! same key takes the claim over.

use std::future::Future;

use actix_web::body::{BoxBody, to_bytes};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse};
use cabinet_bootstrap::App;
use cabinet_domain::idempotency::{Claim, StoredResponse};
use cabinet_domain::{Actor, DomainError, Principal};
use sha2::{Digest as _, Sha256};

use crate::problem::ApiError;
use crate::problem::ProblemCode;

/// The request header.
pub const HEADER: &str = "idempotency-key";
/// Marks a replayed response.
pub const REPLAYED: &str = "idempotent-replayed";

/// Aborts the claim's heartbeat however the request ends, dropped included.
struct Heartbeat(actix_web::rt::task::JoinHandle<()>);

impl Drop for Heartbeat {
    fn drop(&mut self) {
        self.0.abort();
    }
}

fn scope_of(actor: &Actor) -> Option<String> {
    match &actor.principal {
        Principal::User { user_id, .. } => Some(format!("user:{user_id}")),
        Principal::ApiKey { key_id, .. } => Some(format!("api_key:{key_id}")),
        Principal::Anonymous | Principal::System => None,
    }
}

fn replay(stored: StoredResponse) -> HttpResponse {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = HttpResponse::build(status);
    if let Some(content_type) = stored.content_type {
        response.insert_header((header::CONTENT_TYPE, content_type));
    }
    if let Some(location) = stored.location {
        response.insert_header((header::LOCATION, location));
    }
    response.insert_header((REPLAYED, "true")).body(stored.body)
}

fn header_text(response: &HttpResponse, name: header::HeaderName) -> Option<String> {
    response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Runs `handler` under the request's idempotency key, if it has one.
/// `content` is what identifies the request beyond its method and URI (the
/// JSON body, or for uploads the declared length).
///
/// # Errors
/// 400 for a malformed key, 409 while the first request runs, 422 when the
/// key was used for another request, and whatever `handler` returns.
pub async fn idempotent<F, Fut>(
    app: &App,
    req: &HttpRequest,
    actor: &Actor,
    content: &[u8],
    handler: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<HttpResponse, ApiError>>,
{
    let Some(raw) = req.headers().get(HEADER) else {
        return handler().await;
    };
    let key = raw
        .to_str()
        .ok()
        .filter(|k| (1..=255).contains(&k.len()) && k.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            ApiError::new(ProblemCode::InvalidIdempotencyKey, "must be 1 to 255 visible ASCII characters")
        })?;
    let Some(scope) = scope_of(actor) else {
        return handler().await;
    };
    let mut hasher = Sha256::new();
    hasher.update(req.method().as_str().as_bytes());
    hasher.update(b" ");
    hasher.update(req.uri().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(content);
    let fingerprint = hex::encode(hasher.finalize());

    let abandoned_after = app.settings.http.idempotency_abandoned_secs.max(1);
    let now = chrono::Utc::now();
    let stale_before = now - chrono::TimeDelta::seconds(i64::try_from(abandoned_after).unwrap_or(i64::MAX));
    match app.idempotency.claim(&scope, key, &fingerprint, now, stale_before).await? {
        Claim::Completed(stored) => Ok(replay(stored)),
        Claim::InProgress => Err(ApiError::new(
            ProblemCode::IdempotencyInProgress,
            "a request with this idempotency key is still running; retry shortly",
        )
        .with_retry_after(1)),
        Claim::Mismatch => Err(ApiError::new(
            ProblemCode::IdempotencyKeyReused,
            "this idempotency key was used for a different request",
        )),
        Claim::Claimed => {
            let _heartbeat = {
                let (store, scope, key) = (app.idempotency.clone(), scope.clone(), key.to_owned());
                // Several beats per period, so one slow write does not hand a live request's key away.
                let every = std::time::Duration::from_millis(abandoned_after.saturating_mul(1000) / 5);
                Heartbeat(actix_web::rt::spawn(async move {
                    let mut beats = tokio::time::interval(every);
                    beats.tick().await;
                    loop {
                        beats.tick().await;
                        if let Err(err) = store.renew(&scope, &key, chrono::Utc::now()).await {
                            tracing::warn!(error = %err, "could not renew an idempotency claim");
                        }
                    }
                }))
            };
            let outcome = handler().await;
            let response = match outcome {
                Ok(response) => response,
                Err(err) => err.to_response(),
            };
            if response.status().is_client_error() || response.status().is_server_error() {
                app.idempotency.release(&scope, key).await?;
                return Ok(response);
            }
            let content_type = header_text(&response, header::CONTENT_TYPE);
            let location = header_text(&response, header::LOCATION);
            let (head, body) = response.into_parts();
            let body = to_bytes(body).await.map_err(|e| ApiError::from(DomainError::internal(e)))?;
            let stored = StoredResponse { status: head.status().as_u16(), content_type, location, body: body.to_vec() };
            app.idempotency.complete(&scope, key, &stored).await?;
            let mut head = head.set_body(BoxBody::new(body));
            head.headers_mut().insert(header::HeaderName::from_static(REPLAYED), HeaderValue::from_static("false"));
            Ok(head)
        }
    }
}
