use std::sync::Arc;

use mockall::predicate::eq;
use uuid::Uuid;

use super::*;
use crate::Role;
use crate::folders::MockFolderRepository;
use crate::testkit::{self, block_on, key_actor, membership, now, user_actor};
use crate::workspaces::MockWorkspaceRepository;

fn ids() -> (WorkspaceId, crate::UserId) {
    (WorkspaceId::from_uuid(Uuid::new_v4()), crate::UserId::from_uuid(Uuid::new_v4()))
}

fn folder(ws: WorkspaceId, parent: Option<FolderId>, name: &str) -> Folder {
    Folder {
        id: FolderId::from_uuid(Uuid::new_v4()),
        workspace_id: ws,
        parent_id: parent,
        name: ItemName::parse(name).expect("name"),
        created_by: None,
        created_at: now(),
        updated_at: now(),
    }
}

fn service(ws: WorkspaceId, user: crate::UserId, role: Role, folders: MockFolderRepository) -> FolderService {
    let mut workspaces = MockWorkspaceRepository::new();
    workspaces.expect_membership().with(eq(ws), eq(user)).returning(move |w, u| Ok(Some(membership(w, u, role))));
    FolderService::new(testkit::runtime(), Arc::new(folders), Arc::new(workspaces))
}

#[test]
fn editors_create_folders_under_a_parent_with_an_event() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let root_id = root.id;
    let mut folders = MockFolderRepository::new();
    folders.expect_path().returning(move |_, _| Ok(vec![root.clone()]));
    folders
        .expect_create()
        .withf(move |f, events| {
            f.parent_id == Some(root_id)
                && f.name.as_str() == "Plans"
                && f.created_by == Some(me)
                && events[0].payload.event_type() == "folder.created.v1"
        })
        .times(1)
        .returning(|_, _| Ok(()));
    let created = block_on(service(ws, me, Role::Editor, folders).create(&user_actor(me), ws, root_id, " Plans "))
        .expect("created");
    assert_eq!(created.workspace_id, ws);
}

#[test]
fn viewers_read_but_do_not_write() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let (root_id, r) = (root.id, root.clone());
    let mut folders = MockFolderRepository::new();
    folders.expect_path().returning(move |_, _| Ok(vec![r.clone()]));
    folders.expect_get().returning(move |_, _| Ok(Some(root.clone())));
    folders
        .expect_children()
        .returning(|_, _, _, _, _| Ok(Children { folders: vec![], documents: vec![], next: None }));
    folders.expect_create().never();
    let svc = service(ws, me, Role::Viewer, folders);
    let actor = user_actor(me);
    assert!(block_on(svc.get(&actor, ws, root_id)).is_ok());
    assert!(block_on(svc.children(&actor, ws, root_id, ChildOrder::NameAsc, None, None)).is_ok());
    assert!(matches!(block_on(svc.create(&actor, ws, root_id, "x")), Err(DomainError::Forbidden(_))));
}

#[test]
fn a_folder_cannot_move_into_itself_or_below_itself() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let a = folder(ws, Some(root.id), "a");
    let b = folder(ws, Some(a.id), "b");
    let (a_id, b_id) = (a.id, b.id);
    let chain = [root.clone(), a.clone(), b.clone()];
    let mut folders = MockFolderRepository::new();
    folders.expect_get().returning(move |_, _| Ok(Some(a.clone())));
    folders.expect_path().returning(move |_, id| {
        Ok(chain.iter().take_while(|f| f.id != id).cloned().chain(chain.iter().find(|f| f.id == id).cloned()).collect())
    });
    folders.expect_move_to().never();
    let svc = service(ws, me, Role::Editor, folders);
    let actor = user_actor(me);
    assert!(matches!(block_on(svc.move_to(&actor, ws, a_id, b_id)), Err(DomainError::Conflict(Conflict::FolderCycle))));
    assert!(matches!(block_on(svc.move_to(&actor, ws, a_id, a_id)), Err(DomainError::Conflict(Conflict::FolderCycle))));
}

