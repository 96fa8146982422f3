//! Identity: accounts ([`AccountService`]), sign-in and sessions with rotating
//! refresh tokens ([`SessionService`]), the authentication of every request
//! ([`AuthenticationService`]), API keys ([`ApiKeyService`]); password hashing
//! and access tokens as ports; sign-in throttling and token revocation.

mod accounts;
mod api_key;
mod api_keys;
mod authentication;
mod credentials;
mod limits;
mod ports;
mod session;
mod sessions;
mod settings;
mod user;
mod values;

#[cfg(test)]
mod test_support;

pub use accounts::{AccountService, Registration};
pub use api_key::{ApiKey, ApiKeyName, NewApiKey};
pub use api_keys::{ApiKeyService, CreateApiKey};
pub use authentication::AuthenticationService;
pub use credentials::{AccessClaims, AccessTokenCodec, DeviceClaims, PasswordCheck, PasswordHasher};
pub use limits::{Counter, RateLimiter, RevocationList};
pub use ports::{ApiKeyRepository, SessionRepository, UserRepository};
pub use session::{RefreshToken, Session};
pub use sessions::{Credentials, SessionService, SessionView, TokenPair};
pub use settings::{API_KEY_PREFIX, AuthPorts, AuthSettings, REFRESH_TOKEN_PREFIX, ThrottleSettings};
pub use user::{PasswordHash, User};
pub use values::{DisplayName, Email, Password};

#[cfg(any(test, feature = "mocks"))]
pub use credentials::{MockAccessTokenCodec, MockPasswordHasher};
#[cfg(any(test, feature = "mocks"))]
pub use limits::{MockRateLimiter, MockRevocationList};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockApiKeyRepository, MockSessionRepository, MockUserRepository};
