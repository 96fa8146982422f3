//! Share links and what their holders may do.

use std::sync::Arc;
use std::time::Duration;

use cabinet_domain::sharing::{SharePorts, ShareService, ShareSettings};

use super::Shared;
use crate::Settings;

pub(crate) fn build(shared: &Shared, settings: &Settings) -> ShareService {
    ShareService::new(
        SharePorts {
            rt: shared.rt.clone(),
            links: Arc::new(shared.database.share_links()),
            documents: Arc::new(shared.database.documents()),
            ledger: Arc::new(shared.database.blob_ledger()),
            blobs: shared.blobs.clone(),
            workspaces: shared.workspaces.clone(),
            hasher: shared.hasher.clone(),
            secrets: shared.secrets.clone(),
            limiter: shared.limiter.clone(),
        },
        ShareSettings {
            misses_per_ip: settings.sharing.misses_per_ip,
            password_failures: settings.sharing.password_failures,
            window: Duration::from_secs(settings.sharing.window_secs),
        },
    )
}
