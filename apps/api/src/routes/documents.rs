//! Documents: upload, versions, metadata and streamed downloads.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, web};
use bytes::Bytes;
use cabinet_bootstrap::App;
use cabinet_domain::documents::ByteStream;
use cabinet_domain::documents::{Document, DocumentVersion, RangeSpec, Sha256};
use cabinet_domain::documents::{DocumentChanges, Download, Upload};
use cabinet_domain::{DocumentId, DomainError, FolderId, WorkspaceId};
use chrono::{DateTime, Utc};
use futures::StreamExt as _;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::idempotency::idempotent;
use crate::problem::ProblemCode;
use crate::problem::{ApiError, Problem};

/// Media types shown in the browser instead of downloaded: formats that
/// cannot run script in Cabinet's origin.
const INLINE_TYPES: [&str; 6] = ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"];
/// Chunks of an upload in flight between the connection and the store.
const UPLOAD_QUEUE: usize = 4;

/// `?name=&filename=&note=` of an upload.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// The document's name; for new versions it is ignored.
    pub name: Option<String>,
    /// The uploaded file's name; defaults to `name`.
    pub filename: Option<String>,
    /// A note on this version.
    pub note: Option<String>,
}

/// A `multipart/form-data` upload: the text fields first, the file last.
#[derive(Debug, ToSchema)]
#[allow(dead_code, reason = "describes the form for the OpenAPI document; the handler streams it")]
pub struct UploadForm {
    /// The document's name (new documents; defaults to the file's name).
    pub name: Option<String>,
    /// The file name to record (defaults to the file part's own).
    pub filename: Option<String>,
    /// A note on this version.
    pub note: Option<String>,
    /// The file.
    #[schema(format = Binary, value_type = String)]
    pub file: Vec<u8>,
}

/// One version of a document.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionDto {
    /// 1, 2, 3…
    pub number: u32,
    /// Bytes.
    pub size: u64,
    /// The media type Cabinet decided from the content.
    pub content_type: String,
    /// The uploaded file's name.
    pub filename: String,
    /// SHA-256 of the content, also its ETag.
    pub sha256: String,
    /// The uploader, when a person.
    pub author: Option<Uuid>,
    /// The uploader's note.
    pub note: Option<String>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

impl From<DocumentVersion> for VersionDto {
    fn from(v: DocumentVersion) -> Self {
        Self {
            number: v.number,
            size: v.size,
            content_type: v.content_type,
            filename: v.filename.as_str().to_owned(),
            sha256: v.sha256.as_str().to_owned(),
            author: v.author.map(|a| a.as_uuid()),
            note: v.note,
            created_at: v.created_at,
        }
    }
}

/// A document with its current version.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentDto {
    /// Always `document`.
    pub kind: &'static str,
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The folder it is in.
    pub folder_id: Uuid,
    /// Its newest version.
    pub current_version: VersionDto,
    /// Free-text description.
    pub description: String,
    /// Labels.
    pub tags: Vec<String>,
    /// Custom string fields.
    pub metadata: std::collections::BTreeMap<String, String>,
    /// Bumped by every change; the ETag is `"r<revision>"`.
    pub revision: u64,
    /// The creator, when a person.
    pub created_by: Option<Uuid>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

fn document_dto(d: Document, current: DocumentVersion) -> DocumentDto {
    DocumentDto {
        kind: "document",
        id: d.id.as_uuid(),
        name: d.name.as_str().to_owned(),
        folder_id: d.folder_id.as_uuid(),
        current_version: current.into(),
        description: d.description,
        tags: d.tags,
        metadata: d.metadata,
        revision: d.revision,
        created_by: d.created_by.map(|u| u.as_uuid()),
        created_at: d.created_at,
        updated_at: d.updated_at,
    }
}

/// A list of versions.
#[derive(Debug, Serialize, ToSchema)]
pub struct VersionListDto {
    /// Newest first.
    pub items: Vec<VersionDto>,
    /// Always null: every version fits one page.
    pub next_cursor: Option<String>,
}

/// What identifies an upload for its idempotency key besides its URI: the
/// declared length (the body itself is not read twice).
fn declared_length(req: &HttpRequest) -> String {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("chunked").to_owned()
}

