//! The projector: what each event changes in the read models (a
//! workspace's activity feed and figures, the search index) and which
//! follow-up work it starts (the processing of a new version). The
//! [`ReadModels`] port stores those changes; the rules live here, reading
//! each event's payload as the type it was written with.
//!
//! Events are applied per chain in chain order: a chain's positions are
//! handed out under its head's lock, so they commit in order and a cursor
//! per chain never skips an event that committed late. A batch is applied
//! together with a conditional move of its chain's cursor, so two workers
//! never apply the same events twice.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::{Activity, UsageFigures};
use crate::ids::{DocumentId, WorkspaceId};
use crate::processing::VersionRef;
use crate::{DomainError, DomainResult};

/// An event as the read models receive it from the trail.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedEvent {
    /// The event's global sequence.
    pub seq: u64,
    /// Its position in its chain.
    pub chain_seq: u64,
    /// Its workspace; `None` for account-level events, which no read model follows.
    pub workspace: Option<WorkspaceId>,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    /// `user`, `api_key`, `share_link` or `system`.
    pub actor_kind: String,
    /// The user, key or link.
    pub actor_id: Option<Uuid>,
    /// The versioned event type, e.g. `document.version_added.v1`.
    pub event_type: String,
    /// What it was about.
    pub aggregate_type: String,
    /// Which one.
    pub aggregate_id: Uuid,
    /// The payload, as stored.
    pub payload: serde_json::Value,
}

/// One change to the read models, as the projector decided it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadModelChange {
    /// An entry in the workspace's activity feed.
    Activity {
        /// The workspace.
        workspace: WorkspaceId,
        /// The event's position in the workspace's chain.
        chain_seq: u64,
        /// The entry.
        entry: Activity,
    },
    /// A new document counts in its workspace's figures.
    CountDocument {
        /// The workspace.
        workspace: WorkspaceId,
        /// The document.
        document: DocumentId,
    },
    /// A new version counts, with its bytes.
    CountVersion {
        /// The workspace.
        workspace: WorkspaceId,
        /// The document.
        document: DocumentId,
        /// The version's size.
        size: u64,
    },
    /// A purged document leaves the figures, with all it counted.
    UncountDocument {
        /// The workspace.
        workspace: WorkspaceId,
        /// The document.
        document: DocumentId,
    },
    /// The document's entry in the search index is read again.
    RefreshSearch(DocumentId),
    /// The document leaves the search index.
    ForgetSearch(DocumentId),
    /// Every document of the workspace leaves the search index.
    ForgetWorkspaceSearch(WorkspaceId),
    /// The version is queued for processing (text and thumbnail), unless it
    /// was processed already (a replay after a rebuild finds most done).
    ProcessVersion {
        /// The version.
        version: VersionRef,
        /// When it was added: the job is due from then.
        added_at: DateTime<Utc>,
    },
}

/// The payload fields the read models follow, by event type.
#[derive(Deserialize)]
struct DocumentFields {
    document_id: DocumentId,
}

#[derive(Deserialize)]
struct VersionFields {
    document_id: DocumentId,
    number: u32,
    size: u64,
}

#[derive(Deserialize)]
struct FolderPurgeFields {
    document_ids: Vec<DocumentId>,
}

fn fields<T: for<'de> Deserialize<'de>>(event: &RecordedEvent) -> DomainResult<T> {
    T::deserialize(&event.payload)
        .map_err(|e| DomainError::Internal(format!("event {} ({}): {e}", event.seq, event.event_type)))
}

