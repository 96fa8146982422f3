//! Documents with their blob ledger and store, and the processing of new versions.

use std::sync::Arc;

use cabinet_domain::documents::{DocumentService, UploadLimits};
use cabinet_domain::processing::{ProcessingPorts, ProcessingService};

use super::Shared;
use crate::Settings;
use crate::adapters::analyzer;

/// The documents capability's services.
pub(crate) struct Documents {
    pub documents: DocumentService,
    pub processing: ProcessingService,
}

pub(crate) fn build(shared: &Shared, settings: &Settings) -> anyhow::Result<Documents> {
    let repository = Arc::new(shared.database.documents());
    let ledger = Arc::new(shared.database.blob_ledger());
    let documents = DocumentService::new(
        shared.rt.clone(),
        repository.clone(),
        ledger.clone(),
        shared.blobs.clone(),
        shared.workspaces.clone(),
        UploadLimits {
            max_upload_bytes: settings.storage.max_upload_bytes,
            workspace_quota_bytes: Some(settings.storage.workspace_quota_bytes).filter(|q| *q > 0),
        },
    );
    let processing = ProcessingService::new(ProcessingPorts {
        rt: shared.rt.clone(),
        documents: repository,
        ledger,
        content: Arc::new(shared.database.processing()),
        blobs: shared.blobs.clone(),
        analyzer: Arc::new(analyzer(&settings.extract)?),
        workspaces: shared.workspaces.clone(),
    });
    Ok(Documents { documents, processing })
}
