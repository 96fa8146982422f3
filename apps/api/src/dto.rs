//! Request and response bodies, and their conversions from domain types.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use cabinet_domain::identity::{ApiKey, NewApiKey, User};
use cabinet_domain::identity::{SessionView, TokenPair};
use cabinet_domain::page::{Page, PageRequest};
use cabinet_domain::workspaces::{Member, WorkspaceSummary};
use cabinet_domain::{DomainError, Role};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::problem::ApiError;

/// A role in a workspace.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RoleDto {
    /// Everything, including deleting the workspace.
    Owner,
    /// Members, keys, webhooks and audit.
    Admin,
    /// Reads and writes content.
    Editor,
    /// Reads content.
    Viewer,
}

impl From<Role> for RoleDto {
    fn from(r: Role) -> Self {
        match r {
            Role::Owner => Self::Owner,
            Role::Admin => Self::Admin,
            Role::Editor => Self::Editor,
            Role::Viewer => Self::Viewer,
        }
    }
}

impl From<RoleDto> for Role {
    fn from(r: RoleDto) -> Self {
        match r {
            RoleDto::Owner => Self::Owner,
            RoleDto::Admin => Self::Admin,
            RoleDto::Editor => Self::Editor,
            RoleDto::Viewer => Self::Viewer,
        }
    }
}

/// `?limit=&cursor=` of every list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    /// Items per page: default 50, from 1 to 200; other values are refused.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The domain page request.
    ///
    /// # Errors
    /// 400 `invalid_cursor` when the cursor was not issued by this API.
    pub fn to_request(&self) -> Result<PageRequest, ApiError> {
        let after = match &self.cursor {
            None => None,
            Some(c) => {
                let bytes = URL_SAFE_NO_PAD.decode(c).map_err(|_| ApiError::invalid_cursor())?;
                Some(Uuid::from_slice(&bytes).map_err(|_| ApiError::invalid_cursor())?)
            }
        };
        Ok(PageRequest::new(Some(page_limit(self.limit)?), after))
    }
}

/// The page size a list was asked for, or the default. Every list takes
/// `limit` from 1 to [`MAX_PAGE_SIZE`](cabinet_domain::page::MAX_PAGE_SIZE),
/// as its parameters document (`#[param(minimum = 1, maximum = 200)]`);
/// other values are refused rather than quietly clamped.
///
/// # Errors
/// 422 `validation_failed` outside that range.
pub fn page_limit(limit: Option<u32>) -> Result<u32, ApiError> {
    use cabinet_domain::page::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
    match limit {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(limit) if (1..=MAX_PAGE_SIZE).contains(&limit) => Ok(limit),
        Some(_) => Err(DomainError::invalid("limit", format!("must be from 1 to {MAX_PAGE_SIZE}")).into()),
    }
}

/// A page of a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ListDto<T> {
    /// The items.
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; null on the last.
    pub next_cursor: Option<String>,
}

impl<T> ListDto<T> {
    /// Converts a domain page.
    pub fn from_page<D>(page: Page<D>, f: impl Fn(D) -> T) -> Self {
        Self {
            items: page.items.into_iter().map(f).collect(),
            next_cursor: page.next_after.map(|id| URL_SAFE_NO_PAD.encode(id.as_bytes())),
        }
    }
}

/// `POST /auth/register`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterRequest {
    /// Sign-in address.
    pub email: String,
    /// At least 8 characters; not a common password.
    pub password: String,
    /// Name shown to others.
    pub display_name: String,
}

/// `POST /auth/login`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// Sign-in address.
    pub email: String,
    /// Password.
    pub password: String,
}

/// `POST /auth/refresh`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh; omit it to use
    /// the `__Host-cabinet_refresh` cookie instead.
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// `PUT /me/password`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    /// The current password.
    pub current_password: String,
    /// The new password.
    pub new_password: String,
}

/// Tokens from sign-in and refresh.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    /// Bearer token for API calls.
    pub access_token: String,
    /// Single-use token for `/auth/refresh`.
    pub refresh_token: String,
    /// Always `Bearer`.
    pub token_type: &'static str,
    /// Seconds until the access token expires.
    pub expires_in: u64,
}

impl From<TokenPair> for TokenResponse {
    fn from(p: TokenPair) -> Self {
        Self {
            access_token: p.access_token,
            refresh_token: p.refresh_token,
            token_type: "Bearer",
            expires_in: p.expires_in,
        }
    }
}

