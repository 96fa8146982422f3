//! Identity: accounts, sign-in and sessions with rotating refresh tokens, API
//! keys, password hashing and access tokens (as ports), sign-in throttling and
//! token revocation.

mod api_key;
mod api_keys;
mod auth;
mod credentials;
mod limits;
mod ports;
mod session;
mod user;
mod values;

pub use api_key::{ApiKey, ApiKeyName, NewApiKey};
pub use api_keys::{ApiKeyService, CreateApiKey};
pub use auth::{
    API_KEY_PREFIX, AuthPorts, AuthService, AuthSettings, Credentials, REFRESH_TOKEN_PREFIX, Registration, SessionView,
    ThrottleSettings, TokenPair,
};
pub use credentials::{AccessClaims, AccessTokenCodec, DeviceClaims, PasswordCheck, PasswordHasher};
pub use limits::{Counter, RateLimiter, RevocationList};
pub use ports::{ApiKeyRepository, SessionRepository, UserRepository};
pub use session::{RefreshToken, Session};
pub use user::{PasswordHash, User};
pub use values::{DisplayName, Email, Password};

#[cfg(any(test, feature = "mocks"))]
pub use credentials::{MockAccessTokenCodec, MockPasswordHasher};
#[cfg(any(test, feature = "mocks"))]
pub use limits::{MockRateLimiter, MockRevocationList};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockApiKeyRepository, MockSessionRepository, MockUserRepository};
