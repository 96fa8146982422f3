use std::sync::Arc;

use bytes::Bytes;
use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::Role;
use crate::documents::*;
use crate::documents::{MockBlobLedger, MockBlobStore, MockDocumentRepository};
use crate::testkit::{self, block_on, membership, now, user_actor};
use crate::workspaces::MockWorkspaceRepository;

const DIGEST: &str = testkit::ABC_DIGEST;

fn ids() -> (WorkspaceId, crate::UserId) {
    (WorkspaceId::from_uuid(Uuid::new_v4()), crate::UserId::from_uuid(Uuid::new_v4()))
}

fn upload(name: &str) -> Upload {
    let chunks: Vec<Result<Bytes, std::io::Error>> = vec![Ok(Bytes::from_static(b"abc"))];
    Upload { filename: name.into(), declared_type: None, note: None, body: Box::pin(futures::stream::iter(chunks)) }
}

fn key(ws: WorkspaceId) -> BlobKey {
    BlobKey::new(format!("workspaces/{ws}/objects/1"))
}

/// The id S3 would give the multipart upload of [`key`].
const UPLOAD_ID: &str = "multipart-1";

/// A write opened as S3 opens one: with an upload of its own.
#[allow(clippy::unnecessary_wraps, reason = "the mock's return type")]
fn opened(key: BlobKey) -> DomainResult<BlobWrite> {
    Ok(BlobWrite { key, upload_id: Some(UPLOAD_ID.into()) })
}

fn is_opened(write: &BlobWrite, ws: WorkspaceId) -> bool {
    write.key == key(ws) && write.upload_id.as_deref() == Some(UPLOAD_ID)
}

fn written(key: &BlobKey, sniffed: Option<&str>) -> StoredBlob {
    StoredBlob {
        key: key.clone(),
        sha256: Sha256::parse(DIGEST).expect("digest"),
        size: 3,
        sniffed_type: sniffed.map(Into::into),
    }
}

/// Expects one upload to be recorded as in flight, written (up to `max`
/// bytes) and reserved under its digest, in that order; the workspace did
/// not hold the content, so it stays where it was written.
fn expect_stored(blobs: &mut MockBlobStore, ledger: &mut MockBlobLedger, sniffed: Option<&'static str>) {
    let mut order = mockall::Sequence::new();
    blobs.expect_allocate().times(1).in_sequence(&mut order).returning(key);
    blobs.expect_open().times(1).in_sequence(&mut order).returning(opened);
    ledger
        .expect_begin_upload()
        .withf(|ws, w, at| is_opened(w, *ws) && *at == now())
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, _, _| Ok(()));
    blobs
        .expect_write()
        .withf(|w, _, max| w.upload_id.as_deref() == Some(UPLOAD_ID) && *max == 1024)
        .times(1)
        .in_sequence(&mut order)
        .returning(move |w, _, _| Ok(written(&w.key, sniffed)));
    ledger
        .expect_reserve_blob()
        .withf(|_, blob, at| blob.sha256.as_str() == DIGEST && blob.size == 3 && *at == now())
        .times(1)
        .in_sequence(&mut order)
        .returning(|_, blob, _| Ok(blob.key.clone()));
    blobs.expect_delete().never();
    blobs.expect_discard_upload().never();
    ledger.expect_end_upload().never();
}

fn service(
    ws: WorkspaceId,
    user: crate::UserId,
    role: Role,
    docs: MockDocumentRepository,
    ledger: MockBlobLedger,
    blobs: MockBlobStore,
) -> DocumentService {
    let mut workspaces = MockWorkspaceRepository::new();
    workspaces.expect_membership().with(eq(ws), eq(user)).returning(move |w, u| Ok(Some(membership(w, u, role))));
    DocumentService::new(
        testkit::runtime(),
        Arc::new(docs),
        Arc::new(ledger),
        Arc::new(blobs),
        Arc::new(workspaces),
        UploadLimits { max_upload_bytes: 1024, workspace_quota_bytes: None },
    )
}

/// `me`, with `role`, uploads `name` into some folder of `ws`.
fn upload_as(
    ws: WorkspaceId,
    me: crate::UserId,
    role: Role,
    docs: MockDocumentRepository,
    ledger: MockBlobLedger,
    blobs: MockBlobStore,
    name: &str,
) -> DomainResult<(Document, DocumentVersion)> {
    let folder = FolderId::from_uuid(Uuid::new_v4());
    block_on(service(ws, me, role, docs, ledger, blobs).upload(&user_actor(me), ws, folder, name, upload(name)))
}