/// Refuses a declared length above the limit before reading a byte (a
/// form's own fields and boundaries get a little room on top).
fn check_declared_length(req: &HttpRequest, app: &App) -> Result<(), ApiError> {
    let declared =
        req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let limit = app.settings.storage.max_upload_bytes;
    let slack = if multipart_boundary(req).is_some() { FORM_OVERHEAD } else { 0 };
    match declared {
        Some(length) if length > limit.saturating_add(slack) => Err(DomainError::TooLarge { limit }.into()),
        _ => Ok(()),
    }
}

/// Room for a form's text fields, headers and boundaries around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;
/// The longest text field a form may carry.
const FORM_FIELD_LIMIT: u64 = 8 * 1024;

/// The boundary of a `multipart/form-data` body, if the request is one.
fn multipart_boundary(req: &HttpRequest) -> Option<String> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?;
    content_type
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("multipart/form-data")
        .then(|| multer::parse_boundary(content_type).ok())
        .flatten()
}

/// What an upload carries besides its bytes.
#[derive(Debug, Default)]
struct UploadFields {
    name: Option<String>,
    filename: Option<String>,
    note: Option<String>,
    /// The media type the client declared for the file.
    declared_type: Option<String>,
}

fn form_error(e: &multer::Error) -> ApiError {
    ApiError::new(ProblemCode::InvalidForm, format!("the multipart form is malformed: {e}"))
}

/// The upload's fields and byte stream. A raw body is the file itself, with
/// the fields in the query; a `multipart/form-data` body carries `name`,
/// `filename` and `note` as text fields that must precede its `file` field,
/// which is streamed like a raw body (nothing after it is read).
async fn upload_source(
    req: &HttpRequest,
    payload: web::Payload,
    query: UploadQuery,
) -> Result<(UploadFields, ByteStream), ApiError> {
    let declared = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut fields = UploadFields { name: query.name, filename: query.filename, note: query.note, declared_type: None };
    let Some(boundary) = multipart_boundary(req) else {
        fields.declared_type = declared;
        return Ok((fields, body_stream(payload)));
    };
    let limits = multer::SizeLimit::new()
        .for_field("name", FORM_FIELD_LIMIT)
        .for_field("filename", FORM_FIELD_LIMIT)
        .for_field("note", FORM_FIELD_LIMIT);
    let constraints =
        multer::Constraints::new().allowed_fields(vec!["name", "filename", "note", "file"]).size_limit(limits);
    let mut form = multer::Multipart::with_constraints(body_stream(payload), boundary, constraints);
    loop {
        let field = form.next_field().await.map_err(|e| form_error(&e))?;
        let Some(field) = field else {
            return Err(DomainError::invalid("file", "the form has no file field").into());
        };
        match field.name().unwrap_or_default() {
            "file" => {
                if fields.filename.is_none() {
                    fields.filename = field.file_name().map(str::to_owned);
                }
                fields.declared_type = field.content_type().map(ToString::to_string);
                // The form stays alive inside the stream, which is what feeds the field.
                let body = futures::stream::unfold((form, field), |(form, mut field)| async move {
                    let item = field.next().await?;
                    Some((item.map_err(|e| std::io::Error::other(e.to_string())), (form, field)))
                })
                .boxed();
                return Ok((fields, body));
            }
            text_field => {
                let key = text_field.to_owned();
                let value = field.text().await.map_err(|e| form_error(&e))?;
                match key.as_str() {
                    "name" => fields.name = Some(value),
                    "filename" => fields.filename = Some(value),
                    _ => fields.note = Some(value),
                }
            }
        }
    }
}

/// Moves the request body (which lives on this worker thread) into a
/// `Send` stream through a small bounded queue, so the store reads it at its
/// own pace and memory stays constant. A dropped connection becomes an error
/// item, which aborts the upload.
fn body_stream(mut payload: web::Payload) -> ByteStream {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(UPLOAD_QUEUE);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let item = chunk.map_err(|e| std::io::Error::new(std::io::ErrorKind::ConnectionAborted, e.to_string()));
            let failed = item.is_err();
            if tx.send(item).await.is_err() || failed {
                break;
            }
        }
    });
    futures::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|item| (item, rx)) }).boxed()
}

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
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_declared_length(&req, &app)?;
    let (ws, folder) = path.into_inner();
    let ws = WorkspaceId::from_uuid(ws);
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
        let (document, version) =
            app.documents.upload(&caller.0, ws, FolderId::from_uuid(folder), &name, upload).await?;
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
    path: web::Path<(Uuid, Uuid)>,
    query: web::Query<UploadQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    check_declared_length(&req, &app)?;
    let (ws, id) = path.into_inner();
    let (ws, id) = (WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id));
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

