//! Folders: a tree per workspace.

use chrono::{DateTime, Utc};

use crate::error::DomainError;
use crate::ids::{DocumentId, FolderId, UserId, WorkspaceId};

/// The deepest a folder may sit below the root; deeper trees are refused so
/// walks up the tree stay short.
pub const MAX_FOLDER_DEPTH: usize = 64;

/// The name of a folder or document: 1 to 255 characters in Unicode NFC, no
/// `/` or `\`, no control, format or invisible characters (zero-width
/// spaces, bidirectional marks and overrides, a BOM), not `.` or `..`, no
/// leading or trailing spaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemName(String);

/// Whether `c` at `i` in `chars` is a character a person cannot see or that
/// reorders what they see: the format characters (Unicode category Cf) and
/// the blank letters that render as nothing. A zero-width joiner between
/// pictographs is allowed, as emoji sequences need it.
fn invisible(chars: &[char], i: usize) -> bool {
    let pictograph = |c: Option<&char>| c.is_some_and(|&c| c >= '\u{1f000}' || ('\u{2600}'..='\u{27bf}').contains(&c));
    match chars[i] {
        '\u{200d}' => !(i > 0 && pictograph(chars.get(i - 1)) && pictograph(chars.get(i + 1))),
        '\u{00ad}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061c}'
        | '\u{06dd}'
        | '\u{070f}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08e2}'
        | '\u{115f}'..='\u{1160}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{202a}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{3164}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}' => true,
        _ => false,
    }
}

impl ItemName {
    /// Validates a name and brings it to NFC, so names that look the same
    /// are stored the same.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] on the field `name`, saying what to change.
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        use unicode_normalization::UnicodeNormalization as _;
        let invalid = |why: &str| Err(DomainError::invalid("name", why));
        let name: String = raw.trim().nfc().collect();
        if name.is_empty() {
            return invalid("must not be empty");
        }
        let chars: Vec<char> = name.chars().collect();
        if chars.len() > 255 {
            return invalid("must be at most 255 characters");
        }
        if name.contains(['/', '\\']) {
            return invalid("must not contain / or \\");
        }
        if chars.iter().any(|c| c.is_control()) || (0..chars.len()).any(|i| invisible(&chars, i)) {
            return invalid("must not contain control, invisible or bidirectional-formatting characters");
        }
        if name == "." || name == ".." {
            return invalid("must not be . or ..");
        }
        Ok(Self(name))
    }

    /// A name read back from storage, where it was validated when written;
    /// names stored before a rule was tightened still load.
    #[must_use]
    pub fn stored(raw: &str) -> Option<Self> {
        match Self::parse(raw) {
            Ok(name) => Some(name),
            Err(_) if !raw.trim().is_empty() && !raw.contains(['/', '\\']) => Some(Self(raw.trim().to_owned())),
            Err(_) => None,
        }
    }

    /// The name as given (trimmed).
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form two names are compared in: siblings may not share it, so
    /// `Report.pdf` and `report.PDF`, or `café` composed and decomposed,
    /// cannot sit side by side.
    #[must_use]
    pub fn key(&self) -> String {
        use unicode_normalization::UnicodeNormalization as _;
        self.0.nfc().collect::<String>().to_lowercase().nfc().collect()
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
    pub documents: Vec<crate::documents::Document>,
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
    pub documents: Vec<(crate::documents::Document, DateTime<Utc>)>,
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
        for invisible in ["caf\u{200f}e.txt", "a\u{061c}b", "zero\u{200b}width", "\u{feff}bom.txt", "soft\u{ad}hyphen"]
        {
            assert!(ItemName::parse(invisible).is_err(), "{invisible:?} must be refused");
        }
        assert!(ItemName::parse("dev \u{1f468}\u{200d}\u{1f4bb}.md").is_ok(), "an emoji sequence keeps its joiner");
        assert!(ItemName::parse("a\u{200d}b").is_err(), "a joiner between letters is invisible");
    }

    #[test]
    fn composed_and_decomposed_names_are_one_name() {
        let composed = ItemName::parse("caf\u{e9}.txt").expect("valid");
        let decomposed = ItemName::parse("cafe\u{301}.txt").expect("valid");
        assert_eq!(decomposed.as_str(), "caf\u{e9}.txt", "stored in NFC");
        assert_eq!(composed.key(), decomposed.key());
        assert_eq!(ItemName::parse("CAF\u{c9}.TXT").expect("valid").key(), composed.key(), "and case-equal");
        assert_eq!(
            ItemName::stored("old\u{200b}name").map(|n| n.as_str().to_owned()).as_deref(),
            Some("old\u{200b}name")
        );
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
