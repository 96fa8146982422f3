//! Cabinet's blob store on `object_store`: a local folder (the embedded
//! default), any S3-compatible service, or memory (tests).
//!
//! Each upload streams, hashed on the way, through a multipart upload to a
//! key of its own, `workspaces/{id}/objects/{uuid}`, where it stays: nothing
//! a user names reaches a key, and no object is ever copied or renamed
//! (which S3 would do by copying the whole object). The object appears only
//! when its last byte arrived; an interrupted upload is aborted and leaves
//! nothing. On S3 the multipart upload is created before the first byte and
//! its id handed to the caller to record, so that the parts of an upload
//! whose process died can be aborted by whoever finds the record. Which digest a key holds, and which content two uploads share,
//! is recorded by the caller. Content stored before keys were recorded lives
//! at `workspaces/{id}/blobs/{aa}/{digest}` and is read from there.

mod detect;
mod local;
mod multipart;

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use cabinet_domain::documents::{BlobContent, BlobKey, BlobStore, BlobWrite, ByteStream, StoredBlob};
use cabinet_domain::documents::{ByteRange, Sha256};
use cabinet_domain::health::HealthCheck;
use cabinet_domain::{DomainError, DomainResult, Entity, WorkspaceId};
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::memory::InMemory;
use object_store::multipart::MultipartStore;
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, GetRange, GetResultPayload, MultipartUpload, ObjectStore,
    ObjectStoreExt as _, RetryConfig, WriteMultipart,
};
use sha2::{Digest as _, Sha256 as Hasher};

use cabinet_domain::documents::looks_like_text;

use crate::detect::out_of_space;
use crate::local::{file_stream, remove_staging};
use crate::multipart::OpenedUpload;

/// Size of each multipart part; S3 needs at least 5 MiB for all but the last.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts uploaded concurrently; with [`PART_SIZE`] this bounds an upload's
/// buffers to about 24 MiB however large the file.
const PARTS_IN_FLIGHT: usize = 2;

/// How much of the start of an upload is kept to recognise its type.
const SNIFF_BYTES: usize = 8192;

/// What streaming an upload produced.
struct Streamed {
    digest: String,
    size: u64,
    sniffed_type: Option<String>,
}

/// How to reach an S3-compatible service.
#[derive(Debug, Clone)]
pub struct S3Options {
    /// The endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or `http://127.0.0.1:9000`.
    pub endpoint: Option<String>,
    /// The bucket.
    pub bucket: String,
    /// The region.
    pub region: String,
    /// The access key id.
    pub access_key_id: String,
    /// The secret access key.
    pub secret_access_key: String,
    /// Address buckets in the path (MinIO, Garage, s3s) instead of the host name.
    pub path_style: bool,
    /// Allow plain HTTP endpoints (development and tests).
    pub allow_http: bool,
}

/// A [`BlobStore`] on any `object_store` backend.
#[derive(Clone)]
pub struct ObjectBlobStore {
    store: Arc<dyn ObjectStore>,
    /// The same store, where it keeps unfinished uploads apart (S3): writes
    /// are opened through it, so that their ids can be recorded.
    multipart: Option<Arc<dyn MultipartStore>>,
    kind: &'static str,
    /// The folder of a local store, where an interrupted upload leaves its
    /// staging files (`<key>#<n>`) beside the key.
    local_root: Option<std::path::PathBuf>,
}

impl std::fmt::Debug for ObjectBlobStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObjectBlobStore").field("kind", &self.kind).finish_non_exhaustive()
    }
}

fn store_err(err: object_store::Error) -> DomainError {
    match err {
        object_store::Error::NotFound { .. } => DomainError::NotFound(Entity::Blob),
        other if out_of_space(&other) => DomainError::StorageFull(format!("blob store: {other}")),
        other => DomainError::Unavailable(format!("blob store: {other}")),
    }
}

impl ObjectBlobStore {
    /// Files under `root`, which is created if missing.
    ///
    /// # Errors
    /// `Internal` when the folder cannot be created.
    pub fn local(root: &std::path::Path) -> DomainResult<Self> {
        std::fs::create_dir_all(root)
            .map_err(|e| DomainError::Internal(format!("creating {}: {e}", root.display())))?;
        let fs = LocalFileSystem::new_with_prefix(root).map_err(store_err)?;
        Ok(Self { store: Arc::new(fs), multipart: None, kind: "local", local_root: Some(root.to_path_buf()) })
    }

