//! Accounts: registration, the instance administrator, password change and
//! the caller's own account.

use crate::audit::{EventPayload, RevocationReason};
use crate::error::{DomainError, Entity};
use crate::identity::settings::signed_in;
use crate::identity::{AuthPorts, AuthSettings, DisplayName, Email, Password, PasswordCheck, User};
use crate::ids::{SessionId, UserId};
use crate::system::Runtime;
use crate::{Actor, DomainResult, Principal};

/// A sign-up request.
#[derive(Debug)]
pub struct Registration {
    /// The email, unvalidated.
    pub email: String,
    /// The password, unvalidated.
    pub password: String,
    /// The display name, unvalidated.
    pub display_name: String,
}

impl Registration {
    /// Validates every field, reporting all invalid ones together.
    fn parse(self) -> DomainResult<(Email, DisplayName, Password)> {
        collect_fields(
            Email::parse(&self.email),
            DisplayName::parse(&self.display_name),
            Password::new_checked("password", self.password),
        )
    }
}

/// The account use cases.
pub struct AccountService {
    rt: Runtime,
    ports: AuthPorts,
    settings: AuthSettings,
}

impl std::fmt::Debug for AccountService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountService").finish_non_exhaustive()
    }
}

impl AccountService {
    /// The account use cases over `ports`.
    #[must_use]
    pub fn new(rt: Runtime, ports: &AuthPorts, settings: AuthSettings) -> Self {
        Self { rt, ports: ports.clone(), settings }
    }

    /// Registers a user. The first user of the instance becomes its
    /// administrator and may always register; after that, registration must
    /// be open.
    ///
    /// # Errors
    /// `RegistrationClosed`; `Invalid` fields; `Conflict(EmailTaken)`.
    pub async fn register(&self, actor: &Actor, input: Registration) -> DomainResult<User> {
        let (email, display_name, password) = input.parse()?;
        let first = self.ports.users.count().await? == 0;
        if !first && !self.settings.allow_registration {
            return Err(DomainError::RegistrationClosed);
        }
        if let Some(ip) = actor.origin.ip {
            let throttle = &self.settings.throttle;
            let counter = self.ports.limiter.hit(&format!("register:ip:{ip}"), throttle.register_window).await?;
            if counter.count > throttle.register_attempts {
                return Err(DomainError::RateLimited { retry_after: counter.resets_in });
            }
        }
        self.create_user(actor, email, display_name, &password, first).await
    }

    /// Creates an instance administrator (the `create-admin` command).
    ///
    /// # Errors
    /// `Forbidden` unless the actor is the system; as [`AccountService::register`] otherwise.
    pub async fn create_admin(&self, actor: &Actor, input: Registration) -> DomainResult<User> {
        if actor.principal != Principal::System {
            return Err(DomainError::Forbidden("only the system creates administrators"));
        }
        let (email, display_name, password) = input.parse()?;
        self.create_user(actor, email, display_name, &password, true).await
    }

    async fn create_user(
        &self,
        actor: &Actor,
        email: Email,
        display_name: DisplayName,
        password: &Password,
        instance_admin: bool,
    ) -> DomainResult<User> {
        let now = self.rt.clock.now();
        let user = User {
            id: UserId::from_uuid(self.rt.ids.new_id()),
            email,
            display_name,
            password_hash: self.ports.hasher.hash(password).await?,
            instance_admin,
            disabled_at: None,
            created_at: now,
            updated_at: now,
        };
        let event = self.rt.event(
            actor,
            EventPayload::UserRegistered {
                user_id: user.id,
                email: user.email.as_str().to_owned(),
                display_name: user.display_name.as_str().to_owned(),
                instance_admin,
            },
        );
        self.ports.users.create(&user, &[event]).await?;
        Ok(user)
    }

    /// Changes the caller's password after checking the current one, and
    /// ends every other session.
    ///
    /// # Errors
    /// `Invalid` on `current_password` when it is wrong, on `new_password`
    /// when it breaks the policy.
    pub async fn change_password(&self, actor: &Actor, current: String, new: String) -> DomainResult<()> {
        let (user_id, session_id) = signed_in(actor)?;
        let user = self.ports.users.get(user_id).await?.ok_or(DomainError::NotFound(Entity::User))?;
        let new = Password::new_checked("new_password", new)?;
        let current = Password::presented("current_password", current)?;
        if self.ports.hasher.verify(&current, &user.password_hash).await? == PasswordCheck::Mismatch {
            return Err(DomainError::invalid("current_password", "is not your current password"));
        }
        let hash = self.ports.hasher.hash(&new).await?;
        let active = self.ports.sessions.list_active(user_id, self.rt.clock.now()).await?;
        let revoked: Vec<SessionId> = active.iter().map(|s| s.id).filter(|id| *id != session_id).collect();
        let mut events =
            vec![self.rt.event(actor, EventPayload::PasswordChanged { user_id, revoked_sessions: revoked.clone() })];
        events.extend(revoked.iter().map(|&id| {
            self.rt.event(
                actor,
                EventPayload::SessionRevoked { user_id, session_id: id, reason: RevocationReason::PasswordChanged },
            )
        }));
        self.ports.users.set_password(user_id, &hash, Some(session_id), self.rt.clock.now(), &events).await?;
        Ok(())
    }

    /// The caller's own account.
    ///
    /// # Errors
    /// `Forbidden` unless the actor is a signed-in user.
    pub async fn me(&self, actor: &Actor) -> DomainResult<User> {
        let (user_id, _) = signed_in(actor)?;
        self.ports.users.get(user_id).await?.ok_or(DomainError::NotFound(Entity::User))
    }
}

/// Gathers every field error of a form instead of stopping at the first.
fn collect_fields<A, B, C>(a: DomainResult<A>, b: DomainResult<B>, c: DomainResult<C>) -> DomainResult<(A, B, C)> {
    match (a, b, c) {
        (Ok(a), Ok(b), Ok(c)) => Ok((a, b, c)),
        (a, b, c) => {
            let mut errors = Vec::new();
            for err in [a.err(), b.err(), c.err()].into_iter().flatten() {
                match err {
                    DomainError::Invalid(fields) => errors.extend(fields),
                    other => return Err(other),
                }
            }
            Err(DomainError::Invalid(errors))
        }
    }
}

#[cfg(test)]
#[path = "accounts_tests.rs"]
mod tests;