/// A document with its current version.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The document", body = DocumentDto),
        (status = 304, description = "Unchanged since the ETag sent in If-None-Match"),
        (status = 404, description = "No such workspace or document", body = Problem),
    ))]
pub async fn get(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let (document, current) =
        app.documents.get(&caller.0, WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id)).await?;
    let etag = revision_etag(document.revision);
    if revision_matches(req.headers(), &etag) {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    }
    Ok(HttpResponse::Ok().insert_header((header::ETAG, etag)).json(document_dto(document, current)))
}

fn revision_etag(revision: u64) -> String {
    format!("\"r{revision}\"")
}

/// Whether `If-None-Match` names `etag` (weakly compared, as RFC 9110 asks
/// for `GET`) or is `*`.
fn revision_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// `PATCH /documents/{id}`: only the fields present change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateDocumentRequest {
    /// A new name.
    pub name: Option<String>,
    /// Move to this folder.
    pub folder_id: Option<Uuid>,
    /// A new description.
    pub description: Option<String>,
    /// New tags (replacing the old).
    pub tags: Option<Vec<String>>,
    /// New metadata (replacing the old).
    pub metadata: Option<std::collections::BTreeMap<String, String>>,
}

/// The revision an `If-Match` header names, if any. A tag that is not one
/// of ours can never match, so it fails the precondition.
fn parse_if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let tag = value.to_str().unwrap_or_default().trim();
    tag.strip_prefix("\"r")
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| DomainError::PreconditionFailed.into())
}

/// Rename, move, describe, tag or annotate a document (editors and above).
/// Send `If-Match` with the ETag from `GET` to refuse lost updates.
#[utoipa::path(patch, path = "/api/v1/workspaces/{ws}/documents/{id}", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    request_body = UpdateDocumentRequest,
    responses(
        (status = 200, description = "Updated", body = DocumentDto),
        (status = 403, description = "Role too low", body = Problem),
        (status = 404, description = "No such workspace, document or folder", body = Problem),
        (status = 409, description = "Name taken", body = Problem),
        (status = 412, description = "The document changed since it was read", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
pub async fn update(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<UpdateDocumentRequest>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let (ws, id) = (WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id));
    let if_match = parse_if_match(req.headers())?;
    let body = body.into_inner();
    let changes = DocumentChanges {
        name: body.name,
        folder_id: body.folder_id.map(FolderId::from_uuid),
        description: body.description,
        tags: body.tags,
        metadata: body.metadata,
    };
    app.documents.update(&caller.0, ws, id, changes, if_match).await?;
    let (document, current) = app.documents.get(&caller.0, ws, id).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::ETAG, revision_etag(document.revision)))
        .json(document_dto(document, current)))
}

/// Every version of a document, newest first.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/versions", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "Versions", body = VersionListDto),
        (status = 404, description = "No such workspace or document", body = Problem),
    ))]
pub async fn versions(
    app: web::Data<App>,
    caller: Authenticated,
    path: web::Path<(Uuid, Uuid)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id) = path.into_inner();
    let versions = app.documents.versions(&caller.0, WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id)).await?;
    Ok(HttpResponse::Ok()
        .json(VersionListDto { items: versions.into_iter().map(Into::into).collect(), next_cursor: None }))
}

/// The current version's bytes.
#[utoipa::path(get, path = "/api/v1/workspaces/{ws}/documents/{id}/content", tag = "documents", security(("bearer" = [])),
    params(("ws" = Uuid, Path, description = "Workspace id"), ("id" = Uuid, Path, description = "Document id")),
    responses(
        (status = 200, description = "The content", content_type = "application/octet-stream"),
        (status = 206, description = "A range of it"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace or document", body = Problem),
        (status = 416, description = "Range not satisfiable", body = Problem),
    ))]
pub async fn content(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid)>,
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
        (status = 200, description = "The content", content_type = "application/octet-stream"),
        (status = 206, description = "A range of it"),
        (status = 304, description = "Unchanged (If-None-Match)"),
        (status = 404, description = "No such workspace, document or version", body = Problem),
        (status = 416, description = "Range not satisfiable", body = Problem),
    ))]
pub async fn version_content(
    app: web::Data<App>,
    caller: Authenticated,
    req: HttpRequest,
    path: web::Path<(Uuid, Uuid, u32)>,
) -> Result<HttpResponse, ApiError> {
    let (ws, id, n) = path.into_inner();
    download(&app, &caller, &req, ws, id, Some(n)).await
}