    /// An S3-compatible bucket.
    ///
    /// # Errors
    /// `Internal` when the options are incomplete.
    pub fn s3(options: &S3Options) -> DomainResult<Self> {
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&options.bucket)
            .with_region(&options.region)
            .with_access_key_id(&options.access_key_id)
            .with_secret_access_key(&options.secret_access_key)
            .with_virtual_hosted_style_request(!options.path_style)
            // Fail over to a clear 503 within seconds rather than retrying for minutes.
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: 3,
                retry_timeout: Duration::from_secs(15),
            })
            .with_client_options(
                // Client options replace the builder's, so `allow_http` is set here.
                ClientOptions::new()
                    .with_allow_http(options.allow_http)
                    .with_connect_timeout(Duration::from_secs(5))
                    // Large downloads may stream for long; connect and retry bounds cover dead servers.
                    .with_timeout_disabled(),
            );
        if let Some(endpoint) = &options.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let s3 = Arc::new(builder.build().map_err(|e| DomainError::Internal(format!("S3 configuration: {e}")))?);
        Ok(Self { store: s3.clone(), multipart: Some(s3), kind: "s3", local_root: None })
    }

    /// Memory, for tests.
    #[must_use]
    pub fn memory() -> Self {
        Self { store: Arc::new(InMemory::new()), multipart: None, kind: "memory", local_root: None }
    }

    /// The object's path, refusing keys outside the workspaces' folders.
    fn path(key: &BlobKey) -> DomainResult<Path> {
        let path = Path::parse(key.as_str()).map_err(|_| DomainError::internal("not a blob key"))?;
        let mut parts = path.parts();
        let in_workspace = parts.next().is_some_and(|p| p.as_ref() == "workspaces")
            && parts.next().is_some_and(|p| uuid::Uuid::parse_str(p.as_ref()).is_ok());
        if in_workspace { Ok(path) } else { Err(DomainError::internal("not a blob key")) }
    }

    async fn stream_into(writer: &mut WriteMultipart, mut body: ByteStream, max_bytes: u64) -> DomainResult<Streamed> {
        let mut hasher = Hasher::new();
        let mut size = 0u64;
        let mut head = Vec::with_capacity(SNIFF_BYTES);
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| DomainError::UploadAborted(e.to_string()))?;
            size += chunk.len() as u64;
            if size > max_bytes {
                return Err(DomainError::TooLarge { limit: max_bytes });
            }
            hasher.update(&chunk);
            if head.len() < SNIFF_BYTES {
                let take = (SNIFF_BYTES - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await.map_err(store_err)?;
            writer.put(chunk);
        }
        let sniffed_type = infer::get(&head).map(|kind| kind.mime_type().to_owned()).or_else(|| looks_like_text(&head));
        Ok(Streamed { digest: hex::encode(hasher.finalize()), size, sniffed_type })
    }
}

#[async_trait]
impl BlobStore for ObjectBlobStore {
    fn allocate(&self, workspace: WorkspaceId) -> BlobKey {
        BlobKey::new(format!("workspaces/{workspace}/objects/{}", uuid::Uuid::now_v7()))
    }

    async fn open(&self, key: BlobKey) -> DomainResult<BlobWrite> {
        let path = Self::path(&key)?;
        let upload_id = match &self.multipart {
            Some(store) => Some(store.create_multipart(&path).await.map_err(store_err)?),
            None => None,
        };
        Ok(BlobWrite { key, upload_id })
    }