fn document(ws: WorkspaceId, current: u32) -> Document {
    testkit::document(ws, DocumentId::from_uuid(Uuid::new_v4()), current, "a.txt")
}

fn version(doc: DocumentId, number: u32) -> DocumentVersion {
    testkit::version(doc, number, "a.txt")
}

#[test]
fn an_upload_streams_to_the_store_then_records_the_document_and_its_first_version() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    expect_stored(&mut blobs, &mut ledger, Some("image/png"));
    docs.expect_create()
        .withf(move |d, v, _, events| {
            d.current_version == 1
                && v.number == 1
                && v.document_id == d.id
                && v.sha256.as_str() == DIGEST
                && v.content_type == "image/png"
                && v.author == Some(me)
                && events.iter().map(|e| e.payload.event_type()).collect::<Vec<_>>()
                    == ["document.created.v1", "document.version_added.v1"]
        })
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    let folder = FolderId::from_uuid(Uuid::new_v4());
    let (doc, v) = block_on(service(ws, me, Role::Editor, docs, ledger, blobs).upload(
        &user_actor(me),
        ws,
        folder,
        "Logo",
        upload("logo.png"),
    ))
    .expect("uploaded");
    assert_eq!(doc.folder_id, folder);
    assert_eq!(v.filename.as_str(), "logo.png");
}

/// An upload to a workspace that holds the same bytes already.
fn expect_deduplicated(blobs: &mut MockBlobStore, ledger: &mut MockBlobLedger) {
    let mut order = mockall::Sequence::new();
    blobs.expect_allocate().times(1).in_sequence(&mut order).returning(key);
    blobs.expect_open().times(1).in_sequence(&mut order).returning(opened);
    ledger.expect_begin_upload().times(1).in_sequence(&mut order).returning(|_, _, _| Ok(()));
    blobs.expect_write().times(1).in_sequence(&mut order).returning(|w, _, _| Ok(written(&w.key, None)));
    ledger
        .expect_reserve_blob()
        .times(1)
        .in_sequence(&mut order)
        .returning(|ws, _, _| Ok(BlobKey::new(format!("workspaces/{ws}/objects/older"))));
    blobs
        .expect_delete()
        .withf(|k| k.as_str().ends_with("/objects/1"))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    ledger
        .expect_end_upload()
        .withf(|k| k.as_str().ends_with("/objects/1"))
        .times(1)
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
}

#[test]
fn content_the_workspace_holds_already_is_shared_and_the_new_copy_removed() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    expect_deduplicated(&mut blobs, &mut ledger);
    docs.expect_create().withf(|_, v, _, _| v.sha256.as_str() == DIGEST).times(1).returning(|_, _, _, _| Ok(()));
    upload_as(ws, me, Role::Editor, docs, ledger, blobs, "a.txt").expect("uploaded");
}

#[test]
fn a_failed_write_is_removed_and_forgotten_and_records_nothing() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    blobs.expect_allocate().returning(key);
    blobs.expect_open().returning(opened);
    ledger.expect_begin_upload().times(1).returning(|_, _, _| Ok(()));
    blobs.expect_write().times(1).returning(|_, _, _| Err(DomainError::UploadAborted("connection reset".into())));
    ledger.expect_reserve_blob().never();
    blobs.expect_discard_upload().withf(move |w| is_opened(w, ws)).times(1).returning(|_| Ok(1));
    ledger.expect_end_upload().withf(move |k| *k == key(ws)).times(1).returning(|_| Ok(()));
    docs.expect_create().never();
    let err = upload_as(ws, me, Role::Editor, docs, ledger, blobs, "a.txt");
    assert!(matches!(err, Err(DomainError::UploadAborted(_))));
}

#[test]
fn an_upload_that_cannot_be_removed_stays_recorded_for_the_sweep() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    blobs.expect_allocate().returning(key);
    blobs.expect_open().returning(opened);
    ledger.expect_begin_upload().times(1).returning(|_, _, _| Ok(()));
    blobs.expect_write().times(1).returning(|_, _, _| Err(DomainError::TooLarge { limit: 1024 }));
    blobs.expect_discard_upload().times(1).returning(|_| Err(DomainError::Unavailable("store down".into())));
    ledger.expect_end_upload().never();
    let err = upload_as(ws, me, Role::Editor, docs, ledger, blobs, "a.txt");
    assert!(matches!(err, Err(DomainError::TooLarge { limit: 1024 })));
}

