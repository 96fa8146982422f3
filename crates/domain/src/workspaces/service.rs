//! Workspaces and their members.

use std::sync::Arc;

use crate::audit::EventPayload;
use crate::error::{AuthFailure, Conflict, DomainError, Entity};
use crate::folders::{Folder, ItemName};
use crate::identity::Email;
use crate::ids::{ApiKeyId, FolderId, UserId, WorkspaceId};
use crate::system::Runtime;
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};

/// The name of every workspace's top folder.
pub const ROOT_FOLDER_NAME: &str = "Root";
use crate::identity::{ApiKeyRepository, UserRepository};
use crate::page::{Page, PageRequest};
use crate::policy::{Action, Role, may_assign};
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// The workspace use cases.
pub struct WorkspaceService {
    rt: Runtime,
    workspaces: Arc<dyn WorkspaceRepository>,
    users: Arc<dyn UserRepository>,
    api_keys: Arc<dyn ApiKeyRepository>,
    access: WorkspaceAccess,
}

impl std::fmt::Debug for WorkspaceService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WorkspaceService")
    }
}

impl WorkspaceService {
    /// The workspace use cases over the given ports.
    #[must_use]
    pub fn new(
        rt: Runtime,
        workspaces: Arc<dyn WorkspaceRepository>,
        users: Arc<dyn UserRepository>,
        api_keys: Arc<dyn ApiKeyRepository>,
    ) -> Self {
        let access = WorkspaceAccess::new(workspaces.clone());
        Self { rt, workspaces, users, api_keys, access }
    }

