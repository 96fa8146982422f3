//! Resolves an actor's role in a workspace and applies the policy.

use std::sync::Arc;

use crate::error::{AuthFailure, DomainError, Entity};
use crate::ids::WorkspaceId;
use crate::policy::{Action, Role, permits};
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// The one place where "may this actor do this in this workspace" is answered.
///
/// A workspace the actor cannot see answers [`DomainError::NotFound`], exactly
/// as one that does not exist, so ids of other tenants leak nothing.
#[derive(Clone)]
pub struct WorkspaceAccess {
    workspaces: Arc<dyn WorkspaceRepository>,
}

impl std::fmt::Debug for WorkspaceAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkspaceAccess")
    }
}

impl WorkspaceAccess {
    /// Access decisions backed by `workspaces`.
    #[must_use]
    pub fn new(workspaces: Arc<dyn WorkspaceRepository>) -> Self {
        Self { workspaces }
    }

    /// The actor's role in the workspace.
    ///
    /// # Errors
    /// `NotFound(Workspace)` when the actor is not a member (or the key is
    /// confined elsewhere); `Unauthenticated` for anonymous callers.
    pub async fn role_of(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<Role> {
        match &actor.principal {
            Principal::Anonymous => Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials)),
            Principal::System => match self.workspaces.get(workspace).await? {
                Some(_) => Ok(Role::Owner),
                None => Err(DomainError::NotFound(Entity::Workspace)),
            },
            Principal::ApiKey { workspace_id, role, .. } if *workspace_id == workspace => Ok(*role),
            Principal::ApiKey { .. } => Err(DomainError::NotFound(Entity::Workspace)),
            Principal::User { user_id, .. } => self
                .workspaces
                .membership(workspace, *user_id)
                .await?
                .map(|m| m.role)
                .ok_or(DomainError::NotFound(Entity::Workspace)),
        }
    }

    /// Checks that the actor may perform `action` in the workspace and returns their role.
    ///
    /// # Errors
    /// As [`WorkspaceAccess::role_of`], and `Forbidden` when the role is too low.
    pub async fn authorize(&self, actor: &Actor, workspace: WorkspaceId, action: Action) -> DomainResult<Role> {
        let role = self.role_of(actor, workspace).await?;
        if permits(role, action) {
            Ok(role)
        } else {
            Err(DomainError::Forbidden("your role in this workspace does not allow this"))
        }
    }
}