#[test]
fn a_write_the_ledger_could_not_record_is_discarded_before_any_byte_is_sent() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    blobs.expect_allocate().returning(key);
    blobs.expect_open().times(1).returning(opened);
    ledger.expect_begin_upload().times(1).returning(|_, _, _| Err(DomainError::Unavailable("database down".into())));
    blobs.expect_write().never();
    blobs.expect_discard_upload().withf(move |w| is_opened(w, ws)).times(1).returning(|_| Ok(1));
    docs.expect_create().never();
    let err = upload_as(ws, me, Role::Editor, docs, ledger, blobs, "a.txt");
    assert!(matches!(err, Err(DomainError::Unavailable(_))), "{err:?}");
}

#[test]
fn unrecognised_content_is_opaque_whatever_the_name_says() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    expect_stored(&mut blobs, &mut ledger, None);
    docs.expect_create()
        .withf(|_, v, _, _| v.content_type == OPAQUE_CONTENT_TYPE)
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    upload_as(ws, me, Role::Editor, docs, ledger, blobs, "x.html").expect("uploaded");
}

#[test]
fn viewers_cannot_upload_and_nothing_is_stored() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    blobs.expect_write().never();
    let mut docs = MockDocumentRepository::new();
    docs.expect_create().never();
    let err = upload_as(ws, me, Role::Viewer, docs, MockBlobLedger::new(), blobs, "a");
    assert!(matches!(err, Err(DomainError::Forbidden(_))));
}

#[test]
fn invalid_names_are_refused_before_any_byte_is_stored() {
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    blobs.expect_write().never();
    let svc = service(ws, me, Role::Editor, MockDocumentRepository::new(), MockBlobLedger::new(), blobs);
    let err = block_on(svc.upload(
        &user_actor(me),
        ws,
        FolderId::from_uuid(Uuid::new_v4()),
        "../../etc/passwd",
        upload("ok.txt"),
    ));
    assert!(matches!(err, Err(DomainError::Invalid(_))));
}

#[test]
fn a_new_version_retries_when_another_upload_wins_the_race() {
    let (ws, me) = ids();
    let doc = document(ws, 1);
    let id = doc.id;
    let mut current = 1;
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    docs.expect_get().returning(move |_, _| {
        let mut d = doc.clone();
        d.current_version = current;
        current = 2; // another upload landed in between
        Ok(Some(d))
    });
    let mut attempts = 0;
    docs.expect_add_version().times(2).returning(move |_, v, _, events| {
        attempts += 1;
        assert!(matches!(events[0].payload, EventPayload::VersionAdded { number, .. } if number == v.number));
        Ok(attempts == 2 && v.number == 3)
    });
    let mut blobs = MockBlobStore::new();
    expect_stored(&mut blobs, &mut ledger, None);
    let v = block_on(service(ws, me, Role::Editor, docs, ledger, blobs).add_version(
        &user_actor(me),
        ws,
        id,
        upload("a.txt"),
    ))
    .expect("added");
    assert_eq!(v.number, 3);
}

#[test]
fn a_matching_etag_never_opens_the_content() {
    let (ws, me) = ids();
    let doc = document(ws, 2);
    let id = doc.id;
    let mut docs = MockDocumentRepository::new();
    docs.expect_get().returning(move |_, _| Ok(Some(doc.clone())));
    docs.expect_version().with(eq(ws), eq(id), eq(2)).returning(move |_, d, n| Ok(Some(version(d, n))));
    let mut blobs = MockBlobStore::new();
    blobs.expect_get().never();
    let etag = Sha256::parse(DIGEST).expect("digest");
    let got = block_on(service(ws, me, Role::Viewer, docs, MockBlobLedger::new(), blobs).download(
        &user_actor(me),
        ws,
        id,
        None,
        None,
        &[etag],
    ))
    .expect("ok");
    assert!(got.content.is_none());
    assert_eq!(got.version.number, 2);
}

