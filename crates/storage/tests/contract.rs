//! One contract for every blob store: a local folder, memory, and a real S3
//! server (the test command starts s3s-fs on 127.0.0.1 and names it in
//! `CABINET_TEST_S3_ENDPOINT`; without it the S3 variant fails loudly).

use bytes::Bytes;
use cabinet_domain::documents::ByteRange;
use cabinet_domain::documents::{BlobKey, BlobStore, BlobWrite, ByteStream, StoredBlob};
use cabinet_domain::{DomainError, DomainResult, Entity, WorkspaceId};
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

async fn read_all(store: &dyn BlobStore, key: &BlobKey, range: Option<ByteRange>) -> Vec<u8> {
    let content = store.get(key, range).await.expect("get");
    content
        .body
        .try_fold(Vec::new(), |mut acc, chunk| async move {
            acc.extend_from_slice(&chunk);
            Ok(acc)
        })
        .await
        .expect("stream")
}

async fn opened(store: &dyn BlobStore, key: &BlobKey) -> BlobWrite {
    store.open(key.clone()).await.expect("opened")
}

/// Writes `chunks` to `key`, opened first as every caller opens a write.
async fn write_to(store: &dyn BlobStore, key: &BlobKey, chunks: Vec<Vec<u8>>, max: u64) -> DomainResult<StoredBlob> {
    store.write(&opened(store, key).await, body(chunks), max).await
}

/// Writes `chunks` to a fresh key of `ws`.
async fn put(store: &dyn BlobStore, ws: WorkspaceId, chunks: Vec<Vec<u8>>, max: u64) -> DomainResult<StoredBlob> {
    write_to(store, &store.allocate(ws), chunks, max).await
}

async fn content_round_trips_with_its_digest(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(300_000, 1);
    let chunks = data.chunks(65_536).map(<[u8]>::to_vec).collect();
    let key = store.allocate(ws);
    let stored = write_to(store, &key, chunks, 10_000_000).await.expect("write");
    assert_eq!(stored.key, key);
    assert_eq!(stored.sha256.as_str(), digest(&data));
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(store.size(&key).await.expect("size"), Some(data.len() as u64));
    assert_eq!(read_all(store, &key, None).await, data);
}

async fn large_content_streams_through_multipart(store: &dyn BlobStore) {
    let ws = workspace();
    let data = pattern(20 * 1024 * 1024 + 123, 2);
    let chunks = data.chunks(1 << 20).map(<[u8]>::to_vec).collect();
    let stored = put(store, ws, chunks, 64 * 1024 * 1024).await.expect("write");
    assert_eq!(stored.sha256.as_str(), digest(&data));
    let back = read_all(store, &stored.key, None).await;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "content survives a multipart round trip");
    // Ranges that start, end or span the pieces a store reads in.
    let size = data.len() as u64;
    for (start, end) in [(0, (1 << 20) - 1), ((1 << 20) - 7, (3 << 20) + 9), (5 << 20, size - 1), (size - 1, size - 1)]
    {
        let range = ByteRange::within(start, end, size).expect("range");
        let got = read_all(store, &stored.key, Some(range)).await;
        let want = &data[usize::try_from(start).expect("offset")..=usize::try_from(end).expect("offset")];
        assert!(got == want, "range {start}-{end} returns exactly its bytes");
    }
}

async fn empty_content_is_content_too(store: &dyn BlobStore) {
    let stored = put(store, workspace(), vec![], 10).await.expect("write");
    assert_eq!(stored.sha256.as_str(), digest(b""));
    assert_eq!(stored.size, 0);
    assert!(read_all(store, &stored.key, None).await.is_empty());
}

async fn keys_are_fresh_and_name_nothing_a_user_chose(store: &dyn BlobStore) {
    let (ws, other) = (workspace(), workspace());
    let (first, second) = (store.allocate(ws), store.allocate(ws));
    assert_ne!(first, second);
    assert!(first.as_str().starts_with(&format!("workspaces/{ws}/objects/")), "{first}");
    let data = b"the same bytes".to_vec();
    let a = write_to(store, &first, vec![data.clone()], 100).await.expect("write");
    let b = write_to(store, &second, vec![data[..4].to_vec(), data[4..].to_vec()], 100).await.expect("write");
    assert_eq!(a.sha256, b.sha256, "the digest does not depend on how the bytes arrived");
    let elsewhere = put(store, other, vec![data.clone()], 100).await.expect("write");
    store.delete(&first).await.expect("delete");
    assert_eq!(read_all(store, &second, None).await, data, "deleting one object leaves another");
    assert_eq!(read_all(store, &elsewhere.key, None).await, data, "and other workspaces");
}

