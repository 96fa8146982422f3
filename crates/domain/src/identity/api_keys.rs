//! API keys for scripts and services.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::audit::EventPayload;
use crate::error::{DomainError, Entity};
use crate::identity::API_KEY_PREFIX;
use crate::identity::ApiKeyRepository;
use crate::identity::{ApiKey, ApiKeyName, NewApiKey};
use crate::ids::{ApiKeyId, WorkspaceId};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Role};
use crate::system::Runtime;
use crate::system::SecretGenerator;
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// How many characters of a key are kept in the clear to recognise it.
const VISIBLE_PREFIX_LEN: usize = API_KEY_PREFIX.len() + 8;

/// A request to create a key.
#[derive(Debug)]
pub struct CreateApiKey {
    /// The label, unvalidated.
    pub name: String,
    /// The role the key acts with; at most the creator's.
    pub role: Role,
    /// When it stops working, if ever; must be in the future.
    pub expires_at: Option<DateTime<Utc>>,
}

/// The API key use cases.
pub struct ApiKeyService {
    rt: Runtime,
    keys: Arc<dyn ApiKeyRepository>,
    secrets: Arc<dyn SecretGenerator>,
    access: WorkspaceAccess,
}

impl std::fmt::Debug for ApiKeyService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKeyService")
    }
}

impl ApiKeyService {
    /// The API key use cases over the given ports.
    #[must_use]
    pub fn new(
        rt: Runtime,
        keys: Arc<dyn ApiKeyRepository>,
        secrets: Arc<dyn SecretGenerator>,
        workspaces: Arc<dyn WorkspaceRepository>,
    ) -> Self {
        Self { rt, keys, secrets, access: WorkspaceAccess::new(workspaces) }
    }

    /// Creates a key and returns its secret, which is never shown again.
    /// Only people create keys: a key minting keys would outlive its revocation.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden` (not an admin, role above the caller's, or the
    /// caller is a key); `Invalid` name or expiry.
    pub async fn create(&self, actor: &Actor, workspace: WorkspaceId, input: CreateApiKey) -> DomainResult<NewApiKey> {
        let actor_role = self.access.authorize(actor, workspace, Action::ManageApiKeys).await?;
        let Principal::User { user_id, .. } = actor.principal else {
            return Err(DomainError::Forbidden("API keys cannot create API keys"));
        };
        if input.role > actor_role {
            return Err(DomainError::Forbidden("a key cannot have a role above your own"));
        }
        let name = ApiKeyName::parse(&input.name)?;
        let now = self.rt.clock.now();
        if input.expires_at.is_some_and(|at| at <= now) {
            return Err(DomainError::invalid("expires_at", "must be in the future"));
        }
        let secret = self.secrets.generate(API_KEY_PREFIX);
        let key = ApiKey {
            id: ApiKeyId::from_uuid(self.rt.ids.new_id()),
            workspace_id: workspace,
            name,
            role: input.role,
            prefix: secret.chars().take(VISIBLE_PREFIX_LEN).collect(),
            hash: self.secrets.hash(&secret),
            created_by: user_id,
            created_at: now,
            expires_at: input.expires_at,
            last_used_at: None,
            revoked_at: None,
        };
        let event = self.rt.event(
            actor,
            EventPayload::ApiKeyCreated {
                workspace_id: workspace,
                key_id: key.id,
                name: key.name.as_str().to_owned(),
                role: key.role,
                prefix: key.prefix.clone(),
            },
        );
        self.keys.create(&key, &[event]).await?;
        Ok(NewApiKey { key, secret })
    }

    /// The workspace's keys (admins).
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn list(&self, actor: &Actor, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<ApiKey>> {
        self.access.authorize(actor, workspace, Action::ManageApiKeys).await?;
        self.keys.list(workspace, page).await
    }

    /// Revokes a key (admins); it stops working on the next request.
    ///
    /// # Errors
    /// `NotFound(ApiKey)` when unknown in this workspace or already revoked; `Forbidden`.
    pub async fn revoke(&self, actor: &Actor, workspace: WorkspaceId, id: ApiKeyId) -> DomainResult<()> {
        self.access.authorize(actor, workspace, Action::ManageApiKeys).await?;
        let event = self.rt.event(actor, EventPayload::ApiKeyRevoked { workspace_id: workspace, key_id: id });
        if self.keys.revoke(workspace, id, self.rt.clock.now(), &[event]).await? {
            Ok(())
        } else {
            Err(DomainError::NotFound(Entity::ApiKey))
        }
    }
}

#[cfg(test)]
#[path = "api_keys_tests.rs"]
mod tests;
