import { useParams } from "react-router-dom";
import { api } from "../api/client";
import { useInvalidate, useTrash, useWorkspaces } from "../api/hooks";
import type { TrashItem } from "../api/types";
import { Button, EmptyState, ErrorMessage, Skeleton } from "../components/ui";
import { formatRelative } from "../lib/format";
import { useAction } from "../lib/useAction";

export default function TrashPage() {
  const { ws = "" } = useParams();
  const trash = useTrash(ws);
  const invalidate = useInvalidate();
  const role = useWorkspaces().data?.find((w) => w.id === ws)?.role;
  const { error, run: act } = useAction(() => invalidate(ws));
  const plural = (item: TrashItem) => (item.kind === "folder" ? "folders" : "documents");

  return (
    <section aria-labelledby="trash-title">
      <h1 id="trash-title">Trash</h1>
      <p className="muted">Items stay here for 30 days, then they are deleted for good.</p>
      <ErrorMessage error={error ?? trash.error} />
      {trash.isLoading ? (
        <Skeleton lines={4} label="Loading the trash" />
      ) : trash.data?.length === 0 ? (
        <EmptyState title="The trash is empty" />
      ) : (
        <ul className="items list" aria-label="Trash">
          {trash.data?.map((item) => (
            <li key={item.id} className="item">
              <span className={item.kind === "folder" ? "icon-folder" : "icon-file"} aria-hidden="true" />
              <span className="item-name">{item.name}</span>
              <span className="muted">deleted {formatRelative(item.trashed_at)}</span>
              {role !== "viewer" ? (
                <Button onClick={() => void act(() => api.post(`/workspaces/${ws}/${plural(item)}/${item.id}/restore`, {}))}>
                  Restore<span className="visually-hidden"> {item.name}</span>
                </Button>
              ) : null}
              {role === "owner" || role === "admin" ? (
                <Button variant="danger" onClick={() => void act(() => api.delete(`/workspaces/${ws}/trash/${plural(item)}/${item.id}`))}>
                  Delete for good<span className="visually-hidden"> {item.name}</span>
                </Button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
