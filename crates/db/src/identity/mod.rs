//! Identity: users, their sessions and refresh tokens, and API keys.

pub(crate) mod api_keys;
pub(crate) mod sessions;
pub(crate) mod users;
