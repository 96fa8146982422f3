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
}
