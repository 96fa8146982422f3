//! Route handlers, one module per resource. Handlers are thin: extract,
//! convert to domain values, call one service, map the result.

pub mod api_keys;
pub mod audit;
pub mod auth;
pub mod documents;
pub mod folders;
pub mod health;
pub mod jobs;
pub mod me;
pub mod members;
pub mod search;
pub mod shares;
pub mod trash;
pub mod webhooks;
pub mod workspaces;

use actix_web::web;

/// Registers every `/api/v1` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .route("/register", web::post().to(auth::register))
            .route("/login", web::post().to(auth::login))
            .route("/refresh", web::post().to(auth::refresh))
            .route("/logout", web::post().to(auth::logout)),
    )
    .service(
        web::scope("/me")
            .route("", web::get().to(me::get))
            .route("/sessions", web::get().to(me::sessions))
            .route("/sessions/{id}", web::delete().to(me::revoke_session))
            .route("/password", web::put().to(me::change_password)),
    )
    .service(
        web::scope("/workspaces")
            .route("", web::post().to(workspaces::create))
            .route("", web::get().to(workspaces::list))
            .route("/{ws}", web::get().to(workspaces::get))
            .route("/{ws}", web::patch().to(workspaces::rename))
            .route("/{ws}", web::delete().to(workspaces::delete))
            .route("/{ws}/usage", web::get().to(workspaces::usage))
            .route("/{ws}/audit/verify", web::get().to(audit::verify))
            .route("/{ws}/activity", web::get().to(audit::activity))
            .route("/{ws}/audit/events", web::get().to(audit::events))
            .route("/{ws}/audit/export", web::get().to(audit::export))
            .route("/{ws}/documents/{id}/history", web::get().to(audit::document_history))
            .route("/{ws}/search", web::get().to(search::search))
            .route("/{ws}/documents/{id}/thumbnail", web::get().to(search::thumbnail))
            .route("/{ws}/documents/{id}/versions/{n}/thumbnail", web::get().to(search::version_thumbnail))
            .route("/{ws}/documents/{id}/versions/{n}/processing", web::get().to(search::processing))
            .route("/{ws}/members", web::get().to(members::list))
            .route("/{ws}/members", web::post().to(members::add))
            .route("/{ws}/members/{user_id}", web::patch().to(members::change_role))
            .route("/{ws}/members/{user_id}", web::delete().to(members::remove))
            .route("/{ws}/api-keys", web::get().to(api_keys::list))
            .route("/{ws}/api-keys", web::post().to(api_keys::create))
            .route("/{ws}/api-keys/{key_id}", web::delete().to(api_keys::revoke))
            .route("/{ws}/folders", web::post().to(folders::create))
            .route("/{ws}/folders/{id}", web::get().to(folders::get))
            .route("/{ws}/folders/{id}", web::patch().to(folders::update))
            .route("/{ws}/folders/{id}", web::delete().to(trash::trash_folder))
            .route("/{ws}/folders/{id}/restore", web::post().to(trash::restore_folder))
            .route("/{ws}/trash", web::get().to(trash::list))
            .route("/{ws}/trash/documents/{id}", web::delete().to(trash::purge_document))
            .route("/{ws}/trash/folders/{id}", web::delete().to(trash::purge_folder))
            .route("/{ws}/documents/{id}/shares", web::post().to(shares::create))
            .route("/{ws}/documents/{id}/shares", web::get().to(shares::list))
            .route("/{ws}/shares/{link_id}", web::delete().to(shares::revoke))
            .route("/{ws}/webhooks", web::post().to(webhooks::create))
            .route("/{ws}/webhooks", web::get().to(webhooks::list))
            .route("/{ws}/webhooks/{id}", web::get().to(webhooks::get))
            .route("/{ws}/webhooks/{id}", web::patch().to(webhooks::update))
            .route("/{ws}/webhooks/{id}", web::delete().to(webhooks::delete))
            .route("/{ws}/webhooks/{id}/ping", web::post().to(webhooks::ping))
            .route("/{ws}/webhooks/{id}/deliveries", web::get().to(webhooks::deliveries))
            .route("/{ws}/deliveries/{id}/redeliver", web::post().to(webhooks::redeliver))
            .route("/{ws}/folders/{id}/children", web::get().to(folders::children))
            .route("/{ws}/folders/{id}/documents", web::post().to(documents::upload))
            .route("/{ws}/documents/{id}", web::get().to(documents::get))
            .route("/{ws}/documents/{id}", web::patch().to(documents::update))
            .route("/{ws}/documents/{id}", web::delete().to(trash::trash_document))
            .route("/{ws}/documents/{id}/restore", web::post().to(trash::restore_document))
            .route("/{ws}/documents/{id}/content", web::get().to(documents::content))
            .route("/{ws}/documents/{id}/versions", web::get().to(documents::versions))
            .route("/{ws}/documents/{id}/versions", web::post().to(documents::add_version))
            .route("/{ws}/documents/{id}/versions/{n}/content", web::get().to(documents::version_content)),
    )
    .service(
        web::scope("/admin")
            .route("/jobs", web::get().to(jobs::list))
            .route("/jobs/{id}/retry", web::post().to(jobs::retry))
            .route("/schedule", web::get().to(jobs::schedule)),
    );
}

/// Registers the public share link routes under `/s`.
pub fn configure_public(cfg: &mut web::ServiceConfig) {
    cfg.route("/{token}", web::get().to(shares::open))
        .route("/{token}/download", web::get().to(shares::download))
        .route("/{token}/download", web::post().to(shares::download_with_form));
}
