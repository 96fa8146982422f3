//! Documents: uploads of new documents and versions, and downloads of their content.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::documents::Upload;
use cabinet_domain::{DocumentId, DomainError, FolderId, WorkspaceId};

use super::{DocumentDto, VersionDto, document_dto};
use crate::extract::Authenticated;
use crate::http::conditional::parse_if_none_match;
use crate::http::files::{file_response, parse_range};
use crate::http::uploads::{UploadForm, UploadQuery, check_declared_length, declared_length, upload_source};
use crate::idempotency::idempotent;
use crate::problem::{ApiError, Problem};

/// Upload a file as a new document in the folder (editors and above). The
/// body is either the raw file, with `name` (or `filename`) in the query, or
/// a `multipart/form-data` form whose text fields `name`, `filename` and
/// `note` come before its `file` field.
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/folders/{id}/documents", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Folder id"), UploadQuery),
    request_body(description = "The raw file, or a form with the file last", content(
        (Vec<u8> = "application/octet-stream"),
        (UploadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "Created with its first version", body = DocumentDto),
        (status = 400, description = "Upload aborted", body = Problem),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or folder", body = Problem),
        (status = 409, description = "Name taken", body = Problem),
        (status = 413, description = "Larger than allowed", body = Problem),
        (status = 422, description = "Invalid name", body = Problem),
    ))]
pub async fn upload(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, FolderId)>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_declared_length(&req, &app)?;
    let (ws, folder) = path.into_inner();
    idempotent(&app, &req, &caller.0, declared_length(&req).as_bytes(), || async {
        let (fields, body) = upload_source(&req, payload, query.into_inner()).await?;
        let name = fields
            .name
            .or_else(|| fields.filename.clone())
            .ok_or_else(|| ApiError::from(DomainError::invalid("name", "is required")))?;
        let upload = Upload {
            filename: fields.filename.unwrap_or_else(|| name.clone()),
            declared_type: fields.declared_type,
            note: fields.note,
            body,
        };
        let (document, version) = app.documents.upload(&caller.0, ws, folder, &name, upload).await?;
        let location = format!("/api/v1/workspaces/{ws}/documents/{}", document.id);
        Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(document_dto(document, version)))
    })
    .await
}

/// Upload a new version of a document (editors and above).
#[utoipa::path(post, path = "/api/v1/workspaces/{ws}/documents/{id}/versions", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id"), UploadQuery),
    request_body(description = "The raw file, or a form with the file last", content(
        (Vec<u8> = "application/octet-stream"),
        (UploadForm = "multipart/form-data"),
    )),
    responses(
        (status = 201, description = "The new version", body = VersionDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace or document", body = Problem),
        (status = 413, description = "Larger than allowed", body = Problem),
    ))]
pub async fn add_version(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId)>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_declared_length(&req, &app)?;
    let (ws, id) = path.into_inner();
    let (ws, id) = (ws, id);
    idempotent(&app, &req, &caller.0, declared_length(&req).as_bytes(), || async {
        let (fields, body) = upload_source(&req, payload, query.into_inner()).await?;
        let filename = match fields.filename.or(fields.name) {
            Some(f) => f,
            None => app.documents.get(&caller.0, ws, id).await?.1.filename.as_str().to_owned(),
        };
        let version = app
            .documents
            .add_version(
                &caller.0,
                ws,
                id,
                Upload { filename, declared_type: fields.declared_type, note: fields.note, body },
            )
            .await?;
        let location = format!("/api/v1/workspaces/{ws}/documents/{id}/versions/{}", version.number);
        Ok(HttpResponse::Created().insert_header((header::LOCATION, location)).json(VersionDto::from(version)))
    })
    .await
}

/// The current version's bytes.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/content", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The content, as the type it was stored with", content_type = "*/*"),
        (status = 206, description = "A range of it"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace or document", body = Problem),
        (status = 416, description = "Range not satisfiable", body = Problem),
    ))]
pub async fn content(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    download(&app, &caller, &req, ws, id, None).await
}

/// One version's bytes.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/versions/{n}/content", tag = "documents", security(("bearer" = [])),
    params(
        ("ws" = Uuid, Path, description = "Workspace id"),
        ("id" = Uuid, Path, description = "Document id"),
        ("n" = u32, Path, description = "Version number"),
    ),
    responses(
        (status = 200, description = "The content, as the type it was stored with", content_type = "*/*"),
        (status = 206, description = "A range of it"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace, document or version", body = Problem),
        (status = 416, description = "Range not satisfiable", body = Problem),
    ))]
pub async fn version_content(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(WorkspaceId, DocumentId, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    download(&app, &caller, &req, ws, id, Some(n)).await
}

async fn download(
    app: &App,
    caller: &Authenticated,
    req: &HttpRequest,
    ws: WorkspaceId,
    id: DocumentId,
    number: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let range = parse_range(req.headers());
    let tags = parse_if_none_match(req.headers());
    let result = app.documents.download(&caller.0, ws, id, number, range, &tags).await;
    file_response(result)
}
