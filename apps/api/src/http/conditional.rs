//! Conditional requests: ETags of revisions, `If-Match` and `If-None-Match`.

use actix_web::http::header::{self, HeaderMap};
use cabinet_domain::DomainError;
use cabinet_domain::documents::Sha256;

use crate::problem::ApiError;

pub(crate) fn revision_etag(revision: u64) -> String {
    format!("\"r{revision}\"")
}

/// Whether `If-None-Match` names `etag` (weakly compared, as RFC 9110 asks
/// for `GET`) or is `*`.
pub(crate) fn revision_matches(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|t| t.trim())
        .any(|t| t == "*" || t.trim_start_matches("W/") == etag)
}

/// The revision an `If-Match` header names, if any. A tag that is not one
/// of ours can never match, so it fails the precondition.
pub(crate) fn parse_if_match(headers: &HeaderMap) -> Result<Option<u64>, ApiError> {
    let Some(value) = headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    let tag = value.to_str().unwrap_or_default().trim();
    tag.strip_prefix("\"r")
        .and_then(|t| t.strip_suffix('"'))
        .and_then(|n| n.parse().ok())
        .map(Some)
        .ok_or_else(|| DomainError::PreconditionFailed.into())
}

/// The digests named in `If-None-Match` (strong or weak tags).
pub(crate) fn parse_if_none_match(headers: &HeaderMap) -> Vec<Sha256> {
    headers
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|tag| Sha256::parse(tag.trim().trim_start_matches("W/").trim_matches('"')).ok())
        .collect()
}
