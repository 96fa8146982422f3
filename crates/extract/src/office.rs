//! Word (DOCX) and OpenDocument (ODT) text: a zip archive whose document
//! part is XML. Sizes are checked from the archive's central directory
//! before anything is inflated, and inflation is capped in case they lie.

use std::io::{Cursor, Read as _};

use quick_xml::events::Event;

use crate::analyze::{Failure, Limits};
use crate::text::clean;

/// The text of a DOCX file's body.
pub(crate) fn docx(bytes: &[u8], limits: &Limits) -> Result<String, Failure> {
    let xml = document_part(bytes, "word/document.xml", limits)?;
    xml_text(&xml, limits.max_text_bytes)
}

/// The text of an ODT file's body.
pub(crate) fn odt(bytes: &[u8], limits: &Limits) -> Result<String, Failure> {
    let xml = document_part(bytes, "content.xml", limits)?;
    xml_text(&xml, limits.max_text_bytes)
}

/// Reads one entry of the archive, refusing archives with too many entries
/// and entries that declare (or turn out) larger than allowed.
fn document_part(bytes: &[u8], name: &str, limits: &Limits) -> Result<Vec<u8>, Failure> {
    let mut archive =
        zip::ZipArchive::new(Cursor::new(bytes)).map_err(|e| Failure::malformed(format!("not a zip archive: {e}")))?;
    if archive.len() > limits.max_archive_entries {
        return Err(Failure::refused(format!(
            "the archive holds {} entries, more than the {} allowed",
            archive.len(),
            limits.max_archive_entries
        )));
    }
    let entry = archive.by_name(name).map_err(|_| Failure::malformed(format!("no {name} in the archive")))?;
    if entry.is_symlink() {
        return Err(Failure::refused(format!("{name} is a symbolic link")));
    }
    if entry.size() > limits.max_expanded_bytes {
        return Err(Failure::refused(format!(
            "{name} declares {} bytes expanded ({} compressed), more than the {} allowed",
            entry.size(),
            entry.compressed_size(),
            limits.max_expanded_bytes
        )));
    }
    let mut xml = Vec::new();
    entry
        .take(limits.max_expanded_bytes + 1)
        .read_to_end(&mut xml)
        .map_err(|e| Failure::malformed(format!("{name} does not inflate: {e}")))?;
    if xml.len() as u64 > limits.max_expanded_bytes {
        return Err(Failure::refused(format!("{name} expands past {} bytes", limits.max_expanded_bytes)));
    }
    Ok(xml)
}

/// The character data of a word-processing document, a line per paragraph
/// (`p` and `h` elements), with tabs, breaks and ODF's space runs; field
/// instructions (`instrText`) and deleted text (`delText`) are skipped.
fn xml_text(xml: &[u8], max: usize) -> Result<String, Failure> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut skipping = 0usize;
    let mut buf = Vec::new();
    loop {
        let event = reader.read_event_into(&mut buf).map_err(|e| Failure::malformed(format!("bad XML: {e}")))?;
        match event {
            Event::Start(e) if matches!(e.local_name().as_ref(), b"instrText" | b"delText") => skipping += 1,
            Event::End(e) => match e.local_name().as_ref() {
                b"instrText" | b"delText" => skipping = skipping.saturating_sub(1),
                b"p" | b"h" => out.push('\n'),
                _ => {}
            },
            Event::Empty(e) => match e.local_name().as_ref() {
                b"tab" => out.push('\t'),
                b"br" | b"cr" | b"line-break" => out.push('\n'),
                b"s" => out.push(' '),
                b"p" | b"h" => out.push('\n'),
                _ => {}
            },
            Event::Text(t) if skipping == 0 => {
                let text = t.xml10_content().map_err(|e| Failure::malformed(format!("bad XML text: {e}")))?;
                out.push_str(&text);
            }
            Event::GeneralRef(r) if skipping == 0 => {
                if let Some(c) = r.resolve_char_ref().ok().flatten() {
                    out.push(c);
                } else {
                    let name = r.decode().unwrap_or_default();
                    out.push_str(quick_xml::escape::resolve_xml_entity(&name).unwrap_or(""));
                }
            }
            Event::Eof => break,
            _ => {}
        }
        if out.len() > max {
            break;
        }
        buf.clear();
    }
    Ok(clean(&out, max))
}
