//! argon2id password hashing off the async runtime, with bounded concurrency.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::phc::PasswordHash as Phc;
use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, PasswordVerifier as _, Version};
use async_trait::async_trait;
use cabinet_domain::identity::{Password, PasswordHash};
use cabinet_domain::identity::{PasswordCheck, PasswordHasher};
use cabinet_domain::{DomainError, DomainResult};
use tokio::sync::Semaphore;

/// How much hashing may happen at once, and how long a request waits for a slot.
#[derive(Debug, Clone, Copy)]
pub struct HasherLimits {
    /// Hashes computed in parallel; each holds `m_cost` KiB of memory.
    pub concurrency: usize,
    /// How long a request waits for a slot before it is refused as unavailable.
    pub queue_timeout: Duration,
}

impl Default for HasherLimits {
    fn default() -> Self {
        Self { concurrency: 4, queue_timeout: Duration::from_secs(5) }
    }
}

/// argon2id with the OWASP minimum parameters (m=19456 KiB, t=2, p=1).
///
/// Hashing is CPU- and memory-heavy, so it runs on the blocking pool behind
/// a semaphore: a flood of sign-ins queues briefly and is then refused,
/// instead of starving the runtime or exhausting memory.
#[derive(Debug, Clone)]
pub struct Argon2Hasher {
    params: Params,
    permits: Arc<Semaphore>,
    limits: HasherLimits,
    dummy: Arc<str>,
}

impl Argon2Hasher {
    /// A hasher with the default parameters.
    ///
    /// # Errors
    /// `Internal` if the dummy hash cannot be computed.
    pub fn new(limits: HasherLimits) -> DomainResult<Self> {
        Self::with_params(Params::DEFAULT, limits)
    }

    /// A hasher with explicit parameters (tests use cheaper ones to build old hashes).
    ///
    /// # Errors
    /// `Internal` if the dummy hash cannot be computed.
    pub fn with_params(params: Params, limits: HasherLimits) -> DomainResult<Self> {
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let dummy = argon
            .hash_password(b"cabinet dummy password for unknown accounts")
            .map_err(DomainError::internal)?
            .to_string();
        Ok(Self { params, permits: Arc::new(Semaphore::new(limits.concurrency.max(1))), limits, dummy: dummy.into() })
    }

    fn argon(&self) -> Argon2<'static> {
        Argon2::new(Algorithm::Argon2id, Version::V0x13, self.params.clone())
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> DomainResult<T> {
        let permit = tokio::time::timeout(self.limits.queue_timeout, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| DomainError::Unavailable("password hasher is saturated".into()))?
            .map_err(DomainError::internal)?;
        let out = tokio::task::spawn_blocking(move || {
            let out = work();
            drop(permit);
            out
        })
        .await
        .map_err(DomainError::internal)?;
        Ok(out)
    }

    fn check(&self, password: &str, stored: &str) -> DomainResult<PasswordCheck> {
        let parsed = Phc::new(stored).map_err(|e| DomainError::Internal(format!("stored hash unreadable: {e}")))?;
        match self.argon().verify_password(password.as_bytes(), &parsed) {
            Ok(()) => {}
            Err(argon2::password_hash::Error::PasswordInvalid) => return Ok(PasswordCheck::Mismatch),
            Err(e) => return Err(DomainError::Internal(format!("password verification failed: {e}"))),
        }
        let current = parsed.algorithm.as_str() == "argon2id"
            && Params::try_from(&parsed).is_ok_and(|p| {
                p.m_cost() >= self.params.m_cost()
                    && p.t_cost() >= self.params.t_cost()
                    && p.p_cost() >= self.params.p_cost()
            });
        Ok(if current { PasswordCheck::Match } else { PasswordCheck::MatchNeedsRehash })
    }
}

#[async_trait]
impl PasswordHasher for Argon2Hasher {
    async fn hash(&self, password: &Password) -> DomainResult<PasswordHash> {
        let argon = self.argon();
        let password = password.expose().to_owned();
        let phc = self.run(move || argon.hash_password(password.as_bytes()).map(|h| h.to_string())).await?;
        phc.map(PasswordHash::from_phc).map_err(DomainError::internal)
    }

    async fn verify(&self, password: &Password, hash: &PasswordHash) -> DomainResult<PasswordCheck> {
        let this = self.clone();
        let password = password.expose().to_owned();
        let stored = hash.as_phc().to_owned();
        self.run(move || this.check(&password, &stored)).await?
    }

    async fn verify_dummy(&self, password: &Password) -> DomainResult<()> {
        let this = self.clone();
        let password = password.expose().to_owned();
        let dummy = self.dummy.clone();
        self.run(move || this.check(&password, &dummy)).await??;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pw(s: &str) -> Password {
        Password::presented("password", s.to_owned()).expect("valid")
    }

    #[tokio::test]
    async fn hashes_are_argon2id_at_owasp_parameters_with_fresh_salts() {
        let hasher = Argon2Hasher::new(HasherLimits::default()).expect("hasher");
        let a = hasher.hash(&pw("correct horse")).await.expect("hash");
        let b = hasher.hash(&pw("correct horse")).await.expect("hash");
        assert!(a.as_phc().starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", a.as_phc());
        assert_ne!(a, b, "salts differ");
        let salt = a.as_phc().split('$').nth(4).expect("salt field");
        assert!(salt.len() >= 22, "salt of at least 16 bytes");
    }

    #[tokio::test]
    async fn verification_tells_match_mismatch_and_weak_hashes_apart() {
        let hasher = Argon2Hasher::new(HasherLimits::default()).expect("hasher");
        let hash = hasher.hash(&pw("correct horse")).await.expect("hash");
        assert_eq!(hasher.verify(&pw("correct horse"), &hash).await.expect("verify"), PasswordCheck::Match);
        assert_eq!(hasher.verify(&pw("correct horsf"), &hash).await.expect("verify"), PasswordCheck::Mismatch);

        let weak = Argon2Hasher::with_params(Params::new(8192, 1, 1, None).expect("params"), HasherLimits::default())
            .expect("hasher");
        let old = weak.hash(&pw("correct horse")).await.expect("hash");
        assert_eq!(hasher.verify(&pw("correct horse"), &old).await.expect("verify"), PasswordCheck::MatchNeedsRehash);
    }

    #[tokio::test]
    async fn long_passwords_are_not_truncated() {
        let hasher = Argon2Hasher::new(HasherLimits::default()).expect("hasher");
        let base = "p".repeat(100);
        let mut other = base.clone();
        other.replace_range(79..80, "q");
        let hash = hasher.hash(&pw(&base)).await.expect("hash");
        assert_eq!(hasher.verify(&pw(&other), &hash).await.expect("verify"), PasswordCheck::Mismatch);
    }

    #[tokio::test]
    async fn a_saturated_hasher_refuses_instead_of_queueing_forever() {
        let hasher = Argon2Hasher::new(HasherLimits { concurrency: 1, queue_timeout: Duration::from_millis(1) })
            .expect("hasher");
        let _held = hasher.permits.clone().acquire_owned().await.expect("permit");
        let err = hasher.hash(&pw("correct horse")).await.expect_err("no slot");
        assert!(matches!(err, DomainError::Unavailable(_)));
    }
}
