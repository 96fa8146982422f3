//! Readiness probes of the dependencies.

use async_trait::async_trait;

use crate::DomainResult;

/// A dependency that can say whether it answers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait HealthCheck: Send + Sync {
    /// The component's name in readiness reports (`database`, `cache`, …).
    fn component(&self) -> &'static str;

    /// Answers `Ok` when the dependency responds.
    ///
    /// # Errors
    /// [`crate::DomainError::Unavailable`] with the reason otherwise.
    async fn check(&self) -> DomainResult<()>;
}
