//! Identity: sign-up, sign-in, tokens and sign-out; the caller's account and
//! sessions; a workspace's API keys.

pub mod api_keys;
pub mod auth;
pub mod me;
