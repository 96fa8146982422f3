//! User accounts.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::identity::{DisplayName, Email};
use crate::ids::UserId;

/// A PHC-format password hash (`$argon2id$v=19$m=…`). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct PasswordHash(String);

impl PasswordHash {
    /// Wraps a PHC string produced by the `PasswordHasher` port.
    #[must_use]
    pub fn from_phc(phc: String) -> Self {
        Self(phc)
    }

    /// The PHC string, for the hasher and the database only.
    #[must_use]
    pub fn as_phc(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PasswordHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PasswordHash(<redacted>)")
    }
}

/// A person who can sign in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    /// The user's id.
    pub id: UserId,
    /// The sign-in address, unique across the instance.
    pub email: Email,
    /// The name shown to others.
    pub display_name: DisplayName,
    /// The argon2id hash of the password.
    pub password_hash: PasswordHash,
    /// Whether the user administers the whole instance.
    pub instance_admin: bool,
    /// Set when an administrator disabled the account; a disabled user cannot sign in.
    pub disabled_at: Option<DateTime<Utc>>,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
    /// When the account last changed.
    pub updated_at: DateTime<Utc>,
}

impl User {
    /// Whether the account may be used.
    #[must_use]
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }
}
