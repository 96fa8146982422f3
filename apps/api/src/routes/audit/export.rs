//! Exports of a workspace's audit trail, as NDJSON or as CSV whose cells a
//! spreadsheet never reads as formulas.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use bytes::Bytes;
use cabinet_bootstrap::App;
use cabinet_domain::audit::AuditEvent;
use cabinet_domain::{DomainError, WorkspaceId};
use futures::StreamExt as _;

use super::{AuditEventDto, AuditQuery, event_query};
use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};

const CSV_HEADER: [&str; 15] = [
    "seq",
    "chain_seq",
    "id",
    "occurred_at",
    "type",
    "aggregate_type",
    "aggregate_id",
    "actor_kind",
    "actor_id",
    "ip",
    "user_agent",
    "request_id",
    "payload",
    "hash",
    "workspace_id",
];

/// A cell a spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab or
/// carriage return first) gets a leading apostrophe, so user-controlled text
/// (a User-Agent, a name in a payload) stays text (OWASP CSV injection).
fn neutralised(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{cell}").into() } else { cell.into() }
}

fn csv_line(fields: &[String]) -> Result<Bytes, std::io::Error> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(fields.iter().map(|f| neutralised(f).into_owned())).map_err(std::io::Error::other)?;
    writer.into_inner().map(Bytes::from).map_err(|e| std::io::Error::other(e.to_string()))
}

fn csv_record(e: AuditEvent) -> Vec<String> {
    let opt = |v: Option<String>| v.unwrap_or_default();
    vec![
        e.seq.to_string(),
        e.chain_seq.to_string(),
        e.id.to_string(),
        e.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
        e.event_type,
        e.aggregate_type,
        e.aggregate_id.to_string(),
        e.actor_kind,
        opt(e.actor_id.map(|a| a.to_string())),
        opt(e.ip),
        opt(e.user_agent),
        opt(e.request_id),
        e.payload,
        e.hash,
        opt(e.workspace_id.map(|w| w.to_string())),
    ]
}

/// Export the workspace's audit trail as NDJSON or CSV (admins and owners),
/// streamed: any number of events in constant memory. Filters as for the
/// list; the order defaults to oldest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/audit/export", tag = "audit", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), AuditQuery),
    responses(
        (status = 200, description = "The events, one per line", content_type = "application/x-ndjson"),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, or not a member", body = Problem),
        (status = 422, description = "Invalid filter or format", body = Problem),
    ))]
pub async fn export(
    app: web::Data<App>,
    caller: Authenticated,
    ws: web::Path<WorkspaceId>,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let ws = ws.into_inner();
    let csv = match query.format.as_deref() {
        None | Some("ndjson") => false,
        Some("csv") => true,
        Some(_) => return Err(DomainError::invalid("format", "must be ndjson or csv").into()),
    };
    // The export is every matching event; `limit` pages the list beside it,
    // and is held to the same range here so that one query string serves both.
    crate::dto::page_limit(query.limit)?;
    let mut filters = event_query(&query)?;
    filters.oldest_first = query.order.as_deref() != Some("newest");
    let events = app.audit.export(&caller.0, ws, filters).await?;
    let lines = events.map(move |event| {
        let event = event.map_err(|e| std::io::Error::other(e.to_string()))?;
        if csv {
            csv_line(&csv_record(event))
        } else {
            let mut line = serde_json::to_vec(&AuditEventDto::from(event)).map_err(std::io::Error::other)?;
            line.push(b'\n');
            Ok(Bytes::from(line))
        }
    });
    let (content_type, extension) =
        if csv { ("text/csv; charset=utf-8", "csv") } else { ("application/x-ndjson", "ndjson") };
    let body = if csv {
        let header = csv_line(&CSV_HEADER.map(str::to_owned));
        futures::stream::once(async move { header }).chain(lines).boxed()
    } else {
        lines.boxed()
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"audit-{ws}.{extension}\"")))
        .streaming(body))
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_spreadsheets_read_as_formulas_are_neutralised() {
        for cell in ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(neutralised(cell), format!("'{cell}"), "{cell:?}");
        }
        for cell in ["curl/8.0", "{\"a\":1}", "12", ""] {
            assert_eq!(neutralised(cell), cell);
        }
        let line = csv_line(&["=1+1".to_owned(), "ok".to_owned()]).expect("line");
        assert_eq!(&line[..], b"'=1+1,ok\n");
    }
}
