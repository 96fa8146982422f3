//! The audit trail's use cases.

use std::sync::Arc;

use crate::audit::EventStream;
use crate::audit::{Activity, AuditEvent, ChainReport, EventQuery, UsageFigures};
use crate::audit::{AuditTrail, Projector};
use crate::error::DomainError;
use crate::ids::DocumentId;
use crate::ids::WorkspaceId;
use crate::page::MAX_PAGE_SIZE;
use crate::policy::Action;
use crate::workspaces::WorkspaceAccess;
use crate::workspaces::WorkspaceRepository;
use crate::{Actor, DomainResult, Principal};

/// A page from `items` fetched one beyond `limit`: the first `limit`, and
/// the cursor of the next page when there was one more.
fn page_of<T>(mut items: Vec<T>, limit: u32, seq: fn(&T) -> u64) -> (Vec<T>, Option<u64>) {
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more { items.last().map(seq) } else { None };
    (items, next)
}

/// Verifying and reading the audit trail.
pub struct AuditService {
    trail: Arc<dyn AuditTrail>,
    projector: Projector,
    access: WorkspaceAccess,
}

impl std::fmt::Debug for AuditService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AuditService")
    }
}

impl AuditService {
    /// The audit use cases over the given ports.
    #[must_use]
    pub fn new(trail: Arc<dyn AuditTrail>, projector: Projector, workspaces: Arc<dyn WorkspaceRepository>) -> Self {
        Self { trail, projector, access: WorkspaceAccess::new(workspaces) }
    }

    /// A page of the workspace's activity feed, newest first, and the cursor
    /// of the next (any member). The feed is a projection: it shows what the
    /// worker has applied, normally within a second.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn activity(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        before: Option<u64>,
        limit: u32,
    ) -> DomainResult<(Vec<Activity>, Option<u64>)> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let items = self.projector.read_models().activity(workspace, before, limit + 1).await?;
        Ok(page_of(items, limit, |a| a.seq))
    }

    /// The workspace's projected figures (any member).
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn figures(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<UsageFigures> {
        self.access.authorize(actor, workspace, Action::ViewWorkspace).await?;
        self.projector.read_models().figures(workspace).await
    }

    /// Applies new events to the read models (the worker, continuously).
    ///
    /// # Errors
    /// `Forbidden` unless Cabinet itself asks; storage failures.
    pub async fn catch_up(&self, actor: &Actor) -> DomainResult<u64> {
        Self::system_only(actor)?;
        self.projector.catch_up(500).await
    }

    /// Drops the read models and replays every event (`cabinet projections rebuild`).
    ///
    /// # Errors
    /// `Forbidden` unless Cabinet itself asks; storage failures.
    pub async fn rebuild_projections(&self, actor: &Actor) -> DomainResult<u64> {
        Self::system_only(actor)?;
        self.projector.rebuild().await
    }

    fn system_only(actor: &Actor) -> DomainResult<()> {
        if actor.principal == Principal::System {
            Ok(())
        } else {
            Err(DomainError::Forbidden("only Cabinet maintains its read models"))
        }
    }

    /// Verifies a workspace's chain (admins and owners).
    ///
    /// # Errors
    /// `NotFound` (workspace, or not a member); `Forbidden`.
    pub async fn verify(&self, actor: &Actor, workspace: WorkspaceId) -> DomainResult<ChainReport> {
        self.access.authorize(actor, workspace, Action::ReadAudit).await?;
        crate::audit::verify_chain(self.trail.as_ref(), Some(workspace)).await
    }

    /// A page of the workspace's events matching `query` (admins and
    /// owners), and the cursor of the next page.
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn events(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        query: EventQuery,
        limit: u32,
    ) -> DomainResult<(Vec<AuditEvent>, Option<u64>)> {
        self.access.authorize(actor, workspace, Action::ReadAudit).await?;
        self.page(EventQuery { workspace: Some(workspace), ..query }, limit).await
    }

    /// Every event of the workspace matching `query`, streamed (admins and owners).
    ///
    /// # Errors
    /// `NotFound`; `Forbidden`.
    pub async fn export(&self, actor: &Actor, workspace: WorkspaceId, query: EventQuery) -> DomainResult<EventStream> {
        self.access.authorize(actor, workspace, Action::ReadAudit).await?;
        Ok(self.trail.stream(EventQuery { workspace: Some(workspace), ..query }))
    }

    /// A document's events, newest first, for anyone who may read the workspace.
    ///
    /// # Errors
    /// `NotFound`.
    pub async fn document_history(
        &self,
        actor: &Actor,
        workspace: WorkspaceId,
        document: DocumentId,
        after: Option<u64>,
        limit: u32,
    ) -> DomainResult<(Vec<AuditEvent>, Option<u64>)> {
        self.access.authorize(actor, workspace, Action::ReadContent).await?;
        let query = EventQuery {
            workspace: Some(workspace),
            aggregate_type: Some("document".into()),
            aggregate_id: Some(document.as_uuid()),
            after,
            ..EventQuery::default()
        };
        self.page(query, limit).await
    }

    async fn page(&self, query: EventQuery, limit: u32) -> DomainResult<(Vec<AuditEvent>, Option<u64>)> {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        let events = self.trail.events(&query, limit + 1).await?;
        Ok(page_of(events, limit, |e| e.seq))
    }

    /// Verifies every chain, or one workspace's even after the workspace
    /// was deleted: for Cabinet itself (the `audit verify` command and
    /// scheduled checks) and instance administrators.
    ///
    /// # Errors
    /// `Forbidden` for anyone else.
    pub async fn verify_chains(&self, actor: &Actor, only: Option<WorkspaceId>) -> DomainResult<Vec<ChainReport>> {
        let allowed = match actor.principal {
            Principal::System => true,
            Principal::User { instance_admin, .. } => instance_admin,
            Principal::Anonymous | Principal::ApiKey { .. } => false,
        };
        if !allowed {
            return Err(DomainError::Forbidden("verifying every chain is for instance administrators"));
        }
        let chains = match only {
            Some(workspace) => vec![Some(workspace)],
            None => self.trail.chains().await?,
        };
        let mut reports = Vec::with_capacity(chains.len());
        for chain in chains {
            reports.push(crate::audit::verify_chain(self.trail.as_ref(), chain).await?);
        }
        Ok(reports)
    }
}

