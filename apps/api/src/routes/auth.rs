//! Sign-up, sign-in, token refresh and sign-out.

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use cabinet_bootstrap::App;
use cabinet_domain::Actor;
use cabinet_domain::services::{Credentials, Registration};

use crate::dto::{LoginRequest, RefreshRequest, RegisterRequest, TokenResponse, UserDto};
use crate::extract::{Authenticated, RequestOrigin};
use crate::problem::{ApiError, Problem};

fn tokens(pair: cabinet_domain::services::TokenPair) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::PRAGMA, "no-cache"))
        .json(TokenResponse::from(pair))
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
    body: web::Json<RegisterRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let user = app
        .auth
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
    origin: RequestOrigin,
    body: web::Json<LoginRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let pair =
        app.auth.login(&Actor::anonymous(origin.0), Credentials { email: body.email, password: body.password }).await?;
    Ok(tokens(pair))
}

/// Exchange a refresh token for new tokens. The old refresh token stops
/// working; using it again revokes the session.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth", request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = TokenResponse),
        (status = 400, description = "Malformed JSON", body = Problem),
        (status = 401, description = "Invalid, expired or reused refresh token", body = Problem),
    ))]
pub async fn refresh(
    app: web::Data<App>,
    origin: RequestOrigin,
    body: web::Json<RefreshRequest>,
) -> Result<HttpResponse, ApiError> {
    let pair = app.auth.refresh(&Actor::anonymous(origin.0), &body.refresh_token).await?;
    Ok(tokens(pair))
}

/// Sign out: ends the session and revokes the access token.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "Not signed in", body = Problem),
        (status = 403, description = "Not a user session (API key)", body = Problem),
    ))]
pub async fn logout(app: web::Data<App>, caller: Authenticated) -> Result<HttpResponse, ApiError> {
    app.auth.logout(&caller.0).await?;
    Ok(HttpResponse::NoContent().finish())
}
