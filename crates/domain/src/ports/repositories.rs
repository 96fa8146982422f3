//! Persistence of users, sessions, workspaces, API keys and folders.
//!
//! Every method that changes state takes the events the change produced and
//! must persist both in one transaction: either the change and all of its
//! events are stored, or neither is.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::DomainResult;
use crate::events::{NewEvent, RevocationReason};
use crate::ids::{ApiKeyId, DocumentId, FolderId, SessionId, ShareLinkId, UserId, WorkspaceId};
use crate::model::{
    ApiKey, ChildCursor, ChildOrder, Children, Document, DocumentVersion, Email, Folder, ItemName, Member, Membership,
    PasswordHash, RefreshToken, Session, Sha256, ShareLink, Subtree, TokenHash, Trash, TrashedItem, User, Workspace,
    WorkspaceName, WorkspaceSummary,
};
use crate::ports::{BlobKey, BlobStore, StoredBlob};

/// A blob store as services hold it (behind an `Arc`).
pub type StaticBlobStore = dyn BlobStore + 'static;
use crate::page::{Page, PageRequest};
use crate::policy::Role;

/// User accounts.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait UserRepository: Send + Sync {
    /// Stores a new user.
    ///
    /// # Errors
    /// [`crate::DomainError::Conflict`] with [`crate::Conflict::EmailTaken`]
    /// when the email is in use; `Internal`/`Unavailable` on storage failures.
    async fn create(&self, user: &User, events: &[NewEvent]) -> DomainResult<()>;

    /// The user with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; a missing user is `Ok(None)`.
    async fn get(&self, id: UserId) -> DomainResult<Option<User>>;

    /// The user with this (normalised) email.
    ///
    /// # Errors
    /// As [`UserRepository::get`].
    async fn find_by_email(&self, email: &Email) -> DomainResult<Option<User>>;

    /// How many users exist.
    ///
    /// # Errors
    /// As [`UserRepository::get`].
    async fn count(&self) -> DomainResult<u64>;

    /// Replaces the password hash and revokes every active session of the
    /// user except `keep`, returning the ids of the sessions it revoked.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when the user does not exist;
    /// `Internal`/`Unavailable` on storage failures.
    async fn set_password(
        &self,
        id: UserId,
        hash: &PasswordHash,
        keep: Option<SessionId>,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<Vec<SessionId>>;
}

/// Login sessions and their refresh tokens.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait SessionRepository: Send + Sync {
    /// Stores a new session with its first refresh token.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(&self, session: &Session, token: &RefreshToken, events: &[NewEvent]) -> DomainResult<()>;

    /// The session with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn get(&self, id: SessionId) -> DomainResult<Option<Session>>;

    /// The refresh token with this hash and its session.
    ///
    /// # Errors
    /// As [`SessionRepository::get`].
    async fn find_refresh_token(&self, hash: &TokenHash) -> DomainResult<Option<(RefreshToken, Session)>>;

    /// Marks `old` used and stores `new` in the same session, but only if
    /// `old` was still unused: of any number of concurrent calls with the same
    /// `old`, exactly one returns `true`. Also records the session as used at
    /// `new.created_at`. A `false` result stores nothing.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn rotate_refresh_token(
        &self,
        old: &TokenHash,
        new: &RefreshToken,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Revokes an active session; returns `false` (and stores nothing) when it
    /// was already revoked or does not exist.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn revoke(
        &self,
        id: SessionId,
        reason: RevocationReason,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// The user's sessions that are active at `now`, newest first.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn list_active(&self, user: UserId, now: DateTime<Utc>) -> DomainResult<Vec<Session>>;
}

