//! The one HTTP error contract: every failure becomes an RFC 9457 problem
//! document with a stable `code`, mapped from the domain error in one table.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use cabinet_domain::sharing::LinkGone;
use cabinet_domain::{AuthFailure, Conflict, DomainError, Entity};
use serde::Serialize;
use utoipa::ToSchema;

use crate::request_id;

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// A stable, machine-readable code.
    pub code: String,
    /// The request id, which finds the server's log lines for this request.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors, for validation problems.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ProblemField>,
}

/// One invalid field.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ProblemField {
    /// The field name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// An error on its way to becoming a problem response. Boxed, so that
/// `Result<T, ApiError>` stays small on the happy path.
#[derive(Debug)]
pub struct ApiError(Box<Parts>);

#[derive(Debug)]
struct Parts {
    status: StatusCode,
    code: &'static str,
    title: &'static str,
    detail: String,
    errors: Vec<ProblemField>,
    retry_after: Option<u64>,
    /// The cause, logged for 5xx and never sent.
    cause: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.status.as_u16(), self.0.code, self.0.detail)
    }
}

impl ApiError {
    /// A problem with the given status, code, title and detail.
    #[must_use]
    pub fn new(status: StatusCode, code: &'static str, title: &'static str, detail: impl Into<String>) -> Self {
        Self(Box::new(Parts {
            status,
            code,
            title,
            detail: detail.into(),
            errors: Vec::new(),
            retry_after: None,
            cause: None,
        }))
    }

    /// 400 for a request that cannot be parsed.
    #[must_use]
    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "Bad request", detail)
    }

    /// Asks the client to retry after `seconds`.
    #[must_use]
    pub fn with_retry_after(mut self, seconds: u64) -> Self {
        self.0.retry_after = Some(seconds);
        self
    }

    /// The status this error answers with.
    #[must_use]
    pub fn status(&self) -> StatusCode {
        self.0.status
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        self.0.code
    }
}

fn not_found(entity: Entity) -> (&'static str, &'static str) {
    match entity {
        Entity::User => ("user_not_found", "User not found"),
        Entity::Workspace => ("workspace_not_found", "Workspace not found"),
        Entity::Member => ("member_not_found", "Member not found"),
        Entity::Session => ("session_not_found", "Session not found"),
        Entity::ApiKey => ("api_key_not_found", "API key not found"),
        Entity::Blob => ("content_not_found", "Content not found"),
        Entity::Folder => ("folder_not_found", "Folder not found"),
        Entity::Document => ("document_not_found", "Document not found"),
        Entity::Version => ("version_not_found", "Version not found"),
        Entity::ShareLink => ("share_link_not_found", "Share link not found"),
        Entity::Job => ("job_not_found", "Job not found"),
        Entity::Webhook => ("webhook_not_found", "Webhook not found"),
        Entity::Delivery => ("delivery_not_found", "Delivery not found"),
        Entity::Thumbnail => ("thumbnail_not_found", "No thumbnail (yet) for this version"),
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        use StatusCode as S;
        let detail = err.to_string();
        match err {
            DomainError::NotFound(entity) => {
                let (code, title) = not_found(entity);
                Self::new(S::NOT_FOUND, code, title, detail)
            }
            DomainError::Forbidden(why) => Self::new(S::FORBIDDEN, "forbidden", "Forbidden", why),
            DomainError::Unauthenticated(failure) => {
                let (code, what) = match failure {
                    AuthFailure::MissingCredentials => ("unauthenticated", "credentials are required"),
                    AuthFailure::InvalidCredentials => ("invalid_credentials", "invalid email or password"),
                    AuthFailure::InvalidToken => ("invalid_token", "the access token or API key is not valid"),
                    AuthFailure::InvalidRefreshToken => ("invalid_grant", "the refresh token is not valid"),
                };
                Self::new(S::UNAUTHORIZED, code, "Unauthorized", what)
            }
            DomainError::Conflict(conflict) => {
                let code = match conflict {
                    Conflict::EmailTaken => "email_taken",
                    Conflict::AlreadyMember => "already_member",
                    Conflict::LastOwner => "last_owner",
                    Conflict::NameTaken => "name_taken",
                    Conflict::FolderCycle => "folder_cycle",
                    Conflict::TooDeep => "too_deep",
                    Conflict::JobNotDead => "job_not_dead",
                };
                Self::new(S::CONFLICT, code, "Conflict", detail)
            }
            DomainError::Invalid(fields) => {
                let mut e = Self::new(S::UNPROCESSABLE_ENTITY, "validation_failed", "Invalid input", detail);
                e.0.errors = fields
                    .into_iter()
                    .map(|f| ProblemField { field: f.field.to_owned(), message: f.message })
                    .collect();
                e
            }
            DomainError::RateLimited { retry_after } => {
                let mut e = Self::new(S::TOO_MANY_REQUESTS, "rate_limited", "Too many requests", detail);
                e.0.retry_after = Some(retry_after.as_secs().max(1));
                e
            }
            DomainError::TooLarge { .. } => {
                Self::new(S::PAYLOAD_TOO_LARGE, "payload_too_large", "Payload too large", detail)
            }
            DomainError::UploadAborted(_) => Self::bad_request("upload_aborted", detail),
            DomainError::PreconditionFailed => {
                Self::new(S::PRECONDITION_FAILED, "precondition_failed", "Precondition failed", detail)
            }
            DomainError::QuotaExceeded { .. } => {
                Self::new(S::PAYLOAD_TOO_LARGE, "quota_exceeded", "Workspace quota exceeded", detail)
            }
            DomainError::RangeNotSatisfiable { .. } => {
                Self::new(S::RANGE_NOT_SATISFIABLE, "range_not_satisfiable", "Range not satisfiable", detail)
            }
            DomainError::LinkGone(gone) => {
                let (code, what) = match gone {
                    LinkGone::Revoked => ("share_link_revoked", "this link was revoked"),
                    LinkGone::Expired => ("share_link_expired", "this link has expired"),
                    LinkGone::Exhausted => ("share_link_exhausted", "this link's downloads are used up"),
                };
                Self::new(S::GONE, code, "Share link no longer available", what)
            }
            DomainError::SharePasswordRequired => {
                Self::new(S::UNAUTHORIZED, "share_password_required", "Password required", detail)
            }
            DomainError::SharePasswordWrong => {
                Self::new(S::UNAUTHORIZED, "share_password_invalid", "Wrong password", detail)
            }
            DomainError::RegistrationClosed => {
                Self::new(S::FORBIDDEN, "registration_closed", "Registration closed", detail)
            }
            DomainError::Unavailable(cause) => {
                let mut e = Self::new(
                    S::SERVICE_UNAVAILABLE,
                    "service_unavailable",
                    "Service unavailable",
                    "a dependency is unavailable; retry shortly",
                );
                e.0.retry_after = Some(2);
                e.0.cause = Some(cause);
                e
            }
            DomainError::StorageFull(cause) => {
                let mut e = Self::new(
                    S::INSUFFICIENT_STORAGE,
                    "insufficient_storage",
                    "Insufficient storage",
                    "the server has no room left to store this; an operator must free space",
                );
                e.0.cause = Some(cause);
                e
            }
            DomainError::Internal(cause) => {
                let mut e = Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    "internal_error",
                    "Internal error",
                    "something went wrong on our side; quote the request id when reporting it",
                );
                e.0.cause = Some(cause);
                e
            }
        }
    }
}

