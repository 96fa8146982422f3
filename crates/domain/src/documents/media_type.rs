//! The media type a version is stored and served with, decided from what
//! the client declared, the file name's extension and the content's own
//! signature. The content decides what it is; the name and the declaration
//! may only narrow that (a zip that is a DOCX, text that is Markdown), never
//! contradict it, and a declaration never makes content active.

/// Media types by file extension, for the formats Cabinet knows.
const BY_EXTENSION: &[(&str, &str)] = &[
    ("txt", "text/plain"),
    ("text", "text/plain"),
    ("log", "text/plain"),
    ("md", "text/markdown"),
    ("markdown", "text/markdown"),
    ("csv", "text/csv"),
    ("tsv", "text/tab-separated-values"),
    ("json", "application/json"),
    ("xml", "application/xml"),
    ("html", "text/html"),
    ("htm", "text/html"),
    ("svg", "image/svg+xml"),
    ("pdf", "application/pdf"),
    ("png", "image/png"),
    ("jpg", "image/jpeg"),
    ("jpeg", "image/jpeg"),
    ("gif", "image/gif"),
    ("webp", "image/webp"),
    ("zip", "application/zip"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("odt", "application/vnd.oasis.opendocument.text"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"),
    ("odp", "application/vnd.oasis.opendocument.presentation"),
];

/// Text a client may declare for content with no signature of its own;
/// none of it runs in a browser.
const SAFE_TEXT: &[&str] =
    &["text/plain", "text/markdown", "text/csv", "text/tab-separated-values", "application/json"];

/// Formats that are zip archives inside.
const ZIP_BASED: &[&str] = &["docx", "xlsx", "pptx", "odt", "ods", "odp"];

/// What the extension of `filename` says, if Cabinet knows it.
fn by_extension(filename: &str) -> Option<(&'static str, &'static str)> {
    let (_, ext) = filename.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    BY_EXTENSION.iter().find(|(e, _)| *e == ext).copied()
}

/// The media type of an upload named `filename`, whose first bytes the
/// store recognised as `sniffed` (`text/plain` for text without a signature
/// of its own, `None` for bytes it could not place), and which the client
/// `declared`.
///
/// - Content with a signature is what the signature says; a zip named as
///   an office document is that document.
/// - Text takes the extension's type if that is a text type (Markdown,
///   CSV, JSON, HTML, SVG…), else a safe text type the client declared, else
///   `text/plain`. Active types (HTML, SVG) come only from the name and stay
///   sandboxed when served.
/// - Anything else is `application/octet-stream`, whatever it is called.
#[must_use]
pub fn decide_media_type(declared: Option<&str>, filename: &str, sniffed: Option<&str>) -> String {
    let named = by_extension(filename);
    match sniffed {
        Some("text/plain") => {
            let textual = |media: &str| {
                media.starts_with("text/") || matches!(media, "application/json" | "application/xml" | "image/svg+xml")
            };
            if let Some((_, media)) = named.filter(|(_, m)| textual(m)) {
                return media.to_owned();
            }
            let declared = declared.and_then(|d| d.split(';').next()).map(|d| d.trim().to_ascii_lowercase());
            declared.filter(|d| SAFE_TEXT.contains(&d.as_str())).unwrap_or_else(|| "text/plain".to_owned())
        }
        Some(sniffed) => match named {
            Some((ext, media)) if sniffed == "application/zip" && ZIP_BASED.contains(&ext) => media.to_owned(),
            _ => sniffed.to_owned(),
        },
        None => "application/octet-stream".to_owned(),
    }
}

/// What a store reports as sniffed for content with no signature:
/// `text/plain` for a head of UTF-8 text (no NUL, no control characters
/// besides whitespace; a character cut at the end of the head is fine),
/// which has no signature for `infer` to find.
#[must_use]
pub fn looks_like_text(head: &[u8]) -> Option<String> {
    if head.is_empty() {
        return None;
    }
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => std::str::from_utf8(&head[..e.valid_up_to()]).ok()?,
        Err(_) => return None,
    };
    let clean = text.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'));
    clean.then(|| "text/plain".to_owned())
}

#[cfg(test)]
mod tests {
    use super::decide_media_type as decide;
    use super::looks_like_text;

    const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

    #[test]
    fn the_content_decides_and_the_name_may_narrow_a_container() {
        assert_eq!(decide(Some("application/octet-stream"), "Report.DOCX", Some("application/zip")), DOCX);
        assert_eq!(decide(None, "bundle.zip", Some("application/zip")), "application/zip");
        assert_eq!(
            decide(Some("application/pdf"), "photo.pdf", Some("image/png")),
            "image/png",
            "PNG bytes named .pdf"
        );
        assert_eq!(decide(None, "notes.docx", Some("image/png")), "image/png", "a name never contradicts the bytes");
    }

    #[test]
    fn text_takes_its_extension_or_a_safe_declared_type() {
        const TEXT: Option<&str> = Some("text/plain");
        assert_eq!(decide(Some("text/plain"), "README.md", TEXT), "text/markdown");
        assert_eq!(decide(Some("text/plain"), "notes", TEXT), "text/plain");
        assert_eq!(decide(Some("text/csv; charset=utf-8"), "data", TEXT), "text/csv");
        assert_eq!(decide(None, "figures.csv", TEXT), "text/csv");
        assert_eq!(decide(None, "notes", TEXT), "text/plain");
        assert_eq!(decide(Some("text/plain"), "blob.txt", None), "application/octet-stream", "binary named .txt");
    }

    #[test]
    fn a_declaration_never_makes_content_active_or_an_image() {
        const TEXT: Option<&str> = Some("text/plain");
        assert_eq!(decide(Some("text/html"), "page", TEXT), "text/plain");
        assert_eq!(decide(Some("image/svg+xml"), "x", TEXT), "text/plain");
        assert_eq!(decide(Some("image/png"), "evil.svg", TEXT), "image/svg+xml", "an SVG stays an SVG, sandboxed");
        assert_eq!(decide(Some("image/png"), "fake.png", None), "application/octet-stream", "no PNG signature");
    }

    #[test]
    fn text_without_a_signature_is_told_from_binary() {
        assert_eq!(looks_like_text(b"# Title\n\nSome words, caf\xc3\xa9.\n").as_deref(), Some("text/plain"));
        assert_eq!(looks_like_text(b"cut in the middle \xc3").as_deref(), Some("text/plain"));
        assert_eq!(looks_like_text(b"\x00\x01binary\xff").as_deref(), None);
        assert_eq!(looks_like_text(b"").as_deref(), None);
    }
}
