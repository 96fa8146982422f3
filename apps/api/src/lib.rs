//! Cabinet's HTTP API on actix-web: the middleware stack (request ids,
//! security headers, CORS, body limits), the `/api/v1` routes, the OpenAPI
//! document and the probes.
//!
//! [`Application::build`] binds the listener first, so tests can ask for
//! port 0 and learn the port before serving.

pub mod dto;
pub mod extract;
pub mod http;
pub mod idempotency;
pub mod openapi;
pub mod problem;
pub mod request_id;
pub mod routes;
pub mod slow_body;
pub mod web_app;

use std::net::TcpListener;

use actix_cors::Cors;
use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::middleware::{DefaultHeaders, from_fn};
use actix_web::{App as ActixApp, HttpRequest, HttpResponse, HttpServer, ResponseError as _, web};
use anyhow::Context as _;
use cabinet_bootstrap::App;
use utoipa::OpenApi as _;
use utoipa_swagger_ui::SwaggerUi;

use crate::problem::ApiError;
use crate::problem::ProblemCode;
use crate::web_app::WebApp;

/// Headers on every response: no sniffing, no framing, no referrer leaks.
fn security_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .add((header::X_FRAME_OPTIONS, "DENY"))
        .add((header::REFERRER_POLICY, "no-referrer"))
        .add(("Cross-Origin-Opener-Policy", "same-origin"))
}

/// The interactive API docs share the app's origin, so they get a policy of
/// their own: their scripts and styles only, the OpenAPI document fetched
/// from here, nothing framed, posted elsewhere or loaded from afar.
const DOCS_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
     form-action 'self'; frame-ancestors 'none'";

/// Adds [`DOCS_POLICY`] to the interactive docs' responses.
async fn docs_policy(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let docs = req.path().starts_with("/api/docs");
    let mut response = next.call(req).await?;
    if docs && !response.headers().contains_key(header::CONTENT_SECURITY_POLICY) {
        response.headers_mut().insert(header::CONTENT_SECURITY_POLICY, header::HeaderValue::from_static(DOCS_POLICY));
    }
    Ok(response)
}

/// `/api/docs` without its slash would resolve the docs' relative asset
/// paths against `/api/`: send browsers to the real address.
async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect().insert_header((header::LOCATION, "/api/docs/")).finish()
}

/// Share links are capability URLs: kept out of caches, search engines and
/// referrers (the last is global).
fn share_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"))
        .add((header::CACHE_CONTROL, "private, no-store"))
        .add(("X-Robots-Tag", "noindex, nofollow"))
}

/// API responses are data, never documents: nothing may run or be cached.
fn api_headers() -> DefaultHeaders {
    DefaultHeaders::new()
        .add((header::CONTENT_SECURITY_POLICY, "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"))
        .add((header::CACHE_CONTROL, "no-store"))
}

fn cors(origins: &[String]) -> Cors {
    origins
        .iter()
        .fold(Cors::default(), |cors, origin| cors.allowed_origin(origin))
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE, header::IF_MATCH, header::IF_NONE_MATCH])
        .allowed_header("idempotency-key")
        .allowed_header(routes::sharing::PASSWORD_HEADER)
        .expose_headers(["idempotent-replayed"])
        .expose_headers([header::LOCATION, header::ETAG, header::RETRY_AFTER])
        .expose_headers(["x-request-id"])
        .max_age(600)
}

/// Pages a browser navigates to get the web app (its router shows the
/// page or its own "not found"); anything else gets a problem document.
async fn route_not_found(req: HttpRequest, web: web::Data<Option<WebApp>>) -> HttpResponse {
    if let Some(app) = web.get_ref()
        && web_app::wants_page(&req)
        && !req.path().starts_with("/api/")
    {
        return app.index();
    }
    ApiError::new(ProblemCode::RouteNotFound, "no such route").error_response()
}

