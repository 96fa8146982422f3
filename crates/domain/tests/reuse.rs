//! Cabinet's domain reused as another team would reuse it: through its
//! public API only (this file is a crate of its own), with a blob store of
//! the team's own held to the same contract as Cabinet's stores, and the
//! upload use case run on fakes and mocks, without a database or a runtime.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use cabinet_domain::documents::{
    BlobContent, BlobKey, BlobStore, BlobWrite, ByteRange, ByteStream, DocumentService, MockBlobLedger,
    MockDocumentRepository, StoredBlob, Upload, UploadLimits,
};
use cabinet_domain::system::Runtime;
use cabinet_domain::testing::{FixedClock, MemoryBlobStore, SequentialIds, contracts::blob_store as contract};
use cabinet_domain::workspaces::{Membership, MockWorkspaceRepository};
use cabinet_domain::{Actor, DomainResult, FolderId, Origin, Principal, Role, SessionId, UserId, WorkspaceId};
use chrono::{TimeZone as _, Utc};
use futures::TryStreamExt as _;
use futures::executor::block_on;
use sha2::Digest as _;
use uuid::Uuid;

/// The team's store: Cabinet's in-memory one with a count of what it wrote,
/// standing in for whatever they keep files in.
#[derive(Default)]
struct CountingStore {
    inner: MemoryBlobStore,
    writes: AtomicU64,
}

#[async_trait]
impl BlobStore for CountingStore {
    fn allocate(&self, workspace: WorkspaceId) -> BlobKey {
        self.inner.allocate(workspace)
    }

    async fn open(&self, key: BlobKey) -> DomainResult<BlobWrite> {
        self.inner.open(key).await
    }

    async fn write(&self, write: &BlobWrite, body: ByteStream, max_bytes: u64) -> DomainResult<StoredBlob> {
        let stored = self.inner.write(write, body, max_bytes).await?;
        self.writes.fetch_add(1, Ordering::Relaxed);
        Ok(stored)
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> DomainResult<BlobContent> {
        self.inner.get(key, range).await
    }

    async fn size(&self, key: &BlobKey) -> DomainResult<Option<u64>> {
        self.inner.size(key).await
    }

    async fn delete(&self, key: &BlobKey) -> DomainResult<()> {
        self.inner.delete(key).await
    }

    async fn discard_upload(&self, write: &BlobWrite) -> DomainResult<u64> {
        self.inner.discard_upload(write).await
    }
}

#[test]
fn a_store_of_our_own_keeps_the_blob_store_contract() {
    let store = CountingStore::default();
    block_on(contract::every_rule(&store));
    assert!(store.writes.load(Ordering::Relaxed) > 0);
}

#[test]
fn an_upload_runs_on_fakes_and_records_what_the_store_holds() {
    let now = Utc.with_ymd_and_hms(2026, 12, 8, 9, 0, 0).single().expect("a time");
    let (ws, me) = (WorkspaceId::from_uuid(Uuid::from_u128(1)), UserId::from_uuid(Uuid::from_u128(2)));
    let mut workspaces = MockWorkspaceRepository::new();
    workspaces.expect_membership().returning(move |w, u| {
        Ok(Some(Membership { workspace_id: w, user_id: u, role: Role::Editor, created_at: now }))
    });
    let mut ledger = MockBlobLedger::new();
    ledger.expect_begin_upload().times(1).returning(|_, _, _| Ok(()));
    ledger.expect_reserve_blob().times(1).returning(|_, blob, _| Ok(blob.key.clone()));
    let mut documents = MockDocumentRepository::new();
    documents
        .expect_create()
        .withf(|doc, version, _, events| doc.name.as_str() == "notes.txt" && version.size == 11 && events.len() == 2)
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let store = Arc::new(CountingStore::default());
    let service = DocumentService::new(
        Runtime { clock: Arc::new(FixedClock::at(now)), ids: Arc::new(SequentialIds::default()) },
        Arc::new(documents),
        Arc::new(ledger),
        store.clone(),
        Arc::new(workspaces),
        UploadLimits { max_upload_bytes: 1024, workspace_quota_bytes: None },
    );
    let actor = Actor {
        principal: Principal::User {
            user_id: me,
            session_id: SessionId::from_uuid(Uuid::from_u128(3)),
            token_id: Uuid::from_u128(4),
            token_expires_at: now + chrono::TimeDelta::minutes(10),
            instance_admin: false,
        },
        origin: Origin::default(),
    };
    let body: ByteStream = Box::pin(futures::stream::iter([Ok(Bytes::from_static(b"hello notes"))]));
    let upload = Upload { filename: "notes.txt".into(), declared_type: Some("text/plain".into()), note: None, body };
    let folder = FolderId::from_uuid(Uuid::from_u128(5));
    let (document, version) = block_on(service.upload(&actor, ws, folder, "notes.txt", upload)).expect("uploaded");

    assert_eq!(document.workspace_id, ws);
    assert_eq!(version.sha256.as_str(), hex::encode(sha2::Sha256::digest(b"hello notes")));
    assert_eq!(version.content_type, "text/plain");
    assert_eq!(store.writes.load(Ordering::Relaxed), 1);
    // The bytes are where the store put them: the first key it handed out.
    let first = BlobKey::new(format!("workspaces/{ws}/objects/1"));
    let content = block_on(store.get(&first, None)).expect("stored");
    let bytes: Vec<Bytes> = block_on(content.body.try_collect()).expect("read");
    assert_eq!(bytes.concat(), b"hello notes");
}
