// Picks a destination folder by walking the tree from the root.
import { useState } from "react";
import { useChildren, useFolder, useWorkspaces } from "../api/hooks";
import { isFolder } from "../api/types";
import { Button, Skeleton } from "./ui";

export function FolderPicker({ ws, exclude, onPick }: { ws: string; exclude: string[]; onPick: (id: string) => void }) {
  const root = useWorkspaces().data?.find((w) => w.id === ws)?.root_folder_id;
  const [at, setAt] = useState<string | null>(null);
  const current = at ?? root ?? "";
  const folder = useFolder(ws, current);
  const children = useChildren(ws, current, "name");
  if (!current || children.isLoading) return <Skeleton lines={3} label="Loading folders" />;
  const folders = (children.data ?? []).filter(isFolder).filter((f) => !exclude.includes(f.id));
  const crumbs = folder.data?.breadcrumbs ?? [];
  return (
    <div className="picker">
      <p className="breadcrumbs-inline">
        {crumbs.map((c, i) => (
          <span key={c.id}>
            {i > 0 ? " / " : ""}
            <button type="button" className="link-btn" onClick={() => setAt(c.id)}>
              {c.name}
            </button>
          </span>
        ))}
      </p>
      <ul className="picker-list" aria-label="Folders">
        {folders.length === 0 ? <li className="muted">No folders here</li> : null}
        {folders.map((f) => (
          <li key={f.id}>
            <button type="button" className="link-btn" onClick={() => setAt(f.id)}>
              <span className="icon-folder" aria-hidden="true" /> {f.name}
            </button>
          </li>
        ))}
      </ul>
      <Button variant="primary" onClick={() => onPick(current)}>
        Move here
      </Button>
    </div>
  );
}
