//! The [`BlobStore`] contract, as Cabinet's local-folder, S3 and in-memory
//! stores keep it.

use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use futures::{StreamExt as _, TryStreamExt as _, stream};
use sha2::{Digest as _, Sha256 as Hasher};

use crate::documents::{BlobKey, BlobStore, BlobWrite, ByteRange, ByteStream, StoredBlob};
use crate::ids::WorkspaceId;
use crate::{DomainError, DomainResult, Entity};

/// A workspace id of its own for each use (stores are shared between runs).
fn workspace() -> WorkspaceId {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let process = u128::from(std::process::id()) << 64;
    WorkspaceId::from_uuid(uuid::Uuid::from_u128(process | u128::from(n) | (0xcab << 100)))
}

/// A body that yields `chunks` one by one.
#[must_use]
pub fn body(chunks: Vec<Vec<u8>>) -> ByteStream {
    stream::iter(chunks.into_iter().map(|c| Ok(Bytes::from(c)))).boxed()
}

fn digest(bytes: &[u8]) -> String {
    hex::encode(Hasher::digest(bytes))
}

/// Deterministic bytes that do not repeat within a part.
#[must_use]
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len).map(|i| u8::try_from((i * 31 + usize::from(seed) * 7) % 251).unwrap_or(0)).collect()
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

/// Opens a write to `key`, which must succeed.
pub async fn opened(store: &dyn BlobStore, key: &BlobKey) -> BlobWrite {
    store.open(key.clone()).await.expect("opened")
}

/// Writes `chunks` to `key`, opened first as every caller opens a write.
///
/// # Errors
/// What the store's `write` refuses.
pub async fn write_to(
    store: &dyn BlobStore,
    key: &BlobKey,
    chunks: Vec<Vec<u8>>,
    max: u64,
) -> DomainResult<StoredBlob> {
    store.write(&opened(store, key).await, body(chunks), max).await
}

/// Writes `chunks` to a fresh key of `ws`.
///
/// # Errors
/// What the store's `write` refuses.
pub async fn put(store: &dyn BlobStore, ws: WorkspaceId, chunks: Vec<Vec<u8>>, max: u64) -> DomainResult<StoredBlob> {
    write_to(store, &store.allocate(ws), chunks, max).await
}

/// Content comes back byte for byte, with the digest computed on the way in.
pub async fn content_round_trips_with_its_digest(store: &dyn BlobStore) {
    let data = pattern(300_000, 1);
    let chunks = data.chunks(65_536).map(<[u8]>::to_vec).collect();
    let key = store.allocate(workspace());
    let stored = write_to(store, &key, chunks, 10_000_000).await.expect("write");
    assert_eq!(stored.key, key);
    assert_eq!(stored.sha256.as_str(), digest(&data));
    assert_eq!(stored.size, data.len() as u64);
    assert_eq!(store.size(&key).await.expect("size"), Some(data.len() as u64));
    assert_eq!(read_all(store, &key, None).await, data);
}

/// Content larger than any one piece a store writes or reads in (20 MiB)
/// survives whole, and ranges that cross its pieces return their bytes.
pub async fn large_content_streams_whole(store: &dyn BlobStore) {
    let data = pattern(20 * 1024 * 1024 + 123, 2);
    let chunks = data.chunks(1 << 20).map(<[u8]>::to_vec).collect();
    let stored = put(store, workspace(), chunks, 64 * 1024 * 1024).await.expect("write");
    assert_eq!(stored.sha256.as_str(), digest(&data));
    let back = read_all(store, &stored.key, None).await;
    assert_eq!(back.len(), data.len());
    assert!(back == data, "content survives whole");
    let size = data.len() as u64;
    for (start, end) in [(0, (1 << 20) - 1), ((1 << 20) - 7, (3 << 20) + 9), (5 << 20, size - 1), (size - 1, size - 1)]
    {
        let range = ByteRange::within(start, end, size).expect("range");
        let got = read_all(store, &stored.key, Some(range)).await;
        let want = &data[usize::try_from(start).expect("offset")..=usize::try_from(end).expect("offset")];
        assert!(got == want, "range {start}-{end} returns exactly its bytes");
    }
}

/// An empty file is stored and read like any other.
pub async fn empty_content_is_content_too(store: &dyn BlobStore) {
    let stored = put(store, workspace(), vec![], 10).await.expect("write");
    assert_eq!(stored.sha256.as_str(), digest(b""));
    assert_eq!(stored.size, 0);
    assert!(read_all(store, &stored.key, None).await.is_empty());
}

