//! Text formats, and the text of PDFs.

use cabinet_domain::processing::TextStatus;

use crate::analyze::Failure;

/// Bytes looked at to tell text from binary content.
const SNIFF: usize = 8 * 1024;

/// Keeps what an index and a snippet can use: no control characters other
/// than newlines and tabs, at most `max` bytes, cut at a character boundary.
pub(crate) fn clean(text: &str, max: usize) -> String {
    let mut out = String::with_capacity(text.len().min(max));
    for c in text.chars() {
        let c = match c {
            '\r' => continue,
            '\n' | '\t' => c,
            c if c.is_control() => ' ',
            c => c,
        };
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

/// Decodes text: UTF-16 when it starts with a byte-order mark, UTF-8
/// otherwise (invalid sequences replaced). Content with NUL bytes in its
/// first 8 KiB is binary, whatever its name says.
fn decode(bytes: &[u8], max: usize) -> Result<String, Failure> {
    let utf16 = |le: bool, body: &[u8]| {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .take(max)
            .map(|p| if le { u16::from_le_bytes([p[0], p[1]]) } else { u16::from_be_bytes([p[0], p[1]]) })
            .collect();
        String::from_utf16_lossy(&units)
    };
    match bytes {
        [0xFF, 0xFE, body @ ..] => Ok(utf16(true, body)),
        [0xFE, 0xFF, body @ ..] => Ok(utf16(false, body)),
        _ => {
            let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
            if body[..body.len().min(SNIFF)].contains(&0) {
                return Err(Failure::new(TextStatus::Unsupported, "binary content"));
            }
            // Reading past the limit only to drop it costs time on huge files.
            let body = &body[..body.len().min(max.saturating_add(4))];
            Ok(String::from_utf8_lossy(body).into_owned())
        }
    }
}

/// Plain text, Markdown, CSV: the text itself.
pub(crate) fn plain(bytes: &[u8], max: usize) -> Result<String, Failure> {
    decode(bytes, max).map(|t| clean(&t, max))
}

/// HTML without its markup, scripts and styles.
pub(crate) fn html(bytes: &[u8], max: usize) -> Result<String, Failure> {
    let source = decode(bytes, max.saturating_mul(8))?;
    let text = html2text::config::plain_no_decorate()
        .string_from_read(source.as_bytes(), usize::MAX / 2)
        .map_err(Failure::malformed)?;
    Ok(clean(&text, max))
}

/// JSON: its keys, strings, numbers and booleans, one per line; a file
/// that does not parse is read as plain text.
pub(crate) fn json(bytes: &[u8], max: usize) -> Result<String, Failure> {
    let source = decode(bytes, usize::MAX)?;
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&source) else {
        return Ok(clean(&source, max));
    };
    let mut out = String::new();
    walk(&value, &mut out, max);
    Ok(clean(&out, max))
}

/// Appends a JSON value's keys and scalars, a line each, in document
/// order (keys sorted). The parser refuses nesting deeper than 128 levels,
/// so the recursion is bounded.
fn walk(value: &serde_json::Value, out: &mut String, max: usize) {
    if out.len() >= max {
        return;
    }
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                out.push_str(k);
                out.push('\n');
                walk(v, out, max);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| walk(v, out, max)),
        serde_json::Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        serde_json::Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push('\n');
        }
        serde_json::Value::Bool(b) => out.push_str(if *b { "true\n" } else { "false\n" }),
        serde_json::Value::Null => {}
    }
}

/// A PDF's text. The parser panics on some damaged files; that is a
/// malformed file, not a crash.
pub(crate) fn pdf(bytes: &[u8], max: usize) -> Result<String, Failure> {
    if !bytes.starts_with(b"%PDF-") {
        return Err(Failure::malformed("no PDF header"));
    }
    let result = std::panic::catch_unwind(|| pdf_extract::extract_text_from_mem(bytes));
    match result {
        Ok(Ok(text)) => Ok(clean(&text, max)),
        Ok(Err(e)) => Err(Failure::malformed(format!("unreadable PDF: {e}"))),
        Err(_) => Err(Failure::malformed("unreadable PDF: the parser gave up")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_drops_controls_and_cuts_at_a_character_boundary() {
        assert_eq!(clean("a\r\nb\u{1}c\u{7f}", 100), "a\nb c ");
        assert_eq!(clean("héllo", 2), "h");
        assert_eq!(clean("héllo", 3), "hé");
    }

    #[test]
    fn binary_content_named_txt_is_not_text() {
        let err = plain(b"\x00\x01\x02abc", 100).expect_err("binary");
        assert_eq!(err.status, TextStatus::Unsupported);
    }

    #[test]
    fn utf16_with_a_byte_order_mark_is_decoded() {
        let mut bytes = vec![0xFF, 0xFE];
        for u in "hello".encode_utf16() {
            bytes.extend_from_slice(&u.to_le_bytes());
        }
        assert_eq!(plain(&bytes, 100).expect("text"), "hello");
    }

    #[test]
    fn json_yields_keys_and_values_in_order() {
        let text =
            json(br#"{"title": "Budget", "items": [1, true, {"note": "ok"}], "none": null}"#, 1000).expect("json");
        assert_eq!(text, "items\n1\ntrue\nnote\nok\nnone\ntitle\nBudget\n");
        assert_eq!(json(b"{not json", 100).expect("as text"), "{not json");
    }

    #[test]
    fn html_loses_its_markup_scripts_and_styles() {
        let page = b"<html><head><title>T</title><style>p{color:red}</style><script>alert(1)</script></head>\
                     <body><h1>Quarterly</h1><p>Revenue &amp; <b>costs</b></p></body></html>";
        let text = html(page, 1000).expect("html");
        assert!(text.contains("Quarterly") && text.contains("Revenue & costs"), "{text}");
        assert!(!text.contains('<') && !text.contains("alert") && !text.contains("color"), "{text}");
    }
}
