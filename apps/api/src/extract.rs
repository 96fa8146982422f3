//! Extractors that turn a request into the domain's view of its caller.

use std::future::Future;
use std::net::IpAddr;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpMessage as _, HttpRequest, web};
use cabinet_bootstrap::App;
use cabinet_domain::{Actor, AuthFailure, DomainError, Origin};

use crate::problem::ApiError;
use crate::request_id::RequestId;

/// Longest User-Agent kept for the audit trail.
const MAX_USER_AGENT: usize = 256;

/// Where the request came from: request id, client address, user agent.
#[derive(Debug, Clone)]
pub struct RequestOrigin(pub Origin);

/// The client's address: the peer, unless the peer is a trusted proxy, in
/// which case the last address that proxy appended to `X-Forwarded-For`.
fn client_ip(req: &HttpRequest, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    req.headers()
        .get("x-forwarded-for")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.rsplit(',').next())
        .and_then(|v| v.trim().parse().ok())
        .or(Some(peer))
}

fn origin_of(req: &HttpRequest) -> Origin {
    let trusted =
        req.app_data::<web::Data<App>>().map(|app| app.settings.http.trusted_proxies.clone()).unwrap_or_default();
    Origin {
        request_id: req.extensions().get::<RequestId>().map(|r| r.0.clone()),
        ip: client_ip(req, &trusted),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(MAX_USER_AGENT).collect()),
    }
}

impl FromRequest for RequestOrigin {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self(origin_of(req))))
    }
}

/// An authenticated caller (a bearer access token or API key), or a 401.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Actor);

impl FromRequest for Authenticated {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let origin = origin_of(req);
        let app = req.app_data::<web::Data<App>>().cloned();
        let bearer = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("bearer ")))
            .map(|t| t.trim().to_owned());
        Box::pin(async move {
            let app = app.ok_or_else(|| ApiError::from(DomainError::internal("application state missing")))?;
            let Some(token) = bearer.filter(|t| !t.is_empty()) else {
                return Err(DomainError::Unauthenticated(AuthFailure::MissingCredentials).into());
            };
            Ok(Self(app.authentication.authenticate(&token, origin).await?))
        })
    }
}
