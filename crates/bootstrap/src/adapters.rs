//! Adapters built from their settings sections: the content analyzer and
//! the blob store.

use std::time::Duration;

use anyhow::Context as _;
use cabinet_extract::{Limits, SandboxAnalyzer, SandboxOptions, find_pdf_renderer};
use cabinet_storage::{ObjectBlobStore, S3Options};
use secrecy::ExposeSecret;

use crate::{ExtractSettings, Settings, StorageBackend};

/// The content analyzer: `<program> extract` children confined as configured.
pub(crate) fn analyzer(settings: &ExtractSettings) -> anyhow::Result<SandboxAnalyzer> {
    let program = if settings.program.trim().is_empty() {
        std::env::current_exe().context("finding the running executable for `extract`")?
    } else {
        settings.program.clone().into()
    };
    let pdf_renderer = find_pdf_renderer(&settings.pdf_renderer);
    if settings.enabled {
        match &pdf_renderer {
            Some(path) => tracing::info!(renderer = %path.display(), "PDF thumbnails on"),
            None => tracing::info!("PDF thumbnails off: pdftoppm (poppler-utils) not found or turned off"),
        }
    }
    Ok(SandboxAnalyzer::new(SandboxOptions {
        program,
        limits: Limits {
            max_input_bytes: settings.max_input_bytes,
            max_text_bytes: settings.max_text_bytes,
            max_pixels: settings.max_pixels,
            max_archive_entries: settings.max_archive_entries,
            max_expanded_bytes: settings.max_expanded_bytes,
            thumbnail_px: settings.thumbnail_px.clamp(16, 2048),
        },
        timeout: Duration::from_secs(settings.timeout_secs.max(1)),
        memory_bytes: settings.memory_mb.max(64) * 1024 * 1024,
        pdf_renderer,
    }))
}

/// The configured blob store.
pub(crate) fn blob_store(settings: &Settings) -> anyhow::Result<ObjectBlobStore> {
    let storage = &settings.storage;
    Ok(match storage.backend {
        StorageBackend::Local => {
            let root = storage.path.clone().unwrap_or_else(|| settings.data_dir.join("blobs"));
            ObjectBlobStore::local(&root)?
        }
        StorageBackend::Memory => ObjectBlobStore::memory(),
        StorageBackend::S3 => {
            let s3 = storage.s3.as_ref().context("storage.backend is s3 but [storage.s3] is missing")?;
            ObjectBlobStore::s3(&S3Options {
                endpoint: s3.endpoint.clone(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key_id: s3.access_key_id.clone(),
                secret_access_key: s3.secret_access_key.expose_secret().to_owned(),
                path_style: s3.path_style,
                allow_http: s3.allow_http,
            })?
        }
    })
}