/// What `event` changes in the read models; `process_versions` says
/// whether a new version is queued for processing.
///
/// # Errors
/// `Internal` when a payload the read models follow does not have the
/// fields its type promises.
pub fn changes(event: &RecordedEvent, process_versions: bool) -> DomainResult<Vec<ReadModelChange>> {
    let Some(workspace) = event.workspace else {
        return Ok(Vec::new());
    };
    let entry = Activity {
        seq: event.seq,
        occurred_at: event.occurred_at,
        actor_kind: event.actor_kind.clone(),
        actor_id: event.actor_id,
        event_type: event.event_type.clone(),
        aggregate_type: event.aggregate_type.clone(),
        aggregate_id: event.aggregate_id,
    };
    let mut out = vec![ReadModelChange::Activity { workspace, chain_seq: event.chain_seq, entry }];
    if event.aggregate_type == "document" {
        out.push(ReadModelChange::RefreshSearch(DocumentId::from_uuid(event.aggregate_id)));
    }
    match event.event_type.as_str() {
        "document.created.v1" => {
            let DocumentFields { document_id } = fields(event)?;
            out.push(ReadModelChange::CountDocument { workspace, document: document_id });
        }
        "document.version_added.v1" => {
            let VersionFields { document_id, number, size } = fields(event)?;
            out.push(ReadModelChange::CountVersion { workspace, document: document_id, size });
            if process_versions {
                let version = VersionRef { workspace_id: workspace, document_id, version: number };
                out.push(ReadModelChange::ProcessVersion { version, added_at: event.occurred_at });
            }
        }
        "document.purged.v1" => {
            let DocumentFields { document_id } = fields(event)?;
            out.push(ReadModelChange::UncountDocument { workspace, document: document_id });
        }
        "folder.purged.v1" => {
            let FolderPurgeFields { document_ids } = fields(event)?;
            for document in document_ids {
                out.push(ReadModelChange::UncountDocument { workspace, document });
                out.push(ReadModelChange::ForgetSearch(document));
            }
        }
        "workspace.deleted.v1" => out.push(ReadModelChange::ForgetWorkspaceSearch(workspace)),
        _ => {}
    }
    Ok(out)
}

/// Events of one chain not applied yet, and where its cursor stood.
#[derive(Debug, Clone, PartialEq)]
pub struct UnappliedEvents {
    /// The chain position the cursor was at (0 before any).
    pub cursor: u64,
    /// The events after it, in chain order.
    pub events: Vec<RecordedEvent>,
}

/// Where the read models are kept.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ReadModels: Send + Sync {
    /// The chains with events past their cursor.
    ///
    /// # Errors
    /// Storage failures.
    async fn lagging_chains(&self) -> DomainResult<Vec<Uuid>>;

    /// Up to `limit` events of `chain` after its cursor.
    ///
    /// # Errors
    /// Storage failures.
    async fn unapplied(&self, chain: Uuid, limit: u32) -> DomainResult<UnappliedEvents>;

    /// Moves the chain's cursor from `from` to `to` and applies `changes`,
    /// atomically; does nothing and says `false` when the cursor is no
    /// longer at `from` (another worker applied those events).
    ///
    /// # Errors
    /// Storage failures; nothing changes then.
    async fn apply(&self, chain: Uuid, from: u64, to: u64, changes: &[ReadModelChange]) -> DomainResult<bool>;

    /// Drops every read model and every cursor.
    ///
    /// # Errors
    /// Storage failures.
    async fn clear(&self) -> DomainResult<()>;

    /// A page of the workspace's activity, newest first, before `before`.
    ///
    /// # Errors
    /// Storage failures.
    async fn activity(&self, workspace: WorkspaceId, before: Option<u64>, limit: u32) -> DomainResult<Vec<Activity>>;

    /// The workspace's projected figures.
    ///
    /// # Errors
    /// Storage failures.
    async fn figures(&self, workspace: WorkspaceId) -> DomainResult<UsageFigures>;
}

/// Applies events to the read models.
#[derive(Clone)]
pub struct Projector {
    read_models: Arc<dyn ReadModels>,
    process_versions: bool,
}

impl std::fmt::Debug for Projector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Projector").field("process_versions", &self.process_versions).finish_non_exhaustive()
    }
}

impl Projector {
    /// A projector into `read_models`; `process_versions` says whether a
    /// new version is queued for processing (off when extraction is).
    #[must_use]
    pub fn new(read_models: Arc<dyn ReadModels>, process_versions: bool) -> Self {
        Self { read_models, process_versions }
    }

    /// The read models it writes.
    #[must_use]
    pub fn read_models(&self) -> &Arc<dyn ReadModels> {
        &self.read_models
    }

    /// Applies events not applied yet, at most `batch` per chain; returns
    /// how many it applied. Safe to run from several workers at once.
    ///
    /// # Errors
    /// Storage failures, and malformed payloads (what was applied before stays applied).
    pub async fn catch_up(&self, batch: u32) -> DomainResult<u64> {
        let mut applied = 0;
        for chain in self.read_models.lagging_chains().await? {
            let UnappliedEvents { cursor, events } = self.read_models.unapplied(chain, batch).await?;
            let Some(last) = events.last().map(|e| e.chain_seq) else { continue };
            let mut all = Vec::new();
            for event in &events {
                all.extend(changes(event, self.process_versions)?);
            }
            if self.read_models.apply(chain, cursor, last, &all).await? {
                applied += events.len() as u64;
            }
        }
        Ok(applied)
    }

