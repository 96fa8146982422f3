//! Entities and validated values.

mod api_key;
mod audit;
mod blob;
mod content;
mod document;
mod folder;
mod job;
mod media_type;
mod search;
mod session;
mod share;
mod user;
mod values;
mod webhook;
mod workspace;

pub use api_key::{ApiKey, ApiKeyName, NewApiKey};
pub use audit::{Activity, AuditEvent, ChainBreak, ChainReport, EventQuery, UsageFigures};
pub use blob::{ByteRange, Sha256};
pub use content::{Analysis, Subject, TextStatus, Thumbnail, VersionContent};
pub use document::{
    Document, DocumentVersion, MAX_METADATA, MAX_TAGS, RangeSpec, validate_description, validate_metadata,
    validate_tags,
};
pub use folder::{ChildCursor, ChildOrder, Children, Folder, ItemName, MAX_FOLDER_DEPTH, Subtree, Trash, TrashedItem};
pub use job::{Job, JobState, MAX_CRASHES, backoff};
pub use media_type::decide_media_type;
pub use search::{
    MAX_QUERY_CHARS, MAX_QUERY_TERMS, MAX_SEARCH_OFFSET, MAX_SEARCH_PAGE, Match, SearchFilters, SearchHit, SearchPage,
    SearchQuery, SearchResults, SnippetPart, Term, snippet_parts,
};
pub use session::{RefreshToken, Session};
pub use share::{LinkGone, MAX_SHARE_DOWNLOADS, ShareLink};
pub use user::{PasswordHash, User};
pub use values::{DisplayName, Email, Password, TokenHash};
pub use webhook::{
    Breaker, Delivery, DeliveryStatus, MAX_RESPONSE_BODY, OutboxEvent, PING_EVENT, WebhookEndpoint,
    validate_event_types, validate_url, webhook_body,
};
pub use workspace::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};

/// Declares a validated free-text name: trimmed, 1 to `$max` characters, no
/// control characters; errors name `$field`.
macro_rules! name_type {
    ($(#[$doc:meta])* $name:ident, $field:literal, $max:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// Validates a name.
            ///
            /// # Errors
            #[doc = concat!("[`crate::DomainError::Invalid`] on the field `", $field, "`.")]
            pub fn parse(raw: &str) -> Result<Self, crate::DomainError> {
                super::validated_name($field, raw, $max).map(Self)
            }

            /// The name.
            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
    };
}
pub(crate) use name_type;

/// Checks a free-text name: trimmed, non-empty, at most `max` characters, no control characters.
fn validated_name(field: &'static str, raw: &str, max: usize) -> Result<String, crate::DomainError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(crate::DomainError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max {
        return Err(crate::DomainError::invalid(field, format!("must be at most {max} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(crate::DomainError::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}
