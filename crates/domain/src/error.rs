//! The one error type the domain speaks, in its own words.

use std::time::Duration;

/// Something a caller asked for did not happen.
///
/// Adapters translate their own failures into these variants where they occur
/// (a unique violation becomes [`DomainError::Conflict`], a missing row
/// [`DomainError::NotFound`]); everything unexpected becomes
/// [`DomainError::Internal`] with its cause as text, so no infrastructure type
/// crosses a port.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// The thing does not exist, or the caller may not know that it does.
    #[error("{0} not found")]
    NotFound(Entity),
    /// The caller is known but not allowed to do this.
    #[error("not allowed: {0}")]
    Forbidden(&'static str),
    /// The caller could not be identified, or their credentials are no good.
    #[error("authentication failed: {0}")]
    Unauthenticated(AuthFailure),
    /// The change clashes with the current state.
    #[error("conflict: {0}")]
    Conflict(Conflict),
    /// One or more fields are invalid.
    #[error("invalid input: {}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    /// Too many attempts; try again after the given time.
    #[error("too many attempts, retry in {}s", retry_after.as_secs())]
    RateLimited {
        /// How long the caller should wait.
        retry_after: Duration,
    },
    /// More bytes arrived than allowed.
    #[error("content larger than the limit of {limit} bytes")]
    TooLarge {
        /// The limit in bytes.
        limit: u64,
    },
    /// The caller's `If-Match` names a state that is no longer current.
    #[error("the resource changed since it was read")]
    PreconditionFailed,
    /// The workspace would hold more than its quota.
    #[error("the workspace quota of {quota} bytes would be exceeded")]
    QuotaExceeded {
        /// The quota in bytes.
        quota: u64,
    },
    /// None of the requested bytes exist.
    #[error("range not satisfiable for {size} bytes")]
    RangeNotSatisfiable {
        /// The size of the representation.
        size: u64,
    },
    /// The uploader stopped sending before the content was complete.
    #[error("upload aborted: {0}")]
    UploadAborted(String),
    /// A share link that exists but no longer works.
    #[error("share link {0:?}")]
    LinkGone(crate::sharing::LinkGone),
    /// A share link asks for a password and none was given.
    #[error("the share link needs a password")]
    SharePasswordRequired,
    /// A share link's password was wrong.
    #[error("wrong share link password")]
    SharePasswordWrong,
    /// The instance does not accept self-service registration.
    #[error("registration is closed")]
    RegistrationClosed,
    /// A dependency is down or saturated; the request may succeed later.
    #[error("service unavailable: {0}")]
    Unavailable(String),
    /// The database or the file store has no room left; writes fail until an
    /// operator frees space (reads still work).
    #[error("storage is full: {0}")]
    StorageFull(String),
    /// An unexpected failure; the text is for logs, never for clients.
    #[error("internal error: {0}")]
    Internal(String),
}

impl DomainError {
    /// One invalid field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(vec![FieldError::new(field, message)])
    }

    /// An unexpected failure with its cause.
    pub fn internal(cause: impl std::fmt::Display) -> Self {
        Self::Internal(cause.to_string())
    }
}

/// The kinds of thing that can be missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Entity {
    /// A user account.
    #[error("user")]
    User,
    /// A workspace.
    #[error("workspace")]
    Workspace,
    /// A member of a workspace.
    #[error("member")]
    Member,
    /// A login session.
    #[error("session")]
    Session,
    /// An API key.
    #[error("api key")]
    ApiKey,
    /// Stored file content.
    #[error("blob")]
    Blob,
    /// A folder.
    #[error("folder")]
    Folder,
    /// A document.
    #[error("document")]
    Document,
    /// A version of a document.
    #[error("version")]
    Version,
    /// A share link.
    #[error("share link")]
    ShareLink,
    /// A background job.
    #[error("job")]
    Job,
    /// A webhook endpoint.
    #[error("webhook")]
    Webhook,
    /// A webhook delivery.
    #[error("delivery")]
    Delivery,
    /// A version's thumbnail.
    #[error("thumbnail")]
    Thumbnail,
}

/// Why authentication failed. Kept coarse on purpose: the client learns no more
/// than it needs to retry correctly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthFailure {
    /// No credentials were presented.
    #[error("missing credentials")]
    MissingCredentials,
    /// Wrong email or password; never says which.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// The access token or API key is malformed, forged, expired or revoked.
    #[error("invalid token")]
    InvalidToken,
    /// The refresh token is unknown, expired, revoked or was already used.
    #[error("invalid refresh token")]
    InvalidRefreshToken,
}

/// What a change clashed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Conflict {
    /// Another account already uses this email.
    #[error("email already registered")]
    EmailTaken,
    /// The user is already a member of the workspace.
    #[error("already a member")]
    AlreadyMember,
    /// The change would leave the workspace without an owner.
    #[error("a workspace must keep at least one owner")]
    LastOwner,
    /// A sibling already has this name.
    #[error("an item with this name already exists here")]
    NameTaken,
    /// A folder cannot move into itself or one of its descendants.
    #[error("a folder cannot move into itself or below itself")]
    FolderCycle,
    /// The folder tree would grow deeper than allowed.
    #[error("folders cannot be nested this deep")]
    TooDeep,
    /// Only dead jobs can be retried by hand.
    #[error("the job is not dead")]
    JobNotDead,
}

/// One invalid field and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct FieldError {
    /// The field's name as the client sent it.
    pub field: &'static str,
    /// What is wrong with it, in words a person can act on.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self { field, message: message.into() }
    }
}
