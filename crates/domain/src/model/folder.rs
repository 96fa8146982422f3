//! Folders: a tree per workspace.

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::ids::{DocumentId, FolderId, UserId, WorkspaceId};

/// The deepest a folder may sit below the root; deeper trees are refused so
/// walks up the tree stay short.
pub const MAX_FOLDER_DEPTH: usize = 64;

/// The name of a folder or document: 1 to 255 characters, no `/` or `\`, no
/// control characters, not `.` or `..`, no leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemName(String);

impl ItemName {
    /// Validates a name.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on the field `name`, saying what to change.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let invalid = |why: &str| Err(DomainError::invalid("name", why));
        let name = raw.trim();
        if name.is_empty() {
            return invalid("must not be empty");
        }
        if name.chars().count() > 255 {
            return invalid("must be at most 255 characters");
        }
        if name.contains(['/', '\\']) {
            return invalid("must not contain / or \\");
        }
        if name.chars().any(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')) {
            return invalid("must not contain control or bidirectional-override characters");
        }
        if name == "." || name == ".." {
            return invalid("must not be . or ..");
        }
        Ok(Self(name.to_owned()))
    }

    /// The name as given (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two names are compared in: siblings may not share it, so
    /// `Report.pdf` and `report.PDF` cannot sit side by side.
    #[must_use]
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// The folder id.
    pub id: FolderId,
    /// Its workspace.
    pub workspace_id: WorkspaceId,
    /// Its parent; `None` only for the workspace's root folder.
    pub parent_id: Option<FolderId>,
    /// Its name.
    pub name: ItemName,
    /// The person who created it (`None` for API keys and the system; the
    /// event log names them).
    pub created_by: Option<UserId>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

impl Folder {
    /// Whether this is the workspace's root folder.
    #[must_use]
    pub fn is_root(&self) -> bool {
        self.parent_id.is_none()
    }
}

/// The order of a folder's children.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ChildOrder {
    /// By name, A to Z (case-insensitive).
    #[default]
    NameAsc,
    /// By name, Z to A.
    NameDesc,
    /// Least recently changed first.
    UpdatedAsc,
    /// Most recently changed first.
    UpdatedDesc,
}

impl ChildOrder {
    /// Parses `name`, `-name`, `updated`, `-updated`.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on `sort`.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        match raw {
            "name" => Ok(Self::NameAsc),
            "-name" => Ok(Self::NameDesc),
            "updated" => Ok(Self::UpdatedAsc),
            "-updated" => Ok(Self::UpdatedDesc),
            _ => Err(DomainError::invalid("sort", "must be one of name, -name, updated, -updated")),
        }
    }
}

/// Where a page of children starts: after the item with this sort key
/// (lower-cased name, or RFC 3339 time) and id. Subfolders come before
/// documents, so a document cursor means every subfolder was listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChildCursor {
    /// After this subfolder.
    Folder {
        /// The sort key of the last item.
        key: String,
        /// The id of the last item.
        id: uuid::Uuid,
    },
    /// After this document.
    Document {
        /// The sort key of the last item.
        key: String,
        /// The id of the last item.
        id: uuid::Uuid,
    },
}

/// A page of a folder's children: subfolders first, then documents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Children {
    /// The subfolders on this page.
    pub folders: Vec<Folder>,
    /// The documents on this page.
    pub documents: Vec<super::Document>,
    /// Where the next page starts, if there is one.
    pub next: Option<ChildCursor>,
}

/// What a workspace's trash shows: items trashed on their own, with the
/// time they went to the trash (what was inside a trashed folder is not
/// listed separately).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Trash {
    /// Trashed folders.
    pub folders: Vec<(Folder, DateTime<Utc>)>,
    /// Trashed documents.
    pub documents: Vec<(super::Document, DateTime<Utc>)>,
}

/// Something in the trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrashedItem {
    /// A folder, with everything below it.
    Folder(crate::ids::FolderId),
    /// A document.
    Document(crate::ids::DocumentId),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_validated() {
        assert_eq!(ItemName::parse("  Q3 report.pdf ").expect("valid").as_str(), "Q3 report.pdf");
        assert_eq!(ItemName::parse("Résumé 📄").expect("unicode is fine").key(), "résumé 📄");
        for bad in ["", "  ", "a/b", "a\\b", ".", "..", "tab\there", "evil\u{202e}fdp.exe", &"n".repeat(256)] {
            assert!(ItemName::parse(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(ItemName::parse(&"n".repeat(255)).is_ok());
        assert!(ItemName::parse("...").is_ok(), "only . and .. are special");
    }

    #[test]
    fn sort_orders_parse_from_their_wire_names() {
        assert_eq!(ChildOrder::parse("-updated").expect("valid"), ChildOrder::UpdatedDesc);
        assert!(ChildOrder::parse("size").is_err());
    }
}

/// A trashed folder with everything below it, as purging deletes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree {
    /// The folder purged.
    pub root: FolderId,
    /// Every folder, the root first.
    pub folders: Vec<FolderId>,
    /// Every document in any of them.
    pub documents: Vec<DocumentId>,
}