#[cfg(test)]
mod tests {
    use uuid::Uuid;

    use super::*;
    use crate::Role;
    use crate::audit::ChainBreak;
    use crate::audit::{MockAuditTrail, MockReadModels, Projector};
    use crate::testkit::{block_on, membership, user_actor};
    use crate::workspaces::MockWorkspaceRepository;

    fn idle_projector() -> Projector {
        Projector::new(Arc::new(MockReadModels::new()), true)
    }

    /// A trail whose chains hold one event, stored with a hash that does not match it.
    fn altered_trail(chains: usize) -> MockAuditTrail {
        let mut trail = MockAuditTrail::new();
        trail.expect_chain_links().times(chains).returning(|w, from, _| {
            assert_eq!(from, 1, "a walk starts at the chain's first position");
            Ok(vec![crate::audit::ChainLink {
                workspace_id: w.map(|w| w.as_uuid()),
                workspace_seq: 1,
                id: Uuid::new_v4(),
                aggregate_type: "workspace".into(),
                aggregate_id: Uuid::new_v4(),
                event_type: "workspace.renamed.v1".into(),
                actor_kind: "user".into(),
                actor_id: None,
                request_id: None,
                ip: None,
                user_agent: None,
                occurred_at: crate::testkit::now(),
                payload: serde_json::json!({}),
                prev_hash: Some(crate::audit::chain::GENESIS.into()),
                hash: Some("0".repeat(64)),
            }])
        });
        trail
    }

    #[test]
    fn admins_verify_their_workspace_and_editors_may_not() {
        let ws = WorkspaceId::from_uuid(Uuid::new_v4());
        let me = crate::UserId::from_uuid(Uuid::new_v4());
        for (role, allowed) in [(Role::Admin, true), (Role::Editor, false)] {
            let mut trail = MockAuditTrail::new();
            if allowed {
                trail = altered_trail(1);
            }
            let mut workspaces = MockWorkspaceRepository::new();
            workspaces.expect_membership().returning(move |w, u| Ok(Some(membership(w, u, role))));
            let service = AuditService::new(Arc::new(trail), idle_projector(), Arc::new(workspaces));
            let result = block_on(service.verify(&user_actor(me), ws));
            if allowed {
                let report = result.expect("report");
                assert_eq!((report.workspace, report.broken_at), (Some(ws), Some((1, ChainBreak::Altered))));
            } else {
                assert!(matches!(result, Err(DomainError::Forbidden(_))), "{result:?}");
            }
        }
    }

    #[test]
    fn only_cabinet_rebuilds_its_read_models() {
        let mut models = MockReadModels::new();
        models.expect_clear().times(1).returning(|| Ok(()));
        models.expect_lagging_chains().times(1).returning(|| Ok(Vec::new()));
        let service = AuditService::new(
            Arc::new(MockAuditTrail::new()),
            Projector::new(Arc::new(models), true),
            Arc::new(MockWorkspaceRepository::new()),
        );
        assert_eq!(block_on(service.rebuild_projections(&Actor::system())).expect("rebuilt"), 0);
        let someone = user_actor(crate::UserId::from_uuid(Uuid::new_v4()));
        assert!(matches!(block_on(service.rebuild_projections(&someone)), Err(DomainError::Forbidden(_))));
        assert!(matches!(block_on(service.catch_up(&someone)), Err(DomainError::Forbidden(_))));
    }

    #[test]
    fn every_chain_is_verified_for_the_system_only() {
        let chains = vec![None, Some(WorkspaceId::from_uuid(Uuid::new_v4()))];
        let mut trail = altered_trail(2);
        let listed = chains.clone();
        trail.expect_chains().times(1).returning(move || Ok(listed.clone()));
        let service = AuditService::new(Arc::new(trail), idle_projector(), Arc::new(MockWorkspaceRepository::new()));
        let reports = block_on(service.verify_chains(&Actor::system(), None)).expect("reports");
        assert_eq!(reports.iter().map(|r| r.workspace).collect::<Vec<_>>(), chains);
        assert!(reports.iter().all(|r| r.broken_at == Some((1, ChainBreak::Altered))));
        let someone = user_actor(crate::UserId::from_uuid(Uuid::new_v4()));
        assert!(matches!(block_on(service.verify_chains(&someone, None)), Err(DomainError::Forbidden(_))));
    }
}
