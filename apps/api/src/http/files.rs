//! Files over HTTP: byte ranges, `Content-Disposition`, and the response
//! that streams a download.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use cabinet_domain::DomainError;
use cabinet_domain::documents::{Download, RangeSpec};

use crate::problem::ApiError;

/// Media types shown in the browser instead of downloaded: formats that
/// cannot run script in Cabinet's origin.
pub(crate) const INLINE_TYPES: [&str; 6] =
    ["image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf", "text/plain"];

/// A single `bytes=` range; anything else (several ranges, other units,
/// nonsense) is ignored and the whole content is sent, as RFC 9110 allows.
pub(crate) fn parse_range(headers: &HeaderMap) -> Option<RangeSpec> {
    let spec = headers.get(header::RANGE)?.to_str().ok()?.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    match (first.trim(), last.trim()) {
        ("", n) => n.parse().ok().map(RangeSpec::Suffix),
        (f, "") => f.parse().ok().map(|first| RangeSpec::From { first, last: None }),
        (f, l) => Some(RangeSpec::From { first: f.parse().ok()?, last: Some(l.parse().ok()?) }),
    }
}

/// `attachment` (or `inline` for safe previews) with an ASCII fallback and
/// the exact name in RFC 5987 encoding; nothing from the name can break the header.
pub(crate) fn content_disposition(filename: &str, inline: bool) -> String {
    let fallback: String =
        filename.chars().map(|c| if c.is_ascii_alphanumeric() || " .-_()[]".contains(c) { c } else { '_' }).collect();
    let encoded: String = filename
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let kind = if inline { "inline" } else { "attachment" };
    format!("{kind}; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// The response to a download: the bytes (200 or 206), 304 when the
/// client's copy is current, or the problem, with `Content-Range` on a 416.
pub(crate) fn file_response(result: Result<Download, DomainError>) -> Result<HttpResponse, ApiError> {
    let download = match result {
        Err(DomainError::RangeNotSatisfiable { size }) => {
            let mut response = ApiError::from(DomainError::RangeNotSatisfiable { size }).to_response();
            response.headers_mut().insert(
                header::CONTENT_RANGE,
                HeaderValue::from_str(&format!("bytes */{size}")).map_err(DomainError::internal)?,
            );
            return Ok(response);
        }
        other => other?,
    };
    let version = download.version;
    let etag = format!("\"{}\"", version.sha256);
    let Some(content) = download.content else {
        return Ok(HttpResponse::NotModified().insert_header((header::ETAG, etag)).finish());
    };
    let inline = INLINE_TYPES.contains(&version.content_type.as_str());
    let mut response = match content.range {
        Some(r) => {
            let mut b = HttpResponse::build(StatusCode::PARTIAL_CONTENT);
            b.insert_header((header::CONTENT_RANGE, format!("bytes {}-{}/{}", r.start(), r.end(), content.size)));
            b.no_chunking(r.len());
            b
        }
        None => {
            let mut b = HttpResponse::Ok();
            b.no_chunking(content.size);
            b
        }
    };
    Ok(response
        .insert_header((header::CONTENT_TYPE, version.content_type.clone()))
        .insert_header((header::ETAG, etag))
        .insert_header((header::ACCEPT_RANGES, "bytes"))
        .insert_header((header::CONTENT_DISPOSITION, content_disposition(version.filename.as_str(), inline)))
        .insert_header((header::CONTENT_SECURITY_POLICY, "sandbox; default-src 'none'; style-src 'unsafe-inline'"))
        .insert_header((header::CACHE_CONTROL, "private, no-cache"))
        .streaming(content.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_disposition_never_carries_raw_quotes_or_line_breaks() {
        let header = content_disposition("a\"\r\nSet-Cookie: x=1.pdf", false);
        assert!(!header.contains('\r') && !header.contains('\n'));
        assert_eq!(header.matches('"').count(), 2, "{header}");
        assert!(header.starts_with("attachment; filename=\"a___Set-Cookie_ x_1.pdf\""), "{header}");
        assert!(header.ends_with("filename*=UTF-8''a%22%0D%0ASet-Cookie%3A%20x%3D1.pdf"), "{header}");
        assert!(content_disposition("Résumé.pdf", true).contains("filename*=UTF-8''R%C3%A9sum%C3%A9.pdf"));
    }

    #[test]
    fn only_single_byte_ranges_are_understood() {
        let mut headers = HeaderMap::new();
        let mut range = |v: &'static str| {
            headers.insert(header::RANGE, HeaderValue::from_static(v));
            parse_range(&headers)
        };
        assert_eq!(range("bytes=0-99"), Some(RangeSpec::From { first: 0, last: Some(99) }));
        assert_eq!(range("bytes=100-"), Some(RangeSpec::From { first: 100, last: None }));
        assert_eq!(range("bytes=-5"), Some(RangeSpec::Suffix(5)));
        assert_eq!(range("bytes=0-1,5-6"), None);
        assert_eq!(range("items=0-1"), None);
        assert_eq!(range("bytes=x-y"), None);
    }
}
