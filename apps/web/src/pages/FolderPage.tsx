// The folder browser: breadcrumbs, list and grid views, sorting, new
// folders, rename, move (by dialog or by dragging onto a folder),
// multi-select with bulk move and delete, and uploads.
import { type FormEvent, useId, useMemo, useRef, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../api/client";
import { useChildren, useFolder, useInvalidate, useWorkspaces } from "../api/hooks";
import { problemMessage } from "../api/problem";
import { type Child, isFolder } from "../api/types";
import { Button, Dialog, EmptyState, ErrorMessage, Skeleton, TextField } from "../components/ui";
import { FolderPicker } from "../components/FolderPicker";
import { Thumbnail } from "../components/Thumbnail";
import { useUploads } from "../components/uploads";
import { formatBytes, formatRelative } from "../lib/format";
import { useAction } from "../lib/useAction";

type View = "list" | "grid";
const SORTS: Record<string, string> = {
  name: "Name (A–Z)",
  "-name": "Name (Z–A)",
  "-updated": "Recently changed",
  updated: "Oldest changes",
};

function itemPath(ws: string, child: Child): string {
  return isFolder(child) ? `/w/${ws}/f/${child.id}` : `/w/${ws}/d/${child.id}`;
}

export default function FolderPage() {
  const { ws = "", folder: folderParam } = useParams();
  const workspaces = useWorkspaces();
  const workspace = workspaces.data?.find((w) => w.id === ws);
  const folderId = folderParam ?? workspace?.root_folder_id ?? "";
  if (!folderId) return workspaces.isLoading ? <Skeleton /> : <ErrorMessage error={workspaces.error ?? "No such workspace"} />;
  return <Browser key={folderId} ws={ws} folderId={folderId} canWrite={workspace?.role !== "viewer"} />;
}

function Browser({ ws, folderId, canWrite }: { ws: string; folderId: string; canWrite: boolean }) {
  const [sort, setSort] = useState(() => localStorage.getItem("cabinet.sort") ?? "name");
  const [view, setView] = useState<View>(() => (localStorage.getItem("cabinet.view") as View) ?? "list");
  const folder = useFolder(ws, folderId);
  const children = useChildren(ws, folderId, sort);
  const invalidate = useInvalidate();
  const { addFiles } = useUploads();
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [dialog, setDialog] = useState<null | "new-folder" | "move" | "rename">(null);
  const [renaming, setRenaming] = useState<Child | null>(null);
  const { error, run } = useAction(() => invalidate(ws));
  const fileInput = useRef<HTMLInputElement>(null);
  const items = useMemo(() => children.data ?? [], [children.data]);
  const chosen = items.filter((c) => selected.has(c.id));

  const choose = (next: View) => {
    setView(next);
    localStorage.setItem("cabinet.view", next);
  };
  const toggle = (id: string) => {
    const next = new Set(selected);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setSelected(next);
  };

  const move = (targets: Child[], destination: string) =>
    run(async () => {
      for (const item of targets) {
        if (item.id === destination) continue;
        if (isFolder(item)) await api.patch(`/workspaces/${ws}/folders/${item.id}`, { parent_id: destination });
        else await api.patch(`/workspaces/${ws}/documents/${item.id}`, { folder_id: destination });
      }
      setSelected(new Set());
    });

  const trash = (targets: Child[]) =>
    run(async () => {
      for (const item of targets) {
        await api.delete(`/workspaces/${ws}/${isFolder(item) ? "folders" : "documents"}/${item.id}`);
      }
      setSelected(new Set());
    });

  const crumbs = folder.data?.breadcrumbs ?? [];
  return (
    <section aria-labelledby="folder-title">
      <nav aria-label="Breadcrumbs" className="breadcrumbs">
        <ol>
          {crumbs.map((c, i) => (
            <li key={c.id}>
              {i < crumbs.length - 1 ? <Link to={`/w/${ws}/f/${c.id}`}>{c.name}</Link> : <span aria-current="page">{c.name}</span>}
            </li>
          ))}
        </ol>
      </nav>
      <div className="toolbar">
        <h1 id="folder-title">{folder.data?.name ?? "…"}</h1>
        <span className="spacer" />
        <label className="inline-field">
          Sort
          <select
            value={sort}
            onChange={(e) => {
              setSort(e.target.value);
              localStorage.setItem("cabinet.sort", e.target.value);
            }}
          >
            {Object.entries(SORTS).map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <div role="group" aria-label="View" className="segmented">
          <button type="button" aria-pressed={view === "list"} onClick={() => choose("list")}>
            List
          </button>
          <button type="button" aria-pressed={view === "grid"} onClick={() => choose("grid")}>
            Grid
          </button>
        </div>
        {canWrite ? (
          <>
            <Button onClick={() => setDialog("new-folder")}>New folder</Button>
            <Button variant="primary" onClick={() => fileInput.current?.click()}>
              Upload
            </Button>
            <input
              ref={fileInput}
              type="file"
              multiple
              hidden
              data-testid="upload-input"
              onChange={(e) => {
                const files = Array.from(e.target.files ?? []).map((file) => ({ file, path: file.name }));
                void addFiles(ws, folderId, files);
                e.target.value = "";
              }}
            />
          </>
        ) : null}
      </div>
      {chosen.length > 0 && canWrite ? (
        <div className="selection-bar" role="region" aria-label="Selection">
          <span>{chosen.length} selected</span>
          <Button onClick={() => setDialog("move")}>Move…</Button>
          <Button variant="danger" onClick={() => void trash(chosen)}>
            Move to trash
          </Button>
          <Button variant="ghost" onClick={() => setSelected(new Set())}>
            Clear
          </Button>
        </div>
      ) : null}
      <ErrorMessage error={error ?? folder.error ?? children.error} />
      {children.isLoading ? (
        <Skeleton lines={6} label="Loading the folder" />
      ) : items.length === 0 ? (
        <EmptyState title="This folder is empty">
          {canWrite ? <p>Drop files or folders anywhere on this page, or use Upload.</p> : null}
        </EmptyState>
      ) : (
        <ul className={view === "grid" ? "items grid" : "items list"} aria-label="Folder contents">
          {items.map((item) => (
            <li
              key={item.id}
              className={`item ${selected.has(item.id) ? "item-selected" : ""}`}
              draggable={canWrite}
              onDragStart={(e) => {
                const ids = selected.has(item.id) ? [...selected] : [item.id];
                e.dataTransfer.setData("application/x-cabinet-items", JSON.stringify(ids));
                e.dataTransfer.effectAllowed = "move";
              }}
              onDragOver={(e) => {
                if (isFolder(item) && e.dataTransfer.types.includes("application/x-cabinet-items")) e.preventDefault();
              }}
              onDrop={(e) => {
                const raw = e.dataTransfer.getData("application/x-cabinet-items");
                if (!isFolder(item) || !raw) return;
                e.preventDefault();
                e.stopPropagation();
                const ids = JSON.parse(raw) as string[];
                void move(items.filter((c) => ids.includes(c.id)), item.id);
              }}
            >
              {canWrite ? (
                <input
                  type="checkbox"
                  aria-label={`Select ${item.name}`}
                  checked={selected.has(item.id)}
                  onChange={() => toggle(item.id)}
                />
              ) : null}
              {view === "grid" ? (
                <div className="item-preview">
                  {isFolder(item) ? <span className="icon-folder" aria-hidden="true" /> : <Thumbnail ws={ws} document={item.id} name={item.name} />}
                </div>
              ) : (
                <span className={isFolder(item) ? "icon-folder" : "icon-file"} aria-hidden="true" />
              )}
              <Link className="item-name" to={itemPath(ws, item)}>
                {item.name}
              </Link>
              <span className="item-meta muted">
                {isFolder(item) ? "Folder" : formatBytes(item.size)} · {formatRelative(item.updated_at)}
              </span>
              {canWrite ? (
                <span className="item-actions">
                  <button type="button" className="link-btn" onClick={() => (setRenaming(item), setDialog("rename"))}>
                    Rename<span className="visually-hidden"> {item.name}</span>
                  </button>
                  <button type="button" className="link-btn" onClick={() => (setSelected(new Set([item.id])), setDialog("move"))}>
                    Move<span className="visually-hidden"> {item.name}</span>
                  </button>
                  <button type="button" className="link-btn danger" onClick={() => void trash([item])}>
                    Delete<span className="visually-hidden"> {item.name}</span>
                  </button>
                </span>
              ) : null}
            </li>
          ))}
        </ul>
      )}
      <NameDialog
        open={dialog === "new-folder"}
        title="New folder"
        label="Folder name"
        action="Create"
        save={async (name) => {
          await api.post(`/workspaces/${ws}/folders`, { name, parent_id: folderId });
          await invalidate(ws);
        }}
        onClose={() => setDialog(null)}
      />
      <NameDialog
        open={dialog === "rename" && renaming !== null}
        title="Rename"
        label="New name"
        action="Rename"
        initial={renaming?.name}
        save={async (name) => {
          if (!renaming) return;
          await api.patch(`/workspaces/${ws}/${isFolder(renaming) ? "folders" : "documents"}/${renaming.id}`, { name });
          await invalidate(ws);
        }}
        onClose={() => setDialog(null)}
      />
      <Dialog open={dialog === "move"} title={`Move ${chosen.length} item${chosen.length === 1 ? "" : "s"}`} onClose={() => setDialog(null)}>
        <FolderPicker
          ws={ws}
          exclude={chosen.filter(isFolder).map((f) => f.id)}
          onPick={(destination) => {
            setDialog(null);
            void move(chosen, destination);
          }}
        />
      </Dialog>
    </section>
  );
}

/** Asks for a name and saves it; the server's objection shows under the
 * field. The field starts from `initial` whenever the dialog opens. */
function NameDialog({
  open,
  title,
  label,
  action,
  initial = "",
  save,
  onClose,
}: {
  open: boolean;
  title: string;
  label: string;
  action: string;
  initial?: string;
  save: (name: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const [name, setName] = useState(initial);
  const { busy, error, setError, run } = useAction();
  const [wasOpen, setWasOpen] = useState(open);
  if (open !== wasOpen) {
    setWasOpen(open);
    if (open) {
      setName(initial);
      setError(null);
    }
  }
  const formId = useId();
  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await run(() => save(name))) onClose();
  }
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button type="submit" form={formId} variant="primary" busy={busy}>
            {action}
          </Button>
        </>
      }
    >
      <form id={formId} onSubmit={submit}>
        <TextField label={label} required autoFocus value={name} onChange={(e) => setName(e.target.value)} error={error ? problemMessage(error) : undefined} />
      </form>
    </Dialog>
  );
}
