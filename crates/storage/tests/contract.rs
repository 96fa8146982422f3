//! One contract for every blob store: a local folder, memory, and a real S3
//! server (the test command starts s3s-fs on 127.0.0.1 and names it in
//! `CABINET_TEST_S3_ENDPOINT`; without it the S3 variant fails loudly).

use bytes::Bytes;
use cabinet_domain::model::{ByteRange, Sha256};
use cabinet_domain::ports::{BlobStore, ByteStream};
use cabinet_domain::{DomainError, Entity, WorkspaceId};
use cabinet_storage::{ObjectBlobStore, S3Options};
use futures::{StreamExt as _, TryStreamExt as _, stream};
use sha2::{Digest as _, Sha256 as Hasher};

fn workspace() -> WorkspaceId {
    WorkspaceId::from_uuid(uuid::Uuid::now_v7())
}

fn body(chunks: Vec<Vec<u8>>) -> ByteStream {
    stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from(c)))).boxed()
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Hasher::digest(bytes))
}

/// Deterministic bytes that do not repeat within a part.
fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| ((i * 31 + usize::from(seed) * 7) % 251) as u8).collect()
}

async fn read_all(store: &dyn BlobStore, ws: WorkspaceId, sha: &Sha256, range: Option<ByteRange>) -> Vec<u8> {
    let content = store.get(ws, sha, range).await.expect("get");
    content
        .body
        .try_fold(Vec::new(), |mut acc, chunk| async move {
            acc.extend_from_slice(&chunk);
            Ok(acc)
        })
        .await
        .expect("stream")
}

async fn content_round_trips_under_its_digest(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(300_000, 1);
    let chunks = data.chunks(65_536).map(<[u8]>::to_vec).collect();
    let stored = store.put(ws, body(chunks), 10_000_000).await.expect("put");
    assert_eq!(stored.sha256.as_str(), digest(&data));
    assert_eq!(stored.size, data.len() as u64);
    assert!(!stored.deduplicated);
    assert_eq!(store.size(ws, &stored.sha256).await.expect("size"), Some(data.len() as u64));
    assert_eq!(read_all(store, ws, &stored.sha256, None).await, data);
}

async fn large_content_streams_through_multipart(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(20 * 1024 * 1024 + 123, 2);
    let chunks = data.chunks(1 << 20).map(<[u8]>::to_vec).collect();
    let stored = store.put(ws, body(chunks), 64 * 1024 * 1024).await.expect("put");
    assert_eq!(stored.sha256.as_str(), digest(&data));
    let back = read_all(store, ws, &stored.sha256, None).await;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "content survives a multipart round trip");
}

async fn empty_content_is_content_too(store: &dyn BlobStore) {
    let ws = workspace();
    let stored = store.put(ws, body(vec![]), 10).await.expect("put");
    assert_eq!(stored.sha256.as_str(), digest(b""));
    assert_eq!(stored.size, 0);
    assert!(read_all(store, ws, &stored.sha256, None).await.is_empty());
}

async fn the_same_bytes_are_stored_once_per_workspace(store: &dyn BlobStore) {
    let (ws, other) = (workspace(), workspace());
    let data = b"the same bytes".to_vec();
    let first = store.put(ws, body(vec![data.clone()]), 100).await.expect("put");
    let second = store.put(ws, body(vec![data[..4].to_vec(), data[4..].to_vec()]), 100).await.expect("put");
    assert_eq!(first.sha256, second.sha256);
    assert!(!first.deduplicated && second.deduplicated);
    let elsewhere = store.put(other, body(vec![data.clone()]), 100).await.expect("put");
    assert!(!elsewhere.deduplicated, "workspaces do not share content");
    store.delete(ws, &first.sha256).await.expect("delete");
    assert_eq!(
        read_all(store, other, &elsewhere.sha256, None).await,
        data,
        "deleting in one workspace leaves the other"
    );
}

