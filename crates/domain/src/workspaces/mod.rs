//! Workspaces (the tenants), their members and roles, and the membership check
//! every other capability starts from.

mod access;
mod model;
mod ports;
mod service;

pub use access::WorkspaceAccess;
pub use model::{Member, Membership, Workspace, WorkspaceName, WorkspaceSummary};
pub use ports::WorkspaceRepository;
pub use service::{ROOT_FOLDER_NAME, WorkspaceService};

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockWorkspaceRepository;
