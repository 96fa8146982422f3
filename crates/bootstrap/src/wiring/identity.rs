//! Accounts, sessions, request authentication and API keys.

use std::sync::Arc;
use std::time::Duration;

use cabinet_auth::{JwtCodec, JwtSettings};
use cabinet_domain::identity::{
    AccountService, ApiKeyService, AuthPorts, AuthSettings, AuthenticationService, RevocationList, SessionService,
    ThrottleSettings,
};

use super::Shared;
use crate::Settings;
use crate::keys::signing_keys;

/// The identity capability's services.
pub(crate) struct Identity {
    pub accounts: AccountService,
    pub sessions: SessionService,
    pub authentication: AuthenticationService,
    pub api_keys: ApiKeyService,
}

pub(crate) async fn build(
    shared: &Shared,
    settings: &Settings,
    revocations: Arc<dyn RevocationList>,
) -> anyhow::Result<Identity> {
    let auth = &settings.auth;
    let jwt = JwtCodec::new(JwtSettings {
        issuer: auth.issuer.clone(),
        audience: auth.audience.clone(),
        keys: signing_keys(settings, &shared.database).await?,
        leeway_secs: auth.clock_skew_secs,
    })?;
    let api_keys = Arc::new(shared.database.api_keys());
    let users = Arc::new(shared.database.users());
    let ports = AuthPorts {
        users: users.clone(),
        sessions: Arc::new(shared.database.sessions()),
        api_keys: api_keys.clone(),
        workspaces: shared.workspaces.clone(),
        hasher: shared.hasher.clone(),
        tokens: Arc::new(jwt),
        secrets: shared.secrets.clone(),
        limiter: shared.limiter.clone(),
        revocations,
    };
    let login = &auth.login;
    let throttled = AuthSettings {
        allow_registration: auth.allow_registration,
        access_ttl: Duration::from_secs(auth.access_ttl),
        refresh_idle_ttl: Duration::from_secs(auth.refresh_idle_ttl),
        session_ttl: Duration::from_secs(auth.session_ttl),
        throttle: ThrottleSettings {
            account_ip_failures: login.account_ip_failures,
            account_failures: login.account_failures,
            device_failures: login.device_failures,
            device_ttl: Duration::from_secs(login.device_days.saturating_mul(24 * 3600)),
            account_window: Duration::from_secs(login.account_window),
            ip_attempts: login.ip_attempts,
            ip_window: Duration::from_secs(login.ip_window),
            register_attempts: login.register_attempts,
            register_window: Duration::from_secs(login.register_window),
        },
    };
    Ok(Identity {
        accounts: AccountService::new(shared.rt.clone(), &ports, throttled.clone()),
        sessions: SessionService::new(shared.rt.clone(), &ports, throttled),
        authentication: AuthenticationService::new(shared.rt.clone(), &ports),
        api_keys: ApiKeyService::new(shared.rt.clone(), api_keys, shared.secrets.clone(), shared.workspaces.clone()),
    })
}
