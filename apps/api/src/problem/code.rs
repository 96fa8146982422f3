//! The one table of problem codes: each code's HTTP status, title and the
//! explanation its `type` URI serves. A code is never spelled anywhere else
//! in the server; the OpenAPI document lists them as an enum, and the web
//! app's types are generated from it.

use actix_web::http::StatusCode;

/// Declares [`ProblemCode`] from one row per code.
macro_rules! problem_codes {
    ($( $variant:ident = $code:literal, $status:ident, $title:literal, $explanation:literal; )*) => {
        /// A stable, machine-readable problem code.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[non_exhaustive]
        pub enum ProblemCode {
            $(
                #[doc = $explanation]
                $variant,
            )*
        }

        impl ProblemCode {
            /// Every code, in the table's order.
            pub const ALL: &'static [ProblemCode] = &[$(ProblemCode::$variant),*];

            /// The code as sent.
            #[must_use]
            pub const fn as_str(self) -> &'static str {
                match self { $(ProblemCode::$variant => $code,)* }
            }

            /// The HTTP status it is sent with.
            #[must_use]
            pub const fn status(self) -> StatusCode {
                match self { $(ProblemCode::$variant => StatusCode::$status,)* }
            }

            /// A short summary, the problem document's `title`.
            #[must_use]
            pub const fn title(self) -> &'static str {
                match self { $(ProblemCode::$variant => $title,)* }
            }

            /// When it is sent and what a client can do about it.
            #[must_use]
            pub const fn explanation(self) -> &'static str {
                match self { $(ProblemCode::$variant => $explanation,)* }
            }
        }
    };
}