/// A single `bytes=` range; anything else (several ranges, other units,
/// nonsense) is ignored and the whole content is sent, as RFC 9110 allows.
pub(crate) fn parse_range(headers: &HeaderMap) -> Option<RangeSpec> {
    let spec = headers.get(header::RANGE)?.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    match (first.trim(), last.trim()) {
        ("", n) => n.parse().ok().map(RangeSpec::Suffix),
        (f, "") => f.parse().ok().map(|first| RangeSpec::From { first, last: None }),
        (f, l) => Some(RangeSpec::From { first: f.parse().ok()?, last: Some(l.parse().ok()?) }),
    }
}

/// The digests named in `If-None-Match` (strong or weak tags).
pub(crate) fn parse_if_none_match(headers: &HeaderMap) -> Vec<Sha256> {
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|tag| Sha256::parse(tag.trim().trim_start_matches("W/").trim_matches('"')).ok())
        .collect()
}

/// `attachment` (or `inline` for safe previews) with an ASCII fallback and
/// the exact name in RFC 5987 encoding; nothing from the name can break the header.
fn content_disposition(filename: &str, inline: bool) -> String {
    let fallback: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || " .-_()[]".contains(c) { c } else { '_' }).collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

async fn download(
    app: &App,
    caller: &Authenticated,
    req: &HttpRequest,
    ws: Uuid,
    id: Uuid,
    number: Option<u32>,
) -> Result<HttpResponse, ApiError> {
    let range = parse_range(req.headers());
    let tags = parse_if_none_match(req.headers());
    let result = app
        .documents
        .download(&caller.0, WorkspaceId::from_uuid(ws), DocumentId::from_uuid(id), number, range, &tags)
        .await;
    file_response(result)
}

/// The response to a download: the bytes (200 or 206), 304 when the
/// client's copy is current, or the problem, with `Content-Range` on a 416.
pub(crate) fn file_response(result: Result<Download, DomainError>) -> Result<HttpResponse, ApiError> {
    let download = match result {
        Err(DomainError::RangeNotSatisfiable { size }) => {
            let mut response = ApiError::from(DomainError::RangeNotSatisfiable { size }).to_response();
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).map_err(DomainError::internal)?,
            );
            return Ok(response);
        }
        other => other?,
    };
    let version = download.version;
    let etag = format!("\"{}\"", version.sha256);
    let Some(content) = download.content else {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    };
    let inline = INLINE_TYPES.contains(&version.content_type.as_str());
    let mut response = match content.range {
        Some(r) => {
            let mut b = HttpResponse::build(StatusCode::PARTIAL_CONTENT);
            b.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{}", r.start(), r.end(), content.size)));
            b.no_chunking(r.len());
            b
        }
        None => {
            let mut b = HttpResponse::Ok();
            b.no_chunking(content.size);
            b
        }
    };
    Ok(response
        .insert_header((header::CONTENT_TYPE, version.content_type.clone()))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(version.filename.as_str(), inline)))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'; style-src 'unsafe-inline'"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .streaming(content.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_never_carries_raw_quotes_or_line_breaks() {
        let header = content_disposition("a\"\r\nSet-Cookie: x=1.pdf", false);
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert_eq!(header.matches('"').count(), 2, "{header}");
        assert!(header.starts_with("attachment; filename=\"a___Set-Cookie_ x_1.pdf\""), "{header}");
        assert!(header.ends_with("filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x%3D1.pdf"), "{header}");
        assert!(content_disposition("Résumé.pdf", true).contains("filename*=UTF-8''R%C3%A9sum%C3%A9.pdf"));
    }

    #[test]
    fn only_single_byte_ranges_are_understood() {
        let mut headers = HeaderMap::new();
        let mut range = |v: &'static str| {
            headers.insert(header::RANGE, HeaderValue::from_static(v));
            parse_range(&headers)
        };
        assert_eq!(range("bytes=0-99"), Some(RangeSpec::From { first: 0, last: Some(99) }));
        assert_eq!(range("bytes=100-"), Some(RangeSpec::From { first: 100, last: None }));
        assert_eq!(range("bytes=-5"), Some(RangeSpec::Suffix(5)));
        assert_eq!(range("bytes=0-1,5-6"), None);
        assert_eq!(range("items=0-1"), None);
        assert_eq!(range("bytes=x-y"), None);
    }
}
