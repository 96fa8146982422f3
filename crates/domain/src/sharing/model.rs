//! Share links: capability URLs that let anyone holding them read one document.

use chrono::{DateTime, Utc};

use crate::identity::PasswordHash;
use crate::ids::{DocumentId, ShareLinkId, UserId, WorkspaceId};
use crate::system::TokenHash;

/// The most downloads a link can allow.
pub const MAX_SHARE_DOWNLOADS: u32 = 1_000_000;

/// A share link as stored: the token itself is never kept, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShareLink {
    /// Id.
    pub id: ShareLinkId,
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// The document it shares.
    pub document_id: DocumentId,
    /// A pinned version; `None` follows the document's current version.
    pub version: Option<u32>,
    /// SHA-256 of the token.
    pub token_hash: TokenHash,
    /// The argon2 hash of the password, if one is asked for.
    pub password_hash: Option<PasswordHash>,
    /// When the link stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// How many downloads it allows, if limited.
    pub max_downloads: Option<u32>,
    /// Downloads so far.
    pub downloads: u32,
    /// Who created it.
    pub created_by: Option<UserId>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Why a link no longer works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkGone {
    /// Its creator or an admin revoked it.
    Revoked,
    /// Its expiry passed.
    Expired,
    /// Its downloads are used up.
    Exhausted,
}

impl ShareLink {
    /// Why the link does not work at `now`, or `None` when it does.
    #[must_use]
    pub fn gone(&self, now: DateTime<Utc>) -> Option<LinkGone> {
        if self.revoked_at.is_some() {
            Some(LinkGone::Revoked)
        } else if self.expires_at.is_some_and(|at| at <= now) {
            Some(LinkGone::Expired)
        } else if self.max_downloads.is_some_and(|max| self.downloads >= max) {
            Some(LinkGone::Exhausted)
        } else {
            None
        }
    }

    /// Downloads left, if limited.
    #[must_use]
    pub fn downloads_left(&self) -> Option<u32> {
        self.max_downloads.map(|max| max.saturating_sub(self.downloads))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn link(now: DateTime<Utc>) -> ShareLink {
        ShareLink {
            id: ShareLinkId::from_uuid(uuid::Uuid::nil()),
            workspace_id: WorkspaceId::from_uuid(uuid::Uuid::nil()),
            document_id: DocumentId::from_uuid(uuid::Uuid::nil()),
            version: None,
            token_hash: TokenHash::from_hex("00".into()),
            password_hash: None,
            expires_at: Some(now + chrono::Duration::hours(1)),
            max_downloads: Some(2),
            downloads: 1,
            created_by: None,
            created_at: now,
            revoked_at: None,
        }
    }

    #[test]
    fn a_link_works_until_revoked_expired_or_used_up() {
        let now = Utc::now();
        let live = link(now);
        assert_eq!(live.gone(now), None);
        assert_eq!(live.downloads_left(), Some(1));
        assert_eq!(live.gone(now + chrono::Duration::hours(1)), Some(LinkGone::Expired), "expiry is exclusive");
        assert_eq!(ShareLink { downloads: 2, ..live.clone() }.gone(now), Some(LinkGone::Exhausted));
        let revoked = ShareLink { revoked_at: Some(now), downloads: 2, ..live };
        assert_eq!(revoked.gone(now + chrono::Duration::days(1)), Some(LinkGone::Revoked), "revocation wins");
    }
}
