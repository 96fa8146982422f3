//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::routes;

/// Cabinet's REST API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Cabinet API", description = "Self-hosted document hub for teams."),
    paths(
        routes::auth::register,
        routes::auth::login,
        routes::auth::refresh,
        routes::auth::logout,
        routes::me::get,
        routes::me::sessions,
        routes::me::revoke_session,
        routes::me::change_password,
        routes::workspaces::create,
        routes::workspaces::list,
        routes::workspaces::get,
        routes::workspaces::rename,
        routes::workspaces::delete,
        routes::workspaces::usage,
        routes::members::list,
        routes::members::add,
        routes::members::change_role,
        routes::members::remove,
        routes::api_keys::create,
        routes::api_keys::list,
        routes::api_keys::revoke,
        routes::folders::create,
        routes::folders::get,
        routes::folders::update,
        routes::folders::children,
        routes::documents::upload,
        routes::documents::get,
        routes::documents::update,
        routes::documents::versions,
        routes::documents::add_version,
        routes::documents::content,
        routes::documents::version_content,
        routes::health::live,
        routes::health::ready,
    ),
    modifiers(&BearerAuth),
    tags(
        (name = "auth", description = "Sign-up, sign-in and tokens"),
        (name = "me", description = "The caller's account"),
        (name = "workspaces", description = "Workspaces (tenants)"),
        (name = "members", description = "Members and roles"),
        (name = "api-keys", description = "Credentials for scripts"),
        (name = "folders", description = "The folder tree"),
        (name = "documents", description = "Documents, versions and content"),
        (name = "health", description = "Probes"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("bearer", SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)));
    }
}
