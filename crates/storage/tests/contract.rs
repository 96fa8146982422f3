//! The domain's `BlobStore` contract suite (`cabinet_domain::testing`) for
//! every store: a local folder, memory, and a real S3 server (the test
//! command starts s3s-fs on 127.0.0.1 and names it in
//! `CABINET_TEST_S3_ENDPOINT`; without it the S3 variant fails loudly);
//! then what only one kind of store does.

use cabinet_domain::documents::{BlobStore, BlobWrite};
use cabinet_domain::testing::contracts::blob_store::{body, opened, pattern, put};
use cabinet_domain::{DomainError, WorkspaceId};
use cabinet_storage::{ObjectBlobStore, S3Options};

fn workspace() -> WorkspaceId {
    WorkspaceId::from_uuid(uuid::Uuid::now_v7())
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

/// The domain's `BlobStore` contract suite, once per store.
macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        mod local {
            $(#[tokio::test] async fn $name() {
                let dir = tempfile::tempdir().expect("tempdir");
                let store = super::ObjectBlobStore::local(dir.path()).expect("local store");
                cabinet_domain::testing::contracts::blob_store::$name(&store).await;
            })*
        }
        mod memory {
            $(#[tokio::test] async fn $name() {
                cabinet_domain::testing::contracts::blob_store::$name(&super::ObjectBlobStore::memory()).await;
            })*
        }
        mod s3 {
            $(#[tokio::test] async fn $name() {
                cabinet_domain::testing::contracts::blob_store::$name(&super::s3()).await;
            })*
        }
    };
}

contract!(
    content_round_trips_with_its_digest,
    large_content_streams_whole,
    empty_content_is_content_too,
    keys_are_fresh_and_name_nothing_a_user_chose,
    ranges_return_exactly_their_bytes,
    oversized_uploads_fail_and_leave_nothing,
    an_aborted_upload_leaves_nothing,
    missing_content_is_not_found_and_deletes_are_idempotent,
    only_keys_inside_a_workspace_are_accepted,
    content_stored_at_its_digest_before_keys_were_recorded_is_readable,
    discarding_a_finished_write_removes_its_object,
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
