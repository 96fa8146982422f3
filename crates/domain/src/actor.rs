//! Who is asking: every service call names its actor, and authorization is decided from it.

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::ids::{ApiKeyId, SessionId, UserId, WorkspaceId};
use crate::policy::Role;

/// The caller of a use case: who they are and where the request came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// The authenticated identity, or [`Principal::Anonymous`].
    pub principal: Principal,
    /// Request metadata recorded with every event the call produces.
    pub origin: Origin,
}

/// An authenticated identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// Nobody has authenticated (sign-up and sign-in).
    Anonymous,
    /// A person signed in with a session.
    User {
        /// The user.
        user_id: UserId,
        /// The session the access token belongs to.
        session_id: SessionId,
        /// The access token's id (`jti`), so signing out can revoke it.
        token_id: Uuid,
        /// When the access token expires.
        token_expires_at: DateTime<Utc>,
        /// Whether the user administers the whole instance.
        instance_admin: bool,
    },
    /// A script or service using an API key, confined to one workspace.
    ApiKey {
        /// The key.
        key_id: ApiKeyId,
        /// The only workspace the key can reach.
        workspace_id: WorkspaceId,
        /// The role the key acts with.
        role: Role,
    },
    /// Cabinet itself: scheduled jobs and administrative commands.
    System,
}

/// Where a request came from, recorded for the audit trail.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// The request id the API assigned (also in every log line).
    pub request_id: Option<String>,
    /// The client address, as far as it can be trusted.
    pub ip: Option<IpAddr>,
    /// The client's User-Agent, truncated.
    pub user_agent: Option<String>,
}

impl Actor {
    /// An anonymous caller from `origin`.
    #[must_use]
    pub fn anonymous(origin: Origin) -> Self {
        Self { principal: Principal::Anonymous, origin }
    }

    /// Cabinet acting on its own behalf.
    #[must_use]
    pub fn system() -> Self {
        Self { principal: Principal::System, origin: Origin::default() }
    }

    /// The user behind the call, if it is a signed-in person.
    #[must_use]
    pub fn user_id(&self) -> Option<UserId> {
        match self.principal {
            Principal::User { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    /// A compact reference stored with events.
    #[must_use]
    pub fn reference(&self) -> ActorRef {
        match &self.principal {
            Principal::Anonymous => ActorRef { kind: ActorKind::Anonymous, id: None },
            Principal::User { user_id, .. } => ActorRef { kind: ActorKind::User, id: Some(user_id.as_uuid()) },
            Principal::ApiKey { key_id, .. } => ActorRef { kind: ActorKind::ApiKey, id: Some(key_id.as_uuid()) },
            Principal::System => ActorRef { kind: ActorKind::System, id: None },
        }
    }
}

/// What kind of actor caused an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// Nobody signed in.
    Anonymous,
    /// A person.
    User,
    /// An API key.
    ApiKey,
    /// Someone holding a share link.
    ShareLink,
    /// Cabinet itself.
    System,
}

impl ActorKind {
    /// The stored name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            ActorKind::Anonymous => "anonymous",
            ActorKind::User => "user",
            ActorKind::ApiKey => "api_key",
            ActorKind::ShareLink => "share_link",
            ActorKind::System => "system",
        }
    }
}

/// An actor as recorded in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ActorRef {
    /// The kind of actor.
    pub kind: ActorKind,
    /// The user or key id, where there is one.
    pub id: Option<Uuid>,
}
