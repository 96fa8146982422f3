//! What verifying the audit trail's hash chains finds.

use crate::ids::WorkspaceId;

/// Why a chain is broken at an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChainBreak {
    /// The event's content no longer matches its hash: it was changed.
    Altered,
    /// The event at this position is missing: it was deleted.
    Missing,
    /// The event does not name the hash of the one before it.
    Relinked,
}

impl ChainBreak {
    /// A sentence for people.
    #[must_use]
    pub const fn describe(self) -> &'static str {
        match self {
            ChainBreak::Altered => "the event's content does not match its hash: it was changed after it was written",
            ChainBreak::Missing => "the event at this position is missing: it was deleted",
            ChainBreak::Relinked => "the event does not follow the hash of the event before it",
        }
    }
}

/// The outcome of walking one chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// The workspace, or `None` for the account-level chain.
    pub workspace: Option<WorkspaceId>,
    /// The last position up to which the chain is intact (0: none).
    pub intact_up_to: u64,
    /// Where and why it breaks, if it does.
    pub broken_at: Option<(u64, ChainBreak)>,
}

impl ChainReport {
    /// Whether the whole chain verified.
    #[must_use]
    pub fn is_intact(&self) -> bool {
        self.broken_at.is_none()
    }

    /// The chain's name for people: `workspace {id}` or `accounts`.
    #[must_use]
    pub fn chain_name(&self) -> String {
        self.workspace.map_or_else(|| "accounts".to_owned(), |w| format!("workspace {w}"))
    }
}

/// An event as the audit trail shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// The global sequence (the order of the whole event store).
    pub seq: u64,
    /// The position in its workspace's chain.
    pub chain_seq: u64,
    /// The event id.
    pub id: uuid::Uuid,
    /// The workspace.
    pub workspace_id: Option<WorkspaceId>,
    /// The aggregate's type (`document`, `folder`, …).
    pub aggregate_type: String,
    /// The aggregate's id.
    pub aggregate_id: uuid::Uuid,
    /// The versioned type, e.g. `document.version_added.v1`.
    pub event_type: String,
    /// `user`, `api_key`, `share_link`, `system` or `anonymous`.
    pub actor_kind: String,
    /// The user, key or link.
    pub actor_id: Option<uuid::Uuid>,
    /// The request that caused it.
    pub request_id: Option<String>,
    /// The client address.
    pub ip: Option<String>,
    /// The client's user agent.
    pub user_agent: Option<String>,
    /// When.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// The payload, as the JSON text it was stored as.
    pub payload: String,
    /// The event's hash in its chain.
    pub hash: String,
}

/// Which events to read, and in which order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EventQuery {
    /// The workspace (required: the trail is read one workspace at a time).
    pub workspace: Option<WorkspaceId>,
    /// At or after this time.
    pub from: Option<chrono::DateTime<chrono::Utc>>,
    /// Before this time.
    pub to: Option<chrono::DateTime<chrono::Utc>>,
    /// Caused by this user, key or link.
    pub actor_id: Option<uuid::Uuid>,
    /// Of this type.
    pub event_type: Option<String>,
    /// About this aggregate type…
    pub aggregate_type: Option<String>,
    /// …and id.
    pub aggregate_id: Option<uuid::Uuid>,
    /// Newest first (the default) or oldest first.
    pub oldest_first: bool,
    /// Continue after this global sequence (exclusive), in the query's order.
    pub after: Option<u64>,
}

/// One line of a workspace's activity feed (a read model of its events).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    /// The event's global sequence.
    pub seq: u64,
    /// When.
    pub occurred_at: chrono::DateTime<chrono::Utc>,
    /// `user`, `api_key`, `share_link` or `system`.
    pub actor_kind: String,
    /// The user, key or link.
    pub actor_id: Option<uuid::Uuid>,
    /// The versioned event type.
    pub event_type: String,
    /// What it was about.
    pub aggregate_type: String,
    /// Which one.
    pub aggregate_id: uuid::Uuid,
}

/// A workspace's figures, projected from its events.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UsageFigures {
    /// Documents not purged (live or in the trash).
    pub documents: u64,
    /// Their versions.
    pub versions: u64,
    /// The bytes of those versions (identical content counted each time).
    pub bytes: u64,
}