impl ApiError {
    /// The problem response, for handlers that add headers to it.
    #[must_use]
    pub fn to_response(&self) -> HttpResponse {
        ResponseError::error_response(self)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.0.status
    }

    fn error_response(&self) -> HttpResponse {
        let this = &self.0;
        if this.status.is_server_error() {
            tracing::error!(code = this.code, cause = this.cause.as_deref().unwrap_or(""), "request failed");
        }
        let body = Problem {
            kind: format!("https://cabinet.dev/problems/{}", this.code.replace('_', "-")),
            title: this.title.to_owned(),
            status: this.status.as_u16(),
            detail: this.detail.clone(),
            code: this.code.to_owned(),
            request_id: request_id::current(),
            errors: this.errors.clone(),
        };
        let mut response = HttpResponse::build(this.status);
        response.content_type("application/problem+json");
        if let Some(seconds) = this.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if this.status == StatusCode::UNAUTHORIZED {
            let challenge = match this.code {
                "invalid_token" => r#"Bearer realm="cabinet", error="invalid_token""#,
                _ => r#"Bearer realm="cabinet""#,
            };
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static(challenge)));
        }
        response.json(body)
    }
}

/// Maps JSON body failures: wrong content type 415, too large 413,
/// unparsable 400, well-formed but wrong shape 422.
pub fn json_error(err: actix_web::error::JsonPayloadError) -> ApiError {
    use actix_web::error::JsonPayloadError as J;
    match err {
        J::ContentType => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Unsupported media type",
            "send the body as application/json",
        ),
        J::Overflow { .. } | J::OverflowKnownLength { .. } => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Payload too large",
            "the request body is larger than allowed",
        ),
        J::Deserialize(e) if e.is_data() => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_body",
            "Invalid body",
            format!("the body does not have the expected shape: {e}"),
        ),
        J::Deserialize(e) => ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}")),
        other => ApiError::bad_request("malformed_body", other.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cause_is_named_by_its_own_status() {
        let cases = [
            (DomainError::StorageFull("disk".into()), StatusCode::INSUFFICIENT_STORAGE, "insufficient_storage"),
            (DomainError::Unavailable("db".into()), StatusCode::SERVICE_UNAVAILABLE, "service_unavailable"),
            (DomainError::Internal("bug".into()), StatusCode::INTERNAL_SERVER_ERROR, "internal_error"),
        ];
        for (err, status, code) in cases {
            let problem = ApiError::from(err);
            assert_eq!((problem.0.status, problem.0.code), (status, code));
            assert!(!problem.0.detail.contains("disk") && !problem.0.detail.contains("bug"), "no cause leaks");
        }
    }
}
