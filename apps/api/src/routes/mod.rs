//! Route handlers, grouped by capability as the domain is. Handlers are thin: extract,
//! convert to domain values, call one service, map the result.

pub mod audit;
pub mod documents;
pub mod folders;
pub mod health;
pub mod identity;
pub mod jobs;
pub mod processing;
pub mod search;
pub mod sharing;
pub mod webhooks;
pub mod workspaces;

use actix_web::web;

/// Registers every `/api/v1` route.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/auth")
            .route("/register", web::post().to(identity::auth::register))
            .route("/login", web::post().to(identity::auth::login))
            .route("/refresh", web::post().to(identity::auth::refresh))
            .route("/logout", web::post().to(identity::auth::logout)),
    )
    .service(
        web::scope("/me")
            .route("", web::get().to(identity::me::get))
            .route("/sessions", web::get().to(identity::me::sessions))
            .route("/sessions/{id}", web::delete().to(identity::me::revoke_session))
            .route("/password", web::put().to(identity::me::change_password)),
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
            .route("/{ws}/audit/export", web::get().to(audit::export::export))
            .route("/{ws}/documents/{id}/history", web::get().to(audit::document_history))
            .route("/{ws}/search", web::get().to(search::search))
            .route("/{ws}/documents/{id}/thumbnail", web::get().to(processing::thumbnail))
            .route("/{ws}/documents/{id}/versions/{n}/thumbnail", web::get().to(processing::version_thumbnail))
            .route("/{ws}/documents/{id}/versions/{n}/processing", web::get().to(processing::processing))
            .route("/{ws}/members", web::get().to(workspaces::members::list))
            .route("/{ws}/members", web::post().to(workspaces::members::add))
            .route("/{ws}/members/{user_id}", web::patch().to(workspaces::members::change_role))
            .route("/{ws}/members/{user_id}", web::delete().to(workspaces::members::remove))
            .route("/{ws}/api-keys", web::get().to(identity::api_keys::list))
            .route("/{ws}/api-keys", web::post().to(identity::api_keys::create))
            .route("/{ws}/api-keys/{key_id}", web::delete().to(identity::api_keys::revoke))
            .route("/{ws}/folders", web::post().to(folders::create))
            .route("/{ws}/folders/{id}", web::get().to(folders::get))
            .route("/{ws}/folders/{id}", web::patch().to(folders::update))
            .route("/{ws}/folders/{id}", web::delete().to(folders::trash::trash_folder))
            .route("/{ws}/folders/{id}/restore", web::post().to(folders::trash::restore_folder))
            .route("/{ws}/trash", web::get().to(folders::trash::list))
            .route("/{ws}/trash/documents/{id}", web::delete().to(folders::trash::purge_document))
            .route("/{ws}/trash/folders/{id}", web::delete().to(folders::trash::purge_folder))
            .route("/{ws}/documents/{id}/shares", web::post().to(sharing::create))
            .route("/{ws}/documents/{id}/shares", web::get().to(sharing::list))
            .route("/{ws}/shares/{link_id}", web::delete().to(sharing::revoke))
            .route("/{ws}/webhooks", web::post().to(webhooks::create))
            .route("/{ws}/webhooks", web::get().to(webhooks::list))
            .route("/{ws}/webhooks/{id}", web::get().to(webhooks::get))
            .route("/{ws}/webhooks/{id}", web::patch().to(webhooks::update))
            .route("/{ws}/webhooks/{id}", web::delete().to(webhooks::delete))
            .route("/{ws}/webhooks/{id}/ping", web::post().to(webhooks::ping))
            .route("/{ws}/webhooks/{id}/deliveries", web::get().to(webhooks::deliveries))
            .route("/{ws}/deliveries/{id}/redeliver", web::post().to(webhooks::redeliver))
            .route("/{ws}/folders/{id}/children", web::get().to(folders::children))
            .route("/{ws}/folders/{id}/documents", web::post().to(documents::transfer::upload))
            .route("/{ws}/documents/{id}", web::get().to(documents::get))
            .route("/{ws}/documents/{id}", web::patch().to(documents::update))
            .route("/{ws}/documents/{id}", web::delete().to(folders::trash::trash_document))
            .route("/{ws}/documents/{id}/restore", web::post().to(folders::trash::restore_document))
            .route("/{ws}/documents/{id}/content", web::get().to(documents::transfer::content))
            .route("/{ws}/documents/{id}/versions", web::get().to(documents::versions))
            .route("/{ws}/documents/{id}/versions", web::post().to(documents::transfer::add_version))
            .route("/{ws}/documents/{id}/versions/{n}/content", web::get().to(documents::transfer::version_content)),
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
    cfg.route("/{token}", web::get().to(sharing::open))
        .route("/{token}/download", web::get().to(sharing::download))
        .route("/{token}/download", web::post().to(sharing::download_with_form));
}
