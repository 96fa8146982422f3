//! The workspace repository: workspaces and memberships.

use async_trait::async_trait;
use cabinet_domain::audit::NewEvent;
use cabinet_domain::folders::Folder;
use cabinet_domain::page::{Page, PageRequest};
use cabinet_domain::workspaces::WorkspaceRepository;
use cabinet_domain::workspaces::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};
use cabinet_domain::{ApiKeyId, Conflict, DomainError, DomainResult, Entity, Role, UserId, WorkspaceId};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set};

use crate::audit::store::in_transaction;
use crate::conn::Conn;
use crate::convert;
use crate::entities::{api_keys, folders, memberships, users, workspaces};
use crate::error::{DbResultExt, db_err_unique};

/// Workspaces in the SQL database.
#[derive(Debug, Clone)]
pub struct SqlWorkspaceRepository {
    db: Conn,
}

impl SqlWorkspaceRepository {
    pub(crate) fn new(db: Conn) -> Self {
        Self { db }
    }
}

fn overfetch(page: PageRequest) -> u64 {
    u64::from(page.limit()) + 1
}

/// Takes the workspace's row lock (PostgreSQL) or the database write lock
/// (SQLite) before a membership change, so concurrent changes to one
/// workspace's members are serialised and the owner count cannot race.
pub(crate) async fn lock_workspace<C: ConnectionTrait>(txn: &C, id: WorkspaceId) -> DomainResult<()> {
    let touched = workspaces::Entity::update_many()
        .col_expr(workspaces::Column::Id, Expr::col(workspaces::Column::Id))
        .filter(workspaces::Column::Id.eq(id.as_uuid()))
        .exec(txn)
        .await
        .or_domain()?;
    if touched.rows_affected == 0 {
        return Err(DomainError::NotFound(Entity::Workspace));
    }
    Ok(())
}

async fn owner_count<C: ConnectionTrait>(txn: &C, id: WorkspaceId) -> DomainResult<u64> {
    memberships::Entity::find()
        .filter(memberships::Column::WorkspaceId.eq(id.as_uuid()))
        .filter(memberships::Column::Role.eq(Role::Owner.as_str()))
        .count(txn)
        .await
        .or_domain()
}

fn membership_filter(workspace: WorkspaceId, user: UserId) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
        .add(memberships::Column::UserId.eq(user.as_uuid()))
}