#[test]
fn ranges_outside_the_content_are_not_satisfiable() {
    let (ws, me) = ids();
    let id = DocumentId::from_uuid(Uuid::new_v4());
    let mut docs = MockDocumentRepository::new();
    docs.expect_version().returning(move |_, d, n| Ok(Some(version(d, n))));
    let mut blobs = MockBlobStore::new();
    blobs.expect_get().never();
    let range = RangeSpec::From { first: 3, last: None };
    let err = block_on(service(ws, me, Role::Viewer, docs, MockBlobLedger::new(), blobs).download(
        &user_actor(me),
        ws,
        id,
        Some(1),
        Some(range),
        &[],
    ));
    assert!(matches!(err, Err(DomainError::RangeNotSatisfiable { size: 3 })));
}

#[test]
fn a_missing_version_is_not_found() {
    let (ws, me) = ids();
    let mut docs = MockDocumentRepository::new();
    docs.expect_version().returning(|_, _, _| Ok(None));
    let err = block_on(service(ws, me, Role::Viewer, docs, MockBlobLedger::new(), MockBlobStore::new()).download(
        &user_actor(me),
        ws,
        DocumentId::from_uuid(Uuid::new_v4()),
        Some(9),
        None,
        &[],
    ));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Version))));
}

#[test]
fn the_quota_is_passed_to_the_repository_and_its_refusal_surfaces() {
    let (ws, me) = ids();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    docs.expect_create()
        .withf(|_, _, quota, _| *quota == Some(1000))
        .times(1)
        .returning(|_, _, _, _| Err(DomainError::QuotaExceeded { quota: 1000 }));
    let mut blobs = MockBlobStore::new();
    expect_stored(&mut blobs, &mut ledger, None);
    let mut workspaces = MockWorkspaceRepository::new();
    workspaces.expect_membership().returning(move |w, u| Ok(Some(membership(w, u, Role::Editor))));
    let svc = DocumentService::new(
        testkit::runtime(),
        Arc::new(docs),
        Arc::new(ledger),
        Arc::new(blobs),
        Arc::new(workspaces),
        UploadLimits { max_upload_bytes: 1024, workspace_quota_bytes: Some(1000) },
    );
    let err = block_on(svc.upload(&user_actor(me), ws, FolderId::from_uuid(Uuid::new_v4()), "big", upload("big")));
    assert!(matches!(err, Err(DomainError::QuotaExceeded { quota: 1000 })), "{err:?}");
}

#[test]
fn updates_check_the_revision_and_record_what_changed() {
    let (ws, me) = ids();
    let doc = document(ws, 1);
    let id = doc.id;
    let mut docs = MockDocumentRepository::new();
    docs.expect_get().returning(move |_, _| Ok(Some(doc.clone())));
    docs.expect_update()
        .withf(|d, events| {
            d.revision == 2
                && d.tags == ["Q3"]
                && d.name.as_str() == "Renamed"
                && matches!(&events[0].payload, EventPayload::DocumentUpdated { name: Some(n), description_changed: false, .. } if n == "Renamed")
        })
        .times(1)
        .returning(|_, _| Ok(true));
    let svc = service(ws, me, Role::Editor, docs, MockBlobLedger::new(), MockBlobStore::new());
    let changes = DocumentChanges {
        name: Some("Renamed".into()),
        tags: Some(vec!["Q3".into(), "q3".into()]),
        ..DocumentChanges::default()
    };
    let updated = block_on(svc.update(&user_actor(me), ws, id, changes, Some(1))).expect("updated");
    assert_eq!(updated.revision, 2);

    let stale = block_on(svc.update(&user_actor(me), ws, id, DocumentChanges::default(), Some(7)));
    assert!(matches!(stale, Err(DomainError::PreconditionFailed)));
}

#[test]
fn a_lost_race_on_update_is_a_failed_precondition() {
    let (ws, me) = ids();
    let doc = document(ws, 1);
    let id = doc.id;
    let mut docs = MockDocumentRepository::new();
    docs.expect_get().returning(move |_, _| Ok(Some(doc.clone())));
    docs.expect_update().returning(|_, _| Ok(false));
    let svc = service(ws, me, Role::Editor, docs, MockBlobLedger::new(), MockBlobStore::new());
    let err = block_on(svc.update(
        &user_actor(me),
        ws,
        id,
        DocumentChanges { description: Some("x".into()), ..DocumentChanges::default() },
        None,
    ));
    assert!(matches!(err, Err(DomainError::PreconditionFailed)));
}

