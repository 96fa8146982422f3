//! Who may do what inside a workspace: a pure function of role and action.

use serde::{Deserialize, Serialize};

/// A member's role in a workspace, from most to least powerful.
///
/// The order is meaningful: `Owner > Admin > Editor > Viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads everything in the workspace.
    Viewer,
    /// Reads and changes documents and folders.
    Editor,
    /// Also manages members, API keys, webhooks, and reads the audit trail.
    Admin,
    /// Also renames and deletes the workspace and appoints owners.
    Owner,
}

impl Role {
    /// Every role, most powerful first.
    pub const ALL: [Role; 4] = [Role::Owner, Role::Admin, Role::Editor, Role::Viewer];

    /// The role's wire name.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Editor => "editor",
            Role::Viewer => "viewer",
        }
    }

    /// Parses a wire name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Everything that can be done inside a workspace, for the policy to judge.
/// Grows with every capability; outside this crate, match with a wildcard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Action {
    /// See the workspace itself.
    ViewWorkspace,
    /// Rename the workspace.
    RenameWorkspace,
    /// Delete the workspace with everything in it.
    DeleteWorkspace,
    /// List members and their roles.
    ViewMembers,
    /// Invite, re-role and remove members (within the limits of [`may_assign`]).
    ManageMembers,
    /// Create, list and revoke API keys.
    ManageApiKeys,
    /// Read folders and documents.
    ReadContent,
    /// Create and change folders and documents.
    WriteContent,
    /// Delete folders and documents from the trash for good.
    PurgeContent,
    /// Manage webhooks.
    ManageWebhooks,
    /// Read and export the audit trail.
    ReadAudit,
}

impl Action {
    /// Every action, for exhaustive tests and documentation.
    pub const ALL: [Action; 11] = [
        Action::ViewWorkspace,
        Action::RenameWorkspace,
        Action::DeleteWorkspace,
        Action::ViewMembers,
        Action::ManageMembers,
        Action::ManageApiKeys,
        Action::ReadContent,
        Action::WriteContent,
        Action::PurgeContent,
        Action::ManageWebhooks,
        Action::ReadAudit,
    ];
}

/// The least role an action needs.
#[must_use]
pub const fn required_role(action: Action) -> Role {
    match action {
        Action::ViewWorkspace | Action::ViewMembers | Action::ReadContent => Role::Viewer,
        Action::WriteContent => Role::Editor,
        Action::RenameWorkspace
        | Action::ManageMembers
        | Action::PurgeContent
        | Action::ManageApiKeys
        | Action::ManageWebhooks
        | Action::ReadAudit => Role::Admin,
        Action::DeleteWorkspace => Role::Owner,
    }
}

/// Whether a member with `role` may perform `action`.
#[must_use]
pub fn permits(role: Role, action: Action) -> bool {
    role >= required_role(action)
}

/// Whether someone with role `actor` may give a member role `target`, or
/// change or remove a member who currently holds `target`: nobody acts above
/// their own rank, and only owners touch owners.
#[must_use]
pub fn may_assign(actor: Role, target: Role) -> bool {
    permits(actor, Action::ManageMembers) && target <= actor
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The policy written out in full, so any change to it is a visible diff.
    const MATRIX: [(Action, [bool; 4]); 11] = [
        //                          owner  admin  editor viewer
        (Action::ViewWorkspace, [true, true, true, true]),
        (Action::RenameWorkspace, [true, true, false, false]),
        (Action::DeleteWorkspace, [true, false, false, false]),
        (Action::ViewMembers, [true, true, true, true]),
        (Action::ManageMembers, [true, true, false, false]),
        (Action::ManageApiKeys, [true, true, false, false]),
        (Action::ReadContent, [true, true, true, true]),
        (Action::WriteContent, [true, true, true, false]),
        (Action::PurgeContent, [true, true, false, false]),
        (Action::ManageWebhooks, [true, true, false, false]),
        (Action::ReadAudit, [true, true, false, false]),
    ];

    #[test]
    fn every_role_and_action_matches_the_matrix() {
        for action in Action::ALL {
            let (_, expected) =
                MATRIX.iter().find(|(a, _)| *a == action).expect("every action has a row in the matrix");
            for (role, allowed) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(permits(role, action), *allowed, "{role} × {action:?}");
            }
        }
    }

    #[test]
    fn roles_are_ordered_by_power() {
        assert!(Role::Owner > Role::Admin);
        assert!(Role::Admin > Role::Editor);
        assert!(Role::Editor > Role::Viewer);
    }

    #[test]
    fn only_owners_assign_owners_and_admins_assign_up_to_admin() {
        let cases = [
            (Role::Owner, [true, true, true, true]),
            (Role::Admin, [false, true, true, true]),
            (Role::Editor, [false, false, false, false]),
            (Role::Viewer, [false, false, false, false]),
        ];
        for (actor, expected) in cases {
            for (target, allowed) in Role::ALL.into_iter().zip(expected) {
                assert_eq!(may_assign(actor, target), allowed, "{actor} assigns {target}");
            }
        }
    }

    #[test]
    fn role_names_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