#[async_trait]
impl WorkspaceRepository for SqlWorkspaceRepository {
    #[tracing::instrument(skip_all, fields(workspace_id = %workspace.id), err(level = "debug"))]
    async fn create(
        &self,
        workspace: &Workspace,
        owner: &Membership,
        root: &Folder,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let row = workspaces::ActiveModel {
                id: Set(workspace.id.as_uuid()),
                name: Set(workspace.name.as_str().to_owned()),
                root_folder_id: Set(Some(workspace.root_folder_id.as_uuid())),
                created_by: Set(workspace.created_by.as_uuid()),
                created_at: Set(workspace.created_at),
                updated_at: Set(workspace.updated_at),
            };
            workspaces::Entity::insert(row).exec_without_returning(&txn).await.or_domain()?;
            memberships::Entity::insert(membership_row(owner)).exec_without_returning(&txn).await.or_domain()?;
            folders::Entity::insert(crate::folders::folder_row(root)).exec_without_returning(&txn).await.or_domain()?;
            Ok::<_, DomainError>(())
        })
    }

    async fn get(&self, id: WorkspaceId) -> DomainResult<Option<Workspace>> {
        workspaces::Entity::find_by_id(id.as_uuid())
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::workspace)
            .transpose()
    }

    async fn list_for_user(&self, user: UserId, page: PageRequest) -> DomainResult<Page<WorkspaceSummary>> {
        let mut query = memberships::Entity::find()
            .filter(memberships::Column::UserId.eq(user.as_uuid()))
            .find_also_related(workspaces::Entity)
            .order_by_asc(memberships::Column::WorkspaceId)
            .limit(overfetch(page));
        if let Some(after) = page.after() {
            query = query.filter(memberships::Column::WorkspaceId.gt(after));
        }
        let rows = query.all(&self.db).await.or_domain()?;
        let items = rows
            .into_iter()
            .filter_map(|(m, w)| w.map(|w| (m, w)))
            .map(|(m, w)| Ok(WorkspaceSummary { workspace: convert::workspace(w)?, role: convert::role(&m.role)? }))
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page, |s| s.workspace.id.as_uuid()))
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %id), err(level = "debug"))]
    async fn rename(
        &self,
        id: WorkspaceId,
        name: &WorkspaceName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let updated = workspaces::Entity::update_many()
                .col_expr(workspaces::Column::Name, Expr::value(name.as_str()))
                .col_expr(workspaces::Column::UpdatedAt, Expr::value(now))
                .filter(workspaces::Column::Id.eq(id.as_uuid()))
                .exec(&txn)
                .await
                .or_domain()?;
            if updated.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Workspace));
            }
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %id), err(level = "debug"))]
    async fn delete(&self, id: WorkspaceId, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            let deleted = workspaces::Entity::delete_by_id(id.as_uuid()).exec(&txn).await.or_domain()?;
            if deleted.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Workspace));
            }
            Ok::<_, DomainError>(())
        })
    }

    async fn membership(&self, workspace: WorkspaceId, user: UserId) -> DomainResult<Option<Membership>> {
        memberships::Entity::find()
            .filter(membership_filter(workspace, user))
            .one(&self.db)
            .await
            .or_domain()?
            .map(convert::membership)
            .transpose()
    }

    async fn list_members(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<Member>> {
        let mut query = memberships::Entity::find()
            .filter(memberships::Column::WorkspaceId.eq(workspace.as_uuid()))
            .find_also_related(users::Entity)
            .order_by_asc(memberships::Column::UserId)
            .limit(overfetch(page));
        if let Some(after) = page.after() {
            query = query.filter(memberships::Column::UserId.gt(after));
        }
        let rows = query.all(&self.db).await.or_domain()?;
        let items = rows
            .into_iter()
            .filter_map(|(m, u)| u.map(|u| (m, u)))
            .map(|(m, u)| {
                let user = convert::user(u)?;
                Ok(Member { membership: convert::membership(m)?, email: user.email, display_name: user.display_name })
            })
            .collect::<DomainResult<Vec<_>>>()?;
        Ok(Page::from_overfetch(items, page, |m| m.membership.user_id.as_uuid()))
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %membership.workspace_id), err(level = "debug"))]
    async fn add_member(&self, membership: &Membership, events: &[NewEvent]) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            lock_workspace(&txn, membership.workspace_id).await?;
            memberships::Entity::insert(membership_row(membership))
                .exec_without_returning(&txn)
                .await
                .map_err(|e| db_err_unique(e, DomainError::Conflict(Conflict::AlreadyMember)))?;
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %workspace), err(level = "debug"))]
    async fn change_role(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        role: Role,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            lock_workspace(&txn, workspace).await?;
            let updated = memberships::Entity::update_many()
                .col_expr(memberships::Column::Role, Expr::value(role.as_str()))
                .filter(membership_filter(workspace, user))
                .exec(&txn)
                .await
                .or_domain()?;
            if updated.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Member));
            }
            if owner_count(&txn, workspace).await? == 0 {
                return Err(DomainError::Conflict(Conflict::LastOwner));
            }
            Ok::<_, DomainError>(())
        })
    }

    #[tracing::instrument(skip_all, fields(workspace_id = %workspace), err(level = "debug"))]
    async fn remove_member(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        revoke_keys: &[ApiKeyId],
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()> {
        in_transaction!(self.db, events, |txn| {
            lock_workspace(&txn, workspace).await?;
            let deleted = memberships::Entity::delete_many()
                .filter(membership_filter(workspace, user))
                .exec(&txn)
                .await
                .or_domain()?;
            if deleted.rows_affected == 0 {
                return Err(DomainError::NotFound(Entity::Member));
            }
            if owner_count(&txn, workspace).await? == 0 {
                return Err(DomainError::Conflict(Conflict::LastOwner));
            }
            if !revoke_keys.is_empty() {
                api_keys::Entity::update_many()
                    .col_expr(api_keys::Column::RevokedAt, Expr::value(now))
                    .filter(api_keys::Column::WorkspaceId.eq(workspace.as_uuid()))
                    .filter(api_keys::Column::Id.is_in(revoke_keys.iter().map(|k| k.as_uuid())))
                    .filter(api_keys::Column::RevokedAt.is_null())
                    .exec(&txn)
                    .await
                    .or_domain()?;
            }
            Ok::<_, DomainError>(())
        })
    }
}

fn membership_row(m: &Membership) -> memberships::ActiveModel {
    memberships::ActiveModel {
        workspace_id: Set(m.workspace_id.as_uuid()),
        user_id: Set(m.user_id.as_uuid()),
        role: Set(m.role.as_str().to_owned()),
        created_at: Set(m.created_at),
    }
}