/// A user.
#[derive(Debug, Serialize, ToSchema)]
pub struct UserDto {
    /// Id.
    pub id: Uuid,
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Whether the user administers the instance.
    pub instance_admin: bool,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

impl From<User> for UserDto {
    fn from(u: User) -> Self {
        Self {
            id: u.id.as_uuid(),
            email: u.email.as_str().to_owned(),
            display_name: u.display_name.as_str().to_owned(),
            instance_admin: u.instance_admin,
            created_at: u.created_at,
        }
    }
}

/// A session of the caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionDto {
    /// Id.
    pub id: Uuid,
    /// Sign-in time.
    pub created_at: DateTime<Utc>,
    /// Last refresh.
    pub last_used_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
    /// User-Agent at sign-in.
    pub user_agent: Option<String>,
    /// Address at sign-in.
    pub ip: Option<String>,
    /// Whether this request uses it.
    pub current: bool,
}

impl From<SessionView> for SessionDto {
    fn from(v: SessionView) -> Self {
        let s = v.session;
        Self {
            id: s.id.as_uuid(),
            created_at: s.created_at,
            last_used_at: s.last_used_at,
            expires_at: s.expires_at,
            user_agent: s.user_agent,
            ip: s.ip,
            current: v.current,
        }
    }
}

/// `POST /workspaces`, `PATCH /workspaces/{ws}`
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkspaceRequest {
    /// Name, 1 to 100 characters.
    pub name: String,
}

/// A workspace with the caller's role in it.
#[derive(Debug, Serialize, ToSchema)]
pub struct WorkspaceDto {
    /// Id.
    pub id: Uuid,
    /// Name.
    pub name: String,
    /// The folder at the top of the workspace's tree.
    pub root_folder_id: Uuid,
    /// The caller's role.
    pub role: RoleDto,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl From<WorkspaceSummary> for WorkspaceDto {
    fn from(s: WorkspaceSummary) -> Self {
        Self {
            id: s.workspace.id.as_uuid(),
            name: s.workspace.name.as_str().to_owned(),
            root_folder_id: s.workspace.root_folder_id.as_uuid(),
            role: s.role.into(),
            created_at: s.workspace.created_at,
            updated_at: s.workspace.updated_at,
        }
    }
}

/// `POST /workspaces/{ws}/members`
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddMemberRequest {
    /// Email of an existing account.
    pub email: String,
    /// Role to grant; at most the caller's.
    pub role: RoleDto,
}

/// `PATCH /workspaces/{ws}/members/{user_id}`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRoleRequest {
    /// The new role.
    pub role: RoleDto,
}

/// A member of a workspace.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberDto {
    /// The member's user id.
    pub user_id: Uuid,
    /// Email.
    pub email: String,
    /// Display name.
    pub display_name: String,
    /// Role.
    pub role: RoleDto,
    /// When they joined.
    pub joined_at: DateTime<Utc>,
}

impl From<Member> for MemberDto {
    fn from(m: Member) -> Self {
        Self {
            user_id: m.membership.user_id.as_uuid(),
            email: m.email.as_str().to_owned(),
            display_name: m.display_name.as_str().to_owned(),
            role: m.membership.role.into(),
            joined_at: m.membership.created_at,
        }
    }
}

/// `POST /workspaces/{ws}/api-keys`
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateApiKeyRequest {
    /// Label.
    pub name: String,
    /// Role, at most the caller's.
    pub role: RoleDto,
    /// Optional end of validity.
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key (never its secret).
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyDto {
    /// Id.
    pub id: Uuid,
    /// Label.
    pub name: String,
    /// Role.
    pub role: RoleDto,
    /// First characters of the secret.
    pub prefix: String,
    /// Creator.
    pub created_by: Uuid,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// End of validity.
    pub expires_at: Option<DateTime<Utc>>,
    /// Last use.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revocation time.
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<ApiKey> for ApiKeyDto {
    fn from(k: ApiKey) -> Self {
        Self {
            id: k.id.as_uuid(),
            name: k.name.as_str().to_owned(),
            role: k.role.into(),
            prefix: k.prefix,
            created_by: k.created_by.as_uuid(),
            created_at: k.created_at,
            expires_at: k.expires_at,
            last_used_at: k.last_used_at,
            revoked_at: k.revoked_at,
        }
    }
}

/// A new key with its secret, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct NewApiKeyDto {
    /// The key.
    #[serde(flatten)]
    pub key: ApiKeyDto,
    /// The secret: send as `Authorization: Bearer <secret>`. Not shown again.
    pub secret: String,
}

impl From<NewApiKey> for NewApiKeyDto {
    fn from(n: NewApiKey) -> Self {
        Self { key: n.key.into(), secret: n.secret }
    }
}

/// A cursor that is a position in its list (a number), or none for the first page.
///
/// # Errors
/// [`ApiError::invalid_cursor`] for anything else.
pub fn position_cursor<T: std::str::FromStr>(raw: Option<&str>) -> Result<Option<T>, ApiError> {
    raw.map(|c| c.parse::<T>().map_err(|_| ApiError::invalid_cursor())).transpose()
}