    /// Creates a workspace owned by the caller.
    ///
    /// # Errors
    /// `Forbidden` for API keys (a key lives inside one workspace); `Invalid` name.
    pub async fn create(&self, actor: &Actor, name: &str) -> DomainResult<WorkspaceSummary> {
        let owner = match actor.principal {
            Principal::User { user_id, .. } => user_id,
            Principal::Anonymous => return Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials)),
            _ => return Err(DomainError::Forbidden("only signed-in users create workspaces")),
        };
        let name = WorkspaceName::parse(name)?;
        let now = self.rt.clock.now();
        let workspace = Workspace {
            id: WorkspaceId::from_uuid(self.rt.ids.new_id()),
            name,
            root_folder_id: FolderId::from_uuid(self.rt.ids.new_id()),
            created_by: owner,
            created_at: now,
            updated_at: now,
        };
        let root = Folder {
            id: workspace.root_folder_id,
            workspace_id: workspace.id,
            parent_id: None,
            name: ItemName::parse(ROOT_FOLDER_NAME)?,
            created_by: Some(owner),
            created_at: now,
            updated_at: now,
        };
        let membership = Membership { workspace_id: workspace.id, user_id: owner, role: Role::Owner, created_at: now };
        let events = [
            self.rt.event(
                actor,
                EventPayload::WorkspaceCreated {
                    workspace_id: workspace.id,
                    name: workspace.name.as_str().to_owned(),
                    owner_id: owner,
                },
            ),
            self.rt.event(
                actor,
                EventPayload::MemberAdded { workspace_id: workspace.id, user_id: owner, role: Role::Owner },
            ),
            self.rt.event(
                actor,
                EventPayload::FolderCreated {
                    workspace_id: workspace.id,
                    folder_id: root.id,
                    parent_id: None,
                    name: root.name.as_str().to_owned(),
                },
            ),
        ];
        self.workspaces.create(&workspace, &membership, &root, &events).await?;
        Ok(WorkspaceSummary { workspace, role: Role::Owner })
    }

    /// The workspaces the caller can reach: a user's memberships, or an API
    /// key's one workspace.
    ///
    /// # Errors
    /// `Unauthenticated` for anonymous callers.
    pub async fn list(&self, actor: &Actor, page: PageRequest) -> DomainResult<Page<WorkspaceSummary>> {
        match actor.principal {
            Principal::User { user_id, .. } => self.workspaces.list_for_user(user_id, page).await,
            Principal::ApiKey { workspace_id, role, .. } => {
                let items = match self.workspaces.get(workspace_id).await? {
                    Some(workspace) if page.after().is_none() => vec![WorkspaceSummary { workspace, role }],
                    _ => Vec::new(),
                };
                Ok(Page { items, next_after: None })
            }
            Principal::System => Err(DomainError::Forbidden("the system has no workspace list")),
            Principal::Anonymous => Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials)),
        }
    }

    /// One workspace with the caller's role in it.
    ///
    /// # Errors
    /// `NotFound(Workspace)` when the caller is not a member.
    pub async fn get(&self, actor: &Actor, id: WorkspaceId) -> DomainResult<WorkspaceSummary> {
        let role = self.access.authorize(actor, id, Action::ViewWorkspace).await?;
        let workspace = self.workspaces.get(id).await?.ok_or(DomainError::NotFound(Entity::Workspace))?;
        Ok(WorkspaceSummary { workspace, role })
    }

    /// Renames a workspace (admins and owners).
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`, `Invalid` name.
    pub async fn rename(&self, actor: &Actor, id: WorkspaceId, name: &str) -> DomainResult<WorkspaceSummary> {
        let role = self.access.authorize(actor, id, Action::RenameWorkspace).await?;
        let name = WorkspaceName::parse(name)?;
        let mut workspace = self.workspaces.get(id).await?.ok_or(DomainError::NotFound(Entity::Workspace))?;
        if workspace.name != name {
            let event = self.rt.event(
                actor,
                EventPayload::WorkspaceRenamed {
                    workspace_id: id,
                    from: workspace.name.as_str().to_owned(),
                    to: name.as_str().to_owned(),
                },
            );
            let now = self.rt.clock.now();
            self.workspaces.rename(id, &name, now, &[event]).await?;
            workspace.name = name;
            workspace.updated_at = now;
        }
        Ok(WorkspaceSummary { workspace, role })
    }

    /// Deletes a workspace (owners only). Its audit trail is kept.
    ///
    /// # Errors
    /// `NotFound`, `Forbidden`.
    pub async fn delete(&self, actor: &Actor, id: WorkspaceId) -> DomainResult<()> {
        self.access.authorize(actor, id, Action::DeleteWorkspace).await?;
        let event = self.rt.event(actor, EventPayload::WorkspaceDeleted { workspace_id: id });
        self.workspaces.delete(id, &[event]).await
    }

    /// The members of a workspace.
    ///
    /// # Errors
    /// `NotFound` when the caller is not a member.
    pub async fn members(&self, actor: &Actor, id: WorkspaceId, page: PageRequest) -> DomainResult<Page<Member>> {
        self.access.authorize(actor, id, Action::ViewMembers).await?;
        self.workspaces.list_members(id, page).await
    }

    /// Adds an existing user, found by email, with `role`. Nobody grants a
    /// role above their own.
    ///
    /// # Errors
    /// `NotFound(User)` when no account has the email; `Conflict(AlreadyMember)`;
    /// `Forbidden`.
    pub async fn add_member(&self, actor: &Actor, id: WorkspaceId, email: &str, role: Role) -> DomainResult<Member> {
        let actor_role = self.access.authorize(actor, id, Action::ManageMembers).await?;
        if !may_assign(actor_role, role) {
            return Err(DomainError::Forbidden("you cannot grant a role above your own"));
        }
        let email = Email::parse(email)?;
        let user = self.users.find_by_email(&email).await?.ok_or(DomainError::NotFound(Entity::User))?;
        if !user.is_active() {
            return Err(DomainError::NotFound(Entity::User));
        }
        let membership = Membership { workspace_id: id, user_id: user.id, role, created_at: self.rt.clock.now() };
        let event = self.rt.event(actor, EventPayload::MemberAdded { workspace_id: id, user_id: user.id, role });
        self.workspaces.add_member(&membership, &[event]).await?;
        Ok(Member { membership, email: user.email, display_name: user.display_name })
    }

    /// Changes a member's role. Nobody acts on a member above their own rank
    /// or grants a role above it, and the last owner stays an owner.
    ///
    /// # Errors
    /// `NotFound(Member)`; `Forbidden`; `Conflict(LastOwner)`.
    pub async fn change_role(
        &self,
        actor: &Actor,
        id: WorkspaceId,
        user: UserId,
        role: Role,
    ) -> DomainResult<Membership> {
        let actor_role = self.access.authorize(actor, id, Action::ManageMembers).await?;
        let mut target = self.workspaces.membership(id, user).await?.ok_or(DomainError::NotFound(Entity::Member))?;
        if !may_assign(actor_role, target.role) || !may_assign(actor_role, role) {
            return Err(DomainError::Forbidden("you cannot change a member above your own role"));
        }
        if target.role == role {
            return Ok(target);
        }
        if target.role == Role::Owner {
            self.ensure_other_owner(id, user).await?;
        }
        let event = self.rt.event(
            actor,
            EventPayload::MemberRoleChanged { workspace_id: id, user_id: user, from: target.role, to: role },
        );
        self.workspaces.change_role(id, user, role, &[event]).await?;
        target.role = role;
        Ok(target)
    }

    /// Removes a member. Anyone may leave; removing someone else needs the
    /// right to manage members and a rank at least theirs. The last owner stays.
    ///
    /// # Errors
    /// `NotFound(Member)`; `Forbidden`; `Conflict(LastOwner)`.
    pub async fn remove_member(&self, actor: &Actor, id: WorkspaceId, user: UserId) -> DomainResult<()> {
        let actor_role = self.access.role_of(actor, id).await?;
        let leaving = actor.user_id() == Some(user);
        if !leaving {
            self.access.authorize(actor, id, Action::ManageMembers).await?;
        }
        let target = self.workspaces.membership(id, user).await?.ok_or(DomainError::NotFound(Entity::Member))?;
        if !leaving && !may_assign(actor_role, target.role) {
            return Err(DomainError::Forbidden("you cannot remove a member above your own role"));
        }
        if target.role == Role::Owner {
            self.ensure_other_owner(id, user).await?;
        }
        // The keys a member made act for them: they go when the member goes
        // (authentication also refuses a key whose creator is no member, in
        // case one is made while this runs).
        let now = self.rt.clock.now();
        let keys = self.active_keys_of(id, user, now).await?;
        let mut events = vec![self.rt.event(actor, EventPayload::MemberRemoved { workspace_id: id, user_id: user })];
        events.extend(
            keys.iter().map(|&key_id| self.rt.event(actor, EventPayload::ApiKeyRevoked { workspace_id: id, key_id })),
        );
        self.workspaces.remove_member(id, user, &keys, now, &events).await
    }

    /// The active API keys `user` created in the workspace.
    async fn active_keys_of(
        &self,
        id: WorkspaceId,
        user: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<ApiKeyId>> {
        let mut found = Vec::new();
        let mut page = PageRequest::new(Some(crate::page::MAX_PAGE_SIZE), None);
        loop {
            let keys = self.api_keys.list(id, page).await?;
            found.extend(keys.items.iter().filter(|k| k.created_by == user && k.is_active(now)).map(|k| k.id));
            match keys.next_after {
                Some(after) => page = PageRequest::new(Some(crate::page::MAX_PAGE_SIZE), Some(after)),
                None => return Ok(found),
            }
        }
    }

    /// A quick, friendly check; the repository repeats it atomically, so a
    /// race between two owners cannot leave none.
    async fn ensure_other_owner(&self, id: WorkspaceId, leaving: UserId) -> DomainResult<()> {
        let mut page = PageRequest::new(Some(crate::page::MAX_PAGE_SIZE), None);
        loop {
            let members = self.workspaces.list_members(id, page).await?;
            if members.items.iter().any(|m| m.membership.role == Role::Owner && m.membership.user_id != leaving) {
                return Ok(());
            }
            match members.next_after {
                Some(after) => page = PageRequest::new(Some(crate::page::MAX_PAGE_SIZE), Some(after)),
                None => return Err(DomainError::Conflict(Conflict::LastOwner)),
            }
        }
    }
}

#[cfg(test)]
#[path = "service_tests.rs"]
mod tests;
