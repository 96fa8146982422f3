//! Black-box tests of the HTTP API: each test starts the real application on
//! port 0 with its own database and data folder and talks HTTP to it.
//!
//! `CABINET_TEST_BACKEND=postgres` runs the same suite on PostgreSQL (a fresh
//! database per test) and Redis instead of SQLite and the in-process cache.

mod helpers;

mod api_keys;
mod audit;
mod auth;
mod authorization;
mod documents;
mod folders;
mod http;
mod idempotency;
mod jobs;
mod members;
mod search;
mod shares;
mod tokens;
mod trash;
mod webhooks;
mod workspaces;