/// Keys are fresh, inside their workspace, and independent of one another.
pub async fn keys_are_fresh_and_name_nothing_a_user_chose(store: &dyn BlobStore) {
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

/// A range returns exactly its bytes, and the whole size beside them.
pub async fn ranges_return_exactly_their_bytes(store: &dyn BlobStore) {
    let data = pattern(10_000, 3);
    let stored = put(store, workspace(), vec![data.clone()], 100_000).await.expect("write");
    for (start, end) in [(0, 0), (0, 9_999), (1_000, 1_999), (9_999, 9_999)] {
        let range = ByteRange::within(start, end, 10_000).expect("range");
        let content = store.get(&stored.key, Some(range)).await.expect("get");
        assert_eq!(content.size, 10_000, "the whole size is reported");
        let got = read_all(store, &stored.key, Some(range)).await;
        let (start, end) = (usize::try_from(start).expect("offset"), usize::try_from(end).expect("offset"));
        assert_eq!(got, data[start..=end]);
    }
}

/// An upload past its limit fails as too large and leaves nothing.
pub async fn oversized_uploads_fail_and_leave_nothing(store: &dyn BlobStore) {
    let data = pattern(5_000, 4);
    let key = store.allocate(workspace());
    let err = write_to(store, &key, vec![data[..3_000].to_vec(), data[3_000..].to_vec()], 4_096)
        .await
        .expect_err("too large");
    assert!(matches!(err, DomainError::TooLarge { limit: 4_096 }), "{err:?}");
    assert_eq!(store.size(&key).await.expect("size"), None);
}

/// A body that breaks off is an aborted upload and leaves nothing.
pub async fn an_aborted_upload_leaves_nothing(store: &dyn BlobStore) {
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

/// Missing content is `NotFound`; deleting twice, or what is not there, succeeds.
pub async fn missing_content_is_not_found_and_deletes_are_idempotent(store: &dyn BlobStore) {
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

/// Keys outside a workspace's folder are refused for every operation.
pub async fn only_keys_inside_a_workspace_are_accepted(store: &dyn BlobStore) {
    for forged in ["uploads/x", "workspaces/not-a-uuid/objects/1", "workspaces/../etc/passwd", "", "/abs"] {
        let key = BlobKey::new(forged);
        assert!(store.open(key.clone()).await.is_err(), "{forged} opened");
        let write = BlobWrite::plain(key.clone());
        assert!(store.write(&write, body(vec![b"x".to_vec()]), 10).await.is_err(), "{forged} written");
        assert!(store.get(&key, None).await.is_err(), "{forged} read");
        assert!(store.delete(&key).await.is_err(), "{forged} deleted");
    }
}

/// Content stored at `workspaces/{ws}/blobs/{aa}/{digest}`, as earlier
/// versions did (the migration records those paths as keys), is readable.
pub async fn content_stored_at_its_digest_before_keys_were_recorded_is_readable(store: &dyn BlobStore) {
    let ws = workspace();
    let data = b"stored by an earlier version".to_vec();
    let sha = digest(&data);
    let legacy = BlobKey::new(format!("workspaces/{ws}/blobs/{}/{sha}", &sha[..2]));
    write_to(store, &legacy, vec![data.clone()], 100).await.expect("write");
    assert_eq!(read_all(store, &legacy, None).await, data);
    store.delete(&legacy).await.expect("delete");
}

/// A write that finished before its process died is discarded as one
/// object, and discarding it again finds nothing.
pub async fn discarding_a_finished_write_removes_its_object(store: &dyn BlobStore) {
    let key = store.allocate(workspace());
    let write = opened(store, &key).await;
    store.write(&write, body(vec![b"abc".to_vec()]), 100).await.expect("written");
    assert_eq!(store.discard_upload(&write).await.expect("discarded"), 1);
    assert_eq!(store.size(&key).await.expect("size"), None);
    assert_eq!(store.discard_upload(&write).await.expect("again"), 0, "nothing left, nothing counted");
}

/// Every rule above, in turn: what an adapter of its own runs first.
pub async fn every_rule(store: &dyn BlobStore) {
    content_round_trips_with_its_digest(store).await;
    large_content_streams_whole(store).await;
    empty_content_is_content_too(store).await;
    keys_are_fresh_and_name_nothing_a_user_chose(store).await;
    ranges_return_exactly_their_bytes(store).await;
    oversized_uploads_fail_and_leave_nothing(store).await;
    an_aborted_upload_leaves_nothing(store).await;
    missing_content_is_not_found_and_deletes_are_idempotent(store).await;
    only_keys_inside_a_workspace_are_accepted(store).await;
    content_stored_at_its_digest_before_keys_were_recorded_is_readable(store).await;
    discarding_a_finished_write_removes_its_object(store).await;
}