/// Registers everything on an actix `App`; shared by the server and tests.
pub fn configure(app: web::Data<App>, web: web::Data<Option<WebApp>>) -> impl FnOnce(&mut web::ServiceConfig) {
    move |cfg| {
        let json_limit = app.settings.http.json_limit;
        if let Some(built) = web.get_ref() {
            cfg.service(built.assets());
        }
        cfg.app_data(app)
            .app_data(web)
            .app_data(web::JsonConfig::default().limit(json_limit).error_handler(|e, _| problem::json_error(e).into()))
            .app_data(web::PayloadConfig::new(json_limit))
            .app_data(web::PathConfig::default().error_handler(|e, _| {
                ApiError::new(ProblemCode::InvalidPath, format!("a path parameter is malformed: {e}")).into()
            }))
            .app_data(web::FormConfig::default().limit(4096).error_handler(|e, _| {
                ApiError::new(ProblemCode::InvalidForm, format!("the form is malformed: {e}")).into()
            }))
            .app_data(web::QueryConfig::default().error_handler(|e, _| {
                ApiError::new(ProblemCode::InvalidQuery, format!("the query string is malformed: {e}")).into()
            }))
            .service(
                web::scope("/health")
                    .route("/live", web::get().to(routes::health::live))
                    .route("/ready", web::get().to(routes::health::ready)),
            )
            .route("/metrics", web::get().to(routes::health::metrics))
            .route("/problems", web::get().to(problem::pages::index))
            .route("/problems/{code}", web::get().to(problem::pages::one))
            .route("/api/docs", web::get().to(docs_redirect))
            .service(SwaggerUi::new("/api/docs/{_:.*}").url("/api/v1/openapi.json", openapi::ApiDoc::openapi()))
            .service(web::scope("/api/v1").wrap(api_headers()).configure(routes::configure))
            .service(
                web::scope("/s")
                    .wrap(share_headers())
                    // A browser opening a share link gets the app's share page.
                    .route("/{token}", web::get().guard(web_app::page_guard()).to(web_app::page))
                    .configure(routes::configure_public),
            )
            .default_service(web::to(route_not_found));
    }
}

/// A bound, not yet running, API server.
pub struct Application {
    port: u16,
    server: Server,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("port", &self.port).finish_non_exhaustive()
    }
}

impl Application {
    /// Binds the configured address and prepares the server.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn build(app: App) -> anyhow::Result<Self> {
        // Metrics recorded from now on (by this process's worker too) show at /metrics.
        cabinet_telemetry::metrics();
        let http = app.settings.http.clone();
        let listener = TcpListener::bind((http.host.as_str(), http.port))
            .with_context(|| format!("binding {}:{}", http.host, http.port))?;
        let port = listener.local_addr()?.port();
        let web_app = web::Data::new(WebApp::load(&http.web_dir));
        let data = web::Data::new(app);
        let server = HttpServer::new(move || {
            ActixApp::new()
                .configure(configure(data.clone(), web_app.clone()))
                .wrap(cors(&http.cors_origins))
                .wrap(security_headers())
                .wrap(from_fn(docs_policy))
                .wrap(from_fn(slow_body::guard_bodies))
                .wrap(from_fn(nudge_workers))
                .wrap(from_fn(request_id::middleware))
        })
        .shutdown_timeout(http.shutdown_timeout)
        // The process's one shutdown signal stops the server through its handle.
        .disable_signals()
        .listen(listener)?
        .run();
        Ok(Self { port, server })
    }

    /// The bound port (useful with port 0).
    #[must_use]
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server gracefully.
    #[must_use]
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped (SIGINT/SIGTERM or the handle).
    ///
    /// # Errors
    /// When the server fails.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// After a request that changed something, wakes idle workers so the events
/// it wrote become webhook deliveries at once rather than at their next poll.
async fn nudge_workers(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    let writes = !matches!(
        *req.method(),
        actix_web::http::Method::GET | actix_web::http::Method::HEAD | actix_web::http::Method::OPTIONS
    );
    let app = req.app_data::<web::Data<App>>().cloned();
    let response = next.call(req).await?;
    if writes
        && response.status().is_success()
        && let Some(app) = app
    {
        // Off the response's path: with Redis this is a round trip.
        actix_web::rt::spawn(async move { app.jobs.nudge().await });
    }
    Ok(response)
}

/// A small HTTP server for a standalone worker: `/metrics` and
/// `/health/live` on `address` (`host:port`, port 0 picks one). Returns the
/// server and the port it listens on.
///
/// # Errors
/// When the address cannot be bound.
pub fn worker_metrics_server(address: &str) -> anyhow::Result<(Server, u16)> {
    cabinet_telemetry::metrics();
    let listener = TcpListener::bind(address).with_context(|| format!("binding {address}"))?;
    let port = listener.local_addr()?.port();
    let server = HttpServer::new(|| {
        ActixApp::new()
            .route("/metrics", web::get().to(routes::health::render_metrics))
            .route("/health/live", web::get().to(routes::health::live))
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok((server, port))
}
