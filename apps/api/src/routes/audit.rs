//! The audit trail: verification of a workspace's hash chain.

use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::WorkspaceId;
use cabinet_domain::model::{ChainBreak, ChainReport};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

/// Where a chain breaks.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainBreakDto {
    /// The first position that does not verify.
    pub sequence: u64,
    /// `altered`, `missing` or `relinked`.
    pub reason: &'static str,
    /// What that means.
    pub message: &'static str,
}

/// The outcome of verifying a workspace's audit chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct ChainReportDto {
    /// The workspace.
    pub workspace_id: Option<Uuid>,
    /// Whether every event verified.
    pub intact: bool,
    /// The last position up to which the chain is intact.
    pub intact_up_to: u64,
    /// The first break, if any.
    pub broken_at: Option<ChainBreakDto>,
}

impl From<ChainReport> for ChainReportDto {
    fn from(report: ChainReport) -> Self {
        Self {
            workspace_id: report.workspace.map(|w| w.as_uuid()),
            intact: report.is_intact(),
            intact_up_to: report.intact_up_to,
            broken_at: report.broken_at.map(|(sequence, why)| ChainBreakDto {
                sequence,
                reason: match why {
                    ChainBreak::Altered => "altered",
                    ChainBreak::Missing => "missing",
                    ChainBreak::Relinked => "relinked",
                },
                message: why.describe(),
            }),
        }
    }
}

/// Verify the workspace's audit trail (admins and owners): every event's
/// hash is recomputed from its content and the hash before it.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/audit/verify", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id")),
    responses(
        (status = 200, description = "The chain's state (intact, or where it breaks)", body = ChainReportDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
    ))]
pub async fn verify(app: web::Data<App>, caller: Authenticated, ws: web::Path<Uuid>) -> Result<HttpResponse, ApiError> {
    let report = app.audit.verify(&caller.0, WorkspaceId::from_uuid(ws.into_inner())).await?;
    Ok(HttpResponse::Ok().json(ChainReportDto::from(report)))
}
