//! The OpenAPI document, generated from the handlers' annotations.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use crate::routes;

/// Cabinet's REST API.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Cabinet API", description = "Self-hosted document hub for teams."),
    paths(
        routes::identity::auth::register,
        routes::identity::auth::login,
        routes::identity::auth::refresh,
        routes::identity::auth::logout,
        routes::identity::me::get,
        routes::identity::me::sessions,
        routes::identity::me::revoke_session,
        routes::identity::me::change_password,
        routes::workspaces::create,
        routes::workspaces::list,
        routes::workspaces::get,
        routes::workspaces::rename,
        routes::workspaces::delete,
        routes::workspaces::usage,
        routes::workspaces::members::list,
        routes::workspaces::members::add,
        routes::workspaces::members::change_role,
        routes::workspaces::members::remove,
        routes::identity::api_keys::create,
        routes::identity::api_keys::list,
        routes::identity::api_keys::revoke,
        routes::folders::create,
        routes::folders::get,
        routes::folders::update,
        routes::folders::children,
        routes::documents::transfer::upload,
        routes::documents::get,
        routes::documents::update,
        routes::documents::versions,
        routes::documents::transfer::add_version,
        routes::documents::transfer::content,
        routes::documents::transfer::version_content,
        routes::processing::processing,
        routes::processing::thumbnail,
        routes::processing::version_thumbnail,
        routes::search::search,
        routes::folders::trash::list,
        routes::folders::trash::trash_document,
        routes::folders::trash::restore_document,
        routes::folders::trash::trash_folder,
        routes::folders::trash::restore_folder,
        routes::folders::trash::purge_document,
        routes::folders::trash::purge_folder,
        routes::sharing::create,
        routes::sharing::list,
        routes::sharing::revoke,
        routes::sharing::open,
        routes::sharing::download,
        routes::sharing::download_with_form,
        routes::audit::verify,
        routes::audit::activity,
        routes::audit::events,
        routes::audit::export::export,
        routes::audit::document_history,
        routes::webhooks::create,
        routes::webhooks::list,
        routes::webhooks::get,
        routes::webhooks::update,
        routes::webhooks::delete,
        routes::webhooks::ping,
        routes::webhooks::deliveries,
        routes::webhooks::redeliver,
        routes::jobs::list,
        routes::jobs::retry,
        routes::jobs::schedule,
        routes::health::live,
        routes::health::ready,
        routes::health::metrics,
    ),
    modifiers(&BearerAuth, &CommonProblems, &OperationIds),
    tags(
        (name = "auth", description = "Sign-up, sign-in and tokens"),
        (name = "me", description = "The caller's account"),
        (name = "workspaces", description = "Workspaces (tenants)"),
        (name = "members", description = "Members and roles"),
        (name = "api-keys", description = "Credentials for scripts"),
        (name = "folders", description = "The folder tree"),
        (name = "documents", description = "Documents, versions and content"),
        (name = "trash", description = "Deleting and restoring"),
        (name = "search", description = "Full-text search over names, tags, metadata and the text inside documents"),
        (name = "sharing", description = "Share links, and what they open for anyone holding them"),
        (name = "webhooks", description = "Endpoints that receive a workspace's events, and their delivery log"),
        (name = "admin", description = "The job queue and the maintenance schedule, for instance administrators"),
        (name = "audit", description = "The tamper-evident audit trail"),
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

/// Statuses any operation can answer, added to every operation that does
/// not describe them itself: 401 (and 429, 503 from the credential checks)
/// wherever a bearer token is needed, 500 everywhere.
struct CommonProblems;

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    let content = ContentBuilder::new().schema(Some(Ref::from_schema_name("Problem"))).build();
    RefOr::T(ResponseBuilder::new().description(description).content("application/problem+json", content).build())
}

/// Problems are served as `application/problem+json`: a response described
/// with the `Problem` body under any other media type says so instead.
fn as_problem_json(response: &mut RefOr<utoipa::openapi::Response>) {
    let RefOr::T(response) = response else { return };
    let names_problem = |content: &RefOr<utoipa::openapi::Content>| matches!(content, RefOr::T(c) if matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location.ends_with("/Problem")));
    let Some(key) = response.content.iter().find(|(_, c)| names_problem(c)).map(|(k, _)| k.clone()) else {
        return;
    };
    if key != "application/problem+json"
        && let Some(content) = response.content.shift_remove(&key)
    {
        response.content.insert("application/problem+json".to_owned(), content);
    }
}

impl Modify for CommonProblems {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for (path, item) in &mut openapi.paths.paths {
            let has_path_params = path.contains('{');
            let operations: [&mut Option<Operation>; 5] =
                [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
                let has_body = operation.request_body.is_some();
                let has_query = operation.parameters.as_ref().is_some_and(|ps| {
                    ps.iter().any(
                        |p| matches!(p, RefOr::T(p) if p.parameter_in == utoipa::openapi::path::ParameterIn::Query),
                    )
                });
                let responses = &mut operation.responses.responses;
                for response in responses.values_mut() {
                    as_problem_json(response);
                }
                let mut add = |status: &str, description: &str| {
                    responses.entry(status.to_owned()).or_insert_with(|| problem_response(description));
                };
                if secured {
                    add("401", "Missing, invalid, expired or revoked credentials");
                    add("429", "Too many requests; see Retry-After");
                    add("503", "A dependency is unavailable; see Retry-After");
                }
                if has_path_params || has_query || has_body {
                    add("400", "A malformed path parameter, query string or body");
                }
                if has_path_params {
                    add("404", "Nothing of the kind with this id, or nothing the caller may see");
                }
                if has_query || has_body {
                    add("422", "Invalid fields; `errors` names each");
                }
                if has_body {
                    add("413", "The body is larger than allowed");
                    add("415", "The body is not of a media type this operation takes");
                    add("408", "The body arrived too slowly");
                }
                add("500", "Unexpected failure; the request id finds the log line");
            }
        }
    }
}

/// Operation ids unique across the document, as OpenAPI requires (code
/// generators name functions by them): the handler's name prefixed by its
/// tag, e.g. `documents_get`, `folders_get`.
struct OperationIds;

impl Modify for OperationIds {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations: [&mut Option<Operation>; 5] =
                [&mut item.get, &mut item.post, &mut item.put, &mut item.patch, &mut item.delete];
            for operation in operations.into_iter().flatten() {
                let tag = operation.tags.as_ref().and_then(|t| t.first()).map(|t| t.replace('-', "_"));
                if let (Some(tag), Some(id)) = (tag, operation.operation_id.as_mut()) {
                    *id = format!("{tag}_{id}");
                }
            }
        }
    }
}
