//! File contents in memory.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use async_trait::async_trait;
use bytes::Bytes;
use futures::StreamExt as _;
use sha2::{Digest as _, Sha256 as Hasher};

use crate::documents::looks_like_text;
use crate::documents::{BlobContent, BlobKey, BlobStore, BlobWrite, ByteRange, ByteStream, Sha256, StoredBlob};

/// How much of the start of the content is looked at to recognise text.
const SNIFF_BYTES: usize = 8192;
use crate::ids::WorkspaceId;
use crate::{DomainError, DomainResult, Entity};

/// A [`BlobStore`] in memory: content appears only once its last byte
/// arrived, only keys inside a workspace's folder are accepted, and text is
/// reported as sniffed `text/plain`, as in every adapter.
#[derive(Debug, Default)]
pub struct MemoryBlobStore {
    objects: Mutex<HashMap<String, Bytes>>,
    next: AtomicU64,
}

impl MemoryBlobStore {
    fn checked(key: &BlobKey) -> DomainResult<&str> {
        let mut parts = key.as_str().split('/');
        let inside = parts.next() == Some("workspaces")
            && parts.next().is_some_and(|ws| uuid::Uuid::parse_str(ws).is_ok())
            && parts.clone().next().is_some()
            && parts.all(|p| !p.is_empty() && p != "." && p != "..");
        if inside { Ok(key.as_str()) } else { Err(DomainError::internal("not a blob key")) }
    }

    fn objects(&self) -> std::sync::MutexGuard<'_, HashMap<String, Bytes>> {
        self.objects.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[async_trait]
impl BlobStore for MemoryBlobStore {
    fn allocate(&self, workspace: WorkspaceId) -> BlobKey {
        BlobKey::new(format!("workspaces/{workspace}/objects/{}", self.next.fetch_add(1, Ordering::Relaxed) + 1))
    }

    async fn open(&self, key: BlobKey) -> DomainResult<BlobWrite> {
        Self::checked(&key)?;
        Ok(BlobWrite::plain(key))
    }

    async fn write(&self, write: &BlobWrite, mut body: ByteStream, max_bytes: u64) -> DomainResult<StoredBlob> {
        let key = Self::checked(&write.key)?.to_owned();
        let (mut hasher, mut content) = (Hasher::new(), Vec::new());
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| DomainError::UploadAborted(e.to_string()))?;
            if (content.len() + chunk.len()) as u64 > max_bytes {
                return Err(DomainError::TooLarge { limit: max_bytes });
            }
            hasher.update(&chunk);
            content.extend_from_slice(&chunk);
        }
        let size = content.len() as u64;
        // Text is recognised as every store recognises it; binary formats are
        // not (the real stores read their signatures with a crate of their own).
        let sniffed_type = looks_like_text(&content[..content.len().min(SNIFF_BYTES)]);
        self.objects().insert(key, Bytes::from(content));
        Ok(StoredBlob {
            key: write.key.clone(),
            sha256: Sha256::parse(&hex::encode(hasher.finalize()))?,
            size,
            sniffed_type,
        })
    }

    async fn get(&self, key: &BlobKey, range: Option<ByteRange>) -> DomainResult<BlobContent> {
        let content = self.objects().get(Self::checked(key)?).cloned().ok_or(DomainError::NotFound(Entity::Blob))?;
        let size = content.len() as u64;
        let part = match range {
            Some(r) => {
                let (start, end) = (usize::try_from(r.start()), usize::try_from(r.end()));
                let (Ok(start), Ok(end)) = (start, end) else { return Err(DomainError::internal("range")) };
                content.slice(start..=end.min(content.len().saturating_sub(1)))
            }
            None => content,
        };
        let body: ByteStream = Box::pin(futures::stream::iter([Ok::<_, std::io::Error>(part)]));
        Ok(BlobContent { size, range, body })
    }

    async fn size(&self, key: &BlobKey) -> DomainResult<Option<u64>> {
        Ok(self.objects().get(Self::checked(key)?).map(|c| c.len() as u64))
    }

    async fn delete(&self, key: &BlobKey) -> DomainResult<()> {
        self.objects().remove(Self::checked(key)?);
        Ok(())
    }

    async fn discard_upload(&self, write: &BlobWrite) -> DomainResult<u64> {
        Ok(u64::from(self.objects().remove(Self::checked(&write.key)?).is_some()))
    }
}

#[cfg(test)]
mod tests {
    use futures::executor::block_on;

    use super::*;
    use crate::testing::contracts::blob_store as contract;

    #[test]
    fn the_memory_store_keeps_the_blob_store_contract() {
        let store = MemoryBlobStore::default();
        block_on(contract::every_rule(&store));
    }
}
