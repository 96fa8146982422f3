//! Collection: content no version references any more, and uploads their
//! process abandoned, removed from the store after a grace.

use crate::documents::DocumentService;
use crate::error::DomainError;
use crate::{Actor, DomainResult};

/// What a collection removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Collected {
    /// Released content deleted from the store.
    pub blobs: u64,
    /// Abandoned uploads deleted.
    pub abandoned_uploads: u64,
}

impl DocumentService {
    /// Deletes content released longer than `grace` ago, and uploads
    /// abandoned as long, from the store. Only Cabinet itself may.
    ///
    /// # Errors
    /// `Forbidden` for any other actor; storage failures (what was collected
    /// before the failure stays collected).
    pub async fn collect_garbage(&self, actor: &Actor, grace: std::time::Duration) -> DomainResult<Collected> {
        if actor.principal != crate::Principal::System {
            return Err(DomainError::Forbidden("only Cabinet collects unreferenced content"));
        }
        const BATCH: u32 = 100;
        let before = self.rt.clock.now() - chrono::Duration::from_std(grace).map_err(DomainError::internal)?;
        let mut collected = Collected::default();
        loop {
            let batch = self.ledger.released_blobs(before, BATCH).await?;
            let mut progressed = false;
            for (workspace, sha256) in &batch {
                // Out of the ledger first: from then on no upload can be
                // given this key, so deleting its object is safe. A crash
                // before the delete leaves the key as an abandoned upload,
                // which the sweep below removes on a later run.
                if let Some(key) = self.ledger.retire_blob(*workspace, sha256, before).await? {
                    self.blobs.delete(&key).await?;
                    self.ledger.end_upload(&key).await?;
                    collected.blobs += 1;
                    progressed = true;
                }
            }
            // A full batch of which nothing could go would come back forever.
            if batch.len() < BATCH as usize || !progressed {
                break;
            }
        }
        loop {
            let batch = self.ledger.abandoned_uploads(before, BATCH).await?;
            for write in &batch {
                // Only what was really there counts as collected.
                if self.blobs.discard_upload(write).await? > 0 {
                    collected.abandoned_uploads += 1;
                }
                self.ledger.end_upload(&write.key).await?;
            }
            if batch.len() < BATCH as usize {
                break;
            }
        }
        Ok(collected)
    }
}
