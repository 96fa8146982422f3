//! The job queue and the maintenance schedule, for instance administrators.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::JobId;
use cabinet_domain::jobs::{Job, JobState};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

/// A background job.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobDto {
    /// Id.
    pub id: Uuid,
    /// Kind, e.g. `webhook.deliver`.
    pub kind: String,
    /// `queued`, `running`, `done` or `dead`.
    pub state: &'static str,
    /// Attempts started.
    pub attempts: u32,
    /// Attempts allowed.
    pub max_attempts: u32,
    /// Not before this time.
    pub run_at: DateTime<Utc>,
    /// The last failure.
    pub last_error: Option<String>,
    /// When it was enqueued.
    pub created_at: DateTime<Utc>,
}

fn job_dto(job: Job) -> JobDto {
    JobDto {
        id: job.id.as_uuid(),
        kind: job.kind,
        state: job.state.as_str(),
        attempts: job.attempts,
        max_attempts: job.max_attempts,
        run_at: job.run_at,
        last_error: job.last_error,
        created_at: job.created_at,
    }
}

/// Jobs in one state.
#[derive(Debug, Serialize, ToSchema)]
pub struct JobListDto {
    /// Oldest first.
    pub items: Vec<JobDto>,
}

/// `?state=&limit=`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobQuery {
    /// `queued`, `running`, `done` or `dead` (default).
    pub state: Option<String>,
    /// At most this many (1–500, default 100); other values are refused.
    #[param(minimum = 1, maximum = 500)]
    pub limit: Option<u32>,
}

/// Jobs by state (instance administrators).
#[utoipa::path(get, path = "/api/v1/admin/jobs", tag = "admin", security(("bearer" = [])),
    params(JobQuery),
    responses(
        (status = 200, description = "The jobs", body = JobListDto),
        (status = 403, description = "Not an instance administrator", body = Problem),
        (status = 422, description = "Unknown state", body = Problem),
    ))]
pub async fn list(
    app: web::Data<App>,
    caller: Authenticated,
    query: web::Query<JobQuery>,
) -> Result<HttpResponse, ApiError> {
    let state = match query.state.as_deref() {
        None => JobState::Dead,
        Some(s) => JobState::parse(s).ok_or_else(|| {
            ApiError::from(cabinet_domain::DomainError::invalid("state", "must be queued, running, done or dead"))
        })?,
    };
    let limit = query.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(cabinet_domain::DomainError::invalid("limit", "must be from 1 to 500").into());
    }
    let jobs = app.jobs.list(&caller.0, state, limit).await?;
    Ok(HttpResponse::Ok().json(JobListDto { items: jobs.into_iter().map(job_dto).collect() }))
}

/// Queue a dead job again with fresh attempts (instance administrators).
#[utoipa::path(post, path = "/api/v1/admin/jobs/{id}/retry", tag = "admin", security(("bearer" = [])),
    params(("id" = Uuid, Path, description = "Job id")),
    responses(
        (status = 200, description = "Queued again", body = JobDto),
        (status = 403, description = "Not an instance administrator", body = Problem),
        (status = 404, description = "No such job", body = Problem),
        (status = 409, description = "The job is not dead (`job_not_dead`)", body = Problem),
    ))]
pub async fn retry(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<JobId>,
) -> Result<HttpResponse, ApiError> {
    let job = app.jobs.retry_dead(&caller.0, path.into_inner()).await?;
    Ok(HttpResponse::Ok().json(job_dto(job)))
}

/// One recurring task.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduledTaskDto {
    /// Its setting's name, e.g. `purge_trash`.
    pub name: &'static str,
    /// The job kind each tick enqueues.
    pub kind: String,
    /// The cron expression (with seconds, UTC).
    pub cron: String,
    /// The next tick.
    pub next_run: Option<DateTime<Utc>>,
}

/// The maintenance schedule.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleDto {
    /// Every task that is on.
    pub items: Vec<ScheduledTaskDto>,
}

/// The maintenance schedule and each task's next tick (instance administrators).
#[utoipa::path(get, path = "/api/v1/admin/schedule", tag = "admin", security(("bearer" = [])),
    responses(
        (status = 200, description = "The schedule", body = ScheduleDto),
        (status = 403, description = "Not an instance administrator", body = Problem),
    ))]
pub async fn schedule(app: web::Data<App>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    app.jobs.authorize_operator(&caller.0)?;
    let now = Utc::now();
    let items = app
        .schedule
        .iter()
        .map(|t| ScheduledTaskDto {
            name: t.name,
            kind: t.kind.clone(),
            cron: t.expression.clone(),
            next_run: t.next_after(now),
        })
        .collect();
    Ok(HttpResponse::Ok().json(ScheduleDto { items }))
}
