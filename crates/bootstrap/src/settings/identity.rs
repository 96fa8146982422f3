//! Identity settings: tokens, their signing keys, registration and sign-in throttling.

use super::indexed_list;
use secrecy::SecretString;
use serde::Deserialize;

/// Identity and tokens.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthConfig {
    /// Whether anyone may sign up (the first user always may).
    pub allow_registration: bool,
    /// `iss` of access tokens.
    pub issuer: String,
    /// `aud` of access tokens.
    pub audience: String,
    /// Access token lifetime in seconds.
    pub access_ttl: u64,
    /// Seconds of clock skew tolerated when checking token times.
    pub clock_skew_secs: u64,
    /// Seconds a refresh token may go unused.
    pub refresh_idle_ttl: u64,
    /// Absolute session lifetime in seconds.
    pub session_ttl: u64,
    /// Password hashes computed in parallel.
    pub hasher_concurrency: usize,
    /// Signing keys; the first signs. In the environment they are numbered:
    /// `CABINET__AUTH__JWT_KEYS__0__ID`, `CABINET__AUTH__JWT_KEYS__0__SECRET`.
    #[serde(default, deserialize_with = "indexed_list")]
    pub jwt_keys: Vec<JwtKeyConfig>,
    /// Sign-in throttling.
    pub login: LoginThrottleConfig,
}

/// A configured signing key.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JwtKeyConfig {
    /// The key id (`kid`).
    pub id: String,
    /// The secret, at least 32 bytes.
    pub secret: SecretString,
}

/// Sign-in throttling.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginThrottleConfig {
    /// Failures per account and source address per window.
    pub account_ip_failures: u64,
    /// Failures per account from devices it never signed in from, together, per window.
    pub account_failures: u64,
    /// Failures per device the account signed in from before, per window.
    pub device_failures: u64,
    /// Days a device stays known after a sign-in on it.
    pub device_days: u64,
    /// Account window in seconds.
    pub account_window: u64,
    /// Attempts per address per window.
    pub ip_attempts: u64,
    /// Address window in seconds.
    pub ip_window: u64,
    /// Registrations per address per window.
    pub register_attempts: u64,
    /// Registration window in seconds.
    pub register_window: u64,
}
