//! Entities and validated values.

mod api_key;
mod session;
mod user;
mod values;
mod workspace;

pub use api_key::{ApiKey, ApiKeyName, NewApiKey};
pub use session::{RefreshToken, Session};
pub use user::{PasswordHash, User};
pub use values::{DisplayName, Email, Password, TokenHash};
pub use workspace::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};

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