async fn ranges_return_exactly_their_bytes(store: &dyn BlobStore) {
    let data = pattern(10_000, 3);
    let stored = put(store, workspace(), vec![data.clone()], 100_000).await.expect("write");
    for (start, end) in [(0, 0), (0, 9_999), (1_000, 1_999), (9_999, 9_999)] {
        let range = ByteRange::within(start, end, 10_000).expect("range");
        let content = store.get(&stored.key, Some(range)).await.expect("get");
        assert_eq!(content.size, 10_000, "the whole size is reported");
        let got = read_all(store, &stored.key, Some(range)).await;
        assert_eq!(got, data[start as usize..=end as usize]);
    }
}

async fn oversized_uploads_fail_and_leave_nothing(store: &dyn BlobStore) {
    let data = pattern(5_000, 4);
    let key = store.allocate(workspace());
    let err = write_to(store, &key, vec![data[..3_000].to_vec(), data[3_000..].to_vec()], 4_096)
        .await
        .expect_err("too large");
    assert!(matches!(err, DomainError::TooLarge { limit: 4_096 }), "{err:?}");
    assert_eq!(store.size(&key).await.expect("size"), None);
}

async fn an_aborted_upload_leaves_nothing(store: &dyn BlobStore) {
    let key = store.allocate(workspace());
    let broken: ByteStream = stream::iter(vec![
        Ok(Bytes::from(pattern(2 * 1024 * 1024, 5))),
        Err(std::io::Error::new(std::io::ErrorKind::ConnectionReset, "client went away")),
    ])
    .boxed();
    let err = store.write(&opened(store, &key).await, broken, 100_000_000).await.expect_err("aborted");
    assert!(matches!(err, DomainError::UploadAborted(_)), "{err:?}");
    assert_eq!(store.size(&key).await.expect("size"), None, "nothing of the bytes that did arrive");
}

async fn missing_content_is_not_found_and_deletes_are_idempotent(store: &dyn BlobStore) {
    let ws = workspace();
    let missing = store.allocate(ws);
    assert_eq!(store.size(&missing).await.expect("size"), None);
    let err = store.get(&missing, None).await.expect_err("missing");
    assert!(matches!(err, DomainError::NotFound(Entity::Blob)), "{err:?}");
    store.delete(&missing).await.expect("deleting nothing succeeds");
    let stored = put(store, ws, vec![b"x".to_vec()], 10).await.expect("write");
    store.delete(&stored.key).await.expect("delete");
    store.delete(&stored.key).await.expect("again");
    assert_eq!(store.size(&stored.key).await.expect("size"), None);
}

async fn only_keys_inside_a_workspace_are_accepted(store: &dyn BlobStore) {
    for forged in ["uploads/x", "workspaces/not-a-uuid/objects/1", "workspaces/../etc/passwd", "", "/abs"] {
        let key = BlobKey::new(forged);
        assert!(store.open(key.clone()).await.is_err(), "{forged} opened");
        let write = BlobWrite::plain(key.clone());
        assert!(store.write(&write, body(vec![b"x".to_vec()]), 10).await.is_err(), "{forged} written");
        assert!(store.get(&key, None).await.is_err(), "{forged} read");
        assert!(store.delete(&key).await.is_err(), "{forged} deleted");
    }
}

async fn content_stored_at_its_digest_before_keys_were_recorded_is_readable(store: &dyn BlobStore) {
    // Earlier versions stored content at `workspaces/{ws}/blobs/{aa}/{digest}`;
    // the migration records those paths as the blobs' keys.
    let ws = workspace();
    let data = b"stored by an earlier version".to_vec();
    let sha = digest(&data);
    let legacy = BlobKey::new(format!("workspaces/{ws}/blobs/{}/{sha}", &sha[..2]));
    write_to(store, &legacy, vec![data.clone()], 100).await.expect("write");
    assert_eq!(read_all(store, &legacy, None).await, data);
    store.delete(&legacy).await.expect("delete");
}

fn s3_options() -> S3Options {
    // Two TLS crypto providers are linked in; rustls needs one chosen, as `main` does.
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let endpoint = std::env::var("CABINET_TEST_S3_ENDPOINT")
        .expect("CABINET_TEST_S3_ENDPOINT names the S3 server for tests (the test command starts one)");
    S3Options {
        endpoint: Some(endpoint),
        bucket: std::env::var("CABINET_TEST_S3_BUCKET").unwrap_or_else(|_| "cabinet-test".into()),
        region: "us-east-1".into(),
        access_key_id: std::env::var("CABINET_TEST_S3_ACCESS_KEY").unwrap_or_else(|_| "cabinet".into()),
        secret_access_key: std::env::var("CABINET_TEST_S3_SECRET_KEY").unwrap_or_else(|_| "cabinet-secret".into()),
        path_style: true,
        allow_http: true,
    }
}

fn s3() -> ObjectBlobStore {
    ObjectBlobStore::s3(&s3_options()).expect("s3 store")
}