    #[tracing::instrument(skip_all, fields(key = %write.key, store = self.kind))]
    async fn write(&self, write: &BlobWrite, body: ByteStream, max_bytes: u64) -> DomainResult<StoredBlob> {
        let key = &write.key;
        let path = Self::path(key)?;
        let upload: Box<dyn MultipartUpload> = match (&self.multipart, &write.upload_id) {
            (Some(store), Some(id)) => Box::new(OpenedUpload::new(store.clone(), path, id.clone())),
            _ => self.store.put_multipart(&path).await.map_err(store_err)?,
        };
        let mut writer = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let streamed = match Self::stream_into(&mut writer, body, max_bytes).await {
            Ok(done) => done,
            Err(err) => {
                // Nothing of an incomplete upload may remain.
                if let Err(abort) = writer.abort().await {
                    tracing::warn!(error = %abort, "aborting an incomplete upload failed; its parts stay until the store expires them");
                }
                return Err(err);
            }
        };
        writer.finish().await.map_err(store_err)?;
        Ok(StoredBlob {
            key: key.clone(),
            sha256: Sha256::parse(&streamed.digest)?,
            size: streamed.size,
            sniffed_type: streamed.sniffed_type,
        })
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> DomainResult<BlobContent> {
        let options =
            GetOptions { range: range.map(|r| GetRange::Bounded(r.start()..r.end() + 1)), ..GetOptions::default() };
        let result = self.store.get_opts(&Self::path(key)?, options).await.map_err(store_err)?;
        let size = result.meta.size;
        let body = match result.payload {
            // object_store reads local files 8 KiB at a time; larger reads
            // off the runtime make downloads as fast as the disk.
            GetResultPayload::File(file, _) => file_stream(file, result.range),
            GetResultPayload::Stream(stream) => stream.map_err(|e| std::io::Error::other(e.to_string())).boxed(),
        };
        Ok(BlobContent { size, range, body })
    }

    async fn size(&self, key: &BlobKey) -> DomainResult<Option<u64>> {
        match self.store.head(&Self::path(key)?).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(other) => Err(store_err(other)),
        }
    }

    async fn delete(&self, key: &BlobKey) -> DomainResult<()> {
        match self.store.delete(&Self::path(key)?).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(store_err(other)),
        }
    }

    async fn discard_upload(&self, write: &BlobWrite) -> DomainResult<u64> {
        let key = &write.key;
        let path = Self::path(key)?;
        let mut removed = match self.store.head(&path).await {
            // The object appears only when its upload completes: nothing else is left.
            Ok(_) => {
                self.delete(key).await?;
                return Ok(1);
            }
            Err(object_store::Error::NotFound { .. }) => 0,
            Err(other) => return Err(store_err(other)),
        };
        if let (Some(store), Some(id)) = (&self.multipart, &write.upload_id) {
            // Aborting frees the parts. S3 answers 404 for an upload it no
            // longer has; some compatible servers (s3s) answer 403 instead,
            // and the object's HEAD just succeeded with the same credentials.
            match store.abort_multipart(&path, id).await {
                Ok(()) => removed += 1,
                Err(object_store::Error::NotFound { .. }) => {}
                Err(refused @ object_store::Error::PermissionDenied { .. }) => tracing::warn!(
                    upload_id = %id,
                    error = %refused,
                    "the store refused to abort an abandoned upload: it is gone, or the credentials may not \
                     abort uploads (a bucket lifecycle rule then has to)"
                ),
                Err(other) => return Err(store_err(other)),
            }
        }
        if let Some(root) = &self.local_root {
            let file = root.join(path.as_ref());
            removed += tokio::task::spawn_blocking(move || remove_staging(&file))
                .await
                .map_err(DomainError::internal)?
                .map_err(|e| DomainError::Unavailable(format!("blob store: removing staging files: {e}")))?;
        }
        Ok(removed)
    }
}

#[async_trait]
impl HealthCheck for ObjectBlobStore {
    fn component(&self) -> &'static str {
        "blob_store"
    }

    async fn check(&self) -> DomainResult<()> {
        // A missing object proves the store answers as well as a present one.
        match self.store.head(&Path::from("health/probe")).await {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(other) => Err(store_err(other)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_storage_full_and_other_failures_unavailable() {
        let full = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::from_raw_os_error(28)),
        };
        assert!(matches!(store_err(full), DomainError::StorageFull(_)));
        let quota = object_store::Error::Generic {
            store: "LocalFileSystem",
            source: Box::new(std::io::Error::from_raw_os_error(122)),
        };
        assert!(matches!(store_err(quota), DomainError::StorageFull(_)));
        let down = object_store::Error::Generic {
            store: "S3",
            source: Box::new(std::io::Error::from(std::io::ErrorKind::ConnectionRefused)),
        };
        assert!(matches!(store_err(down), DomainError::Unavailable(_)));
    }
}
