//! Settings of the capabilities: sharing, processing, webhooks, the trash.

use serde::Deserialize;

/// How hard guessing share links is made.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SharingSettings {
    /// Unknown tokens one address may present per window.
    pub misses_per_ip: u64,
    /// Wrong passwords one link accepts per window.
    pub password_failures: u64,
    /// The window, in seconds.
    pub window_secs: u64,
}

/// Text extraction and thumbnails.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExtractSettings {
    /// Whether new versions are processed at all.
    pub enabled: bool,
    /// The executable run as `<program> extract`; empty: the running one.
    pub program: String,
    /// Bytes of a file read at most.
    pub max_input_bytes: u64,
    /// Bytes of text kept per version.
    pub max_text_bytes: usize,
    /// Pixels an image may declare.
    pub max_pixels: u64,
    /// Entries an office file may hold.
    pub max_archive_entries: usize,
    /// Bytes an office file's document part may expand to.
    pub max_expanded_bytes: u64,
    /// The longest side of a thumbnail.
    pub thumbnail_px: u32,
    /// Seconds per file.
    pub timeout_secs: u64,
    /// Address space per analysis, in MiB.
    pub memory_mb: u64,
    /// `auto`, `off`, or the path of pdftoppm.
    pub pdf_renderer: String,
}

/// Webhook delivery.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// Allow `http://` URLs and loopback addresses (development only);
    /// private, link-local and metadata addresses are refused regardless.
    pub allow_loopback: bool,
    /// Seconds to connect to a receiver.
    pub connect_timeout_secs: u64,
    /// Seconds for a whole delivery.
    pub timeout_secs: u64,
    /// Attempts per delivery.
    pub max_attempts: u32,
    /// Seconds before the first retry; doubles with each failure.
    pub retry_base_secs: u64,
    /// The longest wait between attempts, in seconds.
    pub retry_cap_secs: u64,
    /// Failures in a row that open an endpoint's circuit.
    pub breaker_threshold: u32,
    /// Seconds an open circuit waits before a probe.
    pub breaker_open_secs: u64,
    /// Seconds of failures without a success after which an endpoint is turned off.
    pub disable_after_secs: u64,
}

/// The trash.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrashSettings {
    /// Days an item stays in the trash before it is deleted for good.
    pub retention_days: u32,
}