async fn ranges_return_exactly_their_bytes(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(10_000, 3);
    let stored = store.put(ws, body(vec![data.clone()]), 100_000).await.expect("put");
    for (start, end) in [(0, 0), (0, 9_999), (1_000, 1_999), (9_999, 9_999)] {
        let range = ByteRange::within(start, end, 10_000).expect("range");
        let content = store.get(ws, &stored.sha256, Some(range)).await.expect("get");
        assert_eq!(content.size, 10_000, "the whole size is reported");
        let got = read_all(store, ws, &stored.sha256, Some(range)).await;
        assert_eq!(got, data[start as usize..=end as usize]);
    }
}

async fn oversized_uploads_fail_and_leave_nothing(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(5_000, 4);
    let err =
        store.put(ws, body(vec![data[..3_000].to_vec(), data[3_000..].to_vec()]), 4_096).await.expect_err("too large");
    assert!(matches!(err, DomainError::TooLarge { limit: 4_096 }), "{err:?}");
    let sha = Sha256::parse(&digest(&data)).expect("digest");
    assert_eq!(store.size(ws, &sha).await.expect("size"), None);
}

async fn an_aborted_upload_leaves_nothing(store: &dyn BlobStore) {
    let ws = workspace();
    let first = Bytes::from(pattern(2 * 1024 * 1024, 5));
    let broken: ByteStream = stream::iter(vec![
        Ok(first.clone()),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")),
    ])
    .boxed();
    let err = store.put(ws, broken, 100_000_000).await.expect_err("aborted");
    assert!(matches!(err, DomainError::UploadAborted(_)), "{err:?}");
    let partial = Sha256::parse(&digest(&first)).expect("digest");
    assert_eq!(store.size(ws, &partial).await.expect("size"), None, "no blob for the bytes that did arrive");
}

async fn missing_content_is_not_found_and_deletes_are_idempotent(store: &dyn BlobStore) {
    let ws = workspace();
    let missing = Sha256::parse(&digest(b"never stored")).expect("digest");
    assert_eq!(store.size(ws, &missing).await.expect("size"), None);
    let err = store.get(ws, &missing, None).await.expect_err("missing");
    assert!(matches!(err, DomainError::NotFound(Entity::Blob)), "{err:?}");
    store.delete(ws, &missing).await.expect("deleting nothing succeeds");
    let stored = store.put(ws, body(vec![b"x".to_vec()]), 10).await.expect("put");
    store.delete(ws, &stored.sha256).await.expect("delete");
    store.delete(ws, &stored.sha256).await.expect("again");
    assert_eq!(store.size(ws, &stored.sha256).await.expect("size"), None);
}

async fn staged_content_is_invisible_until_committed(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(10_000, 6);
    let staged = store.stage(ws, body(vec![data.clone()]), 100_000).await.expect("stage");
    assert_eq!(staged.sha256.as_str(), digest(&data));
    assert_eq!(staged.size, 10_000);
    assert_eq!(store.size(ws, &staged.sha256).await.expect("size"), None, "not visible while staged");
    let stored = store.commit(&staged).await.expect("commit");
    assert!(!stored.deduplicated);
    assert_eq!(read_all(store, ws, &stored.sha256, None).await, data);

    let again = store.stage(ws, body(vec![data.clone()]), 100_000).await.expect("stage");
    store.discard(&again).await.expect("discard");
    store.discard(&again).await.expect("discarding twice succeeds");
    assert_eq!(read_all(store, ws, &stored.sha256, None).await, data, "the committed copy is untouched");
    let other = store.stage(ws, body(vec![b"other bytes".to_vec()]), 100_000).await.expect("stage");
    store.discard(&other).await.expect("discard");
    assert!(store.commit(&other).await.is_err(), "a discarded upload cannot be committed");
    assert_eq!(store.size(ws, &other.sha256).await.expect("size"), None);

    let forged = cabinet_domain::ports::StagedBlob { key: format!("workspaces/{ws}/blobs/x"), ..again };
    assert!(store.discard(&forged).await.is_err(), "only keys the store handed out are accepted");
}

