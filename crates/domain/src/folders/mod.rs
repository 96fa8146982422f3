//! Folders: the tree of a workspace, item names, children pages and the trash.

mod model;
mod ports;
mod service;

pub use model::{ChildCursor, ChildOrder, Children, Folder, ItemName, MAX_FOLDER_DEPTH, Subtree, Trash, TrashedItem};
pub use ports::FolderRepository;
pub use service::FolderService;

#[cfg(any(test, feature = "mocks"))]
pub use ports::MockFolderRepository;
