//! Sign-up, sign-in, token refresh and sign-out.

use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::identity::{Credentials, Registration, TokenPair};
use cabinet_domain::{Actor, AuthFailure, DomainError};

use crate::dto::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserDto};
use crate::extract::{Authenticated, RequestOrigin};
use crate::http::json::Json;
use crate::problem::ProblemCode;
use crate::problem::{ApiError, Problem};

/// The browser's copy of the refresh token. `__Host-` pins it to this exact
/// origin over HTTPS with `Path=/`; HttpOnly keeps it from scripts and
/// SameSite=Strict from cross-site requests.
pub const REFRESH_COOKIE: &str = "__Host-cabinet_refresh";

/// Marks a browser that signed in before, so the sign-in throttle counts its
/// failures apart from everyone guessing at the account.
pub const DEVICE_COOKIE: &str = "__Host-cabinet_device";

fn refresh_cookie(value: String, max_age: CookieDuration) -> Cookie<'static> {
    Cookie::build(REFRESH_COOKIE, value)
        .path("/")
        .http_only(true)
        .secure(true)
        .same_site(SameSite::Strict)
        .max_age(max_age)
        .finish()
}

fn tokens(app: &App, pair: TokenPair) -> HttpResponse {
    let max_age = CookieDuration::seconds(i64::try_from(app.settings.auth.refresh_idle_ttl).unwrap_or(i64::MAX));
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .cookie(refresh_cookie(pair.refresh_token.clone(), max_age))
        .json(TokenResponse::from(pair))
}

/// A cookie rides along on any request the browser makes, so using it needs
/// proof the request comes from an allowed page: an `Origin` that is the
/// configured public URL (or, without one, the host the request was sent
/// to) or a configured CORS origin. (JSON bodies already force a CORS
/// preflight; this also stops same-site form posts.) Headers naming another
/// host are believed only from a trusted proxy.
fn cookie_request_allowed(req: &HttpRequest, app: &App) -> bool {
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Non-browser clients send no Origin; browsers always do on POST.
        return true;
    };
    if app.settings.http.cors_origins.iter().any(|o| o == origin) {
        return true;
    }
    let origin = origin.to_ascii_lowercase();
    if let Some(public) = app.settings.public_origin() {
        return origin == public;
    }
    let proxied = req.peer_addr().is_some_and(|peer| app.settings.http.trusted_proxies.contains(&peer.ip()));
    let host = if proxied {
        Some(req.connection_info().host().to_owned())
    } else {
        req.headers()
            .get(header::HOST)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .or_else(|| req.uri().authority().map(|a| a.as_str().to_owned()))
    };
    let Some(host) = host.map(|h| h.to_ascii_lowercase()) else { return false };
    origin.strip_prefix("https://").or_else(|| origin.strip_prefix("http://")) == Some(host.as_str())
}

/// Register an account. The first account becomes the instance administrator.
#[utoipa::path(post, path = "/api/v1/auth/register", tag = "auth", request_body = RegisterRequest,
    responses(
        (status = 201, description = "Registered", body = UserDto),
        (status = 400, description = "Malformed JSON", body = Problem),
        (status = 403, description = "Registration closed", body = Problem),
        (status = 409, description = "Email taken", body = Problem),
        (status = 413, description = "Body too large", body = Problem),
        (status = 415, description = "Not JSON", body = Problem),
        (status = 422, description = "Invalid fields", body = Problem),
    ))]
pub async fn register(
    app: web::Data<App>,
    origin: RequestOrigin,
    body: Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = app
        .accounts
        .register(
            &Actor::anonymous(origin.0),
            Registration { email: body.email, password: body.password, display_name: body.display_name },
        )
        .await?;
    Ok(HttpResponse::Created().insert_header((header::LOCATION, "/api/v1/me")).json(UserDto::from(user)))
}

/// Sign in with email and password.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem),
        (status = 401, description = "Invalid email or password", body = Problem),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem),
        (status = 503, description = "Overloaded", body = Problem),
    ))]
pub async fn login(
    app: web::Data<App>,
    req: HttpRequest,
    origin: RequestOrigin,
    body: Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let device_token = req.cookie(DEVICE_COOKIE).map(|c| c.value().to_owned());
    let mut pair = app
        .sessions
        .login(&Actor::anonymous(origin.0), Credentials { email: body.email, password: body.password, device_token })
        .await?;
    let device = pair.device_token.take();
    let mut response = tokens(&app, pair);
    if let Some(device) = device {
        let days = i64::try_from(app.settings.auth.login.device_days).unwrap_or(i64::MAX);
        let cookie = Cookie::build(DEVICE_COOKIE, device)
            .path("/")
            .http_only(true)
            .secure(true)
            .same_site(SameSite::Strict)
            .max_age(CookieDuration::days(days))
            .finish();
        response.add_cookie(&cookie).map_err(DomainError::internal)?;
    }
    Ok(response)
}

/// Exchange a refresh token for new tokens. The old refresh token stops
/// working; using it again revokes the session. Browsers may omit the token
/// from the body and rely on the HttpOnly cookie set at sign-in.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem),
        (status = 401, description = "Invalid, expired or reused refresh token", body = Problem),
        (status = 403, description = "Cookie sent from a foreign origin", body = Problem),
    ))]
pub async fn refresh(
    app: web::Data<App>,
    req: HttpRequest,
    origin: RequestOrigin,
    body: Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let token = match body.into_inner().refresh_token {
        Some(token) => token,
        None => {
            let cookie =
                req.cookie(REFRESH_COOKIE).ok_or(DomainError::Unauthenticated(AuthFailure::InvalidRefreshToken))?;
            if !cookie_request_allowed(&req, &app) {
                return Err(ApiError::new(ProblemCode::OriginNotAllowed, "this origin may not use the refresh cookie"));
            }
            cookie.value().to_owned()
        }
    };
    let pair = app.sessions.refresh(&Actor::anonymous(origin.0), &token).await?;
    Ok(tokens(&app, pair))
}

/// Sign out: ends the session and revokes the access token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not a user session (API key)", body = Problem),
    ))]
pub async fn logout(app: web::Data<App>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    app.sessions.logout(&caller.0).await?;
    let mut gone = refresh_cookie(String::new(), CookieDuration::ZERO);
    gone.make_removal();
    Ok(HttpResponse::NoContent().cookie(gone).finish())
}
