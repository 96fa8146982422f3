//! Deciding a file's format and extracting what it holds.

use std::path::Path;

use cabinet_domain::processing::{Analysis, Subject, TextStatus};
use serde::{Deserialize, Serialize};

use crate::{office, text, thumbnail};

/// How much an analysis may read, produce and expand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Bytes of the file read at most; larger PDFs, office files and images
    /// are not analysed, larger text files are read up to here.
    pub max_input_bytes: u64,
    /// Bytes of text kept at most.
    pub max_text_bytes: usize,
    /// Pixels an image may declare (width × height).
    pub max_pixels: u64,
    /// Entries an office file (a zip archive) may hold.
    pub max_archive_entries: usize,
    /// Bytes an office file's document part may expand to.
    pub max_expanded_bytes: u64,
    /// The longest side of a thumbnail, in pixels.
    pub thumbnail_px: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_input_bytes: 64 * 1024 * 1024,
            max_text_bytes: 1024 * 1024,
            max_pixels: 40_000_000,
            max_archive_entries: 10_000,
            max_expanded_bytes: 64 * 1024 * 1024,
            thumbnail_px: 320,
        }
    }
}

/// The formats Cabinet reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Plain text, Markdown, CSV and the like.
    Text,
    /// HTML, read without its markup.
    Html,
    /// JSON: its keys and values.
    Json,
    /// PDF.
    Pdf,
    /// Word (Office Open XML).
    Docx,
    /// OpenDocument text.
    Odt,
    /// PNG, JPEG, GIF or WebP: a thumbnail, no text.
    Image,
    /// Anything else: found by name and metadata only.
    Other,
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const ODT: &str = "application/vnd.oasis.opendocument.text";

/// The format of a file whose content Cabinet sniffed as `content_type`.
/// Text formats have no magic number, so for content the sniffer did not
/// recognise the file name's extension decides; whether the bytes really
/// are text is checked when they are read.
#[must_use]
pub fn format_of(content_type: &str, filename: &str) -> Format {
    let extension = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match content_type {
        "application/pdf" => Format::Pdf,
        DOCX => Format::Docx,
        ODT => Format::Odt,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp" => Format::Image,
        "text/html" => Format::Html,
        "application/json" => Format::Json,
        ct if ct.starts_with("text/") => Format::Text,
        // Office files the sniffer only saw as zip archives.
        "application/zip" => match extension.as_str() {
            "docx" => Format::Docx,
            "odt" => Format::Odt,
            _ => Format::Other,
        },
        "application/octet-stream" => match extension.as_str() {
            "txt" | "text" | "md" | "markdown" | "csv" | "tsv" | "log" | "rst" | "adoc" | "ini" | "toml" | "yaml"
            | "yml" => Format::Text,
            "html" | "htm" | "xhtml" => Format::Html,
            "json" => Format::Json,
            _ => Format::Other,
        },
        _ => Format::Other,
    }
}

/// Why nothing could be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub(crate) status: TextStatus,
    pub(crate) detail: String,
}

impl Failure {
    pub(crate) fn new(status: TextStatus, detail: impl Into<String>) -> Self {
        Self { status, detail: detail.into() }
    }

    pub(crate) fn malformed(detail: impl std::fmt::Display) -> Self {
        Self::new(TextStatus::Malformed, detail.to_string())
    }

    pub(crate) fn refused(detail: impl Into<String>) -> Self {
        Self::new(TextStatus::Refused, detail)
    }
}

fn extracted(result: Result<String, Failure>) -> Analysis {
    match result {
        Ok(text) => Analysis { text_status: TextStatus::Extracted, text, detail: None, thumbnail: None },
        Err(f) => Analysis::without_text(f.status, Some(f.detail)),
    }
}

/// Analyses a file held in memory. `complete` says whether `bytes` is the
/// whole file or only its first `max_input_bytes`. `pdf_renderer` is the
/// path of `pdftoppm`, when PDFs get thumbnails; `scratch` is where it may
/// write.
#[must_use]
pub fn analyze(
    bytes: &[u8],
    complete: bool,
    subject: &Subject,
    limits: &Limits,
    pdf_renderer: Option<(&Path, &Path)>,
) -> Analysis {
    let format = format_of(&subject.content_type, &subject.filename);
    let whole = |what: &str| {
        if complete {
            Ok(())
        } else {
            Err(Failure::new(
                TextStatus::TooLarge,
                format!("{what} larger than {} bytes are not read", limits.max_input_bytes),
            ))
        }
    };
    match format {
        Format::Text => extracted(text::plain(bytes, limits.max_text_bytes)),
        Format::Html => extracted(text::html(bytes, limits.max_text_bytes)),
        Format::Json => extracted(text::json(bytes, limits.max_text_bytes)),
        Format::Docx => extracted(whole("office files").and_then(|()| office::docx(bytes, limits))),
        Format::Odt => extracted(whole("office files").and_then(|()| office::odt(bytes, limits))),
        Format::Pdf => {
            let mut analysis = extracted(whole("PDFs").and_then(|()| text::pdf(bytes, limits.max_text_bytes)));
            if let (true, Some((renderer, scratch))) = (complete, pdf_renderer) {
                match thumbnail::pdf_first_page(bytes, renderer, scratch, limits) {
                    Ok(t) => analysis.thumbnail = Some(t),
                    Err(f) => {
                        let detail = analysis.detail.take().map_or(String::new(), |d| format!("{d}; "));
                        analysis.detail = Some(format!("{detail}no thumbnail: {}", f.detail));
                    }
                }
            }
            analysis
        }
        Format::Image => match whole("images").and_then(|()| thumbnail::image(bytes, limits)) {
            Ok(t) => {
                Analysis { text_status: TextStatus::Unsupported, text: String::new(), detail: None, thumbnail: Some(t) }
            }
            Err(f) => Analysis::without_text(f.status, Some(f.detail)),
        },
        Format::Other => Analysis::without_text(TextStatus::Unsupported, None),
    }
}