fn s3() -> ObjectBlobStore {
    // Two TLS crypto providers are linked in; rustls needs one chosen, as `main` does.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let endpoint = std::env::var("CABINET_TEST_S3_ENDPOINT")
        .expect("CABINET_TEST_S3_ENDPOINT names the S3 server for tests (the test command starts one)");
    ObjectBlobStore::s3(&S3Options {
        endpoint: Some(endpoint),
        bucket: std::env::var("CABINET_TEST_S3_BUCKET").unwrap_or_else(|_| "cabinet-test".into()),
        region: "us-east-1".into(),
        access_key_id: std::env::var("CABINET_TEST_S3_ACCESS_KEY").unwrap_or_else(|_| "cabinet".into()),
        secret_access_key: std::env::var("CABINET_TEST_S3_SECRET_KEY").unwrap_or_else(|_| "cabinet-secret".into()),
        path_style: true,
        allow_http: true,
    })
    .expect("s3 store")
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test] async fn $name() {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = super::ObjectBlobStore::local(dir.path()).expect("local store");
                super::$name(&store).await;
            })*
        }
        mod memory {
            $(#[tokio::test] async fn $name() { super::$name(&super::ObjectBlobStore::memory()).await; })*
        }
        mod s3 {
            $(#[tokio::test] async fn $name() { super::$name(&super::s3()).await; })*
        }
    };
}

contract!(
    content_round_trips_under_its_digest,
    large_content_streams_through_multipart,
    empty_content_is_content_too,
    the_same_bytes_are_stored_once_per_workspace,
    ranges_return_exactly_their_bytes,
    oversized_uploads_fail_and_leave_nothing,
    an_aborted_upload_leaves_nothing,
    missing_content_is_not_found_and_deletes_are_idempotent,
    staged_content_is_invisible_until_committed,
);

/// Sweeping is global to a store, so it runs only on stores of its own
/// (the S3 bucket is shared by tests running at the same time).
#[tokio::test]
async fn sweeping_removes_only_staged_uploads_older_than_the_cutoff() {
    let dir = tempfile::tempdir().expect("tempdir");
    for store in [ObjectBlobStore::local(dir.path()).expect("local"), ObjectBlobStore::memory()] {
        let ws = workspace();
        let before_staging = chrono::Utc::now() - chrono::Duration::seconds(5);
        let kept = store.put(ws, body(vec![b"committed".to_vec()]), 100).await.expect("put");
        let staged = store.stage(ws, body(vec![b"left behind".to_vec()]), 100).await.expect("stage");
        assert_eq!(store.sweep_staged(before_staging).await.expect("sweep"), 0, "a fresh upload is kept");
        let later = chrono::Utc::now() + chrono::Duration::seconds(5);
        assert_eq!(store.sweep_staged(later).await.expect("sweep"), 1);
        assert!(store.commit(&staged).await.is_err(), "the swept upload is gone");
        assert_eq!(store.size(ws, &kept.sha256).await.expect("size"), Some(9), "committed content is never swept");
    }
}

#[tokio::test]
async fn every_store_reports_its_health() {
    use cabinet_domain::ports::HealthCheck as _;
    let dir = tempfile::tempdir().expect("tempdir");
    for store in [ObjectBlobStore::local(dir.path()).expect("local"), ObjectBlobStore::memory(), s3()] {
        assert_eq!(store.component(), "blob_store");
        store.check().await.expect("healthy");
    }
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let unreachable = ObjectBlobStore::s3(&S3Options {
        endpoint: Some("http://127.0.0.1:1".into()),
        bucket: "nope".into(),
        region: "us-east-1".into(),
        access_key_id: "a".into(),
        secret_access_key: "b".into(),
        path_style: true,
        allow_http: true,
    })
    .expect("configured");
    assert!(matches!(unreachable.check().await, Err(DomainError::Unavailable(_))));
}
