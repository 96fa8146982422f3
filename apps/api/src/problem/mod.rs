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

mod code;
pub mod pages;

pub use code::ProblemCode;

/// A problem document (RFC 9457).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Problem {
    /// The problem type: a page on this server explaining the code.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong this time.
    pub detail: String,
    /// A stable, machine-readable code.
    pub code: ProblemCode,
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
    code: ProblemCode,
    detail: String,
    errors: Vec<ProblemField>,
    retry_after: Option<u64>,
    /// The cause, logged for 5xx and never sent.
    cause: Option<String>,
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.0.code.status().as_u16(), self.0.code.as_str(), self.0.detail)
    }
}

impl ApiError {
    /// A problem with the given code (which decides status and title) and detail.
    #[must_use]
    pub fn new(code: ProblemCode, detail: impl Into<String>) -> Self {
        Self(Box::new(Parts { code, detail: detail.into(), errors: Vec::new(), retry_after: None, cause: None }))
    }

    /// 400 for a `cursor` that is not one the list handed out, whatever the list.
    #[must_use]
    pub fn invalid_cursor() -> Self {
        Self::new(ProblemCode::InvalidCursor, "the cursor is not valid")
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
        self.0.code.status()
    }

    /// The stable code.
    #[must_use]
    pub fn code(&self) -> ProblemCode {
        self.0.code
    }
}

fn not_found(entity: Entity) -> ProblemCode {
    match entity {
        Entity::User => ProblemCode::UserNotFound,
        Entity::Workspace => ProblemCode::WorkspaceNotFound,
        Entity::Member => ProblemCode::MemberNotFound,
        Entity::Session => ProblemCode::SessionNotFound,
        Entity::ApiKey => ProblemCode::ApiKeyNotFound,
        Entity::Blob => ProblemCode::ContentNotFound,
        Entity::Folder => ProblemCode::FolderNotFound,
        Entity::Document => ProblemCode::DocumentNotFound,
        Entity::Version => ProblemCode::VersionNotFound,
        Entity::ShareLink => ProblemCode::ShareLinkNotFound,
        Entity::Job => ProblemCode::JobNotFound,
        Entity::Webhook => ProblemCode::WebhookNotFound,
        Entity::Delivery => ProblemCode::DeliveryNotFound,
        Entity::Thumbnail => ProblemCode::ThumbnailNotFound,
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        use ProblemCode as P;
        let detail = err.to_string();
        match err {
            DomainError::NotFound(entity) => Self::new(not_found(entity), detail),
            DomainError::Forbidden(why) => Self::new(P::Forbidden, why),
            DomainError::Unauthenticated(failure) => {
                let (code, what) = match failure {
                    AuthFailure::MissingCredentials => (P::Unauthenticated, "credentials are required"),
                    AuthFailure::InvalidCredentials => (P::InvalidCredentials, "invalid email or password"),
                    AuthFailure::InvalidToken => (P::InvalidToken, "the access token or API key is not valid"),
                    AuthFailure::InvalidRefreshToken => (P::InvalidGrant, "the refresh token is not valid"),
                };
                Self::new(code, what)
            }
            DomainError::Conflict(conflict) => {
                let code = match conflict {
                    Conflict::EmailTaken => P::EmailTaken,
                    Conflict::AlreadyMember => P::AlreadyMember,
                    Conflict::LastOwner => P::LastOwner,
                    Conflict::NameTaken => P::NameTaken,
                    Conflict::FolderCycle => P::FolderCycle,
                    Conflict::TooDeep => P::TooDeep,
                    Conflict::JobNotDead => P::JobNotDead,
                };
                Self::new(code, detail)
            }
            DomainError::Invalid(fields) => {
                let mut e = Self::new(P::ValidationFailed, detail);
                e.0.errors = fields
                    .into_iter()
                    .map(|f| ProblemField { field: f.field.to_owned(), message: f.message })
                    .collect();
                e
            }
            DomainError::RateLimited { retry_after } => {
                Self::new(P::RateLimited, detail).with_retry_after(retry_after.as_secs().max(1))
            }
            DomainError::TooLarge { .. } => Self::new(P::PayloadTooLarge, detail),
            DomainError::UploadAborted(_) => Self::new(P::UploadAborted, detail),
            DomainError::PreconditionFailed => Self::new(P::PreconditionFailed, detail),
            DomainError::QuotaExceeded { .. } => Self::new(P::QuotaExceeded, detail),
            DomainError::RangeNotSatisfiable { .. } => Self::new(P::RangeNotSatisfiable, detail),
            DomainError::LinkGone(gone) => {
                let (code, what) = match gone {
                    LinkGone::Revoked => (P::ShareLinkRevoked, "this link was revoked"),
                    LinkGone::Expired => (P::ShareLinkExpired, "this link has expired"),
                    LinkGone::Exhausted => (P::ShareLinkExhausted, "this link's downloads are used up"),
                };
                Self::new(code, what)
            }
            DomainError::SharePasswordRequired => Self::new(P::SharePasswordRequired, detail),
            DomainError::SharePasswordWrong => Self::new(P::SharePasswordInvalid, detail),
            DomainError::RegistrationClosed => Self::new(P::RegistrationClosed, detail),
            DomainError::Unavailable(cause) => {
                let mut e =
                    Self::new(P::ServiceUnavailable, "a dependency is unavailable; retry shortly").with_retry_after(2);
                e.0.cause = Some(cause);
                e
            }
            DomainError::StorageFull(cause) => {
                let mut e = Self::new(
                    P::InsufficientStorage,
                    "the server has no room left to store this; an operator must free space",
                );
                e.0.cause = Some(cause);
                e
            }
            DomainError::Internal(cause) => {
                let mut e = Self::new(
                    P::InternalError,
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
        self.0.code.status()
    }

    fn error_response(&self) -> HttpResponse {
        let this = &self.0;
        let status = this.code.status();
        if status.is_server_error() {
            tracing::error!(code = this.code.as_str(), cause = this.cause.as_deref().unwrap_or(""), "request failed");
        }
        let body = Problem {
            kind: this.code.type_uri(),
            title: this.code.title().to_owned(),
            status: status.as_u16(),
            detail: this.detail.clone(),
            code: this.code,
            request_id: request_id::current(),
            errors: this.errors.clone(),
        };
        let mut response = HttpResponse::build(status);
        response.content_type("application/problem+json");
        if let Some(seconds) = this.retry_after {
            response.insert_header((header::RETRY_AFTER, seconds.to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            let challenge = match this.code {
                ProblemCode::InvalidToken => r#"Bearer realm="cabinet", error="invalid_token""#,
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
        J::ContentType => ApiError::new(ProblemCode::UnsupportedMediaType, "send the body as application/json"),
        J::Overflow { .. } | J::OverflowKnownLength { .. } => {
            ApiError::new(ProblemCode::PayloadTooLarge, "the request body is larger than allowed")
        }
        J::Deserialize(e) if e.is_data() => {
            ApiError::new(ProblemCode::InvalidBody, format!("the body does not have the expected shape: {e}"))
        }
        J::Deserialize(e) => ApiError::new(ProblemCode::MalformedJson, format!("the body is not valid JSON: {e}")),
        other => ApiError::new(ProblemCode::MalformedBody, other.to_string()),
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
            assert_eq!((problem.status(), problem.0.code.as_str()), (status, code));
            assert!(!problem.0.detail.contains("disk") && !problem.0.detail.contains("bug"), "no cause leaks");
        }
    }
}
