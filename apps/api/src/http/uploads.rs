//! Upload bodies: a raw body with `?name=`, or a multipart form, streamed
//! through with their declared length checked first.

use actix_web::http::header;
use actix_web::{HttpRequest, web};
use bytes::Bytes;
use cabinet_bootstrap::App;
use cabinet_domain::DomainError;
use cabinet_domain::documents::ByteStream;
use futures::StreamExt as _;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::problem::{ApiError, ProblemCode};

/// Chunks of an upload in flight between the connection and the store.
pub(crate) const UPLOAD_QUEUE: usize = 4;

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

/// What identifies an upload for its idempotency key besides its URI: the
/// declared length (the body itself is not read twice).
pub(crate) fn declared_length(req: &HttpRequest) -> String {
    req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).unwrap_or("chunked").to_owned()
}

/// Refuses a declared length above the limit before reading a byte (a
/// form's own fields and boundaries get a little room on top).
pub(crate) fn check_declared_length(req: &HttpRequest, app: &App) -> Result<(), ApiError> {
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
pub(crate) const FORM_OVERHEAD: u64 = 64 * 1024;

/// The longest text field a form may carry.
pub(crate) const FORM_FIELD_LIMIT: u64 = 8 * 1024;

/// The boundary of a `multipart/form-data` body, if the request is one.
pub(crate) fn multipart_boundary(req: &HttpRequest) -> Option<String> {
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
pub(crate) struct UploadFields {
    pub(crate) name: Option<String>,
    pub(crate) filename: Option<String>,
    pub(crate) note: Option<String>,
    /// The media type the client declared for the file.
    pub(crate) declared_type: Option<String>,
}

pub(crate) fn form_error(e: &multer::Error) -> ApiError {
    ApiError::new(ProblemCode::InvalidForm, format!("the multipart form is malformed: {e}"))
}

/// The upload's fields and byte stream. A raw body is the file itself, with
/// the fields in the query; a `multipart/form-data` body carries `name`,
/// `filename` and `note` as text fields that must precede its `file` field,
/// which is streamed like a raw body (nothing after it is read).
pub(crate) async fn upload_source(
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
pub(crate) fn body_stream(mut payload: web::Payload) -> ByteStream {
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