    /// Drops the read models and replays every event; returns how many.
    ///
    /// # Errors
    /// Storage failures, and malformed payloads.
    pub async fn rebuild(&self) -> DomainResult<u64> {
        self.read_models.clear().await?;
        let mut total = 0;
        loop {
            let applied = self.catch_up(1000).await?;
            if applied == 0 {
                return Ok(total);
            }
            total += applied;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testkit::{block_on, now};

    fn event(chain_seq: u64, event_type: &str, aggregate_type: &str, payload: serde_json::Value) -> RecordedEvent {
        RecordedEvent {
            seq: 100 + chain_seq,
            chain_seq,
            workspace: Some(WorkspaceId::from_uuid(Uuid::from_u128(7))),
            occurred_at: now(),
            actor_kind: "user".into(),
            actor_id: None,
            event_type: event_type.into(),
            aggregate_type: aggregate_type.into(),
            aggregate_id: Uuid::from_u128(9),
            payload,
        }
    }

    fn doc(n: u128) -> DocumentId {
        DocumentId::from_uuid(Uuid::from_u128(n))
    }

    #[test]
    fn a_new_version_counts_refreshes_search_and_is_queued_for_processing() {
        let added = event(
            3,
            "document.version_added.v1",
            "document",
            serde_json::json!({"workspace_id": Uuid::from_u128(7), "document_id": Uuid::from_u128(9), "number": 2, "size": 512, "sha256": "x"}),
        );
        let ws = added.workspace.expect("workspace");
        let got = changes(&added, true).expect("changes");
        assert!(matches!(&got[0], ReadModelChange::Activity { entry, .. } if entry.seq == 103));
        assert_eq!(
            got[1..],
            [
                ReadModelChange::RefreshSearch(doc(9)),
                ReadModelChange::CountVersion { workspace: ws, document: doc(9), size: 512 },
                ReadModelChange::ProcessVersion {
                    version: VersionRef { workspace_id: ws, document_id: doc(9), version: 2 },
                    added_at: now(),
                },
            ]
        );
        let without = changes(&added, false).expect("changes");
        assert!(!without.iter().any(|c| matches!(c, ReadModelChange::ProcessVersion { .. })), "extraction off");
    }

    #[test]
    fn a_purged_folder_takes_each_of_its_documents_out_of_figures_and_search() {
        let purged = event(
            4,
            "folder.purged.v1",
            "folder",
            serde_json::json!({"document_ids": [Uuid::from_u128(1), Uuid::from_u128(2)], "folder_ids": []}),
        );
        let ws = purged.workspace.expect("workspace");
        let got = changes(&purged, true).expect("changes");
        assert_eq!(
            got[1..],
            [
                ReadModelChange::UncountDocument { workspace: ws, document: doc(1) },
                ReadModelChange::ForgetSearch(doc(1)),
                ReadModelChange::UncountDocument { workspace: ws, document: doc(2) },
                ReadModelChange::ForgetSearch(doc(2)),
            ]
        );
    }

    #[test]
    fn account_events_change_nothing_and_a_malformed_payload_is_an_error_not_a_skip() {
        let mut signed_in = event(1, "auth.session_started.v1", "user", serde_json::json!({}));
        signed_in.workspace = None;
        assert!(changes(&signed_in, true).expect("changes").is_empty());
        let broken = event(2, "document.version_added.v1", "document", serde_json::json!({"document_id": "nope"}));
        assert!(matches!(changes(&broken, true), Err(DomainError::Internal(_))));
    }

    #[test]
    fn a_batch_another_worker_applied_first_counts_nothing() {
        let chain = Uuid::from_u128(7);
        let mut models = MockReadModels::new();
        models.expect_lagging_chains().returning(move || Ok(vec![chain]));
        models.expect_unapplied().withf(move |c, limit| *c == chain && *limit == 10).returning(|_, _| {
            let created =
                event(5, "document.created.v1", "document", serde_json::json!({"document_id": Uuid::from_u128(9)}));
            Ok(UnappliedEvents { cursor: 4, events: vec![created] })
        });
        models
            .expect_apply()
            .withf(move |c, from, to, changes| *c == chain && (*from, *to) == (4, 5) && changes.len() == 3)
            .times(2)
            .returning({
                let mut first = true;
                move |_, _, _, _| Ok(std::mem::replace(&mut first, false))
            });
        let projector = Projector::new(Arc::new(models), true);
        assert_eq!(block_on(projector.catch_up(10)).expect("applied"), 1);
        assert_eq!(block_on(projector.catch_up(10)).expect("raced"), 0, "the cursor had moved");
    }
}
