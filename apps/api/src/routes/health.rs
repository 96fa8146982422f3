//! Liveness and readiness probes.

use std::time::Duration;

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
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
/// durations, audit verification results). Keep it off the public internet:
/// scrape it from inside, or block it at the proxy.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text exposition format", content_type = "text/plain")))]
pub async fn metrics() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; version=0.0.4").body(cabinet_telemetry::metrics().render())
}
