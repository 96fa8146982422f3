//! A multipart upload created ahead of its first byte, so that its id could
//! be recorded, and then driven by [`object_store::WriteMultipart`] like any
//! other.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{MultipartId, MultipartUpload, PutPayload, PutResult, UploadPart};

/// The parts uploaded so far, by index; a part still on its way is `None`.
type Parts = Arc<Mutex<Vec<Option<PartId>>>>;

/// An S3 multipart upload that already exists, continued part by part.
pub(crate) struct OpenedUpload {
    store: Arc<dyn MultipartStore>,
    path: Path,
    id: MultipartId,
    parts: Parts,
    next: usize,
}

impl std::fmt::Debug for OpenedUpload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedUpload").field("path", &self.path).field("next", &self.next).finish_non_exhaustive()
    }
}

impl OpenedUpload {
    pub(crate) fn new(store: Arc<dyn MultipartStore>, path: Path, id: MultipartId) -> Self {
        Self { store, path, id, parts: Parts::default(), next: 0 }
    }
}

#[async_trait]
impl MultipartUpload for OpenedUpload {
    fn put_part(&mut self, data: PutPayload) -> UploadPart {
        let index = self.next;
        self.next += 1;
        let (store, path, id, parts) = (self.store.clone(), self.path.clone(), self.id.clone(), self.parts.clone());
        Box::pin(async move {
            let part = store.put_part(&path, &id, index, data).await?;
            let mut parts = parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if parts.len() <= index {
                parts.resize(index + 1, None);
            }
            parts[index] = Some(part);
            Ok(())
        })
    }

    async fn complete(&mut self) -> object_store::Result<PutResult> {
        let parts = std::mem::take(&mut *self.parts.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let parts: Option<Vec<PartId>> = parts.into_iter().collect();
        let Some(parts) = parts.filter(|p| p.len() == self.next) else {
            return Err(object_store::Error::Generic {
                store: "S3",
                source: "completing a multipart upload with a part missing".into(),
            });
        };
        self.store.complete_multipart(&self.path, &self.id, parts).await
    }

    async fn abort(&mut self) -> object_store::Result<()> {
        self.store.abort_multipart(&self.path, &self.id).await
    }
}