/// A plain S3 client on the same bucket, standing in for the process that
/// died in the middle of an upload.
fn raw_s3() -> object_store::aws::AmazonS3 {
    let options = s3_options();
    object_store::aws::AmazonS3Builder::new()
        .with_endpoint(options.endpoint.expect("endpoint"))
        .with_bucket_name(options.bucket)
        .with_region(options.region)
        .with_access_key_id(options.access_key_id)
        .with_secret_access_key(options.secret_access_key)
        .with_virtual_hosted_style_request(false)
        .with_allow_http(true)
        .build()
        .expect("S3 client")
}

/// S3 keeps the parts of a multipart upload that nobody completed or
/// aborted, and bills them, for ever. A write is opened with its upload id
/// (which the ledger records before the first byte); discarding the write
/// of a process that died after sending parts aborts that upload, which
/// frees its parts, and counts it.
#[tokio::test]
async fn discarding_a_crashed_s3_upload_aborts_its_multipart_upload() {
    use object_store::multipart::MultipartStore as _;
    let store = s3();
    let key = store.allocate(workspace());
    let write = opened(&store, &key).await;
    let id = write.upload_id.clone().expect("S3 names the multipart upload it opened");
    let path = object_store::path::Path::from(key.as_str());
    let raw = raw_s3();
    let part = object_store::PutPayload::from(pattern(5 * 1024 * 1024, 6));
    raw.put_part(&path, &id, 0, part).await.expect("the crashed process sent a part");

    assert_eq!(store.discard_upload(&write).await.expect("discarded"), 1, "the upload and its parts");
    let late = raw.put_part(&path, &id, 1, object_store::PutPayload::from_static(b"late")).await;
    // S3 answers 404 NoSuchUpload here, s3s 403: either way it takes no more parts.
    assert!(late.is_err(), "the upload is gone: {late:?}");
    assert_eq!(store.discard_upload(&write).await.expect("again"), 0, "nothing left, nothing counted");
    assert_eq!(store.size(&key).await.expect("size"), None);

    // A write that completed before the crash has no upload left: one object goes.
    let finished = store.allocate(workspace());
    let write = opened(&store, &finished).await;
    store.write(&write, body(vec![b"abc".to_vec()]), 100).await.expect("written");
    assert_eq!(store.discard_upload(&write).await.expect("discarded"), 1);
    assert_eq!(store.size(&finished).await.expect("size"), None);
}

/// A store that keeps nothing apart opens a write without an upload id.
#[tokio::test]
async fn only_s3_names_an_upload_of_its_own() {
    let dir = tempfile::tempdir().expect("tempdir");
    let local = ObjectBlobStore::local(dir.path()).expect("local");
    let memory = ObjectBlobStore::memory();
    for store in [&local, &memory] {
        assert_eq!(opened(store, &store.allocate(workspace())).await.upload_id, None);
    }
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
    content_round_trips_with_its_digest,
    large_content_streams_through_multipart,
    empty_content_is_content_too,
    keys_are_fresh_and_name_nothing_a_user_chose,
    ranges_return_exactly_their_bytes,
    oversized_uploads_fail_and_leave_nothing,
    an_aborted_upload_leaves_nothing,
    missing_content_is_not_found_and_deletes_are_idempotent,
    only_keys_inside_a_workspace_are_accepted,
    content_stored_at_its_digest_before_keys_were_recorded_is_readable,
);

#[tokio::test]
async fn every_store_reports_its_health() {
    use cabinet_domain::health::HealthCheck as _;
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

/// A contract test of its own for the local folder: an upload cut off by a
/// crash leaves `<key>#<n>` staging files, which discarding the upload
/// removes (and counts); discarding what is not there counts nothing.
#[tokio::test]
async fn discarding_a_crashed_local_upload_removes_its_staging_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = ObjectBlobStore::local(dir.path()).expect("local store");
    let key = store.allocate(workspace());
    let file = dir.path().join(key.as_str());
    std::fs::create_dir_all(file.parent().expect("parent")).expect("folder");
    for n in [1, 7] {
        std::fs::write(format!("{}#{n}", file.display()), vec![0u8; 1024]).expect("staging file");
    }
    let neighbour = format!("{}#notes", file.display());
    std::fs::write(&neighbour, "not staging").expect("neighbour");
    let write = BlobWrite::plain(key);
    assert_eq!(store.discard_upload(&write).await.expect("discarded"), 2);
    assert!(!std::path::Path::new(&format!("{}#1", file.display())).exists());
    assert!(std::path::Path::new(&neighbour).exists(), "only staging files of this key go");
    assert_eq!(store.discard_upload(&write).await.expect("again"), 0, "nothing left, nothing counted");

    // An upload that finished before the crash is discarded as one object.
    let stored = put(&store, workspace(), vec![b"abc".to_vec()], 100).await.expect("stored");
    assert_eq!(store.discard_upload(&BlobWrite::plain(stored.key.clone())).await.expect("discarded"), 1);
    assert_eq!(store.size(&stored.key).await.expect("size"), None);
}