#[test]
fn when_the_event_store_refuses_the_change_is_not_reported_as_done() {
    // The repository persists the change and its events in one transaction;
    // when the append fails it stores neither and says so, and the service
    // passes the failure on instead of returning a document.
    let (ws, me) = ids();
    let mut blobs = MockBlobStore::new();
    let mut docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    expect_stored(&mut blobs, &mut ledger, None);
    docs.expect_create()
        .withf(|_, _, _, events| events.len() == 2)
        .times(1)
        .returning(|_, _, _, _| Err(DomainError::Internal("the event store refused the append".into())));
    docs.expect_add_version().never();
    let result = upload_as(ws, me, Role::Editor, docs, ledger, blobs, "a.txt");
    assert!(matches!(result, Err(DomainError::Internal(_))), "{result:?}");
}

#[test]
fn collection_counts_only_abandoned_uploads_that_left_something_behind() {
    let (ws, me) = ids();
    let (left, clean) = (key(ws), BlobKey::new(format!("workspaces/{ws}/objects/2")));
    let mut blobs = MockBlobStore::new();
    let docs = MockDocumentRepository::new();
    let mut ledger = MockBlobLedger::new();
    ledger.expect_released_blobs().returning(|_, _| Ok(Vec::new()));
    let batch = vec![BlobWrite { key: left.clone(), upload_id: Some(UPLOAD_ID.into()) }, BlobWrite::plain(clean)];
    ledger.expect_abandoned_uploads().returning(move |_, _| Ok(batch.clone()));
    // The store is handed the upload's own id, which S3 needs to abort it.
    blobs
        .expect_discard_upload()
        .returning(move |w| Ok(if w.key == left && w.upload_id.as_deref() == Some(UPLOAD_ID) { 3 } else { 0 }));
    ledger.expect_end_upload().times(2).returning(|_| Ok(()));
    let collected = block_on(
        service(ws, me, Role::Owner, docs, ledger, blobs)
            .collect_garbage(&crate::Actor::system(), std::time::Duration::from_secs(60)),
    )
    .expect("collected");
    assert_eq!((collected.blobs, collected.abandoned_uploads), (0, 1));
}

/// Collects one released digest of which the ledger retires `home` (or
/// nothing, when an upload reserved it again), the store's delete answering
/// `delete`. Expects retire, delete and forget in that order, each only
/// when the step before it succeeded.
fn collect_released(retires: bool, delete: DomainResult<()>) -> DomainResult<Collected> {
    let (ws, me) = ids();
    let digest = Sha256::parse(DIGEST).expect("digest");
    let home = key(ws);
    let deleted = retires && delete.is_ok();
    let mut order = mockall::Sequence::new();
    let mut ledger = MockBlobLedger::new();
    let mut blobs = MockBlobStore::new();
    let due = digest.clone();
    ledger.expect_released_blobs().times(1).returning(move |_, _| Ok(vec![(ws, due.clone())]));
    let retired = retires.then(|| home.clone());
    ledger
        .expect_retire_blob()
        .withf(move |w, d, before| *w == ws && *d == digest && *before == now() - chrono::TimeDelta::seconds(60))
        .times(1)
        .in_sequence(&mut order)
        .returning(move |_, _, _| Ok(retired.clone()));
    let gone = home.clone();
    let mut delete = Some(delete);
    blobs
        .expect_delete()
        .withf(move |k| *k == gone)
        .times(usize::from(retires))
        .in_sequence(&mut order)
        .returning(move |_| delete.take().unwrap_or(Ok(())));
    ledger
        .expect_end_upload()
        .withf(move |k| *k == home)
        .times(usize::from(deleted))
        .in_sequence(&mut order)
        .returning(|_| Ok(()));
    ledger.expect_abandoned_uploads().returning(|_, _| Ok(Vec::new()));
    block_on(
        service(ws, me, Role::Owner, MockDocumentRepository::new(), ledger, blobs)
            .collect_garbage(&crate::Actor::system(), std::time::Duration::from_secs(60)),
    )
}

#[test]
fn released_content_leaves_the_ledger_before_its_object_is_deleted() {
    let collected = collect_released(true, Ok(())).expect("collected");
    assert_eq!((collected.blobs, collected.abandoned_uploads), (1, 0));
}

#[test]
fn content_an_upload_reserved_again_is_not_deleted() {
    let collected = collect_released(false, Ok(())).expect("collected");
    assert_eq!(collected.blobs, 0);
}

#[test]
fn a_failed_delete_leaves_the_key_recorded_for_the_sweep() {
    let err = collect_released(true, Err(DomainError::Unavailable("store down".into())));
    assert!(matches!(err, Err(DomainError::Unavailable(_))), "{err:?}");
}