#[test]
fn moving_records_where_from_and_where_to() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let a = folder(ws, Some(root.id), "a");
    let other = folder(ws, Some(root.id), "other");
    let (a_id, root_id, other_id) = (a.id, root.id, other.id);
    let target = vec![root.clone(), other.clone()];
    let mut folders = MockFolderRepository::new();
    folders.expect_get().returning(move |_, _| Ok(Some(a.clone())));
    folders.expect_path().returning(move |_, _| Ok(target.clone()));
    folders
        .expect_move_to()
        .withf(move |_, id, parent, _, events| {
            *id == a_id
                && *parent == other_id
                && matches!(events[0].payload, EventPayload::FolderMoved { from, to, .. } if from == root_id && to == other_id)
        })
        .times(1)
        .returning(|_, _, _, _, _| Ok(()));
    let moved =
        block_on(service(ws, me, Role::Editor, folders).move_to(&user_actor(me), ws, a_id, other_id)).expect("moved");
    assert_eq!(moved.parent_id, Some(other_id));
}

#[test]
fn the_root_folder_is_neither_renamed_nor_moved() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let root_id = root.id;
    let mut folders = MockFolderRepository::new();
    folders.expect_get().returning(move |_, _| Ok(Some(root.clone())));
    folders.expect_rename().never();
    folders.expect_move_to().never();
    let svc = service(ws, me, Role::Owner, folders);
    let actor = user_actor(me);
    assert!(matches!(block_on(svc.rename(&actor, ws, root_id, "Top")), Err(DomainError::Forbidden(_))));
    assert!(matches!(
        block_on(svc.move_to(&actor, ws, root_id, FolderId::from_uuid(Uuid::new_v4()))),
        Err(DomainError::Forbidden(_))
    ));
}

#[test]
fn trees_have_a_depth_limit() {
    let (ws, me) = ids();
    let deep: Vec<Folder> = (0..MAX_FOLDER_DEPTH).map(|i| folder(ws, None, &format!("f{i}"))).collect();
    let parent = deep[MAX_FOLDER_DEPTH - 1].id;
    let mut folders = MockFolderRepository::new();
    folders.expect_path().returning(move |_, _| Ok(deep.clone()));
    folders.expect_create().never();
    let err = block_on(service(ws, me, Role::Editor, folders).create(&user_actor(me), ws, parent, "one more"));
    assert!(matches!(err, Err(DomainError::Conflict(Conflict::TooDeep))));
}

#[test]
fn keys_of_another_workspace_see_no_folders() {
    let (ws, _) = ids();
    let svc = FolderService::new(
        testkit::runtime(),
        Arc::new(MockFolderRepository::new()),
        Arc::new(MockWorkspaceRepository::new()),
    );
    let err = block_on(svc.get(
        &key_actor(WorkspaceId::from_uuid(Uuid::new_v4()), Role::Owner),
        ws,
        FolderId::from_uuid(Uuid::new_v4()),
    ));
    assert!(matches!(err, Err(DomainError::NotFound(Entity::Workspace))));
}

#[test]
fn the_root_folder_stays_out_of_the_trash_and_viewers_trash_nothing() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let root_id = root.id;
    let mut folders = MockFolderRepository::new();
    folders.expect_get().returning(move |_, _| Ok(Some(root.clone())));
    folders.expect_trash().never();
    let svc = service(ws, me, Role::Owner, folders);
    assert!(matches!(block_on(svc.trash(&user_actor(me), ws, root_id)), Err(DomainError::Forbidden(_))));

    let mut folders = MockFolderRepository::new();
    folders.expect_trash().never();
    let svc = service(ws, me, Role::Viewer, folders);
    assert!(matches!(block_on(svc.trash(&user_actor(me), ws, root_id)), Err(DomainError::Forbidden(_))));
}

#[test]
fn trashing_a_folder_records_the_event_with_the_change() {
    let (ws, me) = ids();
    let root = folder(ws, None, "Root");
    let child = folder(ws, Some(root.id), "child");
    let child_id = child.id;
    let mut folders = MockFolderRepository::new();
    folders.expect_get().returning(move |_, _| Ok(Some(child.clone())));
    folders
        .expect_trash()
        .withf(move |_, id, _, events| *id == child_id && events[0].payload.event_type() == "folder.trashed.v1")
        .times(1)
        .returning(|_, _, _, _| Ok(()));
    block_on(service(ws, me, Role::Editor, folders).trash(&user_actor(me), ws, child_id)).expect("trashed");
}