problem_codes! {
    // 400
    MalformedJson = "malformed_json", BAD_REQUEST, "Malformed JSON",
        "The request body is not valid JSON. Fix the body and send it again.";
    MalformedBody = "malformed_body", BAD_REQUEST, "Malformed body",
        "The request body could not be read. Send it again.";
    InvalidPath = "invalid_path", BAD_REQUEST, "Invalid path",
        "A path parameter is malformed, for example an id that is not a UUID.";
    InvalidQuery = "invalid_query", BAD_REQUEST, "Invalid query",
        "The query string is malformed: a parameter has the wrong type or is out of its range.";
    InvalidForm = "invalid_form", BAD_REQUEST, "Invalid form",
        "The form or multipart body is malformed.";
    InvalidCursor = "invalid_cursor", BAD_REQUEST, "Invalid cursor",
        "The `cursor` is not one this list handed out. Start again from the first page.";
    InvalidIdempotencyKey = "invalid_idempotency_key", BAD_REQUEST, "Invalid idempotency key",
        "The `Idempotency-Key` header must be 1 to 255 visible ASCII characters.";
    UploadAborted = "upload_aborted", BAD_REQUEST, "Upload aborted",
        "The upload's body ended early or failed; nothing was stored. Send it again.";
    // 401
    Unauthenticated = "unauthenticated", UNAUTHORIZED, "Unauthorized",
        "Credentials are required: send `Authorization: Bearer` with an access token or an API key.";
    InvalidCredentials = "invalid_credentials", UNAUTHORIZED, "Unauthorized",
        "The email or password is wrong. The answer is the same for an unknown email.";
    InvalidToken = "invalid_token", UNAUTHORIZED, "Unauthorized",
        "The access token or API key is not valid: expired, revoked, or its session ended. Refresh the access token or sign in again.";
    InvalidGrant = "invalid_grant", UNAUTHORIZED, "Unauthorized",
        "The refresh token is not valid: unknown, expired, or already used (a reused token ends its whole session). Sign in again.";
    SharePasswordRequired = "share_password_required", UNAUTHORIZED, "Password required",
        "This share link has a password: send it to download.";
    SharePasswordInvalid = "share_password_invalid", UNAUTHORIZED, "Wrong password",
        "The share link's password is wrong.";
    // 403
    Forbidden = "forbidden", FORBIDDEN, "Forbidden",
        "The caller is authenticated but their role does not allow this.";
    RegistrationClosed = "registration_closed", FORBIDDEN, "Registration closed",
        "This instance does not accept sign-ups; ask an administrator for an account.";
    OriginNotAllowed = "origin_not_allowed", FORBIDDEN, "Origin not allowed",
        "A cookie-authenticated request came from an origin other than Cabinet's own.";
    // 404
    RouteNotFound = "route_not_found", NOT_FOUND, "Not found",
        "No route answers this method and path.";
    UserNotFound = "user_not_found", NOT_FOUND, "User not found",
        "No such user, or none the caller may see.";
    WorkspaceNotFound = "workspace_not_found", NOT_FOUND, "Workspace not found",
        "No such workspace, or the caller is not a member of it.";
    MemberNotFound = "member_not_found", NOT_FOUND, "Member not found",
        "The user is not a member of this workspace.";
    SessionNotFound = "session_not_found", NOT_FOUND, "Session not found",
        "No such active session of the caller.";
    ApiKeyNotFound = "api_key_not_found", NOT_FOUND, "API key not found",
        "No such API key in this workspace.";
    ContentNotFound = "content_not_found", NOT_FOUND, "Content not found",
        "The version's content is not in the store.";
    FolderNotFound = "folder_not_found", NOT_FOUND, "Folder not found",
        "No such live folder in this workspace.";
    DocumentNotFound = "document_not_found", NOT_FOUND, "Document not found",
        "No such live document in this workspace.";
    VersionNotFound = "version_not_found", NOT_FOUND, "Version not found",
        "The document has no version with this number.";
    ShareLinkNotFound = "share_link_not_found", NOT_FOUND, "Share link not found",
        "No such share link.";
    JobNotFound = "job_not_found", NOT_FOUND, "Job not found",
        "No such job.";
    WebhookNotFound = "webhook_not_found", NOT_FOUND, "Webhook not found",
        "No such webhook in this workspace.";
    DeliveryNotFound = "delivery_not_found", NOT_FOUND, "Delivery not found",
        "No such delivery of this webhook.";
    ThumbnailNotFound = "thumbnail_not_found", NOT_FOUND, "No thumbnail (yet) for this version",
        "The version has no thumbnail: it is not processed yet, or its type has none.";
    // 408
    RequestBodyTimeout = "request_body_timeout", REQUEST_TIMEOUT, "Request body too slow",
        "The request body paused too long or arrived below the minimum rate.";
    // 409
    EmailTaken = "email_taken", CONFLICT, "Email taken",
        "An account with this email exists.";
    AlreadyMember = "already_member", CONFLICT, "Already a member",
        "The user is a member of this workspace already.";
    LastOwner = "last_owner", CONFLICT, "Last owner",
        "The change would leave the workspace without an owner.";
    NameTaken = "name_taken", CONFLICT, "Name taken",
        "A sibling in the folder has this name (names compare case- and normalisation-insensitively).";
    FolderCycle = "folder_cycle", CONFLICT, "Folder cycle",
        "A folder cannot move into itself or below itself.";
    TooDeep = "too_deep", CONFLICT, "Too deep",
        "The folder tree would grow deeper than allowed.";
    JobNotDead = "job_not_dead", CONFLICT, "Job not dead",
        "Only dead jobs can be retried.";
    IdempotencyInProgress = "idempotency_in_progress", CONFLICT, "Request in progress",
        "A request with this idempotency key is still running. Retry after a moment.";
    // 410
    ShareLinkRevoked = "share_link_revoked", GONE, "Share link no longer available",
        "The share link was revoked.";
    ShareLinkExpired = "share_link_expired", GONE, "Share link no longer available",
        "The share link has expired.";
    ShareLinkExhausted = "share_link_exhausted", GONE, "Share link no longer available",
        "The share link's downloads are used up.";
    // 412, 413, 415, 416
    PreconditionFailed = "precondition_failed", PRECONDITION_FAILED, "Precondition failed",
        "`If-Match` names a revision that is no longer current. Read the resource again and retry.";
    PayloadTooLarge = "payload_too_large", PAYLOAD_TOO_LARGE, "Payload too large",
        "The body is larger than the instance allows.";
    QuotaExceeded = "quota_exceeded", PAYLOAD_TOO_LARGE, "Workspace quota exceeded",
        "The workspace's quota has no room for this content.";
    UnsupportedMediaType = "unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Unsupported media type",
        "Send the body as `application/json`.";
    RangeNotSatisfiable = "range_not_satisfiable", RANGE_NOT_SATISFIABLE, "Range not satisfiable",
        "None of the requested bytes exist; `Content-Range` gives the size.";
    // 422
    ValidationFailed = "validation_failed", UNPROCESSABLE_ENTITY, "Invalid input",
        "One or more fields are invalid; `errors` names each with what is wrong.";
    InvalidBody = "invalid_body", UNPROCESSABLE_ENTITY, "Invalid body",
        "The body is JSON but not of the expected shape.";
    IdempotencyKeyReused = "idempotency_key_reused", UNPROCESSABLE_ENTITY, "Idempotency key reused",
        "The idempotency key was used before with a different request. Use a new key.";
    // 429
    RateLimited = "rate_limited", TOO_MANY_REQUESTS, "Too many requests",
        "Too many attempts; `Retry-After` says when to try again.";
    // 5xx
    InternalError = "internal_error", INTERNAL_SERVER_ERROR, "Internal error",
        "Something went wrong on the server; quote the `request_id` when reporting it.";
    ServiceUnavailable = "service_unavailable", SERVICE_UNAVAILABLE, "Service unavailable",
        "A dependency (database, cache, store) is unavailable or overloaded; retry after `Retry-After`.";
    InsufficientStorage = "insufficient_storage", INSUFFICIENT_STORAGE, "Insufficient storage",
        "The server has no room left to store this; an operator must free space.";
}

impl ProblemCode {
    /// The code named `code`.
    #[must_use]
    pub fn parse(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.as_str() == code)
    }

    /// The problem document's `type`: a page on the server explaining the code.
    #[must_use]
    pub fn type_uri(self) -> String {
        format!("/problems/{}", self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_snake_case_and_each_explained() {
        let mut seen = std::collections::HashSet::new();
        for code in ProblemCode::ALL {
            assert!(seen.insert(code.as_str()), "{} twice", code.as_str());
            assert!(code.as_str().bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", code.as_str());
            assert!(code.status().is_client_error() || code.status().is_server_error());
            assert!(code.explanation().ends_with('.'), "{}", code.as_str());
            assert_eq!(ProblemCode::parse(code.as_str()), Some(*code));
            // The serialised name (and the OpenAPI enum) is the table's code.
            assert_eq!(serde_json::to_value(code).expect("json"), code.as_str());
        }
    }
}