/// Workspaces and memberships.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait WorkspaceRepository: Send + Sync {
    /// Stores a new workspace with its first owner and its root folder
    /// (whose id is `workspace.root_folder_id`).
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(
        &self,
        workspace: &Workspace,
        owner: &Membership,
        root: &Folder,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// The workspace with this id.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn get(&self, id: WorkspaceId) -> DomainResult<Option<Workspace>>;

    /// The workspaces `user` belongs to, with their role, in id order.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn list_for_user(&self, user: UserId, page: PageRequest) -> DomainResult<Page<WorkspaceSummary>>;

    /// Renames a workspace.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when it does not exist; storage failures.
    async fn rename(
        &self,
        id: WorkspaceId,
        name: &WorkspaceName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Deletes a workspace and everything it holds (events are kept).
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] when it does not exist; storage failures.
    async fn delete(&self, id: WorkspaceId, events: &[NewEvent]) -> DomainResult<()>;

    /// `user`'s membership of `workspace`.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn membership(&self, workspace: WorkspaceId, user: UserId) -> DomainResult<Option<Membership>>;

    /// The members of a workspace with their profiles, in user-id order.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::get`].
    async fn list_members(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<Member>>;

    /// Adds a member.
    ///
    /// # Errors
    /// [`crate::Conflict::AlreadyMember`] when the user is a member already;
    /// storage failures.
    async fn add_member(&self, membership: &Membership, events: &[NewEvent]) -> DomainResult<()>;

    /// Changes a member's role. Serialised per workspace with every other
    /// membership change, and refused when no owner would remain.
    ///
    /// # Errors
    /// [`crate::DomainError::NotFound`] (member) when not a member;
    /// [`crate::Conflict::LastOwner`] when it would leave no owner; storage failures.
    async fn change_role(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        role: Role,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Removes a member, with the same serialisation and owner guard as
    /// [`WorkspaceRepository::change_role`], and revokes (at `now`) the
    /// listed API keys of the workspace that are still active, in the same
    /// transaction.
    ///
    /// # Errors
    /// As [`WorkspaceRepository::change_role`].
    async fn remove_member(
        &self,
        workspace: WorkspaceId,
        user: UserId,
        revoke_keys: &[ApiKeyId],
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;
}

/// API keys.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ApiKeyRepository: Send + Sync {
    /// Stores a new key.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures.
    async fn create(&self, key: &ApiKey, events: &[NewEvent]) -> DomainResult<()>;

    /// The key whose secret hashes to `hash`.
    ///
    /// # Errors
    /// `Internal`/`Unavailable` on storage failures; missing is `Ok(None)`.
    async fn find_by_hash(&self, hash: &TokenHash) -> DomainResult<Option<ApiKey>>;

    /// A workspace's keys, revoked ones included, in id order.
    ///
    /// # Errors
    /// As [`ApiKeyRepository::find_by_hash`].
    async fn list(&self, workspace: WorkspaceId, page: PageRequest) -> DomainResult<Page<ApiKey>>;

    /// Revokes an active key of `workspace`; `false` (nothing stored) when it
    /// is unknown there or already revoked.
    ///
    /// # Errors
    /// Storage failures.
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ApiKeyId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Records that the key authenticated a request at `now`.
    ///
    /// # Errors
    /// Storage failures.
    async fn touch(&self, id: ApiKeyId, now: DateTime<Utc>) -> DomainResult<()>;
}

/// What one request of a share link takes from its download limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadCharge {
    /// The bytes this request serves.
    pub bytes: u64,
    /// The size of one whole copy of what the link serves.
    pub copy_bytes: u64,
    /// Whether it starts a copy (the whole file, or a range from byte 0),
    /// which counts as a download.
    pub starts_copy: bool,
}

/// Folders.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait FolderRepository: Send + Sync {
    /// Stores a new folder under its parent.
    ///
    /// # Errors
    /// [`crate::Conflict::NameTaken`] when a sibling has the same name (case-insensitively);
    /// [`crate::DomainError::NotFound`] with [`crate::Entity::Folder`] when the parent is not in the workspace.
    async fn create(&self, folder: &Folder, events: &[NewEvent]) -> DomainResult<()>;

    /// A folder of the workspace.
    ///
    /// # Errors
    /// Storage failures; a folder of another workspace is `Ok(None)`.
    async fn get(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Folder>>;

    /// The folder and its ancestors, the root first and the folder last.
    ///
    /// # Errors
    /// `NotFound(Folder)` when the folder is not in the workspace.
    async fn path(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Vec<Folder>>;

    /// Renames a folder.
    ///
    /// # Errors
    /// `Conflict(NameTaken)`; `NotFound(Folder)`.
    async fn rename(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        name: &ItemName,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Moves a folder under `parent`. Serialised per workspace with other
    /// moves, and refused when `parent` is the folder or lies below it.
    ///
    /// # Errors
    /// `Conflict(FolderCycle)`, `Conflict(NameTaken)`, `Conflict(TooDeep)`; `NotFound(Folder)`.
    async fn move_to(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        parent: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Moves a folder and everything below it that is not in the trash yet
    /// to the trash, stamped with `now`.
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not a live folder of the workspace.
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: FolderId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Brings a trashed folder back, with everything that went to the trash
    /// with it (the same stamp).
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not in the trash or its parent is not
    /// live; `Conflict(NameTaken)` when a sibling took its name meanwhile.
    async fn restore(&self, workspace: WorkspaceId, id: FolderId, events: &[NewEvent]) -> DomainResult<()>;

    /// What the workspace's trash shows: folders and documents trashed on
    /// their own (not as part of a trashed folder), newest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn trash_items(&self, workspace: WorkspaceId, limit: u32) -> DomainResult<Trash>;

    /// Folders and documents trashed on their own (not as part of a
    /// trashed folder) before `before`, in every workspace, oldest first,
    /// at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn expired_trash(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, TrashedItem)>>;

    /// What purging a trashed folder would delete: the folder, everything
    /// below it, and their documents. `None` when it is not a trashed folder
    /// of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn trashed_subtree(&self, workspace: WorkspaceId, id: FolderId) -> DomainResult<Option<Subtree>>;

    /// Deletes a trashed folder for good with everything below it, but only
    /// if that is still exactly `expected` (`false`, nothing deleted,
    /// otherwise). Content no remaining version references is released.
    ///
    /// # Errors
    /// `NotFound(Folder)` when it is not a trashed folder of the workspace.
    async fn purge(
        &self,
        workspace: WorkspaceId,
        expected: &Subtree,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// A page of a folder's children in `order`.
    ///
    /// # Errors
    /// Storage failures.
    async fn children(
        &self,
        workspace: WorkspaceId,
        parent: FolderId,
        order: ChildOrder,
        after: Option<ChildCursor>,
        limit: u32,
    ) -> DomainResult<Children>;
}

/// Documents and their versions.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait DocumentRepository: Send + Sync {
    /// Stores a new document with its first version, and records the
    /// version's content as held by the workspace. With a `quota`, content
    /// the workspace does not hold yet must fit in it; the check and the
    /// write are atomic with respect to other uploads to the workspace.
    ///
    /// # Errors
    /// `Conflict(NameTaken)` when a document of the folder has the name;
    /// `NotFound(Folder)` when the folder is not in the workspace;
    /// `QuotaExceeded`.
    async fn create(
        &self,
        document: &Document,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Adds `version` as the document's newest, but only if the document's
    /// current version is still `version.number - 1`: of concurrent uploads
    /// computed from the same state exactly one succeeds, the others get
    /// `false` (and store nothing) and may retry from the new state. The
    /// quota is enforced as in [`DocumentRepository::create`].
    ///
    /// # Errors
    /// `NotFound(Document)` when the document is not in the workspace; `QuotaExceeded`.
    async fn add_version(
        &self,
        workspace: WorkspaceId,
        version: &DocumentVersion,
        quota: Option<u64>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Replaces the document's name, folder, description, tags and metadata
    /// with those of `document`, and sets its revision to
    /// `document.revision`, but only if the stored revision is still
    /// `document.revision - 1`; `false` (nothing stored) otherwise.
    ///
    /// # Errors
    /// `Conflict(NameTaken)`; `NotFound(Folder)` when the new folder is not
    /// in the workspace; `NotFound(Document)`.
    async fn update(&self, document: &Document, events: &[NewEvent]) -> DomainResult<bool>;

    /// Moves a live document to the trash, stamped with `now`.
    ///
    /// # Errors
    /// `NotFound(Document)`.
    async fn trash(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Brings a trashed document back.
    ///
    /// # Errors
    /// `NotFound(Document)` when it is not in the trash; `NotFound(Folder)`
    /// when its folder is not live; `Conflict(NameTaken)`.
    async fn restore(&self, workspace: WorkspaceId, id: DocumentId, events: &[NewEvent]) -> DomainResult<()>;

    /// Records that content is being written to `key`, so that an upload a
    /// dead process abandoned can be found and removed.
    ///
    /// # Errors
    /// Storage failures.
    async fn begin_upload(&self, workspace: WorkspaceId, key: &BlobKey, now: DateTime<Utc>) -> DomainResult<()>;

    /// Forgets an upload in flight whose content was removed (or never written).
    ///
    /// # Errors
    /// Storage failures.
    async fn end_upload(&self, key: &BlobKey) -> DomainResult<()>;

    /// Uploads begun before `before` and never finished, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn abandoned_uploads(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<BlobKey>>;

    /// Records that the upload written to `key` holds `sha256`, so that
    /// collection cannot delete that content while the upload is between
    /// writing it and recording its version. Content the workspace does not
    /// hold yet is recorded at `key`, released at `now`: if no version ever
    /// references it, collection removes it after its grace. Content the
    /// workspace holds already stays where it is, and the upload at `key`
    /// stays recorded as in flight until the caller removes it.
    ///
    /// Returns where the content is kept.
    ///
    /// # Errors
    /// [`crate::DomainError::UploadAborted`] when the upload is no longer
    /// recorded (it was taken for abandoned); storage failures.
    async fn reserve_blob(
        &self,
        workspace: WorkspaceId,
        blob: &StoredBlob,
        now: DateTime<Utc>,
    ) -> DomainResult<BlobKey>;

    /// Where the workspace keeps the content with this digest.
    ///
    /// # Errors
    /// Storage failures.
    async fn blob_key(&self, workspace: WorkspaceId, sha256: &Sha256) -> DomainResult<Option<BlobKey>>;

    /// Deletes a trashed document for good with its versions and share
    /// links. Content no remaining version references is released.
    ///
    /// # Errors
    /// `NotFound(Document)` when it is not a trashed document of the workspace.
    async fn purge(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<()>;

    /// Content released before `before`, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn released_blobs(&self, before: DateTime<Utc>, limit: u32) -> DomainResult<Vec<(WorkspaceId, Sha256)>>;

    /// Deletes released content from `store` and forgets it, if it is still
    /// released since before `before` and unreferenced. The record stays
    /// locked while the store deletes, so a concurrent upload of the same
    /// bytes either reserves it first (and it is kept) or waits and stores
    /// it anew. `true` when it was collected.
    ///
    /// # Errors
    /// Storage or blob store failures; the record is kept then.
    async fn collect_blob(
        &self,
        workspace: WorkspaceId,
        sha256: &Sha256,
        before: DateTime<Utc>,
        store: &StaticBlobStore,
    ) -> DomainResult<bool>;

    /// The bytes of distinct content the workspace holds.
    ///
    /// # Errors
    /// Storage failures.
    async fn usage(&self, workspace: WorkspaceId) -> DomainResult<u64>;

    /// A document of the workspace.
    ///
    /// # Errors
    /// Storage failures; another workspace's document is `Ok(None)`.
    async fn get(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Option<Document>>;

    /// One version of a document of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn version(
        &self,
        workspace: WorkspaceId,
        id: DocumentId,
        number: u32,
    ) -> DomainResult<Option<DocumentVersion>>;

    /// Every version of a document, newest first.
    ///
    /// # Errors
    /// Storage failures.
    async fn versions(&self, workspace: WorkspaceId, id: DocumentId) -> DomainResult<Vec<DocumentVersion>>;
}

/// Share links.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait ShareLinkRepository: Send + Sync {
    /// Stores a new link.
    ///
    /// # Errors
    /// `NotFound(Document)` when the document is not a live document of the workspace.
    async fn create(&self, link: &ShareLink, events: &[NewEvent]) -> DomainResult<()>;

    /// A link of the workspace.
    ///
    /// # Errors
    /// Storage failures.
    async fn get(&self, workspace: WorkspaceId, id: ShareLinkId) -> DomainResult<Option<ShareLink>>;

    /// The links of a document, newest first.
    ///
    /// # Errors
    /// Storage failures.
    async fn list(&self, workspace: WorkspaceId, document: DocumentId) -> DomainResult<Vec<ShareLink>>;

    /// The link whose token hashes to `hash`.
    ///
    /// # Errors
    /// Storage failures.
    async fn find_by_token(&self, hash: &TokenHash) -> DomainResult<Option<ShareLink>>;

    /// Revokes a link that is not revoked yet; `false` when it already was.
    ///
    /// # Errors
    /// `NotFound(ShareLink)`.
    async fn revoke(
        &self,
        workspace: WorkspaceId,
        id: ShareLinkId,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Charges one request against the link's download limit, atomically with
    /// the check that the link still works at `now` (not revoked, expired or
    /// used up): the bytes served so far plus `charge.bytes` stay within
    /// `max_downloads × charge.copy_bytes`, and a request that starts a copy
    /// also needs a download left. Of racing requests for the last bytes
    /// exactly one is charged. `false` (nothing stored) when the link no
    /// longer works or the charge does not fit.
    ///
    /// # Errors
    /// Storage failures.
    async fn count_download(
        &self,
        id: ShareLinkId,
        charge: DownloadCharge,
        now: DateTime<Utc>,
        events: &[NewEvent],
    ) -> DomainResult<bool>;

    /// Links, of any workspace, that expired before `now` without being
    /// revoked and whose expiry is not recorded yet, oldest first, at most `limit`.
    ///
    /// # Errors
    /// Storage failures.
    async fn expired_unrecorded(&self, now: DateTime<Utc>, limit: u32) -> DomainResult<Vec<ShareLink>>;

    /// Records a link's expiry with `events`, once: `false` when it was already recorded.
    ///
    /// # Errors
    /// Storage failures.
    async fn record_expiry(&self, id: ShareLinkId, at: DateTime<Utc>, events: &[NewEvent]) -> DomainResult<bool>;
}
