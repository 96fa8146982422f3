//! Serves the web app (apps/web, built by Vite): hashed assets cached for a
//! year, and `index.html` for every other page a browser asks for, so the
//! app's own router takes over (SPA fallback). Requests that do not ask for
//! HTML get the API's JSON 404 instead.

use std::path::{Path, PathBuf};

use actix_web::dev::{HttpServiceFactory, RequestHead};
use actix_web::http::{Method, header};
use actix_web::middleware::DefaultHeaders;
use actix_web::{HttpRequest, HttpResponse, guard, web};
use bytes::Bytes;

/// The policy of the app's page: its own scripts, styles and API only;
/// images also from `blob:` URLs (previews of authenticated content).
const PAGE_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; \
                        connect-src 'self'; frame-src 'none'; object-src 'none'; base-uri 'none'; \
                        form-action 'self'; frame-ancestors 'none'";

/// The built app, when there is one.
#[derive(Debug, Clone)]
pub struct WebApp {
    dir: PathBuf,
    index: Bytes,
}

impl WebApp {
    /// The app built into `dir`, or `None` (with a warning) when `dir` has no `index.html`.
    #[must_use]
    pub fn load(dir: &Path) -> Option<Self> {
        match std::fs::read(dir.join("index.html")) {
            Ok(index) => Some(Self { dir: dir.to_owned(), index: Bytes::from(index) }),
            Err(e) => {
                tracing::warn!(dir = %dir.display(), error = %e, "no web app to serve (build apps/web); serving the API only");
                None
            }
        }
    }

    /// `/assets/…`: content-hashed names, so they never change.
    pub fn assets(&self) -> impl HttpServiceFactory + use<> {
        web::scope("/assets")
            .wrap(DefaultHeaders::new().add((header::CACHE_CONTROL, "public, max-age=31536000, immutable")))
            .service(actix_files::Files::new("", self.dir.join("assets")))
    }

    /// The page itself, for the app's router to render.
    #[must_use]
    pub fn index(&self) -> HttpResponse {
        HttpResponse::Ok()
            .insert_header((header::CONTENT_TYPE, "text/html; charset=utf-8"))
            .insert_header((header::CACHE_CONTROL, "no-cache"))
            .insert_header((header::CONTENT_SECURITY_POLICY, PAGE_CSP))
            .body(self.index.clone())
    }
}

/// Whether a request is a browser asking for a page (not `fetch` for JSON).
fn asks_for_page(head: &RequestHead) -> bool {
    (head.method == Method::GET || head.method == Method::HEAD)
        && head
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("text/html"))
}

/// Whether a request is a browser asking for a page.
#[must_use]
pub fn wants_page(req: &HttpRequest) -> bool {
    asks_for_page(req.head())
}

/// A guard for routes a browser navigates to but scripts call for JSON.
pub fn page_guard() -> impl guard::Guard {
    guard::fn_guard(|ctx| asks_for_page(ctx.head()))
}

/// Serves `index.html` for a page request.
pub async fn page(app: web::Data<Option<WebApp>>) -> HttpResponse {
    match app.get_ref() {
        Some(web) => web.index(),
        None => HttpResponse::NotFound().finish(),
    }
}
