//! The host's clock, identifiers and randomness.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cabinet_domain::system::TokenHash;
use cabinet_domain::system::{Clock, IdGenerator, SecretGenerator};
use chrono::{DateTime, Utc};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Time-ordered UUIDv7 ids, so primary keys index well and sort by creation.
#[derive(Debug, Clone, Copy, Default)]
pub struct UuidV7Ids;

impl IdGenerator for UuidV7Ids {
    fn new_id(&self) -> Uuid {
        Uuid::now_v7()
    }
}

/// 256-bit secrets from the thread-local CSPRNG, base64url-encoded, and their SHA-256.
#[derive(Debug, Clone, Copy, Default)]
pub struct RandomSecrets;

impl SecretGenerator for RandomSecrets {
    fn generate(&self, prefix: &str) -> String {
        let mut bytes = [0u8; 32];
        rand::rng().fill_bytes(&mut bytes);
        format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
    }

    fn hash(&self, secret: &str) -> TokenHash {
        TokenHash::from_hex(hex::encode(Sha256::digest(secret.as_bytes())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_prefixed_long_and_distinct() {
        let a = RandomSecrets.generate("cab_");
        let b = RandomSecrets.generate("cab_");
        assert!(a.starts_with("cab_"));
        assert_eq!(a.len(), 4 + 43, "32 bytes in unpadded base64url");
        assert_ne!(a, b);
    }

    #[test]
    fn hashes_are_sha256_hex() {
        assert_eq!(
            RandomSecrets.hash("abc").as_str(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn ids_are_time_ordered_v7() {
        let (a, b) = (UuidV7Ids.new_id(), UuidV7Ids.new_id());
        assert_eq!(a.get_version_num(), 7);
        assert!(a < b);
    }
}
