//! Cabinet's credential adapters: argon2id password hashing, JWT access
//! tokens with key ids, CSPRNG secrets, and the host's clock and id source.

mod hasher;
mod jwt;
mod system;

pub use hasher::{Argon2Hasher, HasherLimits};
pub use jwt::{JwtCodec, JwtKey, JwtSettings};
pub use system::{RandomSecrets, SystemClock, UuidV7Ids};
