//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, ResponseError as _, web};
use cabinet_bootstrap::App;
use secrecy::ExposeSecret as _;

use crate::problem::ApiError;
use crate::problem::ProblemCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A probe's answer.
#[derive(Debug, Serialize, ToSchema)]
pub struct HealthDto {
    /// `ok` or `unavailable`.
    pub status: &'static str,
    /// Each dependency and its state.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckDto>,
}

/// One dependency's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct CheckDto {
    /// The component.
    pub component: &'static str,
    /// `ok` or `unavailable`.
    pub status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/health/live", tag = "health", responses((status = 200, body = HealthDto)))]
pub async fn live() -> HttpResponse {
    HttpResponse::Ok().json(HealthDto { status: "ok", checks: Vec::new() })
}

/// Every dependency answers.
#[utoipa::path(get, path = "/health/ready", tag = "health",
    responses((status = 200, body = HealthDto), (status = 503, body = HealthDto)))]
pub async fn ready(app: web::Data<App>) -> HttpResponse {
    let probes = app.health.iter().map(|probe| async move {
        let ok = matches!(tokio::time::timeout(Duration::from_secs(2), probe.check()).await, Ok(Ok(())));
        if !ok {
            tracing::warn!(component = probe.component(), "readiness check failed");
        }
        CheckDto { component: probe.component(), status: if ok { "ok" } else { "unavailable" } }
    });
    let checks = futures::future::join_all(probes).await;
    let ready = checks.iter().all(|c| c.status == "ok");
    let body = HealthDto { status: if ready { "ok" } else { "unavailable" }, checks };
    if ready { HttpResponse::Ok().json(body) } else { HttpResponse::ServiceUnavailable().json(body) }
}

/// The process's metrics in the Prometheus text format (job outcomes and
/// durations, audit verification results). Served to loopback clients that
/// came through no proxy, or to anyone presenting `metrics.token` as a bearer
/// token; everyone else gets 403.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses(
        (status = 200, description = "Prometheus text exposition format", content_type = "text/plain"),
        (status = 403, description = "Neither loopback nor the metrics token", body = crate::problem::Problem,
            content_type = "application/problem+json"),
    ))]
pub async fn metrics(req: HttpRequest, app: web::Data<App>) -> HttpResponse {
    if !may_read_metrics(&req, &app) {
        return ApiError::new(
            ProblemCode::Forbidden,
            "metrics are served to loopback clients or with the metrics token",
        )
        .error_response();
    }
    render_metrics().await
}

/// The metrics, for a listener of their own (which decides who reaches it).
pub async fn render_metrics() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(cabinet_telemetry::metrics().render())
}

fn may_read_metrics(req: &HttpRequest, app: &App) -> bool {
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    if let (Some(token), Some(presented)) = (&app.settings.metrics.token, presented) {
        use sha2::Digest as _;
        // Comparing digests takes the same time wherever the strings differ.
        return sha2::Sha256::digest(token.expose_secret().as_bytes()) == sha2::Sha256::digest(presented.as_bytes());
    }
    // A proxy on this host makes every client look local: a forwarded request is not.
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"].iter().any(|h| req.headers().contains_key(*h));
    !forwarded && req.peer_addr().is_some_and(|peer| peer.ip().is_loopback())
}
