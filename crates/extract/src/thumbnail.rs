//! Thumbnails: images decoded within pixel and allocation limits checked
//! from their headers first, and the first page of a PDF rendered by
//! `pdftoppm` when it is installed.

use std::io::Cursor;
use std::path::Path;
use std::process::{Command, Stdio};

use bytes::Bytes;
use cabinet_domain::processing::{TextStatus, Thumbnail};
use image::{DynamicImage, ImageReader};

use crate::analyze::{Failure, Limits};

/// Bytes the decoder may allocate beyond the pixels themselves.
const DECODER_SLACK: u64 = 64 * 1024 * 1024;

fn reader(bytes: &[u8]) -> Result<ImageReader<Cursor<&[u8]>>, Failure> {
    ImageReader::new(Cursor::new(bytes)).with_guessed_format().map_err(Failure::malformed)
}

/// A PNG thumbnail of an image. An image declaring more pixels than
/// allowed is refused from its header, before a byte of it is decoded.
pub(crate) fn image(bytes: &[u8], limits: &Limits) -> Result<Thumbnail, Failure> {
    let (width, height) =
        reader(bytes)?.into_dimensions().map_err(|e| Failure::malformed(format!("unreadable image: {e}")))?;
    let pixels = u64::from(width) * u64::from(height);
    if pixels > limits.max_pixels {
        return Err(Failure::refused(format!(
            "the image declares {width} × {height} pixels, more than the {} allowed",
            limits.max_pixels
        )));
    }
    let mut decoder = reader(bytes)?;
    let mut bounds = image::Limits::default();
    bounds.max_image_width = Some(width);
    bounds.max_image_height = Some(height);
    bounds.max_alloc = Some(pixels * 8 + DECODER_SLACK);
    decoder.limits(bounds);
    let decoded = decoder.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => Failure::refused(format!("decoding would exceed a limit: {l}")),
        e => Failure::malformed(format!("unreadable image: {e}")),
    })?;
    encode(&decoded, limits.thumbnail_px)
}

fn encode(picture: &DynamicImage, size: u32) -> Result<Thumbnail, Failure> {
    let small = picture.thumbnail(size, size);
    let mut png = Vec::new();
    small
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| Failure::new(TextStatus::Failed, format!("encoding the thumbnail: {e}")))?;
    Ok(Thumbnail { png: Bytes::from(png), width: small.width(), height: small.height() })
}

/// The first page of a PDF, rendered by `renderer` (`pdftoppm`) into
/// `scratch`. The renderer runs under the limits of this (child) process.
pub(crate) fn pdf_first_page(
    bytes: &[u8],
    renderer: &Path,
    scratch: &Path,
    limits: &Limits,
) -> Result<Thumbnail, Failure> {
    let input = scratch.join("input.pdf");
    let output = scratch.join("page");
    std::fs::write(&input, bytes).map_err(|e| Failure::new(TextStatus::Failed, format!("writing the PDF: {e}")))?;
    let status = Command::new(renderer)
        .args(["-f", "1", "-l", "1", "-singlefile", "-png", "-scale-to"])
        .arg(limits.thumbnail_px.to_string())
        .arg(&input)
        .arg(&output)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| Failure::new(TextStatus::Failed, format!("running {}: {e}", renderer.display())))?;
    let _ = std::fs::remove_file(&input);
    if !status.success() {
        return Err(Failure::malformed(format!("the renderer could not draw the first page ({status})")));
    }
    let png = std::fs::read(output.with_extension("png"))
        .map_err(|e| Failure::new(TextStatus::Failed, format!("reading the rendered page: {e}")))?;
    image(&png, limits)
}
