//! API keys: credentials for scripts and services, confined to one workspace.

use chrono::{DateTime, Utc};

use crate::ids::{ApiKeyId, UserId, WorkspaceId};
use crate::policy::Role;
use crate::system::TokenHash;

crate::names::name_type!(
    /// A key's human label: 1 to 100 characters, no control characters.
    ApiKeyName,
    "name",
    100
);

/// A stored API key. The secret itself is never stored, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    /// The key id.
    pub id: ApiKeyId,
    /// The workspace it is confined to.
    pub workspace_id: WorkspaceId,
    /// Its label.
    pub name: ApiKeyName,
    /// The role it acts with.
    pub role: Role,
    /// The first characters of the secret, to recognise it in lists and logs.
    pub prefix: String,
    /// SHA-256 of the whole secret.
    pub hash: TokenHash,
    /// Who created it.
    pub created_by: UserId,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it last authenticated a request.
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// Whether the key authenticates at `now`.
    #[must_use]
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && self.expires_at.is_none_or(|at| now < at)
    }
}

/// A freshly created key together with its secret, which is shown exactly once.
#[derive(Clone)]
pub struct NewApiKey {
    /// The stored key.
    pub key: ApiKey,
    /// The full secret; not retrievable later.
    pub secret: String,
}

impl std::fmt::Debug for NewApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewApiKey").field("key", &self.key).field("secret", &"<redacted>").finish()
    }
}
